"""httpcore's network layer on asyncio's transports (`reader.sources.netstream`), against real
sockets on 127.0.0.1: httpx's pools take it, and it reads, ends, waits and fails the way the
pool and `reader.sources.fetcherrors` rely on."""
# ruff: noqa: F811 - the feed_server fixture is imported and then used as an argument
from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpcore
import httpx
import pytest

from reader.lowlevel import use_network_backend
from reader.sources.fetch import Fetcher
from reader.sources.fetcherrors import FetchError
from reader.sources.netstream import AsyncioBackend, AsyncioStream
from tests.feedserver import FeedServer, feed_server  # noqa: F401


async def test_httpx_pools_take_it_and_requests_go_through_it(feed_server: FeedServer) -> None:
    """If an upgrade of httpx or httpcore moves the pool or its backend, this fails: the
    request would go through anyio's stream instead."""
    feed_server.route("/feed", "<rss/>")
    async with httpx.AsyncClient(trust_env=False) as client:  # no proxy from the machine
        assert use_network_backend(client, AsyncioBackend())
        for _ in range(3):
            response = await client.get(feed_server.url("/feed"))
            assert response.status_code == 200
            assert response.text == "<rss/>"
            assert isinstance(response.extensions["network_stream"], AsyncioStream)
    assert feed_server.connections == 1  # kept and used again: not taken for closed
    async with Fetcher(deadline=10) as fetcher:  # the refresh's client takes it too
        assert (await fetcher.fetch(feed_server.url("/feed"))).status == 200
    assert feed_server.hits("/feed") == 4



async def test_a_kept_connection_the_server_closed_is_not_used_again(
        feed_server: FeedServer) -> None:
    """Servers close an idle kept connection without a word once their keep-alive time is
    up. The next request must go on a new connection, not fail on the dead one ("server
    disconnected"): the pool asks `is_readable` of an idle connection before using it."""
    feed_server.route("/feed", "<rss/>", hang_up=True)
    async with httpx.AsyncClient(trust_env=False) as client:
        assert use_network_backend(client, AsyncioBackend())
        first = await client.get(feed_server.url("/feed"))
        assert first.status_code == 200
        protocol = first.extensions["network_stream"]._protocol
        if not protocol.ended:  # the server's close has not reached the loop yet
            await protocol.readable()
        assert protocol.ended
        second = await client.get(feed_server.url("/feed"))
        assert second.status_code == 200 and second.text == "<rss/>"
    assert feed_server.connections == 2

async def test_a_proxy_keeps_httpcore_s_own_network_layer() -> None:
    """Tunnels through a proxy (HTTP_PROXY, or a client's proxy) are left as they were."""
    async with httpx.AsyncClient(proxy="http://127.0.0.1:9", trust_env=False) as client:
        use_network_backend(client, AsyncioBackend())
        proxies = [mount._pool for mount in client._mounts.values() if mount is not None]
        assert proxies
        assert not any(isinstance(pool._network_backend, AsyncioBackend) for pool in proxies)


