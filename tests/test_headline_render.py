"""The headline list draws its own rows' frames (`LinePane.FRAME_ROWS`; the article pane too),
its scroll bar with `QuickBarRender`, and skips redrawing a bar that would look the same. Each
shortcut must give exactly what Textual draws itself: these Pilot tests compare them cell by
cell, through the states a reader goes through (cursor moves, marks, focus, scrolling, a theme,
a resize, a search and its end), and check that the shortcuts are taken."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from textual.geometry import Region
from textual.pilot import Pilot
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.widget import Widget

from reader.models import View
from reader.store import Store
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.scroll_bars import QuickBarRender, QuickScrollBar
from reader.ui.widgets.search_bar import SearchBar
from reader.ui.widgets.teaser_sidebar import TeaserSidebar
from tests.helpers.pilot import SIZE, RecordingApp, settle
from tests.helpers.stories import NOW, add_source, entry, make_store, numbered

Cells = list[tuple[str, Style | None]]


def varied_store(tmp_path: Path) -> Store:
    """200 plain stories, and some whose titles are wide, long, empty or odd."""
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 200))
    odd = ["日本語の見出しがとても長い場合はどうなるのでしょうか 長い長い長い",
           "An emoji 🎉 headline with a very long tail that never seems to end at all",
           "", "Tabs\tand  spaces", "Ünïcödé ḧëäḋḷïṅë wïth çömbïnïng márks"]
    source = add_source(store, "Wide 源 source name that is long",
                        [entry(f"odd-{i}", title, "Body.", published=NOW - 30 - i)
                         for i, title in enumerate(odd)])
    ids = [h.id for h in store.views.headlines(View(), 0, 300) if h.source_id == source]
    store.set_read(ids[:2])
    store.set_starred(ids[1], True)
    return store


def cells(strip: Strip) -> Cells:
    return [(char, segment.style) for segment in strip if not segment.control
            for char in segment.text]


def drawn_and_textual(widget: Widget) -> tuple[list[Cells], list[Cells]]:
    """The lines the widget has on screen now, and the lines Textual itself frames for it
    (the whole widget repainted through Textual's own line framing)."""
    region = Region(0, 0, *widget.region.size)
    drawn = widget.render_lines(region)
    width = widget.region.width
    for line in drawn:
        assert line.cell_length == cell_len(line.text) == width  # no length is mis-counted
    widget.refresh()
    textual = Widget.render_lines(widget, region)
    return [cells(line) for line in drawn], [cells(line) for line in textual]


async def same_as_textual(app: RecordingApp, pilot: Pilot[Any], what: str) -> None:
    await settle(app, pilot)
    headlines = app.screen.query_one(HeadlineList)
    drawn, textual = drawn_and_textual(headlines)
    assert len(drawn) == headlines.region.height > 2, what
    for y, (ours, theirs) in enumerate(zip(drawn, textual, strict=True)):
        assert ours == theirs, f"{what}: row {y} differs"


async def test_the_list_draws_what_textual_draws_through_a_session(tmp_path: Path) -> None:
    app = RecordingApp(varied_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await same_as_textual(app, pilot, "start")
        headlines = app.screen.query_one(HeadlineList)
        assert headlines.has_focus and headlines.total == 205
        for keys, what in [(("j", "j", "j"), "cursor moved"), (("s", "m"), "starred, read"),
                           (("tab",), "list blurred"), (("shift+tab",), "list focused"),
                           (("pagedown", "pagedown"), "paged down"), (("end",), "at the end"),
                           (("home",), "back home")]:
            await pilot.press(*keys)
            await same_as_textual(app, pilot, what)
        app.theme = "solarized-light"
        await same_as_textual(app, pilot, "theme")
        await pilot.resize_terminal(70, 20)
        await same_as_textual(app, pilot, "narrow")
        await pilot.resize_terminal(*SIZE)
        await same_as_textual(app, pilot, "wide again")
        await pilot.press("slash", *"dai")
        await same_as_textual(app, pilot, "search typed")
        assert headlines.has_class("-searching") and headlines.total == 200
        assert "Headlines · 200" in "".join(c for c, _ in drawn_and_textual(headlines)[0][0])
        await pilot.press(*"ly 19")
        await same_as_textual(app, pilot, "search narrowed")
        await pilot.press("enter", "j")
        await same_as_textual(app, pilot, "results entered")
        await pilot.press("escape")
        await same_as_textual(app, pilot, "search ended")
        headlines.styles.tint = "red 20%"  # an effect the list leaves to Textual
        await same_as_textual(app, pilot, "tinted")


async def test_unchanged_rows_keep_their_lines_through_a_repaint(tmp_path: Path) -> None:
    """A repaint of the whole list (a search's new count, a scroll back) frames no row it
    framed before: the same line objects come back, so the compositor's cuts of them are
    reused too. A cursor move frames only its two rows."""
    app = RecordingApp(varied_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        region = Region(0, 0, *headlines.region.size)
        before = headlines.render_lines(region)
        headlines.refresh()
        await settle(app, pilot)
        after = headlines.render_lines(region)
        assert all(a is b for a, b in zip(before[1:-1], after[1:-1], strict=True))
        await pilot.press("j")
        await settle(app, pilot)
        moved = headlines.render_lines(region)
        changed = [y for y, (a, b) in enumerate(zip(after, moved, strict=True)) if a is not b]
        assert changed == [headlines.cursor, headlines.cursor + 1]  # old and new row (+border)


class CountingBar(QuickBarRender):
    """Counts the bars drawn: the lines asked of the renderer (a line pane's bar keeps the
    lines it drew until it is refreshed, as Textual's bar does)."""

    made = 0

    def bar_strips(self, *args: Any, **kwargs: Any) -> list[Strip]:
        CountingBar.made += 1
        return super().bar_strips(*args, **kwargs)


def daily_app(tmp_path: Path) -> RecordingApp:
    """The bars' app: one source of 500 stories, far more than a pane shows."""
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 500))
    return RecordingApp(store)


def bar_cells(bar: ScrollBar) -> list[Cells]:
    return [cells(line) for line in bar.render_lines(Region(0, 0, *bar.region.size))]


async def test_a_bar_that_would_look_the_same_is_not_redrawn(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 300))
    add_source(store, "Weekly", numbered("weekly", 150))
    app = RecordingApp(store)
    async with app.run_test(size=(120, 16)) as pilot:  # 11 rows: a 1-cell thumb past 121
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        bar = headlines.vertical_scrollbar
        bar.renderer = CountingBar  # type: ignore[misc]
        search = app.screen.query_one(SearchBar)
        await pilot.press("slash", *"daily")
        await settle(app, pilot)
        assert search.is_open and headlines.total == 300
        made, look = CountingBar.made, bar_cells(bar)
        search.input.value = "weekly"  # (as pasted: no shorter words searched on the way)
        await settle(app, pilot)
        assert headlines.total == 150
        assert bar.window_virtual_size == 150  # the bar knows the new size ...
        assert CountingBar.made == made  # ... and was not drawn again
        assert bar_cells(bar) == look
        bar.refresh()  # what a full redraw of the bar shows: the same
        await settle(app, pilot)
        assert bar_cells(bar) == look and CountingBar.made > made
        made = CountingBar.made
        search.input.value = "story 10"  # 2 stories: no thumb
        await settle(app, pilot)
        assert headlines.total == 2 and bar.window_virtual_size == 2
        assert CountingBar.made > made and bar_cells(bar) != look


