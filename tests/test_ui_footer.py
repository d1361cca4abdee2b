"""Pilot tests of the footer: one widget drawing one line, the mouse on its keys, its colours.

How the keys are chosen for the width (whole labels only, `?` always) is tested with the other
layouts in test_ui_layout.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.style import Style
from textual.color import Color
from textual.command import CommandPalette
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input

from reader.ui.screens.help import HelpScreen, bindings_in_force
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.key_footer import FooterKey, KeyFooter
from tests.helpers.pilot import RecordingApp, main, settle
from tests.helpers.stories import add_source, make_store, numbered


def app_with_stories(tmp_path: Path) -> RecordingApp:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    return RecordingApp(store)


def drawn(footer: KeyFooter, text: str) -> FooterKey:
    return next(key for key in footer.keys if key.text == text)


async def test_a_click_on_a_key_runs_it_and_a_click_between_keys_does_nothing(
        tmp_path: Path) -> None:
    app = app_with_stories(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        footer = app.screen.query_one(KeyFooter)
        search = drawn(footer, "/ Search")
        focused = app.focused
        await pilot.click(KeyFooter, offset=(search.end, 0))  # the space after the key
        await settle(app, pilot)
        assert app.focused is focused and app.screen is main(app)
        await pilot.click(KeyFooter, offset=(search.end - 1, 0))  # the label's last letter
        await settle(app, pilot)
        assert isinstance(app.focused, Input)  # the search bar opened, typing goes there
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.click(KeyFooter, offset=(drawn(footer, "? Help").start, 0))
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.click(KeyFooter, offset=(drawn(footer, "^p Commands").start + 1, 0))
        await settle(app, pilot)
        assert isinstance(app.screen, CommandPalette)


async def test_a_short_label_shows_the_full_description_when_hovered(tmp_path: Path) -> None:
    app = app_with_stories(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        footer = app.screen.query_one(KeyFooter)
        full = {entry.ident: entry.description for entry in bindings_in_force(app.screen)}
        await pilot.hover(KeyFooter, offset=(drawn(footer, "j/↓ Next").start, 0))
        await pilot.pause()
        assert footer.tooltip == full["next_story"] == "Next story"  # as `?` lists it
        await pilot.hover(KeyFooter, offset=(drawn(footer, "/ Search").start, 0))
        await pilot.pause()
        assert footer.tooltip is None  # the whole description is on show


async def test_the_footer_is_one_widget_laid_out_once_a_frame(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual's Footer made a widget per key and built them all again at every change of
    bindings or focus (14 times before the first headline): most of start-up's CPU."""
    app = app_with_stories(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        footer = app.screen.query_one(KeyFooter)
        assert not footer.children
        layouts: list[int] = []
        layout = KeyFooter._layout

        def counted(self: KeyFooter, width: int) -> tuple[FooterKey, ...]:
            layouts.append(width)
            return layout(self, width)

        monkeypatch.setattr(KeyFooter, "_layout", counted)
        for _ in range(10):
            app.screen.refresh_bindings()
        await pilot.pause()
        assert layouts == [80]  # ten changes, one frame: laid out once
        assert "j/↓ Next" in [key.text for key in footer.keys]
        app.screen.query_one(ArticleView).focus()
        await pilot.pause()
        assert "space Page" in [key.text for key in footer.keys]  # the focused pane's keys
        await pilot.resize_terminal(100, 24)
        await pilot.pause()
        assert layouts[-1] == 100 and footer.keys[-1].end == 100


async def test_the_footer_takes_its_colours_from_the_theme(tmp_path: Path) -> None:
    app = app_with_stories(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        footer = app.screen.query_one(KeyFooter)
        colours = set()
        for theme in ("nord", "solarized-light"):
            app.theme = theme
            await pilot.pause()
            wanted = Color.parse(app.get_css_variables()["footer-key-foreground"])
            key_style = next(seg.style for seg in footer.render_line(0) if seg.text == "?")
            assert key_style is not None and key_style.color is not None
            assert key_style.color.triplet is not None
            assert key_style.color.triplet.hex == wanted.hex.lower()
            colours.add(wanted.hex)
        assert len(colours) == 2  # the two themes differ: the colour is not a fixed one


async def test_the_footer_draws_the_cells_textual_draws_of_its_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`render_line` hands Textual the line's pieces as segments (no `Text` to convert in the
    first frame): the same cells as Textual drawing `render`'s `Text`, at full width (the
    palette's key at the right end), with a key hovered, narrow (short labels) and too
    narrow for the palette's key (a gap at the end). Textual's own drawing marks each cell
    with its offset for the mouse; the footer maps a click by its column, so that mark is
    left out."""
    app = app_with_stories(tmp_path)

    def cells(lines: list[Strip]) -> list[tuple[str, Style | None]]:
        return [(char, segment.style and segment.style.clear_meta_and_links())
                for segment in lines[0] for char in segment.text]

    async def same(what: str) -> None:
        await settle(app, pilot)
        footer = app.screen.query_one(KeyFooter)
        region = Region(0, 0, *footer.region.size)
        footer.refresh()
        ours = footer.render_lines(region)
        with monkeypatch.context() as patched:
            patched.setattr(KeyFooter, "render_line", Widget.render_line)
            footer.refresh()
            theirs = footer.render_lines(region)
        assert any(segment.style and segment.style.meta for segment in theirs[0]), what
        assert not any(segment.style and segment.style.meta for segment in ours[0]), what
        assert cells(ours) == cells(theirs), what
        assert len(cells(ours)) == region.width
        footer.refresh()

    async with app.run_test(size=(120, 40)) as pilot:
        await same("full width")
        footer = app.screen.query_one(KeyFooter)
        assert footer.keys[-1].palette and footer.keys[-1].end == 120
        await pilot.hover(KeyFooter, offset=(drawn(footer, "/ Search").start, 0))
        await same("hovered")
        await pilot.resize_terminal(70, 24)
        await same("narrow")
        await pilot.resize_terminal(19, 12)
        await same("too narrow for the palette's key")
        assert not footer.keys[-1].palette and footer.keys[-1].end < 19  # a gap at the end
