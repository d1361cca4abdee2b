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

`lead` and `sanitize` are `reader.extract.first_paragraph` and `reader.sanitize.sanitize_html`
with the same results and less work: the lead stops at the first paragraph instead of
flattening the whole body, the sanitiser reuses one nh3 Cleaner and skips scans that cannot
match. When those modules change their patterns, `lead` notices and defers to the original.
"""

from __future__ import annotations

import contextlib
import html as htmllib
import re
from typing import Any
from xml.parsers import expat

from reader import extract, sanitize

_AMP_REF = re.compile("&([A-Za-z0-9_]+);")
_FIRST_ELEMENT = re.compile(rb"<\w")
_MATHML = "http://www.w3.org/1998/Math/MathML"
_SVG = "http://www.w3.org/2000/svg"
_XHTML = "application/xhtml+xml"
_NEW_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>"


class _Unsure(Exception):
    """Something this road does not reproduce: feedparser reads the document instead."""


def parse(data: bytes, *, url: str = "", content_type: str = "") -> dict[str, Any] | None:
    """What `feedparser.parse(BytesIO(data), response_headers=..., sanitize_html=False,
    resolve_relative_uris=False)` returns (its feed, entries and version), or None when unsure.
    """
    try:
        return _parse(data, url, content_type)
    except Exception:  # noqa: BLE001 - _Unsure, expat's errors, anything odd: feedparser decides
        return None


def _parse(data: bytes, url: str, content_type: str) -> dict[str, Any] | None:
    machinery = _machinery()
    headers = {"content-type": content_type} if content_type else {}
    if url:
        headers["content-location"] = url
    text = _decoded(data, headers)
    # feedparser's replace_doctype: a prolog with a DOCTYPE or an ENTITY is not ours.
    first = _FIRST_ELEMENT.search(data)
    head = data[: first.start()] if first else data
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise _Unsure
    match = machinery.xml_declaration.match(text)
    text = _NEW_DECLARATION + (text[match.end():] if match else "\n" + text)
    reader = machinery.reader(_base_uri(url, machinery))
    reader.run(text)
    if not reader.entries:
        return None  # feedparser words the errors of a feed without entries
    return {"feed": reader.feeddata, "entries": reader.entries, "version": reader.version,
            "bozo": False}


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
                raise _Unsure  # chardet's guess is not reproduced here
            continue
        if not proposed or proposed in tried:
            continue
        tried.append(proposed)
        try:
            return data.decode(proposed)
        except (UnicodeDecodeError, LookupError):
            pass
    raise _Unsure


_UNICODE_NAMES = {"u16", "utf-16", "utf16", "utf_16", "u32", "utf-32", "utf32", "utf_32",
                  "iso-10646-ucs-2", "iso-10646-ucs-4", "csucs4", "csunicode", "ucs-2", "ucs-4"}


def _base_uri(url: str, machinery: _Machinery) -> str:
    """The base URL feedparser settles on at the root element (it re-joins it at every start
    tag; a base that still moves after one step is not ours)."""
    safe, join = machinery.make_safe_absolute_uri, machinery.urljoin

    def step(base: str) -> str:
        return (safe(base, base) or base) if base else join(base, base)

    base = step(url)
    if step(base) != base:
        raise _Unsure
    return base


# -- the lead and the sanitiser ----------------------------------------------------------------

# `lead` relies on the exact patterns `reader.extract.first_paragraph` uses today; should they
# change, `lead` simply calls first_paragraph.
_LEAD_PATTERNS = (
    (extract._NOT_LEAD, r"<(h[1-6]|figcaption|caption|pre|table|figure)\b.*?</\1\s*>"),
    (extract._DROP, r"<(script|style|template|noscript|title)\b.*?</\1\s*>"),
    (extract._COMMENT, r"<!--.*?-->"),
    (extract._TAG, r"<[^>]*>"),
)
_LEAD_OK = all(pattern.pattern == text for pattern, text in _LEAD_PATTERNS)


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
        # Needles that every match of extract._DROP or _COMMENT (then: of _NOT_LEAD) holds;
        # a false alarm only costs the slower, exact way.
        lowered = body_html.lower()
        dropped = ("script" in lowered or "style" in lowered or "template" in lowered
                   or "<title" in lowered or "<!--" in lowered)
        not_lead = ("<h" in lowered or "<fig" in lowered or "caption" in lowered
                    or "<pre" in lowered or "table" in lowered)
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
    start = 0
    for match in extract._BLOCK.finditer(fragment):
        text = _piece_text(fragment[start:match.start()])
        if text:
            return text
        start = match.end()
    return _piece_text(fragment[start:])


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
            if not _PLAIN_URL.match(html, start, end):
                return False
            found = html.find(needle, end)
    return True


# -- feedparser's parts ------------------------------------------------------------------------

class _Machinery:
    """feedparser's parts, imported on first use (feedparser costs ~60 ms to import)."""

    def __init__(self) -> None:
        from feedparser import datetimes, encodings, html, mixin, urls, util
        from feedparser.datetimes import rfc822, w3dtf

        self.xml_declaration = encodings.RE_XML_DECLARATION
        self.make_safe_absolute_uri = urls.make_safe_absolute_uri
        self.urljoin = urls._urljoin
        self.parse_date = datetimes._parse_date
        self.rfc822 = rfc822._parse_date_rfc822
        self.w3dtf = w3dtf._parse_date_w3dtf
        # The shortcut in `_date` holds while feedparser asks W3DTF first and RFC 822 next.
        self.usual_handlers = datetimes._date_handlers[:2] == [w3dtf._parse_date_w3dtf,
                                                              rfc822._parse_date_rfc822]
        self.reader = _reader_class(mixin._FeedParserMixin, util.FeedParserDict, html._cp1252,
                                    self)


