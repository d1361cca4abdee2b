"""Retention: what it removes, what it never removes, and the space it gives back.

A fake clock places each refresh in time: stories stored by one `upsert_entries` share
their `first_seen`, which is how "the latest arrival of a source" is known.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from reader.config import Config
from reader.models import Entry, View
from reader.store import Store
from reader.store.retention import DAY, RetentionPolicy, apply_retention, expired, reclaim

NOW = 1_732_700_000.0


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def entry(key: str, age_days: float, words: str = "") -> Entry:
    return Entry(key=key, title=f"Story {key}", body_html=f"<p>{key} {words}</p>",
                 published=NOW - age_days * DAY)


def ids(store: Store, view: View | None = None) -> dict[str, int]:
    view = view or View()
    return {h.title.removeprefix("Story "): h.id for h in store.views.headlines(view, 0, 10_000)}


def make(tmp_path: Path) -> tuple[Store, Clock, int]:
    clock = Clock(NOW - 100 * DAY)
    store = Store(tmp_path / "cache.sqlite3", clock=clock)
    source = store.add_source("feed", "https://e.example/f", "Feed")
    # an old refresh: stories of 90, 60 and 40 days ago
    store.upsert_entries(source.id, [entry("old-read", 90), entry("old-unread", 90),
                                     entry("old-starred", 60), entry("mid-read", 40)])
    clock.now = NOW - 1 * DAY  # the latest refresh brought one new and one old story
    store.upsert_entries(source.id, [entry("new", 0.5), entry("late-old", 80)])
    found = ids(store)
    store.set_read([found[k] for k in ("old-read", "old-starred", "mid-read", "new",
                                       "late-old")], True)
    store.set_starred(found["old-starred"], True)
    clock.now = NOW
    return store, clock, source.id


def test_age_removes_old_read_stories_and_never_starred_unread_or_latest(tmp_path: Path
                                                                         ) -> None:
    store, _clock, _source = make(tmp_path)
    result = apply_retention(store, RetentionPolicy(max_age_days=30))
    assert result.removed == 2
    assert sorted(ids(store)) == ["late-old", "new", "old-starred", "old-unread"]
    assert store.views.counts() == {"all": 4, "unread": 1, "starred": 1}
    assert store.views.count(View(search="read")) == 0  # the removed stories' words are gone


def test_a_cap_per_source_keeps_the_newest_and_the_protected(tmp_path: Path) -> None:
    store, _clock, source = make(tmp_path)
    other = store.add_source("feed", "https://o.example/f", "Other")
    store.upsert_entries(other.id, [entry(f"other-{n}", n) for n in range(3)])
    assert apply_retention(store, RetentionPolicy(max_per_source=2)).removed == 2
    # newest two of Feed ("new", "mid-read"), plus starred, plus the latest arrival;
    # "old-unread" goes: the cap counts every story, read or not. Other's three stories are
    # all its latest arrival: kept, whatever the cap says.
    assert sorted(ids(store, View(source_id=source))) == [
        "late-old", "mid-read", "new", "old-starred"]
    assert sorted(ids(store, View(source_id=other.id))) == ["other-0", "other-1", "other-2"]
    assert [(s.label, s.total) for s in store.sources()] == [("Feed", 4), ("Other", 3)]


def test_a_removed_story_does_not_come_back_with_the_next_refresh(tmp_path: Path) -> None:
    store, clock, source = make(tmp_path)
    apply_retention(store, RetentionPolicy(max_age_days=30))
    clock.now = NOW + DAY  # the feed still carries the old stories
    result = store.upsert_entries(source, [entry("old-read", 90), entry("mid-read", 40),
                                           entry("newest", 0)])
    assert (result.new, result.unchanged) == (1, 2)
    assert "old-read" not in ids(store) and "newest" in ids(store)
    store.remove_source(source)  # tombstones go with their source
    assert store.db.conn().execute("SELECT COUNT(*) FROM removed_stories").fetchone()[0] == 0


def test_nothing_is_removed_without_a_policy_and_starring_in_time_saves(tmp_path: Path
                                                                         ) -> None:
    store, _clock, _source = make(tmp_path)
    assert apply_retention(store, RetentionPolicy()).removed == 0
    policy = RetentionPolicy(max_age_days=30)
    doomed = expired(store, policy)
    assert sorted(doomed) == sorted(ids(store)[k] for k in ("old-read", "mid-read"))
    store.set_starred(ids(store)["mid-read"], True)  # starred between choosing and removing
    assert apply_retention(store, policy).removed == 1
    assert "mid-read" in ids(store)


def test_the_policy_comes_from_the_configuration() -> None:
    assert RetentionPolicy.from_config(Config()) == RetentionPolicy(0, 0)
    assert not RetentionPolicy.from_config(None).active
    config = Config(retention__max_age_days=30, retention__max_per_source=500)
    assert RetentionPolicy.from_config(config) == RetentionPolicy(30, 500)


def test_space_is_given_back_in_small_steps(tmp_path: Path) -> None:
    clock = Clock(NOW - 10 * DAY)
    path = tmp_path / "cache.sqlite3"
    store = Store(path, clock=clock)
    source = store.add_source("feed", "https://e.example/f", "Feed")
    filler = "<p>" + random.Random(1).randbytes(2400).hex() + "</p>"  # (bodies compress)
    store.upsert_entries(source.id, [
        Entry(key=f"k{n}", title=f"Story {n}", body_html=filler, published=NOW - 60 * DAY)
        for n in range(300)])
    store.set_read(list(ids(store).values()), True)
    clock.now = NOW
    store.upsert_entries(source.id, [entry("fresh", 0)])
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental, from birth
    before = conn.execute("PRAGMA page_count").fetchone()[0]
    result = apply_retention(store, RetentionPolicy(max_age_days=30))
    assert result.removed == 300 and result.pages_freed > 0
    after = conn.execute("PRAGMA page_count").fetchone()[0]
    assert after < before / 2
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert reclaim(store) == 0  # nothing left to give back
    assert store.quick_check() == "ok"
