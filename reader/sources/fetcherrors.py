"""How a failed fetch is told: one exception type and the plain words it carries.

The reader shows these messages as they are ("HTTP 404", "connection refused"), so the
wording lives in one place, apart from the client that raises them.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from reader.sources.fetchheaders import HEADER_JUNK, url_host

if TYPE_CHECKING:  # loaded by whoever fetches; not by the parser processes, which never do
    import httpx


class FetchError(Exception):
    """A failed fetch, told in plain words ("HTTP 404", "timed out after 30 s").

    `retry_after` is how many seconds the server asked us to wait (429/503), if it did.
    """

    def __init__(self, message: str, *, retry_after: float | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


def describe(exc: httpx.HTTPError, url: str, *, connect_timeout: float,
             deadline: float) -> str:
    """Say in plain words why an exchange failed, from the whole exception chain."""
    import httpx

    chain = _chain(exc)
    text = " ".join(str(e) for e in chain).lower()
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect within {connect_timeout:g} s"
    if isinstance(exc, httpx.PoolTimeout):
        return "timed out waiting for a free connection"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {deadline:g} s"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"not an http(s) URL: {short_url(url)}"
    if isinstance(exc, httpx.ConnectError):
        if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
            return "connection refused"
        tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
        if tls is not None or "ssl" in text or "certificate" in text:
            reason = getattr(tls, "reason", None) or (str(tls) if tls else "handshake failed")
            return f"TLS error: {str(reason).replace('_', ' ').lower()}"
        if ("name or service" in text or "name resolution" in text or "nodename" in text
                or "getaddrinfo" in text or "no address" in text):
            return f"cannot find the host {url_host(url)}"
        return f"cannot connect: {_first_words(chain)}"
    if isinstance(exc, httpx.RemoteProtocolError):
        if "without sending complete message body" in text or "incomplete" in text:
            return "the connection closed before the whole response arrived"
        if "without sending" in text or "disconnected" in text:
            return "the server closed the connection without answering"
        return "the server sent a malformed response"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return "the connection was reset"
    return f"network error: {_first_words(chain)}"


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        out.append(current)
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return out


def _first_words(chain: list[BaseException]) -> str:
    for exc in reversed(chain):
        words = getattr(exc, "strerror", None) or str(exc)
        if words:
            return str(words)
    return type(chain[0]).__name__


def byte_size(n: int) -> str:
    if n >= 2**20 and n % 2**20 == 0:
        return f"{n // 2**20} MB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KB"
    return f"{n} bytes"


def duration(seconds: float) -> str:
    """A wait in words, in the unit that reads shortest: a fetch error's back-off and a
    refresh's "server asked to wait" both say it this way."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def short_url(url: str, limit: int = 80) -> str:
    url = HEADER_JUNK.sub("", url)
    return url if len(url) <= limit else url[: limit - 1] + "…"
