"""`LinePane`: what the line-API panes (headline list, teasers, article) share to draw quickly.

* The rich styles of the pane's component classes, computed once: `Widget.rich_style` walks
  the DOM, which is too slow to do for every line a pane draws. The table (and the pane's
  cache of drawn lines) is dropped when the theme or the pane's classes change.
* The pane's width and scroll offset, read once a frame: `render_lines` notes them before
  Textual asks for each line, so `render_line` does not compute the content region per line.
* Framed lines kept, not remade (`FRAME_ROWS`): Textual frames every line a pane repaints
  anew (border, padding, line filters: style lookups and three new `Strip`s a line, ~70 µs),
  and a new strip also misses the compositor's cache of cut strips. A search's results
  repaint every row of the list, a scroll every row of the pane. So `render_lines` asks
  Textual only for the border rows (with their titles) and one content row whose edges it
  copies, frames the other rows with those edges, and keeps each framed line as long as its
  row's strip is kept. As Textual does, a frame draws again only the rows refreshed since the
  last (`refresh` notes which), or all of them when the size, scroll offset, colours, line
  filters or styles changed. The output is the same, cell for cell (tests compare it); a
  pane with an effect this does not reproduce (tint, opacity, text opacity, outline, hatch)
  is framed by Textual as before.
* The scroll bar a `QuickScrollBar`: its strips ready-made and kept, no console, and not
  framed again line by line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Self

from rich.segment import Segment
from rich.style import Style
from textual.cache import FIFOCache, LRUCache
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widget import Widget

from reader.lowlevel import own_vertical_scrollbar
from reader.ui.widgets.scroll_bars import QuickScrollBar, plain_frame


def component_styles(widget: Widget, prefix: str) -> dict[str, Style]:
    """"" -> the widget's base style; each component class, its prefix removed -> that
    component's style over the base."""
    base = widget.rich_style
    styles = {"": base}
    for component in widget.COMPONENT_CLASSES:
        styles[component.removeprefix(prefix)] = base + widget.get_component_rich_style(component)
    return styles


