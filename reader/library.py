"""Adding and re-reading sources: the operations the command line and the app share.

The UI and the CLI both say "add this path or URL", "re-read this folder", "make sure a first
launch is not an empty screen"; keeping those here means both behave the same and both are
tested once. Nothing here draws anything or imports Textual.
"""

from __future__ import annotations

import contextlib
import os
import time
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from reader.models import Outcome, Source, View
from reader.sources.local import LocalScan, LocalSourceError, read_local
from reader.store import Store, StoreError

WELCOME_LOCATION = "newsreader:welcome"
_WELCOME_SHOWN = "welcome_shown"


class AddError(Exception):
    """A source could not be added; the message says why in plain words."""


def ensure_welcome(store: Store) -> None:
    """On the very first launch, add the bundled welcome stories so the screen is not empty.

    Once shown it never comes back by itself: removing it is the user's decision.
    """
    if store.get_meta(_WELCOME_SHOWN) or store.sources():
        return
    source = store.add_source("welcome", WELCOME_LOCATION, "Welcome to newsreader")
    refresh_welcome(store, source)
    store.set_meta(_WELCOME_SHOWN, "1")


def refresh_welcome(store: Store, source: Source) -> Outcome:
    folder = resources.files("reader") / "data" / "welcome"
    with resources.as_file(folder) as path:
        scan = read_local(path)
    entries = scan.result.entries
    for entry in entries:  # keys that survive a reinstall in another place
        entry.key = "welcome:" + Path(entry.path).name
        entry.path = ""
        entry.published = None
    # Oldest first in the folder means newest-first display shows 01 on top: give fixed times.
    base = store.get_meta("welcome_time") or str(time.time())
    store.set_meta("welcome_time", base)
    for offset, entry in enumerate(sorted(entries, key=lambda e: e.key)):
        entry.published = float(base) - offset
    result = store.upsert_entries(source.id, entries)
    return Outcome(source.id, source.label, new=result.new, updated=result.updated)


def add_location(store: Store, text: str) -> tuple[Source, Outcome]:
    """Add what the user typed: an http(s) URL (a feed, or a page that links to one) or a path."""
    text = text.strip()
    if not text:
        raise AddError("nothing to add: type a path or an http(s) URL")
    scheme = urlsplit(text).scheme.lower()
    if scheme in ("http", "https"):
        from reader import refresh

        try:
            return refresh.add_feed(store, text)
        except refresh.AddError as exc:
            raise AddError(str(exc)) from exc
    if len(scheme) > 1 and "://" in text:
        raise AddError(f"cannot add {text}: only http(s) URLs and local paths are sources")
    return add_path(store, text)


def path_problem(path: str | os.PathLike[str]) -> str:
    """Why `path` cannot be added, as far as is known without reading it ("" when it may be).
    The command line asks this before the app starts, and leaves the reading to the app."""
    try:
        _resolve(path)
    except AddError as exc:
        return str(exc)
    return ""


def count_files(path: str | os.PathLike[str], limit: int = 1_000_000) -> int:
    """About how many files reading `path` will look at (hidden ones left out, as the reader
    does): 1 for a file, 0 when it cannot be listed. Tells the reader why a big folder takes
    a while; it costs a directory listing, not a read."""
    root = Path(path).expanduser()
    if not root.is_dir():
        return 1 if root.exists() else 0
    count = 0
    for _folder, folders, files in os.walk(root, onerror=lambda _exc: None):
        folders[:] = [name for name in folders if not name.startswith(".")]
        count += sum(1 for name in files if not name.startswith("."))
        if count >= limit:
            break
    return count


def _resolve(path: str | os.PathLike[str]) -> Path:
    resolved = Path(path).expanduser()
    try:
        resolved = resolved.resolve()
    except OSError as exc:
        raise AddError(f"cannot add {path}: {exc.strerror or exc}") from exc
    except RuntimeError as exc:  # a symlink loop, on older Pythons
        raise AddError(f"cannot add {path}: {exc}") from exc
    if not resolved.exists():
        raise AddError(f"cannot add {path}: no such file or folder")
    return resolved


def add_path(store: Store, path: str | os.PathLike[str]) -> tuple[Source, Outcome]:
    """Read a file or folder and subscribe to it. Nothing is stored if it cannot be read."""
    resolved = _resolve(path)
    existing = store.source_by_location(str(resolved))
    if existing is not None:
        return existing, refresh_local(store, existing)
    try:
        scan = read_local(resolved)
    except LocalSourceError as exc:
        raise AddError(str(exc)) from exc
    if not scan.result.entries and resolved.is_file():
        reason = scan.result.problems[0] if scan.result.problems else f"{path}: no story in it"
        raise AddError(reason)
    kind = "folder" if resolved.is_dir() else "file"
    source = store.add_source(kind, str(resolved), _title_for(resolved, scan))
    try:
        outcome = _store_scan(store, source, scan)
    except StoreError:
        # A full or read-only disk mid-add: leave no empty subscription behind.
        with contextlib.suppress(StoreError):
            store.remove_source(source.id)
        raise
    return store.get_source(source.id) or source, outcome


def refresh_local(store: Store, source: Source) -> Outcome:
    """Re-read a file or folder source: new files are added, changed ones re-read, and the
    stories of deleted files stay in the cache. A missing path marks the source, nothing more."""
    if source.kind == "welcome":
        return refresh_welcome(store, source)
    now = time.time()
    path = Path(source.location)
    if not path.exists():
        reason = f"{source.location}: no longer exists (its stories stay readable)"
        store.update_source(source.id, status="missing", last_error=reason, last_checked=now)
        return Outcome(source.id, source.label, error=reason)
    try:
        scan = read_local(path, store.file_stamps(source.id))
    except LocalSourceError as exc:
        store.update_source(source.id, status="error", last_error=str(exc), last_checked=now)
        return Outcome(source.id, source.label, error=str(exc))
    return _store_scan(store, source, scan)


def _store_scan(store: Store, source: Source, scan: LocalScan) -> Outcome:
    result = store.upsert_entries(source.id, scan.result.entries, stamps=scan.stamps,
                                  forget_files=scan.gone)
    now = time.time()
    problems = list(scan.result.problems)
    store.update_source(source.id, status="ok", last_checked=now, last_success=now,
                        last_error="; ".join(problems)[:2000])
    return Outcome(source.id, source.label, new=result.new, updated=result.updated,
                   not_modified=not (result.new or result.updated), problems=problems)


def _title_for(path: Path, scan: LocalScan) -> str:
    entries = scan.result.entries
    if path.is_dir():
        return path.name or str(path)
    if len(entries) == 1 and scan.result.title in ("", entries[0].title):
        return path.name  # a single story: its file name reads better than a second headline
    return scan.result.title or path.name


def first_story(store: Store, source_id: int) -> int | None:
    """The story a user lands on after adding a source: its newest."""
    rows = store.headlines(View(source_id=source_id), 0, 1)
    return rows[0].id if rows else None


def find_source(store: Store, ref: str) -> Source | None:
    """A source named on the command line: its id, its exact location, a path to it, or a
    title or location that contains `ref` when exactly one does."""
    sources = store.sources()
    if ref.isdigit():
        for source in sources:
            if source.id == int(ref):
                return source
    for source in sources:
        if ref == source.location:
            return source
    candidate = Path(ref).expanduser()
    if candidate.exists():
        found = store.source_by_location(str(candidate.resolve()))
        if found is not None:
            return found
    lowered = ref.lower()
    matches = [s for s in sources if lowered in s.title.lower() or lowered in s.location.lower()]
    return matches[0] if len(matches) == 1 else None
