"""The article's text as a line-API scroll view: a new story costs the rows on screen.

Why it is built this way (measured in a 120x40 pty over a 100,000-story cache):

* A `Static` turned a whole story into strips on every change (seconds for a 200 KB story).
* A line-API body of `height: auto` inside a scrolling container still asked Textual for a
  layout of the whole screen on every story, and each layout repaints the scroll bar of every
  `ScrollView` on screen (Textual 8): about 110 extra rows per key press.

So the pane scrolls itself. A story arrives as a `Page` (plain data, built in the worker thread
that loaded the story, with the first screen's strips already drawn when the thread knew the
pane's geometry); `show` swaps it in, sets the scrollable height without a layout pass and
repaints the rows on screen. The renderer wraps the story at the measure and the page is
centred in a wider pane; a line still too long (a long URL, after the pane shrank) is wrapped
here like rich wraps, folding words longer than the row.

When Textual's mouse selection asks which character is under the pointer (it calls
`render_line` directly), each cell carries its (column, row) in the `offset` meta; rows keep
exact character offsets into the text, so `get_selection` returns the very characters
selected (ctrl+c copies them). Rows drawn on screen carry no meta: unique styles per cell make
every frame dearer to draw and to write. The text is a rich `Text`: data, never markup.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import ClassVar, NamedTuple

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text
from textual import events
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from reader.lowlevel import divide_line
from reader.ui.widgets.component_styles import LinePane


class Geometry(NamedTuple):
    """What drawing needs from the pane, read on the event loop and handed to a thread."""

    width: int  # columns of the content area
    height: int  # rows on screen
    style: Style  # the pane's base style
    console: Console


SPAN_LINES = 8  # spans over more lines than this are kept apart, checked for every line


class Page:
    """A text laid out for drawing: its lines, where they start, and their rows at a width.

    Built anywhere (nothing here touches the DOM); once shown it is only used on the event loop.
    `measure` is the width the renderer wrapped the text at (None: the pane's width).
    """

    def __init__(self, text: Text, measure: int | None = None) -> None:
        self.text = text
        self.plain = plain = text.plain
        self.measure = measure
        starts = [0]
        find = plain.find
        at = find("\n")
        while at != -1:
            starts.append(at + 1)
            at = find("\n", at + 1)
        self.starts = starts
        self.strips: dict[tuple[int, int], Strip] = {}  # (pane width, row): drawn off the loop
        self.strip_style: Style | None = None  # the style those strips were drawn with
        self._lines: dict[int, Text] = {}
        self._spans: dict[int, list[tuple[int, Span]]] | None = None  # by first line
        self._long_spans: list[tuple[int, Span]] = []
        self._rows: dict[int, list[int]] = {}
        self._breaks: dict[tuple[int, int], list[int]] = {}

    def draw_width(self, pane_width: int) -> int:
        """The width rows are wrapped at in a pane `pane_width` columns wide."""
        return max(1, min(self.measure or pane_width, pane_width))

    def _line_plain(self, index: int) -> str:
        starts = self.starts
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(self.plain)
        return self.plain[starts[index]:end]

    def line(self, index: int) -> Text:
        """Line `index` with its styles. Made when first drawn: `Text.split` makes every
        line of a 200 KB story at once (~100 ms); this finds one line's spans in an index."""
        found = self._lines.get(index)
        if found is None:
            if index >= len(self.starts):
                return Text()
            if self._spans is None:
                self._index_spans()
            start = self.starts[index]
            plain = self._line_plain(index)
            end = start + len(plain)
            found = Text(plain, style=self.text.style, end="")
            if plain:
                assert self._spans is not None
                near = [item for first in range(max(index - SPAN_LINES, 0), index + 1)
                        for item in self._spans.get(first, ())]
                found.spans[:] = [
                    Span(max(span.start, start) - start, min(span.end, end) - start, span.style)
                    for _order, span in sorted(near + self._long_spans, key=_order_of)
                    if span.start < end and span.end > start]
            self._lines[index] = found
        return found

    def _index_spans(self) -> None:
        starts = self.starts
        lines = len(starts)
        spans: dict[int, list[tuple[int, Span]]] = {}
        long_spans = self._long_spans
        for order, span in enumerate(self.text.spans):
            start, end, _style = span
            first = bisect_right(starts, start) - 1
            if (first + SPAN_LINES + 1 < lines and end > starts[first + SPAN_LINES + 1]):
                long_spans.append((order, span))  # over more than SPAN_LINES lines
            elif first in spans:
                spans[first].append((order, span))
            else:
                spans[first] = [(order, span)]
        self._spans = spans

    def breaks(self, index: int, width: int) -> list[int]:
        """Where the rows after the first of line `index` start (characters into the line)."""
        key = (index, width)
        found = self._breaks.get(key)
        if found is None:
            plain = self._line_plain(index)
            found = divide_line(plain, width) if cell_len(plain) > width else []
            self._breaks[key] = found
        return found

    def rows(self, width: int) -> list[int]:
        """Rows up to and including each line, at `width` (one pass over the lines)."""
        rows = self._rows.get(width)
        if rows is None:
            plain, starts = self.plain, self.starts
            ends = [*starts[1:], len(plain) + 1]
            counts = [1 if cell_len(plain[start:end - 1]) <= width  # wrapped by the renderer
                      else len(self.breaks(index, width)) + 1
                      for index, (start, end) in enumerate(zip(starts, ends, strict=True))]
            rows = self._rows[width] = list(accumulate(counts))
        return rows

    def height(self, width: int) -> int:
        return self.rows(width)[-1]

    def locate(self, row: int, width: int) -> tuple[int, int, int] | None:
        """(line, first character, end) of screen row `row`, offsets within the line."""
        rows = self.rows(width)
        index = bisect_right(rows, row)
        if row < 0 or index >= len(rows):
            return None
        part = row - (rows[index - 1] if index else 0)
        bounds = [0, *self.breaks(index, width), len(self._line_plain(index))]
        return index, bounds[part], bounds[part + 1]

    def offset_of(self, row: int, column: int, width: int) -> int:
        """The position in the plain text of character `column` of row `row` (clamped)."""
        located = self.locate(row, width)
        if located is None:
            return 0 if row < 0 else len(self.plain)
        index, start, end = located
        return self.starts[index] + start + max(0, min(column, end - start))


def _order_of(item: tuple[int, Span]) -> int:
    return item[0]  # spans keep their order: a later one is drawn over an earlier one


def _meta(x: int, row: int) -> Style:
    return Style.from_meta({"offset": (x, row)})


def row_strip(page: Page, row: int, geometry: Geometry,
              highlight: tuple[Style, tuple[int, int]] | None = None,
              offsets: bool = False) -> Strip:
    """Row `row` of `page` drawn `geometry.width` wide and centred, with `highlight` (a style
    over a span of the row, e.g. the mouse selection) and, with `offsets`, each cell's
    (column, row) for the mouse selection. Thread-safe."""
    pane, style = geometry.width, geometry.style
    width = page.draw_width(pane)
    located = page.locate(row, width)
    if located is None:  # below the text: offsets still say "the end", for selections
        return Strip([Segment(" " * pane, style + _meta(0, row) if offsets else style)], pane)
    index, start, end = located
    line = page.line(index)
    part = line if (start, end) == (0, len(line)) else line[start:end]
    if highlight is not None:
        over, (first, last) = highlight
        part = part.copy()
        part.stylize(over, max(first, 0), len(part) if last == -1 else last)
    margin = (pane - width) // 2
    segments = [Segment(" " * margin, style + _meta(-margin, row) if offsets else style)
                ] if margin else []
    x = 0
    for text, segment_style, _control in part.render(geometry.console):
        cell_style = style + segment_style if segment_style else style
        segments.append(Segment(text, cell_style + _meta(x, row) if offsets else cell_style))
        x += len(text)
    used = margin + cell_len(part.plain)
    if used < pane:
        segments.append(Segment(" " * (pane - used), style + _meta(x, row) if offsets else style))
        return Strip(segments, pane)
    return Strip(segments).crop(0, pane)  # trailing spaces of a wrapped row


def prepare_page(text: Text, measure: int | None, geometry: Geometry | None) -> Page:
    """A page for `text`, its rows counted and its first screen drawn when the pane's
    `geometry` is known. Safe to call in a thread; the heavy part of showing a story."""
    page = Page(text, measure)
    if geometry is not None and geometry.width > 0:
        page.rows(page.draw_width(geometry.width))
        for row in range(geometry.height):
            page.strips[(geometry.width, row)] = row_strip(page, row, geometry)
        page.strip_style = geometry.style
    return page


def fit_virtual_size(view: ScrollView, size: Size) -> None:
    """Give a line-API view a new scrollable size without a layout pass.

    Not `view.virtual_size = size`: that reactive asks for a layout of the whole screen, and a
    layout repaints the scroll bar of every `ScrollView` on it (Textual 8). The view keeps its
    own size; only its scroll bar follows (a layout happens only if the bar appears or goes).
    A bar that would look the same (a thumb of one cell at the top for 43,641 rows as for
    100,000: most searches) takes the new size without a repaint, which costs ~3 ms for the
    headline list's 35 rows of bar.
    """
    if size == view.virtual_size:
        return
    old = view.virtual_size
    view.set_reactive(Widget.virtual_size, size)
    if _same_bar(view, old, size):
        view.vertical_scrollbar.set_reactive(ScrollBar.window_virtual_size, size.height)
    else:
        view._scroll_update(size)


def _same_bar(view: ScrollView, old: Size, new: Size) -> bool:
    """Whether `view`, its virtual size going from `old` to `new` (only the height changing),
    keeps its vertical bar, its scroll offset and the bar's look: nothing to lay out or draw."""
    styles = view.styles
    height = view.container_size.height - view.scrollbar_size_horizontal
    if (old.width != new.width or styles.overflow_x != "hidden"
            or not (view.show_vertical_scrollbar and styles.scrollbar_size_vertical)
            or not (styles.overflow_y == "scroll"
                    or (styles.overflow_y == "auto" and new.height > height))
            or view.scroll_y > view.max_scroll_y):
        return False
    bar = view.vertical_scrollbar
    if bar.window_size != height or bar.window_virtual_size != old.height:
        return False

    def look(virtual: int) -> list[Segment]:
        window = height if height < virtual else 0  # as `ScrollBar._render_bar` has it
        return bar.renderer.render_bar(size=bar.size.height, virtual_size=virtual,
                                       window_size=window, position=bar.position).segments

    return bar.size.height > 0 and look(old.height) == look(new.height)


class ArticleBody(LinePane):
    """Scrolls a `Page`; `show` swaps the page in with a repaint and no layout pass."""

    # Every row of a new story is new: Textual framing each (border, padding, line filters)
    # cost ~1.5 ms of the key's frame, framed here ~0.3 ms (`LinePane`, tested cell for cell).
    FRAME_ROWS: ClassVar[bool] = True

    DEFAULT_CSS = """
    ArticleBody {
        overflow-x: hidden;
        overflow-y: auto;
    }
    """

    STRIPS_KEPT: ClassVar[int] = 512  # rows by (width, row): a long story scrolled back and forth

    def __init__(self, text: Text | None = None, *, id: str | None = None) -> None:
        # `LinePane` owns the drawn rows (`_strips`), the base style (`_style("")`) and the
        # frame's width and scroll offset (`_origin()`); this pane adds the selection.
        super().__init__(id=id)
        self._page = Page(text if text is not None else Text())
        self._geometry: Geometry | None = None
        self._selection: Selection | None = None  # the screen's, noted once a frame

    @property
    def page(self) -> Page:
        return self._page

    @property
    def text(self) -> Text:
        return self._page.text

    @property
    def geometry(self) -> Geometry | None:
        """The pane's geometry as last seen on the event loop (a thread may read it)."""
        return self._geometry

    def show(self, page: Page) -> None:
        """Show `page` instead: only the rows on screen are drawn again."""
        if self.is_mounted and self.text_selection is not None:
            self.screen.clear_selection()  # it was a selection of the text before
        self._page = page
        self._strips.clear()
        self._fit_virtual_size()
        self.refresh(self.size.region)  # the text, not the border: its labels change alone

    def update(self, text: Text, measure: int | None = None) -> None:
        """Show `text`, wrapped by the renderer at `measure` columns (None: the pane's width)."""
        self.show(Page(text, measure))

    def _fit_virtual_size(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0:
            return  # not laid out yet: the first resize does it
        fit_virtual_size(self, Size(width, self._page.height(self._page.draw_width(width))))

    def _remember_geometry(self) -> None:
        region = self.scrollable_content_region
        self._geometry = (Geometry(region.width, region.height, self._style(""),
                                   self.app.console) if region.width > 0 else None)

    def on_resize(self, event: events.Resize) -> None:
        self._remember_geometry()
        self._fit_virtual_size()
        self.resized()

    def resized(self) -> None:
        """Called after the pane changed size (subclasses re-render at the new width)."""

    def render_lines(self, crop: Region) -> list[Strip]:
        # The selection is found through the screen (a walk up the DOM): once a frame.
        self._selection = self.text_selection
        try:
            return super().render_lines(crop)
        finally:
            self._selection = None

    def render_line(self, y: int) -> Strip:
        # Drawn through `render_lines`, rows carry no offsets; asked directly, by the
        # compositor finding where the mouse is for a selection, they do.
        offsets = self._frame is None
        width, top = self._origin()
        selection = self.text_selection if offsets else self._selection
        if width <= 0:
            return Strip.blank(0)
        row = top + y
        page = self._page
        if selection is not None and (span := selection.get_span(row)) is not None:
            over = self.screen.get_component_rich_style("screen--selection")
            return row_strip(page, row, self._current_geometry(width), (over, span), offsets)
        if offsets:
            return row_strip(page, row, self._current_geometry(width), offsets=True)
        key = (width, row)
        strip = self._strips.get(key)
        if strip is None:
            if page.strip_style == self._style(""):
                strip = page.strips.get(key)
            if strip is None:
                strip = row_strip(page, row, self._current_geometry(width))
            self._strips[key] = strip
        return strip

    def _current_geometry(self, width: int) -> Geometry:
        geometry = self._geometry
        if geometry is None or geometry.width != width or geometry.style != self._style(""):
            self._remember_geometry()
            geometry = self._geometry
        assert geometry is not None
        return geometry

    def notify_style_update(self) -> None:
        super().notify_style_update()  # drops the base style and the drawn rows
        if self.is_mounted:
            self._remember_geometry()

    # -- mouse selection ---------------------------------------------------------------------------
    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        page = self._page
        width = page.draw_width(max(self.scrollable_content_region.width, 1))
        start, end = selection
        first = 0 if start is None else page.offset_of(start.y, start.x, width)
        last = len(page.plain) if end is None else page.offset_of(end.y, end.x, width)
        return page.plain[first:last], "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()  # the rows that were selected are drawn plain again
