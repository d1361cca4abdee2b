"""httpcore's network layer on asyncio's own transports, instead of anyio's streams.

httpx sends every request through httpcore, and under asyncio httpcore reaches the network
through anyio, which opens a cancel scope and looks up its backend around every read and
write, and runs asyncio's happy-eyeballs race even for a host with one address. Here a
plain `asyncio.Protocol` fills a buffer and wakes the one reader waiting on it; nothing
runs per call but the read or the write itself. A refresh of 200 feeds that all answer 304
takes ~9% less CPU, a cold one ~3% (bench/README.md).

It keeps what the rest relies on from anyio's backend:

* The same httpcore exceptions for the same failures (ConnectError, ConnectTimeout,
  ReadError, ReadTimeout, WriteError), each chained to the OSError or SSLError behind it,
  so httpx maps them alike and `reader.sources.fetcherrors` words them alike.
* Happy eyeballs: a host with several addresses is tried on the next after 250 ms (each
  name resolved once, by the loop's resolver, as anyio resolves it).
* TLS by `loop.start_tls`, which wraps the context's BIO (`reader.sources.trust` loads a
  CA file lazily there). An end of TLS without close_notify ends the stream, as anyio's
  `standard_compatible=False` does: h11 then tells a complete response from a cut one.
* `is_readable` (the pool asks it of an idle kept connection): true once the server has
  closed it or sent something unasked, so a dead connection is not used again.
* Back-pressure both ways, as anyio's: what arrives while nobody reads is kept, and the
  socket is left unread until that is taken, so an answer whose body must wait (for room
  in the refresh's backlog) waits in the socket, not here; a write waits while asyncio's
  buffer is over its high-water mark.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import socket
import ssl
from collections.abc import Iterable
from typing import Any, cast

import httpcore

from reader.lowlevel import staggered_race

HAPPY_EYEBALLS_DELAY = 0.25  # s: anyio's, and RFC 8305's recommendation
# What httpcore asks of a stream -> the name asyncio's transports give it.
_EXTRA = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername",
          "socket": "socket"}


class _Buffered(asyncio.Protocol):
    """What the transport received and not yet read, and whether it has ended."""

    def __init__(self) -> None:
        self.transport: asyncio.BaseTransport | None = None
        self.data = bytearray()
        self.ended = False
        self.error: BaseException | None = None
        self.paused = False
        self._reader: asyncio.Future[None] | None = None
        self._writable: asyncio.Future[None] | None = None

    # -- called by the transport
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.data += data
        if self._reader is not None:
            self._wake_reader()
        elif not self.paused:  # nobody reads now: the rest waits in the socket
            self.paused = True
            self._read_control().pause_reading()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake_reader()
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.error = exc
        self._wake_reader()
        self.resume_writing()

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        waiter, self._writable = self._writable, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- called by the stream
    def readable(self) -> asyncio.Future[None]:
        """A future done when data or the end comes (the only reader waits on it)."""
        waiter = self._reader = asyncio.get_running_loop().create_future()
        return waiter

    def take(self, most: int) -> bytes:
        data = self.data
        if len(data) <= most:
            taken = bytes(data)
            data.clear()
        else:
            taken = bytes(data[:most])
            del data[:most]
        if self.paused and not data and not self.ended:
            self.paused = False
            self._read_control().resume_reading()
        return taken

    def must_wait(self) -> bool:
        """Whether asyncio's write buffer is over its high-water mark."""
        return self._writable is not None

    async def writable(self) -> None:
        if self._writable is not None:
            await self._writable

    def _wake_reader(self) -> None:
        waiter, self._reader = self._reader, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _read_control(self) -> asyncio.ReadTransport:
        assert isinstance(self.transport, asyncio.ReadTransport)
        return self.transport


