"""What the first frame costs: the controllers are not drawn (only the panes they hold), the
focus lands once, and a plain launch imports no feed parser.

Start-up speed is measured by bench/startup_bench.py; these tests keep the choices that
bought it from being undone by accident.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from textual import events
from textual.color import Color
from textual.message import Message

from reader.config import parse_config
from reader.ui.controllers.base import Controller
from reader.ui.widgets.headline_list import HeadlineList
from tests.helpers.pilot import SIZE, RecordingApp, main, settle
from tests.helpers.stories import add_source, make_store, numbered


def app_with_stories(tmp_path: Path) -> RecordingApp:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    return RecordingApp(store)


async def test_the_controllers_take_no_place_in_a_frame_and_the_panes_do(
        tmp_path: Path) -> None:
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        controllers = list(screen.query(Controller))
        assert len(controllers) >= 9
        # A widget Textual draws has a region on the screen; a hidden one has none.
        assert [c for c in controllers if c.region] == []
        for pane in ("#search", "#panes", "#headlines", "#article", "#teasers"):
            assert screen.query_one(pane).visible, pane
        assert all(screen.query_one(pane).region for pane in ("#headlines", "#article"))
        await pilot.press("slash")
        await settle(app, pilot)
        assert screen.search_bar.region  # the search bar shows when opened


async def test_the_headlines_get_the_focus_at_start_and_nothing_else_has_it_first(
        tmp_path: Path) -> None:
    moves: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, events.Focus | events.Blur):
            moves.append(type(message).__name__)

    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(app, pilot)
        assert isinstance(app.focused, HeadlineList)
        # Each move restyles the screen: one Focus and no Blur (by default Textual focused
        # the hidden search line first, which then gave the focus to the list).
        assert moves == ["Focus"], moves


async def test_a_theme_chosen_in_the_configuration_is_drawn_from_the_first_frame(
        tmp_path: Path) -> None:
    """A dark theme is set at start without Textual's theme watcher (which would parse and
    apply every stylesheet a second time): its colours must still be the ones drawn."""
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    for name in ("nord", "solarized-light", "reading"):
        config, _ = parse_config(f'theme = "{name}"\n', "/cfg/config.toml")
        app = RecordingApp(store, config=config)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            theme = app.get_theme(name)
            assert app.theme == name and theme is not None and theme.surface
            article = main(app).query_one("#article")
            assert article.styles.background == Color.parse(theme.surface), name


def test_a_plain_launch_imports_no_feed_parser() -> None:
    """The modules a plain `newsreader` imports before its first frame (the command line,
    the cache, the app) leave the feed parser and OPML writing to the workers that use them."""
    code = ("import sys, reader.cli, reader.service.subscriptions, reader.store.recovery, "
            "reader.ui.app; print(sorted(m for m in ('feedparser', 'xml.sax.saxutils', "
            "'urllib.request', 'email.utils') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]", out.stdout
