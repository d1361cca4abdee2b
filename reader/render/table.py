"""HTML tables as a text grid.

A pane is narrow and Rich cannot draw a table inside a `Text`, so a table becomes plain
lines: columns padded to their content, separated by " │ ", the header row bold and ruled
off, over-long cells cut with "…" at `MAX_CELL` cells (or less when a width is known), so one
long cell cannot push every other column off the screen. Colspans take the room of the
columns they cover; rowspans are not modelled (the cell appears in its first row only).

Many pages still use tables for layout: a cell holding headings, lists, quotes or several
paragraphs is not data, and cutting it at 40 cells would lose the story. `is_layout` spots
those (and one-column tables) so the converter reads them as ordinary blocks instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len, chop_cells
from rich.text import Span

import reader.render.styles as styles
from reader.render.inline import Inline
from reader.render.layout import Run, join, styled

# A table holding any of these is page layout, not data.
STRUCTURE = ("h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "menu", "dir", "li", "blockquote",
             "pre", "dl", "figure", "table", "hr")
MAX_CELL = 40
MIN_CELL = 3
MAX_COLUMNS = 64  # beyond this a "table" is not something a reader can read as a grid
SEP = " │ "
RULE_JOIN = "─┼─"


@dataclass(slots=True)
class Cell:
    run: Run
    span: int
    head: bool
    width: int = -1  # in cells; computed once

    def __post_init__(self) -> None:
        text = self.run[0]
        self.width = len(text) if text.isascii() else cell_len(text)


def is_layout(table: Any) -> bool:
    """True for a layout table: nested tables, structure in cells, 2+ paragraphs in a cell."""
    for _ in table.iterdescendants(*STRUCTURE):
        return True
    for cell in table.iter("td", "th"):
        for count, _ in enumerate(cell.iterdescendants("p", "div"), start=1):
            if count > 1:
                return True
    return False


class TableState:
    """A data table being read: rows of (cell text, colspan, is header) and the caption."""

    __slots__ = ("rows", "cell", "caption", "in_caption", "in_head")

    def __init__(self) -> None:
        self.rows: list[list[tuple[Inline, int, bool]]] = []
        self.cell: Inline | None = None
        self.caption = Inline()
        self.in_caption = False
        self.in_head = False

    def new_row(self) -> None:
        self.rows.append([])
        self.cell = None

    def new_cell(self, span: int, head: bool) -> Inline:
        if not self.rows:
            self.rows.append([])
        self.cell = Inline()
        self.rows[-1].append((self.cell, span, head or self.in_head))
        return self.cell

    def sink(self, create: bool) -> Inline | None:
        """Where text goes now: the caption, the current cell, or (stray text) a new cell."""
        if self.in_caption:
            return self.caption
        if self.cell is None and create:
            self.new_cell(1, False)
        return self.cell

    def cells(self) -> list[list[Cell]]:
        return [[Cell(buf.take(), span, head) for buf, span, head in row]
                for row in self.rows if row]


def column_count(rows: list[list[Cell]]) -> int:
    return min(max((sum(cell.span for cell in row) for row in rows), default=0), MAX_COLUMNS)


def _widths(rows: list[list[Cell]], ncols: int) -> list[int]:
    widths = [0] * ncols
    spanning: list[tuple[int, int, int]] = []
    for row in rows:
        col = 0
        for cell in row:
            if col >= ncols:
                break
            span = min(cell.span, ncols - col)
            need = min(cell.width, MAX_CELL)
            if span == 1:
                widths[col] = max(widths[col], need)
            else:
                spanning.append((col, span, need))
            col += span
    for col, span, need in spanning:
        have = sum(widths[col:col + span]) + len(SEP) * (span - 1)
        if need > have:
            widths[col + span - 1] += need - have
    return [min(width, MAX_CELL) for width in widths]


def _fit(widths: list[int], max_width: int) -> list[int]:
    """Cap the widest columns so the grid fits `max_width`, if it can at MIN_CELL each."""
    def total(cap: int) -> int:
        return sum(min(w, cap) for w in widths) + len(SEP) * (len(widths) - 1)

    if total(MAX_CELL) <= max_width:
        return widths
    low, high = MIN_CELL, MAX_CELL
    while low < high:  # the largest cap that fits
        mid = (low + high + 1) // 2
        if total(mid) <= max_width:
            low = mid
        else:
            high = mid - 1
    return [min(w, low) for w in widths]


def _header_rows(rows: list[list[Cell]]) -> int:
    count = 0
    for row in rows:
        if not all(cell.head for cell in row):
            break
        count += 1
    return count


def fit_cell(cell: Cell, width: int) -> Run:
    """The cell padded to `width` cells, or cut to it with "…"; header cells in bold."""
    text, spans = cell.run
    if cell.width <= width:
        fitted = text + " " * (width - cell.width)
        keep = len(text)
    else:  # cut to width - 1 cells, then the ellipsis
        cut = (text[:width - 1] if text.isascii() else chop_cells(text, width - 1)[0]) \
            if width > 1 else ""
        keep = len(cut)
        fitted = cut + " " * (width - 1 - cell_len(cut)) + "…"
    kept = [Span(span.start, min(span.end, keep), span.style)
            for span in spans if span.start < keep]
    if cell.head:
        kept.insert(0, Span(0, len(fitted), styles.TABLE_HEAD))
    return (fitted, kept)


def layout_table(rows: list[list[Cell]], max_width: int | None = None) -> list[Run]:
    """The grid lines of `rows` (at least two columns expected; empty rows ignored)."""
    rows = [row for row in rows if row]
    ncols = column_count(rows)
    if not ncols:
        return []
    widths = _widths(rows, ncols)
    if max_width is not None:
        widths = _fit(widths, max_width)
    sep = styled(SEP, styles.TABLE_RULE)
    lines: list[Run] = []
    heads = _header_rows(rows)
    for number, row in enumerate(rows):
        pieces: list[Run] = []
        col = 0
        for cell in row:
            if col >= ncols:
                break
            span = min(cell.span, ncols - col)
            if col:
                pieces.append(sep)
            pieces.append(fit_cell(cell, sum(widths[col:col + span]) + len(SEP) * (span - 1)))
            col += span
        lines.append(join(pieces))
        if number + 1 == heads and heads < len(rows):
            lines.append(styled(RULE_JOIN.join("─" * w for w in widths), styles.TABLE_RULE))
    return lines
