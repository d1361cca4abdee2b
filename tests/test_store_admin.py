"""Source health and removal with undo, on a real cache file."""

from __future__ import annotations

from pathlib import Path

from reader.models import View
from reader.store import Store
from reader.store.health import DAY, source_health, stale_sources
from reader.store.trash import put_back, take_out
from tests.helpers.stories import NOW, add_source, entry, numbered


def test_health_counts_stories_per_day_and_flags_stale_feeds(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.db", clock=lambda: NOW - 100 * DAY)
    busy = add_source(store, "Busy", numbered("busy", 60, start=NOW, step=DAY / 2),
                      kind="feed", location="https://busy.example/feed")
    quiet = add_source(store, "Quiet", [entry("old", "Old", "x", published=NOW - 120 * DAY)],
                       kind="feed", location="https://quiet.example/feed")
    local = add_source(store, "Archive", [entry("a", "A", "x", published=NOW - 400 * DAY)])
    store.update_source(quiet, status="error", last_error="HTTP 500", last_success=NOW - 9)
    health = source_health(store, busy, NOW)
    assert health is not None and health.stories == 60
    # all 60 fall in the last 30 days, over the 29.5 days they span
    assert health.per_day == 60 / 29.5
    assert not health.stale and health.newest == NOW
    quiet_health = source_health(store, quiet, NOW)
    assert quiet_health is not None and quiet_health.stale
    assert quiet_health.last_error == "HTTP 500" and quiet_health.last_success == NOW - 9
    assert stale_sources(store, NOW) == {quiet}  # a local archive is old on purpose
    assert local not in stale_sources(store, NOW + 1000 * DAY)
    assert source_health(store, 999, NOW) is None


def test_a_removed_source_comes_back_exactly(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.db", clock=lambda: NOW)
    keep = add_source(store, "Keep", numbered("keep", 3))
    gone = add_source(store, "Gone", numbered("gone", 5), kind="feed",
                      location="https://gone.example/feed")
    ids = [h.id for h in store.views.headlines(View(source_id=gone), 0, 10)]
    store.set_read(ids[:2])
    store.set_starred(ids[3], True)
    store.set_full_article(ids[4], "<p>The whole story, kept.</p>")
    before = (store.get_source(gone), [store.story(i) for i in ids], store.views.counts())

    removed = take_out(store, gone)
    assert removed is not None and removed.stories == 5 and removed.label == "Gone"
    assert store.get_source(gone) is None and store.views.count(View()) == 3
    assert [s.id for s in store.sources()] == [keep]

    assert put_back(store, removed) is True
    after = (store.get_source(gone), [store.story(i) for i in ids], store.views.counts())
    assert after == before  # ids, read/starred marks, full article, counts
    assert store.views.count(View(search="gone story 3")) >= 1  # searchable again
    assert take_out(store, 12345) is None


def test_put_back_refuses_when_the_location_was_added_again(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.db", clock=lambda: NOW)
    gone = add_source(store, "Gone", numbered("gone", 2), location="/news/gone.txt")
    removed = take_out(store, gone)
    assert removed is not None
    add_source(store, "Again", numbered("again", 1), location="/news/gone.txt")
    assert put_back(store, removed) is False
    assert [s.title for s in store.sources()] == ["Again"]
