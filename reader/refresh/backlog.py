"""How many downloaded feeds a refresh may hold at once: the main process's memory bound.

A body is held from its download until the writer has stored its stories (the body, then
the rows parsed from it), so what a refresh holds is the backlog, not the number of feeds.
Two things make a bound that only counts finished downloads leak: on a fast network every
fetch admitted while the backlog had room lands at once (measured: 37 bodies, 22 MB, held
under a bound of 8), and one large feed weighs as much as a hundred small ones. Hence:

* Room is counted in bytes (the body's size: the rows parsed from it grow with it) as well
  as in feeds, and a fetch takes its room *before* it starts when it is sure to bring a
  body: a feed with no ETag or Last-Modified cannot be answered "not modified". It reserves
  the size of a typical body seen so far; the true size replaces the guess on arrival.
* A conditional fetch reserves nothing (most answer 304 and hold nothing; a warm refresh
  keeps all its connections busy) and its body, when one comes, is counted on arrival.
* With nothing held, one fetch is always let through, however large its feed.
"""

from __future__ import annotations

import asyncio

FIRST_GUESS = 64 * 1024  # a body's size before any has arrived


class Backlog:
    """`await room.enter(sure)` before a fetch, then `arrived`/`nothing`, and `leave` once
    the feed is stored. Used on one event loop only."""

    def __init__(self, count: int, budget: int) -> None:
        self.count = max(1, count)
        self.budget = max(1, budget)
        self.feeds = 0  # bodies held (or reserved for)
        self.bytes = 0
        self.peak_feeds = 0
        self.peak_bytes = 0
        self._seen = 0
        self._seen_bytes = 0
        self._room = asyncio.Event()
        self._room.set()

    @property
    def typical(self) -> int:
        return self._seen_bytes // self._seen if self._seen else FIRST_GUESS

    def full(self, extra: int = 0) -> bool:
        if self.feeds == 0:
            return False
        return self.feeds >= self.count or self.bytes + extra > self.budget

    async def enter(self, sure: bool) -> int:
        """Wait for room; `sure`: the fetch will bring a body, so room for one is reserved.
        Returns the bytes reserved (hand them to `arrived` or `nothing`)."""
        guess = self.typical if sure else 0
        while self.full(guess):
            self._room.clear()
            await self._room.wait()
            guess = self.typical if sure else 0
        if sure:
            self._take(1, guess)
        return guess

    def arrived(self, reserved: int, size: int, *, sure: bool) -> None:
        """A body of `size` bytes came (reserved for when `sure`)."""
        self._seen += 1
        self._seen_bytes += size
        self._take(0 if sure else 1, size - reserved)

    def nothing(self, reserved: int, *, sure: bool) -> None:
        """The fetch brought no body (304, an error): give back what it reserved."""
        if sure:
            self.leave(reserved)

    def leave(self, size: int) -> None:
        """A held body (of `size` bytes as counted by `arrived`) is no longer held."""
        self.feeds -= 1
        self.bytes -= size
        self._room.set()

    def _take(self, feeds: int, size: int) -> None:
        self.feeds += feeds
        self.bytes += size
        self.peak_feeds = max(self.peak_feeds, self.feeds)
        self.peak_bytes = max(self.peak_bytes, self.bytes)
