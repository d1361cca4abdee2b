"""feedparser's rules for the values the direct road stores: repairs of mis-decoded text,
the joining of links to their base, text construct types and an author's name.

`reader.sources.directfeed` must store exactly what feedparser would, so each function here
reproduces one of feedparser's steps, quirks included.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from reader.sanitize import is_clean
from reader.sources.feedxml import Unsure

AMP_REF = re.compile("&([A-Za-z0-9_]+);")
# A "tag:" URI that urlsplit sees without a netloc (it drops tab, CR and LF first).
TAG_URI = re.compile(r"tag:(?!//)[^\t\r\n]*\Z")
# feedparser's `_sync_author_detail` pattern, verbatim.
_EMAIL = re.compile(r"""(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|"""
                    r"""(([a-zA-Z0-9\-]+\.)+))([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?""")
# windows-1252's characters for the C1 codes it defines: what feedparser puts in their place.
_CP1252 = {code: bytes([code]).decode("cp1252") for code in range(0x80, 0xA0)
           if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
_C1 = re.compile("[\x80-\x9f]")
# feedparser's link fix-up before joining: "http:///x" is read as "http://x".
_URI_FIXER = re.compile("^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")


def decodable_ref(digits: bytes, hexa: bool) -> bool:
    """Whether feedparser's parsers can decode the numeric character reference with these
    digits: NUL, surrogates and numbers past U+10FFFF make them raise (U+FFFD is written
    instead, as a browser shows it)."""
    if len(digits) > 8:
        return False
    value = int(digits, 16) if hexa else int(digits)
    return not (value == 0 or 0xD800 <= value <= 0xDFFF or value > 0x10FFFF)


def repair(text: str) -> str:
    """feedparser's repair of UTF-8 read as ISO-8859-1, then cp1252 for C1 codes."""
    return text if text.isascii() else repaired(text)[0]


def repaired(text: str) -> tuple[str, bool]:
    """(`repair(text)`, whether that is clean: `reader.sanitize.is_clean`).

    The search for a C1 code makes it ten times cheaper: `str.translate` with a dict visits
    every character of the text, and C1 codes are rare in honest feeds. `is_clean` asks
    first: clean text has no C1 code, a one-line value is answered at once, and its search
    of a body is quicker than that of the narrower C1 class. Its answer goes with the body
    to `sanitize_html`, which then need not search the body again."""
    if text.isascii():
        return text, is_clean(text)
    try:
        fixed = text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        fixed = text
    if is_clean(fixed):
        return fixed, True
    if _C1.search(fixed) is None:
        return fixed, False
    return fixed.translate(_CP1252), False


def feed_urljoin(base: str, uri: str) -> str:
    """How feedparser joins a link to its base: extra slashes after "scheme://" dropped, and
    "" for what urljoin rejects."""
    try:
        return urljoin(base, _URI_FIXER.sub(r"\1\3", uri))
    except ValueError:
        return ""


def construct_type(attrs: dict[str, str], default: str) -> str:
    kind = attrs.get("type", default)
    if kind in ("text", "plain"):
        kind = "text/plain"
    elif kind == "html":
        kind = "text/html"
    if kind not in ("text/plain", "text/html"):
        raise Unsure  # XHTML, base64 or an odd type: feedparser's rules are longer
    return kind


def author_name(author: str) -> str:
    """The name feedparser's `_sync_author_detail` puts in author_detail for a one-line
    author ("Ann Lee", "ann@example.org (Ann Lee)"); "" when there is none."""
    found = _EMAIL.search(author)
    if found:
        author = author.replace(found.group(0), "")
        author = author.replace("()", "").replace("<>", "").replace("&lt;&gt;", "").strip()
        if author and author[0] == "(":
            author = author[1:]
        if author and author[-1] == ")":
            author = author[:-1]
        author = author.strip()
    return author
