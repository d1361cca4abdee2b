"""A refresh's backlog and hosts: the bodies held never outgrow the bound, a fetch takes its
room before its body is read, and a host slow to answer (or not answering at all) keeps its
own feeds waiting, not the others'. Real loopback servers, a real SQLite file."""

# ruff: noqa: F811 - pytest fixtures imported from tests.feedserver are redefined as arguments
from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from reader.models import Outcome, Source
from reader.refresh import refresh
from reader.refresh.backlog import FIRST_GUESS, Backlog, Claim
from reader.refresh.pipeline import Fetched, Pipeline, interleave_hosts
from reader.store import Store
from tests.feedserver import FeedServer, feed_server, silent_port  # noqa: F401
from tests.helpers.refreshing import drained
from tests.helpers.stories import rss, subscribe


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
    held = drained(pipeline)
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
    items = drained(pipeline)
    assert [len(i.parsed.rows) if i.parsed else 0 for i in items] == [40, 40, 40]
    assert pipeline.stats["backlog_peak_feeds"] == 1  # one at a time, none refused


async def test_the_backlog_reserves_a_typical_body_and_counts_the_true_size() -> None:
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


async def claim_then_body_waiting() -> tuple[Backlog, Claim, Claim, asyncio.Future[None],
                                              asyncio.Future[None]]:
    """A backlog of one place, held by a body of 100 bytes; a new claim waiting for room,
    then a body waiting in its socket: (room, claimant, waiting, the claim's task, the
    body's task)."""
    room = Backlog(count=1, budget=10**6, patience=600)
    held, claimant, waiting = Claim(), Claim(), Claim()
    await room.claim(held)
    room.arrived(held, 100)
    asked_first = asyncio.ensure_future(room.claim(claimant))
    body = asyncio.ensure_future(room.before_body(waiting))
    await asyncio.sleep(0)
    assert not asked_first.done() and not body.done()
    return room, claimant, waiting, asked_first, body


async def test_room_goes_first_to_a_body_waiting_in_its_socket() -> None:
    """A fetch whose headers came holds a connection until it reads its body; a new claim
    has not connected yet and would hold the room through a connect and an answer. So the
    room that frees goes to the waiting body, even when the claim asked first."""
    room, claimant, waiting, asked_first, body = await claim_then_body_waiting()
    room.leave(100)  # the writer stored the held feed
    await asyncio.wait_for(body, 10)
    assert waiting.holds and not claimant.holds and not asked_first.done()
    room.arrived(waiting, 200)
    room.leave(200)
    await asyncio.wait_for(asked_first, 10)
    assert claimant.holds and room.feeds == 1
    room.give_back(claimant)
    assert room.feeds == 0


async def test_a_claim_held_back_for_a_body_goes_on_when_that_body_gives_up() -> None:
    """The body a claim made way for is cancelled (the refresh stopped) before it takes the
    room: the claim must look again, or it would wait for a leave that never comes."""
    room, claimant, waiting, asked_first, body = await claim_then_body_waiting()
    room.leave(100)
    body.cancel()  # woken, but cancelled before it runs
    await asyncio.wait_for(asked_first, 10)
    assert claimant.holds and not waiting.holds and room.feeds == 1 and body.cancelled()


async def test_a_body_smaller_than_its_guess_lets_the_next_one_in() -> None:
    """A place reserves a typical body's size; when the true size is smaller, what waited
    for bytes may fit now, without waiting for a feed to be stored."""
    room = Backlog(count=8, budget=FIRST_GUESS + FIRST_GUESS // 2, patience=600)
    first, second = Claim(), Claim()
    await room.claim(first)  # reserves FIRST_GUESS: a second guess would not fit
    waiting = asyncio.ensure_future(room.claim(second))
    await asyncio.sleep(0)
    assert not waiting.done()
    room.arrived(first, 1000)  # far smaller than guessed
    await asyncio.wait_for(waiting, 10)
    assert second.holds and room.feeds == 2 and room.bytes == 2000  # the guess is now 1000


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
        items = drained(pipeline)
        assert len(items) == 48 and all(i.parsed and not i.error for i in items)
        assert pipeline.stats["backlog_lapsed"] == 0
        opened = sum(server.connections for server in servers)
        assert opened <= 24, f"{opened} connections for 48 feeds on 8 hosts"
    finally:
        for server in servers:
            server.stop()


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


def test_a_feed_on_a_host_that_did_not_answer_claims_no_room(store: Store,
                                                             silent_port: int) -> None:
    """A feed never fetched before claims its place in the backlog before it connects. One on
    a host and port whose connect timed out a moment ago fails at once instead, in words,
    without first waiting for a place that another host's feed holds."""
    gate = threading.Event()
    held_server = FeedServer("127.0.0.2").start()
    try:
        held_server.route("/held", rss("Held", [("h", "Held story", "late")]), gate=gate)
        store.add_source("feed", held_server.url("/held"), "Held")  # holds the only place
        first = store.add_source("feed", f"http://127.0.0.1:{silent_port}/0.xml", "Silent 0")
        store.update_source(first.id, etag='"seen"')  # conditional: connects, claims nothing
        cold = {store.add_source("feed", f"http://127.0.0.1:{silent_port}/{i}.xml",
                                 f"Silent {i}").id for i in (1, 2, 3)}
        pipeline = Pipeline(store.sources(), {"connect_timeout": 0.3, "per_host": 1},
                            parse_workers=1, backlog=1, patience=600)
        items: list[Fetched] = []
        cold_failed = threading.Event()

        def consume() -> None:
            for item in pipeline.results():
                items.append(item)
                pipeline.release(item)
                if cold <= {i.source.id for i in items}:
                    cold_failed.set()

        pipeline.start()
        consumer = threading.Thread(target=consume, daemon=True)
        consumer.start()
        try:
            cold_failed.wait(30)  # seconds, only if the fix is gone
            in_time = [i for i in items if i.source.id in cold]
        finally:
            gate.set()
            consumer.join(60)
            pipeline.stop()
    finally:
        held_server.stop()
    assert len(in_time) == 3, "the feeds on the silent host waited for the held place"
    assert {i.error for i in in_time} == {
        f"not tried: 127.0.0.1:{silent_port} did not answer a moment ago "
        "(could not connect within 0.3 s)"}
    assert [i.error for i in items if i.source.id == first.id] == [
        "could not connect within 0.3 s"]
    assert [i.source.title for i in items if not i.error] == ["Held"]