async def test_the_quick_bar_draws_what_textual_draws(tmp_path: Path) -> None:
    app = daily_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        bar = headlines.vertical_scrollbar
        assert bar.renderer is QuickBarRender
        for row in (0, 137, 250, 499):
            headlines.scroll_to(y=row, animate=False)
            await settle(app, pilot)
            quick = bar_cells(bar)
            bar.renderer = ScrollBarRender  # type: ignore[misc]
            bar.refresh()
            assert bar_cells(bar) == quick, f"at row {row}"
            bar.renderer = QuickBarRender  # type: ignore[misc]
            bar.refresh()
        thumb = {style for line in quick for _char, style in line if style and style.reverse}
        assert thumb  # the comparison covered a thumb, not only the track


async def test_a_line_panes_bar_scrolls_with_the_mouse_as_textuals(tmp_path: Path) -> None:
    """The panes' bars draw their own lines (`QuickScrollBar`); the mouse still works as on
    Textual's bar, through the actions its segments carry: a click on the track pages, the
    thumb drags."""
    app = daily_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        bar = headlines.vertical_scrollbar
        assert isinstance(bar, QuickScrollBar) and bar.region.height > 10
        assert headlines.scroll_y == 0
        await pilot.click(bar, offset=(0, bar.region.height - 2))  # the track, below the thumb
        await settle(app, pilot)
        paged = headlines.scroll_y
        assert paged > 0
        thumb = next(y for y, line in enumerate(bar_cells(bar))
                     if any(style and style.reverse for _char, style in line))
        await pilot.mouse_down(bar, offset=(0, thumb))
        await pilot.hover(bar, offset=(0, thumb + 4))
        await pilot.mouse_up(bar, offset=(0, thumb + 4))
        await settle(app, pilot)
        moved = headlines.scroll_y - paged
        rows_a_cell = bar.window_virtual_size / bar.window_size
        assert abs(moved - 4 * rows_a_cell) <= rows_a_cell, (moved, rows_a_cell)
        assert not bar.grabbed


