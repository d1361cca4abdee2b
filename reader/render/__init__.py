"""The article renderer: a stored story's HTML, cleaned, as one styled `rich.text.Text`.

One document serves two readers: the article view shows `Rendered.text` (Rich wraps it to the
pane), and `newsreader show` prints `Rendered.plain`, so both always agree. Links become
numbered markers ("word[1]") with their targets listed at the end, because a terminal pane
cannot be clicked reliably and a URL in the middle of a sentence breaks reading.

This is the only data-layer package allowed to import rich (never textual). Untrusted text
never goes through markup: a body is reduced to the allowed HTML by
`reader.sanitize.sanitize_html` before it is read (the cache keeps most feed bodies as the
feed wrote them), its text cleaned with `reader.sanitize.clean_text` and appended to `Text`
objects as data.

Wrapping: without a width, continuation lines of a long list item or quote start at column 0
when Rich wraps them (Rich has no hanging indent). Pass `width=` (the pane's or terminal's
columns) to get lines wrapped here, with the list indent and the quote bar repeated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from rich.text import Text

from reader.models import Story
from reader.render import styles
from reader.render.dates import format_date, format_list_date
from reader.render.layout import EMPTY, Line, assemble, styled
from reader.sanitize import clean_line, sanitize_html

__all__ = ["Rendered", "format_date", "format_list_date", "render_body", "render_story"]

UNTITLED = "(untitled)"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered document: `text` for the screen, `plain` (== text.plain) for printing."""

    text: Text
    plain: str
    links: tuple[str, ...]  # link targets in order of their number [1], [2], ...


def _body_lines(body_html: str, width: int | None) -> tuple[list[Line], list[str]]:
    # Imported at the first body (in the app, the story worker's): the converter brings
    # lxml (~10 ms of CPU), which the app's first frame (the headlines) does without.
    from reader.render.converter import convert

    try:
        # Cleaned here, whatever the cache holds: it keeps most feed bodies as the feed
        # wrote them (`reader.sanitize.storable_html`), and cleaning clean HTML changes
        # nothing.
        body_html = sanitize_html(body_html)
        return convert(body_html, width)
    except Exception:  # a renderer bug must not take the reader down: show the words
        from reader.render.fallback import plain_lines

        return plain_lines(body_html or ""), []


def render_body(body_html: str, *, width: int | None = None) -> Rendered:
    """Render a story body (any HTML: it is cleaned first) to styled text.

    Never raises on bad markup. `width`, when given, hard-wraps text lines to that many
    cells with hanging indents; tables are then also fitted to it.
    """
    width = _width(width)
    lines, links = _body_lines(body_html, width)
    text = assemble(lines, width)
    return Rendered(text=text, plain=text.plain, links=tuple(links))


def render_story(story: Story, *, now: float | None = None, tz: tzinfo | None = None,
                 width: int | None = None, date_format: str = "") -> Rendered:
    """The article view: headline, "source · author · date", link, body, then "Links:".
    The date is in `tz` (else local time) and `date_format` (else ours), as configured.

    When the body's first paragraph repeats the headline (a text file whose lede became
    its headline), it is shown once.
    """
    width = _width(width)
    title = clean_line(story.title)
    lines = [Line(styled(title or UNTITLED, styles.HEADLINE))]
    date = (format_date(story.published, now=now, tz=tz, fmt=date_format)
            if story.published else "")
    meta = " · ".join(part for part in (clean_line(story.source_title),
                                        clean_line(story.author), date) if part)
    if meta:
        lines.append(Line(styled(meta, styles.META)))
    link = clean_line(story.link)
    if link:  # verbatim: a URL is never broken, so it can be copied whole
        lines.append(Line(styled(link, styles.HEADER_LINK), kind="verbatim"))
    lines.append(Line(EMPTY, kind="blank"))
    body, links = _body_lines(story.body_html, width)
    lines.extend(_without_repeated_headline(body, title))
    if links:
        lines.append(Line(EMPTY, kind="blank"))
        lines.append(Line(styled("Links:", styles.LINKS_TITLE), kind="verbatim"))
        for number, url in enumerate(links, start=1):
            marker = f"[{number}] "
            lines.append(Line((marker + url, styled(marker, styles.LINK_MARKER)[1]),
                              kind="verbatim"))
    text = assemble(lines, width)
    return Rendered(text=text, plain=text.plain, links=tuple(links))


def _width(width: int | None) -> int | None:
    return None if width is None or width <= 0 else max(width, 20)


def _without_repeated_headline(lines: list[Line], title: str) -> list[Line]:
    """`lines` without a first paragraph that only repeats the headline."""
    start = 0
    while start < len(lines) and not lines[start].content[0].strip():
        start += 1
    end = start
    while end < len(lines) and lines[end].kind == "text" and lines[end].content[0].strip():
        end += 1
    if end == start or any(line.prefix[0] for line in lines[start:end]):
        return lines
    words = " ".join(line.content[0] for line in lines[start:end]).split()
    return lines[end:] if title and words == title.split() else lines
