"""Repair older and odder page layouts before the article is extracted.

trafilatura reads modern markup well but lacks readability's old tricks; a reader meets pages
from every decade, so these run first: hidden elements and tracking pixels go, a table used
for page layout becomes plain blocks, text split by `<br><br>` becomes paragraphs, and a rail
of teaser cards marked up as <article> is dropped. Split from `reader.extract` to keep each
module about one job.
"""

from __future__ import annotations

import re
from typing import Any

from reader.sanitize import clean_line

# --- page normalisation: what older and odder layouts need before extraction ----------------

_BLOCK_TAGS = {"p", "div", "table", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "pre", "hr", "section", "article", "aside", "nav", "header",
               "footer", "form", "figure", "main", "center"}
_INLINE_HOLDERS = {"p", "font", "span", "b", "i", "em", "strong", "center", "small", "big"}
_DATA_TABLE_PARTS = ("caption", "thead", "tfoot", "th", "colgroup")
_TEASER_TEXT = 600  # a card with more text than this may be the story itself


def _normalise(tree: Any, title_hint: str) -> None:
    """Readability's old tricks, which trafilatura lacks: what the page hides and tracking
    pixels go, a table used for page layout becomes plain blocks, text split by `<br><br>`
    becomes paragraphs, and a rail of teaser cards marked up as <article> (which trafilatura
    takes for the story) is removed."""
    for element in [e for e in tree.iter("*") if _is_hidden(e)]:
        if element.getparent() is not None:
            element.drop_tree()
    for pre in tree.iter("pre"):  # else trafilatura makes a <pre> without "{" a quotation
        if not (len(pre) == 1 and pre[0].tag == "span" and not (pre.text or "").strip()):
            span = pre.makeelement("span", {})
            span.text, pre.text = pre.text, None
            span.extend(list(pre))
            pre.append(span)
    for table in [t for t in tree.iter("table") if _is_layout_table(t)]:
        table.tag = "div"
        for row in table.xpath("./tr|./*/tr"):
            for cell in row.xpath("./td|./th"):
                cell.tag = "div"
            row.tag = "div"
        for part in table.xpath("./tbody|./thead|./tfoot"):
            part.tag = "div"
    # Innermost first: a <font> holding paragraphs becomes a block before its cell is split.
    parents = dict.fromkeys(br.getparent() for br in tree.iter("br") if _next_is_br(br))
    for parent in reversed(parents):
        if parent is not None:
            _paragraphs_from_breaks(parent)
    cards = [a for a in tree.iter("article") if _is_teaser(a, title_hint)]
    if len(cards) >= 2:
        for card in cards:
            card.drop_tree()


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _is_hidden(element: Any) -> bool:
    if not isinstance(element.tag, str) or element.tag in ("html", "body"):
        return False
    if element.get("hidden") is not None or _HIDDEN_STYLE.search(element.get("style", "")):
        return True
    return element.tag == "img" and (element.get("width", "").strip() in ("0", "1")
                                     or element.get("height", "").strip() in ("0", "1"))


def _is_layout_table(table: Any) -> bool:
    if table.get("role") == "presentation":
        return True
    if table.get("summary") or any(table.find(f".//{part}") is not None
                                   for part in _DATA_TABLE_PARTS):
        return False
    if table.find(".//table") is not None:
        return True
    return any(len(cell.text_content()) > 300 for cell in table.iter("td"))


def _next_is_br(br: Any) -> bool:
    following = br.getnext()
    return (following is not None and following.tag == "br"
            and not (br.tail or "").strip())


def _paragraphs_from_breaks(parent: Any) -> None:
    """Regroup `parent`'s inline content into <p>s at every run of two or more <br>s."""
    items: list[Any] = [parent.text] if parent.text else []
    for child in list(parent):
        tail, child.tail = child.tail, None
        items.append(child)
        if tail:
            items.append(tail)
        parent.remove(child)
    parent.text = None
    if parent.tag in _INLINE_HOLDERS:
        parent.tag = "div"  # it now holds paragraphs
    group: list[Any] = []

    def flush() -> None:
        while group and not isinstance(group[-1], str) and group[-1].tag == "br":
            group.pop()
        if any(isinstance(i, str) and i.strip() or not isinstance(i, str) for i in group):
            paragraph = parent.makeelement("p", {})
            for item in group:
                _append(paragraph, item)
            parent.append(paragraph)
        group.clear()

    index = 0
    while index < len(items):
        item = items[index]
        if not isinstance(item, str) and item.tag == "br":
            run = index + 1
            while run < len(items) and (isinstance(items[run], str) and not items[run].strip()
                                        or not isinstance(items[run], str)
                                        and items[run].tag == "br"):
                run += 1
            if sum(1 for i in items[index:run] if not isinstance(i, str)) >= 2:
                flush()
                index = run
                continue
        if not isinstance(item, str) and item.tag in _BLOCK_TAGS:
            flush()
            parent.append(item)
        else:
            group.append(item)
        index += 1
    flush()


def _append(paragraph: Any, item: Any) -> None:
    if not isinstance(item, str):
        paragraph.append(item)
    elif len(paragraph):
        paragraph[-1].tail = (paragraph[-1].tail or "") + item
    else:
        paragraph.text = (paragraph.text or "") + item


def _is_teaser(article: Any, title_hint: str) -> bool:
    """A small <article> whose heading links elsewhere: a card in a rail, not the story."""
    if article.find(".//h1") is not None or len(article.text_content()) > _TEASER_TEXT:
        return False
    for heading in article.xpath(".//h2|.//h3|.//h4|.//h5|.//h6"):
        linked = heading.find(".//a") is not None or any(
            a.tag == "a" for a in heading.iterancestors())
        text = clean_line(heading.text_content())
        if linked and text and text.casefold() != clean_line(title_hint).casefold():
            return True
    return False
