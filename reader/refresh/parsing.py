"""Parse feed bodies off the event loop, on every core, in workers that a bad feed cannot sink.

Parsing is nearly all of a cold refresh (PERF-NOTES: 93% inside feedparser), and feedparser is
pure Python, so threads would share one core. Hence:

* A process pool, started lazily and only when a refresh has more than a handful of bodies to
  parse: starting it costs ~0.2 s (measured: forkserver with feedparser preloaded 0.17 s to
  ready, spawn 0.21 s), more than parsing two or three feeds in a thread. The first bodies are
  parsed in a thread while the pool warms up in the background.
* The "forkserver" context, never "fork": the app process has threads (Textual, the refresh
  loop), and forking a threaded process can copy a held lock. The fork server preloads the
  parser once, so each worker (and each replacement of a killed worker) starts cheaply.
* Each worker has an address-space limit, and each parse a time limit; a feed that runs past it
  (quadratic entity blowup, feedparser's slow author handling) kills the pool, which is rebuilt,
  and only that feed fails. Bodies that look hostile (an internal DTD subset, or very large) go
  to a worker even in thread mode, where nothing could stop them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from concurrent.futures import Executor, ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING

from reader.models import ParseResult

if TYPE_CHECKING:  # the process machinery is imported only when a pool is needed (~25 ms)
    from concurrent.futures.process import ProcessPoolExecutor

HANDFUL = 4  # a refresh with at most this many feeds never starts the pool
THREAD_FIRST = 2  # bodies parsed in a thread while the pool warms up
PARSE_TIMEOUT = 20.0
MEMORY_LIMIT = 1536 * 2**20  # per worker process (address space)
_PRELOAD = ["reader.sources.feedfile", "reader.store.rows"]


class ParseFailed(Exception):
    """The body could not be turned into stories; the message says why in words."""


def parse_body(body: bytes, url: str, content_type: str,
               rows: bool = True) -> tuple[bool, ParseResult | str]:
    """Run in a worker: (True, result) or (False, reason). Never raises, so never pickles a
    foreign exception across the process boundary.

    With `rows`, the result carries `rows` (ready for the store) instead of `entries`."""
    try:
        from reader.sources.feedfile import NotAFeed, parse_feed
        from reader.store.rows import story_rows
    except ImportError as exc:  # pragma: no cover - a broken install
        return False, f"the feed parser is missing ({exc})"
    try:
        result = parse_feed(body, url=url, content_type=content_type)
        if rows:  # the writer's per-story Python work, done here on another core
            result.rows = list(story_rows(result.entries))
            result.entries = []  # the rows carry everything; not pickled back twice
        return True, result
    except NotAFeed as exc:
        return False, str(exc)
    except MemoryError:
        return False, "the feed is too large to parse"
    except RecursionError:
        return False, "the feed is nested too deeply to parse"
    except Exception as exc:  # a parser bug must fail one feed, not the refresh
        return False, f"could not read the feed ({type(exc).__name__}: {exc})"


def _init_worker(memory_limit: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if memory_limit:
        with contextlib.suppress(ImportError, ValueError, OSError):
            import resource

            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    with contextlib.suppress(ImportError):
        import reader.sources.feedfile  # noqa: F401 - warm the parser before the first job


def _ready() -> int:
    return os.getpid()


def _suspicious(body: bytes) -> bool:
    """Bodies that could stall a thread (an entity subset, a huge document, a very long name):
    only a killable worker may parse them."""
    from reader.sources.feedfile import needs_isolation

    return needs_isolation(body)


def parse_isolated(body: bytes, url: str = "", content_type: str = "", *,
                   timeout: float = PARSE_TIMEOUT,
                   memory_limit: int = MEMORY_LIMIT) -> ParseResult:
    """Parse one body in a process of its own, under the pool's time and memory limits, from
    synchronous code: how a suspicious feed *file* is read (a local folder is re-read from a
    thread, which nothing could stop). Starting the process costs ~0.2 s, so only bodies
    that `_suspicious` flags come here. Raises ParseFailed."""
    import multiprocessing
    from concurrent.futures import TimeoutError as FutureTimeout
    from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    pool = ProcessPoolExecutor(1, mp_context=context, initializer=_init_worker,
                               initargs=(memory_limit,))
    try:
        ok, value = pool.submit(parse_body, body, url, content_type, False).result(timeout)
    except FutureTimeout:
        _kill_workers(pool)
        raise ParseFailed(f"parsing took longer than {timeout:g} s; it was skipped") from None
    except BrokenProcessPool:
        raise ParseFailed("the feed parser crashed on this feed") from None
    except Exception as exc:  # noqa: BLE001 - e.g. MemoryError while sending the result
        raise ParseFailed(_worker_failure(exc)) from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    if not ok:
        raise ParseFailed(str(value))
    assert isinstance(value, ParseResult)
    return value


def _worker_failure(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "the feed is too large to parse"
    return f"could not read the feed ({type(exc).__name__})"


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.kill()


class Parser:
    """`await parser.parse(body, url, content_type)` -> ParseResult, or raises ParseFailed."""

    def __init__(self, *, expected: int = 0, workers: int | None = None,
                 timeout: float = PARSE_TIMEOUT, memory_limit: int = MEMORY_LIMIT) -> None:
        self.workers = max(1, workers or _cpu_count())
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.pooled = expected > HANDFUL
        self.seen = 0
        self.in_threads = 0
        self.in_pool = 0
        self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")
        self._pool: ProcessPoolExecutor | None = None
        self._warming: asyncio.Task[ProcessPoolExecutor] | None = None
        self._slots = asyncio.Semaphore(self.workers)

    async def __aenter__(self) -> Parser:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await asyncio.to_thread(self.close)

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def parse(self, body: bytes, url: str, content_type: str = "") -> ParseResult:
        self.seen += 1
        use_pool = (self.pooled and self.seen > THREAD_FIRST) or _suspicious(body)
        if self.pooled and self.seen == THREAD_FIRST and self._warming is None:
            self._warming = asyncio.create_task(asyncio.to_thread(self._start_pool))
        async with self._slots:
            if use_pool:
                self.in_pool += 1
                ok, value = await self._in_pool(body, url, content_type)
            else:
                self.in_threads += 1
                ok, value = await self._run(self._threads, body, url, content_type)
        if not ok:
            raise ParseFailed(str(value))
        assert isinstance(value, ParseResult)
        return value

    async def _in_pool(self, body: bytes, url: str,
                       content_type: str) -> tuple[bool, ParseResult | str]:
        from concurrent.futures.process import BrokenProcessPool

        for attempt in (1, 2):
            pool = await self._get_pool()
            try:
                return await self._run(pool, body, url, content_type, pool=True)
            except BrokenProcessPool:
                # Another job (or this one) killed a worker; all in flight share the fate.
                self._discard(pool)
                if attempt == 2:
                    return False, "the feed parser crashed on this feed"
        raise AssertionError("unreachable")  # pragma: no cover

    async def _run(self, executor: Executor, body: bytes, url: str, content_type: str,
                   pool: bool = False) -> tuple[bool, ParseResult | str]:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(executor, parse_body, body, url, content_type)
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            if pool:
                self._kill(executor)  # type: ignore[arg-type]
            elif executor is self._threads:  # the thread cannot be stopped: leave it behind
                self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")
                self.pooled = True
            return False, f"parsing took longer than {self.timeout:g} s; the feed was skipped"
        except Exception as exc:
            from concurrent.futures.process import BrokenProcessPool

            if isinstance(exc, BrokenProcessPool):
                raise  # the pool is rebuilt by the caller
            # Raised around parse_body, not in it: a worker out of memory while sending its
            # result back arrives here as MemoryError. One feed fails, not the refresh.
            return False, _worker_failure(exc)

    async def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is not None:
            return self._pool
        if self._warming is None or self._warming.done():
            self._warming = asyncio.create_task(asyncio.to_thread(self._start_pool))
        return await asyncio.shield(self._warming)

    def _start_pool(self) -> ProcessPoolExecutor:
        """Create the pool and wait for its workers (in a thread: starting blocks)."""
        import multiprocessing
        from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor

        if self._pool is not None:
            return self._pool
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_init_worker,
                                   initargs=(self.memory_limit,))
        with contextlib.suppress(BrokenProcessPool):
            for future in [pool.submit(_ready) for _ in range(self.workers)]:
                future.result()
        self._pool = pool
        return pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool = None
            self._warming = None
        pool.shutdown(wait=False, cancel_futures=True)

    def _kill(self, pool: ProcessPoolExecutor) -> None:
        _kill_workers(pool)
        self._discard(pool)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