async def test_the_article_draws_what_textual_draws(tmp_path: Path) -> None:
    """The article pane frames its rows itself too (every row of a new story is new): the
    same cells as Textual's framing, through new stories, scrolling, a mouse selection, a
    theme and a resize. (Rows asked for directly carry offsets for the mouse: left out.)"""
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 6, paragraphs=40))
    app = RecordingApp(store)

    async def same(what: str) -> None:
        await settle(app, pilot)
        drawn, textual = drawn_and_textual(view)
        assert len(drawn) == view.region.height > 2, what
        for y, (ours, theirs) in enumerate(zip(drawn, textual, strict=True)):
            assert [(char, style and style.clear_meta_and_links()) for char, style in ours] == [
                (char, style and style.clear_meta_and_links()) for char, style in theirs
            ], f"{what}: row {y} differs"
        assert "".join(char for char, _style in drawn[1]).strip(), what  # text, not blanks
        assert view._framed, what  # framed here, not left to Textual

    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(ArticleView)
        await same("first story")
        await pilot.press("j", "j")
        await same("next stories")
        view.scroll_to(y=25, animate=False, immediate=True)
        await same("scrolled")
        await pilot.mouse_down(view, offset=(3, 4))
        await pilot.hover(view, offset=(20, 9))
        await pilot.mouse_up(view, offset=(20, 9))
        assert app.screen.get_selected_text()
        await same("text selected")
        app.screen.clear_selection()
        app.theme = "solarized-light"
        await same("theme")
        await pilot.resize_terminal(90, 30)
        await same("narrower")


async def test_the_teasers_draw_what_textual_draws(tmp_path: Path) -> None:
    """The teaser sidebar frames its rows itself (all of them are new at each story, and in
    the first frame): the same cells as Textual's framing, with teasers and separators,
    highlighted with and without the focus, scrolled, in another theme and at another size."""
    teasers = tuple(f"Teaser {n}: a lead of another story, long enough to wrap over several "
                    "rows of the sidebar" for n in range(12))
    store = make_store(tmp_path)
    add_source(store, "Page", [entry(f"s{n}", f"Story {n}", f"Story {n} begins here.",
                                     published=NOW - n * 60, teasers=teasers)
                               for n in range(3)])
    app = RecordingApp(store)

    async def same(what: str) -> None:
        await settle(app, pilot)
        drawn, textual = drawn_and_textual(sidebar)
        assert len(drawn) == sidebar.region.height > 2, what
        for y, (ours, theirs) in enumerate(zip(drawn, textual, strict=True)):
            assert ours == theirs, f"{what}: row {y} differs"
        assert "".join(char for char, _style in drawn[1]).strip("│ "), what  # not blanks
        assert sidebar._framed, what  # framed here, not left to Textual

    async with app.run_test(size=SIZE) as pilot:
        sidebar = app.screen.query_one(TeaserSidebar)
        await same("first story")
        await pilot.press("j")
        await same("next story")
        await pilot.press("tab", "tab", "down", "down")
        assert app.focused is sidebar and sidebar.highlighted == 2
        await same("highlighted, focused")
        await pilot.press("shift+tab")
        await same("highlighted, blurred")
        sidebar.scroll_to(y=6, animate=False, immediate=True)
        await same("scrolled")
        app.theme = "solarized-light"
        await same("theme")
        await pilot.resize_terminal(100, 30)
        await same("narrower")


# -- the row's columns -------------------------------------------------------------------------
PLAIN: dict[str, Style] = {}


def plain_style(name: str) -> Style:
    return PLAIN.setdefault(name, Style())


def row(title: str, date: str, *, width: int = 80, source: bool = True,
        source_title: str = "World news") -> str:
    from reader.models import Headline
    from reader.ui.widgets.headline_row import draw_headline

    headline = Headline(1, 1, title, source_title, NOW, read=False, starred=False)
    options = {} if source else {"source": False}  # (the column is there by default)
    strip = draw_headline(headline, width, date, plain_style, selected=False, focused=True,
                          **options)
    assert strip.cell_length == cell_len(strip.text) == width
    return strip.text


def test_dates_of_every_length_line_up_and_leave_the_headline_the_same_room() -> None:
    title = "A headline long enough to be cut in every one of these rows, whatever the date"
    rows = [row(title, date) for date in ("07:30", "Nov 7", "Nov 27", "2024-11-27")]
    for text in rows:
        assert text.endswith(("07:30", "Nov 7", "Nov 27", "2024-11-27"))  # right-aligned
    cuts = {text.index("…") for text in rows}
    sources = {text.index("World news") for text in rows}
    assert len(cuts) == 1 and len(sources) == 1  # the headline ends, the source starts, alike


def test_without_the_source_column_the_headline_gets_its_cells() -> None:
    title = "Storm Bert leaves thousands without power as rivers burst their banks"  # 69
    with_source = row(title, "07:30", width=90)
    alone = row(title, "07:30", width=90, source=False)
    assert "World news" in with_source and "…" in with_source
    assert "World news" not in alone
    assert title in alone  # whole: the source's cells went to it
    assert alone.endswith(" 07:30")
