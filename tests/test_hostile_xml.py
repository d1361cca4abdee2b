"""Hostile XML: entity bombs, external entities, quadratic blowup, slow fields, bad encodings.

Each payload goes through the real parser (`parse_feed`, the refresh's worker pool, a local
feed file) and the tests assert what matters to a reader: the parse ends in bounded time and
memory, no file is opened and no connection made on a document's say-so (checked with an
audit hook and with a loopback server that counts hits), nothing raises but `NotAFeed`, and
no control character comes out.
"""

# ruff: noqa: F811 - pytest fixtures imported from tests.feedserver are redefined as arguments
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from reader.models import ParseResult
from reader.refresh import refresh
from reader.refresh.parsing import HANDFUL, Parser
from reader.render import render_story
from reader.sources import feedfile
from reader.sources.feedfile import NotAFeed, needs_isolation, parse_feed
from reader.sources.local import read_local
from reader.sources.parse_worker import ParseFailed, parse_isolated
from reader.store import Store
from tests.feedserver import FeedServer, feed_server  # noqa: F401
from tests.hostile import FIXTURES, forbidden_in, watching

SECRET = "TOP-SECRET-MARKER-7f3a"


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def payload(name: str, marker: Path, server: FeedServer) -> bytes:
    text = (FIXTURES / name).read_text()
    return text.replace("@MARKER@", str(marker)).replace("@URL@", server.base).encode()


def all_text(result: ParseResult) -> str:
    return result.title + "".join(e.title + e.body_html + e.author + e.lead + e.link
                                  for e in (*result.entries, *result.rows))


def quadratic(entity_size: int = 10_000, references: int = 50_000) -> bytes:
    """One large internal entity referenced many times: 160 KB that would expand to 400 MB
    (feedparser 6 expands what expat refuses in its lenient parser: 39 s and 5.7 GB measured
    for a document of this size)."""
    entity = "A" * entity_size
    refs = "&a;" * references
    return (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{entity}">]>'
            f'<rss version="2.0"><channel><title>Quadratic</title><item><title>q</title>'
            f"<guid>q1</guid><description>{refs}</description></item></channel></rss>").encode()


# -- entities and DTDs ---------------------------------------------------------------------------

def test_billion_laughs_is_defused_in_the_parser() -> None:
    data = (FIXTURES / "billion_laughs.xml").read_bytes()
    started = time.process_time()
    result = parse_feed(data)
    assert time.process_time() - started < 2
    assert [e.title for e in result.entries] == ["Survivor"]
    assert "lollol" not in all_text(result) and len(all_text(result)) < 2000


