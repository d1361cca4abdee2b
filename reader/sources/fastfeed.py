"""A fast road through feedparser for the common feed, and cheaper post-processing per story.

feedparser is nearly all of a cold refresh (PERF-NOTES: 93%), yet little of its time goes to
its rules: most goes to the machinery around them - the SAX layer, a `getattr` that fails for
every unknown element, a `FeedParserDict` lookup for every run of text, a base URL re-joined at
every start tag. So `parse` keeps feedparser's rules and drops the machinery: expat is driven
directly, and it calls **feedparser's own element handlers** (`_start_title`, `_end_guid`,
`_end_published` ...) on an object whose few hot methods (`pop`, `push_content`, the start
and end tag dispatch, the text handler) are ports of feedparser 6's, minus the branches that
`parse_feed` switches off (sanitising, relative-URI rewriting) or that this road refuses.
Encoding detection is a port of `convert_to_utf8`, dates go through feedparser's `_parse_date`,
links through its `_urljoin`: the result is the same FeedParserDict tree, so `feedfile` turns
it into stories with the very same code.

It answers None ("unsure": let feedparser read it) for anything that leaves that common
ground: XML that expat rejects (feedparser would retry with its lenient parser), a DOCTYPE or
an entity declaration, `xml:base`, XHTML or base64 content, markup nested inside a text
element, a document without entries, or any exception at all. tests/test_fastfeed.py runs
both roads over the test corpus, generated feeds and edge cases and requires the same entries.

The driver is `reader.sources.fastfeed_reader` (it imports feedparser, ~60 ms, so only a
feed being parsed loads it). `lead` and `sanitize_html` are `reader.extract.first_paragraph`
and `reader.sanitize.sanitize_html` with the same results and less work: the lead stops at
the first paragraph instead of flattening the whole body, the sanitiser reuses one nh3 Cleaner
and skips a link pass that would change nothing. Should `extract` change its patterns, `lead`
notices and defers to first_paragraph. `prepare` (decoding, prolog checks, base URL) is shared
with `reader.sources.directfeed`; `clean_line` and `timegm` are `sanitize.clean_line` and
`calendar.timegm` with quicker common cases (tests/test_directfeed.py holds them to those).
"""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

from reader import extract, sanitize

_FIRST_ELEMENT = re.compile(r"<\w", re.ASCII)
_NEW_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>"


class Unsure(Exception):
    """Something this road does not reproduce: feedparser reads the document instead."""


def _refuse(*_: Any) -> Any:
    raise Unsure


def strict_expat(*, namespace_prefixes: bool = False) -> Any:
    """An expat parser for the fast roads: namespaces split with " ", text buffered, and any
    DOCTYPE, entity or notation declaration refused (Unsure: feedparser reads the document)."""
    from xml.parsers import expat

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


def parse(data: bytes, *, url: str = "", content_type: str = "") -> dict[str, Any] | None:
    """What `feedparser.parse(BytesIO(data), response_headers=..., sanitize_html=False,
    resolve_relative_uris=False)` returns (its feed, entries and version), or None when unsure.
    """
    try:
        return _parse(data, url, content_type)
    except Exception:  # noqa: BLE001 - Unsure, expat's errors, anything odd: feedparser decides
        return None


def _parse(data: bytes, url: str, content_type: str) -> dict[str, Any] | None:
    from reader.sources.fastfeed_reader import Reader

    text, base = prepare(data, url, content_type)
    reader = Reader(base)
    reader.run(text)
    if not reader.entries:
        return None  # feedparser words the errors of a feed without entries
    return {"feed": reader.feeddata, "entries": reader.entries, "version": reader.version,
            "bozo": False}


def prepare(data: bytes, url: str, content_type: str) -> tuple[str, str]:
    """(the document as feedparser's strict parser reads it, the base URL it resolves links
    against); raises Unsure for what neither fast road reproduces (a DOCTYPE, an ENTITY,
    an encoding only chardet would guess, a base that moves)."""
    from feedparser.encodings import RE_XML_DECLARATION

    headers = {"content-type": content_type} if content_type else {}
    if url:
        headers["content-location"] = url
    text = _decoded(data, headers)
    # feedparser's replace_doctype: a prolog with a DOCTYPE or an ENTITY is not ours.
    first = _FIRST_ELEMENT.search(text)
    head = text[: first.start()] if first else text
    if "<!DOCTYPE" in head or "<!ENTITY" in head:
        raise Unsure
    match = RE_XML_DECLARATION.match(text)
    text = _NEW_DECLARATION + (text[match.end():] if match else "\n" + text)
    return text, _base_uri(url)