class _Peer:
    """One accepted connection on 127.0.0.1, driven by the test."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.conn: socket.socket | None = None

    async def accept(self) -> socket.socket:
        self.conn, _ = await asyncio.to_thread(self.listener.accept)
        return self.conn

    def close(self) -> None:
        for sock in (self.conn, self.listener):
            if sock is not None:
                sock.close()


@pytest.fixture
async def peer() -> AsyncIterator[_Peer]:
    made = _Peer()
    yield made
    made.close()


async def _connect(peer: _Peer) -> tuple[httpcore.AsyncNetworkStream, socket.socket]:
    stream, conn = await asyncio.gather(
        AsyncioBackend().connect_tcp("127.0.0.1", peer.port, timeout=5), peer.accept())
    return stream, conn


async def _read_all(stream: httpcore.AsyncNetworkStream) -> bytes:
    pieces = []
    while piece := await stream.read(65536, timeout=10):
        pieces.append(piece)
    return b"".join(pieces)


async def test_what_the_peer_sends_is_read_in_order_and_its_close_ends_it(peer: _Peer) -> None:
    """More than one read of the socket, sent while nobody reads (so the socket is left
    unread and then read again); then the close."""
    stream, conn = await _connect(peer)
    await stream.write(b"GET / HTTP/1.1\r\n\r\n")
    assert await asyncio.to_thread(conn.recv, 100) == b"GET / HTTP/1.1\r\n\r\n"
    assert stream.get_extra_info("is_readable") is False  # kept: nothing came, not closed
    sent = bytes(range(256)) * (3 * 2**20 // 256)  # several of asyncio's reads
    await asyncio.to_thread(conn.sendall, sent)
    conn.close()
    assert await _read_all(stream) == sent
    assert stream.get_extra_info("is_readable") is True  # closed: the pool must not reuse it
    assert await stream.read(10) == b""
    await stream.aclose()


async def test_a_reset_is_a_read_error(peer: _Peer) -> None:
    stream, conn = await _connect(peer)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    conn.close()  # linger 0: RST
    with pytest.raises(httpcore.ReadError):
        await _read_all(stream)
    await stream.aclose()


async def test_a_silent_peer_times_out(peer: _Peer) -> None:
    stream, _ = await _connect(peer)
    with pytest.raises(httpcore.ReadTimeout):
        await stream.read(10, timeout=0.05)
    await stream.aclose()


async def test_the_addresses_of_a_host_that_all_refuse_are_told_as_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A name with two addresses, nothing listening on either: the reader is told
    "connection refused", as for one address."""
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    _two_addresses(monkeypatch, "127.0.0.1", "127.0.0.2", port)
    with pytest.raises(httpcore.ConnectError, match=r"127\.0\.0\.1") as refused:
        await AsyncioBackend().connect_tcp("two.example", port, timeout=5)
    assert isinstance(refused.value.__cause__, ConnectionRefusedError)
    async with Fetcher(deadline=10) as fetcher:
        with pytest.raises(FetchError, match="^connection refused$"):
            await fetcher.fetch(f"http://two.example:{port}/feed")


async def test_tls_carries_more_than_one_read_both_ways_and_ends(peer: _Peer) -> None:
    """The same over TLS (`start_tls`): the socket left unread and read again under the TLS
    layer, and the server's close ends the stream."""
    import ssl

    import trustme

    ca = trustme.CA()
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_side)
    client_side = ssl.create_default_context()
    ca.configure_trust(client_side)
    sent = bytes(range(256)) * (3 * 2**20 // 256)

    def serve(conn: socket.socket) -> bytes:
        with server_side.wrap_socket(conn, server_side=True) as tls:
            asked = tls.recv(100)
            tls.sendall(sent)
            tls.unwrap()  # close_notify, then the close
            return asked

    plain, conn = await _connect(peer)
    served = asyncio.create_task(asyncio.to_thread(serve, conn))
    stream = await plain.start_tls(client_side, server_hostname="127.0.0.1", timeout=10)
    assert stream.get_extra_info("ssl_object") is not None
    await stream.write(b"GET / HTTP/1.1\r\n\r\n")
    assert await _read_all(stream) == sent
    assert await served == b"GET / HTTP/1.1\r\n\r\n"
    assert stream.get_extra_info("is_readable") is True
    await stream.aclose()


def _two_addresses(monkeypatch: pytest.MonkeyPatch, first: str, second: str, port: int) -> None:
    """The name "two.example" resolves to `first`, then `second` (the loop's resolver)."""
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        if host != "two.example":
            return await real(host, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
                for address in (first, second)]

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)


async def test_of_two_addresses_the_one_that_answers_is_used(
        peer: _Peer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listens on the first address: the second is tried and connected."""
    _two_addresses(monkeypatch, "127.0.0.2", "127.0.0.1", peer.port)
    stream, _ = await asyncio.gather(
        AsyncioBackend().connect_tcp("two.example", peer.port, timeout=5), peer.accept())
    assert stream.get_extra_info("server_addr") == ("127.0.0.1", peer.port)
    await stream.aclose()


async def test_a_tls_handshake_that_never_comes_times_out_and_closes(peer: _Peer) -> None:
    """A host that takes the connection and never answers TLS: a connect timeout (told as
    one), and the connection is closed, not left open in the loop."""
    import ssl

    plain, conn = await _connect(peer)
    with pytest.raises(httpcore.ConnectTimeout):
        await plain.start_tls(ssl.create_default_context(), server_hostname="127.0.0.1",
                              timeout=0.1)
    conn.settimeout(5)

    def until_closed() -> bool:
        try:
            while conn.recv(65536):  # the ClientHello, then the end
                pass
        except ConnectionResetError:
            pass
        return True

    assert await asyncio.to_thread(until_closed)
