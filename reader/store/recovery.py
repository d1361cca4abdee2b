"""Open the cache so that a damaged file never stands between a reader and their news.

The cache is only a cache: everything in it can be fetched again, except the list of what the
user subscribed to (and their read/starred marks). So:

* Beside the database, `subscriptions.opml` is rewritten after every change of subscriptions
  (added, removed, renamed, moved): OPML 2.0 that other readers import too, with local files
  and folders as extra outlines only newsreader reads back. It is written to a temporary file
  and moved into place with `os.replace`, under a lock file, so a crash or a second copy of
  the app never leaves half a list and the last writer always wrote the latest state.
* At start the cache is opened and checked. A file SQLite calls corrupt ("file is not a
  database", "database disk image is malformed", or a failed `PRAGMA quick_check`) is moved
  aside with a timestamp (never deleted: `sqlite3 … .recover` may still save it), a new cache
  is built, the subscriptions come back from the OPML copy, and the caller gets sentences to
  show the user. `quick_check` reads the whole file (0.22 s for 200 MB, measured), so it runs
  at every start only for caches under `CHECK_ALWAYS_BELOW`, and at most once a day above.
* Other failures (a read-only folder, a full disk, a cache from a newer release) are not
  corruption: nothing is moved, and `StoreError` says what is wrong in words.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
import xml.parsers.expat
from collections.abc import Callable, Iterator
from email.utils import formatdate
from pathlib import Path
from xml.sax.saxutils import quoteattr

from reader.paths import DB_NAME
from reader.sanitize import clean_line
from reader.store import Store, StoreError
from reader.store.schema import SchemaTooNew

__all__ = ["SUBSCRIPTIONS_NAME", "deferred_subscriptions", "open_store", "restore_subscriptions",
           "watch_subscriptions", "write_subscriptions"]

SUBSCRIPTIONS_NAME = "subscriptions.opml"
CHECK_ALWAYS_BELOW = 16 * 2**20  # bytes: quick_check costs ~17 ms at this size
CHECK_INTERVAL = 24 * 3600.0  # larger caches are checked at most this often
_CHECKED_KEY = "integrity_checked_at"
FULL = 256 * 1024  # bytes free below which a failure to open is blamed on a full disk
_LOCAL_TYPE = "newsreader-local"
# SQLite's primary result codes for a damaged file (extended codes keep them in the low byte).
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


def open_store(data_dir: str | os.PathLike[str] | None = None, *,
               clock: Callable[[], float] | None = None) -> tuple[Store, list[str]]:
    """The cache in `data_dir` (default: `reader.paths.data_dir()`), and notices for the user.

    Notices are plain sentences, empty when all was well. Raises StoreError (in words) when
    the cache cannot be opened at all (read-only folder, full disk, newer schema).
    """
    from reader.paths import data_dir as default_dir

    directory = default_dir(data_dir)
    db = directory / DB_NAME
    now = (clock or time.time)()
    try:
        store = Store(db, clock=clock)
    except SchemaTooNew as exc:
        raise StoreError(str(exc)) from exc
    except StoreError as exc:
        damage = _damage(exc)
        if damage is None:
            raise StoreError(explain(exc, directory)) from exc
        store, notices = _rebuild(db, damage, now, clock)
    else:
        damage = _check(store, db, now)
        if damage is None:
            notices = []
        else:
            store.close()
            store, notices = _rebuild(db, damage, now, clock)
    watch_subscriptions(store)
    if not subscriptions_path(store).exists() and _subscriptions(store):
        write_subscriptions(store)  # a cache from before the copy existed
    return store, notices


def subscriptions_path(store: Store) -> Path:
    return store.path.with_name(SUBSCRIPTIONS_NAME)


def watch_subscriptions(store: Store) -> None:
    """Rewrite the OPML copy whenever the store's subscriptions change."""
    def changed() -> None:
        write_subscriptions(store)

    store.on_sources_changed = changed


# -- the check at start --------------------------------------------------------------------------

