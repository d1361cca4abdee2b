"""What the first frame draws and styles, and nothing more: the controllers are not drawn
(only the panes they hold), each line pane brings its scroll bar ready-made and frames its
own rows, the header and the footer do their work once, the focus lands once, each widget
is styled once, and the hidden lines (search, refresh status, a hidden source list) are
made when first shown.

Start-up speed is measured by bench/startup_bench.py; these tests keep the choices that
bought it from being undone by accident. What the first screen reads is in
test_startup_cost_first_look.py, what the launch costs before it in
test_startup_cost_launch.py.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.color import Color
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.message import Message
from textual.style import Style
from textual.widgets import Input, ProgressBar

from reader.config import parse_config
from reader.ui.controllers.base import Controller
from reader.ui.screens.reading import ReadingScreen
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.key_footer import KeyFooter
from reader.ui.widgets.refresh_status import RefreshStatus
from reader.ui.widgets.scroll_bars import QuickBarRender
from reader.ui.widgets.search_bar import SearchBar
from reader.ui.widgets.source_list import SourceList
from reader.ui.widgets.title_bar import TitleBar
from tests.helpers.pilot import SIZE, RecordingApp, main, settle, type_search
from tests.helpers.startup_probe import app_with_stories
from tests.helpers.stories import add_source, make_store, numbered


async def test_the_controllers_take_no_place_in_a_frame_and_the_panes_do(
        tmp_path: Path) -> None:
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        controllers = list(screen.query(Controller))
        assert len(controllers) >= 9
        # A widget Textual draws has a region on the screen; a hidden one has none. `#panes`
        # is a layer under its panes too, drawn for nothing.
        layers = [*controllers, screen.query_one("#panes")]
        assert [c for c in layers if c.region] == []
        drawn = set(screen._compositor.visible_widgets)
        assert drawn.isdisjoint(layers)
        for pane in ("#search", "#headlines", "#article", "#teasers"):
            assert screen.query_one(pane).visible, pane
        assert {screen.query_one(pane) for pane in ("#headlines", "#article", "#teasers")} <= drawn
        assert all(screen.query_one(pane).region for pane in ("#headlines", "#article"))
        await pilot.press("slash")
        await settle(app, pilot)
        assert screen.search_bar.region  # the search bar shows when opened


async def test_every_line_pane_draws_its_scroll_bar_ready_made(tmp_path: Path) -> None:
    """The headline list, the article and the teasers: Textual's own bar is drawn through a
    console, line by line (~1.5 ms a bar in the first frame)."""
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        for pane in ("#headlines", "#article", "#teasers"):
            bar = screen.query_one(pane).vertical_scrollbar
            assert bar.renderer is QuickBarRender, pane
        for pane in ("#article", "#teasers"):  # always shown (the list's: with a long list)
            assert screen.query_one(pane).vertical_scrollbar.region, pane


async def test_the_header_title_parses_no_style(tmp_path: Path) -> None:
    """A style named in a string is parsed, and the first parse of a launch tokenizes every
    theme variable: the title's styles are given as objects, and the header says the same."""
    app = app_with_stories(tmp_path)
    title = app.format_title("newsreader", "unread · daily")
    assert title.plain == "newsreader   Unread · daily"
    assert [span.style for span in title.spans] == [Style(bold=True), Style(dim=True)]
    assert [span.style for span in app.format_title("newsreader", "").spans] == [
        Style(bold=True)]
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert main(app).query_one(TitleBar).region.y == 0
        top = app.screen._compositor.render_strips()[0]
        assert "newsreader   All · all sources" in "".join(segment.text for segment in top)


async def test_the_footer_reads_the_active_bindings_once_a_layout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`Screen.active_bindings` walks the key chain and checks every action at each read."""
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        footer = screen.query_one(KeyFooter)
        reads = Counter[str]()
        bindings = type(screen).active_bindings

        def counted(self: ReadingScreen) -> Any:
            reads["active_bindings"] += 1
            return bindings.__get__(self)

        monkeypatch.setattr(type(screen), "active_bindings", property(counted))
        keys = footer._layout(SIZE[0])
        assert reads["active_bindings"] == 1
        assert keys == footer.keys  # the same keys as drawn
        assert any(key.palette for key in keys)


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


def count_styling(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times the stylesheet is applied to each widget (by id, else class name)."""
    styled: Counter[str] = Counter()
    apply = Stylesheet.apply

    def counted(self: Stylesheet, node: DOMNode, **kwargs: Any) -> None:
        if node.id or type(node).__name__ != "DOMNode":  # not a component class's
            styled[node.id or type(node).__name__] += 1
        apply(self, node, **kwargs)

    monkeypatch.setattr(Stylesheet, "apply", counted)
    return styled


