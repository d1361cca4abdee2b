"""The cache: migrations, dedupe, state that survives re-reads, views, and concurrent writers."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from reader.models import Entry, View
from reader.store import SCHEMA_VERSION, SchemaTooNew, Store, StoreError
from reader.store.schema import MIGRATIONS


def entry(n: int, **kw: object) -> Entry:
    values: dict[str, object] = dict(key=f"guid:{n}", title=f"Story {n}",
                                     body_html=f"<p>Body {n}</p>",
                                     lead=f"The lead paragraph of story number {n}",
                                     published=1_000_000.0 + n)
    values.update(kw)
    return Entry(**values)  # type: ignore[arg-type]


def test_new_cache_is_at_the_latest_schema_in_wal_mode(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    conn = sqlite3.connect(tmp_path / "c.sqlite3")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.quick_check() == "ok"
    store.close()


def test_every_connection_keeps_a_small_page_cache(tmp_path: Path) -> None:
    """A refresh writes each new page once: a connection's cache is 1 MB, not SQLite's 2."""
    import threading

    store = Store(tmp_path / "c.sqlite3")
    sizes = [store.db.conn().execute("PRAGMA cache_size").fetchone()[0]]
    worker = threading.Thread(target=lambda: sizes.append(
        store.db.conn().execute("PRAGMA cache_size").fetchone()[0]))
    worker.start()
    worker.join()
    assert sizes == [-1024, -1024]
    store.close()


def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    first = Store(tmp_path / "c.sqlite3")
    src = first.add_source("file", "/x", "X")
    first.upsert_entries(src.id, [entry(1)])
    first.close()
    again = Store(tmp_path / "c.sqlite3")
    assert again.views.count(View()) == 1
    again.close()


def test_a_cache_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew):
        Store(path)


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="cannot open the cache"):
        Store(path)


def test_adding_a_source_twice_returns_the_same_one(store: Store) -> None:
    a = store.add_source("feed", "https://e.org/f", "E")
    b = store.add_source("feed", "https://e.org/f", "Other title")
    assert a.id == b.id and b.title == "E"
    assert len(store.sources()) == 1


def test_upsert_counts_new_updated_unchanged(store: Store) -> None:
    src = store.add_source("feed", "u", "U")
    assert store.upsert_entries(src.id, [entry(1), entry(2)]).new == 2
    result = store.upsert_entries(src.id, [entry(1), entry(2, title="Story 2, corrected")])
    assert (result.new, result.updated, result.unchanged) == (0, 1, 1)
    assert store.views.count(View()) == 2


def test_duplicate_keys_within_one_read_are_stored_once(store: Store) -> None:
    src = store.add_source("feed", "u", "U")
    result = store.upsert_entries(src.id, [entry(1), entry(1, title="again")])
    assert result.new == 1
    assert store.views.count(View()) == 1


def test_read_and_star_survive_a_reread_that_changes_content(store: Store) -> None:
    src = store.add_source("feed", "u", "U")
    store.upsert_entries(src.id, [entry(1), entry(2)])
    [one] = [h for h in store.views.headlines(View(), 0, 10) if h.title == "Story 1"]
    store.set_read([one.id])
    store.set_starred(one.id, True)
    store.upsert_entries(src.id, [entry(1, body_html="<p>New body</p>", title="Story 1 v2")])
    story = store.story(one.id)
    assert story is not None
    assert (story.title, story.body_html, story.read, story.starred) == (
        "Story 1 v2", "<p>New body</p>", True, True)


def test_entries_that_left_the_feed_stay_cached(store: Store) -> None:
    src = store.add_source("feed", "u", "U")
    store.upsert_entries(src.id, [entry(1), entry(2)])
    store.upsert_entries(src.id, [entry(3)])
    assert store.views.count(View()) == 3


def test_a_dateless_entry_keeps_its_first_date_on_update(store: Store) -> None:
    src = store.add_source("feed", "u", "U")
    store.upsert_entries(src.id, [entry(1, published=None)])
    first = store.views.headlines(View(), 0, 1)[0].published
    store.upsert_entries(src.id, [entry(1, published=None, title="changed")])
    assert store.views.headlines(View(), 0, 1)[0].published == first


def test_views_filter_and_combine(store: Store) -> None:
    a = store.add_source("feed", "a", "A", folder="News")
    b = store.add_source("feed", "b", "B", folder="News/World")
    c = store.add_source("feed", "c", "C")
    store.upsert_entries(a.id, [entry(n) for n in range(0, 5)])
    store.upsert_entries(b.id, [entry(n) for n in range(5, 8)])
    store.upsert_entries(c.id, [entry(n) for n in range(8, 10)])
    heads = store.views.headlines(View(), 0, 100)
    assert [h.title for h in heads] == [f"Story {n}" for n in range(9, -1, -1)]
    store.set_read([h.id for h in heads[:4]])
    store.set_starred(heads[5].id, True)
    assert store.views.count(View(mode="unread")) == 6
    assert store.views.count(View(mode="starred")) == 1
    assert store.views.count(View(source_id=a.id)) == 5
    assert store.views.count(View(folder="News")) == 8
    assert store.views.count(View(folder="News/World")) == 3
    assert store.views.count(View(folder="New")) == 0
    assert store.views.count(View(mode="unread", source_id=c.id)) == 0
    assert store.views.count(View(search="Story 7")) == 1
    assert store.views.count(View(search="%")) == 0


def test_paging_and_positions(store: Store) -> None:
    src = store.add_source("feed", "u", "U")
    store.upsert_entries(src.id, [entry(n) for n in range(250)])
    page = store.views.headlines(View(), 100, 50)
    assert len(page) == 50
    assert page[0].title == "Story 149"
    assert store.views.index_of(View(), page[7].id) == 107
    store.set_read([page[7].id])
    assert store.views.index_of(View(mode="unread"), page[7].id) is None


def test_next_unread_moves_in_list_order(store: Store) -> None:
    src = store.add_source("feed", "u", "U")
    store.upsert_entries(src.id, [entry(n) for n in range(5)])
    heads = store.views.headlines(View(), 0, 10)  # Story 4 .. Story 0
    store.set_read([heads[1].id, heads[2].id])
    assert store.views.next_unread(View(), None) == heads[0].id
    assert store.views.next_unread(View(), heads[0].id) == heads[3].id
    assert store.views.next_unread(View(), heads[3].id, forward=False) == heads[0].id
    assert store.views.next_unread(View(), heads[4].id) is None


def test_teasers_own_first_then_same_source_then_others(store: Store) -> None:
    a = store.add_source("file", "a", "A")
    b = store.add_source("file", "b", "B")
    store.upsert_entries(b.id, [entry(50, lead="Blasts rang out across the capital early on Sunday "
                                               "as the attack began")])
    store.upsert_entries(a.id, [
        entry(1, teasers=["Blasts rang out across the capital early on Sunday…",
                          "A teaser of a story that is not cached anywhere at all…"]),
        entry(2),
    ])
    story = store.story(store.views.headlines(View(source_id=a.id), 0, 10)[-1].id)
    assert story is not None and story.title == "Story 1"
    teasers = store.teasers_for(story)
    assert teasers[0].text == "Blasts rang out across the capital early on Sunday…"
    assert teasers[0].story_id == store.views.headlines(View(source_id=b.id), 0, 1)[0].id
    assert teasers[1].story_id is None
    assert teasers[2].text.startswith("The lead paragraph of story number 2")
    assert all(t.story_id != story.id for t in teasers)


def test_long_leads_are_clipped_at_a_word_with_an_ellipsis(store: Store) -> None:
    src = store.add_source("file", "a", "A")
    lead = "word " * 60
    store.upsert_entries(src.id, [entry(1), entry(2, lead=lead)])
    story = store.story(store.views.headlines(View(), 0, 10)[-1].id)
    assert story is not None
    [teaser] = store.teasers_for(story)
    assert teaser.text.endswith("word…") and len(teaser.text) <= 101


def test_file_stamps_round_trip_and_forget(store: Store) -> None:
    src = store.add_source("folder", "/d", "D")
    store.upsert_entries(src.id, [], stamps={"/d/a.txt": (1.5, 10), "/d/b.txt": (2.0, 20)})
    assert store.file_stamps(src.id) == {"/d/a.txt": (1.5, 10), "/d/b.txt": (2.0, 20)}
    store.upsert_entries(src.id, [], forget_files=["/d/a.txt"])
    assert store.file_stamps(src.id) == {"/d/b.txt": (2.0, 20)}


def test_removing_a_source_removes_its_stories(store: Store) -> None:
    a = store.add_source("feed", "a", "A")
    b = store.add_source("feed", "b", "B")
    store.upsert_entries(a.id, [entry(1)])
    store.upsert_entries(b.id, [entry(2)])
    store.remove_source(a.id)
    assert [h.title for h in store.views.headlines(View(), 0, 10)] == ["Story 2"]


def test_source_counts(store: Store) -> None:
    a = store.add_source("feed", "a", "A")
    store.upsert_entries(a.id, [entry(n) for n in range(3)])
    store.set_read([store.views.headlines(View(), 0, 1)[0].id])
    [src] = store.sources()
    assert (src.unread, src.total) == (2, 3)
    assert store.views.counts() == {"all": 3, "unread": 2, "starred": 0}


def test_untrusted_titles_are_cleaned_on_the_way_in(store: Store) -> None:
    src = store.add_source("feed", "a", "Evil\x1b]0;pwned\x07 title")
    store.update_source(src.id, title="Also\x9b2J evil")
    store.upsert_entries(src.id, [entry(1, title="Hi\x1b[2J\u202ethere", author="A\x07B")])
    story = store.story(store.views.headlines(View(), 0, 1)[0].id)
    assert story is not None
    assert story.title == "Hi[2Jthere" and story.author == "AB"
    assert store.sources()[0].title == "Also2J evil"


def _writer(path: str, worker: int, count: int) -> None:
    store = Store(path)
    src = store.add_source("feed", f"w{worker}", f"W{worker}")
    for n in range(count):
        store.upsert_entries(src.id, [entry(n, key=f"guid:{worker}:{n}")])
    store.close()


def test_concurrent_writers_never_see_database_is_locked(tmp_path: Path) -> None:
    path = str(tmp_path / "c.sqlite3")
    Store(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, w, 60)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    store = Store(path)
    assert store.views.count(View()) == 240
    assert store.quick_check() == "ok"
    store.close()


def test_a_cache_from_the_first_release_migrates_and_keeps_its_stories(tmp_path: Path) -> None:
    from reader.store.schema import _statements

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for statement in _statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO sources (kind, location, title, added) VALUES ('feed','u','U',0)")
    conn.execute("INSERT INTO stories (source_id, key, published, first_seen, content_hash, "
                 "title, read, starred) VALUES (1, 'k', 5, 5, 'h', 'Old story', 1, 1)")
    conn.commit()
    conn.close()
    store = Store(path)
    story = store.story(1)
    assert story is not None
    assert (story.title, story.read, story.starred) == ("Old story", True, True)
    assert story.full_html == ""
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    store.close()


def test_full_article_is_kept_and_an_error_never_erases_it(store: Store) -> None:
    src = store.add_source("feed", "u", "U")
    store.upsert_entries(src.id, [entry(1, link="https://e.org/1")])
    [pending] = store.stories_without_full_article(src.id)
    store.set_full_article(pending.id, "<p>The whole article</p>")
    assert store.stories_without_full_article(src.id) == []
    store.set_full_article(pending.id, "", error="HTTP 500")
    story = store.story(pending.id)
    assert story is not None
    assert (story.full_html, story.full_error) == ("<p>The whole article</p>", "")
