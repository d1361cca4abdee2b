"""The refresh's connection tickets, handed out in the refresh's order, not the asking order.

A feed takes its host's turn (one of the host's few slots) before a ticket, so that a feed
waiting for a busy host holds nothing the other hosts need. With first-come tickets that
cost a host with many feeds its place: each of its next feeds got the host's turn only as
the last one ended, then queued behind every other host's feeds, and that host's share of
the refresh came last (simulated: a host of 100 feeds among 59 of 8, 1.29 -> 1.96 s). Here
a free ticket goes to the waiting feed that comes first in the refresh's order
(`interleave_hosts`), which keeps each host's feeds spread over the refresh as it was meant.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections.abc import AsyncIterator


class Tickets:
    """At most `count` holders at once; `async with tickets.take(position):`. Used on one
    event loop only."""

    def __init__(self, count: int) -> None:
        self._free = max(1, count)
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._asked = 0  # breaks ties between equal positions: first asked, first served

    @contextlib.asynccontextmanager
    async def take(self, position: int) -> AsyncIterator[None]:
        if self._free and not self._waiting:
            self._free -= 1
        else:
            handed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._asked += 1
            heapq.heappush(self._waiting, (position, self._asked, handed))
            try:
                await handed
            except asyncio.CancelledError:
                if handed.done() and not handed.cancelled():  # handed over, then cancelled
                    self._release()
                raise
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiting:
            _, _, handed = heapq.heappop(self._waiting)
            if not handed.done():  # (a waiter that was cancelled is skipped)
                handed.set_result(None)
                return
        self._free += 1
