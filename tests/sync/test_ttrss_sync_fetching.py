"""Two-way sync against a real Tiny Tiny RSS (tests/sync/conftest.py brings it up): fetching.

How a sync finds what changed and fetches it at scale: pages read several at once, changes
spotted by TT-RSS's stamps or the daily listing of ids, a first sync taken up after a kill,
API calls overlapped to save round trips, feed titles written only when they change, and the
search index catching up. Kept apart from test_ttrss_sync.py, which covers what a sync
carries each way, because these tests check the cost and order of the work, not just its
result.
"""

from __future__ import annotations

import time

from reader.sources.fetch import Fetcher, FetchResult
from reader.store import Store
from reader.store import sync_state as state
from reader.sync import SyncProgress, sync
from reader.sync.ttrss import TtrssBackend
from tests.sync.conftest import PASSWORD, Account


def cache_state(store: Store) -> dict[int, tuple[bool, bool]]:
    """Remote story id -> (read, starred) as the cache has it."""
    return {int(r): (bool(a), bool(b)) for r, a, b in store.db.conn().execute(
        "SELECT r.remote_id, s.read, s.starred FROM remote_stories r "
        "JOIN stories s ON s.id = r.story_id")}


def test_pages_read_several_at_once_lose_nothing(account: Account, store: Store) -> None:
    feeds = [account.feed(f"Feed {n}", f"https://f{n}.example.org/feed.xml") for n in range(3)]
    made = {}
    for n, feed in enumerate(feeds):  # 1,150 stories: six pages of 200, several in flight
        for story in account.stories(feed, 250 + 50 * n, start=0):
            made[story] = (False, False)
        for story in account.stories(feed, 50, start=1000, read=True, starred=n == 1):
            made[story] = (True, n == 1)

    first = sync(store, account.settings, password=PASSWORD)

    assert first.ok, first.error
    assert first.new_stories == first.fetched == len(made) == 1050
    assert cache_state(store) == made
    added = account.stories(feeds[2], 450, start=2000)  # three more pages

    second = sync(store, account.settings, password=PASSWORD)

    assert second.ok, second.error
    assert (second.new_stories, second.pulled) == (450, 0)
    assert set(cache_state(store)) == set(made) | set(added)


def test_a_second_sync_sees_a_read_and_an_unread_in_one_feed(account: Account,
                                                             store: Store) -> None:
    """The feed's unread and starred counts do not move, so only the stamps TT-RSS puts on
    reads and stars (recently read, the starred list's order) tell what changed."""
    feed = account.feed("Wire", "https://wire.example.org/feed.xml")
    other = account.feed("Other", "https://other.example.org/feed.xml")
    a, b = account.stories(feed, 2)
    c, d = account.stories(feed, 2, start=2, read=True, starred=True)
    quiet = account.stories(other, 3)
    assert sync(store, account.settings, password=PASSWORD).ok
    account.set(a, read=True)
    account.set(c, read=False)
    account.set(b, starred=True)
    account.set(d, starred=False)

    report = sync(store, account.settings, password=PASSWORD)

    assert report.ok, report.error
    assert (report.pulled, report.pushed) == (4, 0)
    states = cache_state(store)
    assert [states[x] for x in (a, b, c, d)] == [(True, False), (False, True), (False, True),
                                                 (True, False)]
    assert all(states[x] == (False, False) for x in quiet)


def test_a_change_no_count_shows_is_found_by_the_daily_listing(account: Account,
                                                              store: Store) -> None:
    """A read and an unread in one feed made without TT-RSS's stamps (a plugin, SQL by
    hand) leave the counts as they were; the listing of every id, at least once in 20
    hours, finds them."""
    feed = account.feed("Wire", "https://wire.example.org/feed.xml")
    a, b = account.stories(feed, 2)
    (c,) = account.stories(feed, 1, start=2, read=True)
    assert sync(store, account.settings, password=PASSWORD).ok
    account.set(a, read=True, stamped=False)
    account.set(c, read=False, stamped=False)

    soon = sync(store, account.settings, password=PASSWORD)

    assert soon.ok and soon.pulled == 0  # nothing a count or a stamp can show
    store.set_meta(state.STATE_LISTED_AT, repr(time.time() - 21 * 3600))

    later = sync(store, account.settings, password=PASSWORD)

    assert later.ok, later.error
    assert later.pulled == 2
    states = cache_state(store)
    assert [states[x][0] for x in (a, b, c)] == [True, False, False]


def test_a_first_sync_killed_midway_is_taken_up_again(account: Account, store: Store) -> None:
    feed = account.feed("Wire", "https://wire.example.org/feed.xml")
    made = account.stories(feed, 1000)

    def kill_after_first_page(step: SyncProgress) -> None:
        if step.stage == "new stories" and step.done >= 200:
            account.server.kill()

    cut = sync(store, account.settings, password=PASSWORD, progress=kill_after_first_page)

    assert not cut.ok
    assert 200 <= cut.new_stories < 1000
    kept = sorted(cache_state(store))
    account.server.start()
    account.set(kept[0], read=True)  # changed on the server between the two tries
    account.set(kept[1], starred=True)

    again = sync(store, account.settings, password=PASSWORD)

    assert again.ok, again.error
    assert cut.new_stories + again.new_stories == 1000
    states = cache_state(store)
    assert set(states) == set(made)
    assert states[kept[0]] == (True, False) and states[kept[1]] == (False, True)
    assert sum(read or starred for read, starred in states.values()) == 2