def _damage(exc: BaseException) -> str | None:
    """The reason, when `exc` (or what caused it) says the file is damaged; else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sqlite3.DatabaseError):
            code = getattr(current, "sqlite_errorcode", None)
            if code is not None and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
                return str(current)
            text = str(current).lower()
            if "malformed" in text or "not a database" in text:
                return str(current)
        current = current.__cause__ or current.__context__
    return None


def _check(store: Store, db: Path, now: float) -> str | None:
    """Why the opened cache is damaged, or None. Reading the source list is always done (it is
    what the app shows first); the full quick_check as described in the module docstring."""
    try:
        size = db.stat().st_size
    except OSError:
        size = 0
    try:
        store.sources()
        if size >= CHECK_ALWAYS_BELOW and 0 <= now - _float(
                store.get_meta(_CHECKED_KEY)) < CHECK_INTERVAL:
            return None
        result = store.quick_check()
    except sqlite3.DatabaseError as exc:
        damage = _damage(exc)
        if damage is None:
            raise StoreError(explain(exc, db.parent)) from exc
        return damage
    if result != "ok":
        return f"the integrity check says: {clean_line(result)[:200]}"
    if size >= CHECK_ALWAYS_BELOW:
        with contextlib.suppress(StoreError):  # a read-only cache can still be read
            store.set_meta(_CHECKED_KEY, repr(now))
    return None


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _rebuild(db: Path, damage: str, now: float,
             clock: Callable[[], float] | None) -> tuple[Store, list[str]]:
    """Move the damaged file aside, make a new cache, bring the subscriptions back."""
    aside = _aside_name(db, now)
    opml = db.with_name(SUBSCRIPTIONS_NAME)
    try:
        os.replace(db, aside)
    except FileNotFoundError:
        pass  # another copy of newsreader moved it a moment ago
    except OSError as exc:
        raise StoreError(f"the cache {db} is damaged ({damage}) and cannot be moved aside: "
                         f"{exc.strerror or exc}") from exc
    for suffix in ("-wal", "-shm", "-journal"):
        side = db.with_name(db.name + suffix)
        with contextlib.suppress(OSError):
            if suffix == "-wal":
                os.replace(side, aside.with_name(aside.name + suffix))
            else:
                side.unlink()
    kept_opml = aside.with_name(aside.name + "." + SUBSCRIPTIONS_NAME)
    with contextlib.suppress(OSError):  # the copy as it was, whatever the new cache does
        kept_opml.write_bytes(opml.read_bytes())
    store = Store(db, clock=clock)
    notices = [f"The cache {db} was damaged ({clean_line(damage)[:200]}). It was moved to "
               f"{aside} and a new cache was made."]
    if not opml.exists():
        notices.append("No copy of your subscriptions was found beside it: add your sources "
                       "again (or import an OPML file).")
        return store, notices
    try:
        feeds, local = restore_subscriptions(store, opml)
    except (OSError, ValueError) as exc:
        notices.append(f"Your subscriptions could not be read back from {opml} ({exc}); "
                       f"a copy is kept at {kept_opml}.")
        return store, notices
    count = feeds + local
    noun = "subscription was" if count == 1 else "subscriptions were"
    notices.append(f"{count} {noun} restored from {opml}; their stories come back with the "
                   "next refresh. Read and starred marks could not be kept.")
    return store, notices


def _aside_name(db: Path, now: float) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    candidate = db.with_name(f"{db.name}.corrupt-{stamp}")
    counter = 1
    while candidate.exists():
        counter += 1
        candidate = db.with_name(f"{db.name}.corrupt-{stamp}-{counter}")
    return candidate


def explain(exc: BaseException, directory: Path) -> str:
    """A cache that cannot be opened or written, told in words a user can act on."""
    text = str(exc)
    lowered = text.lower()
    hint = "choose another place with --data-dir or NEWSREADER_DATA_DIR"
    if "disk is full" in lowered or "no space" in lowered or _free_bytes(directory) < FULL:
        return f"{text} (the disk holding {directory} is full; free some space or {hint})"
    if directory.exists() and not os.access(directory, os.W_OK):
        return f"{text} (the folder {directory} is read-only; {hint})"
    if "readonly" in lowered or "read-only" in lowered:
        return f"{text} (the cache is read-only; {hint})"
    return text


def _free_bytes(directory: Path) -> int:
    import shutil

    for place in (directory, *directory.parents):
        try:
            return shutil.disk_usage(place).free
        except OSError:
            continue
    return FULL


# -- the OPML copy ------------------------------------------------------------------------------

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
