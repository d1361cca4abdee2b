"""Feed autodiscovery: the feeds a web page announces with `<link rel="alternate">`.

People paste the address of a site, not of its feed. Browsers and feed readers agree on one
convention (the RSS autodiscovery spec, and its Atom and JSON Feed equivalents):

    <link rel="alternate" type="application/rss+xml" title="Posts" href="/feed.xml">

We read only those tags, with the standard library's forgiving HTML tokenizer (pages are rarely
valid), resolve each href against the page URL (or its `<base href>`), keep http(s) results
only, and drop duplicates. Guessing common paths (/feed, /rss.xml) is left out on purpose: it
costs requests to a site the user did not ask us to probe.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from reader.sanitize import clean_line

FEED_TYPES = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/feed+json": "JSON Feed",
    "application/json": "JSON Feed",
    "application/rdf+xml": "RSS",
}
MAX_PAGE = 2 * 2**20  # links live in <head>; a huge page is not read to its end
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base = ""
        self.links: list[tuple[str, str, str]] = []  # (title, href, type)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and not self.base and values.get("href"):
            self.base = values["href"].strip()
        elif tag == "link":
            rels = values.get("rel", "").lower().split()
            kind = values.get("type", "").split(";")[0].strip().lower()
            if "alternate" in rels and kind in FEED_TYPES and values.get("href", "").strip():
                self.links.append((values.get("title", ""), values["href"].strip(), kind))

    handle_startendtag = handle_starttag


def find_feed_links(page: bytes | str, page_url: str,
                    content_type: str = "") -> list[tuple[str, str]]:
    """(title, absolute URL) of every feed the page links to, in page order, without repeats.

    A link without a title gets its format as title ("RSS", "Atom", "JSON Feed").
    """
    text = page if isinstance(page, str) else _decode(page[:MAX_PAGE], content_type)
    finder = _LinkFinder()
    try:
        finder.feed(text[:MAX_PAGE])
        finder.close()
    except (AssertionError, ValueError):  # old HTMLParser versions could raise on junk
        pass
    base = urljoin(page_url, finder.base) if finder.base else page_url
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for title, href, kind in finder.links:
        try:
            url = urljoin(base, href)
            parts = urlsplit(url)
        except ValueError:
            continue
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or url in seen:
            continue
        seen.add(url)
        found.append((clean_line(title)[:200] or FEED_TYPES[kind], url))
    return found


def _decode(data: bytes, content_type: str) -> str:
    charset = ""
    match = re.search(r"charset\s*=\s*\"?([A-Za-z0-9._:-]+)", content_type, re.I)
    if match:
        charset = match.group(1)
    else:
        meta = _CHARSET.search(data[:4096])
        if meta:
            charset = meta.group(1).decode("ascii", "replace")
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return data.decode(candidate, errors="replace")
        except LookupError:
            continue
    return data.decode("utf-8", errors="replace")
