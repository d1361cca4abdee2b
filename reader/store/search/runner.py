"""Running the search being typed: ranked and counted ahead, the newest text first, stoppable.

Each keystroke in the search bar asks for a new search, and the headline list then asks the
store its count, where the current story stands and each page. `Searches` (`store.search`)
answers the costly part ahead, in a worker: it ranks the view's window (kept in
`Views.windows`) and counts it, and a newer keystroke stops it halfway: `should_stop` is
asked before, between the steps, and every 5,000 SQLite steps (1-3 ms).

`SearchRunner` is the thread that runs them. Handing each search to a fresh worker costs time
where it hurts: a Textual thread worker starts on the event loop's next turn, after the frame
that echoes the typed letter, so the SQL began ~4 ms after the key was handled. Here `submit`
hands the search to a thread that is already waiting, so the ranking (C code in SQLite, which
runs without the GIL) starts at once. A newer `submit` stops the search before it, and its
future answers None. There are two threads, not one: a single step can run long without a
check (FTS5 merging the lists of every word that starts with "g"), and the newest search must
not queue behind it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from reader.models import Headline, View
from reader.store.db import Database
from reader.store.search.ranking import VOCAB
from reader.store.views import Views

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

_T = TypeVar("_T")
THREADS = 2
STOP_EVERY = 5000  # SQLite steps between two looks at "should this search stop?" (~1-3 ms;
# each look takes the GIL, which a thread drawing a frame may hold for up to 5 ms)


class Searches:
    """`store.search`: a view's search ranked and counted ahead of the list's questions."""

    def __init__(self, db: Database, views: Views) -> None:
        self._db = db
        self.views = views

    def prepare(self, view: View, should_stop: Callable[[], bool] | None = None) -> int | None:
        """Rank and count `view`'s search now, so that the list's count, position and pages
        are answered from what is kept (a search over every story; a view with filters is
        only counted). Returns the count, or None when `should_stop` said so."""
        if not self.rank(view, should_stop):
            return None
        return self.count(view, should_stop)

    def warm(self) -> None:
        """Ready this thread's connection for searching: its temporary word list made, the
        index's structure and ranking settings read (3-4 ms, once per connection). The
        first search on a connection otherwise pays it, and more: 14-22 ms against 12 ms to
        rank a word in 43,000 stories."""
        conn = self._db.conn()
        conn.execute(VOCAB)
        conn.execute("SELECT rowid, rank FROM stories_fts WHERE stories_fts MATCH ? LIMIT 1",
                     ('"qqzzqqzz"',)).fetchall()

    def rank(self, view: View, should_stop: Callable[[], bool] | None = None) -> bool:
        """The ranking half of `prepare`; False when told to stop. (`count` may run at the
        same time in another thread.)"""
        def rank(conn: sqlite3.Connection) -> bool:
            p = self.views.plan(view)
            if p.ranked and not p.clauses:
                self.views.ranking(p, conn).ids(0, 1)  # ranks the window, kept
            return True

        return bool(self._stoppable(rank, should_stop))

    def count(self, view: View, should_stop: Callable[[], bool] | None = None) -> int | None:
        """The counting half of `prepare`; None when told to stop."""
        return self._stoppable(lambda _: self.views.count(view), should_stop)

    def _stoppable(self, step: Callable[[sqlite3.Connection], _T],
                   should_stop: Callable[[], bool] | None) -> _T | None:
        """`step` on this thread's connection, interrupted when `should_stop` turns true."""
        stop = should_stop or (lambda: False)
        if stop():
            return None  # already replaced before it began
        conn = self._db.conn()
        conn.set_progress_handler(stop, STOP_EVERY)
        try:
            done = step(conn)
            return None if stop() else done
        except sqlite3.OperationalError as exc:
            if stop() and "interrupt" in str(exc):
                return None
            raise
        finally:
            conn.set_progress_handler(None, 0)


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A search ranked and counted, with its first `limit` rows (best first)."""

    view: View
    total: int
    rows: list[Headline]


class SearchRunner:
    """Runs `Searches.prepare` and the first page for the newest view handed to it."""

    def __init__(self, searches: Searches, page_size: int) -> None:
        self._searches = searches
        self._page_size = page_size
        self._threads: ThreadPoolExecutor | None = None  # made at the first search
        self._stop = threading.Event()
        self._lock = threading.Lock()

    @property
    def _pool(self) -> ThreadPoolExecutor:
        """The search threads, made (and their module imported, ~0.6 ms) at the first search
        or `warm`, not with the app's screen before its first frame. Asked for under
        `_lock`, so that two threads never make two pools."""
        if self._threads is None:
            from concurrent.futures import ThreadPoolExecutor

            self._threads = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="search")
        return self._threads

    def submit(self, view: View, rows: int | None = None) -> Future[SearchResult | None]:
        """Start ranking `view` now; the search before it stops. The future answers None when
        a newer search (or `cancel`) replaced this one before it was done. Its first page
        has `rows` rows (at most the page size): the list's height is all that waits for it."""
        limit = self._page_size if rows is None else max(1, min(rows, self._page_size))
        with self._lock:
            self._stop.set()
            stop = self._stop = threading.Event()
            return self._pool.submit(self._run, view, stop, limit)

    def warm(self) -> None:
        """Ready both threads' connections for searching (`Searches.warm`), e.g. when the
        search bar opens: the first letters typed then find them ready."""
        with self._lock:
            pool = self._pool
        for _ in range(THREADS):  # submitted together: the second job starts a second thread
            pool.submit(self._searches.warm)

    def cancel(self) -> None:
        """Stop the search in hand, if any (the bar was emptied or closed)."""
        with self._lock:
            self._stop.set()

    def close(self) -> None:
        self.cancel()
        with self._lock:
            threads = self._threads
        if threads is not None:
            threads.shutdown(wait=False, cancel_futures=True)

    def _run(self, view: View, stop: threading.Event, limit: int) -> SearchResult | None:
        # One after the other: counting in a second thread beside the ranking was no faster,
        # measured twice (the app's search, launched alternately: 2 ms slower side by side).
        # A word in fewer stories than the ranked window is counted by its ranking anyway.
        total = self._searches.prepare(view, stop.is_set)
        if total is None or stop.is_set():
            return None
        rows = self._searches.views.headlines(view, 0, limit) if total else []
        return None if stop.is_set() else SearchResult(view, total, rows)
