"""The title line: the same cells as Textual's `Header`, one widget, and the icon's click.

`TitleBar` replaces the header to mount one widget where the header mounts four; what the
reader sees must not change. The reference is Textual's own `Header`, drawn beside it in one
app with the same titles, at widths from roomy to narrower than the title."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.style import Style as RichStyle
from textual import events
from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.widgets import Header

from reader.ui.widgets.title_bar import PALETTE_TIP, TitleBar
from tests.helpers.pilot import SIZE, RecordingApp, main, screen_text, settle
from tests.helpers.stories import add_source, make_store, numbered

TITLES = [
    ("newsreader", "All · all sources"),
    ("newsreader", ""),
    ("newsreader", "Unread · Süddeutsche Zeitung: Politik, Wirtschaft und Kultur — täglich"),
    ("新闻阅读器", "日本語のニュース · 한국어 뉴스"),
    ("[b]not markup[/b]", "[red]plain[/] $accent \\[x]"),
]


class Both(App[None]):
    """Textual's header above the title bar, neither docked, with the same titles."""

    CSS = "Header, TitleBar { dock: none; }"

    def compose(self) -> ComposeResult:
        yield Header()
        yield TitleBar()


def row_text(app: App[Any], y: int) -> str:
    return screen_text(app).split("\n")[y]


def row_cells(app: App[Any], y: int) -> list[tuple[object, ...]]:
    """Each cell of a row as it looks: its character, background, and for a character that
    is not blank its colour, bold and dim."""
    cells = []
    for segment in app.screen._compositor.render_strips()[y]:
        style = segment.style or RichStyle()
        for char in segment.text:
            ink = (style.color, style.bold, style.dim) if char.strip() else None
            cells.append((char, style.bgcolor, ink))
    return cells


@pytest.mark.parametrize("width", [120, 60, 34, 19, 12])
async def test_the_title_bar_draws_the_headers_cells(width: int) -> None:
    app = Both()
    async with app.run_test(size=(width, 4)) as pilot:
        for title, sub_title in TITLES:
            app.title, app.sub_title = title, sub_title
            await pilot.pause()
            header, bar = row_text(app, 0), row_text(app, 1)
            assert bar == header, (title, sub_title, width)
            assert title[:3] in bar or width < 20
            assert row_cells(app, 1) == row_cells(app, 0)


async def test_out_of_focus_the_title_fades_as_the_headers_does() -> None:
    app = Both()
    async with app.run_test(size=(60, 4)) as pilot:
        app.title, app.sub_title = "newsreader", "All · all sources"
        await pilot.pause()
        focused = row_cells(app, 1)
        app.post_message(events.AppBlur())
        await pilot.pause()
        assert row_cells(app, 1) == row_cells(app, 0) != focused


async def test_the_icon_under_the_mouse_looks_as_the_headers_does() -> None:
    app = Both()
    async with app.run_test(size=(60, 4)) as pilot:
        plain = row_cells(app, 1)[:8]
        await pilot.hover("HeaderIcon", offset=(1, 0))
        header = row_cells(app, 0)[:8]
        await pilot.hover(TitleBar, offset=(1, 0))
        bar = row_cells(app, 1)[:8]
        assert bar == header != plain


def daily_app(tmp_path: Path) -> RecordingApp:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 3))
    return RecordingApp(store)


async def test_the_title_bar_is_one_widget_and_follows_the_screen(tmp_path: Path) -> None:
    app = daily_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bar = main(app).query_one(TitleBar)
        assert not bar.children and not main(app).query(Header)
        assert "All · all sources" in row_text(app, 0)
        main(app).sub_title = "Starred · a test"
        await pilot.pause()
        assert "Starred · a test" in row_text(app, 0)


async def test_the_icon_opens_the_command_palette_and_says_so(tmp_path: Path) -> None:
    app = daily_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bar = main(app).query_one(TitleBar)
        await pilot.hover(TitleBar, offset=(40, 0))
        assert bar.tooltip is None
        await pilot.click(TitleBar, offset=(40, 0))  # the title: nothing happens
        assert not isinstance(app.screen, CommandPalette)
        await pilot.hover(TitleBar, offset=(1, 0))
        assert bar.tooltip == PALETTE_TIP
        await pilot.click(TitleBar, offset=(1, 0))
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
