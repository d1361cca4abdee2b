"""Certificates are still verified, against a real TLS server on 127.0.0.1 whose certificate
comes from a throw-away authority (trustme): trusted only where the environment says so,
refused otherwise, and refused for a name it was not issued for. A CA file is read at the
first handshake, not before: never by a process that makes no TLS connection."""

# ruff: noqa: F811 - the feed_server fixture is imported and then used as an argument

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import trustme

from reader.sources import trust as trust_module
from reader.sources.fetch import Fetcher
from reader.sources.fetcherrors import FetchError
from reader.sources.trust import tls_context, trust_locations
from tests.feedserver import FeedServer, feed_server  # noqa: F401

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'


class _Feed(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(RSS)))
        self.end_headers()
        self.wfile.write(RSS)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


class TlsServer:
    """A feed over HTTPS on 127.0.0.1, its certificate issued by `ca` for `names`."""

    def __init__(self, ca: trustme.CA, names: list[str]) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(*names).configure_cert(context)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}/feed.xml"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def fresh_trust(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No SSL_CERT_* from the machine, and the process-wide context made again for this test
    (and after it, for the next)."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    trust_module.tls_context.cache_clear()
    yield monkeypatch
    trust_module.tls_context.cache_clear()


@pytest.fixture
def server(ca: trustme.CA) -> Iterator[TlsServer]:
    served = TlsServer(ca, ["127.0.0.1"])
    yield served
    served.stop()


async def get(url: str) -> int:
    async with Fetcher(deadline=10) as fetcher:
        return (await fetcher.fetch(url)).status


async def test_an_unknown_authority_is_refused(fresh_trust: pytest.MonkeyPatch,
                                               server: TlsServer) -> None:
    with pytest.raises(FetchError, match="^TLS error: certificate verify failed"):
        await get(server.url())


