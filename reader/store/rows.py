"""A story as the cache stores it, computed from a parsed `Entry` without touching SQLite.

Why a separate step: in a cold refresh the thread that writes SQLite is the bottleneck (the
parser processes wait on it), and a third of its time went to plain Python per story:
cleaning fields, the content hash and the teasers' JSON. `story_row` does all of that, so a
parser worker can do it on another core and hand the writer rows that only need inserting
(`reader.refresh.parsing` calls it; `Store.upsert_entries` calls it for entries that arrive
without rows, such as local files).

`index_story_text` is the search index's text function (`nr_story_text`, which the index's
triggers and its catch-up call): exactly `reader.store.search.story_text`, by the same steps
with quicker tests for the common ASCII body (a contentless index must be told the very words
it indexed, so never an approximation; tests/test_directfeed.py holds it to `story_text`).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from reader.models import Entry
from reader.sanitize import clean_line
from reader.store import search
from reader.store.search import story_text

_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` as SQLite can hold it. Lone surrogates (a file name in another encoding, which
    Python decodes with surrogateescape; a JSON Feed id of "\\ud800") would make the write
    raise UnicodeEncodeError and end a whole refresh; they become U+FFFD instead."""
    if not text or text.isascii():  # isascii is O(1); the scan below is ~25 µs per 4 KB
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def content_hash(entry: Entry) -> str:
    parts = (entry.title, entry.link, entry.author, entry.body_html, entry.lead,
             "\x1e".join(entry.teasers), repr(entry.published))
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


# Every C0 control but tab and newline, and DEL: what `clean_text` removes (or, for CR,
# rewrites) in ASCII text.
_ASCII_CONTROLS = bytes([*range(0, 9), *range(11, 32), 127])


def _clean_line(text: str) -> str:
    """`clean_line(text)`; ASCII text without controls skips its two regex passes."""
    if text.isascii():
        raw = text.encode("ascii")
        if len(raw.translate(None, _ASCII_CONTROLS)) == len(raw):
            return " ".join(text.split())
    return clean_line(text)


# `search.html_text` drops scripts, styles, templates and comments only when the body holds
# "<script", "<style", "<template" (in lower case) or "<!--": in ASCII text, exactly what
# this finds without lowering a copy of the body. Should html_text change, story_text runs.
_HIDDEN_GATE = re.compile(r"<(?:[Ss][Cc][Rr][Ii][Pp][Tt]|[Ss][Tt][Yy][Ll][Ee]"
                          r"|[Tt][Ee][Mm][Pp][Ll][Aa][Tt][Ee])|<!--")
_SAME_STEPS = (search._TAG.pattern == r"<[^>]*>" and search._HIDDEN.pattern ==
               r"<(script|style|template)\b.*?</\1\s*>|<!--.*?-->")


def index_story_text(body_html: str | None, full_html: str | None, lead: str | None) -> str:
    """`story_text(body_html, full_html, lead)`, quicker for a story without a full article."""
    if full_html:
        return story_text(body_html, full_html, lead)
    return index_text(body_html or "", lead or "")


def index_text(body: str, lead: str) -> str:
    """`story_text(body, "", lead)`: what the search index holds for a story."""
    if not _SAME_STEPS or not body.isascii():
        return story_text(body, "", lead)
    text = body
    if "<" in text or "&" in text:
        if _HIDDEN_GATE.search(text) is not None:
            text = search._HIDDEN.sub(" ", text)
        text = html.unescape(search._TAG.sub(" ", text))
    return text if text and not text.isspace() else (lead or "")


@dataclass(frozen=True, slots=True)
class StoryRow:
    """The column values of one story, cleaned and ready to insert."""

    key: str
    digest: str
    published: float | None  # the entry's date, or its update date; None: keep / now
    updated: float | None
    title: str
    link: str
    author: str
    path: str
    lead: str
    teasers: str  # JSON list of clean lines
    body_html: str


def story_row(entry: Entry) -> StoryRow:
    lead = _clean_line(entry.lead)
    body = storable(entry.body_html)
    teasers = entry.teasers
    return StoryRow(
        key=storable(entry.key),
        digest=content_hash(entry),
        published=entry.published if entry.published is not None else entry.updated,
        updated=entry.updated,
        title=_clean_line(entry.title) or "(untitled)",
        link=storable(entry.link),
        author=_clean_line(entry.author),
        path=storable(entry.path),
        lead=lead,
        teasers=json.dumps([_clean_line(t) for t in teasers], ensure_ascii=False)
        if teasers else "[]",
        body_html=body,
    )


def story_rows(entries: Iterable[Entry | StoryRow]) -> Iterator[StoryRow]:
    """Rows for `entries`, the first of each key only (feeds do repeat GUIDs)."""
    seen: set[str] = set()
    for item in entries:
        if item.key in seen:
            continue
        seen.add(item.key)
        yield item if isinstance(item, StoryRow) else story_row(item)