def _decoded(data: bytes, headers: dict[str, str]) -> str:
    """The document as text, decoded exactly as feedparser's `convert_to_utf8` decodes it."""
    from feedparser import encodings as enc

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
    elif data[:4] == enc.EBCDIC_MARKER:
        bom = "cp037"
    elif data[:4] == enc.UTF16BE_MARKER:
        bom = "utf-16be"
    elif data[:4] == enc.UTF16LE_MARKER:
        bom = "utf-16le"
    elif data[:4] == enc.UTF32BE_MARKER:
        bom = "utf-32be"
    elif data[:4] == enc.UTF32LE_MARKER:
        bom = "utf-32le"
    declared = ""
    try:
        temp = data.decode(bom).encode("utf-8") if bom else data
    except (UnicodeDecodeError, LookupError):
        found = None
    else:
        found = enc.RE_XML_PI_ENCODING.match(temp)
    if found:
        declared = found.group(1).decode("utf-8").lower()
        if bom and declared in _UNICODE_NAMES:
            declared = bom
    mime, charset = enc.parse_content_type(headers.get("content-type") or "")
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
            if enc.lazy_chardet_encoding is not None:
                raise Unsure  # chardet's guess is not reproduced here
            continue
        if not proposed or proposed in tried:
            continue
        tried.append(proposed)
        try:
            return data.decode(proposed)
        except (UnicodeDecodeError, LookupError):
            pass
    raise Unsure


_UNICODE_NAMES = {"u16", "utf-16", "utf16", "utf_16", "u32", "utf-32", "utf32", "utf_32",
                  "iso-10646-ucs-2", "iso-10646-ucs-4", "csucs4", "csunicode", "ucs-2", "ucs-4"}


def _base_uri(url: str) -> str:
    """The base URL feedparser settles on at the root element (it re-joins it at every start
    tag; a base that still moves after one step is not ours)."""
    from feedparser.urls import _urljoin, make_safe_absolute_uri

    def step(base: str) -> str:
        return (make_safe_absolute_uri(base, base) or base) if base else _urljoin(base, base)

    base = step(url)
    if step(base) != base:
        raise Unsure
    return base


