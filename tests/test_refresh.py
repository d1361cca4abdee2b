"""refresh() and add_feed() end to end: a real loopback server, a real SQLite file, real parsing."""

# ruff: noqa: F811 - pytest fixtures imported from tests.feedserver are redefined as arguments
from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reader.models import Outcome, Source
from reader.refresh import AddError, add_feed, due_sources, refresh
from reader.refresh.parsing import HANDFUL, LARGE, ParseFailed, Parser
from reader.refresh.run import Pipeline, interleave_hosts, sure_bodies
from reader.store import Store
from tests.feedserver import FeedServer, compress, feed_server  # noqa: F401
from tests.helpers.stories import rss

RSS1 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
  <channel rdf:about="http://example.org/"><title>RDF site</title><link>http://example.org/</link>
    <description>d</description></channel>
  <item rdf:about="http://example.org/r1"><title>RDF story one</title>
    <link>http://example.org/r1</link><description>First RDF body</description></item>
  <item rdf:about="http://example.org/r2"><title>RDF story two</title>
    <link>http://example.org/r2</link><description>Second RDF body</description></item>
</rdf:RDF>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom site</title>
  <link href="http://example.org/"/><id>urn:site</id><updated>2024-01-01T00:00:00Z</updated>
  <entry><title>Atom story</title><id>urn:a1</id><link href="http://example.org/a1"/>
    <updated>2024-01-01T00:00:00Z</updated>
    <content type="html">&lt;p&gt;Atom body&lt;/p&gt;</content>
  </entry>
