"""What every feed format shares (`feedfile` for XML, `jsonfeed` for JSON Feed): the caps
on a hostile feed, how a link is made absolute and checked, and how an item becomes an
`Entry` (its body sanitised once, its lead taken from it), so a story reads the same
whichever format it came in.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin

from reader.extract import first_paragraph
from reader.models import Entry, ParseResult, StoryRow, entry_key, keyed_by_content
from reader.sanitize import clean_line, clip_teaser, is_safe_url, sanitize_html, storable_html

MAX_ENTRIES = 10_000
MAX_TITLE = 1_000
MAX_BODY = 1_000_000


class NotAFeed(ValueError):
    """The document is not a feed; `str(exc)` says why in plain words ("not a feed: ...")."""


def _text_paragraphs(text: str) -> str:
    blocks = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(f"<p>{html.escape(b, quote=False)}</p>" for b in blocks if b)


def _make_entry(
    *, guid: str, raw_link: str, link: str, title: str, body: str, author: str,
    published: float | None, updated: float | None, base: str, clean: bool = False,
) -> Entry | None:
    """An `Entry`, or None when it has nothing to show. `clean`: `body` is known clean
    (`reader.sanitize.is_clean`), which the cleaners then need not search for.

    The body is kept as the feed wrote it where cleaning can wait until it is shown
    (`storable_html`), but not for a story with neither guid nor link: its key is a hash
    of its body, which must stay what earlier releases stored."""
    keep = sanitize_html if keyed_by_content(guid, raw_link) else storable_html
    body_html = keep(body[:MAX_BODY], base_url=base or None, clean=clean)
    lead = first_paragraph(body_html)
    if not title and not lead and not link:
        return None
    if not title:
        title = clip_teaser(lead, 100) if lead else link
    return Entry(
        key=entry_key(guid, raw_link, title, body_html),
        title=title,
        body_html=body_html,
        lead=lead,
        link=link,
        author=_capped(author, MAX_TITLE),
        published=published,
        updated=updated,
    )


def _link(value: Any, base: str) -> str:
    """An entry's link made absolute, or "" when it is not an http(s) URL."""
    if not isinstance(value, str) or not value.strip():
        return ""
    link = clean_line(value)
    if _PLAIN_ABSOLUTE.match(link) and "?#" not in link:
        # What urljoin and is_safe_url would say of it, at a tenth of their cost (~80 µs of
        # the ~600 µs an entry takes to parse): urljoin gives back an absolute URL as it is,
        # apart from an empty query or fragment, which the pattern leaves to the slow path.
        return link
    if base:
        try:
            link = urljoin(base, link)
        except ValueError:
            return ""
    return link if is_safe_url(link) else ""


# An ASCII http(s) URL with a host, and nothing urlsplit would strip, reject or rewrite:
# no whitespace or backslash, no IPv6 brackets, no ";params", no empty "?" or "#" at the end.
_URL_CHAR = r"[^\s\\\[\];\x00-\x1f\x7f-\uffff]"
_PLAIN_ABSOLUTE = re.compile(rf"https?://(?![/?#]){_URL_CHAR}+(?<![?#])\Z")


def _capped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _capped_entries(entries: list[Any], result: ParseResult, total: int = 0) -> list[Any]:
    total = max(total, len(entries))
    if total > MAX_ENTRIES:
        result.problems.append(
            f"kept the first {MAX_ENTRIES:,} of {total:,} entries (the limit per feed)"
        )
    return entries[:MAX_ENTRIES]


Row = Callable[[Entry], StoryRow]


def collect(result: ParseResult, items: list[Any], make: Callable[[Any], Entry | None],
            total: int = 0, row: Row | None = None) -> ParseResult:
    """`result` with the entries `make` gives for `items` (at most MAX_ENTRIES), and a
    problem that says how many items it skipped (None: no title, link or content).

    With `row` (`reader.store.rows.story_row`), the result carries what the cache stores
    (`result.rows`, the first entry of a key, as in `story_rows`) instead of entries: each
    item is let go as soon as its row is made, so a large feed never holds all its items'
    text and all its sanitised entries at once (a parser worker's peak was ~6x the body)."""
    kept = _capped_entries(items, result, total)
    skipped = 0
    if row is None:
        for item in kept:
            entry = make(item)
            if entry is None:
                skipped += 1
            else:
                result.entries.append(entry)
    else:
        items.clear()  # `kept` holds them now, and lets each go once it is made
        keys: set[str] = set()
        for item in _draining(kept):
            entry = make(item)
            if entry is None:
                skipped += 1
            else:
                made = row(entry)  # its key as stored: lone surrogates replaced
                if made.key not in keys:
                    keys.add(made.key)
                    result.rows.append(made)
    if skipped:
        noun = "entry" if skipped == 1 else "entries"
        result.problems.append(f"skipped {skipped} {noun} with no title, link or content")
    return result


def _draining(items: list[Any]) -> Iterator[Any]:
    """`items` in order, each dropped from the list as it is handed out."""
    items.reverse()
    while items:
        yield items.pop()
