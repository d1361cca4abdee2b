"""Pilot tests of start-up, help and quitting: the app shows the cache at once and explains
its keys from its own bindings."""

from __future__ import annotations

from pathlib import Path

from reader.ui.screens.help import HelpScreen
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.key_footer import KeyFooter
from reader.ui.widgets.teaser_sidebar import TeaserSidebar
from reader.ui.widgets.title_bar import TitleBar
from tests.helpers.pilot import (
    SIZE,
    RecordingApp,
    headline_rows,
    main,
    screen_text,
    settle,
    shown_title,
)
from tests.helpers.stories import add_source, make_store, numbered


async def test_start_shows_the_cache_and_opens_the_newest_story(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.title == "newsreader"
        assert app.screen.query(TitleBar) and app.screen.query(KeyFooter)
        rows = headline_rows(app)
        assert "daily story 0" in rows[0] and "daily story 4" in rows[4]
        assert rows[5].strip() == ""
        assert shown_title(app) == "daily story 0"
        assert "daily 0 paragraph 1." in main(app).article_view.rendered.plain  # type: ignore[union-attr]
        assert isinstance(app.focused, HeadlineList)
    assert store.story(main_story_id(store, "daily-0")).read  # opening marked it read
    assert not store.story(main_story_id(store, "daily-1")).read


def main_story_id(store, key: str) -> int:  # type: ignore[no-untyped-def]
    row = store.db.conn().execute("SELECT id FROM stories WHERE key = ?", (key,)).fetchone()
    return int(row[0])


async def test_open_story_selects_and_shows_it(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 30))
    wanted = main_story_id(store, "daily-17")
    app = RecordingApp(store, open_story=wanted)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert shown_title(app) == "daily story 17"
        assert app.screen.query_one(HeadlineList).cursor == 17
        assert "daily story 17" in screen_text(app)


async def test_first_launch_shows_the_welcome_source(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert [s.kind for s in store.sources()] == ["welcome"]
        assert app.screen.query_one(HeadlineList).total >= 1
        assert shown_title(app)  # a welcome story is open, not an empty screen


async def test_help_screen_lists_the_bindings_in_force(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 3))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(" ".join(keys + " " + desc for keys, desc in rows)
                        for _title, rows in app.screen.groups)
        titles = [title for title, _rows in app.screen.groups]
        # every pane's own bindings, with the descriptions they declare
        for pane in (HeadlineList, ArticleView, TeaserSidebar):
            assert pane.HELP_GROUP in titles
            for binding in pane.BINDINGS:
                assert binding.description in text  # type: ignore[union-attr]
        for expected in ("Next unread", "Star", "Open link", "Add source", "Refresh all",
                         "Quit", "Page / next unread", "Open teaser"):
            assert expected in text
        assert "Next unread" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_q_quits(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 3))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
