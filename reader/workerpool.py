"""A process pool that starts when first needed, runs under a memory limit, and can be killed.

Feed parsing (feedparser) and article extraction (trafilatura) are pure-Python CPU work: in
threads they would share one core and the GIL the UI draws with. Both go to processes, and to
one pool per program (the service layer owns it) so that a refresh that also keeps whole
articles never runs two sets of workers side by side on a small machine.

* "fork" only while this process has one thread (`single_threaded`): forking a threaded
  process can copy a lock that another thread holds, forever held in the child. A command
  starts its pool before its first thread (`ProcessPool.start_forked`): the workers share the
  command's pages, and no fork server or resource tracker runs beside them (measured, with the
  network code loaded after the fork: a cold refresh's peak, all processes, 78 -> 61 MB on 200
  ASCII feeds, 98 -> 82 MB on 200 varied ones, and a few % faster). The executor forks every
  worker at its first job, before it starts its own thread (CPython does so on purpose, for
  the same reason). Otherwise (the app, a pool started again after a kill) the "forkserver"
  context: the fork server preloads the feed parser once, so each worker (and each replacement
  of a killed worker) starts cheaply.
* Its users `hold` it while they submit jobs. When the last lets go, workers that came from
  the fork server stop (the app's, between refreshes: idle, each would keep the memory it
  grew to), and the fork server makes new ones for the next job in a few ms (measured: 7-8 ms
  for two, against ~115 ms for the first start). A command's forked workers stay to its end.
* Each worker may use at most `memory_limit` bytes of address space: a hostile feed or page
  makes that worker fail, not the machine swap.
* A job past its time limit cannot be stopped inside a worker, so the caller kills the pool
  (`discard(executor, kill=True)`); the next `get()` starts a fresh one. Jobs that were in
  flight on it see BrokenProcessPool and may retry once.

Nothing here knows about feeds or pages: callers submit plain functions.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from reader.lowlevel import kill_pool_workers

if TYPE_CHECKING:  # the process machinery is imported only when a pool is started (~25 ms)
    from concurrent.futures.process import ProcessPoolExecutor

MEMORY_LIMIT = 1536 * 2**20  # per worker process (address space)
# What starting the pool raises where no process can start: a sandbox or no /dev/shm
# (OSError), a broken install (ImportError), file numbers the stdlib refuses (ValueError).
# Who needs the pool then goes on in a thread, as for a few jobs.
START_FAILURES = (OSError, ImportError, ValueError)
# Loaded once by the fork server (or by a command, before it forks its workers), then by each
# worker before its first job. Whatever a parse imports on first use (the HTML cleaner among
# them) is named here, so its pages are shared by the workers instead of loaded by each.
PRELOAD = ("reader.sources.parse_worker", "reader.sources.feedfile", "reader.sources.directfeed",
           "reader.sources.feedrepair", "reader.store.rows", "reader.sources.bodydecode", "nh3",
           "xml.sax.expatreader", "zstandard")
# What a new worker imports before its first job, to read the process object it is sent (the
# executor's worker loop and queues) and to cap its memory: ~2-3 MB of each worker's own
# without them.
PROCESS = ("concurrent.futures.process", "multiprocessing.synchronize",
           "multiprocessing.popen_forkserver", "resource")


def cpu_count() -> int:
    """The cores this process may run on (fewer than the machine's in a container)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# A pool's workers by default: one per core, at most this many. Each worker that has parsed
# holds ~8-13 MB of its own, and a refresh's own work (fetching, decoding, storing: one thread
# at a time) is the longest path once the parse is split four ways: of a cold refresh of 200
# varied feeds, the command ran 0.9 s of CPU and the parse 2.5 s, 0.63 s a worker with four.
# Measured with the count forced on 2 cores, the refresh's peak (all processes): 81 MB with 2
# workers, 107 with 4, 154 with 8 (bench/README.md, refresh section).
MOST_WORKERS = 4


def default_workers(cores: int) -> int:
    """How many workers a pool runs on a machine with `cores` cores."""
    return max(1, min(cores, MOST_WORKERS))


def single_threaded() -> bool:
    """Whether this process runs one thread, the only time fork() is safe: counted by the
    kernel (Linux's /proc), so threads that C libraries started count too. Elsewhere False:
    macOS's system libraries are not safe in a forked child even then."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def init_worker(memory_limit: int, modules: Sequence[str], owner: int = 0) -> None:
    """In each worker: ignore Ctrl-C (the parent stops workers), cap the address space, and
    import the code its jobs need before the first one arrives. `owner`: the pid of the
    process that forked this worker, which it must not outlive (`_end_with`)."""
    if owner:
        _end_with(owner)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # held back while it started (`_interrupts_held`)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if memory_limit:
        with contextlib.suppress(ImportError, ValueError, OSError):
            import resource

            _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    load(modules)


PR_SET_PDEATHSIG = 1  # Linux's prctl option (linux/prctl.h)


def _end_with(owner: int) -> None:
    """End this worker when `owner`, its parent, ends, however it ends (kill -9, the SIGTERM
    of a timeout or of systemd). A forked worker holds its queue's other end, as its
    siblings do, so it would never see the parent go and would wait for a job forever.
    (A fork server's worker is left as before: its parent is the fork server.) Linux only."""
    prctl = _libc_function("prctl")
    if prctl is None or prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        return
    if os.getppid() != owner:  # it ended before the call above
        os.kill(os.getpid(), signal.SIGKILL)


def load(modules: Sequence[str]) -> None:
    """Import `modules`, leaving out any that are not installed."""
    import importlib

    for name in modules:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def release_heap() -> None:
    """Give the C allocator's free memory back to the system (glibc's `malloc_trim`).

    Python frees a parsed feed's objects, but glibc keeps the pages for reuse, so without
    this a worker stays as large as the largest feed it ever parsed (measured: 55-80 MB
    after a 4 MB feed, 33 MB after the trim, which takes ~1 ms). Elsewhere a no-op."""
    trim = _libc_function("malloc_trim")
    if trim is not None:
        trim(0)


@functools.cache
def _libc_function(name: str) -> Callable[..., int] | None:
    try:
        import ctypes

        function: Callable[..., int] = getattr(ctypes.CDLL(None), name)
    except (ImportError, OSError, AttributeError, TypeError):  # not glibc (musl, macOS, Windows)
        return None
    return function


M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)
ARENAS = 1


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Let every thread of this process share `arenas` glibc malloc arenas (True if glibc
    took it; elsewhere a no-op).

    glibc gives each new thread an arena of its own (up to 8 per core), each keeping freed
    pages for reuse, so the refresh's loop thread and the thread that writes the cache
    each held a heap. Measured in a cold refresh of 200 feeds: peak 74 -> 65 MB for the
    main process with one arena. Call it before the threads start: an arena once made stays."""
    mallopt = _libc_function("mallopt")
    return mallopt is not None and mallopt(M_ARENA_MAX, arenas) == 1


def _ready() -> int:
    return os.getpid()


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) in this thread while it starts processes.

    A Ctrl-C reaches every process of the terminal's foreground group. The fork server
    ignores it only once its preload is imported, and a worker only once `init_worker`
    runs: one pressed before then printed a KeyboardInterrupt traceback from a process
    the user never started. A process inherits this thread's signal mask, so the fork
    server starts with SIGINT held and keeps it held for life (it ignores it anyway), and
    forks every worker with it held; a worker discards one pending when it starts
    ignoring it, then lets it through again. The stdlib starts its resource tracker the
    same way. This process still gets its Ctrl-C: through another thread at once, or,
    if this is its only thread, when the block ends: once the fork server has imported
    its preload (~0.1-0.2 s), or once the workers are forked (a few ms)."""
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX: nothing to hold back with
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


@contextlib.contextmanager
def _script_not_rerun() -> Iterator[None]:
    """Start processes without running this program's script again in each of them.

    multiprocessing prepares a new process like the one that started it: when `__main__` is
    a script file (the installed `newsreader` command is one), each worker imports it as
    `__mp_main__`, and with it the command line (`reader.cli` and what it imports): ~1 MB of
    each worker's own memory and a few ms of its start, for nothing, since a job is a plain
    function of the package. A `__main__` whose spec is named `__main__` is left alone (as
    `python -m reader`'s `reader.__main__` is), so the spec says so while processes start.
    The processes of a pool all start here (`ProcessPool.executor`); one started later
    would import the script, as before, and work the same."""
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None \
            or not getattr(main, "__file__", None):
        yield
        return
    from importlib.machinery import ModuleSpec

    main.__spec__ = ModuleSpec("__main__", None)
    try:
        yield
    finally:
        main.__spec__ = None


@contextlib.contextmanager
def _stderr_by_number() -> Iterator[None]:
    """Let multiprocessing find a file number behind `sys.stderr` while it starts processes.

    The stdlib starts its resource tracker (the fork server's companion) with this process's
    stderr passed by number, `sys.stderr.fileno()`. Inside a Textual app `sys.stderr` is the
    app's print capture, whose number is -1, and the start fails ("bad value(s) in
    fds_to_keep"): the app could start no pool, so its refresh of many feeds failed. For the
    start, `sys.stderr` is os.devnull (what the tracker says goes to the file descriptor 2
    it inherits anyway); any other thread's print in those few ms is dropped, not drawn over
    the app. A usable stderr (a command's) is left as it is."""
    try:
        usable = sys.stderr is not None and sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):  # no fileno (io.UnsupportedOperation)
        usable = False
    if usable:
        yield
        return
    saved = sys.stderr
    with open(os.devnull, "w", encoding="utf-8") as sink:
        sys.stderr = sink
        try:
            yield
        finally:
            sys.stderr = saved


