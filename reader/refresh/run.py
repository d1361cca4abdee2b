"""`refresh()`: read every due source, feeds concurrently, and store what changed.

The shape, and why:

* `refresh()` is synchronous. The UI calls it in a thread worker, the CLI directly. Fetching
  runs on an asyncio loop in a helper thread; the calling thread is the consumer: it writes
  each finished feed to SQLite (one transaction per feed) and calls `progress`, so the store is
  only ever written from the caller's thread and the event loop never blocks on SQLite.
* Parsing goes to `Parser` (threads for a handful, a process pool on every core beyond).
* Backpressure: a fetch starts only while fewer than `backlog` downloaded feeds wait to be
  parsed or written, so memory is bounded by the backlog plus the connections in flight, not
  by the number of feeds (PERF-NOTES: 280 MB unbounded, 121 MB bounded).
* Feeds are interleaved by host before they start, so the per-host limit never leaves the
  global connection slots waiting behind one busy host.
* Local sources (files, folders, the welcome story) go to `reader.library.refresh_local` on the
  calling thread while the network work proceeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections import defaultdict
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
from reader.refresh.parsing import ParseFailed, Parser
from reader.sources.fetch import Fetcher, FetchError, FetchResult, fetcher_kwargs
from reader.store import Store, StoreError

Progress = Callable[[Outcome, int, int], None]


@dataclass(slots=True)
class Fetched:
    """One feed's network outcome, handed from the loop thread to the consumer."""

    source: Source
    result: FetchResult | None = None
    parsed: ParseResult | None = None
    error: str = ""
    retry_after: float | None = None
    holds_room: bool = False


@dataclass(slots=True)
class _Crashed:
    exc: BaseException


_DONE = object()


def refresh(store: Store, sources: Sequence[Source] | None = None, *,
            progress: Progress | None = None, fetcher_options: dict[str, Any] | None = None,
            parse_workers: int | None = None) -> list[Outcome]:
    """Refresh `sources` (None: every due source) and return one Outcome per source, in order.

    `progress(outcome, done, total)` is called once per finished source, on this thread.
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
    pipeline = Pipeline(feeds, fetcher_kwargs(fetcher_options), parse_workers)
    pipeline.start()
    try:
        for source in chosen:
            if source.kind != "feed":
                report(_refresh_local(store, source))
        for batch in pipeline.batches():
            unchanged = [i for i in batch if not i.error and is_plain_304(i.result, i.source)]
            if unchanged:
                for outcome in record_unchanged(
                        store, [i.source for i in unchanged],
                        [i.result.not_before if i.result else None for i in unchanged]):
                    report(outcome)
            done_ids = {id(i) for i in unchanged}
            for item in batch:
                if id(item) in done_ids:
                    continue
                try:
                    report(_record(store, item))
                finally:
                    pipeline.release(item)
    finally:
        pipeline.stop()
    outcomes.sort(key=lambda o: order.get(o.source_id, len(order)))
    return outcomes


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
    from reader import library

    try:
        return library.refresh_local(store, source)
    except Exception as exc:  # one unreadable source must not end the refresh
        return record_failure(store, source, f"{type(exc).__name__}: {exc}")


class Pipeline:
    """The network half of a refresh, on its own event loop in a helper thread."""

    def __init__(self, feeds: Sequence[Source], fetcher_options: dict[str, Any],
                 parse_workers: int | None = None, backlog: int | None = None) -> None:
        self.feeds = interleave_hosts(feeds)
        self.options = fetcher_options
        self.parse_workers = parse_workers
        self.backlog = backlog
        self.stats: dict[str, int] = {}
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="refresh-loop", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = threading.Event()
        self._waiting = 0
        self._room: asyncio.Event | None = None

    def start(self) -> None:
        if not self.feeds:
            self._queue.put(_DONE)
            return
        self._thread.start()
        self._ready.wait()

    def results(self) -> Iterator[Fetched]:
        for batch in self.batches():
            yield from batch

    def batches(self, most: int = 256) -> Iterator[list[Fetched]]:
        """What has finished, in lists: waits for one item, then takes whatever else is ready."""
        while True:
            batch: list[Fetched] = []
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
                self._loop.call_soon_threadsafe(self._free_room)

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
        self._room = asyncio.Event()
        self._room.set()
        self._ready.set()
        async with Fetcher(**self.options) as fetcher, \
                Parser(expected=len(self.feeds), workers=self.parse_workers) as parser:
            limit = self.backlog or 2 * parser.workers + 4
            tickets = asyncio.Semaphore(fetcher.max_connections)
            await asyncio.gather(*(self._one(fetcher, parser, tickets, limit, source)
                                   for source in self.feeds))
            self.stats = {"parsed_in_threads": parser.in_threads,
                          "parsed_in_pool": parser.in_pool}

    async def _one(self, fetcher: Fetcher, parser: Parser, tickets: asyncio.Semaphore,
                   limit: int, source: Source) -> None:
        assert self._room is not None
        async with tickets:
            while self._waiting >= limit:  # backpressure: the parser or the writer is behind
                self._room.clear()
                await self._room.wait()
            try:
                result = await fetcher.fetch(source.location, etag=source.etag,
                                             last_modified=source.last_modified)
            except FetchError as exc:
                self._queue.put(Fetched(source, error=str(exc), retry_after=exc.retry_after))
                return
            except Exception as exc:  # a bug must fail one feed, not the whole refresh
                self._queue.put(Fetched(source, error=f"unexpected error: {exc!r}"))
                return
            if result.body is None:
                self._queue.put(Fetched(source, result))
                return
            self._waiting += 1
        item = Fetched(source, result, holds_room=True)
        try:
            item.parsed = await parser.parse(result.body, result.url, result.content_type)
        except ParseFailed as exc:
            item.error = str(exc)
        except BaseException:
            self._free_room()
            raise
        result.body = None  # the bytes are not needed any more
        self._queue.put(item)

    def _free_room(self) -> None:
        self._waiting -= 1
        if self._room is not None:
            self._room.set()


def interleave_hosts(feeds: Sequence[Source]) -> list[Source]:
    """Round-robin over hosts, keeping each host's own order: a, b, c, a, b, a …"""
    by_host: dict[str, list[Source]] = defaultdict(list)
    for source in feeds:
        try:
            host = (urlsplit(source.location).hostname or "").lower()
        except ValueError:
            host = ""
        by_host[host].append(source)
    out: list[Source] = []
    columns = list(by_host.values())
    depth = max((len(c) for c in columns), default=0)
    for i in range(depth):
        out.extend(column[i] for column in columns if i < len(column))
    return out
