"""Tiny Tiny RSS's JSON API (`URL/api/`), as the engine's `Backend`.

Every call is a JSON POST through `reader.sources.fetch.Fetcher`, so the API gets the same
connect timeout, total deadline, size cap, redirect rules and words for network failures as
feed fetching. An answer that is not `{"status": .., "content": ..}` JSON is "not TT-RSS's
API", told with what came instead; a session that expired is logged in again once.

Paging: getHeadlines gives at most 200 stories a call, and TT-RSS does real work for every
row it returns (a query for attachments and a parse of the story's HTML for its picture, even
without the text), so what costs is rows, not calls. Pages are asked for several at once
(`WINDOW`, about the workers a server runs), the story text unsanitised (newsreader sanitises
it itself). Paging by offset is sound though many stories share a date: the orders named
here sort by dates alone, but TT-RSS selects `DISTINCT ON (id, <the order's columns>)`, so
PostgreSQL sorts by the id after them and every page's query puts the rows in one total order
(tests/sync/test_paging.py). The engine asks for new stories with `since_id` (ids only
grow) and, to find what changed, for the counts of every feed in one call (getCounters), the
stories read on the server in the last day (the virtual feed "recently read": TT-RSS stamps
every read with its time), the starred stories most recently starred first, and the ids of
one feed or of all. Read and starred changes go in batches: updateArticle takes a list of ids.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from reader.sources.fetch import Fetcher
from reader.sources.fetcherrors import FetchError
from reader.sync.base import (
    FeedCounts,
    RemoteFeed,
    RemoteState,
    RemoteStory,
    Subscribed,
    SyncError,
)

PAGE = 200  # the most getHeadlines returns at once
WINDOW = 4  # pages asked for at once: about the workers a TT-RSS server runs
STARRED_PAGE = 50  # the starred list is read from its top until it tells nothing new
RECENT_S = 86_400.0  # how far back TT-RSS's "recently read" reaches
MARK_BATCH = 1000  # ids per updateArticle call
_FIELDS = {"starred": 0, "read": 2}  # updateArticle's field numbers ("read" is "unread" there)
_SUBSCRIBE_CODES = {
    2: "the server finds the address invalid",
    3: "the server found no feed at that address",
    4: "the server found several feeds at that address",
    5: "the server could not download it",
    6: "the server could not download it",
    7: "the server refuses it",
}


class TtrssBackend:
    """One TT-RSS account; use as `async with`."""

    recent_s = RECENT_S

    def __init__(self, url: str, user: str, password: str, fetcher: Fetcher) -> None:
        base = url.strip()
        if not base.rstrip("/").endswith("/api"):
            base = base.rstrip("/") + "/api"
        self.api = base.rstrip("/") + "/"
        self.user = user
        self._password = password
        self._fetcher = fetcher
        self._sid = ""

    async def __aenter__(self) -> TtrssBackend:
        await self._fetcher.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._fetcher.aclose()

    # -- the exchange ------------------------------------------------------------------------
    async def _call(self, op: str, retry: bool = True, **params: Any) -> Any:
        payload = {"op": op, **params}
        if op != "login":
            payload["sid"] = self._sid
        try:
            result = await self._fetcher.post_json(self.api, payload)
        except FetchError as exc:
            raise SyncError(f"cannot reach the sync server {self.api}: {exc}") from None
        reply = self._decode(result.body or b"", result.content_type)
        if reply.get("status") == 0:
            return reply.get("content")
        content = reply.get("content")
        error = content.get("error", "") if isinstance(content, dict) else ""
        if error == "NOT_LOGGED_IN" and retry and op != "login":
            await self.login()
            return await self._call(op, retry=False, **params)
        raise self._refused(op, str(error))

    def _decode(self, body: bytes, content_type: str) -> dict[str, Any]:
        try:
            reply = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            reply = None
        if not isinstance(reply, dict) or "status" not in reply or "content" not in reply:
            kind = content_type.split(";")[0].strip() or "no content type"
            start = " ".join(body[:60].decode("utf-8", "replace").split())
            raise SyncError(f"the answer from {self.api} is not Tiny Tiny RSS's JSON API "
                            f"({kind}: {start!r}); check url in [sync]")
        return reply

    def _refused(self, op: str, error: str) -> SyncError:
        if error == "LOGIN_ERROR":
            return SyncError(f"the sync server refused the user name or password for "
                             f"{self.user!r} (wrong password?)")
        if error == "API_DISABLED":
            return SyncError(f"API access is off for {self.user!r} on the sync server: turn "
                             "on \"Enable API\" in TT-RSS's Preferences")
        return SyncError(f"the sync server refused {op}: {error or 'no reason given'}")

    # -- the Backend methods -----------------------------------------------------------------
    async def login(self) -> None:
        content = await self._call("login", user=self.user, password=self._password)
        sid = content.get("session_id") if isinstance(content, dict) else None
        if not isinstance(sid, str) or not sid:
            raise SyncError(f"the answer from {self.api} to login has no session; is it "
                            "Tiny Tiny RSS?")
        self._sid = sid

    async def feeds(self) -> list[RemoteFeed]:
        categories, feeds = await asyncio.gather(
            self._call("getCategories", include_empty=True), self._call("getFeeds", cat_id=-3))
        names = {int(c["id"]): str(c.get("title") or "") for c in _rows(categories)
                 if int(c.get("id", 0)) > 0}
        return [RemoteFeed(id=int(f["id"]), url=str(f.get("feed_url") or ""),
                           title=str(f.get("title") or ""),
                           folder=names.get(int(f.get("cat_id") or 0), ""))
                for f in _rows(feeds) if int(f.get("id", 0)) > 0 and f.get("feed_url")]

    async def _pages(self, params: dict[str, Any], page: int = PAGE,
                     expect: int | None = None) -> AsyncIterator[list[dict[str, Any]]]:
        """getHeadlines rows, each page as it arrives, up to `WINDOW` pages in flight. With no
        `expect`ed count the first page goes alone (most answers fit in one); a full page
        asks for the next ones. A page that comes back short is the last."""
        pending: dict[asyncio.Task[Any], int] = {}
        skip = 0
        ended = False

        def ask() -> None:
            nonlocal skip
            pending[asyncio.ensure_future(self._call(
                "getHeadlines", limit=page, skip=skip, **params))] = skip
            skip += page

        def top_up() -> None:
            while len(pending) < WINDOW and (expect is None or skip <= expect):
                ask()

        try:
            ask()
            if expect is not None:
                top_up()
            while pending:
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    del pending[task]
                    rows = _rows(task.result())
                    if len(rows) < page:
                        ended = True
                    elif not ended:
                        if not pending:
                            ask()  # more than expected: go on
                        top_up()
                    if rows:
                        yield rows
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    async def stories(self, since_id: int, feed_id: int | None = None
                      ) -> AsyncIterator[list[RemoteStory]]:
        seen: set[int] = set()
        params = dict(feed_id=-4 if feed_id is None else feed_id, view_mode="all_articles",
                      since_id=since_id, show_content=True, include_attachments=False,
                      order_by="date_reverse", sanitize=False)
        async for rows in self._pages(params):
            # Offsets shift when a story arrives between two pages: one may come twice.
            fresh = [s for s in map(_story, rows) if s.id not in seen]
            seen.update(s.id for s in fresh)
            if fresh:
                yield fresh

    async def _ids(self, feed_id: int, view_mode: str, expect: int | None = None
                   ) -> frozenset[int]:
        ids: set[int] = set()
        async for rows in self._pages(dict(feed_id=feed_id, view_mode=view_mode,
                                           show_content=False, show_excerpt=False),
                                      expect=expect):
            ids.update(int(r["id"]) for r in rows)
        return frozenset(ids)

    async def state(self) -> RemoteState:
        counts = await self._call("getCounters")
        totals = {row.get("id"): row for row in _rows(counts) if "kind" not in row}
        unread = int(totals.get(-4, {}).get("counter") or 0)
        starred = int(totals.get(-1, {}).get("markedcounter") or 0)
        both = await asyncio.gather(self._ids(-4, "unread", unread),
                                    self._ids(-1, "all_articles", starred))
        return RemoteState(unread=both[0], starred=both[1])

    async def unread(self, feed_id: int, expect: int | None = None) -> frozenset[int]:
        return await self._ids(feed_id, "unread", expect)

    async def starred(self, feed_id: int, expect: int | None = None) -> frozenset[int]:
        return await self._ids(feed_id, "marked", expect)

    async def states_of(self, ids: Iterable[int]) -> dict[int, tuple[bool, bool]]:
        # getArticle skips the per-row parse getHeadlines does: a third of its cost a story,
        # though it sends the text along. As few calls as `PAGE` allows (each costs the
        # server a boot), the ids shared evenly, so they end together (320: 160 + 160, not
        # 200 + 120).
        chosen = sorted(set(ids))
        calls = -(-len(chosen) // PAGE)
        size = max(1, -(-len(chosen) // max(1, calls)))
        batches = await asyncio.gather(*(
            self._call("getArticle", article_id=",".join(map(str, chosen[i:i + size])),
                       sanitize=False) for i in range(0, len(chosen), size)))
        return {int(r["id"]): (not r.get("unread", False), bool(r.get("marked", False)))
                for batch in batches for r in _rows(batch)}

    async def counts(self) -> dict[int, FeedCounts]:
        counts: dict[int, FeedCounts] = {}
        for row in _rows(await self._call("getCounters")):
            # Feeds are the rows with a positive id and no "kind" (categories have one).
            if isinstance(row["id"], int) and row["id"] > 0 and "kind" not in row:
                counts[row["id"]] = FeedCounts(int(row.get("counter") or 0),
                                               int(row.get("markedcounter") or 0))
        return counts

    async def recently_read(self) -> dict[int, int]:
        read: dict[int, int] = {}
        async for rows in self._pages(dict(feed_id=-6, view_mode="all_articles",
                                           show_content=False, show_excerpt=False)):
            read.update((int(r["id"]), int(r.get("feed_id") or 0)) for r in rows)
        return read

    async def recently_starred(self) -> AsyncIterator[list[tuple[int, int]]]:
        skip = 0
        while True:  # one page at a time: the engine stops reading once it has seen enough
            rows = _rows(await self._call(
                "getHeadlines", feed_id=-1, view_mode="all_articles", limit=STARRED_PAGE,
                skip=skip, show_content=False, show_excerpt=False))
            if rows:
                yield [(int(r["id"]), int(r.get("feed_id") or 0)) for r in rows]
            if len(rows) < STARRED_PAGE:
                return
            skip += len(rows)

    async def mark(self, ids: Iterable[int], field: str, value: bool) -> None:
        chosen = sorted(set(ids))
        mode = int(value) if field == "starred" else int(not value)  # read = not unread
        for start in range(0, len(chosen), MARK_BATCH):
            batch = chosen[start:start + MARK_BATCH]
            await self._call("updateArticle", article_ids=",".join(map(str, batch)),
                             mode=mode, field=_FIELDS[field])

    async def subscribe(self, url: str, folder: str) -> Subscribed:
        category = 0
        if folder:
            for row in _rows(await self._call("getCategories", include_empty=True)):
                if str(row.get("title") or "") == folder and int(row.get("id", 0)) > 0:
                    category = int(row["id"])
        content = await self._call("subscribeToFeed", feed_url=url, category_id=category)
        status = content.get("status") if isinstance(content, dict) else None
        code = int(status.get("code", -1)) if isinstance(status, dict) else -1
        if code in (0, 1):  # already subscribed / subscribed now
            feed = status.get("feed_id") if isinstance(status, dict) else None
            return Subscribed(feed_id=int(feed) if feed else None)
        return Subscribed(error=_SUBSCRIBE_CODES.get(code, f"the server answered code {code}"))

    async def unsubscribe(self, feed_id: int) -> None:
        try:
            await self._call("unsubscribeFeed", feed_id=feed_id)
        except SyncError as exc:
            if "FEED_NOT_FOUND" not in str(exc):  # gone already: what was asked for
                raise


def _rows(content: Any) -> list[dict[str, Any]]:
    if not isinstance(content, list):
        raise SyncError("the sync server answered with something other than a list")
    return [row for row in content if isinstance(row, dict) and "id" in row]


def _story(row: dict[str, Any]) -> RemoteStory:
    updated = row.get("updated")
    return RemoteStory(
        id=int(row["id"]), feed_id=int(row.get("feed_id") or 0), guid=str(row.get("guid") or ""),
        title=str(row.get("title") or ""), link=str(row.get("link") or ""),
        author=str(row.get("author") or ""),
        published=float(updated) if isinstance(updated, int | float) and updated > 0 else None,
        content_html=str(row.get("content") or ""), read=not row.get("unread", False),
        starred=bool(row.get("marked", False)))
