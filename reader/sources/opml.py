"""Reading OPML subscription lists: what other readers export, as the feeds and folders in it.

OPML is how people move between feed readers: nested `<outline>`s are folders ("News/World"
here), `xmlUrl` is the feed, `text`/`title` its name. This module only reads; subscribing to
what it found, and writing OPML, is `reader.service.subscriptions`.

Real exports are often not well-formed XML: a bare `&` in a title or URL, a raw `<` in a
description, latin-1 bytes under a UTF-8 declaration, HTML entities such as `&nbsp;`, a file
cut short by a download. A strict parser refuses the whole list for one such character, so a
file is read strictly first and, when that fails, again the way a browser reads HTML (bare
`&`s kept as text, every outline it can make out taken, the rest named in the report). The
encoding is ours to find, as for story files: a BOM, strict UTF-8, the declaration, then the
shape of the bytes (`reader.decode`), so a wrong declaration costs nothing.

An OPML file is also untrusted input that names URLs we will fetch, so:

* Only http(s) feed URLs are accepted. newsboat once ran `exec:` and `filter:` "URLs" and
  piped commands from imported OPML; here `exec:`, `filter:`, `file:`, `query:`, `|cmd` and
  anything else are rejected, each with a reason that the import report shows.
* The XML parser refuses entity declarations and external entities (billion laughs, XXE), and
  never opens a file or a connection. A DOCTYPE without entities is harmless and tolerated.
  The lenient reader knows no entities but HTML's own, and refuses a file that declares any.
"""

from __future__ import annotations

import html
import re
import xml.parsers.expat
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from reader.decode import decode_bytes
from reader.sanitize import clean_line
from reader.words import plural

MAX_OPML = 20 * 2**20
MAX_DEPTH = 50
_ENTITIES_REFUSED = "not an OPML file: it declares XML entities, which are refused"
# A feed is named by xmlUrl (any case); some exporters write `url` instead, which is also
# OPML's attribute for links and includes, so it counts only on outlines of these types.
_FEED_TYPES = {"", "rss", "atom", "rdf", "feed", "xml", "json", "jsonfeed"}
# Outline types that carry a URL but are not a feed we could read.
_NOT_FEEDS = {"link": "a link to a web page", "include": "a link to another OPML file",
              "html+xpath": "a web page scraped by FreshRSS",
              "xml+xpath": "a document scraped by FreshRSS",
              "json+dotnotation": "a JSON document scraped by FreshRSS",
              "htmljson+xpathjson+dotnotation": "a web page scraped by FreshRSS"}
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})""")
# A "&" that does not start a reference: bare in the text, as HTML allows.
_BARE_AMP = re.compile(r"&(?!#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)")
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
_KNOWN_ROOTS = {"html": "a web page", "rss": "a feed (RSS)", "feed": "a feed (Atom)",
                "rdf": "a feed (RSS 1.0)", "rdf:rdf": "a feed (RSS 1.0)"}


class OpmlError(ValueError):
    """The file is not a readable OPML document; the message says why."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str = ""
    folder: str = ""


class OpmlFeeds(list[OpmlFeed]):
    """The accepted feeds, in document order; `rejected` holds a reason per refused outline,
    `notes` how the file had to be read (leniently, cut short), when that matters."""

    def __init__(self) -> None:
        super().__init__()
        self.rejected: list[str] = []
        self.notes: list[str] = []

    @property
    def folders(self) -> set[str]:
        """Every folder the feeds are in, parents included ("A/B" counts "A" too)."""
        return with_parents(feed.folder for feed in self)


def with_parents(folders: Iterable[str]) -> set[str]:
    """Every folder named, with its parents ("A/B" counts "A" too)."""
    found: set[str] = set()
    for folder in folders:
        parts = folder.split("/") if folder else []
        found.update("/".join(parts[:n]) for n in range(1, len(parts) + 1))
    return found


def parse_opml(data: bytes) -> OpmlFeeds:
    """The feeds of an OPML document, read leniently when it is not well-formed XML.
    Raises OpmlError when it is not OPML at all."""
    if len(data) > MAX_OPML:
        raise OpmlError(f"not an OPML file: larger than {MAX_OPML // 2**20} MB")
    declared = _DECLARED.match(data)
    text = decode_bytes(data, declared.group(1).decode("ascii") if declared else None)
    if not text.strip():
        raise OpmlError("not an OPML file: it is empty")
    if "\x00" in text:
        raise OpmlError("not an OPML file: it is a binary file, not text")
    outlines = _Outlines()
    try:
        _read_strictly(text, outlines)
    except _Malformed as exc:
        if re.search(r"<!ENTITY", text, re.IGNORECASE):
            raise OpmlError(_ENTITIES_REFUSED) from None
        outlines = _Outlines(lenient=True)
        _read_leniently(text, outlines)
        if not outlines.root and text.lstrip()[:1] in ("{", "["):
            raise OpmlError("not an OPML file: it is JSON, not a subscription list") from None
        if not outlines.root:
            raise OpmlError("not an OPML file: there is no <opml> element in it") from None
        outlines.feeds.notes.insert(0, f"it is not well-formed XML ({exc}), so it was read "
                                       "leniently: check the feeds and folders it gave")
    return outlines.feeds


class _Malformed(Exception):
    """The strict parser stopped; the message says where and why."""


def _read_strictly(text: str, outlines: _Outlines) -> None:
    def refuse(*_: object) -> None:
        raise OpmlError(_ENTITIES_REFUSED)

    parser = xml.parsers.expat.ParserCreate()  # a str in: the declared encoding is moot
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    parser.StartElementHandler = lambda name, attrs: outlines.start(
        name, attrs, parser.CurrentLineNumber)
    parser.EndElementHandler = outlines.end
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as exc:
        raise _Malformed(f"{xml.parsers.expat.ErrorString(exc.code)} at line {exc.lineno}"
                         ) from None


