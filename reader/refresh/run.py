"""`refresh()`: read every due source, feeds concurrently, and store what changed.

The shape, and why:

* `refresh()` is synchronous. The UI calls it in a thread worker, the CLI directly. Fetching
  runs on an asyncio loop in a helper thread (`reader.refresh.pipeline`, loaded only once
  there are feeds to fetch); the calling thread is the consumer: it writes
  each finished feed to SQLite (one transaction per feed) and calls `progress`, so the store is
  only ever written from the caller's thread and the event loop never blocks on SQLite.
* Parsing goes to `Parser` (threads for a handful, a process pool on every core beyond): the
  program's pool when the caller passes one (`pool`), else one of its own for this refresh.
  A refresh sure to need the pool starts it before its own threads and before it loads
  the network code: a command, which has no other thread yet, forks its workers
  (`ProcessPool.start_forked`), the lighter way, and they hold no copy of that code
  (measured: the tree's peak 1-2 MB lower than with the fork after it).
* Backpressure (`reader.refresh.backlog`): a body is read only while the feeds downloaded
  and not yet stored stay under `backlog` feeds and `backlog_bytes` bytes, its room taken
  before a byte of it is read, so memory is bounded by the backlog, not by the number of
  feeds. A fetch sure to bring a body claims its place before it connects (only as many
  fetches run as the backlog takes, and their connections are reused), but a claim lapses
  when the host is slow to answer: such a host holds its own connections, not the backlog
  the other hosts need. A conditional fetch claims nothing first: most answer 304.
* Feeds are interleaved by host before they start, so the per-host limit never leaves the
  global connection slots waiting behind one busy host.
* Bodies come from the network still gzipped and are inflated by the parser process
  (`reader.refresh.parsing`): the main process stores, the workers decode and parse.
* Local sources (files, folders, the welcome story) go to `reader.refresh.local` on the
  calling thread while the network work proceeds.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from reader.models import Outcome, Source
from reader.refresh.apply import (
    due_sources,
    is_plain_304,
    record_failure,
    record_result,
    record_unchanged,
    skipped,
)
from reader.refresh.demand import HANDFUL, sure_bodies
from reader.store import Store, StoreError
from reader.workerpool import ProcessPool

if TYPE_CHECKING:  # the network half loads once the pool is started (`_network`)
    from reader.refresh.pipeline import Fetched, Pipeline

Progress = Callable[[Outcome, int, int], None]


def refresh(store: Store, sources: Sequence[Source] | None = None, *,
            progress: Progress | None = None, fetcher_options: dict[str, Any] | None = None,
            parse_workers: int | None = None,
            pool: ProcessPool | None = None) -> list[Outcome]:
    """Refresh `sources` (None: every due source) and return one Outcome per source, in order.

    `progress(outcome, done, total)` is called once per finished source, on this thread.
    `pool` is the process pool to parse in (None: one for this refresh, if it needs one).
    """
    now = time.time()
    outcomes: list[Outcome] = []
    if sources is None:
        chosen = due_sources(store, now)
    else:
        chosen, outcomes = skipped(store, list(sources), now)
    order = {s.id: i for i, s in enumerate(sources if sources is not None else chosen)}
    total = len(chosen) + len(outcomes)
    done = 0

    def report(outcome: Outcome) -> None:
        nonlocal done
        done += 1
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome, done, total)

    told, outcomes = outcomes, []
    for outcome in told:  # sources that were asked for but are gone or asked us to wait
        report(outcome)
    feeds = [s for s in chosen if s.kind == "feed"]
    pipeline = _network(feeds, fetcher_options, parse_workers, pool) if feeds else None
    writer = BatchWriter(store, report)
    try:
        for source in chosen:
            if source.kind != "feed":
                report(_refresh_local(store, source))
        if pipeline is not None:
            _store_fetched(store, pipeline, writer)
        writer.commit()
    finally:
        writer.abandon()
        if pipeline is not None:
            pipeline.stop()
    outcomes.sort(key=lambda o: order.get(o.source_id, len(order)))
    return outcomes


def _network(feeds: Sequence[Source], fetcher_options: dict[str, Any] | None,
             parse_workers: int | None, pool: ProcessPool | None) -> Pipeline:
    """The network half, started. A refresh sure to need the pool starts it first, before
    any thread of its own: a command forks its workers then, before it loads the network
    code, so they never hold a copy of it. A refresh without feeds never loads it."""
    if pool is not None and sure_bodies(feeds) > HANDFUL:  # the parser would start it at once
        pool.start_forked()  # before the refresh's threads: forked if this is the only one
    from reader.refresh.pipeline import Pipeline
    from reader.sources.fetch import fetcher_kwargs

    pipeline = Pipeline(feeds, fetcher_kwargs(fetcher_options), parse_workers, pool=pool)
    pipeline.start()
    return pipeline


def _store_fetched(store: Store, pipeline: Pipeline, writer: BatchWriter) -> None:
    """Store the feeds as the pipeline finishes them: the 304s of a batch in one statement,
    each other feed on its own (a savepoint), its body's room in the backlog given back."""
    for batch in pipeline.batches(idle=writer.commit):
        unchanged = [i for i in batch if not i.error and is_plain_304(i.result, i.source)]
        if unchanged:
            writer.add(record_unchanged(
                store, [i.source for i in unchanged],
                [i.result.not_before if i.result else None for i in unchanged]))
        done_ids = {id(i) for i in unchanged}
        for item in batch:
            if id(item) in done_ids:
                continue
            try:
                writer.write(item)
            finally:
                pipeline.release(item)


