"""Atom's XHTML content and summary, written back as feedparser serialises them: elements
as `<name attr="value">`, text escaped, the wrapping <div> dropped.

`XhtmlContent` is a part of the direct road's walk (`directfeed._Road`): while an XHTML
construct is open its methods are expat's handlers themselves, so each element costs one
call, as before.
"""

from __future__ import annotations

from typing import Any

from reader.sources.directrules import ENTRY, XHTML_NS
from reader.sources.feedxml import Unsure

# XHTML elements feedparser would act on inside content (`_end_xhtml_body`, SVG, MathML).
XHTML_REFUSED = {"body", "svg", "math"}


class XhtmlContent:
    """The XHTML handlers of `directfeed._Road`, which provides the attributes and methods
    declared here (the walk's state, its usual handlers and where a body's text goes)."""

    parser: Any
    atom: bool
    stack: list[tuple[int, dict[str, str]]]
    text: list[str]
    xhtml: list[str]
    xhtml_depth: int

    def start(self, name: str, attrs: dict[str, str]) -> None:
        raise NotImplementedError

    def end(self, name: str) -> None:
        raise NotImplementedError

    def _body_text(self, kind: int, attrs: dict[str, str], text: str,
                   xhtml: bool = False) -> None:
        raise NotImplementedError

    def _start_xhtml(self) -> None:
        """Read an XHTML <content> or <summary> as feedparser serialises it: each element
        of the XHTML namespace written back (`<name attr="value">`, `</name>`), text escaped,
        until the element that opened it closes."""
        if not self.atom or self.stack[-2][0] != ENTRY:
            raise Unsure  # feedparser unwraps the <div> only in Atom 1.0; a feed's: unread
        self.xhtml = []
        self.xhtml_depth = 0
        parser = self.parser
        parser.StartElementHandler = self._xhtml_start
        parser.EndElementHandler = self._xhtml_end
        parser.CharacterDataHandler = self._xhtml_text

    def _xhtml_start(self, name: str, attrs: dict[str, str]) -> None:
        uri, _, local = name.rpartition(" ")
        local = local.lower()
        if uri != XHTML_NS or local in XHTML_REFUSED:
            raise Unsure  # another namespace's element has feedparser handlers of its own
        parts = ["<", local]
        seen: set[str] = set()
        for key, value in attrs.items():
            low = key.lower()
            if " " in key or low in seen or low == "base":
                raise Unsure  # xml:lang, xml:base, base: feedparser tracks them
            seen.add(low)
            if low in ("rel", "type"):
                value = value.lower()
            parts += (" ", low, '="', escape(value).replace('"', "&quot;"), '"')
        parts.append(">")
        self.xhtml.append("".join(parts))
        self.xhtml_depth += 1

    def _xhtml_text(self, text: str) -> None:
        self.xhtml.append(escape(text))

    def _xhtml_end(self, name: str) -> None:
        if self.xhtml_depth:
            self.xhtml_depth -= 1
            self.xhtml.append("</" + name.rpartition(" ")[2].lower() + ">")
            return
        parser = self.parser
        parser.StartElementHandler, parser.EndElementHandler = self.start, self.end
        parser.CharacterDataHandler = self.text.append
        kind, attrs = self.stack.pop()
        self._body_text(kind, attrs, xhtml_value(self.xhtml), xhtml=True)


def escape(text: str) -> str:
    """`xml.sax.saxutils.escape`, which feedparser applies to XHTML text."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def xhtml_value(pieces: list[str]) -> str:
    """feedparser's `pop` of Atom XHTML: blank pieces at either end dropped, one <div> that
    wraps everything unwrapped, the rest joined and stripped."""
    while len(pieces) > 1 and not pieces[-1].strip():
        del pieces[-1]
    while len(pieces) > 1 and not pieces[0].strip():
        del pieces[0]
    if pieces and (pieces[0] == "<div>" or pieces[0].startswith("<div ")) and (
            pieces[-1] == "</div>"):
        depth = 0
        for piece in pieces[:-1]:
            if piece.startswith("</"):
                depth -= 1
                if depth == 0:
                    break
            elif piece.startswith("<") and not piece.endswith("/>"):
                depth += 1
        else:
            pieces = pieces[1:-1]
    return "".join(pieces).strip()