def test_billion_laughs_through_a_refresh(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/laughs", (FIXTURES / "billion_laughs.xml").read_bytes())
    source = store.add_source("feed", feed_server.url("/laughs"))
    (outcome,) = refresh(store, [source])
    assert outcome.ok and [s.title for s in store.stories_of(source.id)] == ["Survivor"]


@pytest.mark.parametrize("name", ["xxe.xml.in", "external_dtd.xml.in", "public_dtd.xml.in"])
def test_external_entities_open_no_file_and_make_no_connection(
        name: str, marker: Path, feed_server: FeedServer) -> None:
    data = payload(name, marker, feed_server)
    with watching() as watch:
        try:
            result = parse_feed(data, url=feed_server.url("/feed"))
        except NotAFeed:
            result = None
    assert str(marker) not in watch.opened_paths()
    assert not any(str(marker) in p for p in watch.opened_paths())
    assert watch.connected == [] and watch.resolved == [] and watch.spawned == []
    assert feed_server.requests == []
    if result is not None:
        assert SECRET not in all_text(result)


@pytest.mark.parametrize("name", ["xxe.xml.in", "external_dtd.xml.in", "public_dtd.xml.in"])
def test_external_entities_through_a_refresh_and_the_worker_pool(
        name: str, marker: Path, store: Store, feed_server: FeedServer) -> None:
    """Served over HTTP and parsed where the refresh parses (a worker process for these):
    the only request the server sees is the feed itself."""
    feed_server.route("/feed", payload(name, marker, feed_server))
    source = store.add_source("feed", feed_server.url("/feed"))
    refresh(store, [source])
    assert [r.path for r in feed_server.requests] == ["/feed"]
    for story in store.stories_of(source.id):
        assert SECRET not in story.title + story.body_html
    stored = store.get_source(source.id)
    assert stored is not None and SECRET not in stored.title + stored.last_error


def test_external_entities_in_a_local_feed_file(tmp_path: Path, marker: Path,
                                                feed_server: FeedServer) -> None:
    feed = tmp_path / "news" / "feed.xml"
    feed.parent.mkdir()
    feed.write_bytes(payload("xxe.xml.in", marker, feed_server))
    with watching() as watch:
        scan = read_local(feed.parent)
    assert str(marker) not in watch.opened_paths()
    assert feed_server.requests == [] and watch.connected == []
    assert all(SECRET not in e.title + e.body_html for e in scan.result.entries)


# -- quadratic blowup and slow fields ------------------------------------------------------------

def test_quadratic_blowup_is_cut_before_the_parser_sees_it() -> None:
    data = quadratic()
    assert len(data) >= 160_000 and needs_isolation(data)
    started = time.process_time()
    result = parse_feed(data)
    assert time.process_time() - started < 2
    (entry,) = result.entries
    assert "A" * 100 not in entry.body_html  # not expanded: left as the text "&a;"
    assert len(entry.body_html) < 3 * len(data)


def test_an_entity_subset_that_hides_the_root_is_refused_in_words() -> None:
    data = quadratic(entity_size=80_000, references=30_000)
    started = time.process_time()
    with pytest.raises(NotAFeed, match="no XML element found"):
        parse_feed(data)
    assert time.process_time() - started < 1


async def test_quadratic_blowup_goes_to_a_bounded_worker() -> None:
    async with Parser(expected=1, timeout=10) as parser:
        result = await parser.parse(quadratic(), "http://example.org/q")
        assert parser.in_pool == 1 and parser.in_threads == 0
    assert len(result.rows) == 1


def test_quadratic_blowup_through_a_refresh_leaves_others_alone(store: Store,
                                                                 feed_server: FeedServer) -> None:
    feed_server.route("/q", quadratic())
    feed_server.route("/good", (FIXTURES.parent / "feeds" / "rss20.xml").read_bytes())
    bad = store.add_source("feed", feed_server.url("/q"))
    good = store.add_source("feed", feed_server.url("/good"))
    started = time.monotonic()
    outcomes = refresh(store, [bad, good])
    assert time.monotonic() - started < 60  # unbounded: 39 s and 5.7 GB (and then some)
    assert outcomes[1].ok and outcomes[1].new == 3
    for story in store.stories_of(bad.id):
        assert "A" * 100 not in story.body_html


def test_a_local_quadratic_feed_file_is_parsed_in_a_worker(tmp_path: Path) -> None:
    (tmp_path / "q.xml").write_bytes(quadratic())
    started = time.monotonic()
    scan = read_local(tmp_path)
    assert time.monotonic() - started < 60
    assert [e.title for e in scan.result.entries] == ["q"]


@pytest.mark.parametrize("element", ["author", "dc:creator", "managingEditor", "webMaster",
                                     "dc:publisher", "itunes:author"])
def test_long_names_do_not_stall_feedparser(element: str) -> None:
    """feedparser's name handling is quadratic: 32 KB in any of these took 6-9 s."""
    name = "n" * 32_000
    inner = f"<{element}>{name}</{element}>"
    data = (f'<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            f'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>t'
            f"</title>{inner}<item><title>x</title><guid>g</guid>{inner}</item></channel>"
            "</rss>").encode()
    started = time.process_time()
    (entry,) = parse_feed(data).entries
    assert time.process_time() - started < 1
    assert len(entry.author) <= feedfile.MAX_PERSON


def test_a_cut_name_never_ends_in_half_an_entity() -> None:
    name = "a" * (feedfile.MAX_PERSON - 3) + "&amp;" + "b" * 5000
    data = (f'<rss version="2.0"><channel><title>t</title><item><title>x</title>'
            f"<author>{name}</author></item></channel></rss>").encode()
    (entry,) = parse_feed(data).entries
    assert entry.author == "a" * (feedfile.MAX_PERSON - 3)


def test_a_parse_past_its_time_limit_fails_in_words() -> None:
    # Three times the limit on any road (~1 s here): 8,000 stories, each body sanitised.
    body = "&lt;p&gt;word &lt;b&gt;bold&lt;/b&gt;&lt;/p&gt;" * 40
    items = "".join(f"<item><title>t{i}</title><guid>g{i}</guid><description>{body}"
                    "</description></item>" for i in range(8000))
    data = f'<rss version="2.0"><channel><title>slow</title>{items}</channel></rss>'.encode()
    with pytest.raises(ParseFailed, match="took longer than 0.3 s"):
        parse_isolated(data, timeout=0.3)


async def test_a_worker_out_of_memory_fails_one_feed_and_the_pool_recovers() -> None:
    # 15 MB, which a worker limited to 64 MB of address space cannot parse.
    items = "".join(f"<item><title>t{i}</title><guid>g{i}</guid><description>"
                    f"{'word ' * 1000}</description></item>" for i in range(3000))
    big = f'<rss version="2.0"><channel><title>x</title>{items}</channel></rss>'.encode()
    good = (FIXTURES.parent / "feeds" / "rss20.xml").read_bytes()
    async with Parser(expected=HANDFUL + 1, memory_limit=64 * 2**20, timeout=20) as parser:
        parser.seen = 10  # past the thread-first warm-up: every body goes to the pool
        with pytest.raises(ParseFailed) as info:
            await parser.parse(big, "http://example.org/big")
        assert str(info.value) in ("the feed is too large to parse",
                                   "the feed parser crashed on this feed")
        after = await parser.parse(good, "http://example.org/good")
    assert len(after.rows) == 3


# -- encodings and impossible characters ---------------------------------------------------------

ENCODINGS = {
    "utf8-declared-latin1-bytes": b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0">'
    b"<channel><title>caf\xe9</title><item><title>na\xefve \x93q\x94</title><guid>1</guid>"
    b"</item></channel></rss>",
    "latin1-declared-utf8-bytes": '<?xml version="1.0" encoding="iso-8859-1"?><rss version='
    '"2.0"><channel><title>café</title><item><title>naïve</title><guid>1</guid></item>'
    "</channel></rss>".encode(),
    "no-declaration-cp1252": b'<rss version="2.0"><channel><title>caf\xe9</title><item>'
    b"<title>\x93quoted\x94 \x9b31m \x85</title><guid>1</guid></item></channel></rss>",
    "unknown-encoding": b'<?xml version="1.0" encoding="x-no-such"?><rss version="2.0">'
    b"<channel><title>t\xe9</title><item><title>x</title><guid>1</guid></item></channel></rss>",
    "nul-bytes": b'<rss version="2.0"><channel><title>a\x00b</title><item><title>x\x00y'
    b"</title><guid>1</guid><description>d\x00e</description></item></channel></rss>",
    "surrogate-references": b'<rss version="2.0"><channel><title>a&#xD800;b</title><item>'
    b"<title>x&#xDFFF;y &#0; &#55296;</title><guid>1</guid></item></channel></rss>",
    "references-past-unicode": b'<rss version="2.0"><channel><title>a&#x110000;b</title>'
    b"<item><title>x&#99999999999999999999;y &#" + b"9" * 5000 + b";</title><guid>1</guid>"
    b"</item></channel></rss>",
    "control-references": b'<rss version="2.0"><channel><title>&#27;]0;t&#7;</title><item>'
    b"<title>&#x1b;[2J&#x9b;31m&#x202e;</title><guid>1</guid></item></channel></rss>",
    "encoded-surrogates": b'<rss version="2.0"><channel><title>a\xed\xa0\x80b</title><item>'
    b"<title>x\xed\xbf\xbfy</title><guid>1</guid></item></channel></rss>",
    "invalid-utf8": b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
    b"<title>a\xff\xfeb\xc3</title><item><title>x\xe2\x82y</title><guid>1</guid></item>"
    b"</channel></rss>",
    "utf16-without-bom": '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel>'
    "<title>t</title><item><title>x</title><guid>1</guid></item></channel></rss>"
    .encode("utf-16-le"),
    "utf32-with-bom": '<?xml version="1.0" encoding="utf-32"?><rss version="2.0"><channel>'
    "<title>t</title><item><title>x</title><guid>1</guid></item></channel></rss>"
    .encode("utf-32"),
    "json-surrogates-and-controls": json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "a\ud800b",
        "items": [{"id": "1", "title": "x\udfffy\x1b[2J\x00\x9b", "content_text": "t\ud83d",
                   "authors": [{"name": "\u202eevil\x07"}]}]}).encode(),
    "json-invalid-utf8": b'{"version": "https://jsonfeed.org/version/1.1", "title": "a\xff'
    b'\xfeb", "items": [{"id": "1", "title": "x\xc3"}]}',
}


