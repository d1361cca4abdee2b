"""`refresh()`: read every due source, feeds concurrently, and store what changed.

The shape, and why:

* `refresh()` is synchronous. The UI calls it in a thread worker, the CLI directly. Fetching
  runs on an asyncio loop in a helper thread; the calling thread is the consumer: it writes
  each finished feed to SQLite (one transaction per feed) and calls `progress`, so the store is
  only ever written from the caller's thread and the event loop never blocks on SQLite.
* Parsing goes to `Parser` (threads for a handful, a process pool on every core beyond): the
  program's pool when the caller passes one (`pool`), else one of its own for this refresh.
  A refresh sure to need the pool starts it before its own threads: a command, which has
  no other thread yet, forks its workers (`ProcessPool.start_forked`), the lighter way.
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

import asyncio
import contextlib
import queue
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from reader.models import Outcome, ParseResult, Source
from reader.refresh.apply import (
    due_sources,
    is_plain_304,
    record_failure,
    record_result,
    record_unchanged,
    skipped,
)
from reader.refresh.backlog import PATIENCE, Backlog, Claim
from reader.refresh.parsing import HANDFUL, ParseFailed, Parser
from reader.refresh.tickets import Tickets
from reader.sources.bodydecode import decoded_size
from reader.sources.fetch import Fetcher, FetchResult, fetcher_kwargs, hosts_at_once
from reader.sources.fetcherrors import FetchError
from reader.store import Store, StoreError
from reader.workerpool import ProcessPool

Progress = Callable[[Outcome, int, int], None]
# Downloaded bodies not yet stored, counted at their decoded size (their rows grow with
# them). With 8 MB, two or three large feeds waiting for their turn to be parsed (one at a
# time) filled it, and no small feed was fetched for the idle parser process; 16 MB:
# cold 0.97x (5 rounds on 200 varied feeds), the same peak memory.
BACKLOG_BYTES = 16 * 2**20
# Hosts fetched round-robin at once (`interleave_hosts`): enough to fill the connection
# slots at the per-host limit (32 / 4); few enough that their idle connections stay pooled.
HOST_WINDOW = hosts_at_once({})


@dataclass(slots=True)
class Fetched:
    """One feed's network outcome, handed from the loop thread to the consumer."""

    source: Source
    result: FetchResult | None = None
    parsed: ParseResult | None = None
    error: str = ""
    retry_after: float | None = None
    holds_room: bool = False
    size: int = 0  # the body's bytes, as the backlog counted them


@dataclass(slots=True)
class _Crashed:
    exc: BaseException


_DONE = object()


def sure_bodies(feeds: Sequence[Source]) -> int:
    """How many of `feeds` are sure to bring a body: no validator to be answered "not
    modified" with (a first refresh), and not failing (an old OPML's dead feeds)."""
    return sum(1 for s in feeds if not (s.etag or s.last_modified) and s.status != "error")


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
    if pool is not None and sure_bodies(feeds) > HANDFUL:  # the parser would start it at once
        pool.start_forked()  # before the refresh's threads: forked if this is the only one
    pipeline = Pipeline(feeds, fetcher_kwargs(fetcher_options), parse_workers, pool=pool)
    pipeline.start()
    writer = BatchWriter(store, report)
    try:
        for source in chosen:
            if source.kind != "feed":
                report(_refresh_local(store, source))
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
        writer.commit()
    finally:
        writer.abandon()
        pipeline.stop()
    outcomes.sort(key=lambda o: order.get(o.source_id, len(order)))
    return outcomes


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


