"""What the direct road (`reader.sources.directfeed`) takes: the namespaces, elements and
attributes it has a rule for, level by level. Anything not listed here is refused, so that
feedparser reads the document instead.
"""

from __future__ import annotations

from reader import lowlevel

ATOM = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RSS10 = "http://purl.org/rss/1.0/"
XHTML_NS = "http://www.w3.org/1999/xhtml"
# Namespaces whose elements may appear (each under the prefix feedparser gives it).
KNOWN = {"": "", ATOM: "", RSS10: "", RDF_NS: "rdf",
         "http://purl.org/rss/1.0/modules/content/": "content",
         "http://purl.org/dc/elements/1.1/": "dc", "http://search.yahoo.com/mrss/": "media",
         "http://search.yahoo.com/mrss": "media",
         "http://purl.org/rss/1.0/modules/slash/": "slash",
         "http://wellformedweb.org/commentAPI/": "wfw",
         "http://purl.org/rss/1.0/modules/syndication/": "sy",
         "http://rssnamespace.org/feedburner/ext/1.0": "feedburner"}
STANDARD = {uri.lower(): prefix for uri, prefix in lowlevel.feedparser_namespaces.items()}
STANDARD_NAMES = {prefix for prefix in STANDARD.values() if prefix}
# Namespaces that would set feedparser's version to an RSS 1.0 / 0.90 one.
_RDF_VERSIONS = {RSS10, "http://my.netscape.com/rdf/simple/0.9/"}
# Whose declaration feedparser turns into an attribute of the element (xlink), or that would
# give RSS 0.90's version: not ours.
REFUSED_NAMESPACES = {"http://www.w3.org/1999/xlink", "http://my.netscape.com/rdf/simple/0.9/"}
# The RDF attributes of RSS 1.0 (feedparser reads an item's rdf:about as its id).
RDF_ATTRIBUTES = {RDF_NS + " about": "rdf:about", RDF_NS + " resource": "rdf:resource"}

# What an element is: leaves (text elements, and IGNORED ones) up to IGNORED, containers
# after it. An AUTHOR leaf becomes a PERSON container when an element opens inside it.
TITLE, LINK, ID, PUBLISHED, UPDATED, AUTHOR, DESCRIPTION, SUMMARY, CONTENT, ENCODED = range(10)
NAME, IGNORED, ENTRY, IMAGE, PERSON, CHANNEL, FEED, RSS, RDF, ITEMS, SEQ = range(10, 21)
SPECIAL = {ENTRY, AUTHOR, IMAGE, CHANNEL}  # what `directfeed._Road._special` looks at
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
TABLES = {RSS: {"channel": CHANNEL}, CHANNEL: _FEED, FEED: _FEED, ENTRY: _ENTRY,
          IMAGE: _IMAGE, PERSON: _PERSON,
          RDF: {"channel": CHANNEL, "item": ENTRY, "image": IMAGE},
          ITEMS: {"rdf:seq": SEQ}, SEQ: {"rdf:li": IGNORED}}
# The attributes each kind of element may carry (xml:lang anywhere: it sets nothing we read).
ATTRIBUTES = {TITLE: {"type"}, LINK: {"rel", "type", "href", "title", "hreflang", "length"},
              ID: {"ispermalink"}, DESCRIPTION: {"type"}, SUMMARY: {"type"},
              CONTENT: {"type"}, ENCODED: {"type"}, IGNORED: None}
HTML_TYPES = {"text/html", "application/xhtml+xml"}
XHTML = "application/xhtml+xml"
