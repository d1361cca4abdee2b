"""A refresh's parsing: in a thread for a few bodies, in the worker pool for many, and what
the pool guarantees (a time limit, a memory limit, large bodies one at a time, hostile bodies
never in the main process). Real loopback servers, a real SQLite file, real processes."""

# ruff: noqa: F811 - pytest fixtures imported from tests.feedserver are redefined as arguments
from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.refresh import refresh
from reader.refresh.demand import sure_bodies
from reader.refresh.parsing import HANDFUL, LARGE, THREAD_BYTES, ParseFailed, Parser
from reader.refresh.pipeline import Pipeline
from reader.store import Store
from tests.feedserver import FeedServer, compress, feed_server  # noqa: F401
from tests.helpers.refreshing import drained
from tests.helpers.stories import current, rss, subscribe


def test_many_feeds_use_the_worker_pool(store: Store, feed_server: FeedServer) -> None:
    count = HANDFUL + 6
    for i in range(count):
        feed_server.route(f"/f{i}", rss(f"Feed {i}", [(f"g{i}-{k}", f"Story {i}.{k}", "x")
                                                      for k in range(5)]))
        subscribe(store, feed_server, f"/f{i}")
    pipeline = Pipeline(store.sources(), {}, parse_workers=2, backlog=1)
    items = drained(pipeline)
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
    parser = ("feedparser", "nh3", "reader.sources.directfeed", "reader.sources.feedfile")
    assert _refresh_apart(store, parser) == (3 * count, [])


@pytest.mark.parametrize("why", [
    PermissionError(1, "Operation not permitted"),  # a sandbox, or no /dev/shm
    ValueError("bad value(s) in fds_to_keep"),  # the stdlib refusing the file numbers given
])
def test_where_no_parser_process_can_start_a_first_refresh_goes_on_in_a_thread(
        store: Store, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch,
        why: Exception) -> None:
    """A sandbox that forbids processes, or a system without /dev/shm: every feed is still
    read (in the thread, as a small refresh is), and only a body that a killable process
    must parse fails, in words."""
    from reader.workerpool import ProcessPool

    def cannot_start(self: ProcessPool) -> None:
        raise why

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
    assert (why.strerror if isinstance(why, OSError) else str(why)) in error


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


def test_a_refresh_of_feeds_with_validators_parses_in_a_thread_while_it_keeps_up(
        store: Store, feed_server: FeedServer) -> None:
    """Feeds that can answer "not modified" may bring nothing (the usual cron run): their
    bodies are parsed in a thread while it keeps up, and no process starts (the pool and
    its fork server would hold ~40 MB for a few feeds)."""
    from reader.workerpool import ProcessPool

    count = HANDFUL + 2
    for i in range(count):
        feed_server.route(f"/v{i}", rss(f"Feed {i}", [(f"v{i}-0", "Old", "x")]), etag=f'"{i}-1"')
        subscribe(store, feed_server, f"/v{i}")
    assert sum(o.new for o in refresh(store)) == count
    for i in range(count):  # every feed changed since
        feed_server.route(f"/v{i}", rss(f"Feed {i}", [(f"v{i}-1", "New", "x")]), etag=f'"{i}-2"')
    pool = ProcessPool(2)
    try:
        pipeline = Pipeline(store.sources(), {}, parse_workers=2, backlog=1, pool=pool)
        items = drained(pipeline)
    finally:
        pool.shutdown()
    assert all(i.parsed and [r.title for r in i.parsed.rows] == ["New"] for i in items)
    assert len(items) == count and pipeline.stats["parsed_in_threads"] == count
    assert pipeline.stats["parsed_in_pool"] == 0 and pool.starts == 0


