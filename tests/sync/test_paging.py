"""Paging through TT-RSS's articles when many share one timestamp, against a real TT-RSS.

The engine pages getHeadlines by offset. The order it asks for names a date alone
(`order_by=date_reverse` is `ORDER BY updated`), and with a date alone PostgreSQL puts rows
that share one in another order in each page's query: on the stories below, seven pages of
`ORDER BY updated` by hand gave 1,071 distinct ids of 1,300. TT-RSS's query is
`SELECT DISTINCT ON (id, <the order's columns>)`, which makes PostgreSQL sort by the id after
them, so its order is total and paging by offset is sound. These tests hold it to that: every
article arrives once, and every id is listed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from reader.sources.fetch import Fetcher
from reader.store import Store
from reader.sync import sync
from reader.sync.base import RemoteStory
from reader.sync.ttrss import TtrssBackend
from tests.sync.conftest import PASSWORD, Account

SHARED = "TIMESTAMP '2024-05-01 12:00' + (n % 3) * INTERVAL '1 minute'"


def same_time_stories(account: Account, feed: int, count: int, *, start: int = 0,
                      unread: str = "true") -> list[int]:
    """`count` stories of `feed` that share three dates between them (as undated feeds'
    articles get the moment they were fetched). `unread` is SQL on the series number `n`."""
    return account.stories(feed, count, start=start, dated=SHARED, unread=unread,
                           author="Same Time")


def cached_remote_ids(store: Store) -> list[int]:
    return sorted(int(r) for (r,) in store.db.conn().execute(
        "SELECT remote_id FROM remote_stories"))


def test_articles_sharing_one_timestamp_arrive_once_each(account: Account,
                                                        store: Store) -> None:
    feed = account.feed("Undated", "https://undated.example.org/feed.xml")
    made = same_time_stories(account, feed, 1300)  # seven pages of 200, all one date

    report = sync(store, account.settings, password=PASSWORD)

    assert report.ok, report.error
    assert cached_remote_ids(store) == made
    assert report.new_stories == report.fetched == len(made)
    titles = [t for (t,) in store.db.conn().execute("SELECT title FROM stories")]
    assert len(titles) == len(set(titles)) == len(made)

    added = same_time_stories(account, feed, 450, start=5000)  # a second sync's pages
    second = sync(store, account.settings, password=PASSWORD)

    assert second.ok, second.error
    assert second.new_stories == len(added)
    assert cached_remote_ids(store) == sorted(made + added)


def test_every_unread_id_is_listed_when_many_share_one_timestamp(account: Account) -> None:
    feed = account.feed("Undated", "https://undated.example.org/feed.xml")
    made = same_time_stories(account, feed, 1000, unread="n % 4 <> 0")
    unread = {i for n, i in enumerate(made, start=1) if n % 4}  # 750: four pages

    async def listed() -> frozenset[int]:
        async with TtrssBackend(account.server.url, account.login, PASSWORD,
                                Fetcher()) as backend:
            await backend.login()
            return await backend.unread(feed, expect=len(unread))

    assert asyncio.run(listed()) == unread



class UnsubscribeBetweenPages(TtrssBackend):
    """One order a server may run concurrent requests in: the new stories' first page, then an
    unsubscribe, then the later pages. An unsubscribe that comes while the pages are being
    read waits for the first page; the later pages wait for it."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.paging, self.first_page = asyncio.Event(), asyncio.Event()
        self.unsubscribed = asyncio.Event()

    async def stories(self, since_id: int, feed_id: int | None = None
                      ) -> AsyncIterator[list[RemoteStory]]:
        self.paging.set()
        async for page in super().stories(since_id, feed_id):
            yield page

    async def _call(self, op: str, **params: object) -> object:
        if op == "getHeadlines" and params.get("feed_id") == -4 and params.get("since_id"):
            if params.get("skip"):
                await self.unsubscribed.wait()
            try:
                return await super()._call(op, **params)
            finally:
                self.first_page.set()
        return await super()._call(op, **params)

    async def unsubscribe(self, feed_id: int) -> None:
        if self.paging.is_set():
            await self.first_page.wait()
        await super().unsubscribe(feed_id)
        self.unsubscribed.set()


def test_a_feed_removed_here_does_not_hide_the_new_stories_of_others(account: Account,
                                                                   store: Store) -> None:
    keep = account.feed("Keep", "https://keep.example.org/feed.xml")
    drop = account.feed("Drop", "https://drop.example.org/feed.xml")
    account.stories(keep, 1)
    account.stories(drop, 1)
    assert sync(store, account.settings, password=PASSWORD).ok
    kept = account.stories(keep, 500, start=10)  # pages of 200, the two feeds' dates interleaved
    account.stories(drop, 500, start=10)
    dropped = store.source_by_location("https://drop.example.org/feed.xml")
    assert dropped is not None
    store.remove_source(dropped.id)
    backend = UnsubscribeBetweenPages(account.settings.url, account.settings.user, PASSWORD,
                                      Fetcher())

    report = sync(store, account.settings, backend=backend)

    assert report.ok, report.error
    have = {int(r) for (r,) in store.db.conn().execute("SELECT remote_id FROM remote_stories")}
    assert [k for k in kept if k not in have] == []