def _ended_cleanly(error: BaseException | None) -> bool:
    """A close, or TLS ending without close_notify (many servers do): the end of the data."""
    return error is None or isinstance(error, ssl.SSLZeroReturnError | ssl.SSLEOFError)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection: the transport, and the protocol that buffers what it receives."""

    def __init__(self, transport: asyncio.Transport, protocol: _Buffered) -> None:
        self._transport = transport
        self._protocol = protocol
        protocol.transport = transport  # after start_tls: pause and resume the TLS layer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if not protocol.data and not protocol.ended:
            if timeout is None:  # (the refresh's: its deadline bounds the whole exchange)
                await protocol.readable()
            else:
                try:
                    async with asyncio.timeout(timeout):
                        await protocol.readable()
                except TimeoutError as exc:
                    raise httpcore.ReadTimeout(f"no data within {timeout:g} s") from exc
        if protocol.data:
            return protocol.take(max_bytes)
        if not _ended_cleanly(protocol.error):
            raise httpcore.ReadError(str(protocol.error)) from protocol.error
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._transport.is_closing():
            error = self._protocol.error
            raise httpcore.WriteError(str(error or "the connection is closed")) from error
        self._transport.write(buffer)
        if not self._protocol.must_wait():
            return
        try:
            async with asyncio.timeout(timeout):
                await self._protocol.writable()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(f"could not write within {timeout:g} s") from exc

    async def aclose(self) -> None:
        if self._transport.get_extra_info("ssl_object") is not None:
            self._transport.abort()  # no close_notify, as anyio's standard_compatible=False
        else:
            self._transport.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        # asyncio makes its TLS object in a callback, where an error is only logged and the
        # handshake then waits out its timeout. Made here first, as anyio makes it, an error
        # (a CA file that cannot be read, a host name TLS refuses) reaches the caller, and
        # the connection is closed: the loop holds it, so it would stay open.
        try:
            ssl_context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(),
                                 server_hostname=server_hostname)
        except BaseException:
            self._transport.abort()
            raise
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(self._transport, self._protocol, ssl_context,
                                                 server_hostname=server_hostname)
        except TimeoutError as exc:  # (`start_tls` closes the connection on any failure)
            raise httpcore.ConnectTimeout(f"no TLS handshake within {timeout:g} s") from exc
        except OSError as exc:  # ssl.SSLError among them: a certificate not trusted
            raise httpcore.ConnectError(str(exc)) from exc
        if transport is None:  # the connection closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        self._protocol.paused = False  # the TLS layer starts reading
        return AsyncioStream(transport, self._protocol)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return bool(self._protocol.data) or self._protocol.ended
        name = _EXTRA.get(info)
        return self._transport.get_extra_info(name) if name else None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connections made by the running asyncio loop (see the module docstring)."""

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[tuple[Any, ...]] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                sock = await _connected(loop, host, port, local_address)
                try:
                    for option in socket_options or ():
                        sock.setsockopt(*option)
                    transport, protocol = await loop.create_connection(_Buffered, sock=sock)
                except BaseException:
                    sock.close()
                    raise
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"could not connect within {timeout:g} s") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        return AsyncioStream(transport, protocol)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _connected(loop: asyncio.AbstractEventLoop, host: str, port: int,
                     local_address: str | None) -> socket.socket:
    """A socket connected to one of the host's addresses, resolved once (in the loop's
    resolver thread, unless the host is an address already): the only one
    directly; of several, the first to connect, each next one tried `HAPPY_EYEBALLS_DELAY`
    after the one before or as soon as it fails, the families in turn (what asyncio's
    `create_connection` and anyio do; asyncio runs that race even for one address, a
    quarter of a millisecond of CPU per connection)."""
    try:  # an address already (no resolver, no thread: as `create_connection` does)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_NUMERICHOST)
    except socket.gaierror:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[tuple[int, Any]] = list(dict.fromkeys((info[0], info[4]) for info in infos))
    if len(addresses) == 1:
        return await _connect(loop, *addresses[0], local_address)
    attempts = [functools.partial(_connect, loop, family, address, local_address)
                for family, address in _families_in_turn(addresses)]
    sock, _, errors = await staggered_race()(attempts, HAPPY_EYEBALLS_DELAY)
    if sock is None:
        raise _one_error([error for error in errors if error is not None])
    return cast(socket.socket, sock)


async def _connect(loop: asyncio.AbstractEventLoop, family: int, address: Any,
                   local_address: str | None) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        if local_address:
            sock.bind((local_address, 0))
        await loop.sock_connect(sock, address)
    except BaseException:
        sock.close()
        raise
    return sock


def _families_in_turn(addresses: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    """The resolver's order, the first family's first address, then the other's, and so on."""
    by_family: dict[int, list[tuple[int, Any]]] = {}
    for address in addresses:
        by_family.setdefault(address[0], []).append(address)
    turns = itertools.zip_longest(*by_family.values())
    return [address for turn in turns for address in turn if address is not None]


def _one_error(errors: list[BaseException]) -> BaseException:
    """The one error of every attempt, or the first when all failed alike (each address
    refused: a `ConnectionRefusedError`, told as such); else one that lists them all."""
    if not errors:
        return OSError("no address to connect to")
    first = errors[0]
    if all(type(error) is type(first) and getattr(error, "errno", None) ==
           getattr(first, "errno", None) for error in errors):
        return first
    return OSError("Multiple exceptions: " + ", ".join(str(error) for error in errors))
