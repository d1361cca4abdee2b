"""Searches ranked once and kept (`reader.store.search.ranking.Windows`): never a stale answer.

A search typed in the bar is counted, positioned and paged from one ranked window, kept per
version of the index. These tests change the cache in every way a story can change (new,
updated, removed, its source renamed or removed, marked read) and check that each answer
is the one a cold store gives (a new `Store` on the same file: nothing kept yet) and the one
the stories say. They also check that ranking really happens once, that a prefix with one
word behind it is asked as that word without changing the order, and that a search told to
stop stops.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.models import Entry, View
from reader.store import Store
from reader.store.search import ranking
from reader.store.search.index import flush_index

NOW = 1_732_700_000.0


def entry(key: str, title: str, body: str, age: float) -> Entry:
    return Entry(key=key, title=title, body_html=f"<p>{body}</p>", lead=body,
                 published=NOW - age)


def weather(count: int, start: int = 0) -> list[Entry]:
    return [entry(f"w{n}", f"Weather {n}", ("storm " * (n % 4 + 1)) + "over the harbour",
                  n * 60) for n in range(start, start + count)]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "cache.sqlite3", clock=lambda: NOW)
    source = store.add_source("feed", "https://w.example/feed", "Coast Weather")
    store.upsert_entries(source.id, weather(30))
    other = store.add_source("feed", "https://n.example/feed", "Daily News")
    store.upsert_entries(other.id, [entry(f"n{n}", f"Council meets {n}", "budget talk",
                                          n * 90) for n in range(20)])
    return store


def answers(store: Store, view: View) -> tuple[int, list[int], list[int | None]]:
    listed = [h.id for h in store.views.headlines(view, 0, 1000)]
    paged = [h.id for page in range(0, len(listed) + 5, 5)
             for h in store.views.headlines(view, page, 5)]
    assert paged == listed
    places = [store.views.index_of(view, i) for i in [*listed, 10**9]]
    return store.views.count(view), listed, places


def cold(store: Store, view: View) -> tuple[int, list[int], list[int | None]]:
    fresh = Store(store.path, clock=lambda: NOW)
    try:
        return answers(fresh, view)
    finally:
        fresh.close()


def ranking_statements(store: Store) -> list[str]:
    """Record every statement this thread's connection runs that ranks (reads `rank`)."""
    seen: list[str] = []

    def trace(sql: str) -> None:
        if "rank" in sql:
            seen.append(sql)

    store.db.conn().set_trace_callback(trace)
    return seen


@pytest.mark.parametrize("window", [5, 2000])
def test_every_change_to_the_cache_is_seen_by_a_kept_search(
        store: Store, window: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ranking, "WINDOW", window)  # a window smaller than the matches, too
    views = [View(search="storm"), View(search="harb"), View(search="coast weather"),
             View(search="council")]
    weather_id = next(s.id for s in store.sources() if s.title == "Coast Weather")

    def check() -> None:
        for view in views:
            store.search.prepare(view)
            assert answers(store, view) == cold(store, view), view

    check()
    store.upsert_entries(weather_id, weather(3, start=100))  # new stories
    check()
    assert store.views.count(View(search="storm")) == 33
    first = store.views.headlines(View(search="storm"), 0, 1)[0]
    store.set_read([first.id], True)  # no word changed: nothing to rank again
    check()
    changed = [entry(f"w{n}", f"Weather {n}", "calm over the harbour", n * 60)
               for n in range(3)]  # updated stories lose "storm"
    store.upsert_entries(weather_id, changed)
    check()
    assert store.views.count(View(search="storm")) == 30
    store.update_source(weather_id, title="Harbour Watch")  # the source's words are searched
    check()
    assert store.views.count(View(search="coast weather")) == 0
    assert store.views.count(View(search="watch")) == 33
    store.remove_source(weather_id)
    check()
    assert [store.views.count(v) for v in views] == [0, 0, 0, 20]


def test_a_search_is_ranked_once_then_answered_from_what_is_kept(store: Store) -> None:
    view = View(search="storm")
    seen = ranking_statements(store)
    total = store.search.prepare(view)
    assert total == 30 and len(seen) == 1
    seen.clear()
    assert store.views.count(view) == 30
    top = store.views.headlines(view, 0, 10)
    assert store.views.index_of(view, top[3].id) == 3
    assert store.views.headlines(view, 10, 10)
    assert seen == []  # count, position and pages: no ranking again
    source = store.sources()[0]
    store.upsert_entries(source.id, weather(1, start=500))  # the index changed
    assert store.views.count(view) == 31
    assert store.views.headlines(view, 0, 1) and len(seen) == 1


def test_best_first_in_the_window_then_newest_stored(store: Store,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ranking, "WINDOW", 8)
    conn = store.db.conn()
    newest = [r[0] for r in conn.execute(
        "SELECT rowid FROM stories_fts WHERE stories_fts MATCH 'storm' ORDER BY rowid DESC")]
    ranks = dict(conn.execute(
        "SELECT rowid, rank FROM stories_fts WHERE stories_fts MATCH 'storm'").fetchall())
    store.search.prepare(View(search="storm"))
    listed = [h.id for h in store.views.headlines(View(search="storm"), 0, 100)]
    window = sorted(newest[:8], key=lambda i: (ranks[i], -i))
    assert listed == window + newest[8:]
    assert ranks[listed[0]] < ranks[listed[7]]  # best (lowest bm25 rank) first


