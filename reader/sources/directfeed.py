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
split; an RSS 1.0 item's rdf:about is its id; itunes:author is an author, itunes:summary a
summary, and media:title and media:description count where feedparser counts them (inside
media:group and media:content too, by its depth rules); what an entry's <source> holds is
kept apart, as feedparser keeps it, but for the title depth it leaves. It answers None
("unsure": feedparser reads the document) for anything else:

* an element it has no rule for (its rules are per level: feed, entry, Atom author,
  channel image and textInput, RSS 1.0's root and item list, media:group, itunes:owner), unless
  feedparser has no handler for it either and only keeps it under a key of its own name
  that `feedfile` never reads (`_Road._other`: a podcast's duration, YouTube's video id,
  WordPress's post-id); a namespace feedparser knows under a prefix other than its own;
* markup inside a text element (but Atom's XHTML content and summary), an ignored element
  with children, a second author or channel, an RSS 1.0 image before the channel;
* attributes it does not interpret (`xml:base`/`base`, `src`, `mode`, `rdf:*` other than
  RSS 1.0's about and resource ...), a type other than text, HTML or Atom's XHTML (base64),
  `url`/`uri` on a link; inside XHTML, namespaced attributes and elements of other
  namespaces, `<body>`, SVG and MathML (feedparser acts on them);
* a feed title after the first entry, `<textinput>` in an entry, RSS 0.9's namespace, RSS 1.0's
  anywhere but on an rdf:RDF root (it sets feedparser's version);
* whatever `feedxml.prepare` refuses (DOCTYPE, ENTITY, encodings it cannot decode exactly),
  any XML error (so documents that are not well-formed: when the error may be an undeclared
  entity or a bare "&", `feedrepair` rewrites them and the repaired document comes back
  here; else feedparser's lenient parser reads them), a document without entries, and any
  exception at all.

tests/test_directfeed.py runs parse_feed with and without this road over the fixture feeds,
both benchmark corpora, edge cases, hypothesis-made feeds and (when FEEDPARSER_TESTS names
them) feedparser's own test documents, and requires identical results; the generators'
shapes (WordPress, podcasts, YouTube, Blogger, Mastodon) are test_directfeed_generators'. What
it uses of feedparser's internals comes from `reader.lowlevel`. The elements and attributes
it takes are listed in `directrules`, feedparser's value rules (repairs, link joining) are
in `feedvalues`, how it names and reads elements and attributes in `feednames`, an entry's
authors and titles as it settles them in `feedauthors` and `feedtitles`, and the XHTML
writer in `feedxhtml`.
"""

from __future__ import annotations

from typing import Any

from reader import lowlevel
from reader.sanitize import PLAIN_URL
from reader.sources.directrules import (
    ATOM,
    AUTHOR,
    CHANNEL,
    CONTENT,
    DESCRIPTION,
    ENCODED,
    ENTRY,
    FEED,
    HTML_TYPES,
    ID,
    IGNORED,
    IMAGE,
    LINK,
    MEDIA,
    MEDIA_TITLE,
    NAME,
    ORIGIN,
    OTHER,
    OTHER_LEVELS,
    PERSON,
    PUBLISHED,
    RDF,
    RDF_NS,
    REFUSED_NAMESPACES,
    RSS,
    RSS10,
    SOURCE,
    SOURCE_TITLE,
    SPECIAL,
    STANDARD,
    SUMMARY,
    TABLES,
    TEXTINPUT,
    TITLE,
    UPDATED,
    XHTML,
    XML_NS,
)
from reader.sources.feedauthors import Authors
from reader.sources.feeddates import date
from reader.sources.feednames import XML_BASE, Names, attributes
from reader.sources.feedtitles import Titles
from reader.sources.feedvalues import (
    AMP_REF,
    TAG_URI,
    construct_type,
    feed_urljoin,
    repair,
    repaired,
)
from reader.sources.feedxhtml import XhtmlContent
from reader.sources.feedxml import Document, Unsure, prepare, strict_expat

_looks_like_html = lowlevel.looks_like_html


def parse(data: bytes, *, url: str = "", content_type: str = "",
          why: list[Exception] | None = None) -> dict[str, Any] | None:
    """{"feed", "entries", "version"} holding the keys `feedfile` reads, with the values
    feedparser would give them; None when unsure, with the reason appended to `why` (an
    `ExpatError` tells `feedfile` that the document may only need `feedrepair`)."""
    try:
        road = _walk(data, url, content_type)
    except Exception as exc:  # noqa: BLE001 - Unsure, expat's errors, anything odd: others decide
        if why is not None:
            why.append(exc)
        return None
    if not road.entries:
        return None
    return {"feed": road.feed, "entries": road.entries, "version": road.version,
            "bozo": False}


def _walk(data: bytes, url: str, content_type: str) -> _Road:
    """The document walked. Bytes read as UTF-8 are not checked before (`prepare`'s
    `trust_utf8`): expat checks them as it goes, and a walk that stops checks them then;
    when they are not UTF-8 the document is prepared again as feedparser decodes it."""
    document, base = prepare(data, url, content_type, trust_utf8=True)
    try:
        road = _Road(base)
        road.run(document)
        return road
    except Exception:
        if document.holds_utf8():
            raise
    document, base = prepare(data, url, content_type)
    road = _Road(base)
    road.run(document)
    return road


class _Road(XhtmlContent):
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
        self.names: dict[int, dict[str, int]] = {level: {} for level in TABLES}
        self.feed_title_done = False
        self.titles = Titles()
        self.has_content = False
        # A feed-level summary (itunes:summary), and feedparser's `hasContent` set by a
        # feed-level description or summary read as content after it: the flag lasts until
        # the next entry ends.
        self.feed_summary = False
        self.content_ahead = False
        self.authors = Authors()
        self.dates: dict[str, Any] = {}
        self.first_version = ""  # the version the first namespace declaration would set
        self.started = False
        self.channel_seen = False
        self.xhtml: list[str] = []  # an XHTML content's pieces, as feedparser writes them
        self.namespaces = Names()  # how feedparser names elements after the declarations
        self.xhtml_depth = 0

    def run(self, document: Document) -> None:
        parser = strict_expat()
        self.parser = parser
        parser.StartElementHandler = self._start_root
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text.append
        parser.StartNamespaceDeclHandler = self.namespace
        for piece in document.pieces():  # a piece at a time: expat copies what it is given
            parser.Parse(piece, not piece)

    def namespace(self, prefix: str | None, uri: str | None) -> None:
        """Refuse declarations that would make feedparser name elements differently from
        their namespace's usual prefix, or set its version otherwise than the root does
        (RSS 1.0's namespace is declared on an rdf:RDF root or not at all)."""
        if not uri:
            return
        low = uri.lower()
        if len(uri.split()) != 1 or low in REFUSED_NAMESPACES:
            raise Unsure
        if low == RSS10:
            if self.started:
                raise Unsure
            self.first_version = self.first_version or "rss10"
        elif low == ATOM.lower():
            self.first_version = self.first_version or "atom10"
        if self.namespaces.declare(prefix, uri):  # it may rename elements already met
            self.names = {level: {} for level in TABLES}

    # -- elements -------------------------------------------------------------------------
    def _kind(self, level: int, name: str) -> int:
        """What element `name` (expat's "namespace localname") is inside a `level`."""
        uri, _, local = name.rpartition(" ")
        prefix = STANDARD.get(uri.lower())
        kind = None
        if prefix is not None:
            kind = TABLES[level].get(prefix + ":" + local.lower() if prefix else local.lower())
        if kind is None:
            kind = self._other(level, uri, local)
        self.names[level][name] = kind
        return kind

    def _other(self, level: int, uri: str, local: str) -> int:
        """OTHER for an element no rule here names, when feedparser has no handler for it
        either and keeps it under a key no one reads (`Names.unread_key`); else Unsure.
        What falls inside it is judged the same way."""
        if level not in OTHER_LEVELS or not self.namespaces.unread_key(uri, local):
            raise Unsure
        return OTHER

    def start(self, name: str, attrs: dict[str, str]) -> None:
        stack = self.stack
        level = stack[-1][0]
        if level <= IGNORED:
            if level == AUTHOR:
                level = PERSON  # Atom's <author><name>...</name></author>
            elif level == SOURCE:
                level = ORIGIN  # Atom's <source><title>...</title></source>
            else:
                raise Unsure  # markup inside a text element, or a leaf with children
            stack[-1] = (level, stack[-1][1])
        kind = self.names[level].get(name)
        if kind is None:
            kind = self._kind(level, name)
        if level == PERSON:
            self.authors.child(kind == NAME or name.endswith(" uri"), self.text)
        if attrs:
            attrs = attributes(kind, attrs, rss10=self.version == "rss10", based=bool(self.base))
            if kind == LINK and "href" in attrs:
                self._href_link(attrs)
                kind = IGNORED  # text in it belongs to its parent, which drops it
        if kind in SPECIAL:
            self._special(level, kind, attrs)
        stack.append((kind, attrs))
        self.text.clear()
        if kind in (CONTENT, SUMMARY) and attrs.get("type") in ("xhtml", XHTML):
            if "xml:base" in attrs:
                raise Unsure
            self._start_xhtml()

    def _special(self, level: int, kind: int, attrs: dict[str, str]) -> None:
        if kind == ENTRY:
            self.entry = {}
            self.entries.append(self.entry)
            self.titles.new_entry()
            self.authors.new_entry()
            self.has_content, self.content_ahead = self.content_ahead, False
            if attrs:  # only RSS 1.0's rdf:about: feedparser's id, as it is
                about = attrs.get("rdf:about")
                if about:
                    self.entry["id"] = about
        elif kind == CHANNEL:
            if self.channel_seen:
                raise Unsure  # a second channel: feedparser's feed-level state carries over
            self.channel_seen = True
        elif kind == AUTHOR:
            self.authors.opened(level == ENTRY)
        elif kind in (IMAGE, TEXTINPUT):
            if level == RDF and not self.channel_seen:
                raise Unsure  # its title would hide the channel's from feedparser
            self.feed_title_done = False  # feedparser forgets the title depth here

    def _start_root(self, name: str, attrs: dict[str, str]) -> None:
        self.started = True
        self._root(name, attrs)
        self.parser.StartElementHandler = self.start

    def _root(self, name: str, attrs: dict[str, str]) -> None:
        if self.first_version == "rss10" and name != RDF_NS + " RDF":
            raise Unsure  # feedparser would call it RSS 1.0 whatever its root
        if name == ATOM + " feed":
            self.version, self.atom, kind = "atom10", True, FEED
            allowed: set[str] = set()
        elif name == "rss":
            version = attrs.get("version", "")
            known = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
            self.version = known.get(version) or ("rss20" if version.startswith("2.") else "rss")
            kind, allowed = RSS, {"version"}
        elif name == RDF_NS + " RDF" and self.first_version == "rss10":
            self.version, kind, allowed = "rss10", RDF, set()
        else:
            raise Unsure
        if set(attrs) - allowed - {XML_NS + " lang", XML_BASE}:
            raise Unsure
        if XML_BASE in attrs:
            self._rebase(attrs[XML_BASE])
        self.stack.append((kind, {}))

    def _rebase(self, value: str) -> None:
        """An `xml:base` on the root, as WordPress's Atom writes: the base of the whole
        document, joined as feedparser joins it (kept only if it stays put, as `prepare`
        keeps the first one)."""
        if not self.base:
            raise Unsure  # feedparser joins against nothing otherwise
        base = lowlevel.make_safe_absolute_uri(self.base, value or self.base) or self.base
        if (lowlevel.make_safe_absolute_uri(base, base) or base) != base:
            raise Unsure
        self.base = base

    def _href_link(self, attrs: dict[str, str]) -> None:
        rel = attrs.get("rel", "alternate")
        kind = attrs.get("type", "application/atom+xml" if rel == "self" else "text/html")
        if kind in ("text", "plain"):
            kind = "text/plain"
        elif kind == "html":
            kind = "text/html"
        elif kind == "xhtml":
            kind = "application/xhtml+xml"
        if rel == "alternate" and kind in HTML_TYPES:
            self._context()["link"] = self._resolve(attrs["href"])

    def _context(self) -> dict[str, Any]:
        return self.entry if self.stack[-1][0] == ENTRY else self.feed

    def _resolve(self, uri: str) -> str:
        """feedparser's `resolve_uri`: `feed_urljoin(base, uri)`, which gives back as they are
        plain absolute http(s) URLs and "tag:" URIs (a scheme urljoin never joins)."""
        if PLAIN_URL.match(uri) or TAG_URI.match(uri):
            return uri
        return feed_urljoin(self.base, uri)

    def end(self, name: str) -> None:
        kind, attrs = self.stack.pop()
        if kind >= IGNORED:  # an ignored leaf, or a container
            if kind == PERSON:
                if self.stack[-1][0] == ENTRY:  # a feed's author: feedfile never reads it
                    self.authors.closed(self.entry, self.text)
            elif kind == ORIGIN:
                self.titles.origin_ended()
            elif kind == IGNORED and self.stack[-1][0] == PERSON:
                self.text.clear()  # an author's own text is what stands between its elements
            return
        text = "".join(self.text).strip()
        parent = self.stack[-1][0]
        if kind == NAME:
            self.authors.named(text)
            self.text.clear()
        elif parent == MEDIA:
            self._media_text(kind, attrs, text)
        elif parent == ORIGIN:
            if kind == SOURCE_TITLE:
                self.titles.origin_title(text)
        elif parent != ENTRY:
            self._feed_text(kind, attrs, text)
        elif kind in (TITLE, MEDIA_TITLE):
            self._title(kind, attrs, text, 0)
        elif kind == SOURCE:
            self.titles.source_ended()
        elif kind == LINK:
            if text:
                text = self._resolve(text)
                if not text.isascii():
                    text = repair(text)
                if "&" in text:
                    text = AMP_REF.sub(r"&\g<1>", text.replace("&amp;", "&"))
            self.entry["link"] = text
        elif kind == ID:
            permalink = attrs.get("ispermalink", "true") == "true"
            if text and permalink:
                text = self._resolve(text)
            if not text.isascii():
                text = repair(text)
            entry = self.entry
            entry["id"] = text
            if permalink and "link" not in entry:
                entry["link"] = text
        elif kind in (PUBLISHED, UPDATED):
            found = self.dates.get(text)  # Atom's published and updated are often one time
            if found is None:
                found = self.dates[text] = date(repair(text))
            self.entry["published_parsed" if kind == PUBLISHED else "updated_parsed"] = found
        elif kind == AUTHOR:
            self.authors.text_author(self.entry, text)
        else:
            self._body_text(kind, attrs, text)

    def _title(self, kind: int, attrs: dict[str, str], text: str, depth: int) -> None:
        """An entry's title or media:title, `depth` levels under it (`Titles`)."""
        if self.titles.wanted(depth):
            value, ctype = self._text_value(attrs, text, "text/plain")
            self.titles.read(self.entry, value, ctype, depth, kind == MEDIA_TITLE)

    def _media_text(self, kind: int, attrs: dict[str, str], text: str) -> None:
        """media:title or media:description inside media:group or media:content."""
        depth = 0
        for level, _attrs in reversed(self.stack):
            if level != MEDIA:
                break
            depth += 1
        if kind == MEDIA_TITLE:
            self._title(kind, attrs, text, depth)
            return
        if "summary" in self.entry and self.has_content:
            # read as a summary, it would replace one only if it were as shallow
            raise Unsure
        self._body_text(kind, attrs, text)

    def _text_value(self, attrs: dict[str, str], text: str, default: str) -> tuple[str, str]:
        """(value, content type) of a text construct, as feedparser's `pop` leaves them."""
        return repair(text), self._text_type(attrs, text, default)

    def _text_type(self, attrs: dict[str, str], text: str, default: str) -> str:
        ctype = construct_type(attrs, default) if attrs else default
        if ctype == "text/plain" and not self.atom and ("<" in text or "&" in text) and (
                _looks_like_html(text)):
            ctype = "text/html"
        return ctype

    def _body_text(self, kind: int, attrs: dict[str, str], text: str,
                   xhtml: bool = False) -> None:
        """A body (or summary), with `"clean": True` beside its type when it is clean
        (`is_clean`, found by the repair): `feedfile` tells `sanitize_html` so."""
        entry = self.entry
        summary = kind in (DESCRIPTION, SUMMARY) and ("summary" not in entry
                                                      or self.has_content)
        if xhtml:
            ctype = XHTML
        elif summary:
            ctype = self._text_type(attrs, text,
                                    "text/html" if kind == DESCRIPTION else "text/plain")
        else:
            ctype = self._text_type(attrs, text,
                                    "text/html" if kind == ENCODED else "text/plain")
        value, clean = repaired(text)
        detail = {"type": ctype, "clean": True} if clean else {"type": ctype}
        if summary:
            entry["summary"] = value
            entry["summary_detail"] = detail
            return
        # content:encoded, <content>, or a description / summary that feedparser reads as
        # content because a summary came first
        self.has_content = True
        detail["value"] = value
        entry.setdefault("content", []).append(detail)
        entry.setdefault("summary", value)

    def _feed_text(self, kind: int, attrs: dict[str, str], text: str) -> None:
        feed = self.feed
        if kind in (TITLE, MEDIA_TITLE):
            if self.entries:
                raise Unsure  # a feed title after entries: feedparser's depth rules decide
            value, ctype = self._text_value(attrs, text, "text/plain")
            if not self.feed_title_done:
                feed["title"] = value
                feed["title_detail"] = {"type": ctype}
                # media:title leaves the title depth as it was
                self.feed_title_done = kind == TITLE and bool(value)
        elif kind in (DESCRIPTION, SUMMARY):
            # feedparser's `_start_description` and `_start_summary`: after a summary they
            # read a content instead, which sets `hasContent` until the next entry ends
            if self.feed_summary and not self.content_ahead:
                self.content_ahead = True
            elif kind == SUMMARY:
                self.feed_summary = True
        elif kind == LINK:
            value = repair(self._resolve(text)) if text else ""
            feed["link"] = AMP_REF.sub(r"&\g<1>", value)
        elif kind == ID:
            permalink = attrs.get("ispermalink", "true") == "true"
            value = repair(self._resolve(text) if text and permalink else text)
            if permalink:
                feed.setdefault("link", value)
        # AUTHOR: a feed's author, which feedfile never reads
