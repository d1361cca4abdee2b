"""One row of the headline list, drawn to exactly the pane's width.

Unread mark, star, headline, source and date, each cut to its own width ("…" where a text is
cut, never wrapped). Apart from the list so that its paging and drawing each read on their
own; the list keeps the drawn strips (a search draws ~35 new rows in one frame).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from reader.models import Headline
from reader.sanitize import clean_line

UNREAD, STARRED = "● ", "★ "
_MARKS_FIT = cell_len(UNREAD) == cell_len(STARRED) == 2  # as `draw_headline` counts them


def draw_headline(headline: Headline, width: int, date: str, style: Callable[[str], Style],
                  *, selected: bool, focused: bool) -> Strip:
    """`headline` as a row `width` cells wide; `style(name)` gives the list's component
    styles ("" for the pane's own, "cursor", "read", "meta" ...)."""
    if selected:
        base = style("cursor" if focused else "cursor-blurred")
        mark = star = title = meta = base
    else:
        base = style("")
        mark, star, meta = style("mark"), style("star"), style("meta")
        title = style("read" if headline.read else "unread")
    source_width = min(18, width // 4) if width >= 36 else 0
    title_width = width - 4 - len(date) - 1 - (source_width + 2 if source_width else 0)
    segments = [
        Segment(UNREAD if not headline.read else "  ", mark),
        Segment(STARRED if headline.starred else "  ", star),
        Segment(fit(headline.title, title_width), title),
    ]
    if source_width:
        source = fit(clean_line(headline.source_title), source_width)
        segments.append(Segment("  " + source, meta))
    segments.append(Segment(" " + date, meta))
    if title_width > 0 and date.isascii() and _MARKS_FIT:
        # Every part is cut to its width: the row's width is known without measuring the
        # title again.
        return Strip(segments, width)
    return Strip(segments).adjust_cell_length(width, base)


def fit(text: str, width: int) -> str:
    """`text` cut (with "…") or padded to exactly `width` cells; never wrapped."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"