class ProcessPool:
    """`await pool.get()` (or `pool.executor()` from a thread) -> a started ProcessPoolExecutor.

    Thread-safe: the refresh's loop thread and the article fetcher's loop thread may ask at
    the same time and get the same executor."""

    def __init__(self, workers: int | None = None, *, memory_limit: int = MEMORY_LIMIT,
                 preload: Sequence[str] = PRELOAD, may_fork: bool = True) -> None:
        self.workers = max(1, workers or default_workers(cpu_count()))
        self.memory_limit = memory_limit
        self.preload = tuple(preload)
        self.may_fork = may_fork  # False: always the fork server
        self.starts = 0  # how many executors were started (a killed pool is started again)
        self.start_method = ""  # how the running (or last) executor's workers started
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False
        self._holders = 0  # users of the pool now (`hold`)

    @property
    def running(self) -> bool:
        return self._executor is not None

    def executor(self) -> ProcessPoolExecutor:
        """The running executor, started (and its workers ready) if need be. Blocks ~0.2 s
        when it starts one: call it from a thread, or use `get()` (`start_forked` calls it
        on a command's only thread, on purpose)."""
        with self._lock:
            if self._executor is not None:
                return self._executor
            if self._closed:
                raise RuntimeError("the worker pool was shut down")
            import multiprocessing
            from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor

            method = "fork" if self.may_fork and single_threaded() else "forkserver"
            context = multiprocessing.get_context(method)
            if method == "fork":  # loaded here first, the workers share it instead of each
                load((*PROCESS, *self.preload))  # loading its own copy
            else:
                context.set_forkserver_preload([*PROCESS, *self.preload])
            with _stderr_by_number():  # the executor's locks start the resource tracker
                executor = ProcessPoolExecutor(self.workers, mp_context=context,
                                               initializer=init_worker,
                                               initargs=(self.memory_limit, self.preload,
                                                         os.getpid() if method == "fork" else 0))
                # The submits start the fork server and the workers (forked: every worker at
                # the first, before the executor starts its thread). (With the fork server,
                # the resource tracker was started by the executor's locks, above: its start
                # unblocks SIGINT again.)
                try:
                    with _interrupts_held(), _script_not_rerun():
                        started = [executor.submit(_ready) for _ in range(self.workers)]
                except BaseException:  # a fork that failed after others worked: none is
                    kill_pool_workers(executor)  # left behind, for the exit to wait on
                    executor.shutdown(wait=False, cancel_futures=True)  # forever
                    raise
            with contextlib.suppress(BrokenProcessPool):
                for future in started:
                    future.result()
            self._executor = executor
            self.starts += 1
            self.start_method = method
            return executor

    def start_forked(self) -> bool:
        """Start the workers now, by forking this process, if it may (`single_threaded`);
        True if they run forked. For a command about to start its threads: a pool started
        later, from a thread, needs the fork server. Where processes cannot start (a
        sandbox, no /dev/shm) it is False, and the caller carries on as without a pool."""
        if self.running:
            return self.start_method == "fork"
        if not (self.may_fork and single_threaded()):
            return False
        try:
            self.executor()
        except START_FAILURES:  # told again by whoever needs the pool (the parser)
            return False
        return self.start_method == "fork"

    def hold(self) -> None:
        """A user (a refresh's parser, an extraction) may submit jobs from now until it calls
        `release`."""
        with self._lock:
            self._holders += 1

    def release(self) -> None:
        """The end of a `hold`. When nobody holds the pool any more and its workers came from
        the fork server (a process with threads: the app), they stop: idle, each would keep
        for the rest of the session the memory it grew to while parsing (~10-18 MB), and the
        fork server, which stays, makes new ones for the next job in a few ms. Forked workers
        stay: this process has threads by then and could not fork them again, and a command
        ends soon anyway."""
        with self._lock:
            self._holders -= 1
            if self._holders or self.start_method != "forkserver" or self._executor is None:
                return
            executor, self._executor = self._executor, None
        executor.shutdown(wait=False)

    def is_current(self, executor: ProcessPoolExecutor) -> bool:
        """Whether `executor` is still the one `get()` hands out (not discarded)."""
        return self._executor is executor

    async def get(self) -> ProcessPoolExecutor:
        """The running executor, started in a thread when there is none (the loop never
        waits on process start-up)."""
        executor = self._executor
        if executor is not None:
            return executor
        import asyncio  # already loaded by whoever awaits this; not by the command line

        return await asyncio.to_thread(self.executor)

    def discard(self, executor: ProcessPoolExecutor, *, kill: bool = False) -> None:
        """`executor` is broken (a worker died) or must die (`kill`: a job ran past its time):
        the next `get()` starts another. Jobs in flight on it end with BrokenProcessPool."""
        with self._lock:
            if self._executor is executor:
                self._executor = None
        if kill:
            kill_pool_workers(executor)
        executor.shutdown(wait=False, cancel_futures=True)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop the workers (waiting for jobs in flight with `wait`); `get()` then fails."""
        with self._lock:
            executor, self._executor = self._executor, None
            self._closed = True
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=True)