class BatchWriter:
    """Stores finished feeds in short batches: one transaction (`Store.batch`) for all the
    feeds that arrive within `seconds`, each feed a savepoint of it.

    Outcomes are reported only once their batch is committed, so whoever listens (the UI
    re-reading its view, the progress bar) never asks for stories that are not visible yet.
    A batch is committed when it is older than `seconds` and whenever the network has
    nothing more ready (`Pipeline.batches(idle=...)`), so the write lock is never held while
    waiting, and a reader's mark-as-read waits at most that long."""

    def __init__(self, store: Store, report: Callable[[Outcome], None],
                 seconds: float = 0.5) -> None:
        self.store = store
        self.report = report
        self.seconds = seconds
        self._open: contextlib.ExitStack | None = None
        self._since = 0.0
        self._pending: list[Outcome] = []

    def write(self, item: Fetched) -> None:
        self._begin()
        self.add([_record(self.store, item)])
        if time.monotonic() - self._since >= self.seconds:
            self.commit()

    def add(self, outcomes: Sequence[Outcome]) -> None:
        if self._open is None:
            for outcome in outcomes:
                self.report(outcome)
        else:
            self._pending.extend(outcomes)

    def commit(self) -> None:
        if self._open is None:
            return
        batch, self._open = self._open, None
        batch.close()  # COMMIT (raises StoreError when the cache cannot be written)
        pending, self._pending = self._pending, []
        for outcome in pending:
            self.report(outcome)

    def abandon(self) -> None:
        """After an error: roll back what is not committed (nothing is reported for it)."""
        if self._open is not None:
            batch, self._open = self._open, None
            self._pending.clear()
            with contextlib.suppress(Exception):
                batch.__exit__(RuntimeError, RuntimeError("refresh stopped"), None)

    def _begin(self) -> None:
        if self._open is None:
            stack = contextlib.ExitStack()
            stack.enter_context(self.store.batch(defer_index=True))
            self._open = stack
            self._since = time.monotonic()


def _record(store: Store, item: Fetched) -> Outcome:
    if item.error or item.result is None:
        return record_failure(store, item.source, item.error, item.retry_after)
    try:
        return record_result(store, item.source, item.result, item.parsed)
    except StoreError:
        raise  # the cache cannot be written (disk full, read-only): the refresh stops, in words
    except Exception as exc:  # one feed's odd data must fail that feed, not the refresh
        return record_failure(store, item.source,
                              f"its stories could not be stored ({type(exc).__name__}: {exc})")


def _refresh_local(store: Store, source: Source) -> Outcome:
    # Imported here: the file readers (and the extractor behind them) cost a refresh of
    # feeds only, the usual cron run, ~15 ms of start-up for nothing.
    from reader.refresh.local import refresh_local

    try:
        return refresh_local(store, source)
    except Exception as exc:  # one unreadable source must not end the refresh
        return record_failure(store, source, f"{type(exc).__name__}: {exc}")
