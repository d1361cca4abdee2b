"""Feed documents (RSS 0.9x/1.0/2.0, Atom, JSON Feed 1.0/1.1) -> Entries.

Fetched feeds and feed files on disk both come through `parse_feed`, so a story reads the same
wherever it came from. Choices, and why:

* feedparser always gets a `BytesIO`, never a string: given a string or bytes it may open a
  file or a URL of that name, and a feed body is written by strangers.
* feedparser runs with its sanitiser and URL resolver off (they are 59% of its time,
  measured); each body is sanitised once by `reader.sanitize.sanitize_html`, which also
  resolves relative links against the entry's link or the feed's URL.
* Common well-formed feeds skip feedparser's slow machinery (not its rules): `directfeed.parse`
  builds just the keys read here for plain RSS 2.0 and Atom 1.0, with the same result four
  times faster, or None when unsure, and then feedparser reads the document. A document
  that is not XML only because of undeclared HTML entities or bare ampersands (the
  commonest fault) is repaired by `feedrepair` and read by the same road, or by
  feedparser's strict parser, instead of its lenient one (~280 µs a story instead of ~950).
* Whatever comes before the XML declaration is cut off: a blank line (a WordPress theme
  whose PHP file ends with one, a common fault) or a PHP warning.
  XML allows nothing there, so expat stopped at once and feedparser's lenient parser read
  the whole document; cut, it reads as it would have without them.
* Internal DTD subsets are cut out before parsing: they are how entity-expansion bombs
  ("billion laughs") are delivered, and no honest feed needs one.
* A hostile feed is capped (entries, title and body lengths) instead of trusted. Two caps
  act on the bytes, before feedparser sees them, because feedparser's own cost is the
  problem: a document is cut after its `MAX_ENTRIES`-th entry (50,000 small entries take
  feedparser 17 s, the 10,000 kept 3 s), and the text of person elements (`<author>`,
  `<dc:creator>`, `<managingEditor>` ...) is cut to `MAX_PERSON` characters (feedparser's
  author handling is quadratic: 16 KB take 1.8 s, 32 KB 7 s; 500 characters 2 ms).
* Something that is not a feed (an HTML page, a broken document, plain text) raises
  `NotAFeed` whose message says, in words, what was found instead.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Mapping
from typing import Any, TypeGuard

from reader import lowlevel
from reader.extract import html_to_text
from reader.models import Entry, ParseResult
from reader.sanitize import clean_line, is_safe_url
from reader.sources import feedentries
from reader.sources.feeddates import timegm
from reader.sources.feedentries import (
    MAX_BODY,
    MAX_ENTRIES,
    MAX_TITLE,
    NotAFeed,
    Row,
    _capped,
    _link,
    _make_entry,
    _text_paragraphs,
    collect,
)
from reader.sources.jsonfeed import parse_json

__all__ = ["MAX_BODY", "MAX_ENTRIES", "MAX_PERSON", "MAX_TITLE", "NotAFeed", "_link",
           "looks_like_feed", "needs_isolation", "parse_feed"]

MAX_PERSON = 500


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# What may come before the root element: the XML declaration, processing instructions,
# comments and a DOCTYPE (with or without an internal subset), and whitespace.
_PROLOG = re.compile(
    r"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]*\[.*?\])?[^>]*>)*", re.DOTALL | re.I
)
_ROOT = re.compile(r"<([A-Za-z_][\w.:-]*)")
_FEED_ROOTS = {"rss", "feed", "rdf", "channel"}
_HTML_ROOTS = {"html", "head", "body", "meta", "title", "div", "p", "script", "link", "style",
               "table", "span", "a", "br", "center", "font", "iframe", "h1", "h2", "img"}
_FEED_TAG = re.compile(r"<(?:[\w.-]+:)?(?:rss|feed|RDF)[\s>]")
_JSONFEED = re.compile(r'"version"\s*:\s*"https?://jsonfeed\.org/', re.I)
_SUBSET_END = re.compile(rb"\]\s*>")
_UTF8_BOM = b"\xef\xbb\xbf"
_DECLARATION = re.compile(rb"<\?xml\s")
_FEED_START = re.compile(rb"<(?:[\w.-]+:)?(?:rss|feed|RDF|channel)[\s>]")
# What `bytes.upper().find(b"<!DOCTYPE")` finds, without an upper-cased copy of the prolog.
_DOCTYPE = re.compile(rb"<!doctype", re.I)
_ENTRY_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>")
_PERSON = re.compile(
    rb"(<(?:[\w.-]+:)?(?:author|creator|managingEditor|webMaster|publisher)\b[^<>]{0,300}>)"
    rb"([^<]{%d})[^<]*" % MAX_PERSON, re.I)
_SNIFF = 65536  # how far into a document its prolog and root element are looked for


def _head_text(data: bytes, size: int = _SNIFF) -> str:
    """The first `size` bytes as text, good enough to look at the first tags."""
    head = data[:size]
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return head[len(bom):].decode(codec, errors="ignore")
    return head.decode("utf-8", errors="ignore")


def _root_name(head: str) -> str | None:
    """Local name of the document's first element (lower case), or None if there is none."""
    match = _ROOT.match(head, _PROLOG.match(head).end())  # type: ignore[union-attr]
    if match is None:
        return None
    return match.group(1).rsplit(":", 1)[-1].lower()


