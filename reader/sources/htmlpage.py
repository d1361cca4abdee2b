"""A saved web page (`.html`, `.htm`) -> one story.

The page is decoded with the charset its `<meta>` declares (when that is honest) and handed
to `reader.extract.extract_article`, which keeps the article and drops the page around it.
A saved page usually names its own address (`<link rel="canonical">` or `og:url`); that
becomes the story's link, so "open in browser" goes to the original.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from reader.decode import decode_bytes
from reader.extract import extract_article, html_charset
from reader.models import Entry
from reader.sanitize import clean_line, clip_teaser, is_safe_url

_CANONICAL = re.compile(
    r"""<link\b[^>]*\brel\s*=\s*["']?canonical["']?[^>]*>"""
    r"""|<meta\b[^>]*\bproperty\s*=\s*["']og:url["'][^>]*>""",
    re.I,
)
_URL_ATTR = re.compile(r"""\b(?:href|content)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


def page_link(html: str) -> str:
    """The page's own address as it declares it (canonical link or og:url), if http(s)."""
    for tag in _CANONICAL.finditer(html[:65536]):
        attr = _URL_ATTR.search(tag.group(0))
        if attr:
            url = clean_line(attr.group(1) or attr.group(2) or "")
            if is_safe_url(url):
                return url
    return ""


def parse_html_page(
    data: bytes | str, *, key: str, path: str = "", mtime: float | None = None
) -> Entry:
    """One HTML page as an Entry; the date is the page's own, else the file's mtime.

    An Entry with an empty body means the page has no readable text.
    """
    text = data if isinstance(data, str) else decode_bytes(data, html_charset(data))
    link = page_link(text)
    article = extract_article(text, url=link)
    title = article.title
    if not title and path:
        title = clean_line(PurePath(path).stem)
    if not title:
        title = clip_teaser(article.lead, 100)
    return Entry(
        key=key,
        title=title,
        body_html=article.body_html,
        lead=article.lead,
        link=link,
        author=article.author,
        published=article.published if article.published is not None else mtime,
        path=path,
    )