# An absolute http(s) URL that `urljoin` gives back unchanged whatever the base: no ";"
# (params), no empty "?" or "#", nothing `urlsplit` strips or rejects.
_URL_CHARS = r"A-Za-z0-9._~!$&'()*+,=:@%/-"
_PLAIN_URL = re.compile(rf"https?://[A-Za-z0-9.-]+(?::[0-9]{{1,5}})?(?:/[{_URL_CHARS}]*)?"
                        rf"(?:\?[{_URL_CHARS}?]+)?(?:#[{_URL_CHARS}?]+)?\Z")
# Dates in the two shapes nearly every feed uses. feedparser's first handler (W3DTF) gives
# up on the RFC 822 shape, so its RFC 822 handler may be asked straight away; the ISO shape
# is W3DTF's own. Anything else, or any refusal, goes through the whole chain.
_RFC822 = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d? "
                     r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
                     r"\d\d:\d\d:\d\d (?:GMT|UT|Z|[+-]\d{4})\Z")
_W3DTF = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)\Z")
_DATE_ERRORS = (KeyError, OverflowError, ValueError, AttributeError)


def _date(value: Any, machinery: _Machinery) -> Any:
    """feedparser's `_parse_date(value)`, sooner for the common shapes."""
    if not value:
        return None
    handler = None
    if machinery.usual_handlers:
        if _RFC822.match(value):
            handler = machinery.rfc822
        elif _W3DTF.match(value):
            handler = machinery.w3dtf
    if handler is not None:
        try:
            found = handler(value)
        except _DATE_ERRORS:
            found = None
        if found and len(found) == 9:
            return found
    return machinery.parse_date(value)


_MACHINERY: _Machinery | None = None


def _machinery() -> _Machinery:
    global _MACHINERY
    if _MACHINERY is None:
        _MACHINERY = _Machinery()
    return _MACHINERY


