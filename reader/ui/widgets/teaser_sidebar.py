"""The teaser sidebar: short leads of other stories, in the style of a saved news page.

A line-API scroll view rather than an `OptionList`: the sidebar changes with every story
opened, and an `OptionList` measured and rendered all of its options again each time (about
30 ms of a key press at 100,000 stories) and asked for a layout of the whole screen. Here the
teasers (already clipped to about 100 characters by the cache) are wrapped in one short pass,
the scrollable height is set without a layout, and only the rows on screen are drawn.

While the sidebar is hidden (`t`, zen, a narrow terminal) it has no width: teasers that
arrive then are wrapped when it shows again, at the width it comes back with.

Each teaser is plain text drawn as data, never markup. Choosing one (`enter` or a click) opens
its story when the cache has it; otherwise the screen shows the teaser itself as a stub.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.strip import Strip

from reader.lowlevel import divide_line
from reader.models import Teaser
from reader.ui.messages import OpenStory, ShowStub
from reader.ui.widgets.article_body import fit_virtual_size
from reader.ui.widgets.component_styles import LinePane

SEPARATOR = "─"
ITALIC = Style(italic=True)  # a teaser whose story is not in the cache
Row = tuple[int | None, str, bool]  # (teaser index, None for a separator; text; a stub?)


@dataclass(frozen=True, slots=True, eq=False)  # never compared: no generated __eq__, __hash__
class TeaserRows:
    """Teasers wrapped for the sidebar: its rows, where each teaser starts, at what width."""

    rows: list[Row]
    first: list[int]
    width: int


def layout_teasers(teasers: tuple[Teaser, ...], width: int) -> TeaserRows:
    """The sidebar's rows for `teasers` at `width` columns (thread-safe)."""
    rows: list[Row] = []
    first: list[int] = []
    for index, teaser in enumerate(teasers):
        if index:
            rows.append((None, SEPARATOR * max(width, 0), False))
        first.append(len(rows))
        stub = teaser.story_id is None
        rows.extend((index, line, stub) for line in wrap_teaser(teaser.text, width))
    return TeaserRows(rows, first, width)


def wrap_teaser(text: str, width: int) -> list[str]:
    """`text` wrapped at `width` cells, like rich wraps (long words folded)."""
    if width <= 0:
        return [text]
    if cell_len(text) <= width:
        return [text]
    bounds = [0, *divide_line(text, width), len(text)]
    return [text[a:b].rstrip() for a, b in zip(bounds, bounds[1:], strict=False)]


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, count) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][0] + runs[-1][1] == row:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((row, 1))
    return runs


