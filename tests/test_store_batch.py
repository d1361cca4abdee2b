"""Batched writes (`Store.batch`) and rows prepared by parser workers (`reader.store.rows`).

A cold refresh stores many feeds in one transaction with a savepoint per feed; the search
index is fed the text a worker computed. These tests check what that must not change: each
feed is still all-or-nothing, the index stays exact through updates and deletions, and a
refresh reports a feed only once another connection can read its stories.
"""

# ruff: noqa: F811 - pytest fixtures imported from tests.feedserver are redefined as arguments
from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from reader.models import Entry, Outcome
from reader.refresh import refresh
from reader.store import Store, StoreError
from reader.store.rows import story_row, story_rows
from reader.store.search.index import story_text
from tests.feedserver import FeedServer, feed_server  # noqa: F401
from tests.helpers.stories import NOW, assert_in_step, hits, rss, story


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite3", clock=lambda: NOW)


def test_a_failing_write_in_a_batch_rolls_back_alone(store: Store) -> None:
    first = store.add_source("feed", "http://example.org/a")
    second = store.add_source("feed", "http://example.org/b")
    with store.batch():
        store.upsert_entries(first.id, [story(1, "alpha")])
        with pytest.raises(ValueError), store.db.write() as conn:  # a feed's write fails
            conn.execute("UPDATE sources SET title = 'half-done' WHERE id = ?", (second.id,))
            raise ValueError("odd data")
        store.upsert_entries(second.id, [story(2, "beta")])
    other = Store(store.path)  # another connection sees exactly the committed batch
    assert {h.title for h in other.stories_of(first.id)} == {"Story 1"}
    assert {h.title for h in other.stories_of(second.id)} == {"Story 2"}
    assert other.get_source(second.id).title == ""  # type: ignore[union-attr]
    assert hits(other, "alpha") and hits(other, "beta")
    assert_in_step(store)


def test_nothing_of_a_batch_is_visible_before_it_commits(store: Store) -> None:
    source = store.add_source("feed", "http://example.org/a")
    other = Store(store.path)
    with store.batch():
        store.upsert_entries(source.id, [story(1, "alpha")])
        assert other.stories_of(source.id) == []
    assert len(other.stories_of(source.id)) == 1


def test_a_batch_that_raises_keeps_nothing(store: Store) -> None:
    source = store.add_source("feed", "http://example.org/a")
    with pytest.raises(RuntimeError), store.batch():
        store.upsert_entries(source.id, [story(1, "alpha")])
        raise RuntimeError("stopped")
    assert store.stories_of(source.id) == [] and not hits(store, "alpha")
    assert store.db.conn().execute("SELECT COUNT(*) FROM fts_queue").fetchone()[0] == 0


def test_a_batch_ended_by_sqlite_is_told_in_words(store: Store) -> None:
    source = store.add_source("feed", "http://example.org/a")
    with pytest.raises(StoreError, match="cannot write to the cache"), store.batch():
        store.db.conn().execute("ROLLBACK")  # what SQLite does itself on a full disk
        store.upsert_entries(source.id, [story(1, "alpha")])


def test_prepared_rows_index_the_same_words_and_forget_them_on_update(store: Store) -> None:
    source = store.add_source("feed", "http://example.org/a")
    entries = [story(n, f"word{n}", "shared") for n in range(1, 30)]
    rows = list(story_rows(entries))
    assert [story_text(r.body_html, "", r.lead) for r in rows] == [
        story_text(e.body_html, "", e.lead) for e in entries]
    with store.batch():
        store.upsert_entries(source.id, rows[:15])
        store.upsert_entries(source.id, rows[15:])
    assert len(hits(store, "shared")) == 29
    changed = Entry(key="k3", title="Story 3", body_html="<p>tok3 replaced</p>", published=NOW)
    store.upsert_entries(source.id, [story_row(changed)])
    assert not hits(store, "word3") and hits(store, "replaced")
    store.db.conn().execute("DELETE FROM stories WHERE key = 'k4'")
    assert store.index.catch_up() == 1  # a change made behind the store waits for the catch-up
    assert not hits(store, "word4")
    assert_in_step(store)
    # The index's own check: a contentless table told the wrong words would fail it.
    store.db.conn().execute("INSERT INTO stories_fts (stories_fts, rank) "
                          "VALUES ('integrity-check', 0)")


def test_a_full_article_is_indexed_from_its_own_text_not_a_hint(store: Store) -> None:
    source = store.add_source("feed", "http://example.org/a")
    store.upsert_entries(source.id, [story_row(story(1, "summaryword"))])
    story_id = store.stories_of(source.id)[0].id
    store.set_full_article(story_id, "<p>tok1 fullword</p>")
    assert hits(store, "fullword") and not hits(store, "summaryword")
    store.upsert_entries(source.id, [story_row(story(1, "summaryword", "again"))])
    assert hits(store, "fullword") and not hits(store, "again")  # the full article wins
    store.db.conn().execute("INSERT INTO stories_fts (stories_fts, rank) "
                          "VALUES ('integrity-check', 0)")


