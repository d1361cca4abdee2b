"""Parse feed bodies off the event loop, on every core, in workers that a bad feed cannot sink.

Parsing is nearly all of a cold refresh (profiled: 93% inside feedparser), and feedparser is
pure Python, so threads would share one core. Hence:

* A process pool (`reader.workerpool.ProcessPool`: fork or forkserver, a memory limit per
  worker), used only when a refresh has more than a handful of bodies to parse: starting it
  costs ~0.2 s (measured: forkserver with feedparser preloaded 0.17 s to ready, spawn 0.21 s),
  more than parsing two or three feeds in a thread, and its processes hold ~40 MB (with the
  fork server's). When more than a handful of feeds are sure to bring a body (no validator to
  answer "not modified": a first refresh), the pool is needed anyway, so it starts with the
  refresh and parses them all. Otherwise (the usual run: a few feeds changed among many) the
  bodies are parsed in a thread while it keeps up, and the pool starts only once the thread
  has more than `THREAD_BYTES` to get through; it then takes every later body. A command
  forks a pool it is sure of before the refresh starts its threads (`reader.refresh.run`);
  the app starts it beside the first fetches (its ~0.2 s of start-up no longer waits for the
  first body), and its main process never imports the parser (~5 MB of its peak). The
  program's one pool is passed in (the service owns it, and whole-article extraction shares
  it); without one, a parser starts its own and stops it when done.
* Each parse has a time limit; a feed that runs past it (quadratic entity blowup, feedparser's
  slow author handling) kills the pool, which is rebuilt, and only that feed fails. Bodies that
  look hostile (an internal DTD subset, or very large) go to a worker even in thread mode,
  where nothing could stop them.
* One body more than there are workers is handed to the pool, so that a worker done with a
  feed finds the next one waiting in the pool's queue instead of idling while the main
  process (busy storing) gets round to sending it: 3% off a cold refresh's wall (200 varied
  feeds, 12 runs A B B A: 3.06 -> 2.96 s). The body waiting there is not yet being parsed,
  so its time limit is longer by one limit for each full round of work ahead of it; its
  pickled bytes wait in the pool's feeder, outside the backlog's count (one body at most).
  The single parse thread gets one body at a time: queued behind a runaway parse there,
  which cannot be stopped, a body would fail unparsed.
* Large bodies are parsed one at a time. A worker parsing a feed of several MB holds ~3-4x
  its size while it works; two at once on both workers made the refresh's peak memory
  (measured on 200 varied feeds: the tree's peak moved by ~15 MB with whether two of the
  six large feeds met). A large body waits for the other to finish without holding a
  worker slot, so small feeds already downloaded keep the other worker busy meanwhile (a
  waiting body still counts in the refresh's backlog: several large ones in a row can
  hold downloads back until they are parsed).
* A body may come still gzipped (`encoding`, the fetch's Content-Encoding): a worker
  inflates it, under the fetch's size cap, so the main process neither inflates it nor
  sends the workers four times its bytes. A body parsed in a thread is decoded first, on
  the loop, so that it can be checked for what only a worker may parse.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor, ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING

from reader.models import ParseResult
from reader.refresh.demand import HANDFUL  # a refresh of at most this many never starts the pool
from reader.sources.bodydecode import BODY_CAP, decode_body, decoded_size
from reader.sources.fetcherrors import FetchError
from reader.sources.parse_worker import PARSE_TIMEOUT, ParseFailed, parse_body, worker_failure
from reader.workerpool import MEMORY_LIMIT, START_FAILURES, ProcessPool

if TYPE_CHECKING:  # the process machinery is imported only when a pool is needed (~25 ms)
    from concurrent.futures.process import ProcessPoolExecutor

# Bytes of bodies the parse thread may have waiting (the one it parses among them) before a
# refresh that was not sure of its bodies starts the pool: ~70 ms of parsing, a third of what
# the pool takes to start (~0.2 s). A routine refresh, a few feeds changed among many, then
# starts no process at all (measured: 200 varied feeds, 5 of them changed, the peak of all
# processes 68-70 -> 30-31 MB, and no slower; bench/README.md, refresh section).
THREAD_BYTES = 2 * 2**20
LARGE = 1 << 20  # bytes: bodies this size or more are parsed one at a time
QUEUED = 1  # bodies handed to the pool beyond one per worker, waiting ready in its queue


def _suspicious(body: bytes) -> bool:
    """Bodies that could stall a thread (an entity subset, a huge document, a very long name):
    only a killable worker may parse them."""
    from reader.sources.feedfile import needs_isolation

    return needs_isolation(body)


class Parser:
    """`await parser.parse(body, url, content_type)` -> ParseResult, or raises ParseFailed.

    `pool` is the program's process pool (left running when the parser closes); without
    one the parser starts its own, of `workers` processes under `memory_limit`, on demand."""

    def __init__(self, *, expected: int = 0, certain: int = 0, workers: int | None = None,
                 timeout: float = PARSE_TIMEOUT, memory_limit: int = MEMORY_LIMIT,
                 pool: ProcessPool | None = None) -> None:
        self._own_pool = pool is None
        self.pool = pool if pool is not None else ProcessPool(workers,
                                                              memory_limit=memory_limit)
        self.pool.hold()  # until `close`
        self._held = True
        self.workers = self.pool.workers
        self.timeout = timeout
        self.pooled = expected > HANDFUL
        self.all_in_pool = self.pooled and certain > HANDFUL  # `certain` bodies sure to come
        self.seen = 0
        self.in_threads = 0
        self.in_pool = 0
        self._with_thread = 0  # bytes given to the thread and not parsed yet, or large and
        # waiting for their turn
        self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")
        self._warming: asyncio.Task[ProcessPoolExecutor] | None = None
        self._slots = asyncio.Semaphore(self.workers + QUEUED)  # for the pool
        self._thread_slot = asyncio.Semaphore(1)
        self._in_flight = {True: 0, False: 0}  # jobs handed to the pool (True), the thread (False)
        self.most_in_pool_at_once = 0
        self.most_in_thread_at_once = 0
        self._large = asyncio.Lock()  # taken before a slot, never while holding one
        self.large_at_once = 0  # large bodies being parsed now, and the most there were
        self.most_large_at_once = 0

    async def __aenter__(self) -> Parser:
        if self.all_in_pool:  # bodies are sure to come: the pool starts beside the first fetches
            self._warm()
        return self

    def _warm(self) -> None:
        """Start the pool's processes in a thread (~0.15-0.2 s), once."""
        if self._warming is None:
            self._warming = asyncio.create_task(asyncio.to_thread(self.pool.executor))
            # A start that fails is met again, and told, where a body asks for the pool.
            self._warming.add_done_callback(lambda task: task.cancelled() or task.exception())

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if self._warming is not None and not self._warming.done():
                # A refresh over before its pool was up: the workers it is starting are
                # let go below, not left idle for the session once they come up.
                await asyncio.wait({self._warming})
        finally:
            await asyncio.to_thread(self.close)

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self._held:
            self._held = False
            self.pool.release()
        if self._own_pool:
            self.pool.shutdown()

    async def parse(self, body: bytes, url: str, content_type: str = "", *,
                    encoding: str = "", cap: int = BODY_CAP) -> ParseResult:
        """`encoding`: `body` is still under that Content-Encoding, to be undone within
        `cap` bytes (the fetch's cap) by whoever parses it."""
        size = decoded_size(body, encoding, cap)
        if size < LARGE:
            return await self._parse(body, url, content_type, encoding, cap, size)
        self._with_thread += size  # waiting its turn, it is work ahead of the thread too
        try:
            await self._large.acquire()
        finally:
            self._with_thread -= size
        try:
            self.large_at_once += 1
            self.most_large_at_once = max(self.most_large_at_once, self.large_at_once)
            return await self._parse(body, url, content_type, encoding, cap, size)
        finally:
            self.large_at_once -= 1
            self._large.release()

    def _to_pool(self, size: int) -> bool:
        """Whether a body of `size` bytes goes to the pool rather than the thread: all of a
        refresh sure to bring many, none of a small one; otherwise the thread's while it keeps
        up (the bytes it has still to parse, large bodies waiting their turn and this body
        with them, at most `THREAD_BYTES`), and every one once the pool has started."""
        if self.all_in_pool or not self.pooled:
            return self.all_in_pool
        return (self._warming is not None or self.pool.running
                or self._with_thread + size > THREAD_BYTES)

    async def _parse(self, body: bytes, url: str, content_type: str, encoding: str = "",
                     cap: int = BODY_CAP, size: int = 0) -> ParseResult:
        self.seen += 1
        in_pool = self._to_pool(size)
        if encoding and not in_pool:  # checked below, and parsed here: decoded here
            try:
                body, encoding = decode_body(body, encoding, cap), ""
            except FetchError as exc:
                raise ParseFailed(str(exc)) from None
        use_pool = in_pool or _suspicious(body)
        if in_pool:
            self._warm()
        queued = 0 if use_pool else len(body)  # decoded by now
        self._with_thread += queued
        try:
            async with self._slots if use_pool else self._thread_slot:
                if use_pool:
                    self.in_pool += 1
                    ok, value = await self._in_pool(body, url, content_type, encoding, cap)
                else:
                    self.in_threads += 1
                    ok, value = await self._run(self._threads, body, url, content_type)
        finally:
            self._with_thread -= queued
        if not ok:
            raise ParseFailed(str(value))
        assert isinstance(value, ParseResult)
        return value

    async def _in_pool(self, body: bytes, url: str, content_type: str, encoding: str = "",
                       cap: int = BODY_CAP) -> tuple[bool, ParseResult | str]:
        from concurrent.futures.process import BrokenProcessPool

        for attempt in (1, 2):
            try:
                pool = await self._get_pool()
            except START_FAILURES as exc:  # no processes here
                return await self._without_pool(body, url, content_type, encoding, cap, exc)
            try:
                return await self._run(pool, body, url, content_type, pool=True,
                                       encoding=encoding, cap=cap)
            except BrokenProcessPool:
                # Another job (or this one) killed a worker; all in flight share the fate.
                self.pool.discard(pool)
                if attempt == 2:
                    return False, "the feed parser crashed on this feed"
        raise AssertionError("unreachable")  # pragma: no cover

    async def _without_pool(self, body: bytes, url: str, content_type: str, encoding: str,
                            cap: int, why: Exception) -> tuple[bool, ParseResult | str]:
        """Where the pool's processes cannot start, the refresh goes on in the thread, as a
        small refresh does (no later body tries the pool again); a body that looks hostile,
        which only a process may parse, fails in words."""
        self.pooled = self.all_in_pool = False
        if encoding:
            try:
                body = decode_body(body, encoding, cap)
            except FetchError as exc:
                return False, str(exc)
        if _suspicious(body):
            return False, (f"the parser processes could not start ({why}), and this feed "
                           "may only be parsed in one")
        self.in_pool -= 1
        self.in_threads += 1
        return await self._run(self._threads, body, url, content_type)

    async def _run(self, executor: Executor, body: bytes, url: str, content_type: str,
                   pool: bool = False, encoding: str = "",
                   cap: int = BODY_CAP) -> tuple[bool, ParseResult | str]:
        loop = asyncio.get_running_loop()
        # A job behind a busy executor starts when one ahead of it ends, each within its own
        # limit: the wait is added to this job's limit, one limit per full round ahead.
        rounds_ahead = self._in_flight[pool] // (self.workers if pool else 1)
        future = loop.run_in_executor(executor, parse_body, body, url, content_type, True,
                                      encoding, cap)
        self._in_flight[pool] += 1
        if pool:
            self.most_in_pool_at_once = max(self.most_in_pool_at_once, self._in_flight[pool])
        else:
            self.most_in_thread_at_once = max(self.most_in_thread_at_once, self._in_flight[pool])
        try:
            return await asyncio.wait_for(future, self.timeout * (1 + rounds_ahead))
        except TimeoutError:
            if pool and not self.pool.is_current(executor):  # type: ignore[arg-type]
                # Killed meanwhile for another job's runaway parse: this one waited behind
                # it, and is tried again (the BrokenProcessPool had not arrived yet).
                from concurrent.futures.process import BrokenProcessPool

                raise BrokenProcessPool("the pool was stopped for another job") from None
            if pool:
                self.pool.discard(executor, kill=True)  # type: ignore[arg-type]
            elif executor is self._threads:  # the thread cannot be stopped: leave it behind
                self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")
                self.pooled = self.all_in_pool = True  # and every later body to the pool
            return False, f"parsing took longer than {self.timeout:g} s; the feed was skipped"
        except Exception as exc:
            from concurrent.futures.process import BrokenProcessPool

            if isinstance(exc, BrokenProcessPool):
                raise  # the pool is rebuilt by the caller
            # Raised around parse_body, not in it: a worker out of memory while sending its
            # result back arrives here as MemoryError. One feed fails, not the refresh.
            return False, worker_failure(exc)
        finally:
            self._in_flight[pool] -= 1

    async def _get_pool(self) -> ProcessPoolExecutor:
        return await self.pool.get()