def sized_feed(name: str, size: int) -> bytes:
    """A feed of `size` bytes or a little more, in `size // 10_000 + 1` items of ~10 KB."""
    text = "word " * 2000
    items = [(f"{name}-{i}", f"{name} story {i}", text) for i in range(size // 10_000 + 1)]
    return rss(name, items).encode()


async def test_bodies_that_pile_up_for_the_thread_start_the_pool() -> None:
    """Past `THREAD_BYTES` waiting for the thread, a body goes to the pool, which starts
    then and takes every later body, even with the thread idle."""
    from reader.workerpool import ProcessPool

    bodies = [sized_feed(f"b{i}", THREAD_BYTES * 2 // 5) for i in range(4)]
    assert all(len(b) < LARGE for b in bodies)
    pool = ProcessPool(1)
    try:
        async with Parser(expected=HANDFUL + 2, certain=0, pool=pool) as parser:
            assert not pool.running
            results = await asyncio.gather(*(parser.parse(body, f"http://example.org/{i}")
                                             for i, body in enumerate(bodies)))
            assert (parser.in_threads, parser.in_pool) == (2, 2)  # 2/5 + 2/5, then no room
            assert pool.running
            later = await parser.parse(rss("Later", [("l", "Later story", "x")]).encode(),
                                       "http://example.org/later")
            assert (parser.in_threads, parser.in_pool) == (2, 3)
    finally:
        pool.shutdown()
    assert [len(r.rows) for r in results] == [len(r.rows) for r in results[:1]] * 4
    assert [r.title for r in later.rows] == ["Later story"]


async def test_after_a_runaway_parse_in_the_thread_every_body_goes_to_the_pool() -> None:
    """A parse in the thread past its limit cannot be stopped: the thread is left to it, and
    from then on no body is parsed in a thread."""
    from reader.workerpool import ProcessPool

    pool = ProcessPool(1)
    slow = sized_feed("slow", LARGE - 50_000)
    try:
        async with Parser(expected=HANDFUL + 2, timeout=0.001, pool=pool) as parser:
            with pytest.raises(ParseFailed, match="took longer than"):
                await parser.parse(slow, "http://example.org/slow")
            assert (parser.in_threads, parser.in_pool) == (1, 0)
            parser.timeout = 60
            good = await parser.parse(rss("Good", [("g", "Good story", "x")]).encode(),
                                      "http://example.org/good")
            assert (parser.in_threads, parser.in_pool) == (1, 1)
    finally:
        pool.shutdown()
    assert [r.title for r in good.rows] == ["Good story"]


def test_a_refresh_of_feeds_with_validators_still_uses_the_pool_for_many_bodies(
        store: Store, feed_server: FeedServer) -> None:
    """The whole path: feeds with validators that all changed at once, with more bytes than
    the thread may have waiting, are parsed mostly in the pool."""
    count = HANDFUL + 4
    for i in range(count):
        feed_server.route(f"/m{i}", rss(f"Feed {i}", [(f"m{i}-0", "Old", "x")]), etag=f'"{i}-1"')
        subscribe(store, feed_server, f"/m{i}")
    assert sum(o.new for o in refresh(store)) == count
    for i in range(count):
        feed_server.route(f"/m{i}", sized_feed(f"m{i}", THREAD_BYTES // 2), etag=f'"{i}-2"')
    pipeline = Pipeline(store.sources(), {}, parse_workers=2)
    items = drained(pipeline)
    assert len(items) == count and all(i.parsed and i.parsed.rows for i in items)
    assert pipeline.stats["parsed_in_pool"] >= count - 3
    assert pipeline.stats["parsed_in_threads"] >= 1


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
    items = {item.source.id: item for item in drained(pipeline)}
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


async def test_a_hostile_body_is_parsed_in_a_worker_even_alone() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<rss version="2.0"><channel><title>&b;</title><item><title>x</title>'
            b"<guid>x</guid></item></channel></rss>")
    async with Parser(expected=1) as parser:
        result = await parser.parse(bomb, "http://example.org/feed")
        assert parser.in_pool == 1 and parser.in_threads == 0
    assert len(result.title) < 1000


async def test_large_bodies_are_parsed_one_at_a_time_and_small_ones_beside_them() -> None:
    large = [sized_feed(f"big{i}", LARGE) for i in range(3)]
    items = LARGE // 10_000 + 1  # sized_feed's
    assert all(len(body) >= LARGE for body in large)
    small = [rss(f"small{i}", [(f"s{i}", f"Small {i}", "text")]).encode() for i in range(4)]
    async with Parser(expected=HANDFUL + 1) as parser:
        results = await asyncio.gather(*(parser.parse(body, f"http://example.org/{i}")
                                         for i, body in enumerate(large + small)))
        assert parser.most_large_at_once == 1 and parser.large_at_once == 0
        assert [len(r.rows) for r in results] == [items] * 3 + [1] * 4
        # While a large body is being parsed, a small one does not wait for it.
        async with parser._large:
            alone = await asyncio.wait_for(parser.parse(small[0], "http://example.org/s"), 60)
        assert [row.title for row in alone.rows] == ["Small 0"]


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
        good = rss("Good feed", [("g1", "First story", "one"), ("g2", "Second story", "two")])
        after = await parser.parse(good.encode(), "http://example.org/good")
    assert [e.title for e in after.rows] == ["First story", "Second story"]


async def test_workers_run_under_a_memory_limit() -> None:
    async with Parser(expected=HANDFUL + 1, memory_limit=900 * 2**20) as parser:
        pool = await parser._get_pool()
        soft, _ = await asyncio.wrap_future(pool.submit(resource.getrlimit, resource.RLIMIT_AS))
    assert soft == 900 * 2**20


def test_a_refresh_of_local_sources_only_never_loads_the_network_code(
        store: Store, tmp_path: Path) -> None:
    """A folder of notes refreshed (cron, or `r` on it): asyncio and httpx (~165 modules,
    ~100 ms) are loaded only when there are feeds to fetch."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("# The harbour froze\nNo ferry left on Monday.\n",
                                 encoding="utf-8")
    store.add_source("folder", str(notes), "Notes")
    assert _refresh_apart(store, ("httpx", "asyncio", "reader.refresh.pipeline")) == (1, [])


def _refresh_apart(store: Store, modules: tuple[str, ...]) -> tuple[int, list[str]]:
    """`refresh()` of every source of `store` in a fresh interpreter: the new stories, and
    which of `modules` it loaded."""
    script = (
        "import json, sys\n"
        "from reader.refresh import refresh\n"
        "from reader.store import Store\n"
        "store = Store(sys.argv[1])\n"
        "outcomes = refresh(store)\n"
        "store.close()\n"
        "print(json.dumps([sum(o.new for o in outcomes),\n"
        "                  [m for m in sys.argv[2:] if m in sys.modules]]))\n")
    done = subprocess.run([sys.executable, "-c", script, str(store.path), *modules],
                          capture_output=True, text=True, timeout=120, check=True)
    new, loaded = json.loads(done.stdout.splitlines()[-1])
    return int(new), list(loaded)
