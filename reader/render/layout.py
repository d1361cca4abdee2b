"""From converted lines to one `Text`: blank-line rules, prefixes and optional hard wrapping.

The converter produces logical lines, each with the prefix its containers give it (a list
bullet, a quote bar, an indent) and the prefix a wrapped continuation would need. Keeping
that apart until the end lets this module apply the document-wide rules in one place: no
leading or trailing blank lines, never two blank lines in a row (except inside <pre>), no
trailing spaces. When a width is known, text lines are wrapped here with their hanging
indent; otherwise the caller's Rich wraps them and continuations start at column 0.

Text travels as a `Run` (a string and its spans) rather than as `rich.text.Text`: building
thousands of small Text objects cost more than the parsing itself, so one Text is made at
the very end.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len
from rich.style import Style
from rich.text import Span, Text

LineKind = Literal["text", "blank", "verbatim"]
Run = tuple[str, list[Span]]
EMPTY: Run = ("", [])
MIN_WRAP = 8

_WORD = re.compile(r"\s*\S+\s*")
# Characters outside these ranges may be wide or zero-width; inside them (Latin, Greek,
# Cyrillic, common punctuation and symbols) one character is one cell, so plain string
# arithmetic is exact and much faster than measuring cell by cell.
_MAYBE_NOT_NARROW = re.compile("[^\u0000-\u02ff\u0370-\u0482\u048a-\u052f"
                               "\u2010-\u2027\u2030-\u205e\u20a0-\u20c0\u2100-\u218b]")


@dataclass(slots=True)
class Line:
    """One logical output line. `verbatim` lines (pre, tables, rules) are never re-wrapped."""

    content: Run
    prefix: Run = EMPTY
    cont: Run = EMPTY
    kind: LineKind = "text"


def styled(text: str, style: Style | None) -> Run:
    return (text, [Span(0, len(text), style)] if style is not None and text else [])


def join(runs: list[Run]) -> Run:
    if len(runs) == 1:
        return runs[0]
    parts: list[str] = []
    spans: list[Span] = []
    offset = 0
    for text, run_spans in runs:
        spans.extend(span.move(offset) for span in run_spans)
        parts.append(text)
        offset += len(text)
    return ("".join(parts), spans)


def _is_blank(line: Line) -> bool:
    if line.kind == "blank":
        return True
    if line.kind == "verbatim" or line.content[0].strip():
        return False
    return line.prefix[0] == line.cont[0]


def _is_empty(line: Line) -> bool:
    return not (line.prefix[0] + line.content[0]).strip()


def normalise(lines: list[Line]) -> list[Line]:
    """No leading/trailing blank lines and no two blank lines in a row."""
    out: list[Line] = []
    last_blank = True
    for line in lines:
        blank = _is_blank(line)
        if last_blank and (blank or not out and _is_empty(line)):
            continue
        out.append(line)
        last_blank = blank
    while out and (_is_blank(out[-1]) or _is_empty(out[-1])):
        out.pop()
    return out


def break_offsets(text: str, width: int) -> list[int]:
    """Where `text` breaks to fit `width` cells: after the last space that fits, or inside a
    word too long for any line (the greedy rule Rich uses, so both agree)."""
    if not (text.isascii() or _MAYBE_NOT_NARROW.search(text) is None
            or cell_len(text) == len(text)):
        return _break_offsets_wide(text, width)
    offsets: list[int] = []
    start, end = 0, len(text)
    while end - start > width:
        cut = text.rfind(" ", start, start + width + 1)
        if cut <= start:  # no space in reach: fold the word
            start += width
        else:
            start = cut + 1
            while start < end and text[start] == " ":
                start += 1
        if start < end:
            offsets.append(start)
    return offsets


def _break_offsets_wide(text: str, width: int) -> list[int]:
    """`break_offsets` measured in cells, word by word, for text with wide characters."""
    offsets: list[int] = []
    position = 0
    for match in _WORD.finditer(text):
        start, end = match.span()
        word = match.group()
        length = cell_len(word.rstrip())
        if position + length <= width:
            position += cell_len(word)
            continue
        if length <= width:
            if start:
                offsets.append(start)
            position = cell_len(word)
            continue
        if position and start:  # fold a long word, starting on a fresh line
            offsets.append(start)
        position = 0
        for index in range(start, end):
            char = text[index]
            size = cell_len(char)
            if position + size > width and position and not char.isspace():
                offsets.append(index)
                position = 0
            position += size
    return offsets


def divide(run: Run, offsets: list[int]) -> list[Run]:
    text, spans = run
    bounds = [0, *offsets, len(text)]
    pieces: list[list[Span]] = [[] for _ in range(len(bounds) - 1)]
    for span in spans:
        index = bisect_right(bounds, span.start) - 1
        while index < len(pieces) and bounds[index] < span.end:
            low, high = max(span.start, bounds[index]), min(span.end, bounds[index + 1])
            if low < high:
                pieces[index].append(Span(low - bounds[index], high - bounds[index], span.style))
            index += 1
    return [(text[bounds[i]:bounds[i + 1]], pieces[i]) for i in range(len(pieces))]


def rows_of(line: Line, width: int | None) -> list[tuple[Run, Run]]:
    """(prefix, content) screen rows of a line: text lines wrap when a width is given."""
    if width is None or line.kind != "text":
        return [(line.prefix, line.content)]
    avail = max(width - max(cell_len(line.prefix[0]), cell_len(line.cont[0])), MIN_WRAP)
    offsets = break_offsets(line.content[0], avail)
    if not offsets:
        return [(line.prefix, line.content)]
    pieces = divide(line.content, offsets)
    return [(line.prefix if i == 0 else line.cont, piece) for i, piece in enumerate(pieces)]


def assemble(lines: list[Line], width: int | None = None) -> Text:
    """Join converted lines into one Text (no trailing newline, no trailing spaces)."""
    parts: list[str] = []
    spans: list[Span] = []
    append, add_span = parts.append, spans.append
    offset = 0
    for line in normalise(lines):
        rows = rows_of(line, width) if width is not None and line.kind == "text" else (
            (line.prefix, line.content),)
        for (prefix, prefix_spans), (content, content_spans) in rows:
            if parts:
                append("\n")
                offset += 1
            row = prefix + content if prefix else content
            keep = len(row.rstrip())
            append(row[:keep] if keep < len(row) else row)
            for span in prefix_spans:
                if span.start < keep:
                    add_span(Span(span.start + offset, min(span.end, keep) + offset, span.style))
            shift = offset + len(prefix)
            limit = keep - len(prefix)
            for start, end, style in content_spans:
                if start < limit:
                    add_span(Span(start + shift, min(end, limit) + shift, style))
            offset += keep
    return make_text("".join(parts), spans)


def make_text(plain: str, spans: list[Span]) -> Text:
    """A Text of `plain`, which every caller has passed through `clean_text` already.

    `Text(plain)` would run Rich's own control-code filter over the whole article again,
    which costs about 30 ms per 100 KB (a third of the budget) and finds nothing: our text
    has no C0 controls but tab and newline. If a future Rich stores text differently, the
    check below falls back to the ordinary constructor.
    """
    text = Text(spans=spans)
    text._text = [plain]
    text._length = len(plain)
    if text.plain is not plain or len(text) != len(plain):
        return Text(plain, spans=spans)
    return text
