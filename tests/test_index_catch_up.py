"""A refresh defers the search index; a search, or the catch-up, brings it back in step.

`Store.batch(defer_index=True)` leaves the stories it writes in the index's queue. Other
writes still index what they change before they commit, without taking the deferred notes
along (a mark-as-read after a cold refresh must not index 10,000 stories). Whatever happens to
a story while it waits (updated, deleted, its source renamed), the catch-up indexes it as it
is then, and forgets the words the index held for it before.
"""

from __future__ import annotations

from pathlib import Path

from reader.models import View
from reader.refresh import refresh
from reader.store import Store
from reader.store.rows import story_row
from tests.feedserver import FeedServer, feed_server  # noqa: F401 - the fixture
from tests.helpers.stories import assert_in_step, hits, story

FEED = Path(__file__).parent / "fixtures" / "feeds" / "rss20.xml"


def queued(store: Store) -> int:
    return int(store.db.conn().execute("SELECT COUNT(*) FROM fts_queue").fetchone()[0])


def test_a_deferred_batch_is_searchable_after_the_catch_up(store: Store) -> None:
    source = store.add_source("feed", "https://a.example/feed", "A")
    with store.batch(defer_index=True):
        store.upsert_entries(source.id, [story_row(story(n, "harbour")) for n in range(1, 6)])
    assert not hits(store, "harbour") and store.index.pending() and queued(store) == 5
    assert store.index.catch_up(step=2) == 5  # three short transactions
    assert len(hits(store, "harbour")) == 5 and not store.index.pending()
    assert_in_step(store)


def test_a_search_catches_the_index_up_first(store: Store) -> None:
    source = store.add_source("feed", "https://a.example/feed", "A")
    with store.batch(defer_index=True):
        store.upsert_entries(source.id, [story(n, "lighthouse") for n in range(1, 4)])
    assert store.views.count(View(search="lighthouse")) == 3
    assert [h.title for h in store.views.headlines(View(search="lighthouse"), 0, 10)]
    assert not store.index.pending()
    assert store.views.count(View()) == 3 and queued(store) == 0  # plain views never index


def test_other_writes_index_their_own_changes_and_leave_the_deferred_ones(store: Store) -> None:
    feed = store.add_source("feed", "https://a.example/feed", "A")
    other = store.add_source("feed", "https://b.example/feed", "B")
    with store.batch(defer_index=True):
        store.upsert_entries(feed.id, [story(n, "deferred") for n in range(1, 4)])
    store.upsert_entries(other.id, [story(9, "immediate")])
    assert hits(store, "immediate") and not hits(store, "deferred")
    assert queued(store) == 3
    store.set_read([1, 2], True)
    assert queued(store) == 3
    store.index.catch_up()
    assert len(hits(store, "deferred")) == 3
    assert_in_step(store)


def test_stories_changed_while_they_wait_are_indexed_as_they_are(store: Store) -> None:
    source = store.add_source("feed", "https://a.example/feed", "A")
    store.upsert_entries(source.id, [story(n, "old") for n in range(1, 5)])
    assert len(hits(store, "old")) == 4  # indexed before the deferred refresh
    with store.batch(defer_index=True):
        store.upsert_entries(source.id, [story(1, "new"), story(2, "new"), story(5, "fresh")])
    store.upsert_entries(source.id, [story(2, "newer")])  # an ordinary write meanwhile
    store.db.conn().execute("DELETE FROM stories WHERE key IN ('k3', 'k5')")
    store.update_source(source.id, title="Renamed")
    store.index.catch_up(step=1)
    assert hits(store, "old") == set(key_ids(store, "k4"))
    assert hits(store, "new") == set(key_ids(store, "k1"))
    assert hits(store, "newer") == set(key_ids(store, "k2"))
    assert not hits(store, "fresh") and hits(store, "renamed")
    assert_in_step(store)


def key_ids(store: Store, *keys: str) -> list[int]:
    rows = store.db.conn().execute(
        f"SELECT id FROM stories WHERE key IN ({','.join('?' * len(keys))})", keys)
    return [r[0] for r in rows]


def test_a_refresh_defers_and_the_catch_up_indexes(
        store: Store, feed_server: FeedServer) -> None:  # noqa: F811 - the fixture
    feed_server.route("/feed.xml", FEED.read_bytes(), content_type="application/rss+xml")
    source = store.add_source("feed", feed_server.url("/feed.xml"), "Gazette")
    [outcome] = refresh(store, [source])
    assert outcome.ok and outcome.new > 0
    assert queued(store) == outcome.new and not hits(store, "lighthouse")
    store.index.catch_up()
    assert hits(store, "lighthouse") and not store.index.pending()
    for story_id, title in store.db.conn().execute("SELECT id, title FROM stories"):
        word = max(title.split(), key=len).strip("“”\"',.").lower()
        assert story_id in hits(store, word), title