class Pipeline:
    """The network half of a refresh, on its own event loop in a helper thread."""

    def __init__(self, feeds: Sequence[Source], fetcher_options: dict[str, Any],
                 parse_workers: int | None = None, backlog: int | None = None, *,
                 backlog_bytes: int = BACKLOG_BYTES, pool: ProcessPool | None = None,
                 patience: float = PATIENCE) -> None:
        self.feeds = interleave_hosts(feeds, hosts_at_once(fetcher_options))
        self.options = fetcher_options
        self.parse_workers = parse_workers
        self.pool = pool
        self.backlog = backlog
        self.backlog_bytes = backlog_bytes
        self.patience = patience  # how long a cold fetch's claim on the backlog waits
        self.stats: dict[str, int] = {}
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="refresh-loop", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = threading.Event()
        self._room: Backlog | None = None

    def start(self) -> None:
        if not self.feeds:
            self._queue.put(_DONE)
            return
        self._thread.start()
        self._ready.wait()

    def results(self) -> Iterator[Fetched]:
        for batch in self.batches():
            yield from batch

    def batches(self, most: int = 256,
                idle: Callable[[], None] | None = None) -> Iterator[list[Fetched]]:
        """What has finished, in lists: waits for one item, then takes whatever else is ready.

        `idle()` is called before each wait on an empty queue."""
        while True:
            batch: list[Fetched] = []
            if idle is not None and self._queue.empty():
                idle()
            item = self._queue.get()
            while True:
                if item is _DONE:
                    if batch:
                        yield batch
                    return
                if isinstance(item, _Crashed):
                    raise item.exc
                assert isinstance(item, Fetched)
                batch.append(item)
                if len(batch) >= most:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            yield batch

    def release(self, item: Fetched) -> None:
        """The consumer is done with a body-carrying item: let another download start."""
        if item.holds_room and self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop ended meanwhile
                self._loop.call_soon_threadsafe(self._free_room, item.size)

    def stop(self) -> None:
        if self._thread.is_alive():
            loop, task = self._loop, self._task
            if loop is not None and task is not None:
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(task.cancel)
            self._thread.join()

    # -- the loop thread ---------------------------------------------------------------------
    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # surfaced to the caller by results()
            self._queue.put(_Crashed(exc))
        finally:
            self._ready.set()
            self._queue.put(_DONE)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._ready.set()
        sure = sure_bodies(self.feeds)
        async with Fetcher(**self.options) as fetcher, \
                Parser(expected=len(self.feeds), certain=sure, workers=self.parse_workers,
                       pool=self.pool) as parser:
            self._room = Backlog(self.backlog or 2 * parser.workers + 4, self.backlog_bytes,
                                 self.patience)
            tickets = Tickets(fetcher.max_connections)
            await asyncio.gather(*(self._one(fetcher, parser, tickets.take(position), source)
                                   for position, source in enumerate(self.feeds)))
            self.stats = {"parsed_in_threads": parser.in_threads,
                          "parsed_in_pool": parser.in_pool,
                          "backlog_peak_feeds": self._room.peak_feeds,
                          "backlog_peak_bytes": self._room.peak_bytes,
                          "backlog_lapsed": self._room.lapsed}

    async def _one(self, fetcher: Fetcher, parser: Parser,
                   ticket: contextlib.AbstractAsyncContextManager[None], source: Source) -> None:
        room = self._room
        assert room is not None
        claim = Claim()

        async def before_body() -> None:  # backpressure: the parser or the writer is behind
            await room.before_body(claim)

        # The host's turn first: a feed waiting for a busy (or slow) host holds no ticket and
        # no room in the backlog, which the other hosts' feeds would wait for. (The ticket
        # then goes by the feed's place in the refresh: see reader.refresh.tickets.)
        async with fetcher.turn(source.location), ticket:
            try:
                if not (source.etag or source.last_modified):  # no "not modified" can come
                    fetcher.check_waits(source.location)  # a feed sure to fail claims nothing
                    await room.claim(claim)  # (given up if the host is slow to answer)
                result = await fetcher.fetch(source.location, etag=source.etag,
                                             last_modified=source.last_modified, encoded=True,
                                             turn_taken=True, before_body=before_body)
            except FetchError as exc:
                room.give_back(claim)
                self._queue.put(Fetched(source, error=str(exc), retry_after=exc.retry_after))
                return
            except Exception as exc:  # a bug must fail one feed, not the whole refresh
                room.give_back(claim)
                self._queue.put(Fetched(source, error=f"unexpected error: {exc!r}"))
                return
            except BaseException:  # cancelled (the refresh stopped): nothing stays taken
                room.give_back(claim)
                raise
            if result.body is None:  # 304, 410
                room.give_back(claim)
                self._queue.put(Fetched(source, result))
                return
            # What its rows grow with.
            size = decoded_size(result.body, result.encoding, fetcher.max_body)
            room.arrived(claim, size)
        item = Fetched(source, result, holds_room=True, size=size)
        try:
            item.parsed = await parser.parse(result.body, result.url, result.content_type,
                                             encoding=result.encoding, cap=fetcher.max_body)
        except ParseFailed as exc:
            item.error = str(exc)
        except BaseException:
            self._free_room(size)
            raise
        result.body = None  # the bytes are not needed any more
        self._queue.put(item)

    def _free_room(self, size: int) -> None:
        if self._room is not None:
            self._room.leave(size)


def interleave_hosts(feeds: Sequence[Source], window: int = HOST_WINDOW) -> list[Source]:
    """Round-robin over `window` hosts at a time, keeping each host's own order; a host whose
    feeds are done gives its place to the next one: a, b, a, c, a, c, d … (window 2; a has
    three feeds, b one, c two).

    Why round-robin: the per-host limit never leaves the connection slots waiting behind one
    busy host. Why a window: a host's next feed starts a few fetches after its last, while
    that connection is still pooled, so it is reused. Round-robin over every host at once
    came back to a host only after all the others, and the pool had closed its connection
    by then: one TCP connect (and TLS handshake) per feed."""
    by_host: dict[str, list[Source]] = defaultdict(list)
    for source in feeds:
        try:
            host = (urlsplit(source.location).hostname or "").lower()
        except ValueError:
            host = ""
        by_host[host].append(source)
    waiting = deque(deque(column) for column in by_host.values())
    active: list[deque[Source]] = []
    out: list[Source] = []
    while active or waiting:
        while waiting and len(active) < max(1, window):
            active.append(waiting.popleft())
        for column in active:
            out.append(column.popleft())
        active = [column for column in active if column]
    return out