def _is_json_feed_head(head: str) -> bool:
    return head.lstrip().startswith("{") and bool(_JSONFEED.search(head))


def looks_like_feed(data: bytes) -> bool:
    """Cheap sniff: a document whose root is <rss>, <feed> or <rdf:RDF>, or a JSON Feed."""
    head = _head_text(data)
    if _is_json_feed_head(head):
        return True
    return _root_name(head) in {"rss", "feed", "rdf"}



_BIG = 2 * 2**20
# A name far longer than any person's: only a hostile feed has one (see MAX_PERSON).
_LONG_PERSON = re.compile(
    rb"<(?:[\w.-]+:)?(?:author|creator|contributor|name|managingEditor|webMaster|publisher)"
    rb"\b[^>]{0,200}>[^<]{4000}", re.I)


def needs_isolation(data: bytes) -> bool:
    """True for documents that could keep a parser busy for long or eat its memory: big ones,
    ones that declare entities, ones with absurdly long names. Those are parsed in a worker
    process with a time and a memory limit (`reader.refresh.parsing`), never in a thread
    that nothing could stop."""
    return (len(data) > _BIG or b"<!ENTITY" in data[:_SNIFF]
            or _LONG_PERSON.search(data) is not None)


def parse_feed(data: bytes, *, url: str = "", content_type: str = "",
               row: Row | None = None) -> ParseResult:
    """Parse a feed document into a ParseResult; raise NotAFeed when it is not one.

    With `row` (`reader.store.rows.story_row`), the result carries `rows` instead of
    `entries`, each item let go once its row is made (`feedentries.collect`)."""
    head = _head_text(data)
    stripped = head.lstrip()
    if not stripped:
        raise NotAFeed("not a feed: the document is empty")
    if stripped[0] in "{[" or "json" in content_type.lower() and stripped[0] != "<":
        return parse_json(data, url, row)
    root = _root_name(stripped) if stripped[0] == "<" else None
    if root in _FEED_ROOTS:
        return _parse_xml(data, url, content_type, root, row)
    if root != "html" and _FEED_TAG.search(head):
        # A feed after some junk (a PHP warning, a stray <br />): feedparser copes.
        return _parse_xml(data, url, content_type, root, row)
    if root in _HTML_ROOTS or re.match(r"<!DOCTYPE\s+html", stripped, re.I):
        raise NotAFeed("not a feed: got an HTML page")
    if root is None:
        if stripped[0] == "<":
            raise NotAFeed("not a feed: no XML element found at the start of the document")
        if "\x00" in head:
            raise NotAFeed("not a feed: got binary data")
        if "html" in content_type.lower():
            raise NotAFeed("not a feed: got an HTML page")
        raise NotAFeed("not a feed: got plain text, not XML or JSON")
    return _parse_xml(data, url, content_type, root, row)



def _parse_xml(data: bytes, url: str, content_type: str, root: str | None,
               row: Row | None = None) -> ParseResult:
    # Imported here, not at the top, for start-up speed: both load feedparser (~60 ms), and
    # the app imports this module at launch to recognise feed files.
    import feedparser

    from reader.sources import directfeed, feedrepair

    lowlevel.quicker_feedparser()

    data, total = document_bytes(data, root)
    headers = {"content-type": content_type} if content_type else {}
    if url:
        headers["content-location"] = url

    def with_feedparser(document: bytes) -> Any:
        return feedparser.parse(io.BytesIO(document), response_headers=headers,
                                sanitize_html=False, resolve_relative_uris=False)

    try:
        why: list[Exception] = []
        parsed = directfeed.parse(data, url=url, content_type=content_type, why=why)
        if parsed is None and why and feedrepair.may_help(why[0]):
            parsed = feedrepair.read_repaired(data, url, content_type, with_feedparser)
        if parsed is None:
            parsed = with_feedparser(data)
    except (ValueError, LookupError, TypeError, AttributeError, AssertionError) as exc:
        # feedparser's lenient parser has crashed on odd bytes before (UnicodeEncodeError on
        # "&#xD800;", ValueError on "&#x110000;" - both defused above); whatever is left
        # fails this one document in words.
        raise NotAFeed(f"not a feed: the parser could not read it ({type(exc).__name__})"
                       ) from None
    entries = parsed.get("entries") or []
    feed = parsed.get("feed") or {}
    error = parsed.get("bozo_exception")
    if not entries:
        if error is not None and hasattr(error, "getLineNumber"):
            raise NotAFeed(f"not a feed: {_xml_error(error)}")
        if not parsed.get("version"):
            if root is not None and root not in _FEED_ROOTS:
                raise NotAFeed(
                    f"not a feed: got an XML document whose root element is <{root}>, "
                    "not <rss>, <feed> or <rdf:RDF>"
                )
            raise NotAFeed("not a feed: found no RSS, Atom or JSON Feed content")
    title = _capped(_detail_text(feed, "title"), MAX_TITLE)
    link = clean_line(str(feed.get("link") or ""))
    base = url or link
    result = ParseResult(title=title, link=link if is_safe_url(link) else "")
    return collect(result, entries, lambda raw: _xml_entry(raw, base), total, row)


