"""What the direct road (`reader.sources.directfeed`) takes: the namespaces, elements and
attributes it has a rule for, level by level. Anything not listed here is refused, so that
feedparser reads the document instead, unless feedparser has no handler for it either
(`OTHER_LEVELS`, where such an element may stand).
"""

from __future__ import annotations

from reader import lowlevel

ATOM = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RSS10 = "http://purl.org/rss/1.0/"
XHTML_NS = "http://www.w3.org/1999/xhtml"
# The namespaces feedparser knows, each with the prefix it names their elements with, keyed
# in lower case: feedparser matches namespace URIs whatever their case (WordPress declares
# "http://wellformedweb.org/CommentAPI/"). Which of their elements the road takes: `TABLES`.
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
# after it. An AUTHOR leaf becomes a PERSON container when an element opens inside it, a
# SOURCE leaf an ORIGIN one.
TITLE, LINK, ID, PUBLISHED, UPDATED, AUTHOR, DESCRIPTION, SUMMARY, CONTENT, ENCODED = range(10)
MEDIA_TITLE = 10  # media:title: a title that leaves feedparser's title depth as it was
SOURCE = 11  # RSS's <source>: the item's origin, after which a later <title> counts again
SOURCE_TITLE = 12  # the title of the feed an Atom entry came from (inside its <source>)
NAME, IGNORED, ENTRY, IMAGE, PERSON, CHANNEL, FEED, RSS, RDF, ITEMS, SEQ = range(13, 24)
# media:group and media:content (their title and description count), itunes:owner (a
# publisher), nested itunes:category (tags), elements without a rule (`OTHER_LEVELS`), and
# Atom's <source> (a SOURCE with elements: the feed a Planet's entry came from)
MEDIA, OWNER, TAGS, OTHER, ORIGIN = range(24, 29)
# RSS's <textInput> (a search box: feedparser keeps it under the feed's "textinput", which
# `feedfile` never reads); like <image>, it makes feedparser forget the title depth
TEXTINPUT = 29
SPECIAL = {ENTRY, AUTHOR, IMAGE, CHANNEL, TEXTINPUT}  # what `directfeed._Road._special` looks at
# Leaves whose feedparser handlers write only keys `feedfile` never reads.
_IGNORED_IN_ENTRY = {"category", "comments", "enclosure", "dc:subject", "slash:comments",
                     "wfw:commentrss", "wfw:comment", "feedburner:origlink", "dc:publisher",
                     "dc:rights", "dc:language", "rights"}
# Podcasts' and Media RSS's leaves whose feedparser handlers write only keys `feedfile` never
# reads (tags, images, ratings; a name or e-mail address outside an author or owner is
# dropped). Not itunes:link: its handler pushes one name, its end pops another, and what
# follows in feedparser shifts.
_ITUNES_IGNORED = {"itunes:subtitle", "itunes:image", "itunes:explicit", "itunes:block",
                   "itunes:keywords", "itunes:name", "itunes:email"}
_MEDIA_IGNORED = {"media:thumbnail", "media:rating", "media:credit", "media:restriction",
                  "media:license", "media:category", "media:keywords", "media:player"}
# What feedparser reads as a title, an author, a summary or a description wherever it stands
# (its handlers for these are those of <title>, <author> ...).
_ALIASES = {"dc:title": TITLE, "dc:description": DESCRIPTION,
            "itunes:author": AUTHOR, "itunes:summary": SUMMARY, "itunes:owner": OWNER,
            "itunes:category": TAGS, "media:title": MEDIA_TITLE,
            "media:description": DESCRIPTION,
            **dict.fromkeys(_ITUNES_IGNORED | _MEDIA_IGNORED, IGNORED)}
_IGNORED_IN_FEED = {"subtitle", "language", "lastbuilddate", "pubdate",
                    "published", "updated", "generator", "ttl", "copyright", "rights",
                    "managingeditor", "webmaster", "docs", "category", "cloud", "rating",
                    "icon", "logo", "dc:language", "dc:rights", "dc:date", "dc:creator",
                    "sy:updateperiod", "sy:updatefrequency", "sy:updatebase",
                    "feedburner:info", "dc:publisher", "dc:subject", "admin:generatoragent",
                    "admin:errorreportsto"}
