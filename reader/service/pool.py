"""The program's one process pool, for feed parsing and whole-article extraction alike.

Both are CPU work that must leave the UI's process (and its GIL) alone; one pool means a
refresh that also keeps whole articles runs one set of workers, not two, on a small machine.
It is made on first use, its processes start only when a job needs them
(`reader.workerpool.ProcessPool`; a command's refresh that surely needs them starts them
before its threads, to fork them), in the app they stop again when no job holds the pool,
and it is shut down at exit: by the command line when a command or the app ends, and by
`atexit` for any other caller.
"""

from __future__ import annotations

import atexit
import threading

from reader.workerpool import ProcessPool

_lock = threading.Lock()
_pool: ProcessPool | None = None
_registered = False


def shared_pool() -> ProcessPool:
    """The pool every service call parses and extracts in (no process runs until a job
    needs one)."""
    global _pool, _registered
    with _lock:
        if _pool is None:
            _pool = ProcessPool()
            if not _registered:
                atexit.register(shutdown_pool)
                _registered = True
        return _pool


def shutdown_pool() -> None:
    """Stop the pool's workers, if it ever started any; a later call makes a new pool."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown()
