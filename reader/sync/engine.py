"""`sync()`: one two-way sync with the configured server, for the CLI and the app alike.

The order, and why:

1. Log in (a bad password or a disabled API stops here, before anything changes).
2. Subscriptions: the server's feeds become sources (its categories their folders), feeds
   the server dropped go, feeds removed here are unsubscribed there, and feeds added here
   since the first sync are subscribed there.
3. New stories, by `since_id`: a second sync reads the text of new stories only. A feed new
   to the cache is read whole once (its stories may be older than `since_id`). Each page
   says whether its stories are read and starred, so a first sync lists no ids after it.
   The first page is asked for while step 2 is on its way, and stored once it is done.
4. The server's read/starred state, compared with what the last sync saw (which side
   changed) and with the queue of local changes. Listing every id costs the server as much
   as reading the stories, so it is done only every `LIST_EVERY_S`; in between, per-feed
   counts, the stories read lately and the newly starred say what changed (`_Run.changed`),
   and only the feeds whose counts still disagree are listed. On a second sync those three
   are asked for alongside the feed list and the new stories' page (none needs another,
   and a round trip is most of such a sync's time); the state read time is taken before
   any is asked. What the counts leave open is looked at in one more round trip.
5. Local changes go to the server in batches; each is dropped from the queue only once the
   server accepted it.

Every step commits on its own, so a server that dies mid-sync loses nothing: what arrived
is kept, the queue still holds what was not sent, and the next sync takes up from there.

Conflicts: when a story changed on both sides since the last sync, the later change wins.
The server does not say when a story was read or starred there, only that it changed since
the state was last read (`STATE_READ_AT`). A local change made before that read is the
earlier one for certain, and the server's wins. A local change made after it cannot be
ordered against the server's, and is taken as the later: it was made on this machine since
the reader last saw the server, and it is the one being sent now.

`sync()` is synchronous, like `refresh()`: the CLI calls it directly and the app from a
thread worker; the network runs on an asyncio loop of its own inside.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from reader.extract import first_paragraph
from reader.models import LOCAL_ORIGIN, Entry
from reader.sanitize import clean_line, clip_teaser, is_safe_url, sanitize_html
from reader.sources.fetch import Fetcher, fetcher_kwargs
from reader.store import Store, StoreError
from reader.store import sync_state as state
from reader.sync.base import (
    Backend,
    FeedCounts,
    Progress,
    RemoteFeed,
    RemoteStory,
    SyncError,
    SyncProgress,
    SyncReport,
    SyncSettings,
    resolve_password,
)

BACKENDS = ("ttrss",)
LIST_EVERY_S = 20 * 3600.0  # every id is listed at least this often (what counts cannot see)
MARGIN_S = 3600.0  # kept from the end of the server's "recently read" window
STARRED_RUN = 20  # stars the last sync saw, one after another: the newer ones were above
LOOK_RATIO = 3  # a story looked at costs TT-RSS about a third of one listed


def sync(store: Store, settings: SyncSettings, *, progress: Progress | None = None,
         password: str | None = None, fetcher_options: dict[str, Any] | None = None,
         backend: Backend | None = None, clock: Callable[[], float] = time.time
         ) -> SyncReport:
    """Sync the cache with the server `settings` name; never raises for a failure the user
    can act on (a bad password, a dead server, a full disk): the report's `error` says it."""
    report = SyncReport()
    try:
        if backend is None:
            backend = make_backend(settings, password, fetcher_options)
        asyncio.run(_Run(store, settings, backend, report, progress, clock).run())
    except SyncError as exc:
        report.error = str(exc)
    except StoreError as exc:
        report.error = str(exc)
    try:
        report.pending = state.pending(store)
        if report.error:
            store.set_meta(state.LAST_ERROR, report.error)
        else:
            report.finished = clock()
            store.set_meta(state.LAST_SUCCESS, repr(report.finished))
            store.set_meta(state.LAST_ERROR, "")
    except StoreError as exc:
        report.error = report.error or str(exc)
    return report


