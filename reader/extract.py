"""A web page -> its article: the readable text, without the page around it.

News pages wrap a few paragraphs in navigation, cookie banners, ads, "related stories" rails,
comments and footers. trafilatura is good at finding the article among them and keeps its
structure (headings, lists, quotes, code, tables, links, images), so it does the main work.
Its output still goes through `reader.sanitize.sanitize_html`, our single allow-list, like
every other body. When trafilatura finds nothing (very short pages, odd markup), a simpler
extraction drops the obvious boilerplate and keeps the rest, so a page that has text never
comes back empty.

Nothing here fetches: pages are given as text or bytes. trafilatura is imported on first use,
because it costs about 0.3 s and most commands never extract a page.

The small helpers every source shares live here too: `html_to_text` and `first_paragraph`
turn the safe HTML of any body into the plain-text lead that teasers are made of, and
`epoch_from_date` reads the dates that pages, JSON Feeds and Markdown front matter give.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from reader.sanitize import clean_line, clean_text, sanitize_html

# --- plain text from HTML -------------------------------------------------------------------

_DROP = re.compile(r"<(script|style|template|noscript|title)\b.*?</\1\s*>", re.DOTALL | re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BLOCK = re.compile(
    r"</?(?:p|div|li|ul|ol|h[1-6]|blockquote|pre|table|caption|thead|tbody|tfoot|tr|td|th|dl|dt"
    r"|dd|figure|figcaption|hr|section|article|header|footer|aside|main|nav)\b[^>]*>",
    re.I,
)
_TAG = re.compile(r"<[^>]*>")
# Blocks that are not the story's opening paragraph: headings, captions, code, tables.
_NOT_LEAD = re.compile(
    r"<(h[1-6]|figcaption|caption|pre|table|figure)\b.*?</\1\s*>", re.DOTALL | re.I
)


def html_to_text(fragment: str) -> str:
    """An HTML fragment (a title, an author) as one line of plain text."""
    if not fragment:
        return ""
    if "<" not in fragment and "&" not in fragment:
        return clean_line(fragment)
    text = _TAG.sub(" ", _COMMENT.sub("", _DROP.sub(" ", fragment)))
    return clean_line(htmllib.unescape(text))


def _blocks(fragment: str) -> list[str]:
    pieces = _BLOCK.split(_COMMENT.sub("", _DROP.sub(" ", fragment)))
    texts = (clean_line(htmllib.unescape(_TAG.sub("", piece))) for piece in pieces)
    return [text for text in texts if text]


def first_paragraph(body_html: str) -> str:
    """The opening paragraph of a body as plain text (headings and captions skipped)."""
    if not body_html:
        return ""
    blocks = _blocks(_NOT_LEAD.sub("\n", body_html))
    if not blocks:
        blocks = _blocks(body_html)
    return blocks[0] if blocks else ""


# --- article extraction ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Article:
    """The readable part of a page: safe HTML body, plain title/author/lead, UTC epoch date."""

    title: str
    author: str
    published: float | None
    body_html: str
    lead: str


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
# Below this many characters of text, trafilatura's answer is not trusted over ours.
_SHORT = 250
_DATE_PARAMS = {"extensive_search": False, "original_date": True,
                "outputformat": "%Y-%m-%dT%H:%M:%S%z"}


def html_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> tag near its start, if any."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii", errors="ignore") if match else None


def extract_article(
    html: str | bytes, *, url: str = "", title_hint: str = "", summary_hint: str = ""
) -> Article:
    """The article in a page: title, author, date and sanitised body, boilerplate removed.

    `title_hint` and `summary_hint` (say, from the feed entry that linked to the page) fill
    in what the page does not say. Never fetches, never raises on odd markup.
    """
    if isinstance(html, bytes):
        from reader.sources.decode import decode_bytes

        html = decode_bytes(html, html_charset(html))
    html = clean_text(html)
    meta: dict[str, Any] = {}
    body = ""
    if html.strip():
        meta, body = _trafilatura(html, url)
    body = sanitize_html(body, base_url=url or None) if body else ""
    if sum(map(len, _blocks(body))) < _SHORT:
        # trafilatura found little, so it fell back to keeping about everything (menus
        # included); our plain pass that drops nav/header/footer/aside does better there.
        fallback = _fallback_body(html, url)
        if _blocks(fallback):
            body = fallback
    title = clean_line(str(meta.get("title") or "")) or clean_line(title_hint)
    if not title:
        title = _first_heading(html)
    body = _drop_repeated_title(body, title)
    if not _blocks(body) and summary_hint.strip():
        body = sanitize_html(f"<p>{htmllib.escape(clean_line(summary_hint), quote=False)}</p>")
    lead = first_paragraph(body) or clean_line(summary_hint)
    return Article(
        title=title,
        author=clean_line(str(meta.get("author") or "")),
        published=epoch_from_date(meta.get("date")),
        body_html=body,
        lead=lead,
    )


def _trafilatura(html: str, url: str) -> tuple[dict[str, Any], str]:
    """Metadata and the article's HTML from trafilatura, or ({}, "") when it finds none."""
    try:
        import trafilatura
        from trafilatura.htmlprocessing import build_html_output
    except ImportError:  # a broken install must not make every page empty
        return {}, ""
    try:
        document = trafilatura.bare_extraction(
            html,
            url=url or None,
            include_comments=False,
            include_tables=True,
            include_images=True,
            include_formatting=True,
            include_links=True,
            with_metadata=True,
            date_extraction_params=dict(_DATE_PARAMS),
        )
    except Exception:  # noqa: BLE001 - third-party parser on hostile input
        return {}, ""
    if document is None or isinstance(document, dict):
        return {}, ""
    meta = {"title": document.title, "author": document.author, "date": document.date}
    try:
        body = build_html_output(document) if document.body is not None else ""
    except Exception:  # noqa: BLE001
        body = ""
    return meta, body