class _Cursor(LinePane):
    """The cursor keys of a list (as `OptionList` has them), apart from the pane's own keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Previous teaser", show=False),
        Binding("down", "cursor_down", "Next teaser", show=False),
        Binding("home", "first", "First teaser", show=False),
        Binding("end", "last", "Last teaser", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]


class TeaserSidebar(_Cursor, can_focus=True):
    """Teasers of the open story; `enter` or a click opens one."""

    HELP_GROUP: ClassVar[str] = "Teasers"
    STYLE_PREFIX: ClassVar[str] = "teaser-sidebar--"
    # Every row is new at each story opened, and every row is drawn in the first frame:
    # framed by Textual they cost ~1.6 ms of it, here ~0.8 (`LinePane`, tested cell for cell).
    FRAME_ROWS: ClassVar[bool] = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Open teaser", id="open_teaser"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "teaser-sidebar--highlighted",
        "teaser-sidebar--highlighted-blurred",
        "teaser-sidebar--separator",
    }

    DEFAULT_CSS = """
    TeaserSidebar {
        overflow-x: hidden;
        overflow-y: auto;
        padding: 0 1;
        & > .teaser-sidebar--highlighted { color: $block-cursor-foreground;
                                           background: $block-cursor-background;
                                           text-style: $block-cursor-text-style; }
        & > .teaser-sidebar--highlighted-blurred { color: $foreground;
                                                   background: $block-cursor-blurred-background; }
        & > .teaser-sidebar--separator { color: $foreground 15%; }
    }
    """

    teasers: reactive[tuple[Teaser, ...]] = reactive((), init=False)
    """The teasers to list; bound to the screen."""
    highlighted: reactive[int | None] = reactive(None, init=False, repaint=False)
    """The teaser the cursor is on (None: no teasers)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Teasers"
        self._rows: list[Row] = []
        self._first_row: list[int] = []  # the first row of each teaser
        self._wrapped_at = -1
        self._width = 0  # the content width, as last seen on the event loop
        self._offered: tuple[tuple[Teaser, ...], TeaserRows] | None = None

    def prepare(self, teasers: tuple[Teaser, ...]) -> TeaserRows:
        """`teasers` wrapped for this sidebar, in a thread: what `offer` takes."""
        return layout_teasers(teasers, self._width)

    def offer(self, teasers: tuple[Teaser, ...], rows: TeaserRows) -> None:
        """The rows `prepare` made, used when `teasers` are shown next."""
        self._offered = (teasers, rows)

    # -- content -----------------------------------------------------------------------------------
    def watch_teasers(self, teasers: tuple[Teaser, ...]) -> None:
        old_rows, old_highlight = self._rows, self._span_or_none(self.highlighted)
        width = self.scrollable_content_region.width
        same_place = int(self.scroll_y) == 0 and self._wrapped_at == width
        self._layout_rows()
        self.set_reactive(TeaserSidebar.highlighted, 0 if teasers else None)
        if not same_place:
            self.scroll_to(y=0, animate=False)
            self.refresh(self.size.region)  # the rows, not the border
            return
        # Neighbouring stories of one source share most of their teasers: repaint the rows
        # that changed (and the cursor's), not the pane.
        rows = self._rows
        height = self.scrollable_content_region.height
        changed = [row for row in range(min(max(len(rows), len(old_rows)), height))
                   if row >= len(rows) or row >= len(old_rows) or rows[row] != old_rows[row]]
        if len(changed) > height // 2:
            self.refresh(self.size.region)
            return
        spans = [old_highlight, self._span_or_none(self.highlighted), *_runs(changed)]
        for span in spans:
            if span is not None:
                self._refresh_rows(*span)

    def _layout_rows(self) -> None:
        width = self._width = self.scrollable_content_region.width
        offered, self._offered = self._offered, None
        if width <= 0:
            # Hidden: nothing to wrap for. The rows are made when a width comes back
            # (`on_resize`); until then there are none, so nothing stale can be drawn.
            self._rows, self._first_row, self._wrapped_at = [], [], -1
            self._strips.clear()
            return
        if offered is not None and offered[0] is self.teasers and offered[1].width == width:
            layout = offered[1]
        else:
            layout = layout_teasers(self.teasers, width)
        self._rows, self._first_row, self._wrapped_at = layout.rows, layout.first, width
        self._strips.clear()
        if width > 0:
            fit_virtual_size(self, Size(width, len(layout.rows)))

    def on_resize(self) -> None:
        self._width = self.scrollable_content_region.width
        if self._width > 0 and self._width != self._wrapped_at:
            self._layout_rows()
            # The frame that showed the sidebar again was drawn before this event: draw the
            # rows anew (its size may be the same as before it was hidden, so nothing else
            # repaints it).
            self.refresh(self.size.region)
        self._scroll_to_highlight()

    # -- the cursor --------------------------------------------------------------------------------
    def validate_highlighted(self, highlighted: int | None) -> int | None:
        if highlighted is None or not self.teasers:
            return None
        return max(0, min(highlighted, len(self.teasers) - 1))

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        for index in (old, new):
            self._refresh_teaser(index)
        self._scroll_to_highlight()

    def _span(self, index: int) -> tuple[int, int]:
        """The first row of teaser `index` and how many rows it takes."""
        first = self._first_row[index]
        end = self._first_row[index + 1] - 1 if index + 1 < len(self._first_row) else len(
            self._rows)
        return first, end - first

    def _span_or_none(self, index: int | None) -> tuple[int, int] | None:
        return None if index is None or index >= len(self._first_row) else self._span(index)

    def _refresh_rows(self, first: int, count: int) -> None:
        self.refresh(Region(0, first - int(self.scroll_y), self.scrollable_content_region.width,
                            count))

    def _refresh_teaser(self, index: int | None) -> None:
        span = self._span_or_none(index)
        if span is not None:
            self._refresh_rows(*span)

    def _scroll_to_highlight(self) -> None:
        index = self.highlighted
        if index is None or index >= len(self._first_row):
            return
        first, count = self._span(index)
        height = self.scrollable_content_region.height
        top = int(self.scroll_y)
        if first < top:
            self.scroll_to(y=first, animate=False, force=True)
        elif height and first + count > top + height:
            self.scroll_to(y=min(first, first + count - height), animate=False, force=True)

    def _move(self, delta: int) -> None:
        if self.teasers:
            self.highlighted = (self.highlighted or 0) + delta

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_first(self) -> None:
        self._move(-len(self.teasers))

    def action_last(self) -> None:
        self._move(len(self.teasers))

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_select(self) -> None:
        index = self.highlighted
        if index is None:
            return
        teaser = self.teasers[index]
        if teaser.story_id is not None:
            self.post_message(OpenStory(teaser.story_id))
        else:
            self.post_message(ShowStub(teaser))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = int(self.scroll_y) + offset.y
        if 0 <= row < len(self._rows) and (index := self._rows[row][0]) is not None:
            self.highlighted = index
            self.action_select()

    def on_focus(self) -> None:
        self._strips.clear()
        self._refresh_teaser(self.highlighted)

    def on_blur(self) -> None:
        self._strips.clear()
        self._refresh_teaser(self.highlighted)

    # -- drawing -----------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width, top = self._origin()
        row = top + y
        if width <= 0 or row >= len(self._rows):
            return Strip.blank(max(width, 0), self._style(""))
        index, text, stub = self._rows[row]
        if index is None:
            kind = "separator"
        elif index == self.highlighted:
            kind = "highlighted" if self.has_focus else "highlighted-blurred"
        else:
            kind = "stub" if stub else ""
        key = (row, kind)
        strip = self._strips.get(key)
        if strip is None:
            style = self._style("" if kind == "stub" else kind)
            text = set_cell_size(text, width)
            segments = [Segment(text, style)]
            if stub:  # the words in italics, not the blanks after them
                words = text.rstrip()
                segments = [Segment(words, style + ITALIC), Segment(text[len(words):], style)]
            strip = self._strips[key] = Strip([s for s in segments if s.text], width)
        return strip
