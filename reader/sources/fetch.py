"""Download feeds politely and safely: one shared httpx client, limits we enforce ourselves.

Why not just `client.get(url, follow_redirects=True)`:

* httpx's timeouts are per socket operation, so a server that drips a byte a second never
  trips them. Each fetch runs under one total deadline (`asyncio.timeout`) that covers
  connecting, every redirect and the whole body (not a caller's wait for room to hold the
  body, `fetch(before_body=...)`: the server is not slow then, we are).
* httpx decodes gzip/deflate/brotli without any limit, and a 64 KB chunk of a chained
  (`gzip, gzip`) bomb expands to gigabytes in one call. We read the raw bytes and decode them
  with bounded decompressors (`bodydecode`), counting the decoded bytes against the cap at
  every stage.
* Redirects are followed by hand (at most 5) so that each hop's scheme is checked (http and
  https only: a feed can never send us to `file:`) and so that we know whether the whole
  chain was permanent (301/308), which is when a subscription's stored URL should change.
* Politeness lives here too: conditional GET (ETag / Last-Modified), `Retry-After` on
  429/503 (the host is left alone for the rest of the run), `Cache-Control: max-age` as a
  minimum interval, a global and a per-host limit, and a User-Agent that names us.
* A host and port that let a connect time out are not asked again for a minute
  (`UNREACHABLE_FOR`): their other feeds fail at once, in words, instead of each waiting
  out the connect timeout in turn behind the per-host limit (a dead host with 20 feeds kept
  a refresh going for five rounds of 10 s). Another port of the host is still asked (a
  firewall drops one port, not the machine). Refused connections and unknown names fail
  fast anyway.

A few dozen concurrent connections is the sweet spot: httpx's pool bookkeeping grows with the
pool (1,000 answers took 2.0 s through 32 connections, 9.6 s through 64), so a semaphore sits
in front of the client, and a wait for the pool falls under the total deadline (httpx's
default pool timeout of 5 s failed feeds that merely queued). For the same reason few idle
connections are kept (four times the per-host limit): httpcore checks every pooled
connection (two system calls each) whenever a request starts or ends (32 idle ones cost a
cold refresh's event loop 0.15 of 0.63 s of CPU). httpcore 1.0 compares that limit with
all the connections in its pool, not only the idle ones: while more than sixteen are open,
an idle one is closed at the pool's next event; when fewer are, the hosts fetched last keep
theirs. A refresh fetches a few hosts at a time (`reader.refresh.pipeline.interleave_hosts`), so
a host's next feed comes while its connection is still kept: 200 feeds on 50 hosts open 52
connections, not 200 (with half this limit, 72: the feeds in flight alone fill it).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import re
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

import reader
from reader.sources.bodydecode import BODY_CAP, DAMAGED, Decoder, damaged, stages
from reader.sources.fetcherrors import FetchError, byte_size, describe, duration, short_url
from reader.sources.fetchheaders import (
    MAX_DELAY,
    header_text,
    is_web,
    retry_after_seconds,
    url_host,
)
from reader.sources.trust import tls_context

MAX_REDIRECTS = 5
DEFAULT_BACKOFF = 600.0  # 429/503 without Retry-After
UNREACHABLE_FOR = 60.0  # seconds a host:port whose connect timed out is not tried again
_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}
ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
          "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8")
USER_AGENT = f"newsreader/{reader.__version__} (+terminal news reader)"
BeforeBody = Callable[[], Awaitable[None]]


@dataclass(slots=True)
class FetchResult:
    """One successful exchange: a body (200), nothing new (304), or a feed that is gone (410).

    `not_before` is an epoch time before which the feed should not be fetched again
    (Retry-After or Cache-Control max-age); `permanent_url` is set when every redirect from
    the requested URL was permanent, and is the URL the subscription should move to.
    """

    url: str
    status: int
    body: bytes | None
    etag: str = ""
    last_modified: str = ""
    content_type: str = ""
    permanent_url: str | None = None
    not_before: float | None = None
    gone: bool = False
    encoding: str = ""  # the Content-Encoding still on `body` (only `fetch(encoded=True)`)


MAX_CONNECTIONS = 32  # at once, every host together
PER_HOST = 4  # at once, to one host


def hosts_at_once(options: dict[str, Any]) -> int:
    """How many hosts fill the connection slots at the per-host limit (`fetcher_options`)."""
    total = options.get("max_connections", MAX_CONNECTIONS)
    return max(1, total // max(1, options.get("per_host", PER_HOST)))


class Fetcher:
    """An async context manager around one `httpx.AsyncClient`, shared by every fetch."""

    def __init__(self, *, max_connections: int = MAX_CONNECTIONS, per_host: int = PER_HOST,
                 connect_timeout: float = 10, deadline: float = 30,
                 max_body: int = BODY_CAP, user_agent: str = USER_AGENT,
                 transport: httpx.AsyncBaseTransport | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.max_connections = max_connections
        self.per_host = per_host
        self.connect_timeout = connect_timeout
        self.deadline = deadline
        self.max_body = max_body
        self._clock = clock
        _negative_import_cache()
        self._client = httpx.AsyncClient(
            headers={"User-Agent": user_agent, "Accept": ACCEPT,
                     "Accept-Encoding": "gzip, deflate, br"},
            # Only the connect timeout: the total deadline (`_exchange`) already bounds every
            # read, write and wait for the pool, and httpx's own would add a timer on the loop
            # for each read and write (5 timers an exchange of a 304 -> 3).
            timeout=httpx.Timeout(connect=connect_timeout, read=None, write=None, pool=None),
            limits=httpx.Limits(max_connections=max_connections,
                                max_keepalive_connections=min(max_connections, 4 * per_host)),
            follow_redirects=False, transport=transport, verify=tls_context(),
        )
        if transport is None:  # httpx's own: its pools reach the network without anyio
            from reader.lowlevel import httpcore_on_asyncio, use_network_backend
            from reader.sources.netlocks import ANYIO_ON_ASYNCIO
            from reader.sources.netstream import AsyncioBackend

            use_network_backend(self._client, AsyncioBackend())
            httpcore_on_asyncio(self._client, ANYIO_ON_ASYNCIO)  # and lock without it
        self._slots: asyncio.Semaphore | None = None
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._backoff: dict[str, tuple[float, int]] = {}  # host -> (until, status)
        self._unreachable: dict[str, tuple[float, str]] = {}  # "host:port" -> (until, why)

    async def __aenter__(self) -> Fetcher:
        await self._client.__aenter__()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self._client.__aexit__(exc_type, exc, tb)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(self, url: str, *, etag: str = "", last_modified: str = "",
                    encoded: bool = False, turn_taken: bool = False,
                    before_body: BeforeBody | None = None) -> FetchResult:
        """Fetch `url` once, conditionally when a validator is given. Raises FetchError.

        `encoded`: the body comes as sent, its Content-Encoding in `result.encoding`, for
        whoever decodes it elsewhere (`bodydecode.decode_body`, under the same cap): the
        raw bytes are still capped here. `turn_taken`: the caller holds `turn(url)`.
        `before_body()` is awaited once a body is about to be read (a 2xx answer that its
        declared length does not already put over the size cap), and never otherwise: the
        refresh makes sure there that it has room to hold the body, waiting for it if need
        be. The unread body waits in the socket meanwhile, and the wait does not count
        against the deadline."""
        return await self._exchange(url, etag, last_modified, encoded=encoded,
                                    turn_taken=turn_taken, before_body=before_body)

    def turn(self, url: str) -> asyncio.Semaphore:
        """One of the `per_host` slots of `url`'s host, for a caller that must hold it before
        it takes anything else for the fetch (the refresh's room for the body), so that a
        task waiting for a busy host holds nothing the other hosts need. Then it fetches
        with `turn_taken=True`."""
        return self._hosts.setdefault(url_host(url), asyncio.Semaphore(self.per_host))

    async def post_json(self, url: str, payload: object) -> FetchResult:
        """POST `payload` as JSON (an aggregator's API, see reader.sync) under the same
        deadline, size cap, redirect rules and words for failures as `fetch`. Only 307/308
        redirects are followed (they keep the method and the body); any other is an error
        naming where it points, since following it would drop the request. Raises FetchError."""
        body = json.dumps(payload).encode("utf-8")
        return await self._exchange(url, "", "", post=body)

    async def _exchange(self, url: str, etag: str, last_modified: str,
                        post: bytes | None = None, *, encoded: bool = False,
                        turn_taken: bool = False,
                        before_body: BeforeBody | None = None) -> FetchResult:
        if not is_web(url):
            raise FetchError(f"not an http(s) URL: {short_url(url)}")
        self.check_waits(url)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_connections)
        host_slot = contextlib.nullcontext() if turn_taken else self.turn(url)
        # The host slot first: a task waiting for a busy host must not hold a global slot.
        async with host_slot, self._slots:
            self.check_waits(url)
            try:
                async with asyncio.timeout(self.deadline) as limit:
                    paused = None if before_body is None else _paused(limit, before_body)
                    return await self._fetch(url, etag, last_modified, post, encoded, paused)
            except TimeoutError:
                raise FetchError(f"timed out after {self.deadline:g} s") from None
            except httpx.HTTPError as exc:
                why = describe(exc, url, connect_timeout=self.connect_timeout,
                               deadline=self.deadline)
                if isinstance(exc, httpx.ConnectTimeout):
                    self._unreachable[_endpoint(_failed_url(exc, url))] = (
                        self._clock() + UNREACHABLE_FOR, why)
                raise FetchError(why) from exc
            except httpx.InvalidURL as exc:
                raise FetchError(f"not a valid URL: {short_url(url)}") from exc
            except DAMAGED as exc:
                raise damaged(exc) from exc

    def check_waits(self, url: str) -> None:
        """Fail at once, in words (FetchError), a fetch from a host that asked us to wait
        (429/503) or from a host and port that did not answer a connect a moment ago. The
        fetch itself checks; a caller about to take something for a fetch (the refresh's
        backlog) checks first, so that a feed sure to fail holds nothing."""
        host = url_host(url)
        until, status = self._backoff.get(host, (0.0, 0))
        wait = until - self._clock()
        if wait > 0:
            raise FetchError(f"HTTP {status} from {host} earlier; waiting {duration(wait)}",
                             retry_after=wait, status=status)
        if self._unreachable:
            endpoint = _endpoint(url)
            until, why = self._unreachable.get(endpoint, (0.0, ""))
            if until > self._clock():
                raise FetchError(f"not tried: {endpoint_label(url)} did not answer a moment ago"
                                 f" ({why})")

    async def _fetch(self, url: str, etag: str, last_modified: str,
                     post: bytes | None = None, encoded: bool = False,
                     before_body: BeforeBody | None = None) -> FetchResult:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if post is not None:
            headers["Content-Type"] = headers["Accept"] = "application/json"
        current, permanent = url, True
        for hop in range(MAX_REDIRECTS + 1):
            request = self._client.build_request("GET" if post is None else "POST", current,
                                                 headers=headers, content=post)
            try:
                response = await self._client.send(request, stream=True)
            except httpx.InvalidURL:  # httpx parses Location itself, and refuses some
                raise FetchError("redirect to a non-http(s) URL") from None
            try:
                status = response.status_code
                location = response.headers.get("location")
                if status in _REDIRECTS and location:
                    if hop == MAX_REDIRECTS:
                        raise FetchError("too many redirects", status=status)
                    target = urljoin(current, location.strip())
                    if not is_web(target):
                        raise FetchError("redirect to a non-http(s) URL", status=status)
                    if post is not None and status not in (307, 308):
                        raise FetchError(f"HTTP {status}: the server redirects to "
                                         f"{short_url(target)}", status=status)
                    permanent = permanent and status in _PERMANENT
                    current = target
                    continue
                return await self._finish(response, url, current, permanent, etag,
                                          last_modified, encoded, before_body)
            finally:
                await response.aclose()
        raise AssertionError("unreachable")  # pragma: no cover

    async def _finish(self, response: httpx.Response, asked: str, final: str, permanent: bool,
                      etag: str, last_modified: str, encoded: bool = False,
                      before_body: BeforeBody | None = None) -> FetchResult:
        status = response.status_code
        headers = response.headers
        moved = final if permanent and final != asked else None
        if status in (429, 503):
            wait = retry_after_seconds(headers.get("retry-after"), self._clock())
            if wait is None and status == 429:  # "too many requests" and no hint: be patient
                wait = DEFAULT_BACKOFF
            self._backoff[url_host(final)] = (self._clock() + (wait or DEFAULT_BACKOFF), status)
            raise FetchError(f"HTTP {status}", retry_after=wait, status=status)
        if status == 410:
            return FetchResult(final, status, None, permanent_url=moved, gone=True)
        if status == 304:
            return FetchResult(final, status, None, etag=header_text(headers, "etag") or etag,
                               last_modified=header_text(headers, "last-modified") or last_modified,
                               content_type=header_text(headers, "content-type"),
                               permanent_url=moved, not_before=self._not_before(headers))
        if not 200 <= status < 300:
            wait = retry_after_seconds(headers.get("retry-after"), self._clock())
            raise FetchError(f"HTTP {status}", status=status, retry_after=wait)
        coding = stages(headers.get("content-encoding", "")) if encoded else ""
        body = await self._read_body(response, decode=not coding, before=before_body)
        return FetchResult(final, status, body, etag=header_text(headers, "etag"),
                           last_modified=header_text(headers, "last-modified"),
                           content_type=header_text(headers, "content-type"),
                           permanent_url=moved, not_before=self._not_before(headers),
                           encoding=coding)

    async def _read_body(self, response: httpx.Response, *, decode: bool = True,
                         before: BeforeBody | None = None) -> bytes:
        """The body with its Content-Encoding undone, or as sent (`decode` False), at most
        `max_body` bytes on the wire and at every stage of decoding. `before()` is awaited
        first, unless the declared length already refuses the body."""
        too_big = FetchError(f"body larger than {byte_size(self.max_body)}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            raise too_big
        if before is not None:
            await before()
        coding = response.headers.get("content-encoding", "") if decode else ""
        decoder = Decoder(coding, self.max_body)
        out: list[bytes] = []
        total = raw = 0
        async for chunk in response.aiter_raw():
            raw += len(chunk)
            if raw > self.max_body:
                raise too_big
            for piece in decoder.feed(chunk):
                total += len(piece)
                if total > self.max_body:
                    raise too_big
                out.append(piece)
        for piece in decoder.finish():
            total += len(piece)
            if total > self.max_body:
                raise too_big
            out.append(piece)
        return b"".join(out)

    def _not_before(self, headers: httpx.Headers) -> float | None:
        now = self._clock()
        wait = retry_after_seconds(headers.get("retry-after"), now)
        control = headers.get("cache-control", "").lower()
        match = re.search(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", control)
        if match and "no-cache" not in control and "no-store" not in control:
            wait = max(wait or 0.0, min(float(match.group(1)), MAX_DELAY))
        return now + wait if wait else None


# -- small helpers -----------------------------------------------------------------------------

def _failed_url(exc: httpx.HTTPError, asked: str) -> str:
    """The URL of the exchange that failed (a redirect's target, maybe), else `asked`."""
    try:
        return str(exc.request.url)
    except RuntimeError:  # an error raised before its request was set
        return asked


def _endpoint(url: str) -> str:
    """"host:port" of `url`: what a connect reaches (another port of a host may answer)."""
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORT.get(parts.scheme.lower(), 80)
    except ValueError:
        return ""
    return f"{(parts.hostname or '').lower()}:{port}"


def endpoint_label(url: str) -> str:
    """The host of `url` as a reader would write it: with its port only when that is not the
    scheme's own ("example.org", "example.org:8080")."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return short_url(url)
    host = (parts.hostname or "").lower()
    default = _DEFAULT_PORT.get(parts.scheme.lower())
    if port is None or port == default:
        return host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


_DEFAULT_PORT = {"http": 80, "https": 443}


def _paused(limit: asyncio.Timeout, wait: BeforeBody) -> BeforeBody:
    """`wait` with the deadline `limit` stopped while it runs: time spent waiting for room
    (the refresh's parser or writer behind) must not fail a fast feed as "timed out"."""

    async def paused() -> None:
        when = limit.when()
        if when is None:
            await wait()
            return
        loop = asyncio.get_running_loop()
        left = when - loop.time()
        if left <= 0:  # past the deadline already: no room is taken for a body never read
            raise TimeoutError
        limit.reschedule(None)  # not after: the deadline would cancel the wait itself
        try:
            await wait()
        finally:  # and while the response is closed after a failed (or cancelled) wait
            limit.reschedule(loop.time() + left)

    return paused


@functools.cache
def _negative_import_cache() -> None:
    """httpcore runs `import sniffio` on every request (6 times per exchange) and falls back to
    asyncio when it is missing; Python does not cache a failed import, so each attempt walks
    sys.path: 0.5 ms apiece, a third of a 200-feed warm refresh. When sniffio is not installed,
    record that once (a None entry makes the import fail at once, exactly as it would)."""
    if "sniffio" in sys.modules:
        return
    import importlib.util

    if importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def fetcher_kwargs(options: dict[str, Any] | None) -> dict[str, Any]:
    """Validate a `fetcher_options` dict (from config or tests) against Fetcher's keywords."""
    allowed = {"max_connections", "per_host", "connect_timeout", "deadline", "max_body",
               "user_agent", "transport", "clock"}
    options = dict(options or {})
    unknown = set(options) - allowed
    if unknown:
        raise TypeError(f"unknown fetcher options: {sorted(unknown)}")
    return options