def document_bytes(data: bytes, root: str | None = None) -> tuple[bytes, int]:
    """(the bytes every road reads, how many entries the document had): from its XML
    declaration on, without a DTD subset, cut after `MAX_ENTRIES` entries, person elements
    cut short, character references no parser chokes on (see the module's docstring)."""
    data = _from_declaration(data)
    data = _without_dtd_subset(data)
    data, total = _cut_entries(data, root)
    data = _PERSON.sub(_cut_person, data)
    if b"&#" in data and _SUSPECT_REF.search(data):
        data = _CHAR_REF.sub(_safe_char_ref, data)
    return data, total


def _from_declaration(data: bytes) -> bytes:
    """The document from its XML declaration on, when something precedes it (a UTF-8 byte
    order mark stays in front). Only what comes before the feed's root element is cut: an
    `<?xml` met later (in a CDATA section of a document without a declaration) is text."""
    bom = _UTF8_BOM if data.startswith(_UTF8_BOM) else b""
    if data.startswith(b"<?xml", len(bom)):
        return data
    found = _DECLARATION.search(data, len(bom), _SNIFF)
    if found is None or _FEED_START.search(data, len(bom), found.start()) is not None:
        return data
    return bom + data[found.start():]


def _without_dtd_subset(data: bytes) -> bytes:
    """The document with the internal subset of its DOCTYPE (entity definitions) cut out.

    Only the prolog is searched, for a literal (a case-blind `<!DOCTYPE`, then `find` for
    its brackets), so no input makes this slow.
    """
    found = _DOCTYPE.search(data, 0, _SNIFF)
    if found is None:
        return data
    start = found.start()
    bracket, close = data.find(b"[", start, start + _SNIFF), data.find(b">", start)
    if bracket < 0 or 0 <= close < bracket:
        return data  # an external DTD only, like RSS 0.91's: harmless
    end = _SUBSET_END.search(data, bracket)
    return data[:start] + (data[end.end():] if end else b"")


def _cut_entries(data: bytes, root: str | None) -> tuple[bytes, int]:
    """(the document cut after its MAX_ENTRIES-th entry, how many entries it had).

    The cut document is closed again (`</channel></rss>`, `</feed>`, `</rdf:RDF>`) so it
    stays well-formed; should the guess be wrong, feedparser's lenient parser still reads it.
    """
    total, cut = 0, -1
    limit = feedentries.MAX_ENTRIES
    for total, match in enumerate(_ENTRY_END.finditer(data), start=1):  # noqa: B007
        if total == limit:
            cut = match.end()
    if cut < 0 or total <= limit:
        return data, total
    head = _head_text(data)
    found = _ROOT.match(head, _PROLOG.match(head).end())  # type: ignore[union-attr]
    name = found.group(1).encode() if found else b"rss"
    closers = b"</" + name + b">"
    if (root or "rss") == "rss":
        closers = b"</channel>" + closers
    return data[:cut] + closers, total


_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
# The start of every reference `_safe_char_ref` changes (and of a few it keeps): zero, nine
# digits or more, a hex value whose first digit is D or of six digits or more, a decimal
# one of 55xxx to 57xxx or of seven digits or more. A document without one (nearly all:
# "&#8217;", "&#x6771;", "&#x1F600;") is left as it is without a call per reference.
_SUSPECT_REF = re.compile(
    rb"&#(?:[xX]?0+;|[xX]?[0-9a-fA-F]{9}|[xX]0*(?:[dD]|[0-9a-fA-F]{6})"
    rb"|0*(?:5[5-7][0-9]{3};|[0-9]{7}))")