async def test_ssl_cert_file_is_trusted(fresh_trust: pytest.MonkeyPatch, server: TlsServer,
                                        ca: trustme.CA, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    fresh_trust.setenv("SSL_CERT_FILE", str(bundle))
    assert await get(server.url()) == 200


async def test_a_certificate_for_another_name_is_refused(
        fresh_trust: pytest.MonkeyPatch, ca: trustme.CA, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    fresh_trust.setenv("SSL_CERT_FILE", str(bundle))
    other = TlsServer(ca, ["feeds.example.org"])
    try:
        with pytest.raises(FetchError, match="^TLS error: certificate verify failed"):
            await get(other.url())
    finally:
        other.stop()


async def test_a_hashed_directory_is_trusted(fresh_trust: pytest.MonkeyPatch,
                                             server: TlsServer, ca: trustme.CA,
                                             tmp_path: Path) -> None:
    """The way the system's store is read: OpenSSL looks the issuer up by its hashed name."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl command to name the certificate by its hash")
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    name = subprocess.run([openssl, "x509", "-hash", "-noout", "-in", str(pem)],
                          capture_output=True, text=True, check=True).stdout.strip()
    folder = tmp_path / "certs"
    folder.mkdir()
    shutil.copy(pem, folder / f"{name}.0")
    assert trust_locations({}, str(folder)) == (None, str(folder))
    fresh_trust.setenv("SSL_CERT_DIR", str(folder))
    assert await get(server.url()) == 200
    (folder / f"{name}.0").unlink()  # the same directory without it: refused
    trust_module.tls_context.cache_clear()
    with pytest.raises(FetchError, match="^TLS error"):
        await get(server.url())


def test_where_the_authorities_come_from(tmp_path: Path) -> None:
    hashed, plain = tmp_path / "hashed", tmp_path / "plain"
    hashed.mkdir()
    plain.mkdir()
    (hashed / "ca-certificates.crt").write_text("")
    (hashed / "5ad8a5d6.0").write_text("")
    (plain / "ca-bundle.crt").write_text("")
    system = str(hashed)
    assert trust_locations({"SSL_CERT_FILE": "/x.pem", "SSL_CERT_DIR": "/d"}, system) == (
        "/x.pem", None)
    assert trust_locations({"SSL_CERT_DIR": "/d"}, system) == (None, "/d")
    assert trust_locations({}, system) == (None, system)
    assert trust_locations({}, str(plain)) == (None, None)  # not hashed: certifi
    assert trust_locations({}, str(tmp_path / "missing")) == (None, None)


def test_the_system_directory_costs_no_bundle_load(fresh_trust: pytest.MonkeyPatch) -> None:
    """With the system's hashed directory, no certificate is read until a handshake needs
    one (a whole bundle costs 20-30 ms of every process), and verification stays on."""
    system = ssl.get_default_verify_paths().capath
    if system is None or trust_locations({}) != (None, system):
        pytest.skip("this machine has no hashed CA directory")
    context = tls_context()
    assert context.cert_store_stats()["x509_ca"] == 0
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_an_unreadable_ssl_cert_file_is_told_in_words(dirs: Path) -> None:
    """The real command, with `SSL_CERT_FILE` naming nothing: one line naming the variable
    and the file, status 1, no traceback; the source is still there."""
    import os
    import sys

    from reader.paths import db_path
    from reader.store import Store

    store = Store(db_path())
    store.add_source("feed", "https://news.example.org/feed.xml", "News")
    store.close()
    missing = dirs / "no-such-bundle.pem"
    env = dict(os.environ, SSL_CERT_FILE=str(missing))
    done = subprocess.run([sys.executable, "-m", "reader", "refresh"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"SSL_CERT_FILE ({missing}) cannot be read: No such file" in done.stderr
    store = Store(db_path())
    assert [s.location for s in store.sources()] == ["https://news.example.org/feed.xml"]
    store.close()


async def test_a_ca_file_is_read_at_the_first_handshake_and_not_for_http(
        fresh_trust: pytest.MonkeyPatch, server: TlsServer, ca: trustme.CA, tmp_path: Path,
        feed_server: FeedServer) -> None:
    """A refresh of http feeds (or none fetched at all) never pays for reading a whole
    bundle (20-30 ms, ~2 MB); the first HTTPS feed reads it, once, and is verified."""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    fresh_trust.setenv("SSL_CERT_FILE", str(bundle))
    feed_server.route("/feed", RSS.decode())
    assert await get(feed_server.url("/feed")) == 200
    context = tls_context()
    assert context.cert_store_stats()["x509_ca"] == 0  # http only: nothing read yet
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert await get(server.url()) == 200
    assert context.cert_store_stats()["x509_ca"] == 1  # read for the handshake
    assert await get(server.url()) == 200
    assert context.cert_store_stats()["x509_ca"] == 1


async def test_a_ca_file_without_certificates_fails_each_https_feed_in_words(
        fresh_trust: pytest.MonkeyPatch, server: TlsServer, tmp_path: Path,
        feed_server: FeedServer) -> None:
    """A file that opens but holds no certificate: each HTTPS feed fails naming the
    variable and the file, and is never trusted; an http feed is still fetched."""
    bundle = tmp_path / "empty.pem"
    bundle.write_text("not a certificate\n")
    fresh_trust.setenv("SSL_CERT_FILE", str(bundle))
    feed_server.route("/feed", RSS.decode())
    assert await get(feed_server.url("/feed")) == 200
    for _ in range(2):  # tried again at the next handshake, and refused again
        with pytest.raises(FetchError, match=r"^HTTPS certificates cannot be checked: "
                                             r"SSL_CERT_FILE \(.*empty\.pem\) cannot be read"):
            await get(server.url())


def test_a_blocking_socket_reads_the_ca_file_too(fresh_trust: pytest.MonkeyPatch,
                                                server: TlsServer, ca: trustme.CA,
                                                tmp_path: Path) -> None:
    """The other road into a handshake (`wrap_socket`, as a blocking client takes it) reads
    the file first as well: verified, not refused for want of certificates."""
    import socket

    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    fresh_trust.setenv("SSL_CERT_FILE", str(bundle))
    context = tls_context()
    assert context.cert_store_stats()["x509_ca"] == 0
    port = server.server.server_address[1]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        assert tls.getpeercert() is not None
    assert context.cert_store_stats()["x509_ca"] == 1
