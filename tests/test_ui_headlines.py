"""Pilot tests of the headline list as a line-API widget: bounded memory on a big view, the
mouse, and rows that stay put while the cache changes underneath."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from textual import events

from reader.models import Headline, View
from reader.store import Store
from reader.ui.widgets.headline_list import MAX_PAGES, PAGE_SIZE, HeadlineList
from tests.helpers.pilot import SIZE, RecordingApp, headline_rows, main, settle, shown_title
from tests.helpers.stories import NOW, add_source, make_store, numbered

BIG = 20_000


async def test_a_big_view_keeps_few_rows_and_scrolls_to_the_oldest(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Big", numbered("big", BIG, step=1.0, paragraphs=1))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        assert headlines.total == BIG
        assert headlines.virtual_size.height == BIG
        assert 0 < headlines.cached_rows <= PAGE_SIZE * MAX_PAGES
        assert not app.screen.query("HeadlineList *")  # no widget per row
        seen = set()
        for y in range(0, BIG - 100, BIG // 12):  # scroll through 12+ pages: older ones are dropped
            headlines.scroll_to(y=y, animate=False)
            await settle(app, pilot)
            assert f"big story {y} " in headline_rows(app)[0]
            seen.add(y // PAGE_SIZE)
            assert headlines.cached_rows <= PAGE_SIZE * MAX_PAGES
        assert len(seen) > MAX_PAGES and headlines.headline_at(0) is None  # page 0 evicted
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert shown_title(app) == f"big story {headlines.cursor}"
        await pilot.press("end")
        await settle(app, pilot)
        assert headlines.cursor == BIG - 1
        assert shown_title(app) == f"big story {BIG - 1}"
        rows = [row for row in headline_rows(app) if row.strip()]
        assert f"big story {BIG - 1}" in rows[-1]
        assert headlines.cached_rows <= PAGE_SIZE * MAX_PAGES
        await pilot.press("home")
        await settle(app, pilot)
        assert shown_title(app) == "big story 0"
        assert "big story 0" in headline_rows(app)[0]


async def test_clicking_a_headline_opens_it(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 10))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        top = headlines.content_region.y - headlines.region.y
        await pilot.click(HeadlineList, offset=(6, top + 4))
        await settle(app, pilot)
        assert shown_title(app) == "daily story 4"
        assert headlines.cursor == 4


async def test_mouse_scroll_moves_the_list_not_the_story(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 200))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        for _ in range(5):
            await pilot._post_mouse_events([events.MouseScrollDown], HeadlineList, offset=(5, 5))
        await settle(app, pilot)
        assert headlines.scroll_y > 0
        assert shown_title(app) == "daily story 0"
        first = headline_rows(app)[0]
        assert f"daily story {int(headlines.scroll_y)} " in first


async def test_new_stories_do_not_move_the_open_story(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    source = add_source(store, "Daily", numbered("daily", 50))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j", "j")
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        before_rows = headline_rows(app)
        screen_row = headlines.cursor - int(headlines.scroll_y)
        assert shown_title(app) == "daily story 3"
        # five newer stories arrive, as a refresh would store them
        store.upsert_entries(source, numbered("fresh", 5, start=NOW + 3600))
        headlines.reload()
        await settle(app, pilot)
        assert headlines.total == 55
        assert shown_title(app) == "daily story 3"
        assert headlines.cursor == 8
        assert headlines.cursor - int(headlines.scroll_y) == screen_row
        assert headline_rows(app)[screen_row] == before_rows[screen_row]
        await pilot.press("j")
        await settle(app, pilot)
        assert shown_title(app) == "daily story 4"
        assert main(app).story_id == store.views.headlines(main(app).view, 9, 1)[0].id


class SlowViewsStore(Store):
    """The real store, but once `hold()` is called, counting a view and reading a page of
    headlines each wait until the test lets them go: a reload whose count (or page) comes
    late, on demand."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, clock=lambda: NOW)
        self.count_gate = threading.Event()
        self.page_gate = threading.Event()
        self.count_reached = threading.Event()
        self.count_gate.set()
        self.page_gate.set()
        views = self.views
        count, headlines = views.count, views.headlines

        def held_count(view: View) -> int:
            self.count_reached.set()
            assert self.count_gate.wait(30), "the test never let the count go"
            return count(view)

        def held_headlines(view: View, offset: int, limit: int) -> list[Headline]:
            assert self.page_gate.wait(30), "the test never let the page go"
            return headlines(view, offset, limit)

        views.count = held_count  # type: ignore[method-assign]
        views.headlines = held_headlines  # type: ignore[method-assign]

    def hold(self) -> None:
        self.count_reached.clear()
        self.count_gate.clear()
        self.page_gate.clear()


async def test_j_during_a_reload_is_not_undone_when_the_count_arrives(tmp_path: Path) -> None:
    store = SlowViewsStore(tmp_path / "cache.sqlite3")
    add_source(store, "Daily", numbered("daily", 10))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j")
        await settle(app, pilot)
        assert shown_title(app) == "daily story 1"
        store.hold()
        main(app).reload_now()  # stories came or went: the list counts itself again
        assert await asyncio.to_thread(store.count_reached.wait, 30)
        await pilot.press("j")  # while the count is still on its way
        headlines = app.screen.query_one(HeadlineList)
        assert headlines.cursor == 2
        store.count_gate.set()  # the count arrives first, then the page
        await settle(app, pilot, ignore=frozenset({"headline-pages"}))
        store.page_gate.set()
        await settle(app, pilot)
        assert headlines.cursor == 2
        assert shown_title(app) == "daily story 2"
