"""`SearchRunner`: the search being typed runs in one long-lived thread, the newest text first.

Each keystroke in the search bar asks for a new search. Handing each one to a fresh worker
costs time where it hurts: a Textual thread worker starts on the event loop's next turn, after
the frame that echoes the typed letter, so the SQL began ~4 ms after the key was handled. Here
`submit` hands the search to a thread that is already waiting, so the ranking (C code in SQLite,
which runs without the GIL) starts at once.

A newer `submit` stops the search before it: the older one's `should_stop` turns true, which
`Store.prepare_search` checks every few thousand SQLite steps, and its future answers None. There
are two threads, not one: a single step can run long without a check (FTS5 merging the lists
of every word that starts with "g"), and the newest search must not queue behind it.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from reader.models import Headline, View
from reader.store import Store

THREADS = 2


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A search ranked and counted, with its first `limit` rows (best first)."""

    view: View
    total: int
    rows: list[Headline]


class SearchRunner:
    """Runs `Store.prepare_search` and the first page for the newest view handed to it."""

    def __init__(self, store: Store, page_size: int) -> None:
        self._store = store
        self._page_size = page_size
        self._pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="search")
        self._stop = threading.Event()
        self._lock = threading.Lock()

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
        """Ready both threads' connections for searching (`Store.warm_search`), e.g. when
        the search bar opens: the first letters typed then find them ready."""
        for _ in range(THREADS):  # submitted together: the second job starts a second thread
            self._pool.submit(self._store.warm_search)

    def cancel(self) -> None:
        """Stop the search in hand, if any (the bar was emptied or closed)."""
        with self._lock:
            self._stop.set()

    def close(self) -> None:
        self.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, view: View, stop: threading.Event, limit: int) -> SearchResult | None:
        # One after the other: counting in a second thread beside the ranking was no faster,
        # measured twice (the app's search, launched alternately: 2 ms slower side by side).
        # A word in fewer stories than the ranked window is counted by its ranking anyway.
        total = self._store.prepare_search(view, stop.is_set)
        if total is None or stop.is_set():
            return None
        rows = self._store.headlines(view, 0, limit) if total else []
        return None if stop.is_set() else SearchResult(view, total, rows)
