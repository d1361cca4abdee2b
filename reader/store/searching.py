"""`SearchRunner`: the search being typed runs in one long-lived thread, the newest text first.

Each keystroke in the search bar asks for a new search. Handing each one to a fresh worker
costs time where it hurts: a Textual thread worker starts on the event loop's next turn, after
the frame that echoes the typed letter, so the SQL began ~4 ms after the key was handled. Here
`submit` hands the search to a thread that is already waiting, so the ranking (C code in SQLite,
which runs without the GIL) starts at once.

A newer `submit` stops the search before it: the older one's `should_stop` turns true, which
`Store.rank_search` and `count_search` check every few thousand SQLite steps, and its future
answers None.

A search is ranked (then its first page read) in one thread and counted in another, side by
side: the two are independent, each is one SQLite statement that runs without the GIL, and
the machine has a second core. A common word's count (3-6 ms) then costs nothing on top of
its ranking. There are two pairs of threads, not one: a single step can run long without a
check (FTS5 merging the lists of every word that starts with "g"), and the newest search must
not queue behind it.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from reader.models import Headline, View
from reader.store import Store

THREADS = 2  # searches at once (each has a ranking thread and a counting thread)


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A search ranked and counted, with its first `limit` rows (best first)."""

    view: View
    total: int
    rows: list[Headline]


class SearchRunner:
    """Ranks and counts the newest view handed to it (`Store.rank_search`, `count_search`:
    what `Store.prepare_search` does one after the other), and reads its first page."""

    def __init__(self, store: Store, page_size: int) -> None:
        self._store = store
        self._page_size = page_size
        # Two pools: a ranking waits for its count, so counts must never queue behind rankings.
        self._rankers = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="search")
        self._counters = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="count")
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def submit(self, view: View, rows: int | None = None) -> Future[SearchResult | None]:
        """Start ranking `view` now; the search before it stops. The future answers None when
        a newer search (or `cancel`) replaced this one before it was done. Its first page
        has `rows` rows (at most the page size): the list's height is all that waits for it."""
        with self._lock:
            self._stop.set()
            stop = self._stop = threading.Event()
            counted: Future[int | None] = Future()
            # The ranking first: it is the longer, and the page waits for it.
            limit = self._page_size if rows is None else max(1, min(rows, self._page_size))
            job = self._rankers.submit(self._run, view, stop, counted, limit)
            self._counters.submit(self._count, view, stop, counted)
            return job

    def warm(self) -> None:
        """Ready every thread's connection for searching (`Store.warm_search`), e.g. when
        the search bar opens: the first letters typed then find them ready."""
        for _ in range(THREADS):  # submitted together: each job starts a thread of its own
            self._rankers.submit(self._store.warm_search)
            self._counters.submit(self._store.warm_search)

    def cancel(self) -> None:
        """Stop the search in hand, if any (the bar was emptied or closed)."""
        with self._lock:
            self._stop.set()

    def close(self) -> None:
        self.cancel()
        self._rankers.shutdown(wait=False, cancel_futures=True)
        # A count still queued runs (it stops at once): a ranking may be waiting for it.
        self._counters.shutdown(wait=False)

    def _run(self, view: View, stop: threading.Event, counted: Future[int | None],
             limit: int) -> SearchResult | None:
        """Rank `view` and read its first page while `counted` counts it."""
        if not self._store.rank_search(view, stop.is_set):
            return None
        total = None
        rows = self._store.headlines(view, 0, limit)
        if not stop.is_set():
            total = counted.result()
        if total is None or stop.is_set():
            return None
        return SearchResult(view, total, rows if total else [])

    def _count(self, view: View, stop: threading.Event, counted: Future[int | None]) -> None:
        try:
            counted.set_result(self._store.count_search(view, stop.is_set))
        except BaseException as exc:  # the ranking thread raises it
            counted.set_exception(exc)
