"""The cache file itself: one connection per thread, and the one way every part of the store writes.

`Database` is what the store's parts share (`Store`, its views, smart feeds and search index,
retention, the bin, sync state). Why it looks like this:

* Each thread gets its own connection (Textual thread workers, the refresh pool), all in WAL
  mode, so readers never wait for a writer and the UI can page headlines during a refresh.
* Every write is a `BEGIN IMMEDIATE` transaction with a generous busy timeout: two running
  copies of newsreader queue for the write lock instead of failing with "database is locked".
* The search index follows each write before it commits (`reader.store.search.index`), unless
  a refresh's batch asked to defer it: every writer goes through `write`, so none can forget.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from reader.store.errors import StoreError
from reader.store.schema import migrate
from reader.store.search.index import flush_index, install, queue_end

BUSY_TIMEOUT_S = 30.0
# Bytes per page of a new cache (an existing one keeps its own). A story row is ~2-3 KB once
# its HTML is compressed (reader.store.bodies): a 4 KB page holds one such row and leaves a
# quarter of itself empty; bigger pages pack rows with little left over.
PAGE_SIZE = 8192
# SQLite's page cache per connection, in KiB (its default is 2,000). A cold refresh writes
# each page of new rows once and reads little back, and the operating system caches the file
# anyway: at 1 MB a refresh of 200 feeds peaks ~1 MB lower with no more CPU, and neither a
# `j` at 100,000 stories nor the search index's catch-up got slower (bench/README.md).
CACHE_KIB = 1024


class Database:
    """A handle on the cache file, safe to share between threads. Opening it brings the
    schema up to date (`reader.store.schema`); a file that cannot be opened raises
    `StoreError` in words."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] | None = None) -> None:
        self.path = Path(path)
        self.clock = clock or time.time
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            migrate(self.conn())
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(f"cannot open the cache {self.path}: {exc}") from exc
        except UnicodeDecodeError as exc:
            # SQLite's message quotes a name from the damaged schema, bytes that are not
            # UTF-8, and Python fails to make it text: still a damaged file, said as one.
            self.close()
            said = exc.object.decode("utf-8", "replace") if isinstance(exc.object, bytes) else ""
            damage = sqlite3.DatabaseError(said if "malformed" in said
                                           else "malformed database schema")
            raise StoreError(f"cannot open the cache {self.path}: {damage}") from damage
        except OSError as exc:
            self.close()
            raise StoreError(f"cannot create the cache directory {self.path.parent}: "
                             f"{exc.strerror or exc}") from exc

    def conn(self) -> sqlite3.Connection:
        """This thread's connection, made on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                   check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            # Only a new, empty file takes these (before WAL): retention can then give space
            # back in small steps. On an existing cache they change nothing.
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            # The search index's triggers call into Python (story_text).
            install(conn)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: takes the write lock up front, so it never deadlocks.

        Inside `batch()` it is a savepoint of the batch's transaction instead: the same
        all-or-nothing for the caller, without a commit of its own."""
        conn = self.conn()
        if getattr(self._local, "batch", False):
            with self._savepoint(conn):
                yield conn
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            start = queue_end(conn)
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot write to the cache {self.path}: {exc}") from exc
        try:
            yield conn
            if not getattr(self._local, "defer_index", False):
                # The search index follows what this transaction changed, before it commits.
                # Older notes are a deferred refresh's: `SearchIndex.catch_up` takes those.
                flush_index(conn, after=start)
        except sqlite3.DatabaseError as exc:
            with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already
                conn.execute("ROLLBACK")
            raise self._told(exc) from exc
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                with contextlib.suppress(sqlite3.DatabaseError):
                    conn.execute("ROLLBACK")
                raise StoreError(f"cannot write to the cache {self.path}: {exc}") from exc

    @contextlib.contextmanager
    def _savepoint(self, conn: sqlite3.Connection) -> Iterator[None]:
        if not conn.in_transaction:  # SQLite ended the batch (an I/O error, disk full)
            raise StoreError(f"cannot write to the cache {self.path}: the batch was rolled back")
        conn.execute("SAVEPOINT nr_write")
        try:
            yield
        except BaseException as exc:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK TO nr_write")
                    conn.execute("RELEASE nr_write")
            if isinstance(exc, sqlite3.DatabaseError):
                raise self._told(exc) from exc
            raise
        else:
            conn.execute("RELEASE nr_write")

    def _told(self, exc: sqlite3.DatabaseError) -> Exception:
        """Disk full, read-only, I/O error, a damaged file: told in words, not a trace."""
        if isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError:
            return StoreError(f"cannot write to the cache {self.path}: {exc}")
        return exc

    @contextlib.contextmanager
    def batch(self, *, defer_index: bool = False) -> Iterator[None]:
        """Many writes of this thread in ONE transaction, each still all-or-nothing.

        A cold refresh stores hundreds of feeds. Committed one by one, every commit writes
        the search index's new segment and makes FTS5 merge segments (5.9 of 9.2 s of
        storing 12,890 stories); in one transaction the index is written once. Each write
        inside is a savepoint: a feed whose data fails rolls back alone. The write lock is
        held for the whole batch, so callers keep batches short (`refresh` commits at least
        twice a second) and report what they stored only after the batch commits.

        `defer_index`: the batch leaves its stories in the search index's queue, for
        `SearchIndex.catch_up` to index later. A cold refresh spends a fifth of its CPU
        indexing (FTS5 tokenises ~23 MB/s); deferred, the stories are readable that much
        sooner and the index catches up when the reader is idle, or before the next search."""
        if getattr(self._local, "batch", False):
            yield
            return
        self._local.defer_index = defer_index
        try:
            with self.write():
                self._local.batch = True
                try:
                    yield
                finally:
                    self._local.batch = False
        finally:
            self._local.defer_index = False

    def give_back(self, *, at_least: int = 0, step: int = 512,
                  should_stop: Callable[[], bool] = lambda: False) -> int:
        """Return the file's free pages to the file system, `step` pages per transaction, when
        they hold at least `at_least` bytes (caches made with `auto_vacuum = INCREMENTAL`
        only; older ones reuse their free pages for new stories instead). Returns the pages
        returned."""
        conn = self.conn()
        if conn.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:
            return 0
        page = int(conn.execute("PRAGMA page_size").fetchone()[0])
        free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
        if not free or free * page < at_least:
            return 0
        freed = 0
        while free and not should_stop():
            with self.write() as writer:
                writer.execute(f"PRAGMA incremental_vacuum({min(free, step)})").fetchall()
            left = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
            if left >= free:  # (another writer took them meanwhile)
                break
            freed += free - left
            free = left
        return freed

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._all.clear()
        self._local = threading.local()
