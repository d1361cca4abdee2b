"""The copy of the subscriptions kept beside the cache: `subscriptions.opml`.

Everything in the cache can be fetched again except the list of what the user subscribed to,
so that list is kept twice. The copy is OPML 2.0 that other readers import too (feeds, with
their folders as nested outlines), plus local files and folders as outlines of a type only
newsreader reads back. It is rewritten after every change of subscriptions (see
`reader.store.recovery.watch_subscriptions`), to a temporary file moved into place with
`os.replace`, under a lock file, so a crash or a second copy of the app never leaves half a
list and the last writer always wrote the latest state. `restore_subscriptions` reads it back
into a new cache after a damaged one was set aside.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
import xml.parsers.expat
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path
from xml.sax.saxutils import quoteattr

from reader.sanitize import clean_line
from reader.store import Store

__all__ = ["SUBSCRIPTIONS_NAME", "deferred_subscriptions", "render_subscriptions",
           "restore_subscriptions", "subscriptions_path", "write_subscriptions"]

SUBSCRIPTIONS_NAME = "subscriptions.opml"
_LOCAL_TYPE = "newsreader-local"


def subscriptions_path(store: Store) -> Path:
    return store.path.with_name(SUBSCRIPTIONS_NAME)


def _subscriptions(store: Store) -> list[tuple[str, str, str, str, str]]:
    """(kind, location, title, folder, link) of every subscription but the welcome story.

    A light query of its own: `Store.sources()` also counts every source's stories, which
    costs 30 ms with 1,000 sources, and this runs after every change."""
    rows = store._conn().execute(  # noqa: SLF001 - the store has no such light listing
        "SELECT kind, location, title, folder, link FROM sources WHERE kind != 'welcome'")
    return [(str(k), str(loc), str(t), str(f), str(link)) for k, loc, t, f, link in rows]


def render_subscriptions(store: Store) -> str:
    """OPML 2.0: feeds as every reader writes them (folders as nested outlines), then local
    files and folders as outlines of our own type, which other readers pass over."""
    rows = _subscriptions(store)
    feeds = sorted((r for r in rows if r[0] == "feed"),
                   key=lambda r: ([p for p in r[3].split("/") if p], (r[2] or r[1]).lower()))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">', "  <head>",
             "    <title>newsreader subscriptions (a copy kept beside the cache)</title>",
             f"    <dateModified>{formatdate(time.time(), usegmt=True)}</dateModified>",
             "  </head>", "  <body>"]
    from reader.sources.opml import nested_outlines

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


def _attr(text: str) -> str:
    """An XML attribute value: XML 1.0 cannot carry control characters, even escaped."""
    return quoteattr(clean_line(text))


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


def _local_outlines(data: bytes) -> list[tuple[str, str, str, str]]:
    """(kind, path, title, folder) of our own local-source outlines. `parse_opml` has already
    refused entities and malformed XML; this parser refuses them again on its own."""
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
