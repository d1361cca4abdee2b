"""`LinePane`: what the line-API panes (headline list, teaser sidebar) share to draw quickly.

* The rich styles of the pane's component classes, computed once: `Widget.rich_style` walks
  the DOM, which is too slow to do for every line a pane draws. The table (and the pane's
  cache of drawn lines) is dropped when the theme or the pane's classes change.
* The pane's width and scroll offset, read once a frame: `render_lines` notes them before
  Textual asks for each line, so `render_line` does not compute the content region per line.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget


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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._styles: dict[str, Style] | None = None
        self._strips: LRUCache[Any, Strip] = LRUCache(256)
        self._frame: tuple[int, int] | None = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._strips.clear()

    def _style(self, name: str) -> Style:
        """The rich style of a component class ("" for the pane's own) over the base style."""
        if self._styles is None:
            self._styles = component_styles(self, self.STYLE_PREFIX)
        return self._styles[name]

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame = (self.scrollable_content_region.width, int(self.scroll_y))  # once a frame
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def _origin(self) -> tuple[int, int]:
        """(content width, first row on show), as noted for this frame."""
        return self._frame or (self.scrollable_content_region.width, int(self.scroll_y))
