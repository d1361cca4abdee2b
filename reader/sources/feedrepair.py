"""A feed that is not XML only because of its ampersands, made XML.

The commonest broken feed is well-formed but for its references: HTML entities XML does not
define (`&nbsp;`, `&eacute;`) and bare ampersands ("AT&T", "R&D", `?a=1&b=2` in a link).
expat stops at the first one and feedparser's lenient parser reads the document instead,
at over three times the direct road's CPU a story (~950 µs against ~280, measured).
`repair` rewrites just those references, in bytes, so the direct road (or feedparser's
strict parser) can read it:

* an HTML5 named reference XML does not predefine becomes its numeric references (one per
  code point: a few names stand for two), from `html.entities.html5`;
* a name without its `;` is taken only when it is one of HTML's legacy names (`&nbsp`,
  `&copy`) and is not followed by `=`, as a browser reads one in an attribute value: a
  letter or digit after it makes a longer, unknown name (`&nbspx`), and `=` makes it a URL's
  query parameter (`?a=1&copy=2`), both of which a browser leaves as they are;
* `&#X26;` (XML wants a small x) and a numeric reference without its `;` are completed;
* any other `&` (before a space, an unknown name, `&#;`, the end) becomes `&amp;`, so the
  text says "&" as a browser shows it.

CDATA sections, comments and processing instructions are left as they are (their `&` is
text). In HTML content, an `&` kept as `&amp;` reaches the HTML parser as it was written, so
it reads it as a browser does (`&nbspx` there is a no-break space and "x").

Where this reading differs from feedparser's lenient parser, the browser's is kept (each
difference is pinned by a test): the lenient parser adds a `;` to every bare `&name`
("AT&T" becomes "AT&T;", which in an RSS title also stops its tags being read as HTML),
decodes a legacy name before `=` inside URLs ("?a=1&copy=2" becomes "?a=1©=2"), leaves a
numeric reference without its `;` as text, and knows only HTML 4's names: it leaves
`&check;` as it is and gives `&lang;`/`&rang;` HTML 4's characters (U+2329/U+232A, where
HTML5 has U+27E8/U+27E9).

Only documents whose bytes are ASCII where markup is can be rewritten this way: UTF-8 and
the single-byte encodings. Anything else (UTF-16 and UTF-32, which hold NUL bytes, EBCDIC,
the multi-byte Asian encodings, an encoding Python does not know) is left alone, as is a
document with nothing to repair: `repair` answers None and feedparser reads the original.
The rewrite is one regular-expression pass without backtracking (a section that never ends
runs to the end of the document), with a Python call per reference rewritten.
"""

from __future__ import annotations

import codecs
import html.entities
import re
import sys
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from xml.parsers import expat
from xml.sax import SAXException

from reader import lowlevel
from reader.sources import directfeed
from reader.sources.feedvalues import decodable_ref

_ASCII = "".join(map(chr, range(128)))
# A CDATA section, comment or processing instruction (kept whole; one that never ends runs
# to the end), or an ampersand that does not start one of XML's own references.
_SCAN = re.compile(
    rb"<!\[CDATA\[(?:.*?\]\]>|.*)|<!--(?:.*?-->|.*)|<\?(?:.*?\?>|.*)"
    rb"|&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)"
    rb"(?:([A-Za-z][A-Za-z0-9]*)(;?)|#([xX][0-9a-fA-F]+|[0-9]+)(;?))?",
    re.DOTALL)
_HTML5 = html.entities.html5
_AMP = b"&amp;"


# The errors expat gives at an undefined entity, at an `&` that starts no reference, and at
# one cut off by the end of the document. Other faults give the second too (a `<` in text, a
# control character): `repair` finds nothing to rewrite, or the rewritten document fails
# again, and feedparser reads the original. Where expat stopped is not looked at: the road
# reads a re-declared, maybe re-encoded document, whose offsets are not the body's.
_AMPERSAND_ERRORS = frozenset(
    expat.errors.codes[message] for message in (
        expat.errors.XML_ERROR_UNDEFINED_ENTITY, expat.errors.XML_ERROR_INVALID_TOKEN,
        expat.errors.XML_ERROR_UNCLOSED_TOKEN))


