"""The words of a document, without markup, for when it cannot be rendered properly.

libxml2 refuses to build a tree deeper than 2,047 elements (a fatal "excessive depth"
error) and drops everything after that point. Rather than lose the rest of the story, such
a document is shown as plain paragraphs: scripts and styles removed with their content,
block tags turned into line breaks, every other tag removed, entities decoded, and the text
cleaned like any other. All of it is linear in the input, even for hostile markup.
"""

from __future__ import annotations

import re

from reader.render.layout import EMPTY, Line
from reader.sanitize import DROP_WITH_CONTENT, clean_text

# What the cleaner drops with its content (a document may come here uncleaned, when cleaning
# it failed), but `embed`: it has no end tag to look for, and its tag goes with the others.
_DROP = re.compile(rf"<({'|'.join(sorted(DROP_WITH_CONTENT - {'embed'}))})\b", re.IGNORECASE)
_PARAGRAPHS = re.compile(r"</?(?:p|h[1-6]|blockquote|pre|table|ul|ol|dl|hr|figure|section|"
                         r"article)\b[^>]*>", re.IGNORECASE)
_BREAKS = re.compile(r"</?(?:br|div|li|tr|dd|dt|figcaption)\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>?")


def _without_dropped(html: str) -> str:
    kept: list[str] = []
    position = 0
    lower = html.lower()
    while (match := _DROP.search(html, position)) is not None:
        kept.append(html[position:match.start()])
        end = lower.find("</" + match.group(1).lower(), match.end())
        if end < 0:
            return "".join(kept)
        position = lower.find(">", end) + 1 or len(html)
    kept.append(html[position:])
    return "".join(kept)


def plain_lines(html: str) -> list[Line]:
    """Paragraphs of plain text from any HTML, blank-line separated."""
    from html import unescape  # here: its table of entities waits for a body to show

    text = _BREAKS.sub("\n", _PARAGRAPHS.sub("\n\n", _without_dropped(html)))
    text = clean_text(unescape(_TAGS.sub("", text)))
    lines: list[Line] = []
    blank = False
    for raw in text.split("\n"):
        words = raw.split()
        if not words:
            blank = True
            continue
        if blank and lines:
            lines.append(Line(EMPTY, kind="blank"))
        blank = False
        lines.append(Line((" ".join(words), [])))
    return lines
