"""Fetching and the hosts behind the feeds, against real servers on 127.0.0.1: politeness
(429/503, max-age, the per-host and global limits, kept connections), network failures in
words, and a host that did not answer a connect, left alone for a minute."""

# ruff: noqa: F811 - pytest fixtures imported from tests.feedserver are redefined as arguments
from __future__ import annotations

import asyncio
import socket
import time
from email.utils import formatdate
from typing import Any

import pytest

from reader.sources.fetch import Fetcher, endpoint_label
from reader.sources.fetcherrors import FetchError
from tests.feedserver import FeedServer, feed_server, silent_port  # noqa: F401
from tests.helpers.fetching import RSS, failure, fetch

# -- status codes and politeness ---------------------------------------------------------------

@pytest.mark.parametrize("status", [404, 500, 403])
async def test_http_errors_are_told_by_number(feed_server: FeedServer, status: int) -> None:
    feed_server.route("/f", b"oops", status=status, content_type="text/plain")
    error = await failure(feed_server.url("/f"))
    assert str(error) == f"HTTP {status}" and error.status == status


async def test_410_means_gone(feed_server: FeedServer) -> None:
    feed_server.route("/f", b"gone", status=410)
    result = await fetch(feed_server.url("/f"))
    assert result.gone and result.status == 410 and result.body is None


async def test_429_retry_after_seconds_backs_off_the_host(feed_server: FeedServer) -> None:
    feed_server.route("/busy", b"", status=429, headers={"Retry-After": "120"})
    feed_server.route("/other", RSS)
    async with Fetcher() as fetcher:
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(feed_server.url("/busy"))
        assert str(info.value) == "HTTP 429" and info.value.retry_after == 120
        with pytest.raises(FetchError) as again:
            await fetcher.fetch(feed_server.url("/other"))
    assert "429" in str(again.value) and again.value.retry_after is not None
    assert feed_server.hits("/other") == 0  # the host was left alone


async def test_429_without_retry_after_still_backs_off(feed_server: FeedServer) -> None:
    feed_server.route("/busy", b"", status=429)
    error = await failure(feed_server.url("/busy"))
    assert error.retry_after == 600


async def test_503_retry_after_an_http_date(feed_server: FeedServer) -> None:
    when = formatdate(time.time() + 3600, usegmt=True)
    feed_server.route("/f", b"", status=503, headers={"Retry-After": when})
    error = await failure(feed_server.url("/f"))
    assert str(error) == "HTTP 503"
    assert error.retry_after is not None and 3500 < error.retry_after <= 3600


async def test_cache_control_max_age_sets_not_before(feed_server: FeedServer) -> None:
    feed_server.route("/f", RSS, headers={"Cache-Control": "public, max-age=900"})
    before = time.time()
    result = await fetch(feed_server.url("/f"))
    assert result.not_before is not None
    assert before + 900 <= result.not_before <= time.time() + 900


async def test_no_cache_ignores_max_age(feed_server: FeedServer) -> None:
    feed_server.route("/f", RSS, headers={"Cache-Control": "no-cache, max-age=900"})
    assert (await fetch(feed_server.url("/f"))).not_before is None


async def test_the_per_host_limit_holds(feed_server: FeedServer) -> None:
    for i in range(6):
        feed_server.route(f"/f{i}", RSS, delay=0.25)
    async with Fetcher(per_host=2) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(feed_server.url(f"/f{i}"))
                                         for i in range(6)))
    assert all(r.body == RSS for r in results)
    assert feed_server.peak == 2


async def test_the_global_limit_holds(feed_server: FeedServer) -> None:
    for i in range(8):
        feed_server.route(f"/f{i}", RSS, delay=0.25)
    async with Fetcher(max_connections=3, per_host=10) as fetcher:
        await asyncio.gather(*(fetcher.fetch(feed_server.url(f"/f{i}")) for i in range(8)))
    assert feed_server.peak == 3
    assert all(feed_server.hits(f"/f{i}") == 1 for i in range(8))


def accepted(server: FeedServer) -> list[int]:
    """Count the TCP connections `server` accepts (a list holding one number)."""
    count = [0]
    real = server._server.get_request

    def counting() -> Any:
        count[0] += 1
        return real()

    server._server.get_request = counting  # type: ignore[method-assign]
    return count


