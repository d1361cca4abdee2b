"""Hostile servers, end to end: a refresh meets each one next to a good feed, on a real socket.

`test_fetch.py` checks the Fetcher's limits one by one. Here every case goes through the whole
`refresh()` into a real cache that already holds the feed's stories (one read, one starred),
and must end with: the refresh returned in bounded time, the good feed stored, the hostile
source marked failed with its reason in words, and the cached stories untouched.
"""

# ruff: noqa: F811 - pytest fixtures imported from tests.feedserver are redefined as arguments
from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from reader.models import Source
from reader.refresh import refresh
from reader.sources import feedfile
from reader.store import Store
from tests.feedserver import FeedServer, compress, endless, feed_server  # noqa: F401

CAP = 2**20
OPTIONS = {"deadline": 2.0, "connect_timeout": 2.0, "max_body": CAP}


def rss(title: str, count: int, prefix: str = "s", body: str = "") -> str:
    items = "".join(
        f"<item><title>{prefix} {i}</title><guid>{prefix}-{i}</guid>"
        f"<link>http://example.org/{prefix}/{i}</link>"
        f"<description>{body or f'Body of {prefix} {i}'}</description></item>"
        for i in range(count))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>http://example.org/</link>{items}</channel></rss>")


@dataclass
class Seeded:
    """A source whose stories are cached, with marks, before the hostile refresh."""

    source: Source
    good: Source
    before: list[tuple[str, str, str, bool, bool]]


def snapshot(store: Store, source: Source) -> list[tuple[str, str, str, bool, bool]]:
    return sorted((s.key, s.title, s.body_html, s.read, s.starred)
                  for s in store.stories_of(source.id))


def seed(store: Store, server: FeedServer, location: str | None = None) -> Seeded:
    """Cache three stories of /feed (one read, one starred) and subscribe to a good /other."""
    server.route("/feed", rss("Victim", 3))
    server.route("/other", rss("Other", 2, prefix="o"))
    source = store.add_source("feed", server.url("/feed"))
    good = store.add_source("feed", server.url("/other"))
    outcomes = refresh(store, [source], fetcher_options=OPTIONS)
    assert outcomes[0].ok and outcomes[0].new == 3
    first, second, _ = store.stories_of(source.id)
    store.set_read([first.id])
    store.set_starred(second.id, True)
    if location is not None:  # the hostile place is not on this server (refused, DNS, TLS)
        store.update_source(source.id, location=location)
        source = store.get_source(source.id) or source
    return Seeded(source, good, snapshot(store, source))


def hostile_refresh(store: Store, seeded: Seeded, *, within: float = 30.0,
                    **options: object) -> str:
    """Refresh the hostile source with a good one; return the hostile source's error."""
    started = time.monotonic()
    outcomes = refresh(store, [seeded.source, seeded.good],
                       fetcher_options={**OPTIONS, **options})
    assert time.monotonic() - started < within
    bad, good = outcomes
    assert not bad.ok and good.ok and good.new == 2
    after = store.get_source(seeded.source.id)
    assert after is not None and after.status == "error" and after.last_error == bad.error
    assert snapshot(store, seeded.source) == seeded.before  # nothing cached was touched
    assert store.quick_check() == "ok"
    return bad.error


# -- compression bombs and endless bodies ---------------------------------------------------------

@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "gzip, gzip", "br, gzip, deflate"])
def test_a_decompression_bomb_fails_the_feed_alone(store: Store, feed_server: FeedServer,
                                                   encoding: str) -> None:
    seeded = seed(store, feed_server)
    bomb = compress(b"<rss><channel><title>" + b" " * (40 * CAP), encoding)
    assert len(bomb) < CAP // 10  # small on the wire, forty times the cap once decoded
    feed_server.route("/feed", bomb, encoding=encoding, encoded=True)
    assert hostile_refresh(store, seeded) == "body larger than 1 MB"


def test_fifty_megabytes_of_text_without_length_stop_at_the_cap(store: Store,
                                                                 feed_server: FeedServer) -> None:
    seeded = seed(store, feed_server)
    sent: list[int] = []

    def text() -> Iterator[bytes]:  # 50 MB of an RSS description, never a Content-Length
        yield b'<?xml version="1.0"?><rss version="2.0"><channel><item><description>'
        for _ in range(50 * 16):
            sent.append(1)
            yield b"word " * 13107
    feed_server.route("/feed", chunks=text)
    assert hostile_refresh(store, seeded) == "body larger than 1 MB"
    assert len(sent) < 50 * 16  # the server was cut off, not read to the end