async def test_each_widget_is_styled_once_at_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Styled as it is mounted, and not again: not when the screen is first shown (Textual
    restyles a resumed screen whole), nor when the list takes the focus (a `:focus-within`
    rule on `*` made every focus change restyle the whole app)."""
    styled = count_styling(monkeypatch)
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.focused, HeadlineList)
        twice = {name: n for name, n in styled.items() if n > 1 and name != "headlines"}
        assert twice == {}, twice
        # Mounted, then focused; not a third time: a pane with a `:focus-within` rule is
        # restyled again by the screen at each focus change (no pane holds a focusable widget,
        # so `:focus` says the same).
        assert styled["headlines"] == 2
        assert styled["KeyFooter"] == styled["TitleBar"] == 1


async def test_a_focus_change_restyles_the_two_panes_and_nothing_else(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        styled = count_styling(monkeypatch)
        await pilot.press("tab")
        await settle(app, pilot)
        assert app.focused is not None and app.focused.id == "article"
        assert styled["headlines"] == styled["article"] == 1, styled  # once each
        assert not set(styled) & {"panes", "TitleBar", "KeyFooter", "teasers", "status",
                                  "reading-controller"}, styled
        # ... and the border shows which pane has the focus, as before
        screen = main(app)
        focused, blurred = screen.query_one("#article"), screen.query_one("#headlines")
        assert focused.styles.border_top[1] != blurred.styles.border_top[1]


async def test_the_search_line_is_composed_when_first_opened_and_then_works(
        tmp_path: Path) -> None:
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bar = main(app).query_one(SearchBar)
        assert list(main(app).query(Input)) == [] and not bar.children
        assert bar.text == ""
        await pilot.press("escape")  # ends no search: nothing to close, nothing made
        await settle(app, pilot)
        assert not bar.children
        await type_search(app, pilot, "daily")
        assert app.focused is bar.input and bar.input.value == "daily"
        assert main(app).query_one(HeadlineList).total == 5
        assert "5 stories" in str(bar.query_one("#search-status").render())
        await pilot.press("escape")
        await settle(app, pilot)
        assert not bar.is_open and isinstance(app.focused, HeadlineList)


async def test_the_refresh_line_is_composed_when_a_refresh_starts(tmp_path: Path) -> None:
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        status = screen.query_one(RefreshStatus)
        assert list(screen.query(ProgressBar)) == [] and status.text == ""
        screen.refreshing = True  # what the refresh controller does, without the network
        status.start()
        await pilot.pause()
        assert status.display and status.text == "Refreshing…"
        assert screen.query_one(ProgressBar).display
        screen.refreshing = False
        status.idle()
        await pilot.pause()
        assert not status.display and not screen.query_one(ProgressBar).display


async def test_a_hidden_source_list_is_built_once_for_all_that_came_at_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hidden at 120 columns: the sources, their counts and the saved searches came each
    with a rebuild of the list before the first headlines. Now not at all while hidden; the
    rows are there when the list is shown."""
    built: list[int] = []
    set_options = SourceList.set_options

    def counted(self: SourceList, options: Any) -> SourceList:
        built.append(len(options))
        return set_options(self, options)

    monkeypatch.setattr(SourceList, "set_options", counted)
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        sources = main(app).query_one(SourceList)
        assert not sources.display and not built, built
        await pilot.press("S")
        await settle(app, pilot)
        assert sources.display
        rows = [str(sources.get_option_at_index(i).prompt)
                for i in range(sources.option_count)]
        assert any("Daily" in row and row.endswith(" 4") for row in rows), rows  # 4 unread


async def test_the_first_frame_frames_every_line_panes_rows_itself(tmp_path: Path) -> None:
    """Every row of the headlines, the article and the teasers is drawn in the first frame:
    each pane frames its content rows itself (`LinePane.FRAME_ROWS`) instead of Textual's
    framing each one, the teasers too."""
    from reader.ui.widgets.component_styles import LinePane

    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        panes = {pane.id: pane for pane in screen.query(LinePane) if pane.region}
        assert set(panes) >= {"headlines", "article", "teasers"}, set(panes)
        for name, pane in panes.items():
            assert pane.FRAME_ROWS and pane._framed, name


async def test_the_line_panes_bars_are_drawn_without_textual_framing_each_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The article's and the teasers' bars are in the first frame: Textual framed each of
    their rows anew (~1.2 ms a bar); a `QuickScrollBar` hands over its kept strips."""
    from textual._styles_cache import StylesCache
    from textual.scrollbar import ScrollBar

    from reader.ui.widgets.scroll_bars import QuickScrollBar

    framed: Counter[str] = Counter()
    render_widget = StylesCache.render_widget

    def counted(self: StylesCache, widget: Any, crop: Any) -> Any:
        if isinstance(widget, ScrollBar):
            framed[widget.parent.id if widget.parent else ""] += 1
        return render_widget(self, widget, crop)

    monkeypatch.setattr(StylesCache, "render_widget", counted)
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        for pane in ("#headlines", "#article", "#teasers"):
            assert isinstance(screen.query_one(pane).vertical_scrollbar, QuickScrollBar), pane
        assert screen.query_one("#article").vertical_scrollbar.region
        assert framed == Counter(), framed
