"""Pilot tests of source management in the app: rename, move to a folder, remove with
confirmation and undo, health, and stale sources flagged in the list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from reader.models import View
from reader.store.health import DAY
from reader.ui.controllers.sources import SourcesController
from reader.ui.screens.dialogs import ConfirmScreen, PromptScreen
from reader.ui.screens.source_info import SourceInfoScreen
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.source_list import SourceList
from tests.helpers.pilot import RecordingApp, main, screen_text, settle
from tests.helpers.stories import NOW, add_source, make_store, numbered


async def focus_source(app: RecordingApp, pilot: Pilot[Any], title: str) -> None:
    """Show the source list, focus it and highlight the source called `title`."""
    screen = main(app)
    if not screen.show_sources:
        await pilot.press("S")
        await settle(app, pilot)
    sources = screen.query_one(SourceList)
    sources.focus()
    source = next(s for s in screen.sources if s.title == title)
    sources.highlighted = sources.get_option_index(f"source:{source.id}")
    await pilot.pause()


async def test_rename_and_move_to_a_folder(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    daily = add_source(store, "Daily", numbered("daily", 3))
    add_source(store, "Weekly", numbered("weekly", 2, start=NOW - 3600))
    app = RecordingApp(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await focus_source(app, pilot, "Daily")
        await pilot.press("e")
        await settle(app, pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+u", *"Morning [b]Post[/b]", "enter")  # typed, not markup
        await settle(app, pilot)
        assert store.get_source(daily).title == "Morning [b]Post[/b]"  # type: ignore[union-attr]
        assert "Morning [b]Post[/b]" in screen_text(app)
        await focus_source(app, pilot, "Morning [b]Post[/b]")
        await pilot.press("M")
        await settle(app, pilot)
        await pilot.press(*" News // Local/ ", "enter")
        await settle(app, pilot)
        assert store.get_source(daily).folder == "News/Local"  # type: ignore[union-attr]
        text = screen_text(app)
        assert "▸ News/Local" in text
        await focus_source(app, pilot, "Morning [b]Post[/b]")
        await pilot.press("M")
        await settle(app, pilot)
        await pilot.press("escape")  # cancelled: nothing changes
        await settle(app, pilot)
        assert store.get_source(daily).folder == "News/Local"  # type: ignore[union-attr]


async def test_remove_asks_first_and_u_puts_everything_back(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 3))
    weekly = add_source(store, "Weekly", numbered("weekly", 4, start=NOW - 3600))
    starred = store.views.headlines(View(source_id=weekly), 0, 1)[0].id
    store.set_starred(starred, True)
    before = [store.story(h.id) for h in store.views.headlines(View(source_id=weekly), 0, 10)]
    app = RecordingApp(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await focus_source(app, pilot, "Weekly")
        await pilot.press("X")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # declined
        await settle(app, pilot)
        assert store.get_source(weekly) is not None
        await focus_source(app, pilot, "Weekly")
        await pilot.press("X")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert store.get_source(weekly) is None
        assert app.screen.query_one(HeadlineList).total == 3
        assert "Weekly" not in screen_text(app)
        assert any("Removed Weekly (4 stories). u undoes it." in note
                   for _severity, note in app.notes)
        await pilot.press("u")
        await settle(app, pilot)
        assert [store.story(s.id) for s in before if s is not None] == before
        assert app.screen.query_one(HeadlineList).total == 7
        assert "Weekly" in screen_text(app)
        await pilot.press("u")
        assert ("information", "Nothing to undo.") in app.notes


async def test_health_screen_and_stale_flag(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 6, step=DAY / 3))
    old = add_source(store, "Old Feed", numbered("old", 2, start=NOW - 200 * DAY),
                     kind="feed", location="https://old.example/feed")
    store.update_source(old, status="error", last_error="HTTP 503 (https://old.example/feed)")
    quiet = add_source(store, "Quiet Feed", numbered("quiet", 1, start=NOW - 100 * DAY),
                       kind="feed", location="https://quiet.example/feed")
    app = RecordingApp(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        screen = main(app)
        sources = screen.query_one(SourceList)
        assert sources.stale == {old, quiet}
        await focus_source(app, pilot, "Daily")
        await pilot.press("i")
        await settle(app, pilot)
        assert isinstance(app.screen, SourceInfoScreen)
        rows = dict(app.screen.rows)
        assert rows["Name"] == "Daily" and rows["Stories"].startswith("6")
        assert rows["Per day"].startswith("3.6")  # 6 stories over the 1.67 days they span
        assert "Stale" not in rows
        await pilot.press("escape")
        await settle(app, pilot)
        await focus_source(app, pilot, "Old Feed")
        await pilot.press("i")
        await settle(app, pilot)
        assert isinstance(app.screen, SourceInfoScreen)
        rows = dict(app.screen.rows)
        assert rows["Last error"] == "HTTP 503 (https://old.example/feed)"
        assert rows["Stale"].startswith("yes")
        assert rows["Full articles"] == "off"
        await pilot.press("escape")
        await settle(app, pilot)
        assert "stale: 90 days silent" in screen_text(app)


async def test_stale_marks_when_the_sources_came_before_the_controller(tmp_path: Path) -> None:
    """The sources controller is mounted after the workers inside it start, so the sources
    may already be on the screen when it starts watching them: it looks at them at once."""
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 6, step=DAY / 3))
    old = add_source(store, "Old Feed", numbered("old", 2, start=NOW - 200 * DAY),
                     kind="feed", location="https://old.example/feed")
    app = RecordingApp(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        screen = main(app)
        sources = screen.query_one(SourceList)
        sources.stale = frozenset()
        assert screen.sources, "the sources were not loaded"
        await screen.mount(SourcesController(id="late-sources-controller"))
        await settle(app, pilot)
        assert sources.stale == {old}


async def test_source_actions_without_a_source_say_what_to_do(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    app = RecordingApp(store)
    store.set_meta("welcome_shown", "1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        assert any("Choose a source first" in note for _severity, note in app.notes)
