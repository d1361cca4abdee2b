"""OPML: round trips through our own cache and newsboat; hostile lists are refused in words."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest

from reader.service.subscriptions import export_opml, import_opml
from reader.sources.opml import OpmlError, parse_opml
from reader.store import Store

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>from another reader</title></head><body>
  <outline text="Loose feed" type="rss" xmlUrl="https://example.org/loose.xml"/>
  <outline text="Tech">
    <outline text="Python">
      <outline title="Planet Python" text="ignored" type="rss"
               xmlUrl="https://planetpython.org/rss20.xml" htmlUrl="https://planetpython.org/"/>
    </outline>
    <outline text="LWN" type="rss" xmlUrl="https://lwn.net/headlines/rss"/>
  </outline>
  <outline text="News"><outline text="BBC" xmlUrl="http://feeds.bbci.co.uk/news/rss.xml"/>
  </outline>
</body></opml>"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Store(tmp_path / "a" / "cache.sqlite3")
    yield db
    db.close()


def subscriptions(store: Store) -> set[tuple[str, str, str]]:
    return {(s.location, s.title, s.folder) for s in store.sources() if s.kind == "feed"}


def test_parse_nested_outlines_become_folders() -> None:
    feeds = parse_opml(NESTED)
    assert [(f.url, f.title, f.folder) for f in feeds] == [
        ("https://example.org/loose.xml", "Loose feed", ""),
        ("https://planetpython.org/rss20.xml", "Planet Python", "Tech/Python"),
        ("https://lwn.net/headlines/rss", "LWN", "Tech"),
        ("http://feeds.bbci.co.uk/news/rss.xml", "BBC", "News"),
    ]
    assert feeds.rejected == []


def test_round_trip_into_an_empty_cache(store: Store, tmp_path: Path) -> None:
    report = import_opml(store, NESTED)
    assert len(report.added) == 4 and report.skipped == []
    store.add_source("file", str(tmp_path / "notes.md"), "My notes")  # local: not exported
    exported = export_opml(store)
    other = Store(tmp_path / "b" / "cache.sqlite3")
    try:
        again = import_opml(other, exported.encode("utf-8"))
        assert again.skipped == []
        assert subscriptions(other) == subscriptions(store)
        assert {s.folder for s in other.sources()} == {"", "Tech", "Tech/Python", "News"}
    finally:
        other.close()


def test_export_is_opml_2_with_nested_outlines(store: Store) -> None:
    import_opml(store, NESTED)
    root = ElementTree.fromstring(export_opml(store))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.find("head/title") is not None and root.find("head/dateCreated") is not None
    feeds = [o for o in root.iter("outline") if o.get("xmlUrl")]
    assert len(feeds) == 4
    assert all(o.get("type") == "rss" and o.get("text") for o in feeds)
    nested = root.find("body/outline[@text='Tech']/outline[@text='Python']/outline")
    assert nested is not None and nested.get("xmlUrl") == "https://planetpython.org/rss20.xml"
    assert nested.get("title") == "Planet Python"


def test_export_escapes_what_a_title_carries(store: Store) -> None:
    store.add_source("feed", "https://example.org/a?x=1&y=2", 'Tom & "Jerry" <3 \x1b[2J')
    text = export_opml(store)
    [feed] = parse_opml(text.encode())
    assert feed.url == "https://example.org/a?x=1&y=2"
    assert feed.title == 'Tom & "Jerry" <3 [2J'


@pytest.mark.skipif(shutil.which("newsboat") is None, reason="newsboat is not installed")
def test_newsboat_imports_our_export(store: Store, tmp_path: Path) -> None:
    import_opml(store, NESTED)
    opml = tmp_path / "export.opml"
    opml.write_text(export_opml(store), encoding="utf-8")
    urls = tmp_path / "urls"
    urls.write_text("")
    subprocess.run(["newsboat", "-i", str(opml), "-u", str(urls), "-c",
                    str(tmp_path / "cache.db"), "-C", "/dev/null"],
                   check=True, capture_output=True, timeout=30)
    lines = urls.read_text().splitlines()
    assert 'https://planetpython.org/rss20.xml "Tech/Python"' in lines
    assert 'https://lwn.net/headlines/rss "Tech"' in lines
    assert len(lines) == 4


HOSTILE = b"""<?xml version="1.0"?>
<opml version="2.0"><body>
  <outline text="runs a command" xmlUrl="exec:rm -rf ~"/>
  <outline text="filters" xmlUrl="filter:/tmp/evil.sh:http://example.org/feed"/>
  <outline text="local file" xmlUrl="file:///etc/passwd"/>
  <outline text="piped" xmlUrl="|cat /etc/passwd"/>
  <outline text="query feed" xmlUrl='query:unread:unread = "yes"'/>
  <outline text="script" xmlUrl="javascript:alert(1)"/>
  <outline text="no host" xmlUrl="http:///nothing"/>
  <outline text="spaced" xmlUrl="http://example.org/a b"/>
  <outline text="fine" xmlUrl="  https://example.org/fine.xml  "/>
  <outline text="twice" xmlUrl="https://example.org/fine.xml"/>