async def test_a_hosts_feeds_reuse_its_connection(feed_server: FeedServer) -> None:
    connections = accepted(feed_server)
    for i in range(5):
        feed_server.route(f"/f{i}", RSS)
    async with Fetcher() as fetcher:
        for i in range(5):
            assert (await fetcher.fetch(feed_server.url(f"/f{i}"))).body == RSS
    assert connections == [1]


async def test_idle_connections_are_kept_for_the_hosts_fetched_last() -> None:
    """Four times the per-host limit: the connection to a host fetched long ago is closed, so
    the pool that httpcore checks at every request stays small."""
    servers = [FeedServer().start() for _ in range(6)]
    try:
        counts = [accepted(server) for server in servers]
        for server in servers:
            server.route("/f", RSS)
        async with Fetcher(per_host=1) as fetcher:  # 4 idle connections kept
            for server in servers:
                await fetcher.fetch(server.url("/f"))
            for server in (servers[5], servers[2], servers[0]):
                await fetcher.fetch(server.url("/f"))
        # the newest four reused (the third of six among them), the oldest reopened
        assert counts == [[2], [1], [1], [1], [1], [1]]
    finally:
        for server in servers:
            server.stop()


# -- network failures --------------------------------------------------------------------------

async def test_connection_refused() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    assert str(await failure(f"http://127.0.0.1:{port}/feed")) == "connection refused"


async def test_tls_failure_is_told(feed_server: FeedServer) -> None:
    feed_server.route("/f", RSS)
    error = await failure(feed_server.url("/f").replace("http://", "https://"))
    assert str(error).startswith("TLS error")


async def test_a_reset_mid_body(feed_server: FeedServer) -> None:
    feed_server.route("/f", RSS * 10, cut_after=20)
    assert str(await failure(feed_server.url("/f"))) == (
        "the connection closed before the whole response arrived")


# -- a host that did not answer ----------------------------------------------------------------

async def test_a_host_whose_connect_timed_out_is_not_asked_again_at_once(
        silent_port: int) -> None:
    """Its other feeds fail at once, in words, instead of each waiting out the connect
    timeout in turn behind the per-host limit."""
    async with Fetcher(connect_timeout=0.3, per_host=2) as fetcher:
        results = await asyncio.gather(
            *(fetcher.fetch(f"http://127.0.0.1:{silent_port}/{i}.xml") for i in range(6)),
            return_exceptions=True)
    messages = [str(r) for r in results]
    assert all(isinstance(r, FetchError) for r in results), messages
    assert messages.count("could not connect within 0.3 s") == 2, messages  # the first turn
    assert messages.count(f"not tried: 127.0.0.1:{silent_port} did not answer a moment ago "
                          "(could not connect within 0.3 s)") == 4, messages


@pytest.mark.parametrize(("url", "label"), [
    ("https://Example.org/feed", "example.org"),
    ("http://example.org:80/feed", "example.org"),
    ("https://example.org:443/feed", "example.org"),
    ("http://example.org:443/feed", "example.org:443"),  # not http's own port
    ("https://example.org:8443/feed", "example.org:8443"),
    ("http://[::1]:8080/feed", "[::1]:8080"),
])
def test_the_not_tried_message_names_the_host_as_a_reader_would(url: str, label: str) -> None:
    """The port only when it is not the scheme's own: a test cannot make 80 or 443 fail to
    connect, so the words are checked here."""
    assert endpoint_label(url) == label


async def test_another_port_of_that_host_is_still_asked(silent_port: int,
                                                        feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml", "<rss/>")
    async with Fetcher(connect_timeout=0.3) as fetcher:
        with pytest.raises(FetchError, match="could not connect"):
            await fetcher.fetch(f"http://127.0.0.1:{silent_port}/a.xml")
        assert feed_server.url("/feed.xml").startswith("http://127.0.0.1:")
        result = await fetcher.fetch(feed_server.url("/feed.xml"))
    assert result.status == 200 and result.body == b"<rss/>"


async def test_a_host_is_tried_again_once_the_minute_is_over(silent_port: int) -> None:
    now = [1_000_000.0]
    async with Fetcher(connect_timeout=0.3, clock=lambda: now[0]) as fetcher:
        with pytest.raises(FetchError, match="could not connect"):
            await fetcher.fetch(f"http://127.0.0.1:{silent_port}/a.xml")
        with pytest.raises(FetchError, match="not tried"):
            await fetcher.fetch(f"http://127.0.0.1:{silent_port}/b.xml")
        now[0] += 61
        with pytest.raises(FetchError, match="could not connect"):
            await fetcher.fetch(f"http://127.0.0.1:{silent_port}/b.xml")
