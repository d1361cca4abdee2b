"""Subscriptions as OPML: imported, exported, and kept as a copy beside the cache.

Reading OPML (what a file holds, which URLs are acceptable) is `reader.sources.opml`; the
store only stores sources. This module puts them together, for the CLI and the app alike:

* `import_opml` subscribes to the acceptable feeds of a document; `export_opml` writes plain
  OPML 2.0 of the kind newsboat (`-i`), NetNewsWire and Miniflux read.
* Everything in the cache can be fetched again except the list of what the user subscribed
  to, so that list is kept twice: `subscriptions.opml` beside the cache, OPML 2.0 that other
  readers import too (feeds, with their folders as nested outlines), plus local files and
  folders as outlines of a type only newsreader reads back. `open_cache` opens the cache with
  the copy watched: it is rewritten after every change of subscriptions, to a temporary file
  moved into place with `os.replace`, under a lock file, so a crash or a second copy of the
  app never leaves half a list and the last writer always wrote the latest state. When the
  cache was damaged and rebuilt (`reader.store.recovery`), the copy is read back into it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from reader.models import Source
from reader.paths import SUBSCRIPTIONS_NAME
from reader.sanitize import clean_line
from reader.store import Store
from reader.store.recovery import Opened, save_starred
from reader.store.recovery import open_cache as open_file

# The OPML reader (`reader.sources.opml`, with html.parser and expat behind it) is imported
# by the functions that read OPML: every start of the app and every `newsreader refresh`
# imports this module to open the cache, and neither reads OPML unless the cache was rebuilt.

__all__ = ["ImportReport", "deferred_subscriptions", "export_opml", "import_opml",
           "open_cache", "open_store", "render_subscriptions", "restore_subscriptions",
           "subscriptions_path", "watch_subscriptions", "write_subscriptions"]

_LOCAL_TYPE = "newsreader-local"


# -- import and export --------------------------------------------------------------------------
@dataclass(slots=True)
class ImportReport:
    """What an import did. `error` is set when nothing could be imported from the file (not
    OPML at all, or not one acceptable feed in it); feeds already subscribed are no error."""

    added: list[Source] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""
    already: int = 0  # feeds skipped because they are subscribed already

    @property
    def folders(self) -> int:
        """How many folders the added feeds are in, parents included."""
        from reader.sources.opml import with_parents

        return len(with_parents(source.folder for source in self.added))


def import_opml(store: Store, data: bytes) -> ImportReport:
    """Subscribe to every acceptable feed of an OPML document. Nothing is fetched here; the
    next refresh reads them. Feeds already subscribed are skipped, with that reason."""
    from reader.sources.opml import OpmlError, parse_opml

    report = ImportReport()
    try:
        feeds = parse_opml(data)
    except OpmlError as exc:
        report.error = str(exc)
        return report
    report.skipped.extend(feeds.rejected)
    report.notes.extend(feeds.notes)
    with deferred_subscriptions(store):  # the OPML copy beside the cache: written once
        for feed in feeds:
            if store.source_by_location(feed.url) is not None:
                report.skipped.append(f"{feed.url}: already subscribed")
                report.already += 1
                continue
            report.added.append(store.add_source("feed", feed.url, feed.title, feed.folder))
    if not feeds and not feeds.rejected:
        report.error = "not a single feed in it (no outline with an xmlUrl)"
    elif not feeds:
        report.error = "none of its feeds could be imported (the reasons are above)"
    return report


def export_opml(store: Store, title: str = "newsreader subscriptions") -> str:
    """OPML 2.0 of every feed subscription, folders as nested outlines (local files and
    folders are not feeds and stay out: no other reader could open them)."""
    from email.utils import formatdate  # here: every start imports this module (start-up)
    from xml.sax.saxutils import escape

    from reader.sources.opml import url_problem

    feeds = sorted((s for s in store.sources() if s.kind == "feed"),
                   key=lambda s: (s.folder.split("/") if s.folder else [], s.label.lower()))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">', "  <head>",
             f"    <title>{escape(clean_line(title))}</title>",
             f"    <dateCreated>{formatdate(time.time(), usegmt=True)}</dateCreated>",
             "  </head>", "  <body>"]
    outlines = []
    for source in feeds:
        name = _attr(source.title or source.location)
        attrs = [f"type=\"rss\" text={name} title={name}", f"xmlUrl={_attr(source.location)}"]
        if source.link and url_problem(source.link) == "":  # a safe site link only
            attrs.append(f"htmlUrl={_attr(source.link)}")
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
            text = _attr(name)
            lines.append("    " + "  " * len(open_path) + f"<outline text={text} title={text}>")
            open_path.append(name)
        lines.append("    " + "  " * len(open_path) + element)
    while open_path:
        open_path.pop()
        lines.append("    " + "  " * len(open_path) + "</outline>")
    return lines


def _attr(text: str) -> str:
    """An XML attribute value: XML 1.0 cannot carry control characters, even escaped."""
    # Imported here, not at the top: `saxutils` loads `urllib.request` (31 modules, ~12 ms),
    # and every start of the app imports this module to open the cache.
    from xml.sax.saxutils import quoteattr

    return quoteattr(clean_line(text))


# -- the copy beside the cache ------------------------------------------------------------------
def subscriptions_path(store: Store) -> Path:
    return store.path.with_name(SUBSCRIPTIONS_NAME)


def render_subscriptions(store: Store) -> str:
    """OPML 2.0: feeds as every reader writes them (folders as nested outlines), then local
    files and folders as outlines of our own type, which other readers pass over."""
    from email.utils import formatdate  # here: every start imports this module (start-up)

    rows = store.listed_sources()
    feeds = sorted((r for r in rows if r[0] == "feed"),
                   key=lambda r: ([p for p in r[3].split("/") if p], (r[2] or r[1]).lower()))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">', "  <head>",
             "    <title>newsreader subscriptions (a copy kept beside the cache)</title>",
             f"    <dateModified>{formatdate(time.time(), usegmt=True)}</dateModified>",
             "  </head>", "  <body>"]
    outlines = []
    for _kind, location, title, folder, link in feeds:
        label = _attr(title or location)
        extra = f" htmlUrl={_attr(link)}" if link else ""
        outlines.append((folder, f'<outline type="rss" text={label} title={label} '
                                 f"xmlUrl={_attr(location)}{extra}/>"))
    lines += nested_outlines(outlines)
    for kind, location, title, folder, _link in rows:
        if kind in ("file", "folder"):
            label = _attr(title or location)
            lines.append(f'    <outline type="{_LOCAL_TYPE}" text={label} title={label} '
                         f'kind="{kind}" path={_attr(location)} folder={_attr(folder)}/>')
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def write_subscriptions(store: Store) -> Path | None:
    """Rewrite `subscriptions.opml` beside the cache, atomically. Returns its path, or None
    when it could not be written (a full disk must not fail the change that was just made)."""
    target = subscriptions_path(store)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with _locked(target.with_name(f".{target.name}.lock")):
            data = render_subscriptions(store).encode("utf-8")
            with open(temp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
    except (OSError, sqlite3.Error):
        with contextlib.suppress(OSError):
            temp.unlink()
        return None
    return target


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: os.replace alone is still atomic
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def watch_subscriptions(store: Store) -> None:
    """Rewrite the OPML copy whenever the store's subscriptions change."""
    def changed() -> None:
        write_subscriptions(store)

    store.on_sources_changed = changed


