"""Zen while a search is on: the article alone, and `esc` undoes one step at a time (zen
first, then the search), each time putting back what was on screen before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from reader.models import View
from reader.ui.app import NewsApp
from reader.ui.screens.reading import ReadingScreen
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.search_bar import SearchBar
from tests.helpers.pilot import SIZE, RecordingApp, screen_text, settle, shown_title
from tests.helpers.stories import NOW, add_source, entry, make_store, numbered


def build(tmp_path: Path) -> RecordingApp:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 20))
    add_source(store, "Weather", [
        entry(f"w{n}", f"Storm number {n} reaches the harbour", "A big storm came ashore.",
              published=NOW - n * 3600 - 30) for n in range(3)])
    return RecordingApp(store)


def reader(app: NewsApp) -> ReadingScreen:
    screen = app.screen
    assert isinstance(screen, ReadingScreen)
    return screen


async def search_and_read(app: NewsApp, pilot: Pilot[Any], text: str) -> SearchBar:
    """`/`, the words, `enter`: the first result opens and the keys go to the list."""
    await pilot.press("slash", *text)
    await settle(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)
    bar = app.screen.query_one(SearchBar)
    assert bar.is_open and bar.display
    assert app.focused is app.screen.query_one(HeadlineList)
    return bar


async def test_zen_hides_the_search_and_esc_leaves_zen_before_the_search(
        tmp_path: Path) -> None:
    app = build(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert shown_title(app) == "daily story 0"
        bar = await search_and_read(app, pilot, "harbour")
        screen = reader(app)
        searched = screen.view
        assert searched.search == "harbour"
        assert "3 stories" in screen_text(app)  # the bar's count
        opened = shown_title(app)
        assert opened is not None and opened.startswith("Storm number")

        await pilot.press("z")
        await settle(app, pilot)
        assert screen.zen
        assert not bar.display  # the article alone ...
        text = screen_text(app)
        assert "3 stories" not in text and "harbour" not in text.splitlines()[0]
        assert app.focused is screen.query_one(ArticleView)

        await pilot.press("escape")  # ... until esc: zen ends, the search stays
        await settle(app, pilot)
        assert not screen.zen
        assert bar.is_open and bar.display and "3 stories" in screen_text(app)
        assert screen.view == searched and screen.search.before is not None
        assert shown_title(app) == opened
        assert app.focused is screen.query_one(HeadlineList)  # where the keys were

        await pilot.press("escape")  # and the next esc ends the search
        await settle(app, pilot)
        assert not bar.is_open and not bar.display and screen.search.before is None
        assert screen.view == View()
        assert shown_title(app) == "daily story 0"


async def test_slash_in_zen_leaves_zen_and_opens_the_search(tmp_path: Path) -> None:
    app = build(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("z")
        await settle(app, pilot)
        screen = reader(app)
        assert screen.zen
        await pilot.press("slash")
        await settle(app, pilot)
        bar = screen.query_one(SearchBar)
        assert not screen.zen
        assert bar.is_open and bar.display
        assert app.focused is bar.input  # zen's way back does not take the keys from the bar
        await pilot.press(*"storm")
        await settle(app, pilot)
        assert screen.view.search == "storm"
        assert screen.query_one(HeadlineList).total == 3
