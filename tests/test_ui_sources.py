"""Pilot tests of views, the source list, adding a source (`a`) and refreshing (`r`, `R`),
with real files on disk read through the real service and refresh code."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import Input

from reader.models import View
from reader.service.sources import add_path
from reader.ui.screens.add_source import AddSourceScreen
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.source_list import SourceList
from tests.helpers.pilot import (
    SIZE,
    RecordingApp,
    headline_rows,
    main,
    screen_text,
    settle,
    shown_title,
)
from tests.helpers.stories import NOW, add_source, make_store, numbered

SAMPLE = Path(__file__).parent / "fixtures" / "samples" / "000_1cdceafaa06d3d12.txt"
SAMPLE_HEADLINE = "A Taliban spokesperson says a recent visit"


async def test_1_2_3_switch_between_all_unread_and_starred(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    starred = store.views.headlines(View(), 3, 1)[0]
    store.set_starred(starred.id, True)
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)  # story 0 is open, hence read
        headlines = app.screen.query_one(HeadlineList)
        await pilot.press("2")
        await settle(app, pilot)
        assert main(app).view.mode == "unread"
        assert headlines.total == 4
        assert "daily story 1" in headline_rows(app)[0]  # the open story was read
        assert headlines.cursor == -1  # so no row is the open story
        assert shown_title(app) == "daily story 0"
        await pilot.press("3")
        await settle(app, pilot)
        assert headlines.total == 1
        assert "daily story 3" in headline_rows(app)[0]
        assert shown_title(app) == "daily story 0"  # changing the view does not move the article
        await pilot.press("1")
        await settle(app, pilot)
        assert headlines.total == 5
        assert headlines.cursor == 0  # back in a view that holds the open story
        await pilot.press("2", "j")
        await settle(app, pilot)
        assert shown_title(app) == "daily story 1"


async def test_source_list_filters_and_shows_counts_and_trouble(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Alpha", numbered("alpha", 4, start=NOW))
    beta = add_source(store, "Beta", numbered("beta", 3, start=NOW - 3600))
    gamma = add_source(store, "Gamma", numbered("gamma", 2, start=NOW - 7200))
    store.update_source(gamma, status="missing",
                        last_error="/news/gamma.txt: no longer exists")
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        sources = app.screen.query_one(SourceList)
        assert not sources.display  # narrow terminal: hidden by default
        await pilot.press("S")
        await settle(app, pilot)
        assert sources.display
        text = screen_text(app)
        rows = {name: _row_of(text, name) for name in ("All", "Alpha", "Beta")}
        assert re.search(r"Alpha +3 ", rows["Alpha"])  # story 0 of Alpha was opened at start
        assert re.search(r"Beta +3 ", rows["Beta"])
        # counts are right-aligned in one column, with a gap after the name
        ends = {row.index(" │", row.index(name)) for name, row in rows.items()}
        assert len(ends) == 1
        assert all(row[row.index(" │", row.index(name)) - 1].isdigit()
                   for name, row in rows.items())
        assert "! Gamma" in text and "file missing" in text
        await pilot.press("shift+tab")
        assert app.focused is sources
        for _ in range(4):  # All, Unread, Starred, Alpha, Beta
            await pilot.press("down")
        await pilot.press("enter")
        await settle(app, pilot)
        assert main(app).view == View(source_id=beta)
        headlines = app.screen.query_one(HeadlineList)
        assert headlines.total == 3
        assert all("beta" in row for row in headline_rows(app)[:3])
        assert app.focused is headlines
        await pilot.press("j")
        await settle(app, pilot)
        assert shown_title(app) == "beta story 0"
        await pilot.press("backslash")
        await pilot.pause()
        assert not sources.display


async def test_source_list_shows_by_default_on_wide_terminals(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Alpha", numbered("alpha", 2))
    app = RecordingApp(store)
    async with app.run_test(size=(200, 40)) as pilot:  # layout.wide_from's default
        await settle(app, pilot)
        assert app.screen.query_one(SourceList).display
    narrower = RecordingApp(store)
    async with narrower.run_test(size=(199, 40)) as pilot:  # below it: headlines first
        await settle(narrower, pilot)
        assert not narrower.screen.query_one(SourceList).display


async def test_a_adds_a_path_and_selects_it(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 3))
    story = tmp_path / "story.txt"
    story.write_bytes(SAMPLE.read_bytes())
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AddSourceScreen)
        app.screen.query_one(Input).value = str(story)
        await pilot.press("enter")
        await settle(app, pilot)
        assert any(severity == "information" and message.startswith("Added story.txt: 1 stor")
                   for severity, message in app.notes), app.notes
        added = store.source_by_location(str(story.resolve()))
        assert added is not None
        assert main(app).view.source_id == added.id
        assert app.screen.query_one(HeadlineList).total == 1
        assert (shown_title(app) or "").startswith(SAMPLE_HEADLINE)


async def test_a_with_a_bad_path_reports_the_reason_and_keeps_running(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 3))
    missing = tmp_path / "no-such-[b]file[/b].txq"
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        field = app.screen.query_one(Input)
        field.value = str(missing)[:-1]
        field.cursor_position = len(field.value)
        await pilot.press("q")  # typed keys go to the input: q does not quit here
        assert field.value == str(missing)
        await pilot.press("enter")
        await settle(app, pilot)
        errors = [message for severity, message in app.notes if severity == "error"]
        assert len(errors) == 1
        assert str(missing) in errors[0] and "no such file" in errors[0]
        assert app.is_running and not isinstance(app.screen, AddSourceScreen)
        assert len(store.sources()) == 1
        await pilot.press("j")
        await settle(app, pilot)
        assert shown_title(app) == "daily story 1"


async def test_r_refreshes_the_current_source_from_disk(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "one.txt").write_text("# First story\nIts only paragraph.\n", encoding="utf-8")
    store = make_store(tmp_path)
    source, _ = add_path(store, folder)
    other = add_source(store, "Other", numbered("other", 2, start=NOW + 10**8))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        screen.view = View(source_id=source.id)
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        assert headlines.total == 1
        await pilot.press("j")
        await settle(app, pilot)
        assert shown_title(app) == "First story"
        (folder / "two.txt").write_text("# Second story\nNew on disk.\n", encoding="utf-8")
        await pilot.press("r")
        await settle(app, pilot)
        assert headlines.total == 2
        assert any("Second story" in row for row in headline_rows(app))
        assert shown_title(app) == "First story"  # the open article did not move
        assert screen.counts["all"] == 4
        assert not screen.refreshing
        assert store.get_source(other) is not None


async def test_R_refreshes_everything_and_marks_a_missing_file(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("# Kept story\nStill readable when the file is gone.\n", encoding="utf-8")
    folder = tmp_path / "news"
    folder.mkdir()
    store = make_store(tmp_path)
    add_path(store, story)
    add_path(store, folder)
    app = RecordingApp(store, offline=True)  # no network: local sources only
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert shown_title(app) == "Kept story"
        story.unlink()
        (folder / "new.txt").write_text("# Fresh story\nFrom the folder.\n", encoding="utf-8")
        await pilot.press("R")
        await settle(app, pilot)
        assert app.screen.query_one(HeadlineList).total == 2
        assert any("Fresh story" in row for row in headline_rows(app))
        assert shown_title(app) == "Kept story"
        assert any(severity == "warning" and "1 failed" in message and "story.txt" in message
                   for severity, message in app.notes), app.notes
        await pilot.press("S")
        await settle(app, pilot)
        text = screen_text(app)
        assert "! story.txt" in text and "file missing" in text


def _row_of(text: str, name: str) -> str:
    """The screen line on which the source list shows `name` (first pane from the left)."""
    return next(line for line in text.splitlines() if line.startswith(f"│ {name} "))