class RecordingFetcher(Fetcher):
    """The real fetcher, noting when each API call starts and ends (op, feed, since_id)."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[str, tuple[object, ...]]] = []

    async def post_json(self, url: str, payload: object) -> FetchResult:
        assert isinstance(payload, dict)
        call = (payload["op"], payload.get("feed_id"), payload.get("since_id"))
        self.log.append(("start", call))
        try:
            return await super().post_json(url, payload)
        finally:
            self.log.append(("end", call))


def test_a_second_sync_asks_for_counts_alongside_the_new_stories(account: Account,
                                                                 store: Store) -> None:
    """Counts, recent reads and new stars do not depend on the new stories' page, so they
    are asked for while it is on its way: a round trip less, and the result is the same."""
    feed = account.feed("Wire", "https://wire.example.org/feed.xml")
    a, b = account.stories(feed, 2)
    assert sync(store, account.settings, password=PASSWORD).ok
    (c,) = account.stories(feed, 1, start=2)
    account.set(a, read=True)
    account.set(b, starred=True)
    fetcher = RecordingFetcher()
    backend = TtrssBackend(account.settings.url, account.settings.user, PASSWORD, fetcher)

    report = sync(store, account.settings, backend=backend)

    assert report.ok, report.error
    assert (report.new_stories, report.pulled) == (1, 2)
    assert cache_state(store) == {a: (True, False), b: (False, True), c: (False, False)}
    pages = next(call for _, call in fetcher.log if call[0] == "getHeadlines" and call[2])
    counts = ("getCounters", None, None)
    assert fetcher.log.index(("start", counts)) < fetcher.log.index(("end", pages))


def test_feed_titles_are_written_once_and_only_when_they_change(account: Account,
                                                                store: Store) -> None:
    """A title the cache stores cleaned (no trailing space) is not taken for a rename on
    every sync, and renames on the server are one write (one rewrite of the subscriptions
    file), not one per feed."""
    feeds = [account.feed(f"Wire {n} ", f"https://w{n}.example.org/feed.xml") for n in range(3)]
    assert sync(store, account.settings, password=PASSWORD).ok
    changed: list[bool] = []
    store.on_sources_changed = lambda: changed.append(True)

    quiet = sync(store, account.settings, password=PASSWORD)

    assert quiet.ok, quiet.error
    assert changed == []
    for feed in feeds[:2]:
        account.server.sql(f"UPDATE ttrss_feeds SET title = 'Renamed ' || id WHERE id = {feed};")

    renamed = sync(store, account.settings, password=PASSWORD)

    assert renamed.ok, renamed.error
    assert changed == [True]
    titles = {s.title for s in store.sources()}
    assert titles == {f"Renamed {feeds[0]}", f"Renamed {feeds[1]}", "Wire 2"}


def test_a_second_sync_asks_for_the_feeds_alongside_the_new_stories(account: Account,
                                                                    store: Store) -> None:
    """The feed list goes out with the new stories' page, and the page waits for it before
    it is stored: a feed new to the cache still gets its stories, older ones too (stories
    another user of the server had, with ids below the last sync's)."""
    wire = account.feed("Wire", "https://wire.example.org/feed.xml")
    account.stories(wire, 1)
    older = [int(x) for x in account.server.sql(
        "INSERT INTO ttrss_entries (title, guid, link, updated, content, content_hash, "
        "date_entered, date_updated, author) SELECT 'Shared ' || n, "
        f"'{account.login}-shared-' || n, "
        "'https://shared.example.org/' || n, NOW(), '<p>Shared.</p>', 's' || n, NOW(), NOW(), "
        "'' FROM generate_series(1, 2) AS n RETURNING id;").split()]
    assert sync(store, account.settings, password=PASSWORD).ok
    shared = account.feed("Shared", "https://shared.example.org/feed.xml")
    account.server.sql(
        "INSERT INTO ttrss_user_entries (ref_id, feed_id, owner_uid, unread, marked, uuid, "
        f"tag_cache, label_cache) SELECT id, {shared}, {account.uid}, true, false, '', '', '' "
        f"FROM ttrss_entries WHERE id IN ({older[0]}, {older[1]});")
    (fresh,) = account.stories(shared, 1, start=10)
    (news,) = account.stories(wire, 1, start=1)
    fetcher = RecordingFetcher()
    backend = TtrssBackend(account.settings.url, account.settings.user, PASSWORD, fetcher)

    report = sync(store, account.settings, backend=backend)

    assert report.ok, report.error
    assert (report.sources_added, report.new_stories) == (1, 4)
    assert set(older + [fresh, news]) <= set(cache_state(store))
    assert {s.location for s in store.sources()} == {"https://wire.example.org/feed.xml",
                                                     "https://shared.example.org/feed.xml"}
    page = next(call for _, call in fetcher.log if call[0] == "getHeadlines" and call[2])
    assert fetcher.log.index(("start", page)) < fetcher.log.index(
        ("end", ("getFeeds", None, None)))


def test_stories_a_sync_stores_are_found_by_a_search(account: Account, store: Store) -> None:
    """A sync leaves the search index to catch up later, as a refresh does; a search catches
    it up first, so it never misses a story."""
    from reader.models import View

    feed = account.feed("Wire", "https://wire.example.org/feed.xml")
    account.stories(feed, 2)

    assert sync(store, account.settings, password=PASSWORD).ok

    assert store.index.pending()  # nothing indexed while the sync ran
    assert store.views.count(View(search="body")) == 2
    assert not store.index.pending()