class LinePane(ScrollView):
    """A ScrollView that draws line by line from cached styles and strips."""

    STYLE_PREFIX: ClassVar[str] = ""  # the component classes' prefix ("headline-list--")
    FRAME_ROWS: ClassVar[bool] = False  # frame content rows here (see the module docstring)
    STRIPS_KEPT: ClassVar[int] = 256  # drawn rows kept in `_strips`

    # The lines drawn at the last frame, and what they were drawn for; rows refreshed since
    # (rows of the content area, on screen) are drawn again. Class defaults: `refresh` may
    # run before `__init__` is done.
    _drawn: list[Strip] | None = None
    _drawn_for: tuple[object, ...] | None = None
    _stale: frozenset[int] | set[int] = frozenset()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._styles: dict[str, Style] | None = None
        # A FIFO, not an `LRUCache`: the teasers clear it at every story, and an LRU's
        # `clear()` leaves its ring of links (and the strips) as garbage for the slow full
        # collections of Python's cycle collector.
        self._strips: FIFOCache[Any, Strip] = FIFOCache(self.STRIPS_KEPT)
        self._frame: tuple[int, int] | None = None  # `_origin()` during a frame, else None
        # id(row strip) -> (row strip, its framed line): the row is held, so its id stays its
        self._framed: LRUCache[int, tuple[Strip, Strip]] = LRUCache(256)
        self._framing: tuple[object, ...] | None = None  # what the framed lines were made with
        self._edges: tuple[list[Segment], list[Segment], Style] = ([], [], Style())

    _quick_bar: ScrollBar | None = None  # the bar `vertical_scrollbar` made, once made

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """A `QuickScrollBar`, set up as Textual sets up its own bar (which is made in this
        property, with no public way to choose its class). Read at every scroll and layout:
        a bar already made is returned at once."""
        bar = self._quick_bar
        if bar is not None:
            return bar
        bar = self._quick_bar = own_vertical_scrollbar(self, lambda: QuickScrollBar(
            vertical=True, name="vertical", thickness=self.scrollbar_size_vertical))
        return bar

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._strips.clear()
        self._drawn = None

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:
        if repaint:
            if regions and self._drawn is not None:
                self._stale = set(self._stale)
                for region in regions:  # relative to the content area
                    self._stale.update(region.line_range)
            else:
                self._drawn = None
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _style(self, name: str) -> Style:
        """The rich style of a component class ("" for the pane's own) over the base style."""
        if self._styles is None:
            self._styles = component_styles(self, self.STYLE_PREFIX)
        return self._styles[name]

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame = (self.scrollable_content_region.width, int(self.scroll_y))  # once a frame
        try:
            lines = self._framed_lines(crop) if self.FRAME_ROWS else None
            return super().render_lines(crop) if lines is None else lines
        finally:
            self._frame = None

    def _origin(self) -> tuple[int, int]:
        """(content width, first row on show), as noted for this frame."""
        return self._frame or (self.scrollable_content_region.width, int(self.scroll_y))

    def _framed_lines(self, crop: Region) -> list[Strip] | None:
        """The lines in `crop`, content rows framed here; None when Textual must frame them."""
        styles = self.styles
        width, height = self.region.size
        gutter = styles.gutter
        content_width, content_height = width - gutter.width, height - gutter.height
        if content_width <= 0 or content_height <= 0 or not plain_frame(self):
            return None
        first, end = gutter.top, height - gutter.bottom  # the content rows: [first, end)
        base_background, background = self.background_colors
        filters = tuple(self.get_line_filters())
        drawn_for = (width, height, gutter, self._origin(), base_background, background, filters)
        drawn = self._drawn
        stale: Iterable[int]
        if drawn is None or drawn_for != self._drawn_for:
            # Textual draws the top rows (border, title) and the first content row, whose
            # edges (border and padding, filtered) frame every content row.
            head = super().render_lines(Region(0, 0, width, first + 1))
            probe = head[-1]
            left = list(probe.crop(0, gutter.left))
            right = list(probe.crop(width - gutter.right))
            inner = VisualStyle(background=base_background + background).rich_style
            self._edges = (left, right, inner)
            framing = (width, content_width, tuple(left), tuple(right), inner, filters,
                       background)
            if framing != self._framing:
                self._framing = framing
                self._framed.clear()
            foot = super().render_lines(Region(0, end, width, height - end)) if end < height else []
            drawn = self._drawn = [*head[:first], *[probe] * content_height, *foot]
            self._drawn_for = drawn_for
            stale = range(content_height)
        else:
            stale = sorted(self._stale)
            if stale and stale[0] < 0:  # the top border (its title)
                drawn[:first] = super().render_lines(Region(0, 0, width, first))
            if stale and stale[-1] >= content_height and end < height:  # the bottom border
                drawn[end:] = super().render_lines(Region(0, end, width, height - end))
        self._stale = frozenset()
        framed = self._framed
        left, right, inner = self._edges
        for y in stale:
            if not 0 <= y < content_height:
                continue
            row = self.render_line(y)
            known = framed.get(id(row))
            if known is not None and known[0] is row:
                drawn[first + y] = known[1]
                continue
            segments: list[Segment] = list(row)
            short = content_width - row.cell_length
            if short > 0:
                segments.append(Segment(" " * short, inner))
            elif short < 0:
                segments = list(row.crop(0, content_width))
            for line_filter in filters:
                segments = line_filter.apply(segments, background)
            drawn[first + y] = line = Strip([*left, *segments, *right], width)
            framed[id(row)] = (row, line)
        lines = drawn[crop.y:crop.bottom]
        if crop.column_span != (0, width):
            x1, x2 = crop.column_span
            lines = [line.crop(x1, x2) for line in lines]
        return lines
