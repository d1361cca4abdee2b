"""Story HTML kept compressed: read back exactly, searched, updated and forgotten like plain
text; old plain rows and damaged ones still read; a new cache's pages; and the free pages a
cold refresh's index catch-up leaves go back to the file system.

Real caches in tmp_path; the index is asked directly (`hits`) so a word left behind by a wrong
delete would show.
"""

from __future__ import annotations

import random
import sqlite3
import zlib
from pathlib import Path

import pytest

from reader.models import Entry
from reader.store import SCHEMA_VERSION, Store, bodies
from reader.store.absorb import absorb_sources
from reader.store.db import PAGE_SIZE
from reader.store.search import index
from tests.helpers.stories import NOW, assert_in_step, hits, make_store

WORDS = ["harbour", "ferry", "storm", "council", "budget", "school", "river", "bridge",
         "Zürich", "Ελλάδα", "Москва", "東京", "naïve", "café"]


def long_body(n: int, *extra: str, size: int = 300) -> str:
    rng = random.Random(n)
    words = [rng.choice(WORDS) for _ in range(size)]
    return "<p>" + " ".join((f"tok{n}", *extra, *words)) + " &amp; more</p>"


def kept(store: Store, story_id: int, column: str = "body_html") -> object:
    return store.db.conn().execute(f"SELECT {column} FROM stories WHERE id = ?",
                                   (story_id,)).fetchone()[0]


def add(store: Store, entries: list[Entry]) -> int:
    source = store.add_source("feed", "https://e.example/f", "Gazette")
    store.upsert_entries(source.id, entries)
    return source.id


def only_id(store: Store, key: str) -> int:
    return int(store.db.conn().execute("SELECT id FROM stories WHERE key = ?",
                                       (key,)).fetchone()[0])


