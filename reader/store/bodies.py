"""How a story's HTML is kept in the cache: a zlib BLOB when that is smaller, else plain TEXT.

Why: the story HTML (`body_html`, and `full_html` for kept whole articles) is most of the
cache file: 4.3-4.5 KB of a 8.2-8.6 KB story on the benchmark feeds. zlib (the stdlib, so a
cache always opens) shrinks it to a third or a half, for ~20 µs a story when it is opened.

* The value's type says how it is kept: TEXT is plain HTML (every cache written before
  schema 6, and bodies too short to gain), a BLOB is zlib-compressed UTF-8. So old caches
  need no rewriting at upgrade and both kinds live side by side.
* Rows are packed where they are prepared (`reader.store.rows`, in the parser processes
  during a refresh), so the thread that writes SQLite does not pay for it.
* Every reader of these columns goes through `unpack`: `Store.story` and the search index's
  text function (`reader.store.search.index.story_text`), which the SQL triggers call.
* Level 1: on the benchmark feeds levels 2-6 save 3-15% more bytes for up to twice the CPU,
  and the parser processes are what a cold refresh waits for.
"""

from __future__ import annotations

import zlib

LEVEL = 1
MIN_PACKED = 128  # bytes: shorter HTML is kept as TEXT (zlib's frame would eat the gain)
# (No promise that a refresh mends it: an unchanged story is not rewritten.)
DAMAGED = "<p>(This story's text is damaged in the cache and cannot be shown.)</p>"


def pack(html: str) -> str | bytes:
    """`html` as the cache keeps it: compressed when that saves bytes, else unchanged.
    `html` must be storable (see `reader.store.rows.storable`)."""
    if len(html) < MIN_PACKED:  # (characters <= UTF-8 bytes: a longer text is long there too)
        return html
    data = html.encode("utf-8")
    packed = zlib.compress(data, LEVEL)
    return packed if len(packed) < len(data) else html


def unpack(value: str | bytes | None, damaged: str = DAMAGED) -> str:
    """The HTML that `pack` kept as `value` ("" for NULL). A BLOB that does not decompress
    (a damaged cache) gives `damaged`, words for the reader instead of an error."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return zlib.decompress(value).decode("utf-8")
    except (zlib.error, UnicodeDecodeError):
        return damaged
