"""A Markdown file -> one story.

The first level-1 heading is the headline and is taken out of the body (the article view
shows the headline above it). The rest is rendered by markdown-it-py with raw HTML turned
off, so `<script>` in a note is shown as text rather than trusted as markup, and the result
still passes through our one HTML allow-list. Static-site notes often start with YAML front
matter; its `title`, `author` and `date` lines are honoured and the block is not shown.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import PurePath
from typing import TYPE_CHECKING

from reader.extract import epoch_from_date, first_paragraph, html_to_text
from reader.models import Entry
from reader.sanitize import clean_line, clean_text, clip_teaser, sanitize_html

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FIELD = re.compile(r"^(title|author|date)[ \t]*:[ \t]*(.+?)[ \t]*$", re.M | re.I)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    fields = {
        name.lower(): clean_line(value.strip().strip("\"'"))
        for name, value in _FIELD.findall(match.group(1))
    }
    return fields, text[match.end():]


def parse_markdown(text: str, *, key: str, path: str = "", mtime: float | None = None) -> Entry:
    """One Markdown story: first `# ` heading as headline, the rest as sanitised HTML.

    Without a level-1 heading the headline is the front matter's title, else the file's
    name, else the opening of the first paragraph.
    """
    fields, source = _front_matter(clean_text(text))
    md = _markdown()
    env: dict[str, object] = {}
    tokens = md.parse(source, env)
    headline = ""
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            inline = tokens[index + 1] if index + 1 < len(tokens) else None
            source_text = inline.content if inline is not None else ""
            headline = html_to_text(md.renderInline(source_text, env))
            del tokens[index : index + 3]
            break
    body_html = sanitize_html(md.renderer.render(tokens, md.options, env))
    lead = first_paragraph(body_html)
    if not headline:
        headline = fields.get("title", "")
    if not headline and path:
        headline = clean_line(PurePath(path).stem)
    if not headline:
        headline = clip_teaser(lead, 100)
    published = epoch_from_date(fields.get("date"))
    return Entry(
        key=key,
        title=headline[:1000],
        body_html=body_html,
        lead=lead,
        author=fields.get("author", ""),
        published=published if published is not None else mtime,
        path=path,
    )
