"""The helper thread that runs a refresh's network half and the whole-article fetcher: what
the coroutine puts arrives in order, then DONE; a crash arrives as Crashed before it; stop()
cancels a coroutine that would otherwise never end; a callback after the end is dropped."""

from __future__ import annotations

import asyncio
import threading

from reader.loopthread import DONE, Crashed, LoopThread


def _drain(runner: LoopThread) -> list[object]:
    items = []
    while (item := runner.out.get(timeout=30)) is not DONE:
        items.append(item)
    return items


def test_what_the_coroutine_puts_arrives_in_order_then_done() -> None:
    async def main() -> None:
        for i in range(3):
            runner.out.put(i)

    runner = LoopThread(main, "test-loop")
    runner.start()
    assert _drain(runner) == [0, 1, 2]
    runner.stop()


def test_a_crash_reaches_the_caller_before_done() -> None:
    async def main() -> None:
        runner.out.put("first")
        raise ValueError("the feed server vanished")

    runner = LoopThread(main, "test-loop")
    runner.start()
    first, crashed = _drain(runner)
    assert first == "first"
    assert isinstance(crashed, Crashed)
    assert isinstance(crashed.exc, ValueError) and str(crashed.exc) == "the feed server vanished"
    runner.stop()


def test_stop_cancels_a_coroutine_that_would_never_end() -> None:
    cancelled = threading.Event()

    async def main() -> None:
        try:
            await asyncio.Event().wait()  # nothing ever sets it
        except asyncio.CancelledError:
            cancelled.set()
            raise

    runner = LoopThread(main, "test-loop")
    runner.start()
    runner.stop()  # returns only once the thread has ended
    assert cancelled.is_set()
    assert _drain(runner) == []  # a cancellation is a plain end: no Crashed


def test_call_soon_runs_on_the_loop_and_is_dropped_once_it_ended() -> None:
    ran_on: list[str] = []
    proceed = threading.Event()

    async def main() -> None:
        await asyncio.to_thread(proceed.wait)

    runner = LoopThread(main, "test-loop")
    runner.start()
    runner.call_soon(lambda: ran_on.append(threading.current_thread().name))
    proceed.set()
    assert _drain(runner) == []
    runner.stop()
    runner.call_soon(lambda: ran_on.append("after the end"))  # neither runs nor raises
    assert ran_on == ["test-loop"]
