"""OPML: round trips through our own cache and newsboat; hostile lists are refused in words."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

from reader.sources.opml import OpmlError, export_opml, import_opml, parse_opml
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
    assert report.added == [] and report.skipped[0].startswith("not an OPML file")


@pytest.mark.parametrize(("document", "reason"), [
    (b"", "not an OPML file"),
    (b"<html><body>hello</body></html>", "not an OPML file: the document is <html>"),
    (b"<opml><body><outline", "not an OPML file"),
])
def test_not_opml_is_told(document: bytes, reason: str) -> None:
    with pytest.raises(OpmlError) as info:
        parse_opml(document)
    assert str(info.value).startswith(reason)
