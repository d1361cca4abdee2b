"""The search index and the counters stay in step with the stories, whatever writes them.

The index is contentless: it forgets a story only when told exactly the words it indexed, so
a mistake would leave stale words behind that still "find" the story. Each story here carries
a word of its own (`tokN`), and `hits()` asks the index itself (not through the stories
table) which rows hold a word: after every kind of change, each word must find exactly the
story that holds it now, and nothing else.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from reader.models import View
from reader.store import SCHEMA_VERSION, Store, trash
from reader.store.schema import MIGRATIONS, _statements
from reader.store.smart import view_from_json, view_to_json
from tests.helpers.stories import NOW, assert_in_step, hits, story


def ids_of(store: Store, view: View) -> set[int]:
    return {h.id for h in store.views.headlines(view, 0, 10_000)}


def key_to_id(store: Store) -> dict[str, int]:
    return dict(store.db.conn().execute("SELECT key, id FROM stories").fetchall())


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite3", clock=lambda: NOW)


def test_a_new_story_is_found_by_headline_body_author_and_source(store: Store) -> None:
    source = store.add_source("feed", "https://e.example/f", "Harbour Gazette")
    store.upsert_entries(source.id, [story(1, "ferries", title="Storm warning",
                                           author="Ann Smith")])
    [only] = ids_of(store, View())
    for query in ("storm", "ferries", "smith", "gazette", "author:ann", "source:harbour",
                  "title:warning"):
        assert ids_of(store, View(search=query + " ")) == {only}, query
    assert ids_of(store, View(search="title:ferries ")) == set()


def test_an_updated_story_forgets_its_old_words(store: Store) -> None:
    source = store.add_source("feed", "https://e.example/f", "Feed")
    store.upsert_entries(source.id, [story(1, "oldword"), story(2, "keep")])
    [one] = hits(store, "oldword")
    result = store.upsert_entries(source.id, [story(1, "newword"), story(2, "keep")])
    assert (result.updated, result.unchanged) == (1, 1)
    assert hits(store, "oldword") == set()
    assert hits(store, "newword") == {one}
    assert ids_of(store, View(search="newword")) == {one}
    assert_in_step(store)


def test_a_full_article_is_searched_in_place_of_the_summary(store: Store) -> None:
    source = store.add_source("feed", "https://e.example/f", "Feed")
    store.upsert_entries(source.id, [story(1, "summaryword")])
    [one] = hits(store, "summaryword")
    store.set_full_article(one, "<article><p>tok1 wholearticle words</p></article>")
    assert hits(store, "wholearticle") == {one}
    assert hits(store, "summaryword") == set()
    assert_in_step(store)


def test_removing_or_renaming_a_source_keeps_the_index_exact(store: Store) -> None:
    gone = store.add_source("feed", "https://gone.example/f", "Gone Wire")
    kept = store.add_source("feed", "https://kept.example/f", "Kept Post")
    store.upsert_entries(gone.id, [story(n, "shared") for n in range(1, 6)])
    store.upsert_entries(kept.id, [story(n, "shared") for n in range(6, 9)])
    store.update_source(kept.id, title="Renamed Daily")
    assert ids_of(store, View(search="source:renamed ")) == ids_of(store, View(source_id=kept.id))
    assert ids_of(store, View(search="source:kept ")) == set()
    store.remove_source(gone.id)
    assert hits(store, "gone") == set() and len(hits(store, "shared")) == 3
    assert store.views.count(View(search="shared")) == 3
    assert_in_step(store)


def test_changes_within_one_transaction_are_indexed_once(store: Store) -> None:
    source = store.add_source("feed", "https://e.example/f", "Feed")
    store.upsert_entries(source.id, [story(1, "before")])
    with store.db.write() as conn:
        conn.execute("UPDATE stories SET body_html = '<p>tok1 first</p>' WHERE key = 'k1'")
        conn.execute("UPDATE stories SET body_html = '<p>tok1 second</p>' WHERE key = 'k1'")
        conn.execute("INSERT INTO stories (source_id, key, published, first_seen, "
                     "content_hash, title, body_html) VALUES (?, 'k2', 1, 1, 'h', 'Two', "
                     "'<p>tok2 fresh</p>')", (source.id,))
        conn.execute("UPDATE stories SET body_html = '<p>tok2 fresher</p>' WHERE key = 'k2'")
        conn.execute("INSERT INTO stories (source_id, key, published, first_seen, "
                     "content_hash, title, body_html) VALUES (?, 'k3', 1, 1, 'h', 'Three', "
                     "'<p>tok3 ephemeral</p>')", (source.id,))
        conn.execute("DELETE FROM stories WHERE key = 'k3'")
        conn.execute("UPDATE sources SET title = 'Relabelled' WHERE id = ?", (source.id,))
    for word in ("before", "first", "fresh", "ephemeral", "feed"):
        assert hits(store, word) == set(), word
    ids = key_to_id(store)
    assert hits(store, "second") == {ids["k1"]} and hits(store, "fresher") == {ids["k2"]}
    assert hits(store, "relabelled") == {ids["k1"], ids["k2"]}
    assert_in_step(store)


def test_a_source_removed_and_put_back_is_searchable_again(store: Store) -> None:
    source = store.add_source("feed", "https://e.example/f", "Feed")
    store.upsert_entries(source.id, [story(n, "comeback") for n in range(1, 4)])
    store.set_read([min(hits(store, "comeback"))], True)
    removed = trash.take_out(store, source.id)
    assert removed is not None and hits(store, "comeback") == set()
    assert_in_step(store)
    assert trash.put_back(store, removed)
    assert len(hits(store, "comeback")) == 3 and store.views.count(View(search="comeback")) == 3
    assert store.views.counts() == {"all": 3, "unread": 2, "starred": 0}
    assert_in_step(store)


def test_random_changes_leave_index_and_counters_exact(store: Store) -> None:
    rng = random.Random(11)
    sources = [store.add_source("feed", f"https://{n}.example/f", f"Source {n}")
               for n in range(3)]
    for step in range(60):
        source = rng.choice(sources)
        action = rng.random()
        if action < 0.5:
            base = 100 * sources.index(source)  # each story's own word stays its own
            numbers = [base + n for n in rng.sample(range(1, 40), 5)]
            store.upsert_entries(source.id, [story(n, f"v{step}") for n in numbers])
        elif action < 0.7:
            ids = list(key_to_id(store).values())
            if ids:
                store.set_read(rng.sample(ids, min(4, len(ids))), rng.random() < 0.5)
                store.set_starred(rng.choice(ids), rng.random() < 0.5)
        elif action < 0.85:
            store.views.mark_read(View(source_id=source.id, search=f"v{step - 1}"))
        else:
            with store.db.write() as conn:
                conn.execute("DELETE FROM stories WHERE id IN (SELECT id FROM stories "
                             "WHERE source_id = ? LIMIT 3)", (source.id,))
    assert_in_step(store)
    store.remove_source(sources[0].id)
    assert_in_step(store)


def test_a_cache_of_schema_2_is_indexed_and_counted_on_opening(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO sources (kind, location, title, added) "
                 "VALUES ('feed', 'https://o.example/f', 'Old Times', 0)")
    for n in range(1, 4):
        conn.execute("INSERT INTO stories (source_id, key, published, first_seen, content_hash,"
                     " title, body_html, read, starred) VALUES (1, ?, ?, 0, 'h', ?, ?, ?, ?)",
                     (f"k{n}", n, f"Story {n}", f"<p>tok{n} <em>archived</em> &amp; kept</p>",
                      int(n == 1), int(n == 2)))
    conn.commit()
    conn.close()
    store = Store(path)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.views.count(View(search="archived")) == 3
    assert store.views.count(View(search="source:times ")) == 3
    assert store.views.counts() == {"all": 3, "unread": 2, "starred": 1}
    assert [(s.total, s.unread) for s in store.sources()] == [(3, 2)]
    assert_in_step(store)


def test_smart_feeds_are_kept_counted_and_survive_odd_stored_views(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    store = Store(path, clock=lambda: NOW)
    source = store.add_source("feed", "https://e.example/f", "Feed")
    store.upsert_entries(source.id, [story(n, "storm" if n % 2 else "calm") for n in range(8)])
    store.set_read([min(hits(store, "storm"))], True)
    saved = store.smart.save("Storms", View(search="storm", source_id=source.id))
    assert (saved.total, saved.unread) == (4, 3)
    store.smart.save("", View(search="calm is:unread"))  # named after its query
    store.close()
    again = Store(path, clock=lambda: NOW)
    feeds = again.smart.feeds()
    assert [(f.name, f.total, f.unread) for f in feeds] == [
        ("Storms", 4, 3), ("calm is:unread", 4, 4)]
    assert feeds[0].view.smart_id == feeds[0].id
    assert again.views.count(feeds[0].view) == 4
    again.smart.save("Storms", View(search="storm is:unread"))  # same name: replaced
    assert [(f.name, f.total) for f in again.smart.feeds()] == [
        ("Storms", 3), ("calm is:unread", 4)]
    again.smart.rename(feeds[1].id, "Calm days")
    again.smart.delete(feeds[0].id)
    assert [f.name for f in again.smart.feeds(counts=False)] == ["Calm days"]
    view = View(mode="unread", folder="News", search="x", since=1.5, sort="newest")
    assert view_from_json(view_to_json(view)) == view
    assert view_from_json('{"mode": "bogus", "source_id": "7", "unread": 1, "x": 2}') == View()
    assert view_from_json("not json") == View()