</body></opml>"""


def test_only_http_urls_are_imported(store: Store) -> None:
    feeds = parse_opml(HOSTILE)
    assert [f.url for f in feeds] == ["https://example.org/fine.xml"]
    assert len(feeds.rejected) == 9
    for name in ("runs a command", "filters", "local file", "piped", "query feed", "script"):
        assert any(r.startswith(name + ":") and "http(s)" in r for r in feeds.rejected)
    report = import_opml(store, HOSTILE)
    assert [s.location for s in report.added] == ["https://example.org/fine.xml"]
    assert len(report.skipped) == 9
    assert [s.location for s in store.sources()] == ["https://example.org/fine.xml"]


def test_import_skips_what_is_already_subscribed(store: Store) -> None:
    store.add_source("feed", "https://lwn.net/headlines/rss", "LWN")
    report = import_opml(store, NESTED)
    assert len(report.added) == 3
    assert report.skipped == ["https://lwn.net/headlines/rss: already subscribed"]


@pytest.mark.parametrize("document", [
    b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
    b'<opml version="2.0"><body><outline text="&b;" xmlUrl="http://e.org/"/></body></opml>',
    b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<opml version="2.0"><body><outline text="&x;" xmlUrl="http://e.org/"/></body></opml>',
    b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x">%p;]>'
    b'<opml version="2.0"><body/></opml>',
], ids=["internal-entities", "external-entity", "parameter-entity"])
def test_entities_are_refused(document: bytes, store: Store) -> None:
    with pytest.raises(OpmlError) as info:
        parse_opml(document)
    assert str(info.value).startswith("not an OPML file")
    report = import_opml(store, document)
    assert report.added == [] and report.error.startswith("not an OPML file")


def test_entities_are_refused_by_the_lenient_reader_too() -> None:
    # A bare "&" makes the strict parse fail before it reaches the declarations' use; the
    # lenient reader must not become a way round the refusal.
    document = (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa">]>'
                b'<opml version="2.0"><body><outline text="Q & A" xmlUrl="http://e.org/"/>'
                b'<outline text="&a;" xmlUrl="http://e.org/b"/></body></opml>')
    with pytest.raises(OpmlError, match="declares XML entities"):
        parse_opml(document)


@pytest.mark.parametrize(("document", "reason"), [
    (b"", "not an OPML file: it is empty"),
    (b"  \n\t\n", "not an OPML file: it is empty"),
    (b"<html><body>hello</body></html>", "not an OPML file: it is a web page"),
    (b"<!DOCTYPE html><html><body><p>a & b<br></body></html>",
     "not an OPML file: it is a web page"),
    (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>',
     "not an OPML file: it is a feed (RSS)"),
    (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>',
     "not an OPML file: it is a feed (Atom)"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}',
     "not an OPML file: it is JSON"),
    (b"my feeds:\nhttps://example.org/feed.xml\n",
     "not an OPML file: there is no <opml> element in it"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not an OPML file: it is a binary file"),
    (b"<subscriptions><feed/></subscriptions>",
     "not an OPML file: the document is <subscriptions>"),
])
def test_not_opml_is_told_in_plain_words(document: bytes, reason: str, store: Store) -> None:
    with pytest.raises(OpmlError) as info:
        parse_opml(document)
    assert str(info.value).startswith(reason)
    report = import_opml(store, document)
    assert report.error == str(info.value) and report.added == []


# -- real exports: what other readers write, quirks included ----------------------------------

OPML = Path(__file__).parent / "fixtures" / "opml"


@dataclass(frozen=True)
class Export:
    """What one app's export must give: every feed (url, title, folder), how many outlines
    are refused, and whether it had to be read leniently (a note says so)."""

    name: str
    feeds: list[tuple[str, str, str]]
    rejected: int = 0
    lenient: bool = False


EXPORTS = [
    Export("newsboat.opml", [  # a bare & in a URL and a title; newsboat's own query/exec feeds
        ("https://lwn.net/headlines/rss", "LWN.net", ""),
        ("https://example.com/search?q=rust&sort=new&format=rss", "Search: rust & friends", ""),
        ("https://blog.example.net/feed.atom", "A blog", ""),
        ("https://example.org/podcast.xml?a=1&copy=2", "Podcast", ""),  # not "©=2"
    ], rejected=2, lenient=True),
    Export("feedly.opml", [  # HTML entities, double escaping, a bare &
        ("https://feeds.arstechnica.example/arstechnica/index",
         "Ars Technica \u2013 All content", "Tech & Science"),
        ("https://cafe-physique.example/feed/", "Café Physique", "Tech & Science"),
        ("https://hnrss.example/frontpage", "Hacker News: Front Page", "Tech & Science"),
        ("https://salt-fat.example/rss", "Salt, Fat & Acid", "Cooking"),
        ("https://daringfireball.example/feeds/main", "Daring Fireball", "Uncategorized"),
    ], lenient=True),
    Export("inoreader.opml", [  # a UTF-8 BOM, folders two deep, type="atom"
        ("https://lemonde.example/rss/une.xml", "Le Monde – À la une", "News"),
        ("https://aljazeera.example/xml/rss/all.xml", "Al Jazeera", "News/World"),
        ("https://reuters.example/world.atom", "Reuters <World>", "News/World"),
        ("https://pythoninsider.example/feeds/posts/default", "Python Insider", "Dev"),
        ("https://changelog.example/feed", "The Changelog", "Dev"),
    ]),
    Export("netnewswire.opml", [  # a raw < and & in a description
        ("https://daringfireball.example/feeds/json", "Daring Fireball", ""),
        ("https://sixcolors.example/feed/", "Six Colors", "Apple"),
        ("https://atp.example/rss", "ATP", "Apple/Podcasts"),
        ("https://relay.example/upgrade/feed", "Upgrade", "Apple/Podcasts"),
        ("https://inessential.example/xml/rss.xml", "inessential", ""),
    ], lenient=True),
    Export("miniflux.opml", [  # no type attribute, explicit </outline>, &#39;
        ("https://jvns.example/atom.xml", "Julia Evans", "All"),
        ("https://simonwillison.example/atom/everything/", "Simon Willison's Weblog", "All"),
        ("https://phoronix.example/rss.php", "Phoronix", "Linux"),
        ("https://lwn.net/headlines/rss", "LWN.net", "Linux"),
    ]),
    Export("freshrss.opml", [  # namespaced attributes; a scraped page is not a feed
        ("https://github.example/FreshRSS/FreshRSS/releases.atom", "FreshRSS releases",
         "Sans catégorie"),
        ("https://quanta.example/feed/", "Quanta Magazine", "Science"),
        ("https://nature.example/nature.rss", "Nature", "Science"),
    ], rejected=1),
    Export("thunderbird.opml", [  # latin-1 bytes under a UTF-8 declaration
        ("https://cafe-commerce.example/flux.xml", "Le Café du Commerce",
         "Blogs & News Feeds/Actualités"),
        ("https://mueller.example/feed/", "Müller's Notizen", "Blogs & News Feeds/Actualités"),
        ("https://blog.mozilla.example/feed/", "Mozilla Blog", "Blogs & News Feeds"),
    ]),
    Export("ttrss_truncated.opml", [  # one line, cut short in the middle of an outline
        ("https://xkcd.example/rss.xml", "xkcd.com", "Comics"),
        ("https://smbc.example/comic/rss", "Saturday Morning Breakfast Cereal", "Comics"),
        ("https://this-week-in-rust.example/rss.xml", "This Week in Rust", "Programming/Rust"),
        ("https://go.example/blog/feed.atom", "Go blog", "Programming"),
    ], rejected=1, lenient=True),
    Export("handwritten.opml", [  # xmlurl, XMLURL, url; UTF-8 declared as ISO-8859-1
        ("https://kottke.example/index.xml", "Kottke", "Reading"),
        ("https://liferea.example/feed.rss", "Old Liferea entry", "Reading"),
        ("https://marginalian.example/feed/", "The Marginalian", "Reading"),
        ("https://meteo.example/rss", "Météo", "Reading"),
    ], rejected=1),
]


@pytest.mark.parametrize("export", EXPORTS, ids=[e.name for e in EXPORTS])
def test_real_exports_are_read_whole(export: Export) -> None:
    feeds = parse_opml((OPML / export.name).read_bytes())
    assert [(f.url, f.title, f.folder) for f in feeds] == export.feeds
    assert len(feeds.rejected) == export.rejected, feeds.rejected
    assert any("read leniently" in note for note in feeds.notes) == export.lenient


def test_every_export_fixture_is_checked() -> None:
    assert sorted(p.name for p in OPML.glob("*.opml")) == sorted(e.name for e in EXPORTS)


def test_a_file_cut_short_keeps_what_came_before_and_says_so() -> None:
    feeds = parse_opml((OPML / "ttrss_truncated.opml").read_bytes())
    assert len(feeds) == 4
    assert any("ends before </opml> (cut short?): 4 feeds read" in n for n in feeds.notes)
    [unread] = feeds.rejected
    assert unread.startswith("line 1: could not read") and "Zig News" in unread


def test_what_is_not_a_feed_is_skipped_with_its_reason() -> None:
    assert parse_opml((OPML / "freshrss.opml").read_bytes()).rejected == [
        "A page without a feed: a web page scraped by FreshRSS, not a feed"]
    assert parse_opml((OPML / "handwritten.opml").read_bytes()).rejected == [
        "A link, not a feed: a link to a web page, not a feed"]


def test_a_lenient_read_never_turns_markup_into_an_escape() -> None:
    document = (b'<opml><body><outline text="Bell\x07 &amp; \x1b[31mred\x1b[0m & co" '
                b'xmlUrl="https://e.org/a?b=1&c=2"/></body></opml>')
    [feed] = parse_opml(document)
    assert feed.title == "Bell & [31mred[0m & co"
    assert feed.url == "https://e.org/a?b=1&c=2"


def test_import_of_real_exports_into_one_cache(store: Store) -> None:
    added = 0
    for export in EXPORTS:
        report = import_opml(store, (OPML / export.name).read_bytes())
        assert report.error == ""
        added += len(report.added)
    # LWN is in two of the lists: the second time it is skipped, as already subscribed.
    urls = {url for export in EXPORTS for url, _title, _folder in export.feeds}
    assert added == len(urls) == len(store.sources())
    assert {"News/World", "Apple/Podcasts", "Programming/Rust"} <= {
        s.folder for s in store.sources()}


def test_nothing_importable_is_an_error_but_already_subscribed_is_not(store: Store) -> None:
    empty = b'<opml version="2.0"><body><outline text="Folder"/></body></opml>'
    assert "not a single feed" in import_opml(store, empty).error
    refused = b'<opml version="2.0"><body><outline text="x" xmlUrl="exec:id"/></body></opml>'
    report = import_opml(store, refused)
    assert report.error.startswith("none of its feeds") and len(report.skipped) == 1
    first = import_opml(store, NESTED)
    assert first.error == "" and len(first.added) == 4 and first.folders == 3
    again = import_opml(store, NESTED)
    assert again.error == "" and again.added == [] and again.already == 4


def test_a_lenient_read_keeps_folders_whichever_way_feeds_are_closed() -> None:
    explicit = (b'<opml><body><outline text="Q & A"><outline text="a" xmlUrl="https://e.org/a">'
                b'</outline><outline text="b" xmlUrl="https://e.org/b"/></outline>'
                b'<outline text="top" xmlUrl="https://e.org/top"></outline></body></opml>')
    assert [(f.title, f.folder) for f in parse_opml(explicit)] == [
        ("a", "Q & A"), ("b", "Q & A"), ("top", "")]
    # Feeds never closed (as HTML would write them) are leaves, not ever deeper folders.
    unclosed = b'<opml><body><outline text="A & B">' + b"".join(
        b'<outline text="f%d" xmlUrl="https://e.org/%d">' % (i, i) for i in range(80)
    ) + b"</body></opml>"
    feeds = parse_opml(unclosed)
    assert len(feeds) == 80 and {f.folder for f in feeds} == {"A & B"}