</feed>"""

JSONFEED = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "JSON site",
    "home_page_url": "http://example.org/",
    "items": [{"id": "j1", "title": "JSON story", "content_html": "<p>JSON body</p>",
               "url": "http://example.org/j1", "date_published": "2024-01-01T00:00:00Z"}],
})

GOOD = rss("Good feed", [("g1", "First story", "one"), ("g2", "Second story", "two")])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Store(tmp_path / "cache.sqlite3")
    yield db
    db.close()


def subscribe(store: Store, server: FeedServer, path: str) -> Source:
    return store.add_source("feed", server.url(path))


def titles(store: Store, source: Source) -> list[str]:
    return sorted(s.title for s in store.stories_of(source.id))


def current(store: Store, source: Source) -> Source:
    found = store.get_source(source.id)
    assert found is not None
    return found


# -- formats -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "content_type", "expected"), [
    (GOOD, "application/rss+xml", ["First story", "Second story"]),
    (RSS1, "application/rdf+xml", ["RDF story one", "RDF story two"]),
    (ATOM, "application/atom+xml", ["Atom story"]),
    (JSONFEED, "application/feed+json", ["JSON story"]),
], ids=["rss2", "rss1", "atom", "jsonfeed"])
def test_each_feed_format_is_stored(store: Store, feed_server: FeedServer, body: str,
                                    content_type: str, expected: list[str]) -> None:
    feed_server.route("/feed", body, content_type=content_type)
    source = subscribe(store, feed_server, "/feed")
    [outcome] = refresh(store)
    assert outcome.ok and outcome.new == len(expected)
    assert titles(store, source) == expected
    after = current(store, source)
    assert after.status == "ok" and after.last_success is not None and after.title


# -- conditional GET ---------------------------------------------------------------------------

def test_304_after_an_etag_writes_no_story(store: Store, feed_server: FeedServer) -> None:
    route = feed_server.route("/feed", GOOD, etag='"v1"')
    source = subscribe(store, feed_server, "/feed")
    refresh(store)
    assert current(store, source).etag == '"v1"'
    route.body = rss("Good feed", [("g3", "A story the 304 must hide", "x")]).encode()
    route._wire = None
    conn = store.db.conn()
    changes = conn.total_changes
    [outcome] = refresh(store)
    assert outcome.ok and outcome.not_modified and outcome.new == 0
    assert feed_server.requests_for("/feed")[-1].headers["if-none-match"] == '"v1"'
    assert titles(store, source) == ["First story", "Second story"]
    assert conn.total_changes - changes == 1  # one source row, no story
    assert current(store, source).last_checked is not None


def test_304_after_last_modified(store: Store, feed_server: FeedServer) -> None:
    stamp = "Mon, 01 Jan 2024 10:00:00 GMT"
    feed_server.route("/feed", GOOD, last_modified=stamp)
    source = subscribe(store, feed_server, "/feed")
    refresh(store)
    [outcome] = refresh(store)
    assert outcome.not_modified
    assert feed_server.requests_for("/feed")[-1].headers["if-modified-since"] == stamp
    assert current(store, source).last_modified == stamp


# -- redirects ---------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_moves_the_subscription(store: Store, feed_server: FeedServer,
                                                     status: int) -> None:
    feed_server.redirect("/old", feed_server.url("/new"), status)
    feed_server.route("/new", GOOD)
    source = subscribe(store, feed_server, "/old")
    [outcome] = refresh(store)
    assert outcome.ok and outcome.new == 2
    assert current(store, source).location == feed_server.url("/new")


def test_a_temporary_redirect_keeps_the_subscription(store: Store,
                                                     feed_server: FeedServer) -> None:
    feed_server.redirect("/old", feed_server.url("/new"), 302)
    feed_server.route("/new", GOOD)
    source = subscribe(store, feed_server, "/old")
    [outcome] = refresh(store)
    assert outcome.ok and outcome.new == 2
    assert current(store, source).location == feed_server.url("/old")


def test_a_move_onto_an_existing_subscription_is_not_merged(store: Store,
                                                            feed_server: FeedServer) -> None:
    feed_server.redirect("/old", feed_server.url("/new"), 301)
    feed_server.route("/new", GOOD)
    old = subscribe(store, feed_server, "/old")
    subscribe(store, feed_server, "/new")
    outcomes = refresh(store)
    assert all(o.ok for o in outcomes)
    assert current(store, old).location == feed_server.url("/old")
    assert any("already subscribed" in p for o in outcomes for p in o.problems)


# -- failures ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "reason"), [(404, "HTTP 404"), (500, "HTTP 500")])
def test_http_errors_mark_the_source_and_keep_its_stories(store: Store, feed_server: FeedServer,
                                                          status: int, reason: str) -> None:
    route = feed_server.route("/feed", GOOD)
    source = subscribe(store, feed_server, "/feed")
    refresh(store)
    route.status = status
    [outcome] = refresh(store)
    assert outcome.error == reason
    after = current(store, source)
    assert after.status == "error" and after.last_error == reason
    assert titles(store, source) == ["First story", "Second story"]


def test_410_marks_gone_and_is_not_fetched_again(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/feed", b"", status=410)
    source = subscribe(store, feed_server, "/feed")
    [outcome] = refresh(store)
    assert "410" in outcome.error and current(store, source).status == "gone"
    assert refresh(store) == []
    assert feed_server.hits("/feed") == 1
    assert source.id not in {s.id for s in due_sources(store)}
    [explicit] = refresh(store, [current(store, source)])  # asked for by name: told, not fetched
    assert "410" in explicit.error and feed_server.hits("/feed") == 1


def test_429_with_retry_after_is_skipped_until_then(store: Store,
                                                    feed_server: FeedServer) -> None:
    feed_server.route("/feed", b"", status=429, headers={"Retry-After": "3600"})
    source = subscribe(store, feed_server, "/feed")
    [outcome] = refresh(store)
    assert outcome.error == "HTTP 429"
    waits = store.db.conn().execute("SELECT not_before FROM sources WHERE id = ?",
                                  (source.id,)).fetchone()[0]
    assert waits is not None and 3500 < waits - time.time() <= 3600
    assert refresh(store) == []
    assert feed_server.hits("/feed") == 1


def test_max_age_is_a_minimum_interval(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/feed", GOOD, headers={"Cache-Control": "max-age=600"})
    subscribe(store, feed_server, "/feed")
    assert refresh(store)[0].new == 2
    assert refresh(store) == []
    assert feed_server.hits("/feed") == 1


def test_a_slow_server_fails_at_the_deadline(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/feed", GOOD, drip=0.2)
    subscribe(store, feed_server, "/feed")
    started = time.monotonic()
    [outcome] = refresh(store, fetcher_options={"deadline": 1})
    assert outcome.error == "timed out after 1 s"
    assert time.monotonic() - started < 4


def test_a_malformed_feed_keeps_cached_stories_and_read_state(store: Store,
                                                              feed_server: FeedServer) -> None:
    route = feed_server.route("/feed", GOOD)
    source = subscribe(store, feed_server, "/feed")
    refresh(store)
    first = store.stories_of(source.id)[0]
    store.set_read([first.id])
    store.set_starred(first.id, True)
    route.body, route._wire = b"\x00garbage {{ <not xml", None
    [outcome] = refresh(store)
    assert outcome.error
    after = current(store, source)
    assert after.status == "error" and after.last_error == outcome.error
    assert titles(store, source) == ["First story", "Second story"]
    kept = store.story(first.id)
    assert kept is not None and kept.read and kept.starred


def test_an_html_page_is_not_a_feed(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/feed", "<!doctype html><html><body><p>hello</p></body></html>",
                      content_type="text/html")
    subscribe(store, feed_server, "/feed")
    [outcome] = refresh(store)
    assert outcome.error.startswith("not a feed")


def test_a_changed_entry_updates_its_story_and_keeps_its_state(
        store: Store, feed_server: FeedServer) -> None:
    route = feed_server.route("/feed", GOOD)
    source = subscribe(store, feed_server, "/feed")
    refresh(store)
    story = next(s for s in store.stories_of(source.id) if s.title == "First story")
    store.set_read([story.id])
    store.set_starred(story.id, True)
    route.body = rss("Good feed", [("g1", "First story, corrected", "one, fixed"),
                                   ("g2", "Second story", "two")]).encode()
    route._wire = None
    [outcome] = refresh(store)
    assert outcome.updated == 1 and outcome.new == 0
    changed = store.story(story.id)
    assert changed is not None and changed.title == "First story, corrected"
    assert "fixed" in changed.body_html and changed.read and changed.starred


def test_one_failure_does_not_stop_the_others(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/good", GOOD)
    feed_server.route("/bad", b"nope", status=404)
    good = subscribe(store, feed_server, "/good")
    bad = subscribe(store, feed_server, "/bad")
    outcomes = {o.source_id: o for o in refresh(store)}
    assert outcomes[good.id].ok and outcomes[good.id].new == 2
    assert outcomes[bad.id].error == "HTTP 404"


# -- progress, order, local sources, many feeds ------------------------------------------------

def test_progress_once_per_source_on_the_calling_thread(store: Store,
                                                        feed_server: FeedServer,
                                                        tmp_path: Path) -> None:
    for i in range(3):
        feed_server.route(f"/f{i}", rss(f"Feed {i}", [(f"g{i}", f"Story {i}", "x")]))
        subscribe(store, feed_server, f"/f{i}")
    note = tmp_path / "note.md"
    note.write_text("# A local note\n\nIts body.\n", encoding="utf-8")
    store.add_source("file", str(note), "note")
    calls: list[tuple[int, int, int, int]] = []

    def progress(outcome: Outcome, done: int, total: int) -> None:
        calls.append((outcome.source_id, done, total, threading.get_ident()))

    outcomes = refresh(store, progress=progress)
    assert [c[1] for c in calls] == [1, 2, 3, 4] and {c[2] for c in calls} == {4}
    assert {c[3] for c in calls} == {threading.get_ident()}
    assert sorted(c[0] for c in calls) == sorted(s.id for s in store.sources())
    assert all(o.ok for o in outcomes) and sum(o.new for o in outcomes) == 4
    assert [o.source_id for o in outcomes] == [s.id for s in store.sources()]


def test_many_feeds_use_the_worker_pool(store: Store, feed_server: FeedServer) -> None:
    count = HANDFUL + 6
    for i in range(count):
        feed_server.route(f"/f{i}", rss(f"Feed {i}", [(f"g{i}-{k}", f"Story {i}.{k}", "x")
                                                      for k in range(5)]))
        subscribe(store, feed_server, f"/f{i}")
    pipeline = Pipeline(store.sources(), {}, parse_workers=2, backlog=1)
    pipeline.start()
    items = []
    for item in pipeline.results():  # as the writer does: each stored feed makes room
        items.append(item)
        pipeline.release(item)
    pipeline.stop()
    assert len(items) == count and all(i.parsed and len(i.parsed.rows) == 5 for i in items)
    assert pipeline.stats["parsed_in_pool"] > 0 and pipeline.stats["parsed_in_threads"] <= 2
    outcomes = refresh(store)  # the whole path, with the pool, into the cache
    assert sum(o.new for o in outcomes) == 5 * count


def test_a_first_refresh_of_many_feeds_never_imports_the_parser_in_the_main_process(
        store: Store, feed_server: FeedServer) -> None:
    """More than a handful of feeds with no validator are sure to bring bodies: the pool is
    needed anyway, so it parses them all, and the parser's modules (~5 MB of the main
    process's peak) are never loaded there."""
    count = HANDFUL + 2
    for i in range(count):
        feed_server.route(f"/n{i}", rss(f"Feed {i}", [(f"n{i}-{k}", f"Story {i}.{k}", "x")
                                                      for k in range(3)]))
        subscribe(store, feed_server, f"/n{i}")
    script = (
        "import sys\n"
        "from reader.refresh import refresh\n"
        "from reader.store import Store\n"
        "store = Store(sys.argv[1])\n"
        "outcomes = refresh(store)\n"
        "store.close()\n"
        "parser = ('feedparser', 'nh3', 'reader.sources.directfeed', 'reader.sources.feedfile')\n"
        "print(sum(o.new for o in outcomes), [m for m in parser if m in sys.modules])\n")
    done = subprocess.run([sys.executable, "-c", script, str(store.path)],
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split("\n")[-2] == f"{3 * count} []"


def test_where_no_parser_process_can_start_a_first_refresh_goes_on_in_a_thread(
        store: Store, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sandbox that forbids processes, or a system without /dev/shm: every feed is still
    read (in the thread, as a small refresh is), and only a body that a killable process
    must parse fails, in words."""
    from reader.workerpool import ProcessPool

    def cannot_start(self: ProcessPool) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(ProcessPool, "executor", cannot_start)
    count = HANDFUL + 2
    feeds = []
    for i in range(count):
        feed_server.route(f"/n{i}", rss(f"Feed {i}", [(f"n{i}-{k}", f"Story {i}.{k}", "x")
                                                      for k in range(3)]))
        feeds.append(subscribe(store, feed_server, f"/n{i}").id)
    hostile = rss("Hostile", [("h", "Entity", "&a;")]).replace(
        "<rss", '<!DOCTYPE rss [<!ENTITY a "x">]>\n<rss', 1)
    feed_server.route("/hostile", hostile)
    hostile_id = subscribe(store, feed_server, "/hostile").id
    outcomes = {o.source_id: o for o in refresh(store)}
    assert [outcomes[i].new for i in feeds] == [3] * count
    error = outcomes[hostile_id].error
    assert error is not None and "the parser processes could not start" in error
    assert "Operation not permitted" in error


async def test_a_refresh_sure_of_its_bodies_starts_the_pool_before_the_first_one() -> None:
    """A first refresh of many feeds needs the pool anyway: its processes start as the
    parser does, beside the first fetches, not when the first body has arrived."""
    from reader.workerpool import ProcessPool

    pool = ProcessPool(1)
    try:
        async with Parser(expected=HANDFUL + 2, certain=HANDFUL + 1, pool=pool) as parser:
            assert parser._warming is not None  # no body parsed, nor asked for
            await parser._warming
            assert pool.running and parser.seen == 0
        async with Parser(expected=HANDFUL + 2, certain=HANDFUL, pool=ProcessPool(1)) as other:
            assert other._warming is None and not other.pool.running
    finally:
        pool.shutdown()


def test_a_failing_feed_is_not_counted_sure_to_bring_a_body(store: Store) -> None:
    """A feed with no validator brings a body, unless it keeps failing (an old OPML's dead
    feeds): those alone do not send a refresh's bodies all to the pool."""
    new, dead, known = (store.add_source("feed", f"https://x.test/{n}") for n in range(3))
    store.update_source(dead.id, status="error")
    store.update_source(known.id, etag='"1"')
    assert sure_bodies(store.sources()) == 1
    parser = Parser(expected=HANDFUL + 2, certain=HANDFUL, workers=1)
    assert parser.pooled and not parser.all_in_pool
    parser.close()


def test_a_refresh_of_feeds_with_validators_parses_its_first_bodies_in_a_thread(
        store: Store, feed_server: FeedServer) -> None:
    """Feeds that can answer "not modified" may bring nothing (the usual cron run): the
    first bodies are parsed in a thread, and the pool starts only when more come."""
    count = HANDFUL + 2
    for i in range(count):
        feed_server.route(f"/v{i}", rss(f"Feed {i}", [(f"v{i}-0", "Old", "x")]), etag=f'"{i}-1"')
        subscribe(store, feed_server, f"/v{i}")
    assert sum(o.new for o in refresh(store)) == count
    for i in range(count):  # every feed changed since
        feed_server.route(f"/v{i}", rss(f"Feed {i}", [(f"v{i}-1", "New", "x")]), etag=f'"{i}-2"')
    pipeline = Pipeline(store.sources(), {}, parse_workers=2, backlog=1)
    pipeline.start()
    items = []
    for item in pipeline.results():
        items.append(item)
        pipeline.release(item)
    pipeline.stop()
    assert all(i.parsed and [r.title for r in i.parsed.rows] == ["New"] for i in items)
    assert pipeline.stats["parsed_in_threads"] == 2
    assert pipeline.stats["parsed_in_pool"] == count - 2


def test_gzipped_feeds_are_inflated_by_the_workers_in_the_same_words(
        store: Store, feed_server: FeedServer) -> None:
    """The pool gets the bodies still gzipped and inflates them under the fetch's cap: the
    stories, and the words for a bomb or a damaged body, are what a fetch that inflated
    them itself gives."""
    count = HANDFUL + 4
    for i in range(count):
        body = rss(f"Feed {i}", [(f"z{i}-{k}", f"Story {i}.{k}", "x") for k in range(5)])
        feed_server.route(f"/f{i}", compress(body.encode(), "gzip"), encoding="gzip",
                          encoded=True)
        subscribe(store, feed_server, f"/f{i}")
    feed_server.route("/z-bomb", compress(b"<rss>" + b" " * 2**20, "gzip"), encoding="gzip",
                      encoded=True)
    feed_server.route("/z-damaged", b"\x1f\x8b\x08\x00garbage-not-deflate", encoding="gzip",
                      encoded=True)
    bomb, damaged = subscribe(store, feed_server, "/z-bomb"), subscribe(store, feed_server,
                                                                      "/z-damaged")
    # New feeds, each sure to bring a body: every body goes to the pool, the bomb and the
    # damaged one too.
    pipeline = Pipeline(store.sources(), {"max_body": 2**16}, parse_workers=2, backlog=1)
    pipeline.start()
    items = {}
    for item in pipeline.results():
        items[item.source.id] = item
        pipeline.release(item)
    pipeline.stop()
    assert pipeline.stats["parsed_in_threads"] == 0
    assert pipeline.stats["parsed_in_pool"] == count + 2
    assert items[bomb.id].error == "body larger than 64 KB"
    assert items[damaged.id].error.startswith("the compressed body is damaged")
    good = [i for i in items.values() if i.source.id not in (bomb.id, damaged.id)]
    assert len(good) == count and all(i.result and i.result.encoding == "gzip" for i in good)
    for item in good:
        number = item.source.location.rsplit("/f", 1)[1]
        assert item.parsed and [r.title for r in item.parsed.rows] == [
            f"Story {number}.{k}" for k in range(5)]
    outcomes = {o.source_id: o for o in refresh(store, fetcher_options={"max_body": 2**16})}
    assert sum(o.new for o in outcomes.values()) == 5 * count
    assert outcomes[bomb.id].error == "body larger than 64 KB"
    assert current(store, bomb).last_error == "body larger than 64 KB"
    assert current(store, damaged).status == "error"


async def test_a_gzipped_hostile_body_is_still_parsed_in_a_worker_alone() -> None:
    """A body parsed in a thread is inflated first, so what only a worker may parse is
    still seen for what it is."""
    bomb = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<rss version="2.0"><channel><title>&b;</title><item><title>x</title>'
            b"<guid>x</guid></item></channel></rss>")
    plain = rss("Plain", [("p1", "Plain story", "text")]).encode()
    async with Parser(expected=1) as parser:
        result = await parser.parse(compress(bomb, "gzip"), "http://example.org/feed",
                                    encoding="gzip", cap=2**20)
        assert parser.in_pool == 1 and parser.in_threads == 0
        story = await parser.parse(compress(plain, "br"), "http://example.org/plain",
                                   encoding="br", cap=2**20)
        assert parser.in_threads == 1 and [r.title for r in story.rows] == ["Plain story"]
        with pytest.raises(ParseFailed, match="^body larger than 100 bytes$"):
            await parser.parse(compress(plain, "gzip"), "http://example.org/p", encoding="gzip",
                               cap=100)
    assert len(result.title) < 1000


@pytest.mark.parametrize("validators", [False, True])
def test_downloads_wait_for_room_in_the_backlog(store: Store, feed_server: FeedServer,
                                                validators: bool) -> None:
    """Each body takes its room in the backlog before it is read, so the bodies held
    (downloaded, not yet released by the writer) never outgrow the bound, however many
    connections are free: feeds never fetched before, and feeds whose validators are stale
    (a conditional fetch that brings a body waits for room like any other)."""
    for i in range(12):
        feed_server.route(f"/b{i}", rss(f"Feed {i}", [(f"b{i}", f"Story {i}", "x" * 2000)]),
                          etag='"new"')
        source = subscribe(store, feed_server, f"/b{i}")
        if validators:
            store.update_source(source.id, etag='"old"')
    pipeline = Pipeline(store.sources(), {"per_host": 8}, parse_workers=1, backlog=2)
    pipeline.start()
    held = []
    try:
        for item in pipeline.results():
            held.append(item)
            pipeline.release(item)
    finally:
        pipeline.stop()
    assert len(held) == 12 and all(i.parsed and len(i.parsed.rows) == 1 for i in held)
    assert all(r.headers.get("if-none-match", "") == ('"old"' if validators else "")
               for r in feed_server.requests)
    assert 1 <= pipeline.stats["backlog_peak_feeds"] <= 2


def test_fetches_that_bring_no_body_give_their_room_back(store: Store,
                                                        feed_server: FeedServer) -> None:
    """A body whose read fails (cut short, over the size cap) gives back the room it took,
    and a 404 or a server nobody answers on takes none, or a refresh with a small backlog
    stops after its first few feeds."""
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    small = rss("Cut", [("c", "Story", "z" * 500)])
    huge = rss("Huge", [(f"h{k}", f"Story {k}", "z" * 500) for k in range(10)])
    for i in range(3):
        feed_server.route(f"/gone{i}", status=404)
        feed_server.route(f"/cut{i}", small, cut_after=100)
        feed_server.route(f"/huge{i}", huge, length=False)  # only the cap stops its read
        for path in (f"/gone{i}", f"/cut{i}", f"/huge{i}"):
            subscribe(store, feed_server, path)
        store.add_source("feed", f"http://127.0.0.1:{dead}/feed{i}.xml")
    pipeline = Pipeline(store.sources(), {"max_body": 2000}, parse_workers=1, backlog=2)
    pipeline.start()
    items: list[object] = []

    def drain() -> None:
        for item in pipeline.results():
            items.append(item)
            pipeline.release(item)

    drainer = threading.Thread(target=drain, daemon=True)
    drainer.start()
    drainer.join(120)  # a deadline, not a wait for work: the failure would be a hang
    pipeline.stop()
    assert not drainer.is_alive() and len(items) == 12
    errors = sorted(getattr(item, "error", "") for item in items)
    assert sum(e == "body larger than 2000 bytes" for e in errors) == 3, errors
    assert sum(e == "HTTP 404" for e in errors) == 3, errors
    assert sum(e.startswith("the connection closed") for e in errors) == 3, errors
    assert all(errors)
    assert pipeline.stats["backlog_peak_feeds"] <= 2


def test_a_feed_larger_than_the_byte_budget_still_passes(store: Store,
                                                        feed_server: FeedServer) -> None:
    big = rss("Big", [(f"g{k}", f"Story {k}", "y" * 4000) for k in range(40)])
    for i in range(3):
        feed_server.route(f"/big{i}", big)
        subscribe(store, feed_server, f"/big{i}")
    pipeline = Pipeline(store.sources(), {}, parse_workers=1, backlog_bytes=1000)
    pipeline.start()
    try:
        items = []
        for item in pipeline.results():
            items.append(item)
            pipeline.release(item)
    finally:
        pipeline.stop()
    assert [len(i.parsed.rows) if i.parsed else 0 for i in items] == [40, 40, 40]
    assert pipeline.stats["backlog_peak_feeds"] == 1  # one at a time, none refused


async def test_the_backlog_reserves_a_typical_body_and_counts_the_true_size() -> None:
    from reader.refresh.backlog import FIRST_GUESS, Backlog, Claim

    room = Backlog(count=2, budget=10**6, patience=600)
    first = Claim()
    await room.claim(first)  # no body seen yet: the first guess, taken before connecting
    assert first.reserved == FIRST_GUESS and room.feeds == 1 and not room.full()
    await room.before_body(first)  # its answer came: the claim is kept, nothing more taken
    room.arrived(first, 5000)
    assert room.feeds == 1 and room.bytes == 5000
    failed = Claim()
    await room.before_body(failed)  # a conditional fetch's body: the typical size so far
    assert failed.reserved == 5000 and room.full()
    waiting = asyncio.ensure_future(room.claim(Claim()))
    await asyncio.sleep(0)
    assert not waiting.done()  # full: the next fetch waits before it connects
    room.give_back(failed)  # its read failed
    await asyncio.wait_for(waiting, 10)
    assert room.feeds == 2 and room.bytes == 5000 + 5000
    room.give_back(Claim())  # a 304 gives back nothing
    assert room.feeds == 2 and room.peak_feeds == 2 and room.lapsed == 0


async def test_a_claim_lapses_when_the_answer_is_slow() -> None:
    """A fetch that claimed its place before connecting and hears nothing for `patience`
    seconds gives the place up; its body, when it comes, waits for room like any other."""
    from reader.refresh.backlog import Backlog, Claim

    room = Backlog(count=1, budget=10**6, patience=0.05)
    slow, other = Claim(), Claim()
    await room.claim(slow)
    assert room.full()
    await asyncio.wait_for(room.claim(other), 10)  # the slow host's claim lapsed meanwhile
    assert not slow.holds and other.holds and room.feeds == 1 and room.lapsed == 1
    late = asyncio.ensure_future(room.before_body(slow))  # the slow host answers at last
    await asyncio.sleep(0)
    assert not late.done()
    room.give_back(other)
    await asyncio.wait_for(late, 10)
    assert slow.holds and room.feeds == 1
    room.arrived(slow, 100)
    assert room.feeds == 1 and room.bytes == 100 and room.lapsed == 1


def test_a_cold_refresh_reuses_each_hosts_connection(store: Store) -> None:
    """Feeds never fetched before claim their place before they connect, so no more of them
    run than the backlog takes: with every connection slot running, a host's four fetches
    wanted four connections at once, more than the pool keeps, and each feed opened its own."""
    servers = [FeedServer(f"127.0.0.{n + 1}").start() for n in range(8)]
    try:
        for n, server in enumerate(servers):
            for i in range(6):
                server.route(f"/c{i}", rss(f"Feed {n}.{i}", [(f"c{n}.{i}", "Story", "x" * 3000)]))
                store.add_source("feed", server.url(f"/c{i}"))
        # Patience enough that no claim lapses on a loaded machine (a lapse opens more).
        pipeline = Pipeline(store.sources(), {}, parse_workers=1, patience=600)
        pipeline.start()
        items = []
        try:
            for item in pipeline.results():
                items.append(item)
                pipeline.release(item)
        finally:
            pipeline.stop()
        assert len(items) == 48 and all(i.parsed and not i.error for i in items)
        assert pipeline.stats["backlog_lapsed"] == 0
        opened = sum(server.connections for server in servers)
        assert opened <= 24, f"{opened} connections for 48 feeds on 8 hosts"
    finally:
        for server in servers:
            server.stop()


async def test_a_hostile_body_is_parsed_in_a_worker_even_alone() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<rss version="2.0"><channel><title>&b;</title><item><title>x</title>'
            b"<guid>x</guid></item></channel></rss>")
    async with Parser(expected=1) as parser:
        result = await parser.parse(bomb, "http://example.org/feed")
        assert parser.in_pool == 1 and parser.in_threads == 0
    assert len(result.title) < 1000