_BOILERPLATE = re.compile(
    r"cookie|consent|gdpr|banner|\bads?\b|ad-|advert|sponsor|promo|related|recommend|share"
    r"|social|comment|newsletter|subscribe|signup|menu|sidebar|rail|footer|header|nav|breadcrumb",
    re.I,
)
_BLANK_RUNS = re.compile(r">\s*\n\s*<")
_DROP_TAGS = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside",
              "form", "button", "iframe", "svg", "select", "textarea", "head")


def _fallback_body(html: str, url: str) -> str:
    """A plain readability pass: drop boilerplate elements, keep the rest as safe HTML."""
    try:
        import lxml.html
        from lxml import etree

        tree = lxml.html.document_fromstring(html)
    except Exception:  # noqa: BLE001 - not parseable as HTML at all: keep its text
        return _paragraphs(html_to_text(html))
    etree.strip_elements(tree, *_DROP_TAGS, etree.Comment, with_tail=False)
    doomed = [
        element
        for element in tree.iter("*")
        if isinstance(element.tag, str)
        and element.tag not in {"html", "body"}
        and _BOILERPLATE.search(f"{element.get('class', '')} {element.get('id', '')}")
    ]
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
    body = tree.find("body")
    markup = lxml.html.tostring(body if body is not None else tree, encoding="unicode")
    cleaned = sanitize_html(markup, base_url=url or None)
    if "<pre" not in cleaned:  # the indentation of the dropped page is noise, not content
        cleaned = _BLANK_RUNS.sub(">\n<", cleaned).strip()
    if _blocks(cleaned):
        return cleaned
    return _paragraphs(html_to_text(html))


def _paragraphs(text: str) -> str:
    return f"<p>{htmllib.escape(text, quote=False)}</p>" if text else ""


_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.DOTALL | re.I)
_LEADING_HEADING = re.compile(r"\s*<(h[12])\b[^>]*>(.*?)</\1\s*>", re.DOTALL | re.I)


def _first_heading(html: str) -> str:
    match = _H1.search(html)
    return html_to_text(match.group(1)) if match else ""


def _drop_repeated_title(body: str, title: str) -> str:
    """Remove a heading at the top of the body that only repeats the headline."""
    match = _LEADING_HEADING.match(body)
    if match and title and html_to_text(match.group(2)).casefold() == title.casefold():
        return body[match.end():].lstrip()
    return body


def epoch_from_date(value: Any) -> float | None:
    """An ISO 8601 / RFC 3339 date (or an RFC 822 one) as UTC epoch seconds; naive means UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.timestamp()
    except (OverflowError, OSError, ValueError):
        return None