def test_an_endless_gzip_stream_stops_at_the_cap(store: Store, feed_server: FeedServer) -> None:
    seeded = seed(store, feed_server)
    piece = compress(b"x" * 2**20, "gzip")  # one member per chunk, forever
    feed_server.route("/feed", chunks=endless(piece), encoding="gzip", encoded=True)
    assert hostile_refresh(store, seeded) == "body larger than 1 MB"


# -- time ----------------------------------------------------------------------------------------

def test_a_server_dripping_a_byte_a_second_is_cut_at_the_deadline(
        store: Store, feed_server: FeedServer) -> None:
    seeded = seed(store, feed_server)
    feed_server.route("/feed", rss("Drip", 3), drip=1.0)  # httpx's read timeout never fires
    assert hostile_refresh(store, seeded, within=20) == "timed out after 2 s"


def test_a_server_that_accepts_and_never_answers(store: Store) -> None:
    with FeedServer() as good_server:
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel accepts; nobody ever reads or writes
        try:
            seeded = seed(store, good_server,
                          location=f"http://127.0.0.1:{silent.getsockname()[1]}/feed")
            assert hostile_refresh(store, seeded, within=20) == "timed out after 2 s"
        finally:
            silent.close()


# -- failures to connect -------------------------------------------------------------------------

def test_connection_refused(store: Store, feed_server: FeedServer) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    seeded = seed(store, feed_server, location=f"http://127.0.0.1:{port}/feed")
    assert hostile_refresh(store, seeded) == "connection refused"


def test_dns_failure_names_the_host(store: Store, feed_server: FeedServer) -> None:
    seeded = seed(store, feed_server, location="http://no-such-feed.invalid/rss")
    error = hostile_refresh(store, seeded)
    assert error in ("cannot find the host no-such-feed.invalid",
                     "could not connect within 2 s")  # a resolver that never answers


def test_tls_to_a_plain_http_server(store: Store, feed_server: FeedServer) -> None:
    seeded = seed(store, feed_server)
    store.update_source(seeded.source.id,
                        location=feed_server.url("/feed").replace("http://", "https://"))
    seeded.source = store.get_source(seeded.source.id) or seeded.source
    assert hostile_refresh(store, seeded).startswith("TLS error: ")


def test_a_reset_in_the_middle_of_the_body(store: Store, feed_server: FeedServer) -> None:
    seeded = seed(store, feed_server)
    feed_server.route("/feed", rss("Cut", 50), cut_after=300)
    assert hostile_refresh(store, seeded) == (
        "the connection closed before the whole response arrived")


