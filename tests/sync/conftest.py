"""A real Tiny Tiny RSS for the sync tests: one per test worker, for the whole session.

`scripts/ttrss_server.py` brings it up on 127.0.0.1 (its own port and database per xdist
worker and run, so `-n 2` runs two side by side) and takes it down at the end. Each test gets a user
of its own on it (`account`), so tests never see each other's feeds or read state. Feeds,
categories and stories are put into TT-RSS's database with SQL (TT-RSS fetches nothing from
loopback, and its updater refuses to run as root); newsreader only ever talks to its API.

Where TT-RSS is not installed the tests that need it are skipped, the reason naming the
package (README, "Sync", says how to install it).
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reader.store import Store
from reader.sync import SyncSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from ttrss_server import ServerError, TtrssServer, missing  # noqa: E402

PASSWORD = "password"
MINUTE_APART = "TIMESTAMP '2024-03-01 00:00' + n * INTERVAL '1 minute'"  # SQL on `n`
_users = itertools.count(1)


@pytest.fixture(scope="session")
def ttrss(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TtrssServer]:
    problem = missing()
    if problem:
        pytest.skip(f"sync tests need a real TT-RSS: {problem}")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    # A database per worker and per run: two test runs at once must not drop each other's.
    server = TtrssServer(tmp_path_factory.mktemp("ttrss"),
                         db=f"nr_ttrss_test_{worker}_{os.getpid()}")
    try:
        server.prepare()
        server.start()
    except ServerError as exc:
        server.drop()
        pytest.fail(f"TT-RSS is installed but could not be brought up: {exc}")
    yield server
    server.stop()
    server.drop()


@pytest.fixture
def running(ttrss: TtrssServer) -> Iterator[TtrssServer]:
    """The server, up at the start of the test and again at its end (a test may stop it)."""
    ttrss.start()
    yield ttrss
    ttrss.start()


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class Account:
    """A user of its own on the test server, with helpers that write TT-RSS's tables."""

    server: TtrssServer
    login: str
    uid: int

    @property
    def settings(self) -> SyncSettings:
        return SyncSettings(backend="ttrss", url=self.server.url, user=self.login)

    def category(self, title: str) -> int:
        return int(self.server.sql(
            f"INSERT INTO ttrss_feed_categories (owner_uid, title) VALUES ({self.uid}, "
            f"{_q(title)}) RETURNING id;").split()[0])

    def feed(self, title: str, url: str, category: int | None = None) -> int:
        cat = "NULL" if category is None else str(category)
        return int(self.server.sql(
            f"INSERT INTO ttrss_feeds (owner_uid, title, feed_url, cat_id) VALUES ({self.uid}, "
            f"{_q(title)}, {_q(url)}, {cat}) RETURNING id;").split()[0])

    def stories(self, feed: int, count: int, *, start: int = 0, read: bool = False,
                starred: bool = False, author: str = "A. Writer", dated: str = MINUTE_APART,
                unread: str | None = None) -> list[int]:
        """`count` stories in one statement, dated a minute apart (2024-03-01 onwards) unless
        `dated` (SQL on the series number `n`) says otherwise; `unread`, SQL on `n` too,
        overrides `read` story by story."""
        unread = str(not read).lower() if unread is None else unread
        out = self.server.sql(f"""
            WITH made AS (
              INSERT INTO ttrss_entries (title, guid, link, updated, content, content_hash,
                  date_entered, date_updated, author)
              SELECT 'Story ' || n, '{self.login}-{feed}-' || n,
                  'https://news.example.org/{self.login}/{feed}/' || n,
                  {dated}, '<p>Body of story ' || n || '.</p>', 'h' || n,
                  {dated}, {dated}, {_q(author)}
              FROM generate_series({start + 1}, {start + count}) AS n
              RETURNING id, substr(title, 7)::int AS n)
            INSERT INTO ttrss_user_entries (ref_id, feed_id, owner_uid, unread, marked, uuid,
                tag_cache, label_cache)
            SELECT id, {feed}, {self.uid}, {unread}, {str(starred).lower()}, '',
                '', '' FROM made RETURNING ref_id;""")
        return sorted(int(x) for x in out.split())

    def set(self, story: int, *, read: bool | None = None, starred: bool | None = None,
            stamped: bool = True) -> None:
        """Change a story as TT-RSS does (its web UI and API stamp `last_read` on every read
        or unread and `last_marked` on every star or unstar); `stamped=False` changes only
        the flag, as a plugin or a hand-written UPDATE might."""
        if read is not None:
            stamp = ", last_read = NOW()" if stamped else ""
            self.server.sql(f"UPDATE ttrss_user_entries SET unread = {str(not read).lower()}"
                            f"{stamp} WHERE ref_id = {story} AND owner_uid = {self.uid};")
        if starred is not None:
            stamp = ", last_marked = NOW()" if stamped else ""
            self.server.sql(f"UPDATE ttrss_user_entries SET marked = {str(starred).lower()}"
                            f"{stamp} WHERE ref_id = {story} AND owner_uid = {self.uid};")

    def state(self, story: int) -> tuple[bool, bool]:
        """(read, starred) of a story on the server."""
        row = self.server.sql(f"SELECT unread, marked FROM ttrss_user_entries WHERE "
                              f"ref_id = {story} AND owner_uid = {self.uid};").strip()
        unread, marked = row.split("|")
        return unread == "f", marked == "t"

    def feed_ids(self) -> set[int]:
        return {int(x) for x in self.server.sql(
            f"SELECT id FROM ttrss_feeds WHERE owner_uid = {self.uid};").split()}


@pytest.fixture
def account(running: TtrssServer) -> Account:
    login = f"u{next(_users)}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    return Account(running, login, running.add_user(login))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "cache.sqlite3")
    yield opened
    opened.close()


class _PageHandler(BaseHTTPRequestHandler):
    """Answers every request with a web page: a server that is not TT-RSS."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self.rfile.read(int(self.headers.get("content-length", "0") or 0))
        body = b"<!DOCTYPE html><html><body>Welcome to nginx!</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def web_page_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _HeldPageHandler(_PageHandler):
    """A server that is not TT-RSS and answers only when the test lets it."""

    gate: threading.Event

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self.gate.wait(30)
        super().do_POST()


@dataclass
class HeldServer:
    url: str
    gate: threading.Event


@pytest.fixture
def held_page_server() -> Iterator[HeldServer]:
    gate = threading.Event()
    handler = type("Held", (_HeldPageHandler,), {"gate": gate})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield HeldServer(f"http://127.0.0.1:{server.server_address[1]}/", gate)
    finally:
        gate.set()
        server.shutdown()
        server.server_close()
