"""How feedparser names and reads a document's elements and attributes, for the direct road.

The road (`reader.sources.directfeed`) passes over an element it has no rule for only when
feedparser would merely keep it under a key of its own name, which `feedfile` never reads;
so it must name the element exactly as feedparser does. feedparser names an element of a
namespace it knows by that namespace's usual prefix ("dc:creator"); one of a namespace it
does not know by the first prefix it has seen declared for that URI (its
`namespaces_in_use`), then maps a prefix declared for a known namespace to that one's name
(its `namespacemap`: "syn" is "sy"). `Names` keeps both as the declarations come.
"""

from __future__ import annotations

import functools

from reader import lowlevel
from reader.sources.directrules import (
    ATTRIBUTES,
    CHANNEL,
    CONTENT,
    DESCRIPTION,
    ENCODED,
    ENTRY,
    IGNORED,
    IMAGE,
    LINK,
    MEDIA_TITLE,
    RDF_ATTRIBUTES,
    READ_KEYS,
    STANDARD,
    STANDARD_NAMES,
    SUMMARY,
    TEXTINPUT,
    TITLE,
    XML_NS,
)
from reader.sources.feedxml import Unsure

_USERLAND = "backend.userland.com/rss"  # feedparser reads every such URI as one namespace
XML_BASE = XML_NS + " base"
_XML_LANG = XML_NS + " lang"
_TEXTS = {TITLE, DESCRIPTION, SUMMARY, CONTENT, ENCODED, MEDIA_TITLE}  # where xml:base may be
# What feedparser's `_start_link` reads of a link's attributes (and its base and language).
_LINK_READS = {"rel", "type", "href", "url", "uri", "base", "lang", "xml:base", "xml:lang"}


class Names:
    """One document's namespace declarations, as feedparser tracks them."""

    def __init__(self) -> None:
        self.in_use: dict[str, str] = {}  # feedparser's `namespaces_in_use`
        self.prefixes: dict[str | None, str] = {}  # feedparser's `namespacemap`

    def declare(self, prefix: str | None, uri: str) -> bool:
        """Note a declaration (feedparser's `track_namespace`); True when it may rename an
        element already named. Unsure for one the road does not reproduce: a URI
        feedparser rewrites, or a known namespace under another known one's prefix."""
        low = uri.lower()
        if _USERLAND in low:
            raise Unsure
        standard = STANDARD.get(low)
        if standard is not None:
            if prefix is not None and prefix != standard and prefix in STANDARD_NAMES:
                raise Unsure  # feedparser would give another namespace's elements its name
            self.prefixes[prefix] = standard
        key = (prefix or "") if standard is None else standard
        if self.in_use.get(key) == uri:
            return False
        self.in_use[key] = uri
        return True

    def unread_key(self, uri: str, local: str) -> bool:
        """Whether feedparser keeps element `local` of namespace `uri` only under a key of its
        own name ("itunes_duration", "yt_videoid", "post-id") that `feedfile` never reads:
        no handler of feedparser's acts on it, and no key it reads is that key or its
        `FeedParserDict` alias."""
        standard = STANDARD.get(uri.lower())
        if standard is not None:
            tag = f"{standard}:{local}" if standard else local
        else:  # feedparser's `startElementNS`: the first prefix in use for this URI
            tag = next((f"{prefix}:{local}" for prefix, value in self.in_use.items()
                        if prefix and value == uri), local)
        prefix, _, suffix = tag.lower().rpartition(":")
        prefix = self.prefixes.get(prefix, prefix)
        key = f"{prefix}_{suffix}" if prefix else suffix
        return not (key in _unsafe_keys() or suffix in ("svg", "math") or ":" in prefix)


def attributes(kind: int, attrs: dict[str, str], *, rss10: bool,
               based: bool) -> dict[str, str]:
    """feedparser's view of an element's attributes (names lower case, rel and type values
    too), or Unsure for what the road does not interpret. `rss10`: the document is RSS 1.0
    (its rdf:about and rdf:resource count); `based`: the feed has an address, without which
    an `xml:base` is refused (feedparser restores its base after one only then)."""
    allowed = ATTRIBUTES.get(kind, set())
    found: dict[str, str] = {}
    for key, value in attrs.items():
        if " " in key:
            if key in RDF_ATTRIBUTES and rss10 and kind in (ENTRY, CHANNEL, IMAGE, TEXTINPUT,
                                                            IGNORED):
                found[RDF_ATTRIBUTES[key]] = value
            elif key == XML_BASE:
                _base_in(kind, found, based)
            elif kind == LINK and attribute_name(key) not in _LINK_READS:
                pass  # WordPress's thr:count: feedparser keeps it, reads nothing of it
            elif key != _XML_LANG:
                raise Unsure
            continue
        low = key.lower()
        if low == "base":
            _base_in(kind, found, based)
            continue
        if low in found or low == "lang":
            raise Unsure
        if allowed is not None and low not in allowed:
            raise Unsure
        found[low] = value.lower() if low in ("rel", "type") else value
    return found


def _base_in(kind: int, found: dict[str, str], based: bool) -> None:
    """An `xml:base` (or `base`) on a text element, as jekyll-feed writes on each <content>:
    feedparser resolves nothing inside one (relative URIs stay as they are), and restores
    its base at the element's end, when the one outside is not empty."""
    if kind not in _TEXTS or not based or "xml:base" in found:
        raise Unsure
    found["xml:base"] = ""


def attribute_name(key: str) -> str:
    """A namespaced attribute (expat's "uri local") as feedparser names it: "prefix:local"
    in a namespace it knows, the bare local name in one it does not (or in Atom's)."""
    uri, _, local = key.rpartition(" ")
    prefix = STANDARD.get(uri.lower())
    return f"{prefix}:{local}".lower() if prefix else local.lower()


@functools.cache
def _unsafe_keys() -> frozenset[str]:
    """The keys an element without a rule must not be kept under: those feedparser has a
    handler for (`_start_title`), those `feedfile` reads, and their FeedParserDict aliases
    ("guid" is "id", "description" is "summary")."""
    handled = {name.split("_", 2)[2] for name in dir(lowlevel.feedparser_strict)
               if name.startswith(("_start_", "_end_"))}
    aliases = set(lowlevel.feedparser_keymap)
    for value in lowlevel.feedparser_keymap.values():
        aliases.update([value] if isinstance(value, str) else value)
    return frozenset(handled | aliases | READ_KEYS)
