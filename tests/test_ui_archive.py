"""Pilot tests of the archive keys: search as you type, esc back, smart feeds, mark all read
with undo, retention in the background, and a headline list that stays small at 100,000."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from reader.config import Config
from reader.models import View
from reader.store import Store
from reader.store.retention import DAY
from reader.ui.highlight import MATCH
from reader.ui.widgets.headline_list import MAX_PAGES, PAGE_SIZE, HeadlineList
from reader.ui.widgets.search_bar import SearchBar
from reader.ui.widgets.source_list import SourceList
from tests.helpers.pilot import (
    SIZE,
    RecordingApp,
    archive_screen,
    headline_rows,
    settle,
    shown_title,
    type_search,
)
from tests.helpers.stories import NOW, add_source, entry, make_store, numbered


def weather(count: int = 15) -> list[Any]:
    return [entry(f"w{i}", f"Storm number {i} hits the harbour", "A big storm came ashore.",
                  "Ferries stopped.", published=NOW - i * 3600 - 30) for i in range(count)]


def archive_store(tmp_path: Path) -> Store:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 200))
    add_source(store, "Weather", weather())
    return store


def unread(store: Store) -> dict[str, bool]:
    return {h.title: not h.read for h in store.views.headlines(View(), 0, 10_000)}


async def test_results_follow_the_typing_and_the_story_on_show_stays(tmp_path: Path) -> None:
    store = archive_store(tmp_path)
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        before_unread = unread(store)
        shown = shown_title(app)
        bar = await type_search(app, pilot, "harb")
        headlines = app.screen.query_one(HeadlineList)
        assert app.focused is bar.input and bar.is_open
        assert archive_screen(app).view.search == "harb"
        assert headlines.total == store.views.count(View(search="harb")) == 15
        assert all("Storm number" in row for row in headline_rows(app)[:15])
        assert "15 stories" in str(bar.query_one("#search-status").render())
        await pilot.press(*"our fer")
        await settle(app, pilot)
        assert headlines.total == 15  # "fer" is a prefix of "Ferries"
        await pilot.press(*"xyz")
        await settle(app, pilot)
        assert headlines.total == 0
        assert shown_title(app) == shown and unread(store) == before_unread  # nothing opened


async def test_enter_opens_the_best_match_with_the_words_marked(tmp_path: Path) -> None:
    store = archive_store(tmp_path)
    add_source(store, "Harbour", [entry("h", "Quiet day", "Nothing about storm here, just a "
                                             "storm in a teacup.", published=NOW - 99_000)])
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_search(app, pilot, "storm harbour")
        await pilot.press("enter")
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        assert app.focused is headlines and headlines.cursor == 0
        title = shown_title(app)
        assert title is not None and title.startswith("Storm number")
        rendered = archive_screen(app).article
        assert rendered is not None
        marked = {rendered.text.plain[s.start:s.end].lower() for s in rendered.text.spans
                  if s.style == MATCH}
        assert marked == {"storm", "harbour"}
        await pilot.press("j")
        await settle(app, pilot)
        assert shown_title(app) != title and "Storm" in (shown_title(app) or "")


async def test_esc_puts_back_the_view_story_and_scroll_position(tmp_path: Path) -> None:
    store = archive_store(tmp_path)
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("pagedown", "j", "j", "j")
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        before = (archive_screen(app).view, shown_title(app), headlines.cursor, headlines.scroll_y)
        assert before[3] > 0  # the list has scrolled
        await type_search(app, pilot, "storm")
        await pilot.press("enter", "j", "j")  # read some results
        await settle(app, pilot)
        assert shown_title(app) != before[1]
        await pilot.press("escape")
        await settle(app, pilot)
        after = (archive_screen(app).view, shown_title(app), headlines.cursor, headlines.scroll_y)
        assert after == before
        assert not app.screen.query_one(SearchBar).is_open and app.focused is headlines
        # esc straight from the bar, without opening anything, too
        await type_search(app, pilot, "ferries")
        assert headlines.total == 15
        await pilot.press("escape")
        await settle(app, pilot)
        assert (archive_screen(app).view, shown_title(app), headlines.cursor,
                headlines.scroll_y) == before
        # and with no search on, esc is left to the screen (nothing moves)
        await pilot.press("escape")
        await settle(app, pilot)
        assert (shown_title(app), headlines.cursor) == before[1:3]


async def test_a_search_kept_as_a_smart_feed_is_listed_across_runs(tmp_path: Path) -> None:
    store = archive_store(tmp_path)
    shown = Config(layout__show_sources="yes")  # a hidden list builds no rows
    app = RecordingApp(store, config=shown)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await type_search(app, pilot, "storm is:unread")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert any("Saved the smart feed" in note for _, note in app.notes)
        sources = app.screen.query_one(SourceList)
        [feed] = sources.smart_feeds
        assert (feed.name, feed.total, feed.unread) == ("storm is:unread", 15, 15)
        assert sources.display and sources.get_option(f"smart:{feed.id}") is not None
    again = RecordingApp(Store(store.path, clock=lambda: NOW), config=shown)
    async with again.run_test(size=(160, 40)) as pilot:
        await settle(again, pilot)
        sources = again.screen.query_one(SourceList)
        [feed] = sources.smart_feeds
        sources.focus()
        sources.highlighted = sources.get_option_index(f"smart:{feed.id}")
        await pilot.press("enter")
        await settle(again, pilot)
        assert archive_screen(again).view.smart_id == feed.id
        assert again.screen.query_one(HeadlineList).total == 15
        await pilot.press("j", "j")  # opening marks read: the smart feed's count follows
        await settle(again, pilot)
        archive_screen(again).search.count_smart_feeds()
        await settle(again, pilot)
        assert sources.smart_feeds[0].unread < 15
        await pilot.press("D")
        await settle(again, pilot)
        assert sources.smart_feeds == () and archive_screen(again).view == View()


async def test_mark_all_read_for_the_view_and_undo(tmp_path: Path) -> None:
    store = archive_store(tmp_path)
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_search(app, pilot, "storm")
        await pilot.press("enter")
        await settle(app, pilot)
        before = unread(store)
        assert sum(before.values()) > 15
        await pilot.press("A")
        await settle(app, pilot)
        after = unread(store)
        assert not any(v for k, v in after.items() if k.startswith("Storm"))
        assert {k: v for k, v in after.items() if not k.startswith("Storm")} == {
            k: v for k, v in before.items() if not k.startswith("Storm")}
        assert "●" not in "".join(headline_rows(app)[:15])
        assert any("Marked 14 stories read" in note for _, note in app.notes)
        await pilot.press("u")
        await settle(app, pilot)
        assert unread(store) == before
        assert "●" in "".join(headline_rows(app)[:15])
        assert archive_screen(app).counts["unread"] == sum(before.values())


async def test_retention_runs_in_the_background_not_at_start(tmp_path: Path) -> None:
    store = archive_store(tmp_path)
    conn = sqlite3.connect(store.path)
    conn.execute("UPDATE stories SET published = published - 400 * ?, read = 1, "
                 "first_seen = 0 WHERE key LIKE 'daily-%'", (DAY,))
    conn.commit()
    conn.close()
    daily = store.source_by_location("/nowhere/Daily.txt")
    assert daily is not None
    store.upsert_entries(daily.id, numbered("fresh", 1))  # Daily's latest arrival
    config = Config(retention__max_age_days=30)
    app = RecordingApp(store, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        assert headlines.total == 216  # nothing removed while starting
        assert archive_screen(app).refresh_control.retention_policy().max_age_days == 30
        archive_screen(app).refresh_control.run_retention()
        await settle(app, pilot)
        # the old daily stories were read, old, and not their source's latest arrival
        assert headlines.total == store.views.count(View()) == 16
        assert sum("Storm" in row for row in headline_rows(app)[:16]) == 15


@pytest.fixture(scope="module")
def hundred_thousand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache of 100,000 stories, written once through the store's own connection (so the
    search index and counters are kept by their triggers) in one executemany."""
    path = tmp_path_factory.mktemp("big") / "cache.sqlite3"
    store = Store(path, clock=lambda: NOW)
    source = store.add_source("feed", "https://big.example/feed", "Big")
    with store.db.write() as conn:
        conn.executemany(
            "INSERT INTO stories (source_id, key, published, first_seen, content_hash, title) "
            "VALUES (?, ?, ?, ?, 'h', ?)",
            ((source.id, f"k{n}", NOW - n, NOW, f"big story {n}") for n in range(100_000)))
    store.close()
    return path


async def test_a_view_of_100000_stories_keeps_a_bounded_number_of_rows(
        hundred_thousand: Path) -> None:
    store = Store(hundred_thousand, clock=lambda: NOW)
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        assert headlines.total == 100_000 and archive_screen(app).counts["all"] == 100_000
        assert 0 < headlines.cached_rows <= PAGE_SIZE * MAX_PAGES
        await pilot.press("end")
        await settle(app, pilot)
        assert shown_title(app) == "big story 99999"
        await pilot.press("k", "k", "pageup")
        await settle(app, pilot)
        assert shown_title(app) == f"big story {headlines.cursor}"
        for y in range(0, 100_000, 9_000):
            headlines.scroll_to(y=y, animate=False)
            await settle(app, pilot)
            assert f"big story {int(headlines.scroll_y)} " in headline_rows(app)[0]
            assert headlines.cached_rows <= PAGE_SIZE * MAX_PAGES
        await type_search(app, pilot, "99999")
        assert headlines.total == 1 and "big story 99999" in headline_rows(app)[0]
        assert headlines.cached_rows <= PAGE_SIZE * MAX_PAGES
