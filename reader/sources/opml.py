"""OPML subscription lists: import what other readers export, export what they import.

OPML is how people move between feed readers, so both directions must interoperate:
nested `<outline>`s are folders ("News/World" here), `xmlUrl` is the feed, `text`/`title` its
name; the export is plain OPML 2.0 of the kind newsboat (`-i`), NetNewsWire and Miniflux read.

An OPML file is also untrusted input that names URLs we will fetch, so:

* Only http(s) feed URLs are accepted. newsboat once ran `exec:` and `filter:` "URLs" and
  piped commands from imported OPML; here `exec:`, `filter:`, `file:`, `query:`, `|cmd` and
  anything else are rejected, each with a reason that the import report shows.
* The XML parser refuses entity declarations and external entities (billion laughs, XXE), and
  never opens a file or a connection. A DOCTYPE without entities is harmless and tolerated.
"""

from __future__ import annotations

import time
import xml.parsers.expat
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from reader.models import Source
from reader.sanitize import clean_line
from reader.store import Store

MAX_OPML = 20 * 2**20
MAX_DEPTH = 50


class OpmlError(ValueError):
    """The file is not a readable OPML document; the message says why."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str = ""
    folder: str = ""


class OpmlFeeds(list[OpmlFeed]):
    """The accepted feeds, in document order; `rejected` holds a reason per refused outline."""

    def __init__(self) -> None:
        super().__init__()
        self.rejected: list[str] = []


@dataclass(slots=True)
class ImportReport:
    added: list[Source] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def parse_opml(data: bytes) -> OpmlFeeds:
    """The feeds of an OPML document. Raises OpmlError when it is not OPML at all."""
    if len(data) > MAX_OPML:
        raise OpmlError(f"not an OPML file: larger than {MAX_OPML // 2**20} MB")
    feeds = OpmlFeeds()
    seen: set[str] = set()
    folders: list[str | None] = []  # one per open <outline>: its folder name, or None
    root: list[str] = []

    def refuse(*_: object) -> None:
        raise OpmlError("not an OPML file: it declares XML entities, which are refused")

    def start(name: str, attrs: dict[str, str]) -> None:
        if not root:
            root.append(name)
            if name.lower() != "opml":
                raise OpmlError(f"not an OPML file: the document is <{name}>, not <opml>")
        if name != "outline":
            return
        if len(folders) >= MAX_DEPTH:
            raise OpmlError(f"not an OPML file: outlines nested deeper than {MAX_DEPTH}")
        lower = {k.lower(): v for k, v in attrs.items()}
        title = clean_line(lower.get("title") or lower.get("text") or "")[:500]
        url = lower.get("xmlurl")
        path = "/".join(f for f in folders if f)
        if url is None:
            folders.append(title.replace("/", "-") or None)
            return
        folders.append(None)  # outlines nested inside a feed stay in the feed's folder
        reason = _url_problem(url)
        if reason:
            feeds.rejected.append(f"{title or clean_line(url)[:100]}: {reason}")
        elif url.strip() in seen:
            feeds.rejected.append(f"{url.strip()}: listed twice in the file")
        else:
            seen.add(url.strip())
            feeds.append(OpmlFeed(url.strip(), title, path))

    def end(name: str) -> None:
        if name == "outline":
            folders.pop()

    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise OpmlError(f"not an OPML file: {xml.parsers.expat.ErrorString(exc.code)} "
                        f"at line {exc.lineno}") from None
    if not root:
        raise OpmlError("not an OPML file: it is empty")
    return feeds


def _url_problem(url: str) -> str:
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


def import_opml(store: Store, data: bytes) -> ImportReport:
    """Subscribe to every acceptable feed of an OPML document. Nothing is fetched here; the
    next refresh reads them. Feeds already subscribed are skipped, with that reason."""
    report = ImportReport()
    try:
        feeds = parse_opml(data)
    except OpmlError as exc:
        report.skipped.append(str(exc))
        return report
    report.skipped.extend(feeds.rejected)
    from reader.store.recovery import deferred_subscriptions

    with deferred_subscriptions(store):  # the OPML copy beside the cache: written once
        for feed in feeds:
            if store.source_by_location(feed.url) is not None:
                report.skipped.append(f"{feed.url}: already subscribed")
                continue
            report.added.append(store.add_source("feed", feed.url, feed.title, feed.folder))
    return report


def export_opml(store: Store, title: str = "newsreader subscriptions") -> str:
    """OPML 2.0 of every feed subscription, folders as nested outlines (local files and
    folders are not feeds and stay out: no other reader could open them)."""
    feeds = sorted((s for s in store.sources() if s.kind == "feed"),
                   key=lambda s: (s.folder.split("/") if s.folder else [], s.label.lower()))
    links = _links(store)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">', "  <head>",
             f"    <title>{escape(_xml_safe(title))}</title>",
             f"    <dateCreated>{formatdate(time.time(), usegmt=True)}</dateCreated>",
             "  </head>", "  <body>"]
    outlines = []
    for source in feeds:
        name = quoteattr(_xml_safe(source.title or source.location))
        attrs = [f"type=\"rss\" text={name} title={name}",
                 f"xmlUrl={quoteattr(_xml_safe(source.location))}"]
        if links.get(source.id):
            attrs.append(f"htmlUrl={quoteattr(_xml_safe(links[source.id]))}")
        outlines.append((source.folder, f"<outline {' '.join(attrs)}/>"))
    lines += nested_outlines(outlines)
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def nested_outlines(items: Iterable[tuple[str, str]]) -> list[str]:
    """Indented body lines for (folder, outline element) pairs already sorted by folder: a
    folder "A/B" becomes nested <outline> elements, opened and closed as the folders change.
    Shared by the export and by the copy of the subscriptions kept beside the cache."""
    lines: list[str] = []
    open_path: list[str] = []
    for folder, element in items:
        path = [p for p in folder.split("/") if p]
        common = 0
        while common < min(len(path), len(open_path)) and path[common] == open_path[common]:
            common += 1
        while len(open_path) > common:
            open_path.pop()
            lines.append("    " + "  " * len(open_path) + "</outline>")
        for name in path[common:]:
            text = quoteattr(_xml_safe(name))
            lines.append("    " + "  " * len(open_path) + f"<outline text={text} title={text}>")
            open_path.append(name)
        lines.append("    " + "  " * len(open_path) + element)
    while open_path:
        open_path.pop()
        lines.append("    " + "  " * len(open_path) + "</outline>")
    return lines


def _links(store: Store) -> dict[int, str]:
    """Source id -> its site link, when it is a safe one."""
    return {s.id: s.link for s in store.sources() if s.link and _url_problem(s.link) == ""}


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot carry most control characters at all, even escaped."""
    return clean_line(text)
