"""A line of inline text under construction, with the browser's whitespace rules.

HTML source is full of line breaks and indentation that mean nothing; a browser collapses
every run of spaces, tabs and newlines into one space and never starts or ends a line with
one. `Inline` does the same incrementally, chunk by chunk as the parser hands them over, so a
space between "<b>a</b>" and "<i>b</i>" survives while the indentation before a <p> vanishes.
A pending space is only written when more text follows, in the style of the text it came
from (so the space inside "<a>word </a>next" is underlined, as in a browser).
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Span

from reader.render.layout import Run


class Inline:
    __slots__ = ("parts", "spans", "length", "ink", "pending", "pending_style")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.spans: list[Span] = []
        self.length = 0
        self.ink = False  # holds something other than whitespace
        self.pending = False
        self.pending_style: Style | None = None

    def put(self, chunk: str, style: Style | None) -> None:
        end = self.length + len(chunk)
        if style is not None:
            self.spans.append(Span(self.length, end, style))
        self.parts.append(chunk)
        self.length = end

    def add(self, chunk: str, style: Style | None) -> None:
        """Collapsible text: the ordinary content of a paragraph."""
        # Whitespace here is only space, tab and newline: clean_text already turned CR into
        # newline and removed form feeds. These str methods are 5x faster than a regex.
        if "\n" in chunk:
            chunk = chunk.replace("\n", " ")
        if "\t" in chunk:
            chunk = chunk.replace("\t", " ")
        core = chunk.strip(" ")
        if not core:
            if chunk and self.length and not self.pending:
                self.pending, self.pending_style = True, style
            return
        if "  " in core:
            core = " ".join(filter(None, core.split(" ")))
        if not self.pending and chunk[0] == " ":
            self.pending, self.pending_style = True, style
        start = self.length
        if self.pending and start:
            if self.pending_style is not None:
                self.spans.append(Span(start, start + 1, self.pending_style))
            self.parts.append(" ")
            start += 1
        end = start + len(core)
        if style is not None:
            self.spans.append(Span(start, end, style))
        self.parts.append(core)
        self.length = end
        self.ink = True
        self.pending = chunk[-1] == " "
        self.pending_style = style

    def space(self) -> None:
        """A word break that is not in the text (between table cells, around blocks)."""
        if self.length and not self.pending:
            self.pending, self.pending_style = True, None

    def atom(self, chunk: str, style: Style | None) -> None:
        """Text that is not collapsed (markers, placeholders), after any pending space."""
        if self.pending and self.length:
            self.put(" ", self.pending_style)
        self.put(chunk, style)
        self.ink = True
        self.pending = False

    def raw(self, chunk: str, style: Style | None) -> None:
        """Preformatted text, kept exactly."""
        self.put(chunk, style)
        self.ink = self.ink or not chunk.isspace()

    def take(self) -> Run:
        """The run so far; the builder starts over empty."""
        run = ("".join(self.parts), self.spans)
        self.parts, self.spans, self.length, self.ink, self.pending = [], [], 0, False, False
        return run