def _read_leniently(text: str, outlines: _Outlines) -> None:
    reader = _LenientReader(outlines)
    reader.feed(_BARE_AMP.sub("&amp;", text))  # HTML would read "&copy=2" in a URL as "©=2"
    reader.close()
    if outlines.root and not outlines.closed:
        outlines.feeds.notes.append(
            f"it ends before </opml> (cut short?): {plural(len(outlines.feeds), 'feed')} "
            f"read, up to line {outlines.last_line}")


class _LenientReader(HTMLParser):
    """Outlines as an HTML tokenizer sees them: it never stops at a bad character, and what
    it cannot make into a tag comes out as text, which is reported when it held an outline."""

    def __init__(self, outlines: _Outlines) -> None:
        super().__init__(convert_charrefs=True)
        self.outlines = outlines
        self.text: list[str] = []
        self.text_line = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        values: dict[str, str] = {}
        for name, value in attrs:
            values.setdefault(name, value or "")
        self.outlines.start(tag, values, self.getpos()[0])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.outlines.end(tag)

    def handle_endtag(self, tag: str) -> None:
        self._flush()
        self.outlines.end(tag)

    def handle_data(self, data: str) -> None:
        if not self.text:
            self.text_line = self.getpos()[0]
        self.text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        text, self.text = "".join(self.text), []
        if "<" in text and re.search(r"outline|xmlurl", text, re.IGNORECASE):
            self.outlines.feeds.rejected.append(
                f"line {self.text_line}: could not read {clean_line(text)[:80]!r}")


class _Outlines:
    """The outline tree, element by element, from either reader: folders, feeds and refusals.

    Read `lenient`ly, a feed's outline is a leaf, as HTML's <br> is: some broken exports never
    close it, and counting it as open would put every later feed inside it, and past the
    depth limit. An end tag right after it (`<outline …></outline>`) closes it; any other
    end tag closes the folder around it."""

    def __init__(self, *, lenient: bool = False) -> None:
        self.feeds = OpmlFeeds()
        self.seen: set[str] = set()
        self.folders: list[str | None] = []  # one per open <outline>: its folder, or None
        self.root = ""
        self.closed = False
        self.last_line = 0
        self.lenient = lenient
        self.leaf_open = False  # lenient: the last tag opened a feed's outline

    def start(self, name: str, attrs: dict[str, str], line: int) -> None:
        name = name.lower()
        if not self.root:
            self.root = name
            if name != "opml":
                what = _KNOWN_ROOTS.get(name)
                raise OpmlError(f"not an OPML file: it is {what}, not a subscription list"
                                if what else
                                f"not an OPML file: the document is <{name}>, not <opml>")
        if name != "outline" or self.closed:
            return
        self.last_line = line
        self.leaf_open = False
        if len(self.folders) >= MAX_DEPTH:
            raise OpmlError(f"not an OPML file: outlines nested deeper than {MAX_DEPTH}")
        lower = {k.lower(): v for k, v in attrs.items()}
        title = _title(lower.get("title") or lower.get("text") or "")
        kind = lower.get("type", "").strip().lower()
        url = lower.get("xmlurl")
        if url is None and kind in _FEED_TYPES:
            url = lower.get("url")
        if url is None and kind in _NOT_FEEDS and lower.get("url"):
            self._open_leaf()
            self.feeds.rejected.append(f"{title or clean_line(lower['url'])[:100]}: "
                                       f"{_NOT_FEEDS[kind]}, not a feed")
            return
        if url is None:
            self.folders.append(title.replace("/", "-") or None)
            return
        path = "/".join(f for f in self.folders if f)
        self._open_leaf()  # outlines nested inside a feed stay in the feed's folder
        reason = url_problem(url)
        if not reason and kind in _NOT_FEEDS:
            reason = f"{_NOT_FEEDS[kind]}, not a feed"
        if reason:
            self.feeds.rejected.append(f"{title or clean_line(url)[:100]}: {reason}")
        elif url.strip() in self.seen:
            self.feeds.rejected.append(f"{url.strip()}: listed twice in the file")
        else:
            self.seen.add(url.strip())
            self.feeds.append(OpmlFeed(url.strip(), title, path))

    def _open_leaf(self) -> None:
        if self.lenient:
            self.leaf_open = True
        else:
            self.folders.append(None)

    def end(self, name: str) -> None:
        name = name.lower()
        if name == "outline" and self.leaf_open:
            self.leaf_open = False
        elif name == "outline" and self.folders:
            self.folders.pop()
        elif name == "opml" and self.root == "opml":
            self.closed = True


def _title(text: str) -> str:
    """A name as a person reads it. Exporters escape titles that were already escaped
    ("AT&amp;amp;T", "&amp;eacute;"): one more round of references is decoded, and only
    complete ones, so "Q&A" and "&copy=2" stay as they are."""
    return clean_line(_REFERENCE.sub(lambda m: html.unescape(m.group(0)), text))[:500]


def url_problem(url: str) -> str:
    """Why `url` cannot be a subscription, or "" when it is a plain http(s) URL."""
    url = url.strip()
    if not url:
        return "no feed URL"
    if url.startswith("|") or any(ord(c) <= 32 or c == "\x7f" for c in url):
        return f"{clean_line(url)[:100]!r} is not an http(s) URL (commands are never run)"
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"{clean_line(url)[:100]!r} is not a valid URL"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return f"{clean_line(url)[:100]!r} is not an http(s) URL (only web feeds are imported)"
    return ""
