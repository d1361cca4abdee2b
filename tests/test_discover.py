"""Autodiscovery reads only <link rel="alternate"> feed tags, resolves them, and keeps http(s)."""

from __future__ import annotations

from reader.sources.discover import find_feed_links

BASE = "https://example.org/blog/post.html"


def test_the_usual_links_in_page_order() -> None:
    page = b"""<html><head>
      <link rel="stylesheet" href="/s.css">
      <LINK REL="Alternate" TYPE="application/rss+xml" TITLE="Posts" HREF="/feed.xml">
      <link rel="alternate" type="application/atom+xml; charset=utf-8" href="atom.xml">
      <link rel="alternate" type="application/feed+json" title="JSON"
            href="//cdn.example.org/f.json">
      <link rel="alternate" type="text/html" href="/other.html">
      <link rel="alternate" hreflang="fr" href="/fr/">
    </head><body></body></html>"""
    assert find_feed_links(page, BASE) == [
        ("Posts", "https://example.org/feed.xml"),
        ("Atom", "https://example.org/blog/atom.xml"),
        ("JSON", "https://cdn.example.org/f.json"),
    ]


def test_base_href_duplicates_and_unsafe_schemes() -> None:
    page = """<head><base href="https://feeds.example.net/x/">
      <link rel="alternate feed" type="application/rss+xml" href="a.rss">
      <link rel="alternate" type="application/rss+xml" href="https://feeds.example.net/x/a.rss">
      <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
      <link rel="alternate" type="application/rss+xml" href="file:///etc/passwd">
      <link rel="alternate" type="application/rss+xml" href="">
    </head>"""
    assert find_feed_links(page, BASE) == [("RSS", "https://feeds.example.net/x/a.rss")]


def test_titles_are_cleaned_of_terminal_controls() -> None:
    page = ('<link rel="alternate" type="application/rss+xml" '
            'title="Evil\x1b]0;pwned\x07 &amp; title\u202e" href="/f">')
    [(title, url)] = find_feed_links(page, BASE)
    assert "\x1b" not in title and "\u202e" not in title and "&" in title
    assert url == "https://example.org/f"


def test_a_page_with_no_feeds() -> None:
    assert find_feed_links(b"<html><head><title>x</title></head><body>hi</body></html>",
                           BASE) == []
    assert find_feed_links(b"\x00\xff garbage <link", BASE) == []


def test_charset_from_the_header_or_meta() -> None:
    page = ('<meta charset="iso-8859-1"><link rel="alternate" type="application/rss+xml" '
            'title="Caf\xe9" href="/f">').encode("latin-1")
    assert find_feed_links(page, BASE) == [("Caf\xe9", "https://example.org/f")]
    assert find_feed_links(page, BASE, "text/html; charset=latin-1")[0][0] == "Caf\xe9"