@contextlib.contextmanager
def deferred_subscriptions(store: Store) -> Iterator[None]:
    """Within the block, changes of subscriptions rewrite the OPML copy once, at the end
    (an import of 1,000 feeds would otherwise write it 1,000 times: 35 ms each)."""
    hook = store.on_sources_changed
    if hook is None:
        yield
        return
    changed: list[bool] = []
    store.on_sources_changed = lambda: changed.append(True)
    try:
        yield
    finally:
        store.on_sources_changed = hook
        if changed:
            hook()


def restore_subscriptions(store: Store, opml: Path) -> tuple[int, int]:
    """Subscribe again to what the OPML copy lists: (feeds, local sources) added.

    Feeds go through the ordinary OPML import rules (http(s) only, no entities); local
    sources must be absolute paths. Raises OSError or ValueError when the file is unreadable.
    """
    from reader.sources.opml import OpmlError, parse_opml

    data = opml.read_bytes()
    try:
        feeds = parse_opml(data)
    except OpmlError as exc:
        raise ValueError(str(exc)) from exc
    added = [0, 0]
    with deferred_subscriptions(store):
        for feed in feeds:
            if store.source_by_location(feed.url) is None:
                store.add_source("feed", feed.url, feed.title, feed.folder)
                added[0] += 1
        for kind, path, title, folder in _local_outlines(data):
            if store.source_by_location(path) is None:
                store.add_source(kind, path, title, folder)
                added[1] += 1
    return added[0], added[1]


