"""A feed document as feedparser's strict parser reads it: decoded, prolog checked, a base URL.

The direct road (`reader.sources.directfeed`) must read the very text feedparser reads, so
`prepare` ports the part of `feedparser.parse` before its SAX parser: `convert_to_utf8`
(BOMs, the XML declaration, the Content-Type charset, the fallbacks), `replace_doctype` (a
DOCTYPE or an ENTITY is not ours) and the base URL it resolves links against. What it does
not reproduce raises `Unsure`, and feedparser reads the document: an encoding only chardet
would guess, a DOCTYPE, a base URL that still moves after one step. `strict_expat` is the
parser the road runs, with every declaration that could expand entities refused.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import Any, NamedTuple
from xml.parsers import expat

from reader import lowlevel

_FIRST_ELEMENT = re.compile(r"<\w", re.ASCII)
_NEW_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>"
_NEW_BYTES = _NEW_DECLARATION.encode()
_UTF8 = {"utf-8", "ascii"}  # codecs whose strict decoding leaves the bytes the text's UTF-8
# How the first four bytes of an XML declaration look in EBCDIC, UTF-16 and UTF-32.
_MARKERS = ((b"\x4c\x6f\xa7\x94", "cp037"), (b"\x00\x3c\x00\x3f", "utf-16be"),
            (b"\x3c\x00\x3f\x00", "utf-16le"), (b"\x00\x00\x00\x3c", "utf-32be"),
            (b"\x3c\x00\x00\x00", "utf-32le"))
_UNICODE_NAMES = {"u16", "utf-16", "utf16", "utf_16", "u32", "utf-32", "utf32", "utf_32",
                  "iso-10646-ucs-2", "iso-10646-ucs-4", "csucs4", "csunicode", "ucs-2", "ucs-4"}


# Characters (or bytes) handed to expat at a time, and the most of a UTF-8 document decoded
# at once: expat copies what it is given into a buffer of its own, and a document decoded
# whole is 1-4 bytes a character as a Python string (a 4 MB feed with emoji: 16 MB).
CHUNK = 64 * 1024


class Document(NamedTuple):
    """The text expat reads: `head` (the new declaration), then `rest` from `start` on.

    `rest` is a view of the body's own bytes when they are the text's UTF-8, else the
    decoded text; either way it is handed over a `CHUNK` at a time, never copied whole.
    `unchecked`: those bytes were taken for UTF-8 without a check (`prepare`'s
    `trust_utf8`), which expat makes as it reads them."""

    head: str | bytes
    rest: str | memoryview
    start: int = 0
    unchecked: bool = False

    def pieces(self) -> Iterator[str | bytes | memoryview]:
        """The document in pieces for expat's `Parse`, the last one empty (`isfinal`)."""
        yield self.head
        rest = self.rest
        for at in range(self.start, len(rest), CHUNK):
            yield rest[at:at + CHUNK]
        yield self.head[:0]

    def holds_utf8(self) -> bool:
        """False only when bytes taken for UTF-8 unchecked are not (see `prepare`)."""
        return not self.unchecked or isinstance(self.rest, str) or is_utf8(self.rest)


class Unsure(Exception):
    """Something the direct road does not reproduce: feedparser reads the document instead."""


def _refuse(*_: Any) -> Any:
    raise Unsure


def strict_expat(*, namespace_prefixes: bool = False) -> Any:
    """An expat parser: namespaces split with " ", text buffered, and any DOCTYPE, entity or
    notation declaration refused (Unsure: feedparser reads the document)."""
    parser = expat.ParserCreate(None, " ")
    parser.namespace_prefixes = namespace_prefixes
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.NotationDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.SkippedEntityHandler = _refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_UNLESS_STANDALONE)
    return parser


def prepare(data: bytes, url: str, content_type: str, *,
            trust_utf8: bool = False) -> tuple[Document, str]:
    """(the document as feedparser's strict parser reads it, the base URL it resolves links
    against); raises Unsure for what the direct road does not reproduce (a DOCTYPE, an
    ENTITY, an encoding only chardet would guess, a base that moves).

    A document read as UTF-8 or ASCII comes back as those very bytes behind the new
    declaration: they are what expat would get by encoding the text again (~2% of the
    direct road's CPU on the varied benchmark feeds), and its text is never made whole:
    only its head is decoded to look at the prolog.

    With `trust_utf8`, bytes to be read as UTF-8 are not checked first (a decoding of the
    whole document, ~3% of the road's CPU): expat refuses every byte sequence that Python's
    UTF-8 decoder does, so a walk that reads the whole `Document` has checked them. One
    that stops must ask `document.holds_utf8()` and, if not, `prepare` the data again
    without the trust (feedparser would have decoded it otherwise). Anything that goes
    wrong here with bytes that are not UTF-8 after all does that at once."""
    headers = {"content-type": content_type} if content_type else {}
    if url:
        headers["content-location"] = url
    text, raw = _decoded(data, headers, check_utf8=not trust_utf8)
    unchecked = trust_utf8 and raw is not None and not raw.isascii()
    try:
        return _document(text, raw, url, unchecked)
    except Exception:
        if not unchecked or is_utf8(raw):  # type: ignore[arg-type]
            raise
    return prepare(data, url, content_type)


def is_utf8(data: bytes | memoryview) -> bool:
    """True when `data` decodes as UTF-8 (checked a `CHUNK` at a time, the text dropped)."""
    try:
        _utf8_checked(data)
    except UnicodeDecodeError:
        return False
    return True


