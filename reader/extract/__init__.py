"""A web page -> its article: the readable text, without the page around it.

News pages wrap a few paragraphs in navigation, cookie banners, ads, "related stories" rails,
comments and footers. trafilatura is good at finding the article among them and keeps its
structure (headings, lists, quotes, code, tables, links, images), so it does the main work,
in its favor_precision mode: on our page set (bench/extract_bench.py) that scores higher
than its default, its favor_recall mode and readability-lxml. Around it, three things that
measurably help:

* Old layouts are normalised first, as readability does and trafilatura does not: a table
  used for page layout becomes plain blocks, `<br><br>`-separated text becomes paragraphs,
  and a rail of teaser cards marked up as <article> is dropped.
* A reader knows what linked to the page. When the feed's summary (or title) is barely in
  the extraction but is in another story-sized part of the page, that part is the article
  (stream pages, "next story" pages with two stories of similar length).
* When trafilatura finds little, a plain pass that drops the obvious boilerplate keeps the
  rest, so a page that has text never comes back empty.

Its output goes through `reader.sanitize.sanitize_html`, our single allow-list, like every
other body. Nothing here fetches: pages are given as text or bytes, and images stay links.
trafilatura is imported on first use, because it costs about 0.3 s and most commands never
extract a page.

The small helpers every source shares live here too: `html_to_text` and `first_paragraph`
turn the safe HTML of any body into the plain-text lead that teasers are made of, and
`epoch_from_date` reads the dates that pages, JSON Feeds and Markdown front matter give.

The package's other parts: `layout` (old page layouts repaired before extraction) and
`fulltext` (fetching a story's page, then this extraction, off the event loop); `fulltext`
alone may fetch, and it sits above `reader.sources` (it uses the feeds' `Fetcher`).
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from reader.decode import decode_bytes
from reader.extract.layout import _normalise
from reader.sanitize import (
    DROPPED_ELEMENT,
    DROPPED_GATE,
    any_case,
    clean_line,
    clean_text,
    sanitize_html,
)

# --- plain text from HTML -------------------------------------------------------------------

# What nh3 drops with its content: the cache keeps most feed bodies as the feed wrote them,
# and a lead must not be a form's or an icon's words.
_DROP = re.compile(DROPPED_ELEMENT, re.DOTALL | re.I)
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
    """The opening paragraph of a body as plain text (headings and captions skipped).

    The rule is the last lines: the first block with text once headings, captions, code and
    tables are cut out, else of the whole body. Every story of a refresh passes here, so a
    body that holds no script, style or comment is read only up to its first paragraph."""
    if not body_html:
        return ""
    plain = body_html.isascii()
    found, end = _first_block_end(body_html)
    # Only a match of those patterns that starts before the end of the first block with text
    # (its closing boundary included) could change that block, and such a match begins with
    # a needle that lies wholly before that end (no needle holds a ">"). So only that part
    # is searched for the characters that would fool the needles: most bodies are not
    # ASCII, and their first block is a fraction of them.
    if (plain or _FOLDS_TO_ASCII.search(body_html, 0, end) is None) and _NEEDLES.search(
            body_html, 0, end) is None:
        return found  # none does: it is the lead
    if plain or _FOLDS_TO_ASCII.search(body_html) is None:
        hidden = _DROP_NEEDLES.search(body_html) is not None
    else:  # "ſcript" is "script" to re.I: ask the patterns themselves
        hidden = "<!--" in body_html or _DROP.search(body_html) is not None
    if not hidden:  # nothing for _blocks to drop: its first block is all that is needed
        text = _NOT_LEAD.sub("\n", body_html)
        found = _first_block(text)
        return found if found or text is body_html else _first_block(body_html)
    blocks = _blocks(_NOT_LEAD.sub("\n", body_html)) or _blocks(body_html)
    return blocks[0] if blocks else ""


# Every match of _DROP or _COMMENT (then: of _NOT_LEAD) begins with one of these. In text
# without _FOLDS_TO_ASCII they match exactly what re.I would, at a fraction of its cost (re.I
# defeats the regex engine's quick scan for the leading "<").
_DROP_NEEDLES = re.compile(DROPPED_GATE)
_NEEDLES = re.compile(DROPPED_GATE + "|<(?:" + "|".join(map(any_case, (
    "figcaption", "caption", "pre", "table", "figure"))) + "|[Hh][1-6])")
# The only characters outside ASCII that re.I matches to an ASCII letter or digit: "İ" and
# "ı" (to "i"), "ſ" (to "s") and the Kelvin sign (to "k").
_FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")


def _first_block(fragment: str) -> str:
    """The text of the first non-empty piece of `_BLOCK.split(fragment)`."""
    return _first_block_end(fragment)[0]


def _first_block_end(fragment: str) -> tuple[str, int]:
    """(`_first_block(fragment)`, where the block boundary after it ends)."""
    start = 0
    for match in _BLOCK.finditer(fragment):
        if match.start() > start:
            text = _piece_text(fragment[start:match.start()])
            if text:
                return text, match.end()
        start = match.end()
    return _piece_text(fragment[start:]), len(fragment)


def _piece_text(piece: str) -> str:
    if "<" in piece:
        piece = _TAG.sub("", piece)
    return clean_line(htmllib.unescape(piece))


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
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
# Below this many characters of text, trafilatura's answer is not trusted over ours.
_SHORT = 250
_DATE_PARAMS = {"extensive_search": False, "original_date": True,
                "outputformat": "%Y-%m-%dT%H:%M:%S%z"}


def html_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> tag near its start, if any."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii", errors="ignore") if match else None


def extract_article(
    html: str | bytes, *, url: str = "", title_hint: str = "", summary_hint: str = "",
    summary_as_body: bool = True,
) -> Article:
    """The article in a page: title, author, date and sanitised body, boilerplate removed.

    `title_hint` and `summary_hint` come from what linked to the page (the feed entry): they
    fill in what the page does not say, and when the page holds several stories they choose
    the one meant. A page with no text gets the summary as its body unless `summary_as_body`
    is False (a full-article fetch would rather fail than store the summary again). Never
    fetches, never raises on odd markup.
    """
    if isinstance(html, bytes):
        html = decode_bytes(html, html_charset(html))
    html = clean_text(html)
    meta: dict[str, Any] = {}
    body = ""
    tree = _parse(html) if html.strip() else None
    moved = False
    if tree is not None:
        _normalise(tree, title_hint)
        meta, body = _trafilatura(tree, url, precise=True)
        if _text_size(body) < _SHORT:  # precision mode can be too strict on a thin page
            loose_meta, loose = _trafilatura(tree, url, precise=False)
            meta = meta or loose_meta
            body = loose if _text_size(loose) > _text_size(body) else body
        region = _hinted_region(tree, _plain(body), title_hint, summary_hint)
        if region is not None:
            _, found = _trafilatura(_as_document(region), url, precise=True)
            if _text_size(found) >= _SHORT:
                body, moved = found, True
    body = sanitize_html(body, base_url=url or None) if body else ""
    if sum(map(len, _blocks(body))) < _SHORT:
        # trafilatura found little, so it fell back to keeping about everything (menus
        # included); our plain pass that drops nav/header/footer/aside does better there.
        fallback = _fallback_body(html, url)
        if _blocks(fallback):
            body = fallback
    page_title = clean_line(str(meta.get("title") or ""))
    title = (clean_line(title_hint) if moved else "") or page_title or clean_line(title_hint)
    if not title:
        title = _first_heading(html)
    body = _drop_repeated_title(body, {title, page_title, clean_line(title_hint)})
    if not _blocks(body) and summary_hint.strip() and summary_as_body:
        body = sanitize_html(f"<p>{htmllib.escape(clean_line(summary_hint), quote=False)}</p>")
    lead = first_paragraph(body) or clean_line(summary_hint)
    return Article(
        title=title,
        author=clean_line(str(meta.get("author") or "")),
        published=epoch_from_date(meta.get("date")),
        body_html=body,
        lead=lead,
    )


def _parse(html: str) -> Any:
    """The page as an lxml tree, or None when lxml cannot make one."""
    try:
        import lxml.html

        parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True,
                                      collect_ids=False, default_doctype=False)
        return lxml.html.document_fromstring(_XML_DECLARATION.sub("", html), parser=parser)
    except Exception:  # noqa: BLE001 - lxml refuses some inputs (empty, binary junk)
        return None


def _trafilatura(tree: Any, url: str, *, precise: bool) -> tuple[dict[str, Any], str]:
    """Metadata and the article's HTML from trafilatura, or ({}, "") when it finds none.

    `precise` is trafilatura's favor_precision: on our page set it scores higher than the
    default and favor_recall (bench/extract_bench.py), losing no article text.
    """
    try:
        import trafilatura
    except ImportError:  # a broken install must not make every page empty
        return {}, ""
    try:
        document = trafilatura.bare_extraction(
            tree,  # trafilatura works on a copy
            url=url or None,
            favor_precision=precise,
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
        body = _to_html(document.body) if document.body is not None else ""
    except Exception:  # noqa: BLE001
        body = ""
    return meta, body


_HI = {"#b": "strong", "#i": "em", "#u": "u", "#t": "code", "#sub": "sub", "#sup": "sup"}
_INLINE_CONTEXT = {"p", "item", "head", "hi", "cell", "ref", "del"}
_PLAIN_TAGS = {"p", "div", "table", "del"}


def _to_html(body: Any) -> str:
    """trafilatura's XML body as HTML. Its own `build_html_output` turns every list into <ul>
    and every <code>, inline or not, into <pre>; the renderer needs them told apart."""
    from lxml import etree

    elements = list(body.iterdescendants("*"))
    before = {element: element.tag for element in elements}  # parents are renamed first
    for element in elements:
        tag, rend, parent = element.tag, element.get("rend", ""), element.getparent()
        keep: dict[str, str] = {}
        if tag == "code":
            if parent is None:
                continue  # merged into the code block around it
            text = "".join(element.itertext()).strip()
            inline = before.get(parent, parent.tag) in _INLINE_CONTEXT and "\n" not in text
            element.tag = "code" if inline else "pre"
            if not inline:
                etree.strip_tags(element, "code")
        elif tag == "list":
            element.tag = rend if rend in ("ol", "dl") else "ul"
        elif tag == "item":
            element.tag = rend[:2] if rend[:2] in ("dt", "dd") else "li"
        elif tag == "head":
            element.tag = rend if re.fullmatch(r"h[1-6]", rend) else "h3"
        elif tag == "hi":
            element.tag = _HI.get(rend, "em")
        elif tag == "quote":
            element.tag = "blockquote"
        elif tag == "lb":
            element.tag = "br"
        elif tag == "row":
            element.tag = "tr"
        elif tag == "cell":
            element.tag = "th" if element.get("role") == "head" else "td"
        elif tag == "ref":
            element.tag = "a"
            keep = {"href": element.get("target", "")}
        elif tag == "graphic":
            element.tag = "img"
            keep = {k: element.get(k, "") for k in ("src", "alt", "title") if element.get(k)}
        elif tag not in _PLAIN_TAGS:
            element.tag = "div" if len(element) else "span"
        element.attrib.clear()
        element.attrib.update(keep)
    parts = [htmllib.escape(body.text or "", quote=False)]
    parts += [etree.tostring(child, encoding="unicode", method="html") for child in body]
    return "".join(parts)


def _text_size(body: str) -> int:
    return sum(map(len, _blocks(body)))


def _plain(body: str) -> str:
    return " ".join(_blocks(body))


# --- the feed's summary chooses between stories ---------------------------------------------

_WORD = re.compile(r"\w+")
_MATCHED = 0.6  # this share of the summary's words in the extraction: it is the right story


def _words(text: str) -> set[str]:
    """Distinctive words: long ones and anything with a digit (numbers, £2m, 24C)."""
    return {w for w in _WORD.findall(text.casefold())
            if len(w) >= 4 or any(c.isdigit() for c in w)}


def _hinted_region(tree: Any, found_text: str, title_hint: str, summary_hint: str) -> Any:
    """The page element holding the story the summary describes, when the extraction holds
    another one (say, a stream page with two stories of similar length); else None.

    A candidate must carry most of the summary's words where the extraction carries few, be
    story-sized (not the standfirst or a teaser), and be a different text from the extraction.
    """
    hint = _words(summary_hint[:1000])
    if len(hint) < 5:
        hint |= _words(title_hint)
    if len(hint) < 4:
        return None
    found = _words(found_text)
    current = len(hint & found) / len(hint)
    if current >= _MATCHED:
        return None
    best, best_score, threshold = None, 0.0, max(_MATCHED, current + 0.3)
    for parent in dict.fromkeys(p.getparent() for p in tree.iter("p")):  # in page order
        if parent is None or len(parent.findall("p")) < 2:
            continue
        text = parent.text_content()
        if len(text) < 200 or len(text) < 0.4 * len(found_text):
            continue
        words = _words(text)
        score = len(hint & words) / len(hint)
        if score >= threshold and score > best_score and len(words & found) <= 0.5 * len(words):
            best, best_score = parent, score
    if best is None:
        return None
    # Widen to the story's own container (its heading, a second body part), but never so
    # far that another story's words come in.
    words = _words(best.text_content())
    for ancestor in best.iterancestors():
        if ancestor.tag in ("body", "html"):
            break
        wider = _words(ancestor.text_content())
        if len(wider - words) > 0.5 * len(words):
            break
        best, words = ancestor, wider
    return best


def _as_document(element: Any) -> Any:
    """A copy of `element` as the body of a page of its own."""
    from copy import deepcopy

    page = element.makeelement("html", {})
    body = page.makeelement("body", {})
    page.append(body)
    body.append(deepcopy(element))
    return page


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


def _drop_repeated_title(body: str, titles: set[str]) -> str:
    """Remove a heading at the top of the body that only repeats the headline."""
    match = _LEADING_HEADING.match(body)
    wanted = {t.casefold() for t in titles if t}
    if match and html_to_text(match.group(2)).casefold() in wanted:
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
