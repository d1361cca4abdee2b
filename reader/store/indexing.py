"""The search index's catch-up: a refresh stores first, and the index follows.

Why the index can lag behind the stories: a cold refresh spends a fifth of its CPU in FTS5
(it tokenises ~23 MB/s whatever its settings), and a reader wants the stories on screen
first. So a refresh writes its batches with `Store.batch(defer_index=True)`: the index's
triggers still note every story (migration 3's queue), but nothing is indexed before the
commit. `catch_up_index` applies the notes later, a thousand stories per short transaction,
from the app's worker once the refresh is done (or soon after start-up, for what a
`newsreader refresh` from cron left). A search never sees the lag: `_plan` catches the
index up before any query with words runs (one indexed lookup when nothing waits).

Every other write still indexes what it changed before it commits, and only that (see
`flush_index(after=...)`), so a mark-as-read after a cold refresh stays instant.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from reader.models import View
from reader.store.errors import StoreError
from reader.store.search import flush_index, pending
from reader.store.views import Plan, ViewQueries


class IndexCatchUp(ViewQueries):
    """Mixed into `Store`: bring the search index up to date with the stories."""

    def index_pending(self) -> bool:
        """Whether stories wait for the search index (left by a deferred refresh)."""
        return pending(self._conn())

    def catch_up_index(self, step: int = 1000,
                       should_stop: Callable[[], bool] | None = None) -> int:
        """Index what deferred refreshes left in the queue, `step` stories per transaction
        (~0.2 s of holding the write lock each), until none is left or `should_stop()`.
        Returns how many queue notes were applied. Safe to run from any thread, and from two
        processes at once: each step takes what is still queued when it holds the lock."""
        done = 0
        while pending(self._conn()):
            if should_stop is not None and should_stop():
                break
            with self._write() as conn:
                applied = flush_index(conn, limit=step)
            done += applied
            if not applied:
                break
        return done

    def _plan(self, view: View) -> Plan:
        """A view's query; a search first catches the index up, so it finds every story
        stored (cheap when nothing waits: one indexed lookup)."""
        p = super()._plan(view)
        if p.match is not None and pending(self._conn()):
            with contextlib.suppress(StoreError):  # read-only: search what is indexed
                self.catch_up_index()
        return p