def large_feed(name: str) -> bytes:
    """A feed of at least `LARGE` bytes: 60 items of ~18 KB."""
    text = "word " * 3600
    body = rss(name, [(f"{name}-{i}", f"{name} story {i}", text) for i in range(60)]).encode()
    assert len(body) >= LARGE
    return body


async def test_large_bodies_are_parsed_one_at_a_time_and_small_ones_beside_them() -> None:
    large = [large_feed(f"big{i}") for i in range(3)]
    small = [rss(f"small{i}", [(f"s{i}", f"Small {i}", "text")]).encode() for i in range(4)]
    async with Parser(expected=HANDFUL + 1) as parser:
        results = await asyncio.gather(*(parser.parse(body, f"http://example.org/{i}")
                                         for i, body in enumerate(large + small)))
        assert parser.most_large_at_once == 1 and parser.large_at_once == 0
        assert [len(r.rows) for r in results] == [60, 60, 60, 1, 1, 1, 1]
        # While a large body is being parsed, a small one does not wait for it.
        async with parser._large:
            alone = await asyncio.wait_for(parser.parse(small[0], "http://example.org/s"), 60)
        assert [row.title for row in alone.rows] == ["Small 0"]


def test_interleave_hosts_round_robins() -> None:
    def src(i: int, host: str) -> Source:
        return Source(id=i, kind="feed", location=f"http://{host}/{i}", title="")

    feeds = [src(1, "a"), src(2, "a"), src(3, "a"), src(4, "b"), src(5, "c"), src(6, "b")]
    assert [s.id for s in interleave_hosts(feeds)] == [1, 4, 5, 2, 6, 3]


