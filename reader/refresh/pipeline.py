"""The network half of a refresh: fetch every feed on an event loop in a helper thread, parse
each body (`reader.refresh.parsing`), and hand the results to the thread that stores them.

`reader.refresh.run` explains the shape (backpressure, host interleaving, the consumer);
this module is imported only once a refresh has feeds to fetch and has started its pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from reader.loopthread import DONE, Crashed, LoopThread
from reader.models import ParseResult, Source
from reader.refresh.backlog import PATIENCE, Backlog, Claim
from reader.refresh.demand import sure_bodies
from reader.refresh.parsing import ParseFailed, Parser
from reader.refresh.tickets import Tickets
from reader.sources.bodydecode import decoded_size
from reader.sources.fetch import Fetcher, FetchResult, hosts_at_once
from reader.sources.fetcherrors import FetchError
from reader.workerpool import ProcessPool

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
        self._runner = LoopThread(self._main, "refresh-loop")
        self._queue = self._runner.out
        self._room: Backlog | None = None

    def start(self) -> None:
        if not self.feeds:
            self._queue.put(DONE)
            return
        self._runner.start()

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
                if item is DONE:
                    if batch:
                        yield batch
                    return
                if isinstance(item, Crashed):
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
        if item.holds_room:
            self._runner.call_soon(self._free_room, item.size)

    def stop(self) -> None:
        self._runner.stop()

    # -- the loop thread ---------------------------------------------------------------------
    async def _main(self) -> None:
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
