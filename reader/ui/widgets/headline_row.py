"""One row of the headline list, drawn to exactly the pane's width.

Unread mark, star, headline, source and date, each cut to its own width ("…" where a text is
cut, never wrapped). The headline is what a reader scans, so it gets every cell the other
columns do not need: the source column is left out where every row would repeat the same
source, and the date sits right-aligned in a column of fixed width, so that "07:30" and
"2024-11-27" rows line up and the headlines of all rows start and end in the same place.
Apart from the list so that its paging and drawing each read on their own; the list keeps
the drawn strips (a search draws ~35 new rows in one frame).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from reader.models import Headline, Source, View
from reader.sanitize import clean_line

UNREAD, STARRED = "● ", "★ "
_MARKS_FIT = cell_len(UNREAD) == cell_len(STARRED) == 2  # as `draw_headline` counts them
DATE_WIDTH = 10  # the widest list date, "2024-11-27"; shorter ones are right-aligned in it
SOURCE_MAX = 20  # cells of the source column at most: a name, not a description
SOURCE_FROM = 40  # rows narrower than this have no source column: the headline needs them


def source_column_wanted(view: View, sources: Iterable[Source]) -> bool:
    """Whether the rows of `view` get a source column: not where every row comes from one
    source (a source's view, a folder or a whole cache that holds one), where it would only
    repeat itself on every row, in cells the headline needs."""
    if view.source_id is not None:
        return False
    folder = view.folder
    holding = [source for source in sources if source.total and (
        not folder or source.folder == folder or source.folder.startswith(folder + "/"))]
    return len(holding) != 1


def column_widths(width: int, *, source: bool) -> tuple[int, int]:
    """(headline, source) widths of a row `width` cells wide; source 0: no source column.

    The source column takes a fifth of the row (at most `SOURCE_MAX`); the headline takes
    the rest after the marks and the date."""
    source_width = min(SOURCE_MAX, width // 5) if source and width >= SOURCE_FROM else 0
    title_width = width - 4 - (source_width + 1 if source_width else 0) - 1 - DATE_WIDTH
    return title_width, source_width


def draw_headline(headline: Headline, width: int, date: str, style: Callable[[str], Style],
                  *, selected: bool, focused: bool, source: bool = True) -> Strip:
    """`headline` as a row `width` cells wide; `style(name)` gives the list's component
    styles ("" for the pane's own, "cursor", "read", "meta" ...); `source`: with the
    source column (when the rows may come from more than one source)."""
    if selected:
        base = style("cursor" if focused else "cursor-blurred")
        mark = star = title = meta = base
    else:
        base = style("")
        mark, star, meta = style("mark"), style("star"), style("meta")
        title = style("read" if headline.read else "unread")
    title_width, source_width = column_widths(width, source=source)
    if date.isascii() and len(date) <= DATE_WIDTH:
        date = date.rjust(DATE_WIDTH)
    else:
        date = fit(date, DATE_WIDTH)  # (never so today: the list's dates are short ASCII)
    if source_width:
        meta_text = " " + fit(clean_line(headline.source_title), source_width) + " " + date
    else:
        meta_text = " " + date
    segments = [
        Segment(UNREAD if not headline.read else "  ", mark),
        Segment(STARRED if headline.starred else "  ", star),
        Segment(fit(headline.title, title_width), title),
        Segment(meta_text, meta),
    ]
    if title_width > 0 and _MARKS_FIT:
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
