"""The direct road must give the stories feedparser gives, or step aside.

Every document here goes through `parse_feed` twice from the same bytes: with the direct road
(`reader.sources.directfeed`) and with feedparser alone, and both must give identical stories
(or the same "not a feed" message). The documents: the fixture feeds, generated benchmark
feeds for a few seeds, hand-written edge cases, and random feeds put together by hypothesis.
tests/test_directfeed.py adds which documents the road must take and which it must leave.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.feedcorpus import Corpus
from reader.sources import directfeed
from reader.sources.feedfile import NotAFeed, parse_feed
from tests.helpers.feed_cases import (
    ALL_ITEMS,
    ATOM_ENTRIES,
    CHANNEL,
    DECLINED,
    FEED,
    FEEDS,
    ODD,
    RSS_ITEMS,
    RSS_TYPE,
    URL,
    random_atom,
    random_rss,
)

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


FIELDS = ("key", "title", "link", "author", "published", "updated", "body_html", "lead",
          "teasers")


def stories(data: bytes, url: str = URL, content_type: str = "") -> list[tuple[Any, ...]]:
    try:
        result = parse_feed(data, url=url, content_type=content_type)
    except NotAFeed as exc:
        return [("not a feed", str(exc))]
    return [(result.title, result.link, tuple(result.problems))] + [
        tuple(getattr(entry, name) for name in FIELDS) for entry in result.entries]


def same_stories(data: bytes, monkeypatch: pytest.MonkeyPatch, url: str = URL,
                 content_type: str = "") -> None:
    fast = stories(data, url, content_type)
    with monkeypatch.context() as patch:
        patch.setattr(directfeed, "parse", lambda *args, **kwargs: None)
        assert stories(data, url, content_type) == fast


# -- the corpus --------------------------------------------------------------------------------

def bench_feeds(seed: int, count: int) -> list[tuple[bytes, str]]:
    corpus = Corpus(seed)
    feeds = [corpus.feed(i, 1_700_000_000.0) for i in range(count)]
    return [(f.body, RSS_TYPE if f.kind == "rss" else "application/atom+xml") for f in feeds]


@pytest.mark.parametrize("seed", [1, 7, 2024])
def test_benchmark_feeds_give_the_same_stories(seed: int,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for body, kind in bench_feeds(seed, 4):
        same_stories(body, monkeypatch, content_type=kind)


@pytest.mark.parametrize("path", sorted(FEEDS.iterdir()), ids=lambda p: p.name)
def test_fixture_feeds(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = path.read_bytes()
    for url, kind in ((URL, ""), ("", ""), (URL, "application/xml"), (URL, "text/xml")):
        same_stories(data, monkeypatch, url, kind)


def test_parse_feed_uses_the_direct_road(monkeypatch: pytest.MonkeyPatch) -> None:
    body, kind = bench_feeds(3, 1)[0]

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("feedparser was asked")

    monkeypatch.setattr(feedparser, "parse", refuse)
    assert parse_feed(body, url=URL, content_type=kind).entries




@pytest.mark.parametrize("name", sorted(RSS_ITEMS))
def test_rss_edge_cases(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = CHANNEL.format(items=RSS_ITEMS[name]).encode("utf-8")
    same_stories(data, monkeypatch, content_type=RSS_TYPE)


@pytest.mark.parametrize("name", sorted(ATOM_ENTRIES))
def test_atom_edge_cases(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = FEED.format(items=ATOM_ENTRIES[name]).encode("utf-8")
    same_stories(data, monkeypatch)


@pytest.mark.parametrize("name", sorted(DECLINED))
def test_unusual_documents_are_left_to_feedparser(name: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    data = DECLINED[name].encode("utf-8")
    assert directfeed.parse(data, url=URL) is None
    same_stories(data, monkeypatch)



@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_documents(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = ODD[name].encode("utf-8")
    for url in (URL, ""):
        same_stories(data, monkeypatch, url=url)




@pytest.mark.parametrize(("encode", "content_type"), [
    (lambda text: text.encode("utf-8"), ""),
    (lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"), RSS_TYPE),
    (lambda text: text.encode("utf-8"), "text/xml"),
    (lambda text: text.encode("utf-8"), "text/html; charset=utf-8"),
    (lambda text: text.encode("utf-8"), "application/xml; charset=iso-8859-1"),
    (lambda text: text.replace('encoding="utf-8"', 'encoding="iso-8859-1"')
     .encode("iso-8859-1", "xmlcharrefreplace"), ""),
    (lambda text: text.replace('encoding="utf-8"', 'encoding="windows-1252"')
     .encode("cp1252", "xmlcharrefreplace"), "application/rss+xml"),
    (lambda text: text.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16"), ""),
    (lambda text: text.replace('<?xml version="1.0" encoding="utf-8"?>\n', "")
     .encode("utf-8"), ""),
], ids=["utf8", "bom", "text-xml", "text-html", "header-latin1", "latin1", "cp1252", "utf16",
        "no-declaration"])
def test_encodings(encode: Any, content_type: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = encode(CHANNEL.format(items=ALL_ITEMS))
    same_stories(data, monkeypatch, content_type=content_type)


def test_rss10(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (FEEDS / "rss10.rdf").read_bytes()
    same_stories(data, monkeypatch, url="")



@SETTINGS
@given(st.one_of(random_rss(), random_atom()), st.sampled_from(["", URL]))
def test_random_feeds_give_the_same_stories(data: bytes, url: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        same_stories(data, monkeypatch, url=url)