def test_a_hard_reset_mid_body(store: Store) -> None:
    """RST instead of FIN: the server closes with SO_LINGER 0 after part of the body."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                         b"Content-Length: 100000\r\n\r\n<rss version='2.0'><channel>")
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with FeedServer() as good_server:
            seeded = seed(store, good_server,
                          location=f"http://127.0.0.1:{listener.getsockname()[1]}/feed")
            assert hostile_refresh(store, seeded) == "the connection was reset"
    finally:
        stop.set()
        thread.join()
        listener.close()


# -- redirects -----------------------------------------------------------------------------------

def test_a_redirect_loop(store: Store, feed_server: FeedServer) -> None:
    seeded = seed(store, feed_server)
    feed_server.redirect("/feed", "/loop", status=302)
    feed_server.redirect("/loop", "/feed", status=302)
    assert hostile_refresh(store, seeded) == "too many redirects"
    assert feed_server.hits("/loop") == 3  # six requests in all, then it stopped


@pytest.mark.parametrize("target", [
    "file:///etc/passwd", "ftp://127.0.0.1/feed.xml", "data:text/xml,<rss/>",
    "javascript:alert(1)", "gopher://127.0.0.1:70/1", "FILE:///etc/shadow",
])
def test_a_redirect_to_another_scheme_is_refused(store: Store, feed_server: FeedServer,
                                                 target: str) -> None:
    seeded = seed(store, feed_server)
    feed_server.redirect("/feed", target, status=301)
    assert hostile_refresh(store, seeded) == "redirect to a non-http(s) URL"
    after = store.get_source(seeded.source.id)
    assert after is not None and after.location == seeded.source.location  # not "moved"


# -- feeds that are too big to swallow -----------------------------------------------------------

def test_fifty_thousand_entries_are_capped_not_swallowed(store: Store,
                                                         feed_server: FeedServer) -> None:
    items = "".join(f"<item><title>e{i}</title><guid>e{i}</guid></item>" for i in range(50_000))
    body = f'<rss version="2.0"><channel><title>Huge</title>{items}</channel></rss>'
    feed_server.route("/huge", body, encoding="gzip")
    source = store.add_source("feed", feed_server.url("/huge"))
    (outcome,) = refresh(store, [source], fetcher_options={"max_body": 4 * CAP})
    assert outcome.ok and outcome.new == feedfile.MAX_ENTRIES == 10_000
    assert outcome.problems == ["kept the first 10,000 of 50,000 entries (the limit per feed)"]
    titles = {s.title for s in store.stories_of(source.id)}
    assert "e0" in titles and "e9999" in titles and "e10000" not in titles
    cpu = time.process_time()
    assert len(feedfile.parse_feed(body.encode()).entries) == 10_000
    assert time.process_time() - cpu < 12  # cut before feedparser: ~4.7 s, all 50,000: ~17 s


def test_huge_fields_are_capped(store: Store, feed_server: FeedServer) -> None:
    title = "T" * 50_000
    author = "A" * 60_000  # feedparser's author handling is quadratic: 60 KB would take ~25 s
    text = "word " * 600_000  # 3 MB of one description
    body = (f'<rss version="2.0"><channel><title>{title}</title><item><title>{title}</title>'
            f"<guid>g</guid><author>{author}</author><description>{text}</description>"
            "</item></channel></rss>")
    feed_server.route("/big", body, encoding="gzip")
    source = store.add_source("feed", feed_server.url("/big"))
    started = time.monotonic()
    (outcome,) = refresh(store, [source], fetcher_options={"max_body": 8 * CAP})
    assert time.monotonic() - started < 20  # the parse alone took ~25 s before the cut
    assert outcome.ok and outcome.new == 1
    (story,) = store.stories_of(source.id)
    assert len(story.title) <= feedfile.MAX_TITLE and len(story.author) <= feedfile.MAX_TITLE
    assert len(story.body_html) <= feedfile.MAX_BODY + 100
    stored = store.get_source(source.id)
    assert stored is not None and len(stored.title) <= feedfile.MAX_TITLE


# -- all at once ---------------------------------------------------------------------------------

def test_a_refresh_over_a_zoo_of_hostile_servers_stays_bounded(store: Store,
                                                                 feed_server: FeedServer) -> None:
    """Every kind of failure in one refresh: each fails alone, the good ones are stored."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    closed_port = probe.getsockname()[1]
    probe.close()
    zoo: dict[str, Callable[[], object]] = {
        "/bomb": lambda: feed_server.route("/bomb", compress(b" " * 40 * CAP, "gzip, gzip"),
                                           encoding="gzip, gzip", encoded=True),
        "/drip": lambda: feed_server.route("/drip", rss("Drip", 2), drip=1.0),
        "/endless": lambda: feed_server.route("/endless", chunks=endless()),
        "/cut": lambda: feed_server.route("/cut", rss("Cut", 30), cut_after=100),
        "/loop": lambda: feed_server.redirect("/loop", "/loop", status=307),
        "/file": lambda: feed_server.redirect("/file", "file:///etc/passwd"),
        "/html": lambda: feed_server.route("/html", "<html><body>hi</body></html>",
                                           content_type="text/html"),
        "/500": lambda: feed_server.route("/500", "oops", status=500),
    }
    for make in zoo.values():
        make()
    hostile = [store.add_source("feed", feed_server.url(path)) for path in zoo]
    hostile.append(store.add_source("feed", f"http://127.0.0.1:{closed_port}/x"))
    hostile.append(store.add_source("feed", "http://zoo.invalid/feed"))
    good = []
    for i in range(3):
        feed_server.route(f"/good{i}", rss(f"Good {i}", 4, prefix=f"g{i}"))
        good.append(store.add_source("feed", feed_server.url(f"/good{i}")))
    started = time.monotonic()
    outcomes = refresh(store, fetcher_options=OPTIONS)
    assert time.monotonic() - started < 30  # the drip alone would take minutes
    by_id = {o.source_id: o for o in outcomes}
    assert all(by_id[s.id].ok and by_id[s.id].new == 4 for s in good)
    errors = {s.location.rsplit("/", 1)[-1]: by_id[s.id].error for s in hostile}
    assert all(errors.values()), errors
    assert errors["bomb"] == errors["endless"] == "body larger than 1 MB"
    assert errors["drip"] == "timed out after 2 s"
    assert errors["loop"] == "too many redirects"
    assert errors["file"] == "redirect to a non-http(s) URL"
    assert errors["html"] == "not a feed: got an HTML page"
    assert errors["500"] == "HTTP 500"
    assert errors["x"] == "connection refused"
    for source in hostile:
        stored = store.get_source(source.id)
        assert stored is not None and stored.status == "error" and stored.last_error


