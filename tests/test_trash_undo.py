"""Undo of a source removal, against a real feed on 127.0.0.1 and a real cache file.

What must come back with the source: its stories with their marks, and the tombstones of the
stories retention removed, so the next refresh does not bring those back as new. And the undo
must work when SQLite has meanwhile handed the source's (or its stories') ids to new rows.
"""

# ruff: noqa: F811 - the feed_server fixture is imported and then used as an argument
from __future__ import annotations

from collections.abc import Mapping
from email.utils import formatdate
from pathlib import Path

from reader.models import Entry, View
from reader.refresh import refresh
from reader.store import Store
from reader.store.retention import DAY, RetentionPolicy, apply_retention, tombstoned
from reader.store.trash import put_back, take_out
from tests.feedserver import FeedServer, feed_server  # noqa: F401

NOW = 1_732_700_000.0


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def rss(items: Mapping[str, float]) -> str:
    """A feed carrying one item per key, published `age` days before NOW."""
    body = "".join(f"<item><guid>{key}</guid><title>Story {key}</title>"
                   f"<pubDate>{formatdate(NOW - age * DAY, usegmt=True)}</pubDate>"
                   f"<description>About {key}.</description></item>"
                   for key, age in items.items())
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>Feed</title>{body}" \
           "</channel></rss>"


def titles(store: Store, source_id: int) -> set[str]:
    return {h.title for h in store.views.headlines(View(source_id=source_id), 0, 100)}


def test_stories_retention_removed_stay_gone_after_remove_and_undo(
        tmp_path: Path, feed_server: FeedServer) -> None:
    clock = Clock(NOW - 100 * DAY)
    store = Store(tmp_path / "cache.sqlite3", clock=clock)
    old = {"old-1": 90, "old-2": 80, "old-3": 70}
    feed_server.route("/feed", rss(old), etag='"v1"')
    source = store.add_source("feed", feed_server.url("/feed"), "Feed")
    [first] = refresh(store, [source])
    assert first.ok and first.new == 3
    clock.now = NOW - DAY  # a later refresh brings one new story
    feed_server.route("/feed", rss({**old, "new-1": 0.5}), etag='"v2"')
    [second] = refresh(store, [source])
    assert second.new == 1
    store.set_read([h.id for h in store.views.headlines(View(), 0, 100)])
    clock.now = NOW
    assert apply_retention(store, RetentionPolicy(max_age_days=30)).removed == 3
    assert titles(store, source.id) == {"Story new-1"}
    assert {key.rsplit("/", 1)[-1] for key in tombstoned(store, source.id)} == set(old)
    stones = tombstoned(store, source.id)

    removed = take_out(store, source.id)
    assert removed is not None and store.get_source(source.id) is None
    assert tombstoned(store, source.id) == set()  # they went with the source ...
    assert put_back(store, removed)
    assert tombstoned(store, source.id) == stones  # ... and came back with it

    # The feed changed (a new story), so it is read and stored again in full: the stories
    # retention removed are still in it, and must not return.
    feed_server.route("/feed", rss({**old, "new-1": 0.5, "new-2": 0.1}), etag='"v3"')
    [third] = refresh(store, [store.get_source(source.id)])  # type: ignore[list-item]
    assert third.ok and third.new == 1
    assert titles(store, source.id) == {"Story new-1", "Story new-2"}
    assert store.views.counts()["unread"] == 1  # only the really new story is unread
    store.close()


def numbered(prefix: str, count: int, start: float) -> list[Entry]:
    return [Entry(key=f"{prefix}-{n}", title=f"{prefix} {n}", body_html=f"<p>{prefix} {n}</p>",
                  published=start + n) for n in range(count)]


def removed_with_marks(store: Store) -> tuple[int, dict[str, tuple[bool, bool]], object]:
    """A source with a read story, a starred one and a tombstone, removed (the newest source
    and the newest stories: the ids SQLite gives out next)."""
    other = store.add_source("file", "/news/other.txt", "Other")
    store.upsert_entries(other.id, numbered("other", 3, NOW - 1000))
    gone = store.add_source("feed", "https://gone.example/feed", "Gone")
    store.upsert_entries(gone.id, numbered("gone", 4, NOW))
    heads = {h.title: h.id for h in store.views.headlines(View(source_id=gone.id), 0, 10)}
    store.set_read([heads["gone 0"]])
    store.set_starred(heads["gone 1"], True)
    with store.db.write() as conn:  # what retention leaves behind (reader.store.retention)
        conn.execute("INSERT INTO removed_stories (source_id, key, removed) "
                     "VALUES (?, 'gone-9', ?)", (gone.id, NOW))
    marks = {t: (s.read, s.starred) for t, i in heads.items()
             if (s := store.story(i)) is not None}
    removed = take_out(store, gone.id)
    assert removed is not None
    return gone.id, marks, removed


def assert_back(store: Store, marks: dict[str, tuple[bool, bool]]) -> int:
    [back] = [s for s in store.sources() if s.location == "https://gone.example/feed"]
    stories = {h.title: store.story(h.id)
               for h in store.views.headlines(View(source_id=back.id), 0, 10)}
    assert {t: (s.read, s.starred) for t, s in stories.items() if s is not None} == marks
    assert (back.total, back.unread) == (4, 3)  # the per-source counters follow
    assert tombstoned(store, back.id) == {"gone-9"}
    assert store.views.count(View(search="gone")) == 4  # searchable again
    store.upsert_entries(back.id, [Entry(key="gone-9", title="gone 9", body_html="",
                                                   published=NOW)])
    assert store.views.count(View(source_id=back.id)) == 4  # the tombstone still holds
    return back.id


def test_undo_after_a_new_source_took_the_removed_ones_id(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3", clock=lambda: NOW)
    gone_id, marks, removed = removed_with_marks(store)
    newcomer = store.add_source("feed", "https://new.example/feed", "Newcomer")
    assert newcomer.id == gone_id  # SQLite gave the freed id out again
    assert put_back(store, removed)  # type: ignore[arg-type]
    back = assert_back(store, marks)
    assert back != newcomer.id
    assert store.get_source(newcomer.id) is not None and store.views.count(
        View(source_id=newcomer.id)) == 0  # the newcomer got none of the stories
    store.close()


def test_undo_after_a_refresh_stored_stories_under_the_removed_ids(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3", clock=lambda: NOW)
    _gone_id, marks, removed = removed_with_marks(store)
    other = store.sources()[0]
    store.upsert_entries(other.id, numbered("fresh", 3, NOW - 500))  # takes the freed ids
    fresh = {h.title for h in store.views.headlines(View(source_id=other.id), 0, 10)}
    assert put_back(store, removed)  # type: ignore[arg-type]
    assert_back(store, marks)
    assert {h.title for h in store.views.headlines(View(source_id=other.id), 0, 10)} == fresh
    assert store.views.counts()["all"] == 3 + 3 + 4
    store.close()