def test_interleave_hosts_takes_a_few_hosts_at_a_time() -> None:
    """A host done gives its place to the next, so a host's feeds come a few apart (its
    connection still pooled), never all the hosts' first feeds before any second one."""
    def src(i: int, host: str) -> Source:
        return Source(id=i, kind="feed", location=f"http://{host}/{i}", title="")

    feeds = [src(1, "a"), src(2, "a"), src(3, "a"), src(4, "b"), src(5, "c"), src(6, "c"),
             src(7, "d")]
    assert [s.id for s in interleave_hosts(feeds, window=2)] == [1, 4, 2, 5, 3, 6, 7]
    many = [src(i, f"h{i % 20}") for i in range(40)]
    order = [s.location.split("/")[2] for s in interleave_hosts(many)]
    assert len(order) == 40
    assert all(order.index(h, order.index(h) + 1) - order.index(h) <= 8 for h in set(order))



def stored_while_held(store: Store, slow: list[Source], fast: list[Source],
                      gate: threading.Event, **options: Any) -> tuple[int, list[Outcome]]:
    """Refresh `slow` and `fast` (in a thread) while `gate` holds the slow hosts' answers;
    open it once every fast feed is stored, or after 30 s (only if the fix is gone). Returns
    how many fast feeds were stored before it opened, and every outcome."""
    fast_ids = {s.id for s in fast}
    fast_done = threading.Event()
    stored: set[int] = set()

    def progress(outcome: Outcome, done: int, total: int) -> None:
        if outcome.source_id in fast_ids and outcome.ok:
            stored.add(outcome.source_id)
            if stored == fast_ids:
                fast_done.set()

    outcomes: list[Outcome] = []
    thread = threading.Thread(target=lambda: outcomes.extend(
        refresh(store, [*slow, *fast], progress=progress, parse_workers=1, **options)),
        daemon=True)
    thread.start()
    try:
        fast_done.wait(30)  # seconds, only if the fix is gone
        in_time = len(stored)
    finally:
        gate.set()
        thread.join(60)
    return in_time, outcomes