def _local_outlines(data: bytes) -> list[tuple[str, str, str, str]]:
    """(kind, path, title, folder) of our own local-source outlines. `parse_opml` has already
    refused entities and malformed XML; this parser refuses them again on its own."""
    import xml.parsers.expat

    found: list[tuple[str, str, str, str]] = []

    def refuse(*_: object) -> None:
        raise ValueError("the subscriptions copy declares XML entities")

    def start(name: str, attrs: dict[str, str]) -> None:
        if name != "outline" or attrs.get("type") != _LOCAL_TYPE:
            return
        kind, path = attrs.get("kind", ""), attrs.get("path", "")
        if kind in ("file", "folder") and os.path.isabs(path) and "\x00" not in path:
            found.append((kind, path, clean_line(attrs.get("title", ""))[:500],
                          clean_line(attrs.get("folder", ""))[:500]))

    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise ValueError(f"not an OPML file: {xml.parsers.expat.ErrorString(exc.code)}") from None
    return found


# -- opening the cache with its copy ------------------------------------------------------------
def open_store(data_dir: str | os.PathLike[str] | None = None, *,
               clock: Callable[[], float] | None = None, check: bool = True,
               announce: Callable[[str], None] | None = None) -> tuple[Store, list[str]]:
    """The cache in `data_dir` (default: `reader.paths.data_dir()`), and notices for the user.

    Notices are plain sentences, empty when all was well. Raises StoreError (in words) when
    the cache cannot be opened at all. See `open_cache` for `check` and `announce`."""
    opened = open_cache(data_dir, clock=clock, check=check, announce=announce)
    return opened.store, opened.notices


def open_cache(data_dir: str | os.PathLike[str] | None = None, *,
               clock: Callable[[], float] | None = None, check: bool = True,
               announce: Callable[[str], None] | None = None) -> Opened:
    """`reader.store.recovery.open_cache`, then the subscriptions' copy: read back into a
    cache that was rebuilt, watched from now on, and written if it is missing (a cache from
    before the copy existed)."""
    opened = open_file(data_dir, clock=clock, check=check, announce=announce)
    if opened.aside is not None:
        _bring_back(opened, opened.aside)
    store = opened.store
    watch_subscriptions(store)
    if not subscriptions_path(store).exists() and store.listed_sources():
        write_subscriptions(store)
    return opened


def _bring_back(opened: Opened, aside: Path) -> None:
    """After a rebuild: the subscriptions from their copy, then the starred stories from the
    damaged file; the notices say what came back."""
    store = opened.store
    opml = subscriptions_path(store)
    kept_opml = aside.with_name(aside.name + "." + SUBSCRIPTIONS_NAME)
    with contextlib.suppress(OSError):  # the copy as it was, whatever the new cache does
        kept_opml.write_bytes(opml.read_bytes())
    if not opml.exists():
        opened.notices.append("No copy of your subscriptions was found beside it: add your "
                              "sources again (or import an OPML file).")
        return
    try:
        feeds, local = restore_subscriptions(store, opml)
    except (OSError, ValueError) as exc:
        opened.notices.append(f"Your subscriptions could not be read back from {opml} ({exc}); "
                              f"a copy is kept at {kept_opml}.")
        return
    count = feeds + local
    noun = "subscription was" if count == 1 else "subscriptions were"
    starred = save_starred(store, aside)
    marks = ("Read marks could not be kept." if not starred else
             f"Your {starred:,} starred {'story was' if starred == 1 else 'stories were'} "
             "saved from the damaged file; read marks could not be kept.")
    opened.notices.append(f"{count} {noun} restored from {opml}; their stories come back with "
                          f"the next refresh. {marks}")