def _safe_char_ref(match: re.Match[bytes]) -> bytes:
    """A numeric character reference feedparser can decode: NUL, surrogates and numbers past
    U+10FFFF (which make it raise) become U+FFFD."""
    from reader.sources.feedvalues import decodable_ref  # with the direct road's rules

    hexa, decimal = match.group(1), match.group(2)
    return match.group(0) if decodable_ref(hexa or decimal, bool(hexa)) else b"&#xFFFD;"


def _cut_person(match: re.Match[bytes]) -> bytes:
    """The start tag and the first MAX_PERSON bytes of a long name, never half an entity."""
    text = match.group(2)
    amp = text.rfind(b"&")
    if amp >= 0 and b";" not in text[amp:]:
        text = text[:amp]
    return match.group(1) + text


def _xml_error(error: Any) -> str:
    try:
        line, column = error.getLineNumber(), error.getColumnNumber()
        message = error.getMessage()
    except Exception:  # noqa: BLE001 - any odd exception still makes a message
        return f"XML error: {clean_line(str(error))}"
    return f"XML error at line {line}, column {int(column) + 1}: {clean_line(str(message))}"


def _detail_text(item: Mapping[str, Any], name: str) -> str:
    """A title-like field as plain text (feedparser leaves HTML titles as markup)."""
    value = item.get(name)
    if not isinstance(value, str):
        return ""
    detail = item.get(name + "_detail") or {}
    kind = str(detail.get("type", "")) if _is_mapping(detail) else ""
    if "html" in kind:
        return html_to_text(value)
    return clean_line(value)


def _is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """isinstance(value, Mapping), sooner for the dicts every parser gives."""
    return isinstance(value, (dict, Mapping))


def _xml_entry(raw: dict[str, Any], base: str) -> Entry | None:
    title = _capped(_detail_text(raw, "title"), MAX_TITLE)
    link = _link(raw.get("link"), base)
    body = ""
    # The direct road marks a body it found clean (`reader.sanitize.is_clean`), which
    # `_as_html` keeps clean: `sanitize_html` need not search it again.
    clean = False
    contents = raw.get("content")
    if isinstance(contents, list):
        # Prefer an HTML flavour when a feed offers several, else the first one.
        ranked = [c for c in contents if _is_mapping(c) and c.get("value")]
        if len(ranked) > 1:
            ranked.sort(key=lambda c: "html" not in str(c.get("type", "")))
        if ranked:
            body = _as_html(str(ranked[0]["value"]), str(ranked[0].get("type", "")))
            clean = ranked[0].get("clean") is True
    if not body.strip():
        detail = raw.get("summary_detail") or {}
        kind = str(detail.get("type", "text/html")) if _is_mapping(detail) else ""
        body = _as_html(str(raw.get("summary") or ""), kind)
        clean = kind != "" and detail.get("clean") is True
    author = ""
    detail = raw.get("author_detail")
    if _is_mapping(detail) and detail.get("name"):
        author = clean_line(str(detail["name"]))
    elif raw.get("author"):
        author = html_to_text(str(raw["author"]))
    # dict.get, not FeedParserDict.get: the latter quietly answers "updated" with "published".
    published = _struct_time(dict.get(raw, "published_parsed")) or _struct_time(
        dict.get(raw, "created_parsed")
    )
    updated = _struct_time(dict.get(raw, "updated_parsed"))
    guid = raw.get("id")
    return _make_entry(
        guid=str(guid) if guid else "",
        raw_link=str(raw.get("link") or ""),
        link=link,
        title=title,
        body=body,
        author=author,
        published=published or updated,
        updated=updated,
        base=link or base,
        clean=clean,
    )


_ANY_TAG = re.compile(r"<[a-zA-Z!/]")


def _as_html(value: str, kind: str) -> str:
    """A body in the feed's declared type as HTML; plain text becomes escaped paragraphs.

    Many RSS descriptions are "HTML" without a single tag: their blank lines separate
    paragraphs, so they are split there (the text itself is already HTML, entities and all).
    """
    value = value[:MAX_BODY]
    if "html" not in kind and kind:
        return _text_paragraphs(value)
    if _ANY_TAG.search(value):
        return value
    blocks = (" ".join(block.split()) for block in re.split(r"\n\s*\n", value))
    return "\n".join(f"<p>{block}</p>" for block in blocks if block)


_TIME_TUPLES = (time.struct_time, tuple)


def _struct_time(value: Any) -> float | None:
    if not isinstance(value, _TIME_TUPLES):
        return None
    try:
        return float(timegm(value))
    except (TypeError, ValueError, OverflowError):
        return None