def test_a_slow_host_leaves_the_other_hosts_their_fetches(store: Store,
                                                          feed_server: FeedServer) -> None:
    """A host that holds its answers (a slow site with many feeds) keeps its own feeds
    waiting, not the refresh: a feed waiting for the host's turn holds no room in the
    backlog, which the other hosts' feeds need (with room held, none of them ran until the
    slow host answered)."""
    slow_server = FeedServer("127.0.0.2").start()
    gate = threading.Event()

    def held() -> Iterator[bytes]:
        gate.wait(60)
        yield rss("Slow", [("s", "Slow story", "late")]).encode()

    try:
        slow, fast = [], []
        for i in range(12):
            slow_server.route(f"/s{i}", chunks=held)
            slow.append(store.add_source("feed", slow_server.url(f"/s{i}"), f"Slow {i}"))
            feed_server.route(f"/f{i}", rss(f"Fast {i}", [(f"f{i}", f"Story {i}", "now")]))
            fast.append(store.add_source("feed", feed_server.url(f"/f{i}"), f"Fast {i}"))
        in_time, outcomes = stored_while_held(store, slow, fast, gate)
        assert in_time == 12, f"{in_time} of 12 fast feeds stored while the slow host held"
        assert len(outcomes) == 24 and all(o.ok for o in outcomes)
    finally:
        slow_server.stop()


