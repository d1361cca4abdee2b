"""How a story's HTML is kept in the cache: a compressed BLOB when that is smaller, else TEXT.

Why: the story HTML (`body_html`, and `full_html` for kept whole articles) is most of the
cache file: 4.3-4.5 KB of a 8.2-8.6 KB story on the benchmark feeds. Zstandard level 1
shrinks it to a third or a half, a little smaller than zlib level 1, for 2.5x less CPU where
rows are made (~20 µs a story) and 2x less when one is opened (~8 µs).

* The value's type says how it is kept: TEXT is plain HTML (every cache written before
  schema 6, and bodies too short to gain), a BLOB is compressed UTF-8: a Zstandard frame
  (schema 7 on) or, written by schema 6, zlib. The frame's first bytes tell them apart
  (Zstandard's magic number; a zlib stream never starts with it), so old caches need no
  rewriting at upgrade and all three kinds live side by side.
* Rows are packed where they are prepared (`reader.store.rows`, in the parser processes
  during a refresh), so the thread that writes SQLite does not pay for it.
* Every reader of these columns goes through `unpack`: `Store.story` and the search index's
  text function (`reader.store.search.index.story_text`), which the SQL triggers call.
* Level 1: on the benchmark feeds level 3 saves 0-5% more bytes for 15-45% more CPU, and the
  parser processes are what a cold refresh waits for. No dictionary: one trained on feeds
  would have to be kept, versioned and found again for every row written with it.
"""

from __future__ import annotations

import threading
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import zstandard

LEVEL = 1
MIN_PACKED = 128  # bytes: shorter HTML is kept as TEXT (a frame's header would eat the gain)
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # how every Zstandard frame starts; never a zlib header
# (No promise that a refresh mends it: an unchanged story is not rewritten.)
DAMAGED = "<p>(This story's text is damaged in the cache and cannot be shown.)</p>"

# A (de)compressor keeps its working memory between calls (2x faster than one per call) but
# may not be used by two threads at once: the store reads from several worker threads.
_local = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    try:
        return _local.compressor
    except AttributeError:
        import zstandard  # at first use: the app's start imports this module, packs nothing

        _local.compressor = zstandard.ZstdCompressor(level=LEVEL)
        return _local.compressor


def _decompressor() -> zstandard.ZstdDecompressor:
    try:
        return _local.decompressor
    except AttributeError:
        import zstandard

        _local.decompressor = zstandard.ZstdDecompressor()
        return _local.decompressor


def pack(html: str, data: bytes | None = None) -> str | bytes:
    """`html` as the cache keeps it: compressed when that saves bytes, else unchanged.
    `html` must be storable (see `reader.store.rows.storable`); `data`, when the caller has
    it, is its UTF-8 (`story_row` encodes a body once for its digest and for this)."""
    if len(html) < MIN_PACKED:  # (characters <= UTF-8 bytes: a longer text is long there too)
        return html
    if data is None:
        data = html.encode("utf-8")
    packed = _compressor().compress(data)
    return packed if len(packed) < len(data) else html


def unpack(value: str | bytes | None, damaged: str = DAMAGED) -> str:
    """The HTML that `pack` kept as `value` ("" for NULL). A BLOB that does not decompress
    (a damaged cache) gives `damaged`, words for the reader instead of an error."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if not value.startswith(ZSTD_MAGIC):
        try:
            return zlib.decompress(value).decode("utf-8")  # written by schema 6
        except (zlib.error, UnicodeDecodeError):
            return damaged
    import zstandard

    try:
        return _decompressor().decompress(value).decode("utf-8")
    # (MemoryError: a damaged header may claim a size nobody can hold.)
    except (zstandard.ZstdError, MemoryError, UnicodeDecodeError):
        return damaged