def _reader_class(mixin: Any, parser_dict: Any, cp1252: dict[int, str],
                  machinery: _Machinery) -> Any:
    """feedparser's handlers with a lean driver: ports of its strict parser's hot methods."""

    urljoin = machinery.urljoin
    keymap = parser_dict.keymap
    slow_keys = {*keymap, "category", "enclosures", "license", "updated", "updated_parsed"}

    class _Dict(parser_dict):
        """A FeedParserDict that skips its key mapping for the keys it does not map."""

        __slots__ = ()

        def __getitem__(self, key: str) -> Any:
            if key in slow_keys:
                return parser_dict.__getitem__(self, key)
            return dict.__getitem__(self, key)

        def __contains__(self, key: object) -> bool:
            if key in slow_keys:
                return bool(parser_dict.__contains__(self, key))
            return dict.__contains__(self, key)

        def get(self, key: str, default: Any = None) -> Any:
            if key in slow_keys:
                return parser_dict.get(self, key, default)
            return dict.get(self, key, default)

        def __setitem__(self, key: str, value: Any) -> None:
            if key in keymap:
                parser_dict.__setitem__(self, key, value)
            else:
                dict.__setitem__(self, key, value)

        def setdefault(self, key: str, default: Any) -> Any:
            if key not in self:
                self[key] = default
                return default
            return self[key]

    class _Reader(mixin):
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
            parser = expat.ParserCreate(None, " ")
            parser.namespace_prefixes = True
            parser.buffer_text = True
            stack = self.elementstack

            def characters(data: str) -> None:
                if stack:
                    stack[-1][2].append(data)

            def _refuse(*_: Any) -> Any:
                raise _Unsure

            refuse: Any = _refuse

            parser.StartElementHandler = self._start_element
            parser.EndElementHandler = self._end_element
            parser.CharacterDataHandler = characters
            parser.StartNamespaceDeclHandler = self._start_prefix
            parser.StartDoctypeDeclHandler = refuse
            parser.EntityDeclHandler = refuse
            parser.UnparsedEntityDeclHandler = refuse
            parser.NotationDeclHandler = refuse
            parser.ExternalEntityRefHandler = refuse
            parser.SkippedEntityHandler = refuse
            parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_UNLESS_STANDALONE)
            parser.Parse(text, True)

        # -- the SAX layer (xml.sax.expatreader + feedparser's _StrictFeedParser) ----------
        def _start_prefix(self, prefix: str | None, uri: str | None) -> None:
            if not uri:
                return
            if len(uri.split()) != 1:
                raise _Unsure  # SAX splits names on whitespace
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
                raise _Unsure
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
                raise _Unsure
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
                raise _Unsure
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
                raise _Unsure  # markup inside a text element: feedparser makes it XHTML
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
                raise _Unsure
            if end is None:
                self.pop(key)
            else:
                try:
                    end(self)
                except AttributeError:
                    self.pop(key)
            if self.incontent:
                raise _Unsure
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
            if _PLAIN_URL.match(uri):
                return uri
            return urljoin(self.baseuri or "", uri)

        # Dates: feedparser's own handlers, but with the quicker `_date`. (Its aliases, like
        # `_end_pubdate = _end_published`, are bound to its functions: each is redefined.)
        def _end_published(self) -> None:
            value = self.pop("published")
            self._save("published_parsed", _date(value, machinery), overwrite=True)

        _end_issued = _end_pubdate = _end_published

        def _end_updated(self) -> None:
            value = self.pop("updated")
            self._save("updated_parsed", _date(value, machinery), overwrite=True)

        _end_modified = _end_lastbuilddate = _end_updated

        def _end_created(self) -> None:
            value = self.pop("created")
            self._save("created_parsed", _date(value, machinery), overwrite=True)

        def handle_data(self, text: str, escape: int = 1) -> None:
            if not self.elementstack:
                return
            if escape and self.contentparams.get("type") == _XHTML:
                raise _Unsure
            self.elementstack[-1][2].append(text)

        def push_content(self, tag: str, attrs_d: dict[str, str], default_content_type: str,
                         expecting_text: Any) -> None:
            self.incontent += 1
            if self.lang:
                self.lang = self.lang.replace("_", "-")
            kind = self.map_content_type(attrs_d.get("type", default_content_type))
            if kind == _XHTML or attrs_d.get("mode", "") == "base64" or not (
                    kind.startswith("text/") or kind.endswith(("+xml", "/xml"))):
                raise _Unsure  # XHTML or base64 content
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
                output = output.translate(cp1252)
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

    return _Reader