def test_a_refresh_reports_a_feed_only_once_its_stories_are_readable(
        store: Store, feed_server: FeedServer) -> None:
    for n in range(8):  # beyond a handful: the worker pool and batches are used
        feed_server.route(f"/f{n}", rss(f"Feed {n}", [(f"g{n}-{i}", f"Story {n}.{i}", "body")
                                                      for i in range(4)]))
        store.add_source("feed", feed_server.url(f"/f{n}"))
    reader = sqlite3.connect(store.path)
    seen: list[tuple[int, int]] = []

    def progress(outcome: Outcome, done: int, total: int) -> None:
        count = reader.execute("SELECT COUNT(*) FROM stories WHERE source_id = ?",
                               (outcome.source_id,)).fetchone()[0]
        seen.append((outcome.new, count))

    outcomes = refresh(store, progress=progress)
    assert len(seen) == 8 and all(o.new == 4 and not o.error for o in outcomes)
    assert all(count == new == 4 for new, count in seen)


def test_a_feed_that_repeats_a_key_and_a_removed_story_store_as_before(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3")
    source = store.add_source("feed", "https://a.example/feed", "A")
    store.db.conn().execute("INSERT INTO removed_stories (source_id, key, removed) "
                          "VALUES (?, 'k3', 0)", (source.id,))
    first = Entry(key="k1", title="First", body_html="<p>one</p>", published=NOW)
    again = Entry(key="k1", title="First, corrected", body_html="<p>two</p>", published=NOW)
    result = store.upsert_entries(source.id, [first, story(2), again, story(3), first])
    assert (result.new, result.updated, result.unchanged) == (2, 0, 1)  # the first copy wins
    assert sorted(s.key for s in store.stories_of(source.id)) == ["k1", "k2"]
    [kept] = [s for s in store.stories_of(source.id) if s.key == "k1"]
    assert kept.title == "First" and "one" in kept.body_html
    again_result = store.upsert_entries(source.id, [first, story(2), story(3)])
    assert (again_result.new, again_result.updated, again_result.unchanged) == (0, 0, 3)


def test_many_new_stories_are_stored_in_feed_order_counted_and_indexed(store: Store) -> None:
    """New stories go in several rows per INSERT (`Store._insert`): every one of them is
    stored once, in the feed's order, counted and indexed, whatever the chunks' sizes."""
    source = store.add_source("feed", "http://example.org/a")
    entries = [story(n, f"word{n}") for n in range(1, 204)]  # 203: 64 + 64 + 64 + 8 + 2 + 1
    with store.batch(defer_index=True):
        result = store.upsert_entries(source.id, [*entries, story(5, "again")])
    assert (result.new, result.unchanged) == (203, 0)
    keys = [r[0] for r in store.db.conn().execute("SELECT key FROM stories ORDER BY id")]
    assert keys == [f"k{n}" for n in range(1, 204)]
    assert store.views.counts() == {"all": 203, "unread": 203, "starred": 0}
    store.index.catch_up()
    assert hits(store, "word203") == {store.story_id_by_key(source.id, "k203")}
    assert hits(store, "again") == set()  # the feed's second copy of a key is dropped
    assert_in_step(store)


def test_a_story_that_cannot_be_stored_takes_its_whole_feed_back(store: Store) -> None:
    """A row that fails in a later INSERT undoes the chunks stored before it: the feed is
    still all-or-nothing, its counters and the index queue as they were."""
    first = store.add_source("feed", "http://example.org/a")
    source = store.add_source("feed", "http://example.org/b")
    rows = [story_row(story(n)) for n in range(1, 151)]
    broken = dataclasses.replace(rows[139], digest=None)  # NOT NULL: refused by SQLite
    with store.batch(defer_index=True):
        store.upsert_entries(first.id, [story(500)])
        with pytest.raises(sqlite3.IntegrityError):
            store.upsert_entries(source.id, [*rows[:139], broken, *rows[140:]])
    conn = store.db.conn()
    assert [r[0] for r in conn.execute("SELECT key FROM stories")] == ["k500"]
    assert [r[0] for r in conn.execute("SELECT story_id FROM fts_queue")] == [
        store.story_id_by_key(first.id, "k500")]
    assert store.views.counts() == {"all": 1, "unread": 1, "starred": 0}
    assert store.upsert_entries(source.id, rows).new == 150
    store.index.catch_up()
    assert_in_step(store)


def test_ids_that_differ_only_by_lone_surrogates_are_one_story(store: Store) -> None:
    """A JSON Feed's ids "a\\ud800" and "a\\udfff" are both stored as "a\\ufffd": the
    second is a repeat, not a second story that makes the whole feed fail on the key."""
    from reader.sources.feedfile import parse_feed

    feed = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": ['
            b'{"id": "a\\ud800", "title": "first", "content_text": "one"},'
            b'{"id": "a\\udfff", "title": "second", "content_text": "two"},'
            b'{"id": "b", "title": "third", "content_text": "three"}]}')
    source = store.add_source("feed", "http://example.org/j")
    parsed = parse_feed(feed, url="http://example.org/j")
    assert len({entry.key for entry in parsed.entries}) == 3  # apart until stored
    assert [row.title for row in story_rows(parsed.entries)] == ["first", "third"]
    store.upsert_entries(source.id, parsed.entries)
    as_rows = parse_feed(feed, url="http://example.org/j", row=story_row)
    assert [row.title for row in as_rows.rows] == ["first", "third"]
    store.upsert_entries(source.id, as_rows.rows)
    assert sorted(s.title for s in store.stories_of(source.id)) == ["first", "third"]