_ENTRY = {"title": TITLE, "link": LINK, "guid": ID, "id": ID, "pubdate": PUBLISHED,
         "published": PUBLISHED, "updated": UPDATED, "dc:date": UPDATED, "author": AUTHOR,
         "dc:creator": AUTHOR, "description": DESCRIPTION, "summary": SUMMARY,
         "content": CONTENT, "content:encoded": ENCODED,
         "dcterms:issued": PUBLISHED, "dcterms:modified": UPDATED, "source": SOURCE,
         "media:group": MEDIA, "media:content": MEDIA,
         **dict.fromkeys(_IGNORED_IN_ENTRY, IGNORED), **_ALIASES}
_FEED = {"title": TITLE, "link": LINK, "id": ID, "item": ENTRY, "entry": ENTRY,
         "image": IMAGE, "textinput": TEXTINPUT, "author": AUTHOR, "items": ITEMS,
         "description": DESCRIPTION, "summary": SUMMARY, "media:content": IGNORED,
         **dict.fromkeys(_IGNORED_IN_FEED, IGNORED), **_ALIASES}
_IMAGE = dict.fromkeys(("title", "link", "url", "width", "height", "description"), IGNORED)
# The four children feedparser's textinput hack lets stay inside: any other element without
# a prefix ends it there (and one with a prefix would be filed in it).
_TEXTINPUT = dict.fromkeys(("title", "description", "name", "link"), IGNORED)
_PERSON = {"name": NAME, "email": IGNORED, "uri": IGNORED}
# RSS 1.0: items and the image beside the channel; the channel's <items> lists the items'
# addresses (feedparser keeps them under keys feedfile never reads).
TABLES = {RSS: {"channel": CHANNEL}, CHANNEL: _FEED, FEED: _FEED, ENTRY: _ENTRY,
          IMAGE: _IMAGE, TEXTINPUT: _TEXTINPUT, PERSON: _PERSON,
          RDF: {"channel": CHANNEL, "item": ENTRY, "image": IMAGE, "textinput": TEXTINPUT},
          ITEMS: {"rdf:seq": SEQ}, SEQ: {"rdf:li": IGNORED}, OTHER: {},
          MEDIA: {"media:title": MEDIA_TITLE, "media:description": DESCRIPTION,
                  "media:content": MEDIA, **dict.fromkeys(_MEDIA_IGNORED, IGNORED)},
          OWNER: {"itunes:name": IGNORED, "itunes:email": IGNORED},
          TAGS: {"itunes:category": TAGS},
          # what feedparser keeps of the origin, apart from the entry (its `sourcedata`)
          ORIGIN: {"title": SOURCE_TITLE, "author": AUTHOR, **dict.fromkeys((
              "id", "link", "updated", "published", "subtitle", "rights", "icon", "logo",
              "category", "generator"), IGNORED)}}
# Where an element without a rule may stand when feedparser has no handler for it either
# (OTHER, `directfeed._Road._other`): feedparser then keeps its text or attributes under a key
# of the element's own name in the entry or the feed, which `feedfile` never reads. Not in an
# <image>: an element without a prefix ends feedparser's image there.
OTHER_LEVELS = {ENTRY, CHANNEL, FEED, PERSON, MEDIA, OTHER}
# The keys `feedfile` reads (and those feedparser writes with them), beside which no other
# element's key may fall; `FeedParserDict`'s aliases are added where they are used.
READ_KEYS = {"title", "title_detail", "link", "links", "id", "content", "summary",
             "summary_detail", "author", "author_detail", "authors", "published",
             "published_parsed", "updated", "updated_parsed", "created", "created_parsed",
             "subtitle", "subtitle_detail", "category", "tags", "enclosures", "license",
             "href", "image", "textinput", "itunes_keywords"}
# The attributes each kind of element may carry (xml:lang anywhere: it sets nothing we read).
ATTRIBUTES = {TITLE: {"type"}, LINK: {"rel", "type", "href", "title", "hreflang", "length"},
              ID: {"ispermalink"}, DESCRIPTION: {"type"}, SUMMARY: {"type"},
              CONTENT: {"type"}, ENCODED: {"type"}, MEDIA_TITLE: {"type"}, IGNORED: None,
              MEDIA: None, OTHER: None, TAGS: {"text"}, SOURCE: None, SOURCE_TITLE: {"type"}}
HTML_TYPES = {"text/html", "application/xhtml+xml"}
XHTML = "application/xhtml+xml"