def test_hosts_slow_to_answer_hold_no_room_in_the_backlog(store: Store,
                                                          feed_server: FeedServer) -> None:
    """Two hosts that hold their answers (no status line yet) keep their own feeds waiting,
    not the refresh: a fetch's claim on the backlog, made before it connects, lapses when
    no answer comes. With room held until the answer, their 4 + 4 fetches (feeds never
    fetched before: sure to bring a body) filled the backlog's 6 places and no other feed
    ran until the hosts answered or timed out."""
    gate = threading.Event()
    slow_servers = [FeedServer("127.0.0.2").start(), FeedServer("127.0.0.3").start()]
    try:
        slow, fast = [], []
        for n, server in enumerate(slow_servers):
            for i in range(6):
                server.route(f"/s{i}", rss(f"Slow {n}.{i}", [(f"s{n}.{i}", "Late", "late")]),
                             gate=gate)
                slow.append(store.add_source("feed", server.url(f"/s{i}"), f"Slow {n}.{i}"))
        for i in range(14):
            feed_server.route(f"/f{i}", rss(f"Fast {i}", [(f"f{i}", f"Story {i}", "now")]))
            fast.append(store.add_source("feed", feed_server.url(f"/f{i}"), f"Fast {i}"))
        in_time, outcomes = stored_while_held(store, slow, fast, gate,
                                              fetcher_options={"deadline": 120})
        assert in_time == 14, f"{in_time} of 14 fast feeds stored while two hosts held"
        assert len(outcomes) == 26 and all(o.ok for o in outcomes)
        assert sum(server.hits(f"/s{i}") for server in slow_servers for i in range(6)) == 12
    finally:
        for server in slow_servers:
            server.stop()


