"""What httpcore's locks ask of anyio, answered by asyncio's own primitives.

Under asyncio, httpcore makes each connection's locks, each waiting request's event and its
cleanup's cancel shields through anyio (`httpcore._synchronization`). The first of them
imports anyio's asyncio backend (~13 ms of CPU and ~1.7 MB in every refresh), and each one
then looks up the running backend again. `reader.lowlevel.httpcore_on_asyncio` hands
httpcore this object in anyio's place: a refresh of 200 feeds that all answer 304 takes
~9% less CPU, a cold one's peak is 1-2 MB lower (bench/README.md).

Each name keeps anyio's meaning for the way httpcore calls it:

* `Lock()`, `Event()`: asyncio's; httpcore only acquires and releases, sets and waits.
* `Semaphore(n, max_value=n)`: a bounded asyncio semaphore (HTTP/2's streams).
* `fail_after(None)`, around a request's wait for a connection: nothing to time. The
  fetcher sets no pool timeout (its own deadline bounds the whole exchange); a client that
  does gets anyio's, which httpcore turns into PoolTimeout.
* `CancelScope(shield=True)`: httpcore shields closing a connection from cancellation. On
  `reader.sources.netstream` closing never waits (it aborts or closes the transport, and an
  HTTP/1.1 connection serves one request at a time, so its state lock is never contended):
  no cancellation can land inside, and the scope needs to do nothing (tests/test_netlocks.py
  checks that closing never suspends). A client that tunnels through a proxy keeps anyio:
  its connections close through anyio's streams, which do wait.
* Any other name, or another use of these (an unbounded semaphore, a scope that cancels), is
  anyio's own: a release of httpcore that asks for more still works, at anyio's cost
  (that test then fails).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from typing import Any


class AnyioOnAsyncio:
    """Stands in for the `anyio` module inside `httpcore._synchronization`."""

    Lock = asyncio.Lock
    Event = asyncio.Event

    @staticmethod
    def fail_after(delay: float | None) -> Any:
        if delay is not None:
            return _anyio().fail_after(delay)
        return contextlib.nullcontext()

    @staticmethod
    def Semaphore(initial_value: int, *, max_value: int | None = None) -> Any:
        if max_value != initial_value:
            return _anyio().Semaphore(initial_value, max_value=max_value)
        return asyncio.BoundedSemaphore(initial_value)

    @staticmethod
    def CancelScope(*, shield: bool = False, **options: Any) -> Any:
        if not shield or options:
            return _anyio().CancelScope(shield=shield, **options)
        return contextlib.nullcontext()

    def __getattr__(self, name: str) -> Any:
        return getattr(_anyio(), name)


def _anyio() -> Any:
    """anyio itself, for whatever is asked here other than the above."""
    return importlib.import_module("anyio")


ANYIO_ON_ASYNCIO = AnyioOnAsyncio()
