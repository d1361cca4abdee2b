"""One coroutine on an event loop of its own, in a helper thread, feeding a synchronous caller.

A refresh's network half and the whole-article fetcher both run many fetches at once on
asyncio while their caller (the thread that writes SQLite, or a UI worker) stays
synchronous. Both need the same four things, kept here once:

* the loop runs in a daemon thread, and its task can be cancelled from the caller's thread
  (`stop`: cancel, then join), also before the coroutine has started;
* a callback can be handed to the loop from the caller's thread (`call_soon`), and is
  dropped once the loop has ended;
* what the coroutine puts on `out` reaches the caller in order, then `DONE`;
* a crash of the coroutine reaches the caller as `Crashed(exc)` before `DONE`, to raise
  there; a cancellation is a plain end.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

DONE = object()  # the last item on `out`: the coroutine ended, however it ended


@dataclass(slots=True)
class Crashed:
    """On `out` just before `DONE`: the coroutine raised `exc`."""

    exc: BaseException


class LoopThread:
    """`LoopThread(main, name)`; `start()`; read `out` until `DONE`; `stop()` at the end.

    `main()` makes the coroutine; it runs as the loop's one task."""

    def __init__(self, main: Callable[[], Coroutine[Any, Any, None]], name: str) -> None:
        self.out: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._main = main
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = threading.Event()  # the loop and its task are set (or never will be)

    def start(self) -> None:
        """Start the thread; returns once the loop runs (`call_soon` and `stop` reach it)."""
        self._thread.start()
        self._ready.wait()

    def call_soon(self, callback: Callable[..., object], *args: object) -> None:
        """Run `callback(*args)` on the loop, from any thread; nothing once the loop ended."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(callback, *args)

    def stop(self) -> None:
        """Cancel the coroutine if it still runs, and wait for the thread to end."""
        if not self._thread.is_alive():
            return
        self._ready.wait()
        task = self._task
        if task is not None and not task.done():
            self.call_soon(task.cancel)
        self._thread.join()

    def _run(self) -> None:
        try:
            asyncio.run(self._started())
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # handed to the caller's thread
            self.out.put(Crashed(exc))
        finally:
            self._ready.set()
            self.out.put(DONE)

    async def _started(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._ready.set()
        await self._main()
