"""A story as the cache stores it, computed from a parsed `Entry` without touching SQLite.

Why a separate step: in a cold refresh the thread that writes SQLite is the bottleneck (the
parser processes wait on it), and a third of its time went to plain Python per story:
cleaning fields, the content hash and the teasers' JSON; the body is compressed here too
(`reader.store.bodies`). `story_row` does all of that, so a parser worker can do it on
another core and hand the writer rows that only need inserting (`reader.refresh.parsing`
calls it; `Store.upsert_entries` calls it for entries that arrive without rows, such as
local files).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from reader.models import Entry, StoryRow
from reader.sanitize import clean_line
from reader.store.bodies import pack

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


def content_hash(entry: Entry, body: bytes | None = None) -> str:
    """The digest that tells a changed story. `body`, when given, is the body's UTF-8
    (`story_row` has it already for `pack`): the same bytes the joined text would encode
    to there, so the digest is the same and the body is encoded once, not twice."""
    import hashlib  # here, as json below: the app's start imports this module, makes no row

    if body is None:
        parts = (entry.title, entry.link, entry.author, entry.body_html, entry.lead,
                 "\x1e".join(entry.teasers), repr(entry.published))
        return hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"),
                               digest_size=16).hexdigest()
    before = "\x1f".join((entry.title, entry.link, entry.author, ""))
    after = "\x1f".join(("", entry.lead, "\x1e".join(entry.teasers), repr(entry.published)))
    digest = hashlib.blake2b(before.encode("utf-8", "surrogatepass"), digest_size=16)
    digest.update(body)
    digest.update(after.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def story_row(entry: Entry) -> StoryRow:
    import json

    lead = clean_line(entry.lead)
    body = entry.body_html
    try:  # encoded once, for the digest and for `pack`; a body that cannot be (lone
        # surrogates) is made storable first, and the digest reads it as it was
        data: bytes | None = body.encode("utf-8")
    except UnicodeEncodeError:
        body, data = storable(body), None
    teasers = entry.teasers
    return StoryRow(
        key=storable(entry.key),
        digest=content_hash(entry, data),
        published=entry.published if entry.published is not None else entry.updated,
        updated=entry.updated,
        title=clean_line(entry.title) or "(untitled)",
        link=storable(entry.link),
        author=clean_line(entry.author),
        path=storable(entry.path),
        lead=lead,
        teasers=json.dumps([clean_line(t) for t in teasers], ensure_ascii=False)
        if teasers else "[]",
        body_html=pack(body, data),
    )


def story_rows(entries: Iterable[Entry | StoryRow]) -> Iterator[StoryRow]:
    """Rows for `entries`, the first of each key only (feeds do repeat GUIDs), keys taken as
    they are stored: two that differ only by lone surrogates are one."""
    seen: set[str] = set()
    for item in entries:
        key = item.key if isinstance(item, StoryRow) else storable(item.key)
        if key in seen:
            continue
        seen.add(key)
        yield item if isinstance(item, StoryRow) else story_row(item)
