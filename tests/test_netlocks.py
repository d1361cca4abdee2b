"""httpcore's locks on asyncio's primitives (`reader.sources.netlocks`), against real sockets
on 127.0.0.1: a refresh no longer loads anyio's backend, waits for a connection, gives up
waiting and survives a cancelled request as before, and closing a connection never waits
(which is why httpcore's cancel shield may do nothing here)."""
# ruff: noqa: F811 - the feed_server fixture is imported and then used as an argument
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import anyio
import httpx
import pytest

from reader.lowlevel import httpcore_on_asyncio, use_network_backend
from reader.sources.fetch import Fetcher
from reader.sources.netlocks import ANYIO_ON_ASYNCIO
from reader.sources.netstream import AsyncioBackend
from tests.feedserver import FeedServer, feed_server  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent

# A process of its own: what it imports is its own. Two requests share one connection slot:
# the second waits for it (httpcore's event), the first is cancelled mid-answer (its
# cleanup, under httpcore's shield), then the second is answered on a new connection.
_REFRESH_LIKE = """
import asyncio, json, sys, threading
from tests.feedserver import FeedServer
from reader.sources.fetch import Fetcher
import httpcore._synchronization as synchronization

async def main(server):
    async with Fetcher(max_connections=1, per_host=1, deadline=10) as fetcher:
        pool = fetcher._client._transport._pool
        slow = asyncio.create_task(fetcher._client.get(server.url("/held")))
        await asyncio.to_thread(server.wait_for, "/held")  # the slot is taken
        waiting = asyncio.create_task(fetcher._client.get(server.url("/feed")))
        while len(pool._requests) < 2 and not waiting.done():  # until it waits its turn
            await asyncio.sleep(0)
        slow.cancel()
        cancelled = False
        try:
            await slow
        except asyncio.CancelledError:
            cancelled = True
        answer = await waiting
        after = await fetcher.fetch(server.url("/feed"))
        return {"cancelled": cancelled, "status": answer.status_code, "after": after.status,
                "requests_left": len(pool._requests), "connections": len(pool.connections),
                "primitives": type(synchronization.anyio).__name__,
                "anyio_backend": "anyio._backends._asyncio" in sys.modules}

server = FeedServer().start()
gate = threading.Event()
server.route("/held", "<rss/>", gate=gate)
server.route("/feed", "<rss/>")
try:
    print(json.dumps(asyncio.run(main(server))))
finally:
    gate.set()
    server.stop()
"""


def test_a_refresh_locks_without_anyio_and_a_cancelled_request_frees_its_slot() -> None:
    """Fails if the fetcher keeps anyio (its backend is imported at the first lock), or if
    the stand-ins lose a waiting request or leave a cancelled one in the pool."""
    unproxied = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    done = subprocess.run([sys.executable, "-c", _REFRESH_LIKE], capture_output=True,
                          text=True, cwd=ROOT, timeout=60, env=unproxied)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen == {"cancelled": True, "status": 200, "after": 200, "requests_left": 0,
                    "connections": 1, "primitives": "AnyioOnAsyncio",
                    "anyio_backend": False}


async def test_waiting_for_a_connection_still_times_out_as_pool_timeout(
        feed_server: FeedServer) -> None:
    """A client with a pool timeout (the fetcher sets none) still gets httpx's PoolTimeout."""
    gate = threading.Event()
    feed_server.route("/held", "<rss/>", gate=gate)
    try:
        async with httpx.AsyncClient(trust_env=False, limits=httpx.Limits(max_connections=1),
                                     timeout=httpx.Timeout(10, pool=0.2)) as client:
            assert use_network_backend(client, AsyncioBackend())
            assert httpcore_on_asyncio(client, ANYIO_ON_ASYNCIO)
            held = asyncio.create_task(client.get(feed_server.url("/held")))
            await asyncio.to_thread(feed_server.wait_for, "/held")
            with pytest.raises(httpx.PoolTimeout):
                await client.get(feed_server.url("/held"))
            gate.set()
            assert (await held).status_code == 200
    finally:
        gate.set()


async def test_closing_a_connection_never_waits(feed_server: FeedServer) -> None:
    """What httpcore shields from cancellation is closing a connection. If that ever waited
    (a `wait_closed`, a contended lock), a cancellation could land inside it, and the
    shield that does nothing here would have to become a real one."""
    feed_server.route("/feed", "<rss/>")
    async with httpx.AsyncClient(trust_env=False) as client:
        assert use_network_backend(client, AsyncioBackend())
        assert (await client.get(feed_server.url("/feed"))).status_code == 200
        (connection,) = client._transport._pool.connections  # type: ignore[attr-defined]
        assert not connection.is_closed()
        closing = connection.aclose()
        with pytest.raises(StopIteration):
            closing.send(None)  # finished at its first step: it never suspended
        assert connection.is_closed()


async def test_whatever_else_is_asked_is_anyio_s_own() -> None:
    """An unbounded semaphore, a scope that cancels, a timed wait, or a name a later
    httpcore asks for."""
    assert isinstance(ANYIO_ON_ASYNCIO.Semaphore(2, max_value=2), asyncio.BoundedSemaphore)
    assert isinstance(ANYIO_ON_ASYNCIO.Semaphore(1, max_value=3), anyio.Semaphore)
    assert isinstance(ANYIO_ON_ASYNCIO.Semaphore(1), anyio.Semaphore)
    assert isinstance(ANYIO_ON_ASYNCIO.CancelScope(shield=False), anyio.CancelScope)
    with pytest.raises(TimeoutError), ANYIO_ON_ASYNCIO.fail_after(0.01):
        await asyncio.Event().wait()
    assert ANYIO_ON_ASYNCIO.sleep is anyio.sleep


def test_a_client_that_tunnels_through_a_proxy_keeps_anyio(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Its connections close through anyio's streams, which wait: they need anyio's shield.
    Fails if the stand-ins are given to httpcore whatever the client."""
    import httpcore._synchronization as synchronization

    monkeypatch.setattr(synchronization, "anyio", anyio)  # put back after the test
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    Fetcher()
    assert synchronization.anyio is anyio
    for name in [k for k in os.environ if k.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    Fetcher()
    assert synchronization.anyio is ANYIO_ON_ASYNCIO
