"""A saved news page as plain text -> one story (the README's plain-text story format).

The format is what copying a news page's text gives: the lede, one paragraph per line, and
then the leads of other stories the page showed beside it, each cut off with an ellipsis.
Those trailing teasers belong in the sidebar, not in the story, so the trailing run of
ellipsis lines is split off. Only the trailing run: a paragraph that ends with "..." in the
middle of the story is part of it, and the first line is always the story, even when every
line ends with an ellipsis.

The text first goes through `reader.sanitize.clean_text`, so control characters (ESC, BEL, C1)
are gone and what is left of an escape sequence, like markup of any kind, is literal text
(HTML-escaped in the body).

Without a "# Headline" first line the lede is the headline, and it is not repeated as the
first body paragraph (the article view shows the headline above the body). A lede too long
to be a headline (over `MAX_HEADLINE` characters) is clipped for the headline and kept whole
as the first paragraph, so no text is lost.
"""

from __future__ import annotations

import html
import re

from reader.models import Entry
from reader.sanitize import clean_text, clip_teaser

MAX_HEADLINE = 1000
ELLIPSES = ("\u2026", "...")
_HEADING = re.compile(r"#[ \t]+(?P<title>.*?)(?:[ \t]+#+)?[ \t]*")


def split_story(text: str) -> tuple[str, list[str], list[str], bool]:
    """Split a text story into (headline, body paragraphs, teasers, headline_is_lede).

    `text` must already be clean (see `reader.sanitize.clean_text`). When `headline_is_lede`
    is true the headline is also the story's first paragraph and is not in `paragraphs`.
    """
    lines = [line for line in (" ".join(raw.split()) for raw in text.split("\n")) if line]
    if not lines:
        return "", [], [], False
    heading = _HEADING.fullmatch(lines[0])
    if heading and heading.group("title"):
        headline, story = heading.group("title"), lines[1:]
        from_lede = False
    else:
        headline, story = lines[0], lines
        from_lede = True
    # The first line of the story is never a teaser, so the story is never empty of it.
    start = len(story)
    while start > 1 and story[start - 1].endswith(ELLIPSES):
        start -= 1
    story, teasers = story[:start], story[start:]
    if from_lede:
        story = story[1:]
    return headline, story, teasers, from_lede


def paragraphs_html(paragraphs: list[str]) -> str:
    """Plain-text paragraphs as escaped `<p>` elements (nothing in them is markup)."""
    return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


def parse_text_story(
    text: str, *, key: str, path: str = "", mtime: float | None = None
) -> Entry:
    """One plain-text story as an Entry: headline, `<p>` body, trailing teasers, lede as lead.

    Empty (or blank) text gives an Entry with an empty title and body; callers that read
    files report that as an empty file.
    """
    headline, paragraphs, teasers, from_lede = split_story(clean_text(text))
    if from_lede:
        lead = headline
        if len(headline) > MAX_HEADLINE:
            paragraphs.insert(0, headline)
            headline = clip_teaser(headline, 200)
    else:
        lead = paragraphs[0] if paragraphs else ""
        if len(headline) > MAX_HEADLINE:
            headline = clip_teaser(headline, 200)
    return Entry(
        key=key,
        title=headline,
        body_html=paragraphs_html(paragraphs),
        lead=lead,
        published=mtime,
        teasers=teasers,
        path=path,
    )