@pytest.mark.parametrize("name", list(ENCODINGS))
def test_bad_encodings_give_stories_or_a_reason_never_a_crash(name: str, store: Store) -> None:
    data = ENCODINGS[name]
    try:
        result = parse_feed(data, content_type="application/rss+xml; charset=utf-8")
    except NotAFeed as exc:
        assert str(exc).startswith("not a feed: ")
        return
    assert forbidden_in(all_text(result)) == []
    source = store.add_source("feed", f"http://example.org/{name}")
    store.upsert_entries(source.id, result.entries)
    for story in store.stories_of(source.id):
        assert forbidden_in(story.title + story.author + story.body_html) == []
        assert forbidden_in(render_story(story).plain) == []


@pytest.mark.parametrize("name", ["surrogate-references", "references-past-unicode",
                                  "nul-bytes", "control-references"])
def test_impossible_characters_still_give_the_story(name: str) -> None:
    """The documents feedparser used to raise on (UnicodeEncodeError, ValueError) are read."""
    (entry,) = parse_feed(ENCODINGS[name]).entries
    assert entry.title.startswith("x") or entry.title.startswith("[2J") or entry.title


def test_a_wrong_charset_header_over_http(store: Store, feed_server: FeedServer) -> None:
    body = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Caf' \
           'é</title><item><title>Ünïcode “quotes”</title><guid>u1</guid></item></channel>' \
           "</rss>"
    feed_server.route("/f", body.encode("utf-8"), content_type="text/xml; charset=koi8-r")
    source = store.add_source("feed", feed_server.url("/f"))
    (outcome,) = refresh(store, [source])
    assert outcome.ok
    (story,) = store.stories_of(source.id)
    assert forbidden_in(story.title) == [] and story.title


def test_the_watch_sees_what_it_must_see(marker: Path, feed_server: FeedServer) -> None:
    """The probe itself: a file read and a connection made while watching are recorded, so
    the empty lists asserted above mean something."""
    import urllib.request

    feed_server.route("/ping", b"pong", content_type="text/plain")
    with watching() as watch:
        assert marker.read_text() == SECRET
        with urllib.request.urlopen(feed_server.url("/ping")) as answer:  # noqa: S310
            assert answer.read() == b"pong"
    assert str(marker) in watch.opened_paths()
    assert any(str(feed_server.port) in c for c in watch.connected)