def test_a_long_body_is_kept_compressed_and_reads_back_exactly(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    body = long_body(1)
    add(store, [Entry(key="k1", title="Long", body_html=body, published=NOW),
                Entry(key="k2", title="Short", body_html="<p>tok2 brief</p>", published=NOW)])
    long_id, short_id = only_id(store, "k1"), only_id(store, "k2")
    packed = kept(store, long_id)
    assert isinstance(packed, bytes) and len(packed) < len(body.encode()) / 2
    assert kept(store, short_id) == "<p>tok2 brief</p>"  # too short to gain: plain TEXT
    long_story, short_story = store.story(long_id), store.story(short_id)
    assert long_story is not None and long_story.body_html == body
    assert short_story is not None and short_story.body_html == "<p>tok2 brief</p>"
    assert hits(store, "tok1") == {long_id} and hits(store, "москва") == {long_id}
    assert hits(store, "tok2") == {short_id}


def test_an_updated_compressed_body_forgets_its_old_words(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    source_id = add(store, [Entry(key="k1", title="Story 1", body_html=long_body(1, "oldword"),
                                  published=NOW)])
    story_id = only_id(store, "k1")
    assert hits(store, "oldword") == {story_id}
    store.upsert_entries(source_id, [Entry(key="k1", title="Story 1",
                                           body_html=long_body(1, "newword"), published=NOW)])
    assert hits(store, "oldword") == set() and hits(store, "newword") == {story_id}
    store.remove_source(source_id)
    assert hits(store, "newword") == set() and hits(store, "tok1") == set()


def test_a_deferred_refresh_is_indexed_from_compressed_rows(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    source = store.add_source("feed", "https://e.example/f", "Gazette")
    with store.batch(defer_index=True):
        store.upsert_entries(source.id, [Entry(key=f"k{n}", title=f"Story {n}",
                                               body_html=long_body(n), published=NOW - n)
                                         for n in range(40)])
    assert hits(store, "tok3") == set()  # not indexed yet
    assert store.index.catch_up() == 40
    assert_in_step(store)


def test_a_full_article_is_kept_compressed_and_moves_with_its_story(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add(store, [Entry(key="k1", title="Story 1", body_html="<p>tok1 teaser</p>",
                      published=NOW)])
    story_id = only_id(store, "k1")
    article = long_body(9, "wholearticle", size=2000)
    store.set_full_article(story_id, article)
    assert isinstance(kept(store, story_id, "full_html"), bytes)
    full = store.story(story_id)
    assert full is not None and full.full_html == article
    assert hits(store, "wholearticle") == {story_id}  # the index reads the article
    store.set_full_article(story_id, "", "timed out")  # an error keeps the article
    again = store.story(story_id)
    assert again is not None and again.full_html == article and again.full_error == ""
    # A folder taking over the file's source keeps the article of either copy.
    folder = store.add_source("folder", "/news", "News")
    store.upsert_entries(folder.id, [Entry(key="k1", title="Story 1",
                                           body_html="<p>tok1 teaser</p>", published=NOW)])
    absorb_sources(store, folder.id, [s.id for s in store.sources() if s.id != folder.id])
    (moved,) = store.stories_of(folder.id)
    assert moved.full_html == article


def test_plain_rows_of_an_older_cache_read_and_index_beside_compressed_ones(
        tmp_path: Path) -> None:
    store = make_store(tmp_path)
    source_id = add(store, [Entry(key="k1", title="Story 1", body_html=long_body(1),
                                  published=NOW)])
    plain = long_body(2, "plainword")
    with store.db.write() as conn:  # as schema 5 wrote every body: TEXT
        conn.execute("INSERT INTO stories (source_id, key, published, first_seen, "
                     "content_hash, title, body_html) VALUES (?, 'k2', ?, ?, 'h', 'Story 2', ?)",
                     (source_id, NOW, NOW, plain))
    old_id = only_id(store, "k2")
    assert kept(store, old_id) == plain
    old = store.story(old_id)
    assert old is not None and old.body_html == plain
    assert hits(store, "plainword") == {old_id}
    # Re-read from the feed, the old row is rewritten compressed and its words follow.
    store.upsert_entries(source_id, [Entry(key="k2", title="Story 2",
                                           body_html=long_body(2, "fresherword"),
                                           published=NOW)])
    assert isinstance(kept(store, old_id), bytes)
    assert hits(store, "plainword") == set() and hits(store, "fresherword") == {old_id}
    assert_in_step(store)


def test_a_new_body_is_a_zstandard_frame(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add(store, [Entry(key="k1", title="Long", body_html=long_body(1), published=NOW)])
    packed = kept(store, only_id(store, "k1"))
    assert isinstance(packed, bytes) and packed.startswith(bodies.ZSTD_MAGIC)


def test_a_schema_6_cache_with_zlib_bodies_opens_and_reads_after_the_upgrade(
        tmp_path: Path) -> None:
    """Schema 6 wrote zlib BLOBs: they stay as they are, read and search, and a story that
    changes is rewritten as Zstandard with its old words forgotten."""
    path = tmp_path / "cache.sqlite3"
    store = make_store(tmp_path)
    source_id = add(store, [])
    old_body, old_article = long_body(1, "zlibword"), long_body(2, "zlibarticle", size=2000)
    with store.db.write() as conn:  # as schema 6 wrote them
        for key, body, article in (("k1", old_body, ""),
                                   ("k2", "<p>tok2 teaser</p>", old_article)):
            conn.execute("INSERT INTO stories (source_id, key, published, first_seen, "
                         "content_hash, title, body_html, full_html) "
                         "VALUES (?, ?, ?, ?, 'h', 'Story', ?, ?)",
                         (source_id, key, NOW, NOW, zlib.compress(body.encode(), 1),
                          zlib.compress(article.encode(), 1) if article else ""))
        conn.execute("PRAGMA user_version = 6")
    store.close()
    upgraded = Store(path, clock=lambda: NOW)
    assert upgraded.db.conn().execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert SCHEMA_VERSION == 7
    body_id, article_id = only_id(upgraded, "k1"), only_id(upgraded, "k2")
    assert kept(upgraded, body_id) == zlib.compress(old_body.encode(), 1)  # not rewritten
    story, with_article = upgraded.story(body_id), upgraded.story(article_id)
    assert story is not None and story.body_html == old_body
    assert with_article is not None and with_article.full_html == old_article
    assert hits(upgraded, "zlibword") == {body_id} and hits(upgraded, "zlibarticle") == {
        article_id}
    upgraded.upsert_entries(source_id, [Entry(key="k1", title="Story",
                                              body_html=long_body(1, "zstdword"),
                                              published=NOW)])
    upgraded.set_full_article(article_id, long_body(2, "zstdarticle", size=2000))
    for story_id, column in ((body_id, "body_html"), (article_id, "full_html")):
        value = kept(upgraded, story_id, column)
        assert isinstance(value, bytes) and value.startswith(bodies.ZSTD_MAGIC)
    assert hits(upgraded, "zlibword") == set() and hits(upgraded, "zlibarticle") == set()
    assert hits(upgraded, "zstdword") == {body_id}
    assert hits(upgraded, "zstdarticle") == {article_id}
    assert_in_step(upgraded)
    upgraded.close()


def test_a_damaged_zstandard_frame_is_told_in_words() -> None:
    frame = bodies.pack(long_body(1))
    assert isinstance(frame, bytes)
    assert bodies.unpack(frame[:-8]) == bodies.DAMAGED  # cut short
    assert bodies.unpack(bodies.ZSTD_MAGIC) == bodies.DAMAGED
    # A header claiming a terabyte: words, not an attempt to make room for it.
    huge = bodies.ZSTD_MAGIC + b"\xe0" + (1 << 40).to_bytes(8, "little") + b"\x01\x00\x00"
    assert bodies.unpack(huge) == bodies.DAMAGED


def test_a_damaged_compressed_body_is_told_in_words(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add(store, [Entry(key="k1", title="Story 1", body_html=long_body(1), published=NOW)])
    story_id = only_id(store, "k1")
    with store.db.write() as conn:
        conn.execute("UPDATE stories SET body_html = ? WHERE id = ?",
                     (b"x\x01not zlib at all", story_id))
    damaged = store.story(story_id)
    assert damaged is not None and damaged.body_html == bodies.DAMAGED
    assert "damaged in the cache" in damaged.body_html
    assert bodies.unpack(b"\xff\xfe", "") == ""


def test_pack_keeps_what_does_not_gain_as_text() -> None:
    assert bodies.pack("") == ""
    assert bodies.pack("<p>short</p>") == "<p>short</p>"
    noise = random.Random(3).randbytes(400).hex()  # hex of noise: compresses, a little
    assert isinstance(bodies.pack(noise), bytes)
    assert bodies.unpack(bodies.pack(noise)) == noise
    assert bodies.unpack(None) == ""


def test_a_new_cache_has_big_pages_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    assert store.db.conn().execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
    store.close()
    old = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(old)
    conn.execute("PRAGMA page_size = 4096")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    reopened = Store(old)
    assert reopened.db.conn().execute("PRAGMA page_size").fetchone()[0] == 4096
    reopened.close()


def deferred_refresh(store: Store, stories: int) -> None:
    """Stories of words of their own, stored as a cold refresh stores them: not yet indexed."""
    source = store.add_source("feed", "https://e.example/f", "Gazette")
    with store.batch(defer_index=True):
        store.upsert_entries(source.id, [
            Entry(key=f"k{n}", title=f"Story {n}", published=NOW - n,
                  body_html="<p>" + " ".join([f"tok{n}"] + [f"w{n}x{j}" for j in range(80)])
                  + "</p>") for n in range(stories)])


def test_a_catch_up_gives_the_free_pages_back(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index, "GIVE_BACK_FROM", 0)
    store = make_store(tmp_path)
    deferred_refresh(store, 400)
    conn = store.db.conn()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    store.index.catch_up(step=25)  # (short steps: the index merges, and frees, many times)
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert store.quick_check() == "ok"
    assert_in_step(store)
    assert conn.execute("PRAGMA page_count").fetchone()[0] > pages  # (the index was built)


def test_a_search_catches_the_index_up_but_leaves_the_pages_for_later(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The search waits for the catch-up (it must find every story); giving pages back is
    not its business: the idle catch-up after a refresh does it."""
    store = make_store(tmp_path)
    given: list[object] = []
    keep = store.db.give_back
    monkeypatch.setattr(store.db, "give_back", lambda **kw: given.append(keep(**kw)))
    deferred_refresh(store, 400)
    store.index.ready()
    assert not store.index.pending() and given == []
    with store.batch(defer_index=True):  # one more refresh, caught up when idle
        store.upsert_entries(store.sources()[0].id, [Entry(key="late", title="Late",
                                                           published=NOW, body_html="<p>x</p>")])
    store.index.catch_up()
    assert len(given) == 1


def test_a_small_catch_up_leaves_its_few_free_pages_for_the_next_refresh(
        tmp_path: Path) -> None:
    store = make_store(tmp_path)
    deferred_refresh(store, 400)
    store.index.catch_up(step=25)
    free = store.db.conn().execute("PRAGMA freelist_count").fetchone()[0]
    assert 0 < free * PAGE_SIZE < index.GIVE_BACK_FROM
    assert_in_step(store)


def test_a_damaged_full_article_leaves_the_feed_body_to_read(tmp_path: Path) -> None:
    """The feed's own body is intact: it is what the view and `show` fall back to, and `f`
    may fetch the article again (a refresh never rewrites a kept article)."""
    store = make_store(tmp_path)
    body = long_body(1)
    add(store, [Entry(key="k1", title="Story 1", body_html=body, published=NOW)])
    story_id = only_id(store, "k1")
    store.set_full_article(story_id, long_body(9, size=2000))
    with store.db.write() as conn:
        conn.execute("UPDATE stories SET full_html = ? WHERE id = ?",
                     (b"x\x01not zlib at all", story_id))
    story = store.story(story_id)
    assert story is not None and story.full_html == "" and story.body_html == body


def test_a_damaged_body_stays_damaged_through_an_unchanged_refresh(tmp_path: Path) -> None:
    """So the words shown for it must not promise that refreshing brings it back."""
    store = make_store(tmp_path)
    entry = Entry(key="k1", title="Story 1", body_html=long_body(1), published=NOW)
    source_id = add(store, [entry])
    story_id = only_id(store, "k1")
    with store.db.write() as conn:
        conn.execute("UPDATE stories SET body_html = ? WHERE id = ?",
                     (b"x\x01not zlib at all", story_id))
    store.upsert_entries(source_id, [entry])
    story = store.story(story_id)
    assert story is not None and story.body_html == bodies.DAMAGED
    assert "refresh" not in bodies.DAMAGED.lower()
