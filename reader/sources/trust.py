"""Which certificate authorities HTTPS trusts, read only when a handshake needs them.

Where they come from (`trust_locations`): `SSL_CERT_FILE`, then `SSL_CERT_DIR` (as httpx
honours them), else the system's hashed CA directory, else certifi's bundle. A directory
costs nothing to set up: OpenSSL reads only the issuers a handshake asks for. A file (the
variable's, or certifi's) is read whole, ~150 certificates: 15-30 ms of CPU and 1-2 MB of a
process that may never make a TLS connection (a refresh of http feeds, or of feeds that all
wait for their next turn). So the client's context reads it at its
first handshake (`_FirstHandshake`): verification is the same, and a context with nothing
loaded yet can only refuse a certificate, never accept one. Whether the file can be opened
is checked up front, so that a missing file is told once, before anything is fetched; a file
that opens but holds no certificate fails each HTTPS feed in words instead.
"""

from __future__ import annotations

import functools
import os
import re
import ssl
import sys
import threading
from collections.abc import Mapping
from typing import Any

from reader.sources.fetcherrors import FetchError

_HASHED = re.compile(r"[0-9a-f]{8}\.[0-9]+")  # OpenSSL's lookup name of a CA certificate


class _FirstHandshake(ssl.SSLContext):
    """A client context that loads its CA file just before its first handshake (`wrap_bio`
    for asyncio and anyio, `wrap_socket` for a blocking socket), once, whichever thread's
    event loop gets there first."""

    cafile: str | None
    named: str
    _loaded: bool
    _loading: threading.Lock

    def trust_file(self, cafile: str | None, named: str) -> None:
        """Read `cafile` at the first handshake (None: nothing to read)."""
        self.cafile, self.named = cafile, named
        self._loaded = cafile is None
        self._loading = threading.Lock()

    def load_trust(self) -> None:
        if self._loaded:
            return
        with self._loading:
            if self._loaded:
                return
            try:
                self.load_verify_locations(cafile=self.cafile)
            except (OSError, ssl.SSLError) as exc:
                raise _unreadable(self.named, str(self.cafile), exc) from exc
            self._loaded = True

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self.load_trust()
        return super().wrap_bio(*args, **kwargs)

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self.load_trust()
        return super().wrap_socket(*args, **kwargs)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The client context, made once per process: certificates and host names verified
    against `trust_locations()` (what `ssl.create_default_context` sets up)."""
    cafile, capath = trust_locations()
    named = "SSL_CERT_FILE" if cafile else "certifi's bundle"
    if cafile is None and capath is None:
        import certifi

        cafile = certifi.where()
    context = _FirstHandshake(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, host names checked
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog and not sys.flags.ignore_environment:  # as the stdlib's default context does
        context.keylog_filename = keylog
    if capath is not None:  # read at each handshake, issuer by issuer
        context.load_verify_locations(capath=capath)
    if cafile is not None:
        try:
            with open(cafile, "rb"):
                pass
        except OSError as exc:
            raise _unreadable(named, cafile, exc) from exc
    context.trust_file(cafile, named)
    return context


def _unreadable(named: str, cafile: str, exc: BaseException) -> FetchError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return FetchError(f"HTTPS certificates cannot be checked: {named} ({cafile}) cannot "
                      f"be read: {reason}")


def trust_locations(environ: Mapping[str, str] | None = None,
                    system_dir: str | None = None) -> tuple[str | None, str | None]:
    """Where the certificate authorities come from, as (CA file, CA directory); (None, None)
    means certifi's bundle.

    `SSL_CERT_FILE`, then `SSL_CERT_DIR` (as httpx honours them); otherwise the system's
    hashed CA directory (OpenSSL's default, e.g. /etc/ssl/certs): what curl and newsboat
    trust, and where a CA the administrator added lives. Without a hashed directory (macOS,
    some distributions), certifi's bundle, as httpx would use."""
    env = os.environ if environ is None else environ
    if env.get("SSL_CERT_FILE"):
        return env["SSL_CERT_FILE"], None
    if env.get("SSL_CERT_DIR"):
        return None, env["SSL_CERT_DIR"]
    folder = ssl.get_default_verify_paths().capath if system_dir is None else system_dir
    return (None, folder) if folder and _is_hashed_dir(folder) else (None, None)


def _is_hashed_dir(folder: str) -> bool:
    """True when `folder` holds OpenSSL's hashed names (`5ad8a5d6.0`), which lookups need."""
    try:
        with os.scandir(folder) as entries:
            return any(_HASHED.fullmatch(entry.name) for entry in entries)
    except OSError:
        return False
