"""Stored story HTML to logical lines of styled text.

Why lxml and an explicit walk: libxml2 (in recover mode) turns any tag soup into a tree the
way a browser would, in C, about fifteen times faster than `html.parser` (which alone took
over 100 ms on a 200 KB body), and `etree.iterwalk` visits the tree without recursion. The
open elements live on an explicit stack; each open block container (list item, quote, <pre>,
<dd>) contributes a line prefix, and inline elements contribute a style combined once when
they open, so nesting never piles up spans. libxml2 stops at 2,047 levels of nesting; such a
document is shown as plain paragraphs (`fallback.plain_lines`) rather than cut short.

Untrusted text is never parsed as markup: every text node goes through `clean_text` and
becomes string data with spans. Scripts, styles and the like are dropped with their content
even though `reader.render` hands over bodies cleaned by nh3 already (defence in depth).
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from rich.cells import cell_len
from rich.style import Style

import reader.render.styles as styles
from reader.render.fallback import plain_lines
from reader.render.inline import Inline
from reader.render.layout import EMPTY, Line, LineKind, Run, join, styled
from reader.render.table import TableState, column_count, fit_cell, is_layout, layout_table
from reader.sanitize import clean_line, clean_text, is_safe_url

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = frozenset({"http", "https"})
BULLETS = ("•", "◦", "▪")
QUOTE_BAR = "▌ "
INDENT = "  "
RULE = "─" * 20
TAB_SIZE = 4
MAX_PREFIXES = 10  # deeper containers still count, but only the innermost is drawn

SKIP = frozenset({"script", "style", "template", "noscript", "iframe", "object", "embed",
                  "svg", "math", "head", "title", "textarea", "select", "button", "frameset",
                  "noembed", "noframes", "xmp", "plaintext", "#other"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
LISTS = frozenset({"ul", "ol", "menu", "dir"})
# Blocks set apart by a blank line, and blocks that only start a new line.
BLANK_BLOCKS = HEADINGS | {"p", "pre", "blockquote", "dl", "figure", "address", "article",
                           "aside", "footer", "header", "main", "nav", "section", "details",
                           "hgroup", "fieldset", "center", "listing", "table"}
LINE_BLOCKS = frozenset({"div", "li", "dt", "dd", "figcaption", "summary", "legend", "body",
                         "html", "tr", "td", "th", "caption", "thead", "tbody", "tfoot",
                         "search", "dialog"})
BLOCKS = BLANK_BLOCKS | LINE_BLOCKS | LISTS
TABLE_PARTS = frozenset({"tr", "td", "th", "caption", "thead", "tbody", "tfoot"})
# Inline elements whose only effect is a style take a fast path (most of a document); tags
# outside ACTIVE keep their text and nothing else (span, abbr, time, unknown tags...).
STYLE_ONLY = frozenset({"em", "i", "cite", "dfn", "var", "strong", "b", "u", "ins", "s",
                        "del", "strike", "mark", "code", "kbd", "samp", "tt"})
ACTIVE = BLOCKS | {"br", "img", "hr", "a", "q", "sup", "sub"} | (set(styles.TAG_STYLES)
                                                              - STYLE_ONLY)

_SUP = str.maketrans("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ")
_SUB = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_SUP_CHARS = frozenset("0123456789+-=()ni \u00a0")
_SUB_CHARS = frozenset("0123456789+-=() \u00a0")
_NUMBER = re.compile(r"\s*[-+]?\d{1,10}\s*")


class _Container:
    """A block that prefixes its lines: `first` on its first line, `rest` after that."""

    __slots__ = ("first", "rest", "started")

    def __init__(self, first: Run, rest: Run) -> None:
        self.first = first
        self.rest = rest
        self.started = False


class _List:
    __slots__ = ("ordered", "next", "depth")

    def __init__(self, ordered: bool, start: int, depth: int) -> None:
        self.ordered = ordered
        self.next = start
        self.depth = depth


class _Elem:
    """What an open element must undo or finish when it closes."""

    __slots__ = ("kind", "styled", "sep", "container", "lst", "link")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.styled = False
        self.sep = 0  # 1: ends a line, 2: also wants a blank line after
        self.container: _Container | None = None
        self.lst: _List | None = None
        self.link: str | None = None


_PLAIN = _Elem("")  # shared stack entries for elements with nothing to do at their end
_STYLED = _Elem("")


def _int_attr(value: str | None, default: int, low: int, high: int) -> int:
    if not value or not _NUMBER.fullmatch(value):
        return default
    number = int(value)
    return number if low <= number <= high else default


def _expand_tabs(chunk: str, column: int) -> str:
    out = []
    for char in chunk:
        if char == "\t":
            pad = TAB_SIZE - column % TAB_SIZE
            out.append(" " * pad)
            column += pad
        else:
            out.append(char)
            column = 0 if char == "\n" else column + 1
    return "".join(out)


class Converter:
    """Walk a parsed tree once; `lines` and `links` hold the result."""

    def __init__(self, width: int | None = None) -> None:
        self.width = width
        self.lines: list[Line] = []
        self.links: dict[str, int] = {}
        self._stack: list[_Elem] = []
        self._styles: list[Style | None] = [None]
        self._combined: dict[tuple[Style, Style], Style] = {}
        self._containers: list[_Container] = []
        self._lists: list[_List] = []
        self._items = 0  # open list items
        self._cur = Inline()
        self._blank = False  # a blank line is due before the next line
        self._pre = 0
        self._pre_fresh = False
        self._pre_start = 0
        self._sup = self._sub = 0
        self._table: TableState | None = None

    def walk(self, root: Any) -> None:
        walker = etree.iterwalk(root, events=("start", "end"))
        start, close, data, pop = self._start, self._close, self._data, self._stack.pop
        for event, element in walker:
            if event == "start":
                tag = element.tag
                if start(tag if isinstance(tag, str) else "#other", element):
                    walker.skip_subtree()
                elif element.text:
                    data(element.text)
            else:
                close(pop())
                if element.tail:
                    data(element.tail)
        while self._stack:
            self._close(self._stack.pop())
        self._flush()

    # -- elements ------------------------------------------------------------------------

    def _start(self, tag: str, element: Any) -> bool:
        """Open an element; True when its content must be skipped."""
        if tag in STYLE_ONLY:
            self._styles.append(self._combine(styles.TAG_STYLES[tag]))
            self._stack.append(_STYLED)
            return False
        if tag not in ACTIVE:
            self._stack.append(_PLAIN)
            return tag in SKIP
        elem = _Elem(tag)
        self._stack.append(elem)
        table = self._table
        if table is not None and (tag in TABLE_PARTS or tag in ("br", "hr") or tag in BLOCKS):
            self._table_part(table, elem, tag, element)
        elif tag == "br":
            if self._pre:
                self._pre_data("\n", self._styles[-1])
            else:
                self._flush(force=True)
        elif tag == "img":
            self._image(element)
        elif tag == "hr":
            self._flush()
            self._blank = True
            self._emit(styled(RULE, styles.RULE), "verbatim")
            self._blank = True
        elif tag == "table" and not is_layout(element):
            self._flush()
            self._blank = True
            self._table = TableState()
            elem.kind = "grid"
        elif tag in BLOCKS:
            self._start_block(elem, tag, element)
        elif tag == "a":
            href = clean_line(element.get("href") or "")
            if href and is_safe_url(href, LINK_SCHEMES):
                elem.link = href
                self._push_style(elem, styles.LINK)
        elif tag == "q":
            self._atom("“", self._styles[-1])
        elif tag == "sup":
            self._sup += 1
        elif tag == "sub":
            self._sub += 1
        style = styles.TAG_STYLES.get(tag)
        if style is not None:
            self._push_style(elem, style)
        return False

    def _start_block(self, elem: _Elem, tag: str, element: Any) -> None:
        self._flush()
        if tag in LISTS:
            elem.sep = 1 if self._items else 2  # a list inside an item is not set apart
            start = _int_attr(element.get("start"), 1, -10**9, 10**9)
            elem.lst = _List(tag == "ol", start, len(self._lists))
            self._lists.append(elem.lst)
        else:
            elem.sep = 2 if tag in BLANK_BLOCKS else 1
        if elem.sep == 2:
            self._blank = True
        if tag == "li":
            self._items += 1
            lst = self._lists[-1] if self._lists else None
            if lst is not None and lst.ordered:
                marker = f"{lst.next}. "
                lst.next += 1
            else:
                marker = BULLETS[(lst.depth if lst else 0) % len(BULLETS)] + " "
            self._push_container(elem, (marker, []), (" " * cell_len(marker), []))
        elif tag == "blockquote":
            bar = styled(QUOTE_BAR, styles.QUOTE_BAR)
            self._push_container(elem, bar, bar)
        elif tag in ("dd", "pre", "listing"):
            self._push_container(elem, (INDENT, []), (INDENT, []))
            if tag != "dd":
                if not self._pre:
                    self._pre_start = len(self.lines)
                self._pre += 1
                self._pre_fresh = True

    def _push_container(self, elem: _Elem, first: Run, rest: Run) -> None:
        elem.container = _Container(first, rest)
        self._containers.append(elem.container)

    def _combine(self, style: Style) -> Style:
        top = self._styles[-1]
        if top is None:
            return style
        combined = self._combined.get((top, style))
        if combined is None:
            combined = self._combined[top, style] = top + style
        return combined

    def _push_style(self, elem: _Elem, style: Style) -> None:
        self._styles.append(self._combine(style))
        elem.styled = True

    def _close(self, elem: _Elem) -> None:
        if elem is _PLAIN:
            return
        if elem is _STYLED:
            self._styles.pop()
            return
        kind = elem.kind
        if elem.link is not None:
            self._atom(f"[{self._number(elem.link)}]", styles.LINK_MARKER)
        if kind == "q":
            self._atom("”", self._styles[-1])
        elif kind == "sup":
            self._sup -= 1
        elif kind == "sub":
            self._sub -= 1
        elif kind == "grid":
            self._end_table()
        elif kind in ("pre", "listing"):
            self._end_pre()
        elif self._table is not None:
            self._end_table_part(self._table, kind)
        if elem.sep:
            self._flush()
        if elem.container is not None:
            if kind == "li":
                self._items -= 1
                if not elem.container.started:
                    self._emit(EMPTY, "text")  # an empty item still shows its bullet
            self._containers.pop()
        if elem.lst is not None:
            self._lists.pop()
        if elem.sep == 2:
            self._blank = True
        if elem.styled:
            self._styles.pop()

    def _image(self, element: Any) -> None:
        alt = clean_line(element.get("alt") or "")
        self._atom(f"[image: {alt}]" if alt else "[image]", styles.IMAGE)
        src = clean_line(element.get("src") or "")
        if src and is_safe_url(src, IMAGE_SCHEMES):
            self._atom(f"[{self._number(src)}]", styles.LINK_MARKER)

    def _number(self, url: str) -> int:
        number = self.links.get(url)
        if number is None:
            number = self.links[url] = len(self.links) + 1
        return number

    # -- text ----------------------------------------------------------------------------

    def _data(self, data: str) -> None:
        chunk = clean_text(data)
        if not chunk:
            return
        if self._sup or self._sub:
            if not self._sub and _SUP_CHARS.issuperset(chunk):
                chunk = chunk.translate(_SUP)
            elif not self._sup and _SUB_CHARS.issuperset(chunk):
                chunk = chunk.translate(_SUB)
        style = self._styles[-1]
        if self._table is not None:
            sink = self._table.sink(create=not chunk.isspace())
            if sink is not None:
                sink.add(chunk, style)
        elif self._pre:
            self._pre_data(chunk, style)
        else:
            self._cur.add(chunk, style)

    def _pre_data(self, chunk: str, style: Style | None) -> None:
        if self._pre_fresh:
            self._pre_fresh = False
            if chunk.startswith("\n"):  # the newline right after <pre> is not content
                chunk = chunk[1:]
        if "\t" in chunk:
            chunk = _expand_tabs(chunk, self._cur.length)
        first, *more = chunk.split("\n")
        if first:
            self._cur.raw(first, style)
        for piece in more:
            self._emit(self._cur.take(), "verbatim")
            if piece:
                self._cur.raw(piece, style)

    def _end_pre(self) -> None:
        if self._cur.ink:
            self._emit(self._cur.take(), "verbatim")
        else:
            self._cur.take()
        self._pre -= 1
        if not self._pre:  # blank lines that end a <pre> are not content
            while (len(self.lines) > self._pre_start and self.lines[-1].kind == "verbatim"
                   and not self.lines[-1].content[0].strip()):
                self.lines.pop()

    # -- data tables ---------------------------------------------------------------------

    def _table_part(self, table: TableState, elem: _Elem, tag: str, element: Any) -> None:
        if tag == "tr":
            table.new_row()
        elif tag in ("td", "th"):
            table.new_cell(_int_attr(element.get("colspan"), 1, 1, 1000), tag == "th")
        elif tag == "caption":
            table.in_caption = True
        elif tag in ("thead", "tbody", "tfoot"):
            table.in_head = tag == "thead"
        else:  # any other block inside a cell: cells are one line, so a word break
            self._space()
            elem.kind = "cellblock"

    def _end_table_part(self, table: TableState, kind: str) -> None:
        if kind in ("td", "th"):
            table.cell = None
        elif kind == "caption":
            table.in_caption = False
        elif kind == "thead":
            table.in_head = False
        elif kind == "cellblock":
            self._space()

    def _end_table(self) -> None:
        table, self._table = self._table, None
        if table is None:
            return
        if table.caption.ink:
            self._emit(table.caption.take(), "text")
        rows = table.cells()
        if column_count(rows) <= 1:  # one column: its cells are just lines of text
            for row in rows:
                for cell in row:
                    if cell.run[0].strip():
                        self._emit(fit_cell(cell, cell.width), "text")
        else:
            room = None
            if self.width is not None:
                used = sum(cell_len(c.rest[0]) for c in self._containers)
                room = max(self.width - used, 20)
            for line in layout_table(rows, room):
                if line[0].strip():  # a row of empty cells that span the grid draws nothing
                    self._emit(line, "verbatim")
        self._blank = True

    # -- output --------------------------------------------------------------------------

    def _atom(self, chunk: str, style: Style | None) -> None:
        sink = self._cur if self._table is None else self._table.sink(create=True)
        if sink is not None:
            sink.atom(chunk, style)

    def _space(self) -> None:
        sink = self._cur if self._table is None else self._table.sink(create=False)
        if sink is not None:
            sink.space()

    def _flush(self, force: bool = False) -> None:
        if self._cur.ink or force:
            self._emit(self._cur.take(), "verbatim" if self._pre else "text")
        elif self._cur.length or self._cur.pending:
            self._cur.take()

    def _emit(self, content: Run, kind: LineKind) -> None:
        containers = self._containers
        if len(containers) > MAX_PREFIXES:
            for container in containers[MAX_PREFIXES - 1:-1]:
                container.started = True
            containers = containers[:MAX_PREFIXES - 1] + containers[-1:]
        if self._blank:
            self._blank = False
            if self.lines:
                bar = join([c.rest for c in containers if c.started]) if containers else EMPTY
                self.lines.append(Line(EMPTY, bar, bar, "blank"))
        if not containers:
            self.lines.append(Line(content, EMPTY, EMPTY, kind))
            return
        first = join([c.rest if c.started else c.first for c in containers])
        rest = join([c.rest for c in containers])
        for container in containers:
            container.started = True
        self.lines.append(Line(content, first, rest, kind))


def convert(html: str, width: int | None = None) -> tuple[list[Line], list[str]]:
    """Lines and link targets of an HTML body. Raises only on a bug, never on bad HTML."""
    html = clean_text(html)
    if not html.strip():
        return [], []
    parser = etree.HTMLParser(recover=True, huge_tree=True, remove_comments=True,
                              remove_pis=True, no_network=True, encoding="utf-8")
    try:
        root = etree.fromstring(html.encode("utf-8"), parser)
    except (etree.LxmlError, ValueError):
        root = None
    if any(error.level >= etree.ErrorLevels.FATAL for error in parser.error_log):
        return plain_lines(html), []
    if root is None:
        return [], []
    converter = Converter(width)
    converter.walk(root)
    return converter.lines, list(converter.links)