def epoch_day(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil);
    `day` may run past its month, as in `calendar.timegm`."""
    year -= month <= 2
    era = year // 400
    of_era = year - era * 400
    of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719468


def timegm(value: tuple[Any, ...]) -> int:
    """`calendar.timegm(value)`, in integer arithmetic for int fields, a month 1-12 and a
    year 1-9999 (what it accepts); anything else is left to it."""
    year, month, day, hour, minute, second = value[:6]
    if (type(year) is int and type(month) is int and type(day) is int and type(hour) is int
            and type(minute) is int and type(second) is int and 1 <= month <= 12
            and 1 <= year <= 9999):
        return ((epoch_day(year, month, 1) + day - 1) * 24 + hour) * 3600 + minute * 60 + second
    import calendar

    return calendar.timegm(value)


# -- the lead and the sanitiser ----------------------------------------------------------------

# `lead` relies on the exact patterns `reader.extract.first_paragraph` uses today; should they
# change, `lead` simply calls first_paragraph.
_LEAD_PATTERNS = (
    (extract._NOT_LEAD, r"<(h[1-6]|figcaption|caption|pre|table|figure)\b.*?</\1\s*>"),
    (extract._DROP, r"<(script|style|template|noscript|title)\b.*?</\1\s*>"),
    (extract._COMMENT, r"<!--.*?-->"),
    (extract._TAG, r"<[^>]*>"),
)
_LEAD_OK = all(pattern.pattern == text for pattern, text in _LEAD_PATTERNS) and (
    extract._BLOCK.flags == re.I | re.U)


def _any_case(word: str) -> str:
    """A pattern for `word` in either case of ASCII letters ("h1" -> "[Hh]1")."""
    return "".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in word)


# Every match of extract._DROP or _COMMENT (then: of _NOT_LEAD) begins with one of these. In
# ASCII text they match exactly what re.I would, at a fraction of its cost (re.I defeats the
# regex engine's quick scan for the leading "<").
_DROP_NEEDLES = re.compile("<(?:" + "|".join(map(_any_case, (
    "script", "style", "template", "noscript", "title"))) + "|!--)")
_NEEDLES = re.compile("<(?:" + "|".join(map(_any_case, (
    "script", "style", "template", "noscript", "title", "figcaption", "caption", "pre",
    "table", "figure"))) + "|!--|[Hh][1-6])")


def lead(body_html: str) -> str:
    """`reader.extract.first_paragraph(body_html)`, without flattening the whole body.

    first_paragraph turns every block of the body into text and keeps the first; this stops
    at the first block that has text. Bodies that could hold a script, style or comment (which
    first_paragraph drops across block boundaries) go to first_paragraph itself.
    """
    if not body_html:
        return ""
    if not _LEAD_OK:
        return extract.first_paragraph(body_html)
    if body_html.isascii():
        # Only a match of those patterns that starts before the end of the first block with
        # text (its closing boundary included) could change that block; none can: it is the
        # lead.
        found, end = _first_block_end(body_html)
        if _NEEDLES.search(body_html, 0, end) is None:
            return found
        dropped = _DROP_NEEDLES.search(body_html) is not None
        not_lead = True
    else:  # case-insensitive matching knows more than str.lower(): ask the patterns
        dropped = "<!--" in body_html or extract._DROP.search(body_html) is not None
        not_lead = True
    if dropped:
        return extract.first_paragraph(body_html)
    text = extract._NOT_LEAD.sub("\n", body_html) if not_lead else body_html
    found = _first_block(text)
    if found or text is body_html:
        return found
    return _first_block(body_html)


def _first_block(fragment: str) -> str:
    """The text of the first non-empty piece of `extract._BLOCK.split(fragment)`."""
    return _first_block_end(fragment)[0]


def _first_block_end(fragment: str) -> tuple[str, int]:
    """(`_first_block(fragment)`, where the block boundary after it ends)."""
    start = 0
    for match in extract._BLOCK.finditer(fragment):
        if match.start() > start:
            text = _piece_text(fragment[start:match.start()])
            if text:
                return text, match.end()
        start = match.end()
    return _piece_text(fragment[start:]), len(fragment)


def _piece_text(piece: str) -> str:
    if "<" in piece:
        piece = extract._TAG.sub("", piece)
    return " ".join(clean_text(htmllib.unescape(piece)).split())


# Every C0 control but tab and newline, and DEL: what `sanitize.clean_text` removes (or, for
# CR, rewrites) in ASCII text.
_ASCII_CONTROLS = bytes([*range(0, 9), *range(11, 32), 127])


def clean_text(text: str) -> str:
    """`reader.sanitize.clean_text`, at C speed for ASCII text without controls."""
    if text.isascii():
        raw = text.encode("ascii")
        if len(raw.translate(None, _ASCII_CONTROLS)) == len(raw):
            return text
    return sanitize.clean_text(text)


def clean_line(text: str) -> str:
    """`reader.sanitize.clean_line`, with the quicker `clean_text`."""
    return " ".join(clean_text(text).split())


_CLEANER: Any = None


def sanitize_html(html: str, base_url: str | None = None) -> str:
    """`reader.sanitize.sanitize_html(html, base_url)`: the same nh3 settings, built once into
    a Cleaner instead of at every call, and the link pass skipped when there is no link."""
    global _CLEANER
    if not html:
        return ""
    if _CLEANER is None:
        import nh3

        _CLEANER = nh3.Cleaner(
            tags=sanitize.ALLOWED_TAGS, clean_content_tags=sanitize._DROP_WITH_CONTENT,
            attributes=sanitize.ALLOWED_ATTRIBUTES, url_schemes=sanitize.SAFE_SCHEMES,
            link_rel=None, strip_comments=True)
    cleaned = clean_text(_CLEANER.clean(clean_text(html)))
    if base_url and not _links_are_absolute(cleaned):
        cleaned = sanitize._resolve_links(cleaned, base_url)
    return cleaned


def _links_are_absolute(html: str) -> bool:
    """True when the sanitiser's link pass would change nothing: every `href="` and `src="`
    (its matches are among them) holds an absolute http(s) URL that it leaves as it is."""
    for needle in ('href="', 'src="'):
        found = html.find(needle)
        while found >= 0:
            start = found + len(needle)
            end = html.find('"', start)
            if end < 0:
                break  # no closing quote: no match from here on
            if not PLAIN_URL.match(html, start, end):
                return False
            found = html.find(needle, end)
    return True


# An absolute http(s) URL that `urljoin` gives back unchanged whatever the base: no ";"
# (params), no empty "?" or "#", nothing `urlsplit` strips or rejects.
_URL_CHARS = r"A-Za-z0-9._~!$&'()*+,=:@%/-"
PLAIN_URL = re.compile(rf"https?://[A-Za-z0-9.-]+(?::[0-9]{{1,5}})?(?:/[{_URL_CHARS}]*)?"
                       rf"(?:\?[{_URL_CHARS}?]+)?(?:#[{_URL_CHARS}?]+)?\Z")
