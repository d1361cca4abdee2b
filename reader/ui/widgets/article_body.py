"""The article's text, drawn a line at a time: opening a story costs what is on screen.

A `Static` turns its whole text into strips whenever it changes, so each story opened cost
time in proportion to its length (~50 ms of a `j` press for a 3 KB story, seconds for a
200 KB one). This widget keeps the rendered `Text`, finds where its lines start (one pass
over the plain text), and makes strips only for the rows the compositor asks for, in a
small cache. The renderer already wraps the story to the width it is shown at; a line that is
still too long (a long URL, a table wider than the pane) is wrapped here like rich wraps,
folding words longer than the line.

The text is a rich `Text` from `reader.render`: it is drawn as data, never parsed as markup.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget


class ArticleBody(Widget):
    """A text that knows its height without rendering itself; `update` swaps the text."""

    DEFAULT_CSS = """
    ArticleBody {
        height: auto;
    }
    """

    def __init__(self, text: Text, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = text
        self._starts: list[int] = []  # where each logical line starts in the plain text
        self._rows: dict[int, list[int]] = {}  # width -> cumulative rows after each line
        self._wrapped: LRUCache[tuple[int, int], list[Text]] = LRUCache(256)
        self._strips: LRUCache[tuple[int, int], Strip] = LRUCache(256)
        self._lines: list[Text] | None = None  # the text split at its newlines, on first draw
        self._style: Style | None = None  # rich_style walks the DOM: once, not per row
        self._index()

    @property
    def text(self) -> Text:
        return self._text

    def update(self, text: Text) -> None:
        """Show `text` instead (the widget's height follows)."""
        self._text = text
        self._index()
        self.refresh(layout=True)

    def _index(self) -> None:
        plain = self._text.plain
        starts = [0]
        find = plain.find
        at = find("\n")
        while at != -1:
            starts.append(at + 1)
            at = find("\n", at + 1)
        self._starts = starts
        self._lines = None
        self._rows.clear()
        self._wrapped.clear()
        self._strips.clear()

    def _line(self, index: int) -> Text:
        if self._lines is None:  # one pass over the spans, when the text is first drawn
            self._lines = list(self._text.split("\n", allow_blank=True))
        return self._lines[index] if index < len(self._lines) else Text()

    def _line_rows(self, index: int, width: int) -> list[Text]:
        found = self._wrapped.get((index, width))
        if found is None:
            line = self._line(index)
            if cell_len(line.plain) <= width:
                found = [line]
            else:
                found = list(line.wrap(self.app.console, width, overflow="fold")) or [line]
            self._wrapped[(index, width)] = found
        return found

    def _cumulative(self, width: int) -> list[int]:
        """Rows up to and including each line, at `width` (one pass over line lengths)."""
        rows = self._rows.get(width)
        if rows is None:
            plain, starts = self._text.plain, self._starts
            ends = [*starts[1:], len(plain) + 1]
            counts = []
            for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
                if cell_len(plain[start:end - 1]) <= width:
                    counts.append(1)  # the common case: the renderer wrapped it already
                else:
                    counts.append(len(self._line_rows(index, width)))
            rows = self._rows[width] = list(accumulate(counts))
        return rows

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if width <= 0:
            return len(self._starts)
        return self._cumulative(width)[-1]

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        if width <= 0:
            return Strip.blank(0)
        key = (width, y)
        strip = self._strips.get(key)
        if strip is not None:
            return strip
        style = self._style
        if style is None:
            style = self._style = self.rich_style
        rows = self._cumulative(width)
        index = bisect_right(rows, y)
        if index >= len(rows):
            strip = Strip.blank(width, style)
        else:
            first = rows[index - 1] if index else 0
            parts = self._line_rows(index, width)
            part = parts[y - first] if y - first < len(parts) else Text()
            segments = list(part.render(self.app.console))
            strip = Strip(segments).apply_style(style).adjust_cell_length(width, style)
        self._strips[key] = strip
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style = None
        self._strips.clear()
