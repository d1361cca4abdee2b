"""`QuickBarRender`: a scroll bar renderer that hands Textual its strips ready-made.

Textual draws a scroll bar by rendering a Rich renderable (`ScrollBarRender`) through a
console, then styling the segments and cutting them into lines: about a third of the ~3 ms
the headline list's 35-row bar costs whenever its thumb moves or changes size (a search whose
count differs enough). This renderer is also a Textual `Visual`, so Textual takes its lines as
they are: the same segments, styled the same way (the widget's style under the bar's), made
without a console, and kept for the next time the bar looks the same.

Bars drawn with it share one cache of drawn bars, sized for the three line panes. A line
pane's bar is a `QuickScrollBar` (`LinePane.vertical_scrollbar`), whose class sets this
renderer and which also hands the compositor those strips as its lines: Textual's bar
frames each of its lines anew (a new strip a row, each run through the line filters),
~1.2 ms for a 36-row bar in the first frame. The kept strips are filtered once and then
reused, the cells the same.
"""

from __future__ import annotations

from typing import ClassVar, Self

from rich.color import Color
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.cache import LRUCache
from textual.css.styles import RulesMap
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widget import Widget

_BACK = Color.parse("#555555")  # ScrollBarRender's own defaults, for a style without colours
_BAR = Color.parse("bright_magenta")


class QuickBarRender(ScrollBarRender, Visual):
    """A `ScrollBarRender` that Textual renders as a `Visual`."""

    _drawn: ClassVar[LRUCache[tuple[object, ...], list[Strip]]] = LRUCache(192)

    def render_strips(self, width: int, height: int | None, style: Style,
                      options: RenderOptions) -> list[Strip]:
        height = 1 if height is None else height
        return self.bar_strips(width, height, style.rich_style)

    def bar_strips(self, width: int, height: int, base: RichStyle) -> list[Strip]:
        """The bar's lines, each segment's style over `base` (the bar widget's own)."""
        bar_style = self.style if isinstance(self.style, RichStyle) else RichStyle.parse(
            str(self.style))
        key = (width, height, self.virtual_size, self.window_size, self.position,
               self.vertical, bar_style, base)
        strips = self._drawn.get(key)
        if strips is None:
            size, thickness = (height, width) if self.vertical else (width, height)
            segments = self.render_bar(
                size=size, virtual_size=self.virtual_size, window_size=self.window_size,
                position=self.position, thickness=thickness, vertical=self.vertical,
                back_color=bar_style.bgcolor or _BACK, bar_color=bar_style.color or _BAR,
            ).segments
            styled = [Segment(text, base + segment_style if base else segment_style)
                      for text, segment_style, _control in segments]
            if self.vertical:  # a segment a line, `thickness` cells wide; the track's
                # rows are one strip, so a line filter runs once for them all
                rows: dict[Segment, Strip] = {}
                strips = [rows.get(segment) or rows.setdefault(
                    segment, Strip([segment]).crop(0, width)) for segment in styled]
            else:  # every segment on each of `thickness` lines
                strips = [Strip(styled).crop(0, width)] * thickness
            self._drawn[key] = strips
        return strips

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.thickness if self.vertical else container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.virtual_size if self.vertical else self.thickness


def plain_frame(widget: Widget) -> bool:
    """Whether Textual's framing of the widget's lines adds nothing but its border and
    padding: no effect that the quick drawing here and in the line panes leaves out (tint,
    opacity, text opacity, outline, hatch)."""
    styles = widget.styles
    return (widget.opacity == 1 and styles.text_opacity == 1 and not styles.tint.a
            and not any(edge for edge, _color in styles.outline)
            and not (styles.has_rule("hatch") and styles.hatch != "none"))


class QuickScrollBar(ScrollBar):
    """A scroll bar whose lines are `QuickBarRender`'s kept strips (see the module docstring).

    Only the drawing differs: the mouse, the keys and the reactive state are `ScrollBar`'s.
    As Textual's bar, it draws anew only once refreshed (a bar set to a size that looks the
    same is not: `fit_virtual_size`). A bar with another renderer, or a look this does not
    reproduce (a border or padding, an effect, content aligned elsewhere), is drawn by
    Textual."""

    renderer = QuickBarRender
    # The lines last drawn and what they were drawn for (size, background, line filters).
    _kept: tuple[tuple[object, ...], list[Strip]] | None = None

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:
        if repaint:
            self._kept = None
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._kept = None

    def render_lines(self, crop: Region) -> list[Strip]:
        width, height = self.size
        _, background = self.background_colors
        filters = tuple(self.get_line_filters())
        drawn_for = (width, height, background, filters)
        if self._kept is not None and self._kept[0] == drawn_for:
            strips = self._kept[1]
        else:
            visual = self.render()
            if (not isinstance(visual, QuickBarRender) or self.styles.gutter
                    or self.styles.content_align != ("left", "top") or not plain_frame(self)):
                return super().render_lines(crop)
            strips = visual.bar_strips(width, height, self.visual_style.rich_style)
            if len(strips) != height or any(strip.cell_length != width for strip in strips):
                return super().render_lines(crop)
            for line_filter in filters:
                strips = [strip.apply_filter(line_filter, background) for strip in strips]
            self._kept = (drawn_for, strips)
        strips = strips[crop.y:crop.bottom]
        if crop.column_span != (0, width):
            x1, x2 = crop.column_span
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips
