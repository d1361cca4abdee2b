"""The refresh's tickets go to the waiting feed first in the refresh's order, and a ticket
is never lost to a feed cancelled while it waited."""

from __future__ import annotations

import asyncio

from reader.refresh.tickets import Tickets


async def _served(tickets: Tickets, positions: list[int], order: list[int]) -> None:
    """Each position asks, in the order given, while the single ticket is held; the holder
    then lets go, and each waiter holds it for one turn of the loop."""
    async def one(position: int) -> None:
        async with tickets.take(position):
            order.append(position)
            await asyncio.sleep(0)

    async with tickets.take(-1):
        tasks = [asyncio.create_task(one(p)) for p in positions]
        await asyncio.sleep(0)  # every task is waiting now
    await asyncio.gather(*tasks)


async def test_a_free_ticket_goes_to_the_earliest_feed_not_the_first_to_ask() -> None:
    order: list[int] = []
    await _served(Tickets(1), [7, 2, 9, 4], order)
    assert order == [2, 4, 7, 9]


async def test_equal_places_are_served_first_come() -> None:
    tickets = Tickets(1)
    names: list[str] = []

    async def one(name: str) -> None:
        async with tickets.take(3):
            names.append(name)
            await asyncio.sleep(0)

    async with tickets.take(0):
        tasks = [asyncio.create_task(one(n)) for n in "abc"]
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert names == ["a", "b", "c"]


async def test_a_cancelled_waiter_neither_holds_nor_loses_a_ticket() -> None:
    tickets = Tickets(1)
    got: list[str] = []

    async def one(name: str, position: int) -> None:
        async with tickets.take(position):
            got.append(name)
            await asyncio.sleep(0)

    async with tickets.take(0):
        gone = asyncio.create_task(one("gone", 1))  # would be next
        later = asyncio.create_task(one("later", 2))
        await asyncio.sleep(0)
        gone.cancel()
    await asyncio.gather(later)
    assert gone.cancelled() and got == ["later"]
    async with tickets.take(5):  # the ticket came back
        got.append("after")
    assert got == ["later", "after"]


async def test_a_waiter_cancelled_once_handed_the_ticket_gives_it_back() -> None:
    tickets = Tickets(1)
    holder = tickets.take(0)
    await holder.__aenter__()
    handed = asyncio.create_task(_hold(tickets, 1))
    await asyncio.sleep(0)  # waiting
    await holder.__aexit__(None, None, None)  # hands the ticket to `handed` ...
    handed.cancel()  # ... which is cancelled before it runs again
    await asyncio.gather(handed, return_exceptions=True)
    assert handed.cancelled()
    async with asyncio.timeout(5):  # the ticket is free again, not held by no one
        async with tickets.take(2):
            pass


async def _hold(tickets: Tickets, position: int) -> None:
    async with tickets.take(position):
        await asyncio.sleep(0)
