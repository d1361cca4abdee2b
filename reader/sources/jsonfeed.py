"""JSON Feed 1.0 and 1.1 -> Entries (feedparser does not read JSON Feed).

The same rules as the XML feeds in `reader.sources.feedfile`, from `feedentries`: the
same caps on entries, titles and bodies, links resolved and checked the same way, plain text
turned into escaped paragraphs, an item without title, link or content skipped and counted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from reader.decode import decode_bytes
from reader.extract import epoch_from_date, html_to_text
from reader.models import Entry, ParseResult
from reader.sanitize import clean_line, is_safe_url
from reader.sources.feedentries import (
    MAX_BODY,
    MAX_TITLE,
    NotAFeed,
    Row,
    _capped,
    _link,
    _make_entry,
    _text_paragraphs,
    collect,
)


def parse_json(data: bytes, url: str, row: Row | None = None) -> ParseResult:
    """A JSON Feed document -> a ParseResult; NotAFeed (in words) for any other JSON.
    With `row`, the result carries rows instead of entries (`feedentries.collect`)."""
    text = decode_bytes(data)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotAFeed(
            f"not a feed: JSON error at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise NotAFeed("not a feed: the JSON is nested too deeply") from None
    del text  # (as large as the body, or up to 4x: the items hold what is read)
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, str) or "jsonfeed.org" not in version:
        raise NotAFeed("not a feed: got JSON that is not a JSON Feed")
    title = _capped(clean_line(_str(doc.get("title"))), MAX_TITLE)
    link = clean_line(_str(doc.get("home_page_url")))
    base = url or _str(doc.get("feed_url")) or link
    feed_author = _json_author(doc)
    result = ParseResult(title=title, link=link if is_safe_url(link) else "")
    items = doc.get("items")
    if not isinstance(items, list):
        items = []
    return collect(result, items, lambda item: _json_entry(item, base, feed_author)
                   if isinstance(item, dict) else None, row=row)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _json_author(obj: Mapping[str, Any]) -> str:
    """Names from JSON Feed 1.1 `authors` or 1.0 `author`, joined with commas."""
    people = obj.get("authors")
    if not isinstance(people, list):
        people = [obj.get("author")]
    names = [clean_line(_str(p.get("name"))) for p in people if isinstance(p, dict)]
    return ", ".join(n for n in names if n)


def _json_entry(item: Mapping[str, Any], base: str, feed_author: str) -> Entry | None:
    raw_id = item.get("id")
    guid = str(raw_id) if isinstance(raw_id, str | int | float) and raw_id is not True else ""
    raw_link = _str(item.get("url")) or _str(item.get("external_url"))
    link = _link(raw_link, base)
    title = _capped(clean_line(html_to_text(_str(item.get("title")))), MAX_TITLE)
    if _str(item.get("content_html")).strip():
        body = _str(item.get("content_html"))[:MAX_BODY]
    elif _str(item.get("content_text")).strip():
        body = _text_paragraphs(_str(item.get("content_text"))[:MAX_BODY])
    else:
        body = _text_paragraphs(_str(item.get("summary"))[:MAX_BODY])
    published = epoch_from_date(item.get("date_published"))
    updated = epoch_from_date(item.get("date_modified"))
    return _make_entry(
        guid=guid,
        raw_link=raw_link,
        link=link,
        title=title,
        body=body,
        author=_json_author(item) or feed_author,
        published=published or updated,
        updated=updated,
        base=link or base,
    )
