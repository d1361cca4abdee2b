"""A real HTTP server on 127.0.0.1 for tests and benchmarks, with programmable routes.

Tests of fetching must exercise a real socket, real HTTP framing and real compression, not a
mocked transport: the bugs that matter (a server that drips, a body with no Content-Length,
a gzip bomb, a redirect loop) live exactly there. Each route says what to answer; every
request is recorded with its headers so a test can assert what the client sent.

Use it as a fixture: `from tests.feedserver import feed_server` (or
`pytest_plugins = ["tests.feedserver"]`), then

    feed_server.route("/feed.xml", body=RSS, etag='"v1"')
    url = feed_server.url("/feed.xml")
    ...
    assert feed_server.requests_for("/feed.xml")[-1].headers["if-none-match"] == '"v1"'
"""

from __future__ import annotations

import gzip
import socket
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import brotli
import pytest

__all__ = ["FeedServer", "Route", "Recorded", "feed_server", "compress"]


def compress(body: bytes, encoding: str) -> bytes:
    """Apply a Content-Encoding list ("gzip", "br", "gzip, gzip" …) in order."""
    for name in (n.strip() for n in encoding.split(",") if n.strip()):
        if name == "gzip":
            body = gzip.compress(body, compresslevel=6, mtime=0)
        elif name == "deflate":
            body = zlib.compress(body)
        elif name == "br":
            body = brotli.compress(body, quality=5)
        else:
            raise ValueError(f"unknown encoding {name}")
    return body


@dataclass
class Route:
    """What one path answers.

    body          the (decoded) body; `encoding` compresses it unless `encoded` says it already is
    status        the status code; `location` adds a Location header (for 3xx)
    etag / last_modified
                  served as validators; a request carrying a matching If-None-Match or an
                  equal If-Modified-Since gets 304 with no body
    delay         seconds to wait before the status line
    gate          an Event to wait for before the status line (a host that holds its answers)
    drip          seconds between body bytes, sent one byte at a time
    length        False: no Content-Length; the body ends when the connection closes
    chunks        an iterator factory of body pieces (endless bodies); implies length=False
    cut_after     send only this many body bytes, then close (a reset mid-body)
    auto_gzip     gzip the body when the request accepts gzip (precomputed once)
    hang_up       close the connection after the answer without saying so (as a server does
                  with a kept connection once its keep-alive time is up)
    """

    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    encoding: str = ""
    encoded: bool = False
    etag: str = ""
    last_modified: str = ""
    location: str = ""
    delay: float = 0.0
    gate: threading.Event | None = None
    drip: float = 0.0
    length: bool = True
    chunks: Callable[[], Iterable[bytes]] | None = None
    cut_after: int | None = None
    auto_gzip: bool = False
    hang_up: bool = False
    _wire: bytes | None = None
    _gzipped: bytes | None = None

    def wire(self) -> bytes:
        if self._wire is None:
            self._wire = (self.body if self.encoded or not self.encoding
                          else compress(self.body, self.encoding))
        return self._wire

    def gzipped(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzipped


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    at: float


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass

    def setup(self) -> None:  # one handler per connection
        super().setup()
        self.server.owner._connected()

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        owner = self.server.owner
        path = urlsplit(self.path).path
        headers = {k.lower(): v for k, v in self.headers.items()}
        owner._record(Recorded("GET", self.path, headers, time.monotonic()))
        route = owner.routes.get(self.path) or owner.routes.get(path)
        if route is None:
            route = Route(body=b"not found", status=404, content_type="text/plain")
        owner._enter()
        try:
            delay = route.delay + owner.latency
            if delay and owner._stop.wait(delay):
                self.close_connection = True
                return
            if route.gate is not None:
                while not route.gate.wait(0.05):  # and let the server stop meanwhile
                    if owner._stop.is_set():
                        self.close_connection = True
                        return
            self._answer(route, headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            owner._leave()

    def _answer(self, route: Route, headers: dict[str, str]) -> None:
        fresh = ((route.etag and headers.get("if-none-match") == route.etag)
                 or (route.last_modified and headers.get("if-modified-since")
                     == route.last_modified))
        status = 304 if fresh and route.status == 200 else route.status
        self.send_response(status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.etag:
            self.send_header("ETag", route.etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)
        if route.location:
            self.send_header("Location", route.location)
        if status == 304:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = route.wire()
        encoding = route.encoding
        if route.auto_gzip and "gzip" in headers.get("accept-encoding", ""):
            body, encoding = route.gzipped(), "gzip"
        if route.content_type:
            self.send_header("Content-Type", route.content_type)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        endless = route.chunks is not None
        if route.length and not endless:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self._body(route, body)
        if route.hang_up:
            self.close_connection = True

    def _body(self, route: Route, body: bytes) -> None:
        stop = self.server.owner._stop
        if route.chunks is not None:
            for piece in route.chunks():
                if stop.is_set():
                    break
                self.wfile.write(piece)
            return
        if route.cut_after is not None:
            self.wfile.write(body[: route.cut_after])
            self.wfile.flush()
            self.close_connection = True
            return
        if route.drip:
            for i in range(len(body)):
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                if stop.wait(route.drip):
                    self.close_connection = True
                    return
            return
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a dripping handler must not hold up shutdown
    request_queue_size = 128
    owner: FeedServer

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up (a cut body, a closed keep-alive connection) is expected here.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class FeedServer:
    """A ThreadingHTTPServer on `host`:0 in a background thread. `latency` delays every answer."""

    def __init__(self, host: str = "127.0.0.1", latency: float = 0.0) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Recorded] = []
        self.latency = latency
        self.active = 0
        self.peak = 0  # the most requests answered at once (to check concurrency limits)
        self.connections = 0  # accepted so far (to check that connections are reused)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._server = _Server((host, 0), _Handler)
        self._server.owner = self
        self.host = host
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True,
                                        name=f"feedserver:{self.port}")

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, body: bytes | str = b"", **options: object) -> Route:
        """Answer `path` as described (see Route); returns the Route so a test can change it."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        route = Route(body=data, **options)  # type: ignore[arg-type]
        self.routes[path] = route
        return route

    def redirect(self, path: str, to: str, status: int = 301) -> Route:
        return self.route(path, status=status, location=to, content_type="")

    def _enter(self) -> None:
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)

    def _connected(self) -> None:
        with self._lock:
            self.connections += 1

    def _leave(self) -> None:
        with self._lock:
            self.active -= 1

    def _record(self, request: Recorded) -> None:
        with self._arrived:
            self.requests.append(request)
            self._arrived.notify_all()

    def requests_for(self, path: str) -> list[Recorded]:
        with self._lock:
            return self._requests_for(path)

    def _requests_for(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if urlsplit(r.path).path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 30) -> None:
        """Block until `path` has been asked `count` times (say, a held request arrived)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self._requests_for(path)) >= count,
                                          timeout):
                raise AssertionError(f"{path} was not asked {count} times in {timeout} s")

    def hits(self, path: str) -> int:
        return len(self.requests_for(path))


def endless(piece: bytes = b"<item>" + b"x" * 4090) -> Callable[[], Iterator[bytes]]:
    """A chunk factory for a body that never ends (the client must cut it)."""

    def chunks() -> Iterator[bytes]:
        while True:
            yield piece

    return chunks


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose listener never accepts and whose queue is full: a connect to it times
    out, as to a host behind a firewall that drops packets."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filling = []
    for _ in range(3):
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        filling.append(sock)
    try:
        yield port
    finally:
        for sock in [*filling, listener]:
            sock.close()