def _document(text: str | None, raw: bytes | None, url: str,
              unchecked: bool) -> tuple[Document, str]:
    """`prepare`'s answer for the decoded `text`, or for `raw`, the document's UTF-8."""
    seen = text if text is not None else _utf8_head(raw)  # type: ignore[arg-type]
    first = _FIRST_ELEMENT.search(seen)
    if text is None and (first is None or ">" not in seen):
        # The head says nothing sure of the whole (no element yet, or the declaration runs
        # on past it: its pattern stops at the first ">"): read the text whole.
        seen = text = raw.decode("utf-8")  # type: ignore[union-attr]
        first = _FIRST_ELEMENT.search(seen)
        unchecked = False  # (decoding it checked it)
    # feedparser's replace_doctype: a prolog with a DOCTYPE or an ENTITY is not ours.
    head = seen[: first.start()] if first else seen
    if "<!DOCTYPE" in head or "<!ENTITY" in head:
        raise Unsure
    match = lowlevel.xml_declaration.match(seen)
    base = _base_uri(url)
    if raw is not None and (match is None or seen[:match.end()].isascii()):
        if match is None:
            return Document(_NEW_BYTES + b"\n", memoryview(raw), 0, unchecked), base
        return Document(_NEW_BYTES, memoryview(raw), match.end(), unchecked), base
    if text is None:
        text = raw.decode("utf-8")  # type: ignore[union-attr]
    if match is None:
        return Document(_NEW_DECLARATION + "\n", text), base
    return Document(_NEW_DECLARATION, text, match.end()), base


def _utf8_head(raw: bytes) -> str:
    """The text of the first `CHUNK` bytes of a valid UTF-8 document (a character cut in
    two at the end left out)."""
    return codecs.getincrementaldecoder("utf-8")().decode(raw[:CHUNK])


def _utf8_checked(data: bytes | memoryview) -> None:
    """Raise UnicodeDecodeError, as `data.decode("utf-8")` would, without making the text:
    it is decoded a `CHUNK` at a time and dropped."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for at in range(0, len(data), CHUNK):
        decoder.decode(view[at:at + CHUNK])
    decoder.decode(b"", True)


def _decoded(data: bytes, headers: dict[str, str], *,
             check_utf8: bool = True) -> tuple[str | None, bytes | None]:
    """(text, raw): the document decoded exactly as feedparser's `convert_to_utf8` decodes
    it. When the bytes it is decoded from are its UTF-8 they come back as `raw`, checked
    (unless not `check_utf8`: taken for UTF-8 at the first proposal of it) but not decoded
    (text None); else the text, and raw None."""
    bom = ""
    if data[:4] == b"\x00\x00\xfe\xff":
        bom, data = "utf-32be", data[4:]
    elif data[:4] == b"\xff\xfe\x00\x00":
        bom, data = "utf-32le", data[4:]
    elif data[:2] == b"\xfe\xff" and data[2:4] != b"\x00\x00":
        bom, data = "utf-16be", data[2:]
    elif data[:2] == b"\xff\xfe" and data[2:4] != b"\x00\x00":
        bom, data = "utf-16le", data[2:]
    elif data[:3] == b"\xef\xbb\xbf":
        bom, data = "utf-8", data[3:]
    else:
        bom = next((codec for marker, codec in _MARKERS if data[:4] == marker), "")
    declared = ""
    try:
        temp = data.decode(bom).encode("utf-8") if bom else data
    except (UnicodeDecodeError, LookupError):
        found = None
    else:
        found = lowlevel.xml_encoding.match(temp)
    if found:
        declared = found.group(1).decode("utf-8").lower()
        if bom and declared in _UNICODE_NAMES:
            declared = bom
    mime, charset = lowlevel.parse_content_type(headers.get("content-type") or "")
    if mime in ("application/xml", "application/xml-dtd",
                "application/xml-external-parsed-entity") or (
            mime.startswith("application/") and mime.endswith("+xml")):
        chosen = charset or declared or "utf-8"
    elif mime.startswith("text/"):
        chosen = charset or "us-ascii"
    elif headers and "content-type" not in headers:
        chosen = declared or "iso-8859-1"
    else:
        chosen = declared or "utf-8"
    if chosen.lower() == "gb2312":
        chosen = "gb18030"
    if declared.lower() == "gb2312":
        declared = "gb18030"
    tried: list[str] = []
    for proposed in (chosen, declared, bom, None, "utf-8", "windows-1252", "iso-8859-2"):
        if proposed is None:
            if lowlevel.chardet_available():
                raise Unsure  # chardet's guess is not reproduced here
            continue
        if not proposed or proposed in tried:
            continue
        tried.append(proposed)
        try:
            name = codecs.lookup(proposed).name
            if name not in _UTF8:
                return data.decode(proposed), None
            if not data.isascii():  # (ASCII is UTF-8: nothing to check)
                if name == "ascii":
                    continue
                if check_utf8:
                    _utf8_checked(data)
        except (UnicodeDecodeError, LookupError):
            continue
        return None, data
    raise Unsure


def _base_uri(url: str) -> str:
    """The base URL feedparser settles on at the root element (it re-joins it at every start
    tag; a base that still moves after one step is not ours)."""

    def step(base: str) -> str:
        return (lowlevel.make_safe_absolute_uri(base, base) or base) if base else base

    base = step(url)
    if step(base) != base:
        raise Unsure
    return base
