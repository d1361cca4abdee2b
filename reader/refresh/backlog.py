"""How many downloaded feeds a refresh may hold at once: the main process's memory bound.

A body is held from its download until the writer has stored its stories (the body, then
the rows parsed from it), so what a refresh holds is the backlog, not the number of feeds.
Two things make a bound that only counts finished downloads leak: on a fast network every
fetch started while the backlog had room lands at once (measured: 37 bodies, 22 MB, held
under a bound of 8), and one large feed weighs as much as a hundred small ones. Hence:

* Room is counted in bytes (the body's size: the rows parsed from it grow with it) as well
  as in feeds, and no body is read before its room is taken (`Fetcher.fetch(before_body=)`,
  once the answer's headers say a body comes). A place reserves the size of a typical body
  seen so far; the true size replaces the guess on arrival.
* A fetch sure to bring a body (no ETag or Last-Modified: a first refresh) claims its place
  before it connects, so that only as many fetches run as the backlog can take: with
  every connection slot running, a host's four fetches wanted four connections at once,
  more than the pool keeps, and a cold refresh opened a connection per feed (200 for 200
  feeds on 50 hosts, against 50). A claim lapses when no answer has come after `PATIENCE`
  seconds: a host slow to answer (or hanging until the deadline) then holds its
  connections, not the backlog; two such hosts, four fetches each, filled it and stopped
  every other host's feeds. Its body, when it comes, waits for room like any other.
* A conditional fetch claims nothing before it connects (most answer 304 and hold nothing;
  a warm refresh keeps all its connections busy); a body it brings waits for room.
* Room that frees goes first to a fetch whose body waits for it: that fetch holds a
  connection (and its host's turn) until it reads the body, while a new claim would hold
  the room through a connect and a server's answer before using it.
* With nothing held, one body is always let through, however large its feed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

FIRST_GUESS = 64 * 1024  # a body's size before any has arrived
# Seconds a claim made before connecting waits for the answer's headers. Longer than a
# usual answer (tens to hundreds of ms), short beside the 30 s deadline a dead host uses up.
PATIENCE = 2.0


@dataclass(slots=True)
class Claim:
    """One fetch's place in the backlog: `reserved` bytes counted while `holds`."""

    holds: bool = False
    reserved: int = 0
    lapse: asyncio.TimerHandle | None = None


class Backlog:
    """Per fetch: `claim = Claim()`, `await room.claim(claim)` before connecting when it is
    sure to bring a body, `await room.before_body(claim)` before its body is read, then
    `arrived` (or `give_back` when no body came), and `leave` once the feed is stored. Used
    on one event loop only."""

    def __init__(self, count: int, budget: int, patience: float = PATIENCE) -> None:
        self.count = max(1, count)
        self.budget = max(1, budget)
        self.patience = patience
        self.feeds = 0  # bodies held (or places claimed)
        self.bytes = 0
        self.peak_feeds = 0
        self.peak_bytes = 0
        self.lapsed = 0  # claims given up on a host slow to answer
        self._seen = 0
        self._seen_bytes = 0
        self._bodies_waiting = 0  # fetches whose body waits in the socket for room
        self._room = asyncio.Event()
        self._room.set()

    @property
    def typical(self) -> int:
        return self._seen_bytes // self._seen if self._seen else FIRST_GUESS

    def full(self, extra: int = 0) -> bool:
        if self.feeds == 0:
            return False
        return self.feeds >= self.count or self.bytes + extra > self.budget

    async def claim(self, claim: Claim) -> None:
        """Wait for room and take a place for the body to come, for `patience` seconds."""
        await self._take_place(claim)
        claim.lapse = asyncio.get_running_loop().call_later(self.patience, self._lapse, claim)

    async def before_body(self, claim: Claim) -> None:
        """The answer's headers say a body comes: keep the claim, or wait for room, ahead
        of the fetches that have not connected yet."""
        self._keep(claim)
        if not claim.holds:
            self._bodies_waiting += 1
            try:
                await self._take_place(claim, ahead=True)
            finally:
                self._bodies_waiting -= 1
                if not self._bodies_waiting:
                    self._room.set()  # the claims held back for them may look again

    def arrived(self, claim: Claim, size: int) -> None:
        """The body came: `size` bytes replace the guess (they stay until `leave(size)`)."""
        self._seen += 1
        self._seen_bytes += size
        smaller = claim.holds and size < claim.reserved
        self._take(0 if claim.holds else 1, size - claim.reserved)
        claim.holds, claim.reserved = False, 0  # the body's, now
        if smaller:
            self._room.set()  # the guess was too large: what waits may fit now

    def give_back(self, claim: Claim) -> None:
        """No body came (304, an error, the refresh stopped): free the place, if any."""
        self._keep(claim)
        if claim.holds:
            claim.holds = False
            self.leave(claim.reserved)

    def leave(self, size: int) -> None:
        """A held body (of `size` bytes as counted by `arrived`) is no longer held."""
        self.feeds -= 1
        self.bytes -= size
        self._room.set()

    async def _take_place(self, claim: Claim, *, ahead: bool = False) -> None:
        guess = self.typical
        while self.full(guess) or (self._bodies_waiting and not ahead):
            self._room.clear()
            await self._room.wait()
            guess = self.typical
        self._take(1, guess)
        claim.holds, claim.reserved = True, guess

    def _keep(self, claim: Claim) -> None:
        if claim.lapse is not None:
            claim.lapse.cancel()
            claim.lapse = None

    def _lapse(self, claim: Claim) -> None:
        claim.lapse = None
        if claim.holds:
            self.lapsed += 1
            claim.holds = False
            self.leave(claim.reserved)

    def _take(self, feeds: int, size: int) -> None:
        self.feeds += feeds
        self.bytes += size
        self.peak_feeds = max(self.peak_feeds, self.feeds)
        self.peak_bytes = max(self.peak_bytes, self.bytes)