def make_backend(settings: SyncSettings, password: str | None = None,
                 fetcher_options: dict[str, Any] | None = None) -> Backend:
    if not settings.configured:
        raise SyncError("no sync server is configured: set backend and url in [sync]")
    if settings.backend not in BACKENDS:
        raise SyncError(f"unknown sync backend {settings.backend!r} (known: "
                        f"{', '.join(BACKENDS)})")
    if password is None:
        password = resolve_password(settings)
    from reader.sync.ttrss import TtrssBackend

    return TtrssBackend(settings.url, settings.user, password,
                        Fetcher(**fetcher_kwargs(fetcher_options)))


class _Run:
    """One sync's steps; each writes the cache in its own transactions."""

    def __init__(self, store: Store, settings: SyncSettings, backend: Backend,
                 report: SyncReport, progress: Progress | None,
                 clock: Callable[[], float]) -> None:
        self.store = store
        self.settings = settings
        self.backend = backend
        self.report = report
        self.progress = progress
        self.clock = clock
        self.origin = settings.backend or "remote"

    def tell(self, stage: str, done: int = 0, total: int = 0) -> None:
        if self.progress is not None:
            self.progress(SyncProgress(stage, done, total))

    async def run(self) -> None:
        try:
            self.tell("logging in")
            await self.backend.login()
            state.start_account(self.store, self.settings.account, self.clock())
            self.tell("subscriptions")
            # Sent before any page is asked for: the server pages by offset, and a feed
            # unsubscribed between two pages would slide the later rows under the offset.
            await self.send_subscription_changes()
            seen, listed, reads = await self.new_stories(self.subscriptions())
            await self.states(seen, listed, reads)
        finally:
            await self.backend.aclose()

    # -- 2. subscriptions ----------------------------------------------------------------------
    async def send_subscription_changes(self) -> None:
        """The feeds removed and added here since the last sync, told to the server."""
        for seq, remote_id in state.feed_queue(self.store):
            await self.backend.unsubscribe(remote_id)
            state.drop_feed_queue(self.store, [seq])
        for source_id, url, folder in state.local_feeds_to_subscribe(self.store):
            result = await self.backend.subscribe(url, folder)
            if result.error:
                self.report.problems.append(f"not subscribed on the server to {url}: "
                                            f"{result.error}; it stays a feed fetched here")
                self.store.update_source(source_id, origin="local")

    async def subscriptions(self) -> list[int]:
        """The server's feeds applied to the cache; returns the remote ids of feeds new to
        it. Runs beside the new stories' first page (`new_stories`)."""
        feeds = await self.backend.feeds()
        known = state.remote_sources(self.store)
        fresh: list[int] = []
        updates: list[tuple[int, dict[str, object]]] = []
        for feed in feeds:
            if feed.id in known:
                updates.append((known[feed.id], self._changes(known[feed.id], feed)))
                continue
            source = self.store.source_by_location(feed.url)
            if source is not None and source.origin == LOCAL_ORIGIN:
                continue  # the user keeps this feed out of sync: it is fetched here
            fresh.append(feed.id)
            if source is None:
                source = self.store.add_source("feed", feed.url, feed.title, feed.folder)
                self.report.sources_added += 1
            state.link_source(self.store, source.id, feed.id, self.origin)
            updates.append((source.id, self._changes(source.id, feed)))
        # One write, and one rewrite of the subscriptions file, for all of them.
        self.store.update_sources([(source_id, fields) for source_id, fields in updates
                                   if fields])
        listed = {feed.id for feed in feeds}
        gone = [source_id for remote_id, source_id in known.items() if remote_id not in listed]
        if gone:
            state.remove_sources(self.store, gone)
            self.report.sources_removed += len(gone)
        return fresh

    def _changes(self, source_id: int, feed: RemoteFeed) -> dict[str, object]:
        """What of the source differs from the server's feed. The title is held against the
        server's as the cache would store it (a trailing space, say, is not stored), else it
        would differ, and be written, on every sync."""
        source = self.store.get_source(source_id)
        if source is None:
            return {}
        fields: dict[str, object] = {}
        title = clean_line(feed.title)
        if title and title != source.title:
            fields["title"] = title
        if feed.folder != source.folder:
            fields["folder"] = feed.folder
        if source.status != "ok" or source.last_error:
            fields.update(status="ok", last_error="")
        return fields

    # -- 3. new stories ------------------------------------------------------------------------
    async def new_stories(self, subscribed: Awaitable[list[int]]
                          ) -> tuple[dict[int, tuple[bool, bool]], float | None, _Reads | None]:
        """Returns what the pages said of each story's state (remote id -> (read, starred));
        after a first sync's complete read, when it started: that read listed the state of
        every story, so no listing of ids follows it; and on a second sync the server's
        counts, recent reads and new stars (`_Reads`).

        `subscribed` is step 2 (it returns the feeds new to the cache). On a second sync it,
        the new stories' page and `_reads` are asked for at once: none needs another's
        answer, and a round trip is most of such a sync's time. A page is stored only once
        step 2 is done (a story may belong to a feed it adds)."""
        since = int(self.store.get_meta(state.SINCE_ID, "0") or 0)
        first = since == 0
        started = self.clock()
        sources: dict[int, int] = {}
        seen: dict[int, tuple[bool, bool]] = {}
        tally = [since, 0]  # the highest id the since_id read saw, the stories read
        feeds_done: asyncio.Future[list[int]]

        async def ready() -> list[int]:
            fresh = await feeds_done
            if not sources:
                sources.update(state.remote_sources(self.store))
            return fresh

        async def read(feed_id: int | None) -> None:
            async for page in self.backend.stories(0 if feed_id is not None else since,
                                                   feed_id):
                await ready()
                by_source: dict[int, list[tuple[int, Entry, bool, bool]]] = {}
                for story in page:
                    source_id = sources.get(story.feed_id)
                    if feed_id is None:
                        # Only the since_id read moves `since`: a story a whole read of a
                        # new feed sees may be newer than one the since_id read has not.
                        tally[0] = max(tally[0], story.id)
                    if source_id is None:
                        continue  # a story of a feed the server did not list (archived)
                    seen[story.id] = (story.read, story.starred)
                    by_source.setdefault(source_id, []).append(
                        (story.id, _entry(story), story.read, story.starred))
                # One transaction a page; the search index catches up later, as after a
                # refresh (reader.store.search.index: a search never sees the lag).
                with self.store.batch(defer_index=True):
                    for source_id, items in by_source.items():
                        self.report.new_stories += state.store_stories(self.store, source_id,
                                                                       items)
                tally[1] += len(page)
                self.report.fetched += len(page)
                self.tell("new stories", tally[1], 0)

        async def pages() -> None:
            await read(None)
            for feed_id in [] if first else await ready():
                await read(feed_id)  # a feed new to the cache is read whole: its stories
                # may be older than `since`

        reads: _Reads | None = None
        at = self.clock()  # taken before the reads: see "Conflicts" above
        listing = first or self._list_due(at, None)
        # The page's task first: it is the first to ask, the longest answer of a second sync.
        # `pages` reads `feeds_done` (in `ready`) only after its first await, when it is set.
        story_task = asyncio.ensure_future(pages())
        feeds_done = asyncio.ensure_future(subscribed)
        if listing:
            # After a first sync's pages (minutes) the reads come after them.
            await _together(story_task, feeds_done)
        else:
            reads = (await _together(story_task, feeds_done, self._reads(at)))[2]
        self.store.set_meta(state.SINCE_ID, str(tally[0]))
        return seen, started if first else None, reads

    def _list_due(self, now: float, listed: float | None) -> bool:
        """Whether every id is listed now rather than the changes read (`changed`)."""
        if listed is None:
            listed = float(self.store.get_meta(state.STATE_LISTED_AT, "0") or 0)
        return not 0 <= now - listed < min(LIST_EVERY_S, self.backend.recent_s - MARGIN_S)

    async def _reads(self, at: float) -> _Reads:
        """The server's counts, the stories read lately and the newly starred, all at once.

        The starred list is read from its top until `STARRED_RUN` stars in a row that the
        last sync saw: the newer ones were above them."""
        starred: set[int] = set()

        async def newly_starred() -> None:
            run = 0
            known: dict[int, bool] | None = None  # remote id -> starred when last seen
            async for page in self.backend.recently_starred():
                if known is None:  # read while the other answers are on their way
                    known = state.remote_stars(self.store)
                for remote_id, _ in page:
                    starred.add(remote_id)
                    if known.get(remote_id):
                        run += 1
                    elif remote_id in known:
                        run = 0
                if run >= STARRED_RUN:
                    return

        counts, recent, _ = await asyncio.gather(
            self.backend.counts(), self.backend.recently_read(), newly_starred())
        return _Reads(at, counts, frozenset(recent), frozenset(starred))

    # -- 4 and 5. read and starred, both ways ----------------------------------------------------
    async def states(self, seen: dict[int, tuple[bool, bool]], listed: float | None,
                     reads: _Reads | None = None) -> None:
        self.tell("read and starred")
        read_before = float(self.store.get_meta(state.STATE_READ_AT, "0") or 0)
        now = self.clock() if reads is None else reads.at
        mapped = state.mapped_stories(self.store)
        # The server's state of each story: what the last sync saw, unless told otherwise.
        server = {m.remote_id: [m.remote_read, m.remote_starred] for m in mapped}
        for remote_id, (read, starred) in seen.items():
            if remote_id in server:
                server[remote_id] = [read, starred]
        if listed is not None:
            self.store.set_meta(state.STATE_LISTED_AT, repr(listed))
        if reads is None and self._list_due(now, listed):
            remote = await self.backend.state()
            for remote_id, known in server.items():
                known[:] = [remote_id not in remote.unread, remote_id in remote.starred]
            self.store.set_meta(state.STATE_LISTED_AT, repr(now))
        else:
            await self.changed(mapped, server, reads or await self._reads(now))
        self.store.set_meta(state.STATE_READ_AT, repr(now))
        queue = state.queued(self.store)
        waits = {story_id for story_id, _ in queue}
        pull: list[tuple[int, str, bool]] = []
        overridden: list[state.Queued] = []
        push: dict[tuple[str, bool], list[tuple[int, int, int | None]]] = {}
        for story in mapped:
            now_read, now_starred = server[story.remote_id]
            if (now_read == story.read == story.remote_read
                    and now_starred == story.starred == story.remote_starred
                    and story.story_id not in waits):
                continue  # nothing changed on either side: most stories, every sync
            for field, value in (("read", now_read), ("starred", now_starred)):
                here = getattr(story, field)
                known = getattr(story, f"remote_{field}")
                waiting = queue.get((story.story_id, field))
                server_changed = value != known
                local_changed = waiting is not None or here != known
                if not local_changed:
                    if server_changed:
                        pull.append((story.story_id, field, value))
                        self.report.pulled += 1
                    continue
                if here == value:  # both sides agree: nothing to send
                    pull.append((story.story_id, field, here))
                    if waiting is not None:
                        overridden.append(waiting)
                    continue
                if server_changed:
                    self.report.conflicts += 1
                    if waiting is None or waiting.changed <= read_before:
                        pull.append((story.story_id, field, value))
                        self.report.pulled += 1
                        if waiting is not None:
                            overridden.append(waiting)
                        continue
                push.setdefault((field, here), []).append(
                    (story.story_id, story.remote_id, waiting.seq if waiting else None))
        state.apply_remote(self.store, pull, overridden)
        total = sum(len(items) for items in push.values())
        sent = 0
        self.tell("sending changes", sent, total)
        for (field, value), items in push.items():
            await self.backend.mark([remote_id for _, remote_id, _ in items], field, value)
            state.accepted(self.store, [(story_id, field, value, seq)
                                        for story_id, _, seq in items])
            sent += len(items)
            self.report.pushed += len(items)
            self.tell("sending changes", sent, total)

    async def changed(self, mapped: list[state.Mapped], server: dict[int, list[bool]],
                      reads: _Reads) -> None:
        """What changed on the server since the last sync, without listing every id.

        Per feed, the server's unread and starred counts (one call) are held against the
        cache's. A count alone misses a read and an unread in one feed, so first the stories
        read on the server lately (TT-RSS stamps every read) and the newly starred ones (the
        starred list starts with them) are applied: what a count still disagrees with after
        that is a story made unread or unstarred, found by looking at that feed's read (or
        starred) stories or by listing its ids. A change TT-RSS did not stamp (a plugin, SQL
        by hand) that a count cannot see waits for the listing of every id (LIST_EVERY_S)."""
        counts = reads.counts
        for remote_id in reads.recent:
            if remote_id in server:
                server[remote_id][0] = True
        for remote_id in reads.starred:
            if remote_id in server:
                server[remote_id][1] = True
        here: dict[int, list[int]] = {}
        members: dict[int, list[int]] = {}
        for story in mapped:
            is_read, is_starred = server[story.remote_id]
            tally = here.setdefault(story.remote_feed, [0, 0])
            tally[0] += not is_read
            tally[1] += is_starred
            members.setdefault(story.remote_feed, []).append(story.remote_id)
        asks: list[Awaitable[tuple[int, str, frozenset[int]]]] = []
        candidates: list[int] = []  # stories to look at one by one
        for feed, stories in members.items():
            if feed <= 0:
                continue  # stories of a source no longer linked to a feed of the server
            there = counts.get(feed, FeedCounts(0, 0))
            unread, starred = here[feed]
            # More unread there than here: stories this cache has as read were made unread
            # (reads were applied above). Looking at those is cheaper than listing the
            # feed's unread ones when there are not many more of them.
            known_read = [r for r in stories if server[r][0]]
            if there.unread > unread and len(known_read) <= LOOK_RATIO * there.unread:
                candidates += known_read
            elif there.unread != unread:
                asks.append(_tagged(feed, "read", self.backend.unread(feed, there.unread)))
            if there.starred < starred:  # stars taken off: look at the starred ones
                candidates += [r for r in stories if server[r][1]]
            elif there.starred != starred:
                asks.append(_tagged(feed, "starred", self.backend.starred(feed, there.starred)))
        listed, looked = await asyncio.gather(asyncio.gather(*asks),
                                              self.backend.states_of(candidates))
        for feed, field, ids in listed:
            for remote_id in members[feed]:
                if field == "read":
                    server[remote_id][0] = remote_id not in ids
                else:
                    server[remote_id][1] = remote_id in ids
        for remote_id, (read, starred) in looked.items():
            if remote_id in server:
                server[remote_id][:] = [read, starred]

@dataclass(frozen=True, slots=True)
class _Reads:
    """What `_Run._reads` asked the server, and when: the state read time."""

    at: float
    counts: dict[int, FeedCounts]
    recent: frozenset[int]
    starred: frozenset[int]


async def _together(*steps: Awaitable[Any]) -> list[Any]:
    """All at once, their results in order; when one fails the others are stopped, not left
    writing the cache or using the connection after the sync."""
    tasks = [asyncio.ensure_future(step) for step in steps]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()  # the first failure, if any
        return [task.result() for task in tasks]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _tagged(feed: int, field: str, ids: Awaitable[frozenset[int]]
                  ) -> tuple[int, str, frozenset[int]]:
    return feed, field, await ids


def _entry(story: RemoteStory) -> Entry:
    link = story.link if is_safe_url(story.link) else ""
    body = sanitize_html(story.content_html, base_url=link or None)
    lead = first_paragraph(body)
    title = story.title or (clip_teaser(lead, 100) if lead else link or "(untitled)")
    return Entry(key=f"remote:{story.id}", title=title, body_html=body, lead=lead, link=link,
                 author=story.author, published=story.published)