# -- adding ------------------------------------------------------------------------------------

def test_add_a_feed_url_stores_its_stories(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/feed", GOOD, etag='"a"')
    source, outcome = add_feed(store, feed_server.url("/feed"))
    assert source.title == "Good feed" and source.location == feed_server.url("/feed")
    assert outcome.new == 2 and source.etag == '"a"'
    assert titles(store, source) == ["First story", "Second story"]


PAGE = """<!doctype html><html><head><title>Site</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="All posts" href="/rss.xml">
<link rel="alternate" type="application/atom+xml" title="Comments" href="comments.atom">
</head><body>hello</body></html>"""


def test_add_a_page_autodiscovers_and_lets_the_user_choose(store: Store,
                                                           feed_server: FeedServer) -> None:
    feed_server.route("/blog/", PAGE, content_type="text/html; charset=utf-8")
    feed_server.route("/rss.xml", GOOD)
    feed_server.route("/blog/comments.atom", ATOM, content_type="application/atom+xml")
    offered: list[list[tuple[str, str]]] = []

    def choose(candidates: list[tuple[str, str]]) -> str:
        offered.append(candidates)
        return candidates[1][1]

    source, outcome = add_feed(store, feed_server.url("/blog/"), choose=choose)
    assert offered == [[("All posts", feed_server.url("/rss.xml")),
                        ("Comments", feed_server.url("/blog/comments.atom"))]]
    assert source.location == feed_server.url("/blog/comments.atom")
    assert source.title == "Atom site" and outcome.new == 1


def test_add_a_page_without_chooser_takes_the_first(store: Store,
                                                    feed_server: FeedServer) -> None:
    feed_server.route("/blog/", PAGE, content_type="text/html")
    feed_server.route("/rss.xml", GOOD)
    source, _ = add_feed(store, feed_server.url("/blog/"))
    assert source.location == feed_server.url("/rss.xml")


def test_add_a_page_with_no_feeds_says_so(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/page", "<html><head><title>x</title></head><body>hi</body></html>",
                      content_type="text/html")
    url = feed_server.url("/page")
    with pytest.raises(AddError) as info:
        add_feed(store, url)
    assert str(info.value) == f"not a feed: the page at {url} has no feed links"
    assert store.sources() == []


def test_add_a_broken_url_says_why(store: Store, feed_server: FeedServer) -> None:
    url = feed_server.url("/missing")
    with pytest.raises(AddError) as info:
        add_feed(store, url)
    assert str(info.value) == f"cannot add {url}: HTTP 404"
    assert store.sources() == []


def test_add_twice_returns_the_existing_subscription(store: Store,
                                                     feed_server: FeedServer) -> None:
    feed_server.route("/feed", GOOD)
    first, _ = add_feed(store, feed_server.url("/feed"))
    again, outcome = add_feed(store, feed_server.url("/feed"))
    assert again.id == first.id and outcome.problems == ["already subscribed"]
    assert feed_server.hits("/feed") == 1


async def test_add_works_from_inside_a_running_event_loop(store: Store,
                                                          feed_server: FeedServer) -> None:
    feed_server.route("/feed", GOOD)
    source, outcome = add_feed(store, feed_server.url("/feed"))
    assert outcome.new == 2 and asyncio.get_running_loop() is not None
    assert source.kind == "feed"


def _slow_feed(entries: int) -> bytes:
    """A feed that takes feedparser seconds (0.05-0.5 ms an entry, by version) and declares an
    entity, which sends it to a worker. (Long authors used to be the slow case; feedfile now
    cuts them.) Each entry has a body of many elements: the direct road reads 10,000 bare
    entries in ~0.3 s, too near the limit to be sure of passing it."""
    body = "&lt;p&gt;" + "&lt;b&gt;word&lt;/b&gt; &amp;amp; " * 15 + "&lt;/p&gt;"
    items = "".join(f"<item><title>t{i}</title><guid>g{i}</guid><description>{body}"
                    "</description></item>" for i in range(entries))
    return ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "x">]><rss version="2.0">'
            f"<channel><title>slow</title>{items}</channel></rss>").encode()


async def test_a_parse_past_the_time_limit_fails_alone_and_the_pool_recovers() -> None:
    async with Parser(expected=1, timeout=0.3) as parser:
        started = time.monotonic()
        with pytest.raises(ParseFailed) as info:
            await parser.parse(_slow_feed(10_000), "http://example.org/slow")
        assert "took longer than 0.3 s" in str(info.value)
        assert time.monotonic() - started < 3 and parser.in_pool == 1
        after = await parser.parse(GOOD.encode(), "http://example.org/good")
    assert [e.title for e in after.rows] == ["First story", "Second story"]


async def test_workers_run_under_a_memory_limit() -> None:
    async with Parser(expected=HANDFUL + 1, memory_limit=900 * 2**20) as parser:
        pool = await parser._get_pool()
        soft, _ = await asyncio.wrap_future(pool.submit(resource.getrlimit, resource.RLIMIT_AS))
    assert soft == 900 * 2**20
