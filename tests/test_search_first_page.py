"""A search's first page is the rows on screen; the rest of the list is read as it is reached.

The search thread reads only as many headlines as the list shows, so the results wait for
no more than that. These tests check that the short page is what the list draws, and that
moving past it, or jumping to the end, draws the right headlines (read then), never
placeholders left behind.
"""

from __future__ import annotations

from pathlib import Path

from reader.models import Entry, Headline, View
from reader.store import Store
from reader.store.search.runner import SearchRunner
from reader.store.views import Views
from reader.ui.widgets.headline_list import PAGE_SIZE, HeadlineList
from tests.helpers.pilot import SIZE, RecordingApp, open_search, settle
from tests.helpers.stories import NOW, add_source, best_first, entry

WAIT = 30.0
STORIES = 150  # more than a page: the first page and the next are both in play


def stormy(count: int) -> list[Entry]:
    return [entry(f"s{i}", f"Storm report {i:03d}", f"The storm, day {i}.",
                  published=NOW - i * 60) for i in range(count)]


def visible(headlines: HeadlineList) -> list[str]:
    return [headlines.render_line(y).text
            for y in range(headlines.scrollable_content_region.height)]


def test_the_runner_reads_as_many_rows_as_asked(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3", clock=lambda: NOW)
    add_source(store, "Coast", stormy(40))
    runner = SearchRunner(store.search, page_size=25)
    try:
        view = View(search="storm")
        for asked, got in [(5, 5), (None, 25), (0, 1), (1000, 25)]:
            found = runner.submit(view, asked).result(WAIT)
            assert found is not None and found.total == 40
            assert [h.title for h in found.rows] == best_first(store, "storm")[:got]
    finally:
        runner.close()
        store.close()


async def test_rows_past_the_first_screen_are_read_when_reached(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3", clock=lambda: NOW)
    add_source(store, "Coast", stormy(STORIES))
    order = best_first(store, "storm")
    app = RecordingApp(store)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await open_search(app, pilot)
            await pilot.press(*"storm")
            await settle(app, pilot)
            headlines = app.screen.query_one(HeadlineList)
            height = headlines.scrollable_content_region.height
            # The search came with the rows on screen, not a whole page ...
            assert headlines.cached_rows == height < PAGE_SIZE
            assert headlines.headline_at(0) is not None
            assert headlines.headline_at(0).title == order[0]  # type: ignore[union-attr]
            # ... and the rows below them are read when they are scrolled to (the mouse
            # wheel, while the bar is still open) ...
            headlines.scroll_to(y=height, animate=False)
            await settle(app, pilot)
            drawn = [headlines.headline_at(row) for row in range(height, 2 * height)]
            assert [h.title if h else None for h in drawn] == order[height:2 * height]
            assert not any(line.strip().startswith("…") for line in visible(headlines))
            # ... or when the cursor heads for them (focus on the list, no reload).
            headlines.scroll_to(y=0, animate=False)
            app.set_focus(headlines)
            await settle(app, pilot)
            assert headlines.cursor == -1  # (no row is selected while searching)
            for _ in range(2 * height + 3):
                await pilot.press("j")
            await settle(app, pilot)
            assert headlines.cursor == 2 * height + 2
            here = headlines.headline_at(headlines.cursor)
            assert here is not None and here.title == order[headlines.cursor]
            await pilot.press("end")  # the last row, on another page
            await settle(app, pilot)
            last = headlines.headline_at(STORIES - 1)
            assert last is not None and last.title == order[-1]
            assert not any(line.strip().startswith("…") for line in visible(headlines))
    finally:
        store.close()


async def test_a_page_read_whole_is_not_asked_again_when_it_comes_back_short(
        tmp_path: Path) -> None:
    """A page can come back shorter than the count says (a story deleted meanwhile, whose
    index entry is still there): its missing rows stay placeholders, and the page is not
    read again and again for them."""

    class ShortPages(Views):
        reads = 0

        def headlines(self, view: View, offset: int, limit: int) -> list[Headline]:
            rows = super().headlines(view, offset, limit)
            if limit == PAGE_SIZE:
                self.reads += 1
                return rows[:PAGE_SIZE // 2]  # half of each whole page is "gone"
            return rows

    store = Store(tmp_path / "cache.sqlite3", clock=lambda: NOW)
    pages = store.views = ShortPages(store.db, store.index)
    add_source(store, "Coast", stormy(STORIES))
    app = RecordingApp(store)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            headlines = app.screen.query_one(HeadlineList)
            headlines.scroll_to(y=PAGE_SIZE // 2 + 5, animate=False)  # rows the page lacks
            for _ in range(5):
                await settle(app, pilot)
            reads = pages.reads
            await pilot.pause(0.2)  # (a loop would go on reading meanwhile)
            await settle(app, pilot)
            assert pages.reads == reads <= 3
            assert headlines.headline_at(PAGE_SIZE // 2 + 5) is None
    finally:
        store.close()


async def test_a_tiny_terminal_searches_and_reads_on(tmp_path: Path) -> None:
    """A terminal a few lines high: the first page is what fits (at least a row), and the
    list reads on from there as the cursor moves."""
    store = Store(tmp_path / "cache.sqlite3", clock=lambda: NOW)
    add_source(store, "Coast", stormy(STORIES))
    order = best_first(store, "storm")
    app = RecordingApp(store)
    try:
        async with app.run_test(size=(60, 10)) as pilot:
            await settle(app, pilot)
            await open_search(app, pilot)
            await pilot.press(*"storm")
            await settle(app, pilot)
            headlines = app.screen.query_one(HeadlineList)
            assert 1 <= headlines.cached_rows < PAGE_SIZE
            assert headlines.total == STORIES
            app.set_focus(headlines)
            await settle(app, pilot)
            for _ in range(12):
                await pilot.press("j")
            await settle(app, pilot)
            here = headlines.headline_at(headlines.cursor)
            assert here is not None and here.title == order[headlines.cursor]
    finally:
        store.close()