def may_help(error: Exception) -> bool:
    """Whether the direct road stepped aside on an XML error a repair may remove."""
    return isinstance(error, expat.ExpatError) and error.code in _AMPERSAND_ERRORS


def read_repaired(data: bytes, url: str, content_type: str,
                  with_feedparser: Callable[[bytes], Any]) -> Any:
    """The document read again with its references repaired: by the direct road, or when it
    is unsure by feedparser's strict parser (`with_feedparser`); None when there was nothing
    to repair or the repaired document is still not XML, and then feedparser reads the
    original bytes, exactly as it did before this module existed."""
    fixed = repair(data, content_type)
    if fixed is None:
        return None
    why: list[Exception] = []
    parsed = directfeed.parse(fixed, url=url, content_type=content_type, why=why)
    if parsed is not None or not why or isinstance(why[0], expat.ExpatError):
        return parsed
    parsed = with_feedparser(fixed)
    if isinstance(parsed.get("bozo_exception"), SAXException):
        return None  # its strict parser failed as well: the lenient one read repaired bytes
    return parsed


def repair(data: bytes, content_type: str = "") -> bytes | None:
    """`data` with its undeclared entities and bare ampersands rewritten as XML references;
    None when there is nothing to rewrite or its encoding is not one this can rewrite."""
    if b"&" not in data or b"\x00" in data or not _rewritable(data, content_type):
        return None
    changed = False

    def fix(match: re.Match[bytes]) -> bytes:
        nonlocal changed
        whole = match.group(0)
        if whole[0] != 0x26:  # b"&": a section, as it is
            return whole
        changed = True
        name, semicolon, number, _ = match.groups()
        if name is not None:
            key = name.decode("ascii")
            if semicolon:
                text = _HTML5.get(key + ";")
            elif match.string[match.end():match.end() + 1] != b"=":
                text = _HTML5.get(key)
            else:
                text = None
            if text is None:
                return _AMP + whole[1:]
            return "".join(f"&#{ord(c)};" for c in text).encode("ascii")
        if number is not None:
            return _char_ref(number)
        return _AMP + whole[1:]

    fixed = _SCAN.sub(fix, data)
    return fixed if changed else None


def _char_ref(number: bytes) -> bytes:
    """A complete reference for the digits of one cut short (`&#233`, `&#X26;`). NUL,
    surrogates and numbers past U+10FFFF become U+FFFD, as `feedfile` makes them before
    this runs: completed as they are, they would make feedparser's parsers raise."""
    hexa = number[:1] in b"xX"
    digits = number[1:] if hexa else number
    if not decodable_ref(digits, hexa):
        return b"&#xFFFD;"
    return b"&#" + (b"x" + digits if hexa else digits) + b";"


def _rewritable(data: bytes, content_type: str) -> bool:
    """Whether the encodings the document names (its declaration, the Content-Type charset)
    keep ASCII bytes ASCII one byte a character: UTF-8, ASCII and the single-byte ones."""
    head = data[:1024]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    names = []
    if head.startswith(b"<?"):
        if b"?>" not in head:
            return False  # a declaration too long to read here
        found = lowlevel.xml_encoding.match(head)
        if found:
            names.append(found.group(1).decode("ascii", "replace"))
    charset = lowlevel.parse_content_type(content_type)[1] if content_type else ""
    if charset:
        names.append(charset)
    return all(_single_byte(name.strip().lower()) for name in names)


@lru_cache(maxsize=64)  # names a feed or a server sent: bounded
def _single_byte(name: str) -> bool:
    try:
        info = codecs.lookup(name)
    except LookupError:
        return False
    if info.name in ("utf-8", "ascii", "latin-1", "iso8859-1"):
        return True
    module = sys.modules.get(getattr(info.incrementaldecoder, "__module__", ""))
    table = getattr(module, "decoding_table", None)
    return isinstance(table, str) and len(table) == 256 and table[:128] == _ASCII
