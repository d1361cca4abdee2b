"""The driver of `reader.sources.fastfeed.parse`: feedparser's element handlers, run by expat.

feedparser's strict parser is a SAX content handler, and most of its time goes to that
layer, not to its rules: SAX wraps every event, `unknown_starttag` re-joins the base URL at
every start tag and fails a `getattr` for every element without a handler, and each run of text
costs a `FeedParserDict` lookup. `Reader` inherits all of feedparser's `_start_*`/`_end_*`
handlers unchanged and replaces only that layer with ports that do the same thing with less:
`_start_element`/`_end_element` (xml.sax.expatreader and `_StrictFeedParser`), and
`unknown_starttag`, `unknown_endtag`, `push_content`, `pop` and `resolve_uri` (feedparser's
mixin, minus the branches `parse_feed` switches off: sanitising and relative-URI rewriting).
Entries are `FeedParserDict`s that skip the key mapping for keys it does not map, and dates in
the two common shapes go straight to the feedparser handler that would answer them.

Whatever the ports do not reproduce (XHTML or base64 content, `xml:base`, markup inside a text
element, a DOCTYPE) raises `Unsure`, and feedparser itself reads the document. This module
imports feedparser, so `fastfeed` imports it only when a feed is parsed.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from feedparser.datetimes import _date_handlers, _parse_date
from feedparser.datetimes.rfc822 import _parse_date_rfc822
from feedparser.datetimes.w3dtf import _parse_date_w3dtf
from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin
from feedparser.util import FeedParserDict

from reader.sources.fastfeed import PLAIN_URL, Unsure, strict_expat

_AMP_REF = re.compile("&([A-Za-z0-9_]+);")
_MATHML = "http://www.w3.org/1998/Math/MathML"
_SVG = "http://www.w3.org/2000/svg"
_XHTML = "application/xhtml+xml"
# The shortcut in `parse_date` holds while feedparser asks W3DTF first and RFC 822 next.
_USUAL_HANDLERS = _date_handlers[:2] == [_parse_date_w3dtf, _parse_date_rfc822]

# Dates in the two shapes nearly every feed uses. feedparser's first handler (W3DTF) gives
# up on the RFC 822 shape, so its RFC 822 handler may be asked straight away; the ISO shape
# is W3DTF's own. Anything else, or any refusal, goes through the whole chain.
_RFC822 = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d? "
                     r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
                     r"\d\d:\d\d:\d\d (?:GMT|UT|Z|[+-]\d{4})\Z")
_W3DTF = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)\Z")
_DATE_ERRORS = (KeyError, OverflowError, ValueError, AttributeError)


def parse_date(value: Any) -> Any:
    """feedparser's `_parse_date(value)`, sooner for the common shapes."""
    if not value:
        return None
    handler = None
    if _USUAL_HANDLERS:
        if _RFC822.match(value):
            handler = _parse_date_rfc822
        elif _W3DTF.match(value):
            handler = _parse_date_w3dtf
    if handler is not None:
        try:
            found = handler(value)
        except _DATE_ERRORS:
            found = None
        if found and len(found) == 9:
            return found
    return _parse_date(value)


_KEYMAP = FeedParserDict.keymap
_SLOW_KEYS = {*_KEYMAP, "category", "enclosures", "license", "updated", "updated_parsed"}


