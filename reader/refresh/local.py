"""Reading local sources into the cache: files, folders, and the bundled welcome stories.

A refresh reads these on the calling thread while feeds download, and adding a path reads
one the same way; both come here, so a folder is stored by one set of rules (files subscribed
on their own move into a folder that holds them, deleted files keep their stories).

Each file is one story, held by the innermost subscription it lies in: a folder subscribed
inside another owns its files (the outer one's read leaves it out, and hands over the stories
it held for it, marks and all), and once it is unsubscribed the outer one reads them again.
A link in an outer folder to a file of a folder subscribed inside it is left to the inner
one: the outer read leaves such links out, and the hand-over matches stories by resolved
path. The other way round is not followed: a link inside the inner folder to a file of the
outer one is read by both.
"""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

from reader.models import Outcome, Source
from reader.sources.local import LocalScan, LocalSourceError, read_local
from reader.store import Store
from reader.store.absorb import absorb_sources, hand_over

WELCOME_LOCATION = "newsreader:welcome"


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
    # Folders subscribed inside this one are not read here: their files are theirs.
    skip = folders_inside(store, path) if source.kind == "folder" else []
    try:
        scan = read_local(path, store.file_stamps(source.id), skip=skip)
    except LocalSourceError as exc:
        store.update_source(source.id, status="error", last_error=str(exc), last_checked=now)
        return Outcome(source.id, source.label, error=str(exc))
    return store_scan(store, source, scan)


def refresh_welcome(store: Store, source: Source) -> Outcome:
    """(Re)store the bundled welcome stories, with keys and times that survive a reinstall."""
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


def folder_holding(store: Store, path: Path) -> Source | None:
    """The subscribed folder that `path` (resolved) lies in, if any: the innermost."""
    found: Source | None = None
    for source in store.sources():
        if source.kind == "folder" and path.is_relative_to(source.location) and (
                found is None or len(source.location) > len(found.location)):
            found = source
    return found


def folders_inside(store: Store, path: Path) -> list[str]:
    """The subscribed folders that lie inside the folder `path`: a read of `path` leaves
    them out (`read_local`'s `skip`), their files are theirs."""
    return [other.location for other in store.sources() if other.kind == "folder"
            and Path(other.location) != path and Path(other.location).is_relative_to(path)]


def nested_folders(store: Store, source: Source,
                   sources: list[Source] | None = None) -> tuple[list[Source], list[Source]]:
    """The subscribed folders that hold `source`, and those that lie inside it (the deepest
    first, so each hands over to the innermost)."""
    outer: list[Source] = []
    inner: list[Source] = []
    here = Path(source.location)
    for other in store.sources() if sources is None else sources:
        if other.kind != "folder" or other.id == source.id:
            continue
        if here.is_relative_to(other.location):
            outer.append(other)
        elif Path(other.location).is_relative_to(here):
            inner.append(other)
    inner.sort(key=lambda folder: len(folder.location), reverse=True)
    return outer, inner


def store_scan(store: Store, source: Source, scan: LocalScan) -> Outcome:
    """Store what reading a file or folder found, and mark the source as read just now."""
    if source.kind == "folder":
        sources = store.sources()
        outer, inner = nested_folders(store, source, sources)
        # The innermost subscription owns a file: the folders around this one give up the
        # stories they held for its files, and it gives up those of folders inside it, all
        # with their marks, before the read is stored, so each is kept once.
        for folder in outer:
            hand_over(store, folder.id, source.id, source.location)
        for folder in inner:
            hand_over(store, source.id, folder.id, folder.location)
        # Files of this folder that were subscribed on their own become the folder's.
        read = scan.stamps.keys() | scan.unchanged
        alone = [s.id for s in sources if s.kind == "file" and s.location in read]
        if alone:
            absorb_sources(store, source.id, alone)
    result = store.upsert_entries(source.id, scan.result.entries, stamps=scan.stamps,
                                  forget_files=scan.gone)
    now = time.time()
    problems = list(scan.result.problems)
    store.update_source(source.id, status="ok", last_checked=now, last_success=now,
                        last_error="; ".join(problems)[:2000])
    return Outcome(source.id, source.label, new=result.new, updated=result.updated,
                   not_modified=not (result.new or result.updated), problems=problems)


def title_for(path: Path, scan: LocalScan) -> str:
    """A local source's title: a folder's name, a single story's file name (it reads better
    than a second headline), else the title the file gives itself."""
    entries = scan.result.entries
    if path.is_dir():
        return path.name or str(path)
    if len(entries) == 1 and scan.result.title in ("", entries[0].title):
        return path.name
    return scan.result.title or path.name
