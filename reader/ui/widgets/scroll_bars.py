"""`QuickBarRender`: a scroll bar renderer that hands Textual its strips ready-made.

Textual draws a scroll bar by rendering a Rich renderable (`ScrollBarRender`) through a
console, then styling the segments and cutting them into lines: about a third of the ~3 ms
the headline list's 35-row bar costs whenever its thumb moves or changes size (a search whose
count differs enough). This renderer is also a Textual `Visual`, so Textual takes its lines as
they are: the same segments, styled the same way (the widget's style under the bar's), made
without a console, and kept for the next time the bar looks the same.

Set it on a bar (`widget.vertical_scrollbar.renderer = QuickBarRender`), as Textual's
`ScrollBar.renderer` documentation describes; every line pane's bar has it, and they share
one cache of drawn bars, sized for the three panes.
"""

from __future__ import annotations

from typing import ClassVar

from rich.color import Color
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.cache import LRUCache
from textual.css.styles import RulesMap
from textual.scrollbar import ScrollBarRender
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

_BACK = Color.parse("#555555")  # ScrollBarRender's own defaults, for a style without colours
_BAR = Color.parse("bright_magenta")


class QuickBarRender(ScrollBarRender, Visual):
    """A `ScrollBarRender` that Textual renders as a `Visual`."""

    _drawn: ClassVar[LRUCache[tuple[object, ...], list[Strip]]] = LRUCache(192)

    def render_strips(self, width: int, height: int | None, style: Style,
                      options: RenderOptions) -> list[Strip]:
        height = 1 if height is None else height
        bar_style = self.style if isinstance(self.style, RichStyle) else RichStyle.parse(
            str(self.style))
        base = style.rich_style
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
            if self.vertical:  # a segment a line, `thickness` cells wide
                strips = [Strip([segment]).crop(0, width) for segment in styled]
            else:  # every segment on each of `thickness` lines
                strips = [Strip(styled).crop(0, width)] * thickness
            self._drawn[key] = strips
        return strips

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.thickness if self.vertical else container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.virtual_size if self.vertical else self.thickness