def test_a_prefix_with_one_word_behind_it_is_asked_as_that_word(store: Store) -> None:
    conn = store.db.conn()
    asked: list[str] = []
    conn.set_trace_callback(asked.append)
    view = View(search="harb")  # only "harbour" starts with it
    by_prefix = [r[0] for r in conn.execute(
        "SELECT rowid FROM stories_fts WHERE stories_fts MATCH '\"harb\"*' "
        "ORDER BY rank, rowid DESC")]
    asked.clear()
    assert store.search.prepare(view) == len(by_prefix) == 30
    assert [h.id for h in store.views.headlines(view, 0, 100)] == by_prefix
    ranking = [sql for sql in asked if "rank" in sql]
    assert ranking and all("'\"harbour\"'" in sql for sql in ranking)
    assert all("'\"harbour\"'" in sql for sql in asked if "COUNT" in sql)  # counted as the word
    # A second word with the prefix: asked as a prefix again, same answers as a cold store.
    source = store.sources()[0]
    store.upsert_entries(source.id, [entry("h", "Harbinger", "a harbinger of spring", 5)])
    asked.clear()
    assert store.search.prepare(view) == 31
    assert any("'\"harb\"*'" in sql for sql in asked if "rank" in sql)
    assert answers(store, view) == cold(store, view)
    # A prefix among other words, and a word that is complete: narrowed, same answers.
    for other in (View(search="weather harb"), View(search="title:weath"),
                  View(search="storm -council harb")):
        store.search.prepare(other)
        assert answers(store, other) == cold(store, other), other


def test_typing_on_past_a_prefix_with_one_word_ranks_and_looks_up_once(store: Store) -> None:
    """"har" has one word behind it ("harbour"): "harb", "harbo" ... "harbour" are the same
    search, ranked once, and the index's word list is read once; the answers are a cold
    store's. A prefix that leaves the word ("harbx") matches nothing."""
    asked: list[str] = []
    store.db.conn().set_trace_callback(asked.append)
    typed = ["har", "harb", "harbo", "harbou", "harbour"]
    for text in typed:
        assert store.search.prepare(View(search=text)) == 30
    assert len([sql for sql in asked if "rank" in sql]) == 1
    assert len([sql for sql in asked if "nr_terms" in sql and "SELECT" in sql]) == 2
    for text in typed:
        assert answers(store, View(search=text)) == cold(store, View(search=text)), text
    assert store.search.prepare(View(search="harbx")) == 0 == cold(store, View(search="harbx"))[0]
    # A new word with the prefix is a new version of the index: looked up again, and seen.
    source = store.sources()[0]
    store.upsert_entries(source.id, [entry("h", "Harbinger", "a harbinger of spring", 5)])
    assert store.search.prepare(View(search="har")) == 31
    assert store.search.prepare(View(search="harbo")) == 30
    assert answers(store, View(search="harbo")) == cold(store, View(search="harbo"))


def test_a_search_told_to_stop_stops_and_keeps_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "big.sqlite3", clock=lambda: NOW)
    source = store.add_source("feed", "https://w.example/feed", "Weather")
    store.upsert_entries(source.id, weather(3000))
    view = View(search="storm")
    asked = 0

    def stop() -> bool:
        nonlocal asked
        asked += 1
        return True

    assert store.search.prepare(view, stop) is None
    assert asked > 0
    seen = ranking_statements(store)
    assert store.views.count(View()) == 3000  # the connection is not left stopping everything
    assert store.search.prepare(view, lambda: False) == 3000
    assert len(seen) == 1  # ranked now: the stopped search had kept nothing ranked
    assert store.views.headlines(view, 0, 1)


def test_inside_a_write_the_index_as_written_so_far_is_searched(store: Store) -> None:
    view = View(search="storm")
    assert store.search.prepare(view) == 30
    source = store.sources()[0]
    with store.db.write() as conn:
        conn.execute("INSERT INTO stories (source_id, key, published, first_seen, "
                     "content_hash, title) VALUES (?, 'x', ?, ?, 'h', 'storm warning')",
                     (source.id, NOW, NOW))
        flush_index(conn)
        assert store.views.count(view) == 31  # not the kept 30
    assert store.views.count(view) == 31


def test_the_kept_windows_stay_few(store: Store) -> None:
    for n in range(ranking.KEEP + 10):
        store.search.prepare(View(search=f"storm {n}"))
    windows = store.views.windows
    assert len(windows._items) == ranking.KEEP


def test_the_index_version_is_read_from_fts5(store: Store) -> None:
    """The version stamp this relies on: FTS5's averages and structure records."""
    conn = store.db.conn()
    before = conn.execute(ranking.VERSION).fetchall()
    assert [len(row) for row in before] == [1, 1] and all(row[0] for row in before)
    source = store.sources()[0]
    store.upsert_entries(source.id, [entry("w0", "Weather 0", "storm over the harbour!", 0)])
    assert conn.execute(ranking.VERSION).fetchall() != before
