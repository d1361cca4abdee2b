"""The direct road: expat callbacks that build the few fields `feedfile` reads, nothing else.

feedparser keeps every element of every entry in `FeedParserDict`s behind a SAX layer, tracks
state for formats we never see and runs its generic `pop` for each run of text: ~430 µs a
story, where `feedfile._xml_entry` reads a dozen keys of that tree (title, link, id,
content, summary, author, three dates and their `_detail` types). So for the common,
well-formed RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 feed, `parse` builds exactly those keys
(plain dicts, same values) and `feedfile` turns them into stories with its usual code
(~100 µs a story). Atom's XHTML content is written back as feedparser writes it (elements
as `<name attr="value">`, text escaped, the wrapping <div> dropped): feedparser takes
~1,400 µs a story for it, this road ~300.

feedparser stays the parser: this reproduces its rules for a small, explicit ground, in
feedparser's order (strip, resolve, guess HTML, repair mis-decoded UTF-8, store): the first
non-empty title wins, links and ids are resolved against the same base, a permalink guid is
the link unless a link came first, a description after content:encoded is the summary,
dates in unusual shapes go through feedparser's date chain, authors through its e-mail
split; an RSS 1.0 item's rdf:about is its id. It answers None ("unsure": feedparser reads
the document) for anything else:

* an element it has no rule for (its whitelist is per level: feed, entry, Atom author,
  channel image, RSS 1.0's root and item list), one in a namespace it does not know, or
  under an unexpected prefix;
* markup inside a text element (but Atom's XHTML content and summary), an ignored element
  with children, a second author or channel, an RSS 1.0 image before the channel;
* attributes it does not interpret (`xml:base`/`base`, `src`, `mode`, `rdf:*` other than
  RSS 1.0's about and resource ...), a type other than text, HTML or Atom's XHTML (base64),
  `url`/`uri` on a link; inside XHTML, namespaced attributes and elements of other
  namespaces, `<body>`, SVG and MathML (feedparser acts on them);
* a feed title after the first entry, `<textinput>`, `<source>`, RSS 0.9's namespace, RSS
  1.0's anywhere but on an rdf:RDF root (it sets feedparser's version);
* whatever `feedxml.prepare` refuses (DOCTYPE, ENTITY, encodings it cannot decode exactly),
  any XML error (so documents that are not well-formed: feedparser's lenient parser reads
  them), a document without entries, and any exception at all.

tests/test_directfeed.py runs parse_feed with and without this road over the fixture feeds,
both benchmark corpora, edge cases, hypothesis-made feeds and (when FEEDPARSER_TESTS names
them) feedparser's own test documents, and requires identical results. What
it uses of feedparser's internals comes from `reader.lowlevel`.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any
from urllib.parse import urljoin

from reader import lowlevel
from reader.sanitize import PLAIN_URL
from reader.sources.feeddates import date
from reader.sources.feedxml import Unsure, prepare, strict_expat

ATOM = "http://www.w3.org/2005/Atom"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RSS10 = "http://purl.org/rss/1.0/"
_XHTML_NS = "http://www.w3.org/1999/xhtml"
# Namespaces whose elements may appear (each under the prefix feedparser gives it).
_KNOWN = {"": "", ATOM: "", _RSS10: "", _RDF_NS: "rdf",
          "http://purl.org/rss/1.0/modules/content/": "content",
          "http://purl.org/dc/elements/1.1/": "dc", "http://search.yahoo.com/mrss/": "media",
          "http://search.yahoo.com/mrss": "media",
          "http://purl.org/rss/1.0/modules/slash/": "slash",
          "http://wellformedweb.org/commentAPI/": "wfw",
          "http://purl.org/rss/1.0/modules/syndication/": "sy",
          "http://rssnamespace.org/feedburner/ext/1.0": "feedburner"}
_STANDARD = {uri.lower(): prefix for uri, prefix in lowlevel.feedparser_namespaces.items()}
_STANDARD_NAMES = {prefix for prefix in _STANDARD.values() if prefix}
# Namespaces that would set feedparser's version to an RSS 1.0 / 0.90 one.
_RDF_VERSIONS = {_RSS10, "http://my.netscape.com/rdf/simple/0.9/"}
# Whose declaration feedparser turns into an attribute of the element (xlink), or that would
# give RSS 0.90's version: not ours.
_REFUSED_NAMESPACES = {"http://www.w3.org/1999/xlink", "http://my.netscape.com/rdf/simple/0.9/"}
# The RDF attributes of RSS 1.0 (feedparser reads an item's rdf:about as its id).
_RDF_ATTRIBUTES = {_RDF_NS + " about": "rdf:about", _RDF_NS + " resource": "rdf:resource"}

# What an element is: leaves (text elements, and IGNORED ones) up to IGNORED, containers
# after it. An AUTHOR leaf becomes a PERSON container when an element opens inside it.
TITLE, LINK, ID, PUBLISHED, UPDATED, AUTHOR, DESCRIPTION, SUMMARY, CONTENT, ENCODED = range(10)
NAME, IGNORED, ENTRY, IMAGE, PERSON, CHANNEL, FEED, RSS, RDF, ITEMS, SEQ = range(10, 21)
_SPECIAL = {ENTRY, AUTHOR, IMAGE, CHANNEL}  # what `_Road._special` looks at
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
         "image": IMAGE, "author": AUTHOR, "items": ITEMS,
         **dict.fromkeys(_IGNORED_IN_FEED, IGNORED)}
_IMAGE = dict.fromkeys(("title", "link", "url", "width", "height", "description"), IGNORED)
_PERSON = {"name": NAME, "email": IGNORED, "uri": IGNORED}
# RSS 1.0: items and the image beside the channel; the channel's <items> lists the items'
# addresses (feedparser keeps them under keys feedfile never reads).
_TABLES = {RSS: {"channel": CHANNEL}, CHANNEL: _FEED, FEED: _FEED, ENTRY: _ENTRY,
           IMAGE: _IMAGE, PERSON: _PERSON,
           RDF: {"channel": CHANNEL, "item": ENTRY, "image": IMAGE},
           ITEMS: {"rdf:seq": SEQ}, SEQ: {"rdf:li": IGNORED}}
# The attributes each kind of element may carry (xml:lang anywhere: it sets nothing we read).
_ATTRIBUTES = {TITLE: {"type"}, LINK: {"rel", "type", "href", "title", "hreflang", "length"},
               ID: {"ispermalink"}, DESCRIPTION: {"type"}, SUMMARY: {"type"},
               CONTENT: {"type"}, ENCODED: {"type"}, IGNORED: None}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
XHTML = "application/xhtml+xml"
_AMP_REF = re.compile("&([A-Za-z0-9_]+);")
# A "tag:" URI that urlsplit sees without a netloc (it drops tab, CR and LF first).
_TAG_URI = re.compile(r"tag:(?!//)[^\t\r\n]*\Z")
# feedparser's `_sync_author_detail` pattern, verbatim.
_EMAIL = re.compile(r"""(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|"""
                    r"""(([a-zA-Z0-9\-]+\.)+))([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?""")
_looks_like_html = lowlevel.looks_like_html
# windows-1252's characters for the C1 codes it defines: what feedparser puts in their place.
_CP1252 = {code: bytes([code]).decode("cp1252") for code in range(0x80, 0xA0)
           if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
_C1 = re.compile("[\x80-\x9f]")
# feedparser's link fix-up before joining: "http:///x" is read as "http://x".
_URI_FIXER = re.compile("^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")


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
    """feedparser's repair of UTF-8 read as ISO-8859-1, then cp1252 for C1 codes.

    The search for a C1 code makes it ten times cheaper: `str.translate` with a dict visits
    every character of the text, and C1 codes are rare in honest feeds."""
    if text.isascii():
        return text
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        text = text.encode("iso-8859-1").decode("utf-8")
    if _C1.search(text) is None:
        return text
    return text.translate(_CP1252)


def _urljoin(base: str, uri: str) -> str:
    """How feedparser joins a link to its base: extra slashes after "scheme://" dropped, and
    "" for what urljoin rejects."""
    try:
        return urljoin(base, _URI_FIXER.sub(r"\1\3", uri))
    except ValueError:
        return ""


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
        self.first_version = ""  # the version the first namespace declaration would set
        self.started = False
        self.channel_seen = False
        self.xhtml: list[str] = []  # an XHTML content's pieces, as feedparser writes them
        self.xhtml_depth = 0

    def run(self, text: str) -> None:
        parser = strict_expat()
        self.parser = parser
        parser.StartElementHandler = self._start_root
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text.append
        parser.StartNamespaceDeclHandler = self.namespace
        parser.Parse(text, True)

    def namespace(self, prefix: str | None, uri: str | None) -> None:
        """Refuse declarations that would make feedparser name elements differently from
        their namespace's usual prefix, or set its version otherwise than the root does
        (RSS 1.0's namespace is declared on an rdf:RDF root or not at all)."""
        if not uri:
            return
        low = uri.lower()
        if len(uri.split()) != 1 or low in _REFUSED_NAMESPACES:
            raise Unsure
        if low == _RSS10:
            if self.started:
                raise Unsure
            self.first_version = self.first_version or "rss10"
        elif low == ATOM.lower():
            self.first_version = self.first_version or "atom10"
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
        if kind in (CONTENT, SUMMARY) and attrs.get("type") in ("xhtml", XHTML):
            self._start_xhtml()

    def _special(self, level: int, kind: int, attrs: dict[str, str]) -> None:
        if kind == ENTRY:
            self.entry = {}
            self.entries.append(self.entry)
            self.title_done = self.has_content = self.author_seen = False
            if attrs:  # only RSS 1.0's rdf:about: feedparser's id, as it is
                about = attrs.get("rdf:about")
                if about:
                    self.entry["id"] = about
        elif kind == CHANNEL:
            if self.channel_seen:
                raise Unsure  # a second channel: feedparser's feed-level state carries over
            self.channel_seen = True
        elif kind == AUTHOR:
            if level == ENTRY:
                if self.author_seen:
                    raise Unsure  # feedparser mixes two authors' details
                self.author_seen = True
            self.person = None
        elif kind == IMAGE:
            if level == RDF and not self.channel_seen:
                raise Unsure  # its title would hide the channel's from feedparser
            self.feed_title_done = False  # feedparser forgets the title depth here

    def _start_root(self, name: str, attrs: dict[str, str]) -> None:
        self.started = True
        self._root(name, attrs)
        self.parser.StartElementHandler = self.start

    def _root(self, name: str, attrs: dict[str, str]) -> None:
        if self.first_version == "rss10" and name != _RDF_NS + " RDF":
            raise Unsure  # feedparser would call it RSS 1.0 whatever its root
        if name == ATOM + " feed":
            self.version, self.atom, kind = "atom10", True, FEED
            allowed: set[str] = set()
        elif name == "rss":
            version = attrs.get("version", "")
            known = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
            self.version = known.get(version) or ("rss20" if version.startswith("2.") else "rss")
            kind, allowed = RSS, {"version"}
        elif name == _RDF_NS + " RDF" and self.first_version == "rss10":
            self.version, kind, allowed = "rss10", RDF, set()
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
                if key in _RDF_ATTRIBUTES and self.version == "rss10" and kind in (
                        ENTRY, CHANNEL, IMAGE, IGNORED):
                    found[_RDF_ATTRIBUTES[key]] = value
                elif key != _XML_NS + " lang":
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

    def _body_text(self, kind: int, attrs: dict[str, str], text: str,
                   xhtml: bool = False) -> None:
        entry = self.entry
        if kind in (DESCRIPTION, SUMMARY) and ("summary" not in entry or self.has_content):
            default = "text/html" if kind == DESCRIPTION else "text/plain"
            value, ctype = ((_repair(text), XHTML) if xhtml
                            else self._text_value(attrs, text, default))
            entry["summary"] = value
            entry["summary_detail"] = {"type": ctype}
            return
        # content:encoded, <content>, or a description / summary that feedparser reads as
        # content because a summary came first
        self.has_content = True
        value, ctype = ((_repair(text), XHTML) if xhtml else self._text_value(
            attrs, text, "text/html" if kind == ENCODED else "text/plain"))
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

    # -- Atom's XHTML content ---------------------------------------------------------------
    def _start_xhtml(self) -> None:
        """Read an XHTML <content> or <summary> as feedparser serialises it: each element
        of the XHTML namespace written back (`<name attr="value">`, `</name>`), text escaped,
        until the element that opened it closes."""
        if not self.atom or self.stack[-2][0] != ENTRY:
            raise Unsure  # feedparser unwraps the <div> only in Atom 1.0; a feed's: unread
        self.xhtml = []
        self.xhtml_depth = 0
        parser = self.parser
        parser.StartElementHandler = self._xhtml_start
        parser.EndElementHandler = self._xhtml_end
        parser.CharacterDataHandler = self._xhtml_text

    def _xhtml_start(self, name: str, attrs: dict[str, str]) -> None:
        uri, _, local = name.rpartition(" ")
        local = local.lower()
        if uri != _XHTML_NS or local in _XHTML_REFUSED:
            raise Unsure  # another namespace's element has feedparser handlers of its own
        parts = ["<", local]
        seen: set[str] = set()
        for key, value in attrs.items():
            low = key.lower()
            if " " in key or low in seen or low == "base":
                raise Unsure  # xml:lang, xml:base, base: feedparser tracks them
            seen.add(low)
            if low in ("rel", "type"):
                value = value.lower()
            parts += (" ", low, '="', _escape(value).replace('"', "&quot;"), '"')
        parts.append(">")
        self.xhtml.append("".join(parts))
        self.xhtml_depth += 1

    def _xhtml_text(self, text: str) -> None:
        self.xhtml.append(_escape(text))

    def _xhtml_end(self, name: str) -> None:
        if self.xhtml_depth:
            self.xhtml_depth -= 1
            self.xhtml.append("</" + name.rpartition(" ")[2].lower() + ">")
            return
        parser = self.parser
        parser.StartElementHandler, parser.EndElementHandler = self.start, self.end
        parser.CharacterDataHandler = self.text.append
        kind, attrs = self.stack.pop()
        self._body_text(kind, attrs, _xhtml_value(self.xhtml), xhtml=True)


# XHTML elements feedparser would act on inside content (`_end_xhtml_body`, SVG, MathML).
_XHTML_REFUSED = {"body", "svg", "math"}


def _escape(text: str) -> str:
    """`xml.sax.saxutils.escape`, which feedparser applies to XHTML text."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def _xhtml_value(pieces: list[str]) -> str:
    """feedparser's `pop` of Atom XHTML: blank pieces at either end dropped, one <div> that
    wraps everything unwrapped, the rest joined and stripped."""
    while len(pieces) > 1 and not pieces[-1].strip():
        del pieces[-1]
    while len(pieces) > 1 and not pieces[0].strip():
        del pieces[0]
    if pieces and (pieces[0] == "<div>" or pieces[0].startswith("<div ")) and (
            pieces[-1] == "</div>"):
        depth = 0
        for piece in pieces[:-1]:
            if piece.startswith("</"):
                depth -= 1
                if depth == 0:
                    break
            elif piece.startswith("<") and not piece.endswith("/>"):
                depth += 1
        else:
            pieces = pieces[1:-1]
    return "".join(pieces).strip()
