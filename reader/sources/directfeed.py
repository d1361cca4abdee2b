"""The direct road: expat callbacks that build the few fields `feedfile` reads, nothing else.

Even driven straight by expat (`fastfeed`), feedparser's handlers cost ~280 µs a story: they
keep every element of every entry in `FeedParserDict`s, track state for formats we never see
and run its generic `pop` for each run of text. `feedfile._xml_entry` reads a dozen keys of
that tree (title, link, id, content, summary, author, three dates and their `_detail` types).
So for the common, well-formed RSS 2.0 and Atom 1.0 feed, `parse` builds exactly those keys
(plain dicts, same values) and `feedfile` turns them into stories with its usual code.

feedparser stays the parser: this reproduces its rules for a small, explicit ground, in
feedparser's order (strip, resolve, guess HTML, repair mis-decoded UTF-8, store): the first
non-empty title wins, links and ids are resolved against the same base, a permalink guid is
the link unless a link came first, a description after content:encoded is the summary,
dates go through feedparser's `_parse_date`, authors through its e-mail split. It answers
None ("unsure": `fastfeed`, then feedparser, read the document) for anything else:

* an element it has no rule for (its whitelist is per level: feed, entry, Atom author,
  channel image), one in a namespace it does not know, or under an unexpected prefix;
* markup inside a text element, an ignored element with children, a second author;
* attributes it does not interpret (`xml:base`/`base`, `src`, `mode`, `rdf:*` ...), a type
  other than text or HTML (XHTML, base64), `url`/`uri` on a link;
* a feed title after the first entry, `<textinput>`, `<source>`, RSS 1.0 / 0.9 namespaces;
* whatever `fastfeed.prepare` refuses (DOCTYPE, ENTITY, encodings it cannot decode exactly),
  any XML error, a document without entries, and any exception at all.

tests/test_directfeed.py runs parse_feed with and without this road over the fixture feeds,
benchmark corpora, edge cases and hypothesis-made feeds and requires identical results.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin

from reader.sources.fastfeed import PLAIN_URL, Unsure, prepare, strict_expat
from reader.sources.feeddates import date

ATOM = "http://www.w3.org/2005/Atom"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
# Namespaces whose elements may appear (each under the prefix feedparser gives it).
_KNOWN = {"": "", ATOM: "", "http://purl.org/rss/1.0/modules/content/": "content",
          "http://purl.org/dc/elements/1.1/": "dc", "http://search.yahoo.com/mrss/": "media",
          "http://search.yahoo.com/mrss": "media",
          "http://purl.org/rss/1.0/modules/slash/": "slash",
          "http://wellformedweb.org/commentAPI/": "wfw",
          "http://purl.org/rss/1.0/modules/syndication/": "sy",
          "http://rssnamespace.org/feedburner/ext/1.0": "feedburner"}
_STANDARD = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
_STANDARD_NAMES = {prefix for prefix in _STANDARD.values() if prefix}
# Namespaces that would set feedparser's version to an RSS 1.0 / 0.90 one.
_RDF_VERSIONS = {"http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/"}

# What an element is: leaves (text elements, and IGNORED ones) up to IGNORED, containers
# after it. An AUTHOR leaf becomes a PERSON container when an element opens inside it.
TITLE, LINK, ID, PUBLISHED, UPDATED, AUTHOR, DESCRIPTION, SUMMARY, CONTENT, ENCODED = range(10)
NAME, IGNORED, ENTRY, IMAGE, PERSON, CHANNEL, FEED, RSS = range(10, 18)
_SPECIAL = {ENTRY, AUTHOR, IMAGE}  # what `_Road._special` looks at
# Leaves whose feedparser handlers write only keys `feedfile` never reads.
_IGNORED_IN_ENTRY = {"category", "comments", "enclosure", "dc:subject", "slash:comments",
                     "wfw:commentrss", "wfw:comment", "feedburner:origlink",
                     "media:thumbnail", "media:content"}
_IGNORED_IN_FEED = {"description", "subtitle", "language", "lastbuilddate", "pubdate",
                    "published", "updated", "generator", "ttl", "copyright", "rights",
                    "managingeditor", "webmaster", "docs", "category", "cloud", "rating",
                    "icon", "logo", "dc:language", "dc:rights", "dc:date", "dc:creator",
                    "sy:updateperiod", "sy:updatefrequency", "sy:updatebase",
                    "feedburner:info"}
_ENTRY = {"title": TITLE, "link": LINK, "guid": ID, "id": ID, "pubdate": PUBLISHED,
          "published": PUBLISHED, "updated": UPDATED, "dc:date": UPDATED, "author": AUTHOR,
          "dc:creator": AUTHOR, "description": DESCRIPTION, "summary": SUMMARY,
          "content": CONTENT, "content:encoded": ENCODED,
          **dict.fromkeys(_IGNORED_IN_ENTRY, IGNORED)}
_FEED = {"title": TITLE, "link": LINK, "id": ID, "item": ENTRY, "entry": ENTRY,
         "image": IMAGE, "author": AUTHOR, **dict.fromkeys(_IGNORED_IN_FEED, IGNORED)}
_IMAGE = dict.fromkeys(("title", "link", "url", "width", "height", "description"), IGNORED)
_PERSON = {"name": NAME, "email": IGNORED, "uri": IGNORED}
_TABLES = {RSS: {"channel": CHANNEL}, CHANNEL: _FEED, FEED: _FEED, ENTRY: _ENTRY,
           IMAGE: _IMAGE, PERSON: _PERSON}
# The attributes each kind of element may carry (xml:lang anywhere: it sets nothing we read).
_ATTRIBUTES = {TITLE: {"type"}, LINK: {"rel", "type", "href", "title", "hreflang", "length"},
               ID: {"ispermalink"}, DESCRIPTION: {"type"}, SUMMARY: {"type"},
               CONTENT: {"type"}, ENCODED: {"type"}, IGNORED: None}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_AMP_REF = re.compile("&([A-Za-z0-9_]+);")
# A "tag:" URI that urlsplit sees without a netloc (it drops tab, CR and LF first).
_TAG_URI = re.compile(r"tag:(?!//)[^\t\r\n]*\Z")
# feedparser's `_sync_author_detail` pattern, verbatim.
_EMAIL = re.compile(r"""(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|"""
                    r"""(([a-zA-Z0-9\-]+\.)+))([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?""")
_looks_like_html = _FeedParserMixin.looks_like_html


def parse(data: bytes, *, url: str = "", content_type: str = "") -> dict[str, Any] | None:
    """{"feed", "entries", "version"} holding the keys `feedfile` reads, with the values
    feedparser would give them; None when unsure."""
    try:
        text, base = prepare(data, url, content_type)
        road = _Road(base)
        road.run(text)
    except Exception:  # noqa: BLE001 - Unsure, expat's errors, anything odd: others decide
        return None
    if not road.entries:
        return None
    return {"feed": road.feed, "entries": road.entries, "version": road.version,
            "bozo": False}


def _repair(text: str) -> str:
    """feedparser's repair of UTF-8 read as ISO-8859-1, then cp1252 for C1 codes."""
    if text.isascii():
        return text
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        text = text.encode("iso-8859-1").decode("utf-8")
    return text.translate(_cp1252)


def _content_type(attrs: dict[str, str], default: str) -> str:
    kind = attrs.get("type", default)
    if kind in ("text", "plain"):
        kind = "text/plain"
    elif kind == "html":
        kind = "text/html"
    if kind not in ("text/plain", "text/html"):
        raise Unsure  # XHTML, base64 or an odd type: feedparser's rules are longer
    return kind


def _author_name(author: str) -> str:
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


class _Road:
    """One document's walk. `stack` holds (kind, attributes) of the open elements."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.version = ""
        self.atom = False
        self.feed: dict[str, Any] = {}
        self.entries: list[dict[str, Any]] = []
        self.entry: dict[str, Any] = {}
        self.stack: list[tuple[int, dict[str, str]]] = []
        self.text: list[str] = []
        self.names: dict[int, dict[str, int]] = {level: {} for level in _TABLES}
        self.feed_title_done = False
        self.title_done = False
        self.has_content = False
        self.author_seen = False
        self.person: str | None = None  # the <name> of the open <author>, once read
        self.dates: dict[str, Any] = {}

    def run(self, text: str) -> None:
        parser = strict_expat()
        self.parser = parser
        parser.StartElementHandler = self._start_root
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text.append
        parser.StartNamespaceDeclHandler = self.namespace
        parser.Parse(text, True)

    @staticmethod
    def namespace(prefix: str | None, uri: str | None) -> None:
        """Refuse declarations that would make feedparser name elements differently from
        their namespace's usual prefix (or set its version to RSS 1.0)."""
        if not uri:
            return
        if len(uri.split()) != 1 or uri.lower() in _RDF_VERSIONS:
            raise Unsure
        standard = _STANDARD.get(uri.lower())
        if prefix is not None and prefix != standard and (standard or prefix in
                                                          _STANDARD_NAMES):
            raise Unsure

    # -- elements -------------------------------------------------------------------------
    def _kind(self, level: int, name: str) -> int:
        """What element `name` (expat's "namespace localname") is inside a `level`."""
        uri, _, local = name.rpartition(" ")
        prefix = _KNOWN.get(uri)
        if prefix is None:
            raise Unsure
        key = prefix + ":" + local.lower() if prefix else local.lower()
        table = _TABLES[level]
        if key not in table:
            raise Unsure
        self.names[level][name] = table[key]
        return table[key]

    def start(self, name: str, attrs: dict[str, str]) -> None:
        stack = self.stack
        level = stack[-1][0]
        if level <= IGNORED:
            if level != AUTHOR:
                raise Unsure  # markup inside a text element, or a leaf with children
            stack[-1] = (PERSON, stack[-1][1])  # Atom's <author><name>...</name></author>
            level = PERSON
        kind = self.names[level].get(name)
        if kind is None:
            kind = self._kind(level, name)
        if attrs:
            attrs = self._attributes(kind, attrs)
            if kind == LINK and "href" in attrs:
                self._href_link(attrs)
                kind = IGNORED  # text in it belongs to its parent, which drops it
        if kind in _SPECIAL:
            self._special(level, kind, attrs)
        stack.append((kind, attrs))
        self.text.clear()

    def _special(self, level: int, kind: int, attrs: dict[str, str]) -> None:
        if kind == ENTRY:
            if attrs:
                raise Unsure  # rdf:about, CDF's href and lastmod
            self.entry = {}
            self.entries.append(self.entry)
            self.title_done = self.has_content = self.author_seen = False
        elif kind == AUTHOR:
            if level == ENTRY:
                if self.author_seen:
                    raise Unsure  # feedparser mixes two authors' details
                self.author_seen = True
            self.person = None
        elif kind == IMAGE:
            if attrs:
                raise Unsure
            self.feed_title_done = False  # feedparser forgets the title depth here

    def _start_root(self, name: str, attrs: dict[str, str]) -> None:
        self._root(name, attrs)
        self.parser.StartElementHandler = self.start

    def _root(self, name: str, attrs: dict[str, str]) -> None:
        if name == ATOM + " feed":
            self.version, self.atom, kind = "atom10", True, FEED
            allowed: set[str] = set()
        elif name == "rss":
            version = attrs.get("version", "")
            known = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
            self.version = known.get(version) or ("rss20" if version.startswith("2.") else "rss")
            kind, allowed = RSS, {"version"}
        else:
            raise Unsure
        if set(attrs) - allowed - {_XML_NS + " lang"}:
            raise Unsure
        self.stack.append((kind, {}))

    def _attributes(self, kind: int, attrs: dict[str, str]) -> dict[str, str]:
        """feedparser's view of an element's attributes (names lower case, rel and type
        values too); refuses what this road does not interpret."""
        allowed = _ATTRIBUTES.get(kind, set())
        found: dict[str, str] = {}
        for key, value in attrs.items():
            if " " in key:
                if key != _XML_NS + " lang":
                    raise Unsure
                continue
            low = key.lower()
            if low in found or low in ("base", "lang"):
                raise Unsure
            if allowed is not None and low not in allowed:
                raise Unsure
            found[low] = value.lower() if low in ("rel", "type") else value
        return found

    def _href_link(self, attrs: dict[str, str]) -> None:
        rel = attrs.get("rel", "alternate")
        kind = attrs.get("type", "application/atom+xml" if rel == "self" else "text/html")
        if kind in ("text", "plain"):
            kind = "text/plain"
        elif kind == "html":
            kind = "text/html"
        elif kind == "xhtml":
            kind = "application/xhtml+xml"
        if rel == "alternate" and kind in _HTML_TYPES:
            self._context()["link"] = self._resolve(attrs["href"])

    def _context(self) -> dict[str, Any]:
        return self.entry if self.stack[-1][0] == ENTRY else self.feed

    def _resolve(self, uri: str) -> str:
        """feedparser's `resolve_uri`: `_urljoin(base, uri)`, which gives back as they are
        plain absolute http(s) URLs and "tag:" URIs (a scheme urljoin never joins)."""
        if PLAIN_URL.match(uri) or _TAG_URI.match(uri):
            return uri
        return _urljoin(self.base, uri)

    def end(self, name: str) -> None:
        kind, attrs = self.stack.pop()
        if kind >= IGNORED:  # an ignored leaf, or a container
            if kind == PERSON:
                self._end_person()
            return
        text = "".join(self.text).strip()
        if kind == NAME:
            if self.person is not None:
                raise Unsure
            self.person = text  # read raw: feedparser pops a name without its repairs
        elif self.stack[-1][0] != ENTRY:
            self._feed_text(kind, attrs, text)
        elif kind == TITLE:
            if not self.title_done:
                value, ctype = self._text_value(attrs, text, "text/plain")
                entry = self.entry
                entry["title"] = value
                entry["title_detail"] = {"type": ctype}
                self.title_done = bool(value)
        elif kind == LINK:
            if text:
                text = self._resolve(text)
                if not text.isascii():
                    text = _repair(text)
                if "&" in text:
                    text = _AMP_REF.sub(r"&\g<1>", text.replace("&amp;", "&"))
            self.entry["link"] = text
        elif kind == ID:
            permalink = attrs.get("ispermalink", "true") == "true"
            if text and permalink:
                text = self._resolve(text)
            if not text.isascii():
                text = _repair(text)
            entry = self.entry
            entry["id"] = text
            if permalink and "link" not in entry:
                entry["link"] = text
        elif kind in (PUBLISHED, UPDATED):
            found = self.dates.get(text)  # Atom's published and updated are often one time
            if found is None:
                found = self.dates[text] = date(_repair(text))
            self.entry["published_parsed" if kind == PUBLISHED else "updated_parsed"] = found
        elif kind == AUTHOR:
            value = _repair(text)
            self.entry["author"] = value
            name = _author_name(value) if value else ""
            if name:
                self.entry["author_detail"] = {"name": name}
        else:
            self._body_text(kind, attrs, text)

    def _end_person(self) -> None:
        """An <author> with elements: feedparser's author_detail holds its <name>."""
        person, self.person = self.person, None
        if self.stack[-1][0] != ENTRY:
            return  # a feed's author: feedfile never reads it
        if not person:
            raise Unsure  # no name: feedparser's answer depends on the author's own text
        self.entry["author_detail"] = {"name": person}

    def _text_value(self, attrs: dict[str, str], text: str, default: str) -> tuple[str, str]:
        """(value, content type) of a text construct, as feedparser's `pop` leaves them."""
        ctype = _content_type(attrs, default) if attrs else default
        if ctype == "text/plain" and not self.atom and ("<" in text or "&" in text) and (
                _looks_like_html(text)):
            ctype = "text/html"
        return _repair(text), ctype

    def _body_text(self, kind: int, attrs: dict[str, str], text: str) -> None:
        entry = self.entry
        if kind in (DESCRIPTION, SUMMARY) and ("summary" not in entry or self.has_content):
            default = "text/html" if kind == DESCRIPTION else "text/plain"
            value, ctype = self._text_value(attrs, text, default)
            entry["summary"] = value
            entry["summary_detail"] = {"type": ctype}
            return
        # content:encoded, <content>, or a description / summary that feedparser reads as
        # content because a summary came first
        self.has_content = True
        value, ctype = self._text_value(attrs, text,
                                        "text/html" if kind == ENCODED else "text/plain")
        entry.setdefault("content", []).append({"type": ctype, "value": value})
        entry.setdefault("summary", value)

    def _feed_text(self, kind: int, attrs: dict[str, str], text: str) -> None:
        feed = self.feed
        if kind == TITLE:
            if self.entries:
                raise Unsure  # a feed title after entries: feedparser's depth rules decide
            value, ctype = self._text_value(attrs, text, "text/plain")
            if not self.feed_title_done:
                feed["title"] = value
                feed["title_detail"] = {"type": ctype}
                self.feed_title_done = bool(value)
        elif kind == LINK:
            value = _repair(self._resolve(text)) if text else ""
            feed["link"] = _AMP_REF.sub(r"&\g<1>", value)
        elif kind == ID:
            permalink = attrs.get("ispermalink", "true") == "true"
            value = _repair(self._resolve(text) if text and permalink else text)
            if permalink:
                feed.setdefault("link", value)
        # AUTHOR: a feed's author, which feedfile never reads