class _Dict(FeedParserDict):
    """A FeedParserDict that goes straight to `dict` for the keys its mapping leaves alone
    (the same answers: FeedParserDict only treats the keys in `_SLOW_KEYS` specially)."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        if key in _SLOW_KEYS:
            return FeedParserDict.__getitem__(self, key)
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        if key in _SLOW_KEYS:
            return bool(FeedParserDict.__contains__(self, key))
        return dict.__contains__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        if key in _SLOW_KEYS:
            return FeedParserDict.get(self, key, default)
        return dict.get(self, key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        if key in _KEYMAP:
            FeedParserDict.__setitem__(self, key, value)
        else:
            dict.__setitem__(self, key, value)

    def setdefault(self, key: str, default: Any) -> Any:
        if key not in self:
            self[key] = default
            return default
        return self[key]


class Reader(_FeedParserMixin):
    """feedparser's strict parser for one document: `Reader(base_url).run(text)`, then its
    `feeddata`, `entries` and `version` are what feedparser.parse would have returned."""

    def __init__(self, baseuri: str) -> None:
        self.bozo = 0
        self.exc = None
        self.decls: dict[str, str] = {}
        self.baseuri = baseuri
        self.lang: str | None = None
        self.encoding = "utf-8"
        self.resolve_relative_uris = False
        self.sanitize_html = False
        super().__init__()
        self.feeddata = _Dict()
        self.contentparams: dict[str, Any] = {}
        self._start_tags: dict[str, tuple[str, bool, str, bool, Any, Any]] = {}
        self._end_tags: dict[str, str] = {}
        self._handlers: dict[str, tuple[str, bool, Any, Any]] = {}

    def run(self, text: str) -> None:
        parser = strict_expat(namespace_prefixes=True)
        stack = self.elementstack

        def characters(data: str) -> None:
            if stack:
                stack[-1][2].append(data)

        parser.StartElementHandler = self._start_element
        parser.EndElementHandler = self._end_element
        parser.CharacterDataHandler = characters
        parser.StartNamespaceDeclHandler = self._start_prefix
        parser.Parse(text, True)

    # -- the SAX layer (xml.sax.expatreader + feedparser's _StrictFeedParser) ----------
    def _start_prefix(self, prefix: str | None, uri: str | None) -> None:
        if not uri:
            return
        if len(uri.split()) != 1:
            raise Unsure  # SAX splits names on whitespace
        prefix = prefix or None
        self.track_namespace(prefix, uri)
        if prefix and uri == "http://www.w3.org/1999/xlink":
            self.decls["xmlns:" + prefix] = uri

    def track_namespace(self, prefix: str | None, uri: str) -> None:
        self._start_tags.clear()
        self._end_tags.clear()
        self._handlers.clear()
        super().track_namespace(prefix, uri)

    def _tag(self, name: str, start: bool) -> str:
        pair = name.split()
        if len(pair) == 1:
            namespace, localname = None, name
        elif len(pair) in (2, 3):
            namespace, localname = pair[0], pair[1]
        else:
            raise Unsure
        lowernamespace = str(namespace or "").lower()
        if start and "backend.userland.com/rss" in lowernamespace:
            namespace = lowernamespace = "http://backend.userland.com/rss"
        prefix = self._matchnamespaces.get(lowernamespace, None if start else "")
        localname = str(localname).lower()
        if prefix:
            localname = prefix.lower() + ":" + localname
        elif namespace:
            for known, value in self.namespaces_in_use.items():
                if known and value == namespace:
                    localname = known + ":" + localname
                    break
        return localname.lower()

    def _start_element(self, name: str, attrs: dict[str, str]) -> Any:
        found = self._start_tags.get(name)
        if found is None:
            tag = self._tag(name, True)
            special = (" " in name and tag.rsplit(":", 1)[-1] in ("math", "svg")
                       and name.split()[0] in (_MATHML, _SVG))
            found = self._start_tags[name] = (tag, special, *self._handler(tag))
        tag, special, key, plain, start, _ = found
        if attrs or special or self.decls:
            return self._start_with_attributes(name, tag, attrs)
        # unknown_starttag(tag, []), unrolled: most elements have no attributes
        self.depth += 1
        lang = self.lang
        if lang and tag in ("feed", "rss", "rdf:RDF"):
            self.feeddata["language"] = lang.replace("_", "-")
        self.basestack.append(self.baseuri)
        self.langstack.append(lang)
        if self.incontent:
            raise Unsure
        if plain:
            if tag not in ("title", "link", "description", "name"):
                self.intextinput = 0
            if tag not in ("title", "link", "description", "url", "href", "width",
                           "height"):
                self.inimage = 0
        if start is not None:
            try:
                return start(self, {})
            except AttributeError:
                pass
        return self.push(key, 1)

    def _start_with_attributes(self, name: str, tag: str, attrs: dict[str, str]) -> None:
        attrs_d, self.decls = self.decls, {}
        if " " in name and tag.rsplit(":", 1)[-1] in ("math", "svg"):
            namespace = name.split()[0]
            if namespace in (_MATHML, _SVG):
                attrs_d["xmlns"] = namespace
        if attrs:
            qnames = []
            for aname, value in attrs.items():
                parts = aname.split()
                if len(parts) == 1:
                    attrs_d[aname.lower()] = value
                    qnames.append((aname, value))
                    continue
                prefix = self._matchnamespaces.get(parts[0].lower(), "")
                local = prefix + ":" + parts[1] if prefix else parts[1]
                attrs_d[local.lower()] = value
                qnames.append((parts[2] + ":" + parts[1] if len(parts) == 3 else parts[1],
                               value))
            for qname, value in qnames:
                attrs_d[qname.lower()] = value
        self.unknown_starttag(tag, list(attrs_d.items()))

    def _end_element(self, name: str) -> None:
        tag = self._end_tags.get(name)
        if tag is None:
            tag = self._end_tags[name] = self._tag(name, False)
        self.unknown_endtag(tag)

    # -- feedparser's _FeedParserMixin, the hot methods ----------------------------------
    def _handler(self, tag: str) -> tuple[str, bool, Any, Any]:
        found = self._handlers.get(tag)
        if found is None:
            prefix, suffix = tag.split(":", 1) if ":" in tag else ("", tag)
            prefix = self.namespacemap.get(prefix, prefix)
            key = prefix + "_" + suffix if prefix else suffix
            found = (key, not prefix, getattr(type(self), "_start_" + key, None),
                     getattr(type(self), "_end_" + key, None))
            self._handlers[tag] = found
        return found

    def unknown_starttag(self, tag: str, attrs: list[tuple[str, str]]) -> Any:
        self.depth += 1
        attrs = [(k.lower(), v.lower() if k.lower() in ("rel", "type") and v else v)
                 for k, v in attrs]
        attrs_d = dict(attrs)
        if "xml:base" in attrs_d or "base" in attrs_d:
            raise Unsure
        lang = attrs_d.get("xml:lang", attrs_d.get("lang"))
        if lang == "":
            lang = None
        elif lang is None:
            lang = self.lang
        if lang and tag in ("feed", "rss", "rdf:RDF"):
            self.feeddata["language"] = lang.replace("_", "-")
        self.lang = lang
        self.basestack.append(self.baseuri)
        self.langstack.append(lang)
        for prefix, uri in attrs:
            if prefix.startswith("xmlns:"):
                self.track_namespace(prefix[6:], uri)
            elif prefix == "xmlns":
                self.track_namespace(None, uri)
        if self.incontent:
            raise Unsure  # markup inside a text element: feedparser makes it XHTML
        key, plain, start, _ = self._handler(tag)
        if plain:
            if tag not in ("title", "link", "description", "name"):
                self.intextinput = 0
            if tag not in ("title", "link", "description", "url", "href", "width",
                           "height"):
                self.inimage = 0
        if start is not None:
            try:
                return start(self, attrs_d)
            except AttributeError:
                pass
        if not attrs_d:
            return self.push(key, 1)
        self._get_context()[key] = attrs_d
        return None

    def unknown_endtag(self, tag: str) -> None:
        key, _, _, end = self._handler(tag)
        if self.svgOK:
            raise Unsure
        if end is None:
            self.pop(key)
        else:
            try:
                end(self)
            except AttributeError:
                self.pop(key)
        if self.incontent:
            raise Unsure
        if self.basestack:
            self.basestack.pop()
            if self.basestack and self.basestack[-1]:
                self.baseuri = self.basestack[-1]
        if self.langstack:
            self.langstack.pop()
            if self.langstack:
                self.lang = self.langstack[-1]
        self.depth -= 1

    def _start_item(self, attrs_d: dict[str, str]) -> None:
        self.entries.append(_Dict())  # feedparser's own, with the quicker dict
        self.push("item", 0)
        self.inentry = 1
        self.guidislink = 0
        self.title_depth = -1
        about = self._get_attribute(attrs_d, "rdf:about")
        if about:
            self._get_context()["id"] = about
        self._cdf_common(attrs_d)

    _start_entry = _start_item

    def resolve_uri(self, uri: str) -> str:
        if PLAIN_URL.match(uri):
            return uri
        return _urljoin(self.baseuri or "", uri)

    # Dates: feedparser's own handlers, but with the quicker `_date`. (Its aliases, like
    # `_end_pubdate = _end_published`, are bound to its functions: each is redefined.)
    def _end_published(self) -> None:
        value = self.pop("published")
        self._save("published_parsed", parse_date(value), overwrite=True)

    _end_issued = _end_pubdate = _end_published

    def _end_updated(self) -> None:
        value = self.pop("updated")
        self._save("updated_parsed", parse_date(value), overwrite=True)

    _end_modified = _end_lastbuilddate = _end_updated

    def _end_created(self) -> None:
        value = self.pop("created")
        self._save("created_parsed", parse_date(value), overwrite=True)

    def handle_data(self, text: str, escape: int = 1) -> None:
        if not self.elementstack:
            return
        if escape and self.contentparams.get("type") == _XHTML:
            raise Unsure
        self.elementstack[-1][2].append(text)

    def push_content(self, tag: str, attrs_d: dict[str, str], default_content_type: str,
                     expecting_text: Any) -> None:
        self.incontent += 1
        if self.lang:
            self.lang = self.lang.replace("_", "-")
        kind = self.map_content_type(attrs_d.get("type", default_content_type))
        if kind == _XHTML or attrs_d.get("mode", "") == "base64" or not (
                kind.startswith("text/") or kind.endswith(("+xml", "/xml"))):
            raise Unsure  # XHTML or base64 content
        self.contentparams = {"type": kind, "language": self.lang, "base": self.baseuri}
        self.push(tag, expecting_text)

    def pop(self, element: str, strip_whitespace: int = 1) -> Any:
        stack = self.elementstack
        if not stack or stack[-1][0] != element:
            return None
        element, expecting_text, pieces = stack.pop()
        params = self.contentparams
        output = "".join(pieces)
        if strip_whitespace:
            output = output.strip()
        if not expecting_text:
            return output
        if (element in self.can_be_relative_uri and output
                and (element != "id" or self.guidislink)):
            output = self.resolve_uri(output)
        if (not self.version.startswith("atom") and params.get("type") == "text/plain"
                and self.looks_like_html(output)):
            params["type"] = "text/html"
        params.pop("mode", None)
        params.pop("base64", None)
        if not output.isascii():
            # feedparser's repair of UTF-8 read as ISO-8859-1, then cp1252 for C1 codes
            with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
                output = output.encode("iso-8859-1").decode("utf-8")
            output = output.translate(_cp1252)
        if element in ("category", "tags", "itunes_keywords"):
            return output
        if element == "title" and -1 < self.title_depth <= self.depth:
            return output
        if self.inentry and not self.insource:
            entry = self.entries[-1]
            if element == "content":
                entry.setdefault(element, [])
                entry[element].append(_Dict(params, value=output))
            elif element == "link":
                if not self.inimage:
                    output = _AMP_REF.sub(r"&\g<1>", output.replace("&amp;", "&"))
                    entry[element] = output
                    if output:
                        entry["links"][-1]["href"] = output
            else:
                if element == "description":
                    element = "summary"
                depths = self.property_depth_map.setdefault(entry, {})
                old_depth = depths.get(element)
                if old_depth is None or self.depth <= old_depth:
                    depths[element] = self.depth
                    entry[element] = output
                if self.incontent:
                    entry[element + "_detail"] = _Dict(params, value=output)
        elif self.infeed or self.insource:
            context = self._get_context()
            if element == "description":
                element = "subtitle"
            context[element] = output
            if element == "link":
                output = _AMP_REF.sub(r"&\g<1>", output)
                context[element] = output
                context["links"][-1]["href"] = output
            elif self.incontent:
                context[element + "_detail"] = _Dict(params, value=output)
        return output
