"""Sources as the user names them: adding a path or URL, the paths named at launch, the
welcome stories of a first launch, and finding a source by id, location or title.

The app's `a`, the paths on its command line, and `newsreader add`/`remove`/`show` all come
here, so a file inside a subscribed folder, a feed subscribed twice or a binary file are
answered in the same words everywhere.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from reader.models import Outcome, Source, View
from reader.store import Store, StoreError

# The local-file readers (and what stands behind them: the feed readers, the extractor,
# the process pool: ~19 ms of CPU) are imported by the functions that read files:
# `ensure_welcome` (asked by the app when its first look finds no source, and by the command
# line) reads two rows and imports none of them once the welcome stories were shown.
if TYPE_CHECKING:
    from reader.refresh.add import Chooser

_WELCOME_SHOWN = "welcome_shown"


class AddError(Exception):
    """A source could not be added; the message says why in plain words."""


class AlreadySubscribed(AddError):
    """What was named is subscribed already (`source`): nothing new was added. Said once, as
    "already subscribed: TITLE", by the app and the command line alike; it is no failure."""

    def __init__(self, source: Source, message: str = "") -> None:
        super().__init__(message or f"already subscribed: {source.label}")
        self.source = source


class AddCancelled(AddError):
    """The user backed out (of choosing one of a page's feeds): nothing was added."""


def ensure_welcome(store: Store) -> None:
    """On the very first launch, add the bundled welcome stories so the screen is not empty.

    Once shown it never comes back by itself: removing it is the user's decision.
    """
    if store.get_meta(_WELCOME_SHOWN) or store.sources():
        return
    from reader.refresh.local import WELCOME_LOCATION, refresh_welcome

    source = store.add_source("welcome", WELCOME_LOCATION, "Welcome to newsreader")
    refresh_welcome(store, source)
    store.set_meta(_WELCOME_SHOWN, "1")


def add_location(store: Store, text: str, *,
                 choose: Chooser | None = None) -> tuple[Source, Outcome]:
    """Add what the user typed: an http(s) URL (a feed, or a page that links to one) or a path.

    A page that links to several feeds asks `choose([(title, url), ...])` for one (see
    `reader.refresh.add_feed`); the chooser may raise AddCancelled. What is subscribed already
    (a feed, a path, a file inside a subscribed folder) raises AlreadySubscribed."""
    text = text.strip()
    if not text:
        raise AddError("nothing to add: type a path or an http(s) URL")
    scheme = urlsplit(text).scheme.lower()
    if scheme in ("http", "https"):
        # Imported here: the feed code loads httpx (~100 ms) that adding a path never needs.
        from reader.refresh.add import ALREADY, add_feed
        from reader.refresh.add import AddError as FeedAddError
        from reader.service.pool import shared_pool

        try:
            source, outcome = add_feed(store, text, choose=choose, pool=shared_pool())
        except FeedAddError as exc:
            raise AddError(str(exc)) from exc
        if outcome.problems == [ALREADY] and not outcome.new:
            raise AlreadySubscribed(source)
        return source, outcome
    if len(scheme) > 1 and "://" in text:
        raise AddError(f"cannot add {text}: only http(s) URLs and local paths are sources")
    from reader.refresh.local import folder_holding, refresh_local

    resolved = _resolve(text)
    existing = store.source_by_location(str(resolved))
    if existing is not None:
        raise AlreadySubscribed(existing)
    folder = folder_holding(store, resolved)
    if folder is not None:
        if str(resolved) not in store.file_stamps(folder.id):
            refresh_local(store, folder)  # a file new since the folder's last read
        if str(resolved) in store.file_stamps(folder.id):
            raise AlreadySubscribed(folder, f"already subscribed: {text} is in the folder "
                                            f"{folder.label}")
    return add_path(store, text)


def path_problem(path: str | os.PathLike[str]) -> str:
    """Why `path` cannot be added, as far as a quick look tells ("" when it may be): it is
    missing, a folder that cannot be opened, or a file that is empty, binary, too large or
    an OPML list. The command line asks this before the app starts; a folder's files and a
    file's story are left for the app to read (a look costs a stat and a few kilobytes)."""
    from reader.sources.local import quick_problem

    try:
        resolved = _resolve(path)
    except AddError as exc:
        return str(exc)
    reason = quick_problem(resolved)
    return f"cannot add {path}: {reason}" if reason else ""


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
    from reader.refresh.local import (
        folder_holding,
        folders_inside,
        refresh_local,
        store_scan,
        title_for,
    )
    from reader.sources.local import LocalSourceError, read_local

    resolved = _resolve(path)
    existing = store.source_by_location(str(resolved))
    if existing is not None:
        return existing, refresh_local(store, existing)
    folder = folder_holding(store, resolved)
    if folder is not None:  # its story is the folder's: read the folder, not a second copy
        outcome = refresh_local(store, folder)
        if str(resolved) in store.file_stamps(folder.id):
            return store.get_source(folder.id) or folder, outcome
    try:
        # Folders already subscribed inside this one keep their files: not read here.
        scan = read_local(resolved, skip=folders_inside(store, resolved)
                          if resolved.is_dir() else ())
    except LocalSourceError as exc:
        raise AddError(str(exc)) from exc
    if not scan.result.entries and resolved.is_file():
        reason = scan.result.problems[0] if scan.result.problems else f"{path}: no story in it"
        raise AddError(reason)
    kind = "folder" if resolved.is_dir() else "file"
    source = store.add_source(kind, str(resolved), title_for(resolved, scan))
    try:
        outcome = store_scan(store, source, scan)
    except StoreError:
        # A full or read-only disk mid-add: leave no empty subscription behind.
        with contextlib.suppress(StoreError):
            store.remove_source(source.id)
        raise
    return store.get_source(source.id) or source, outcome


@dataclass(frozen=True, slots=True)
class PathRead:
    """One path named at launch, read: the source and what reading it found, or why not."""

    path: str
    source: Source | None = None
    outcome: Outcome | None = None
    stories: int = 0
    error: str = ""
    row: int = 0  # where the named file's story is in the source's list (a folder's file)


def story_row(store: Store, source: Source, path: str | os.PathLike[str]) -> int:
    """The row a reader lands on after naming `path`: the newest story of what was added, or,
    for a file that belongs to a subscribed folder, that file's own story."""
    try:
        resolved = Path(path).expanduser().resolve()
    except OSError:
        return 0
    if source.kind != "folder" or not resolved.is_file():
        return 0
    story_id = store.story_id_by_key(source.id, "file:" + str(resolved))
    if story_id is None:
        return 0
    return store.views.index_of(View(mode="all", source_id=source.id), story_id) or 0


def read_paths(store: Store, paths: Iterable[str], *,
               started: Callable[[str, int], object] | None = None,
               done: Callable[[PathRead], object] | None = None) -> list[PathRead]:
    """Subscribe to the files and folders named at launch, one after another.

    `started(path, files)` is called before each is read (`files`: about how many it holds,
    so a caller can say why a big folder takes a while), `done(read)` after. A path that
    cannot be read is told in words and the others still come."""
    results: list[PathRead] = []
    for path in paths:
        if started is not None:
            started(path, count_files(path))
        try:
            source, outcome = add_path(store, path)
            read = PathRead(path, source, outcome, store.views.count(View(source_id=source.id)),
                            row=story_row(store, source, path))
        except AddError as exc:
            read = PathRead(path, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - a full disk, say: told, not a crash
            read = PathRead(path, error=f"cannot add {path}: {exc}")
        results.append(read)
        if done is not None:
            done(read)
    return results


def first_story(store: Store, source_id: int) -> int | None:
    """The story a user lands on after adding a source: its newest."""
    rows = store.views.headlines(View(source_id=source_id), 0, 1)
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