# -- the app stays responsive --------------------------------------------------------------------

async def test_the_app_answers_keys_while_a_hostile_server_holds_the_refresh(
        store: Store, feed_server: FeedServer) -> None:
    """The refresh waits on a server that holds the connection, then sends a bomb; meanwhile
    keys move through the cached stories. Afterwards the source is marked failed, in words,
    and its cached stories are as they were."""
    import contextlib

    from textual.worker import WorkerCancelled, WorkerState

    from reader.ui.app import NewsApp

    seeded = seed(store, feed_server)
    gate = threading.Event()
    bomb = compress(b" " * (40 * 2**20), "gzip")

    def held() -> Iterator[bytes]:
        while not gate.wait(0.05):
            pass
        yield bomb

    feed_server.route("/feed", chunks=held, encoding="gzip", encoded=True)
    feed_server.route("/other", rss("Other", 2, prefix="o"))
    app = NewsApp(store, refresh_on_start=True, fetcher_options={"deadline": 60})

    async def settle(pilot: object, *, skip_refresh: bool) -> None:
        for _ in range(100):
            waiting = [w for w in app.workers if not w.is_finished
                       and not (skip_refresh and w.group == "refresh")]
            if waiting:
                with contextlib.suppress(WorkerCancelled):
                    await app.workers.wait_for_complete(waiting)
            await pilot.pause()  # type: ignore[attr-defined]
            if not [w for w in app.workers if not w.is_finished
                    and not (skip_refresh and w.group == "refresh")]:
                return
        raise AssertionError("the app never settled")

    def shown() -> str:
        strips = app.screen._compositor.render_strips()
        return "\n".join(strip.text for strip in strips)

    try:
        async with app.run_test(size=(140, 45)) as pilot:
            for _ in range(400):  # until the server holds the request
                await pilot.pause()
                if feed_server.hits("/feed") >= 2:
                    break
            refreshing = [w for w in app.workers if w.group == "refresh"]
            assert refreshing and refreshing[0].state == WorkerState.RUNNING
            await settle(pilot, skip_refresh=True)
            before = shown()
            await pilot.press("j")
            await settle(pilot, skip_refresh=True)
            await pilot.press("j")
            await settle(pilot, skip_refresh=True)
            assert shown() != before  # the keys were answered ...
            assert refreshing[0].state == WorkerState.RUNNING  # ... while the refresh waited
            gate.set()
            await settle(pilot, skip_refresh=False)
            assert app.is_running and app.return_code is None
    finally:
        gate.set()
    after = store.get_source(seeded.source.id)
    assert after is not None and after.status == "error"
    assert after.last_error == "body larger than 10 MB"
    # The stories are as they were; reading in the app may only have marked more of them read.
    now = snapshot(store, seeded.source)
    assert [(k, t, b, s) for k, t, b, _, s in now] == [
        (k, t, b, s) for k, t, b, _, s in seeded.before]
    assert all(r_now or not r_before for (*_, r_now, _), (*_, r_before, _)
               in zip(now, seeded.before, strict=True))
