"""Open the cache so that a damaged file never stands between a reader and their news.

The cache is only a cache: everything in it can be fetched again, except the list of what the
user subscribed to (and their read/starred marks). So:

* Beside the database, `subscriptions.opml` is rewritten after every change of subscriptions
  (by reader.service.subscriptions, which also reads it back after a rebuild: this module
  only names it).
* Opening reads the source list (what the app shows first). A file SQLite calls corrupt
  ("file is not a database", "database disk image is malformed") is moved aside with a
  timestamp (never deleted: `sqlite3 … .recover` may still save it), a new cache is built,
  and the caller gets sentences to show and where the old file went (`Opened.aside`), from
  which `save_starred` copies what it can once the subscriptions are back.
* The full check, `PRAGMA quick_check`, reads the whole file (2-5 s at 100,000 stories), so it
  never runs before the first screen: the app runs `background_check` in a thread after it,
  every start for caches under `CHECK_ALWAYS_BELOW` and at most once a day above. Damage it
  finds does not pull the cache from under the reader (marks made now are still saved, what
  is cached still reads): a note beside the file (`newsreader.sqlite3.damaged`) says so, the
  user is told in words, and the next start checks again (a cache mended meanwhile stays)
  and sets the file aside and rebuilds as above. Starred stories are copied out of the old
  file as far as it still reads: a feed no longer carries old stories. The
  headless commands (`newsreader refresh` from cron…) check before they start, on the same
  schedule (`open_store(check=True)`): nobody waits for them, and they write.
* A slow schema upgrade (reader.store.schema) is announced in words before it runs.
* Other failures (a read-only folder, a full disk, a cache from a newer release) are not
  corruption: nothing is moved, and `StoreError` says what is wrong in words.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reader.paths import DB_NAME, SUBSCRIPTIONS_NAME
from reader.sanitize import clean_line
from reader.store import Store, StoreError
from reader.store.schema import SchemaTooNew, pending_upgrade

__all__ = ["BackgroundCheck", "Opened", "background_check", "check_due", "explain",
           "open_cache", "save_starred"]

DAMAGED_SUFFIX = ".damaged"  # the note beside a cache the background check found damaged
CHECK_ALWAYS_BELOW = 16 * 2**20  # bytes: quick_check costs ~17 ms at this size
CHECK_INTERVAL = 24 * 3600.0  # larger caches are checked at most this often
_CHECKED_KEY = "integrity_checked_at"
FULL = 256 * 1024  # bytes free below which a failure to open is blamed on a full disk
STARRED_KEPT = 10_000  # starred stories saved from a damaged cache, at most
# SQLite's primary result codes for a damaged file (extended codes keep them in the low byte).
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


@dataclass
class Opened:
    """An open cache and what the user must hear about opening it.

    `rebuilt`: the cache was damaged and made anew, empty; the damaged file is at `aside`
    (the service brings the subscriptions back from their copy, then `save_starred`)."""

    store: Store
    notices: list[str] = field(default_factory=list)
    rebuilt: bool = False
    aside: Path | None = None


def open_cache(data_dir: str | os.PathLike[str] | None = None, *,
               clock: Callable[[], float] | None = None, check: bool = True,
               announce: Callable[[str], None] | None = None) -> Opened:
    """Open (and if need be rebuild) the cache in `data_dir` (default:
    `reader.paths.data_dir()`). Raises StoreError (in words) when it cannot be opened at all
    (read-only folder, full disk, newer schema). With `check`, the full integrity check runs
    now when it is due; without, the caller runs `background_check` later (the app does, after
    its first screen). `announce` hears, before it starts, about a schema upgrade that takes a
    while, and then that it is done."""
    from reader.paths import data_dir as default_dir

    directory = default_dir(data_dir)
    db = directory / DB_NAME
    now = (clock or time.time)()
    noted = _marked_damaged(db)  # damage the background check of an earlier run found
    if noted is not None and announce is not None:
        announce(f"Checking the cache {db}, found damaged last time ({noted[:200]})…")
    opened = _open(db, directory, now, clock, check, announce, recheck=noted is not None)
    if noted is not None and not opened.rebuilt:  # sound after all (mended by hand?)
        with contextlib.suppress(OSError):
            db.with_name(db.name + DAMAGED_SUFFIX).unlink()
    return opened


def _open(db: Path, directory: Path, now: float, clock: Callable[[], float] | None,
          check: bool, announce: Callable[[str], None] | None, *, recheck: bool) -> Opened:
    upgrade = pending_upgrade(db) if announce is not None else None
    started = time.monotonic()
    try:
        if upgrade and announce is not None:
            announce(upgrade)
        store = Store(db, clock=clock)
    except SchemaTooNew as exc:
        raise StoreError(str(exc)) from exc
    except StoreError as exc:
        damage = _damage(exc)
        if damage is None:
            raise StoreError(explain(exc, directory)) from exc
        return _rebuild(db, damage, now, clock)
    except KeyboardInterrupt:
        if upgrade and announce is not None:
            announce("The upgrade was stopped; the cache is as it was, and the upgrade runs "
                     "again next time.")
        raise
    if upgrade and announce is not None:
        announce(f"The cache is upgraded ({time.monotonic() - started:.0f} s).")
    damage = _check(store, db, now, full=check or recheck, due=not recheck)
    if damage is None:
        return Opened(store)
    store.close()
    return _rebuild(db, damage, now, clock)


# -- the checks ----------------------------------------------------------------------------------

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


def _check(store: Store, db: Path, now: float, *, full: bool, due: bool = True
           ) -> str | None:
    """Why the opened cache is damaged, or None. Reading the source list is always done (it is
    what the app shows first); the full check when `full`, and (with `due`) when due."""
    try:
        store.read_sources()
    except sqlite3.DatabaseError as exc:
        damage = _damage(exc)
        if damage is None:
            raise StoreError(explain(exc, db.parent)) from exc
        return damage
    if not full or (due and not check_due(store, now)):
        return None
    try:
        return _quick_check(store, now)
    except sqlite3.DatabaseError as exc:
        damage = _damage(exc)
        if damage is None:
            raise StoreError(explain(exc, db.parent)) from exc
        return damage


def check_due(store: Store, now: float) -> bool:
    """Whether the full check should run: always for a small cache, once a day for a large
    one (the day counted from the last check that passed)."""
    if _size(store.path) < CHECK_ALWAYS_BELOW:
        return True
    try:
        checked = _float(store.get_meta(_CHECKED_KEY))
    except sqlite3.DatabaseError:
        return True
    return not 0 <= now - checked < CHECK_INTERVAL


def _quick_check(store: Store, now: float) -> str | None:
    """Run `PRAGMA quick_check`: None when it passes (and the day's check is noted), else why.
    Raises sqlite3.DatabaseError when SQLite fails instead of answering."""
    result = store.quick_check()
    if result != "ok":
        return f"the integrity check says: {clean_line(result)[:200]}"
    with contextlib.suppress(StoreError, sqlite3.Error):  # a read-only cache still reads
        # A small cache notes it too, once a day: one that grows past the size in one go (a
        # first sync, an import) then counts its day from this check, not from none.
        if (_size(store.path) >= CHECK_ALWAYS_BELOW
                or not 0 <= now - _float(store.get_meta(_CHECKED_KEY)) < CHECK_INTERVAL):
            store.set_meta(_CHECKED_KEY, repr(now))
    return None


def background_check(store: Store, *, clock: Callable[[], float] | None = None) -> str:
    """The full check, run by the app in a thread after its first screen: "" when the cache is
    sound (or the check is not due), else words for the user. A damaged cache stays in use
    until the app quits; it is noted (`DAMAGED_SUFFIX`) so the next start rebuilds it."""
    now = (clock or time.time)()
    try:
        if not check_due(store, now):
            return ""
        damage = _quick_check(store, now)
    except sqlite3.DatabaseError as exc:
        damage = _damage(exc)
    if damage is None:
        return ""
    return _note_damage(store, damage, now)


class BackgroundCheck:
    """`background_check` as the app runs it: call it in a thread; `stop()`, from any thread,
    ends a check in progress (the app quits: it must not wait seconds for a check to read
    the rest of the file). A stopped check counts as not done, so the next start runs it."""

    def __init__(self, store: Store, *, clock: Callable[[], float] | None = None) -> None:
        self.store = store
        self.clock = clock
        self._lock = threading.Lock()
        self._running: sqlite3.Connection | None = None
        self._stopped = False

    def __call__(self) -> str:
        conn = self.store.db.conn()  # the connection quick_check runs on
        with self._lock:
            if self._stopped:
                return ""
            self._running = conn
        try:
            return background_check(self.store, clock=self.clock)
        finally:
            with self._lock:
                self._running = None

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            if self._running is not None:
                self._running.interrupt()


def _note_damage(store: Store, damage: str, now: float) -> str:
    db = store.path
    note = db.with_name(db.name + DAMAGED_SUFFIX)
    try:
        inode = db.stat().st_ino
        note.write_text(f"{inode}\n{repr(now)}\n{clean_line(damage)[:500]}\n", encoding="utf-8")
    except OSError as exc:
        return (f"The cache {db} is damaged ({clean_line(damage)[:200]}), and the note that "
                f"would have it rebuilt at the next start could not be written "
                f"({exc.strerror or exc}). Quit, then move the file aside yourself; your "
                f"subscriptions are kept in {db.with_name(SUBSCRIPTIONS_NAME)}.")
    opml = db.with_name(SUBSCRIPTIONS_NAME)
    kept = (f"your subscriptions come back from {opml}" if opml.exists()
            else "no copy of your subscriptions was found beside it, so export them now "
                 "(E) to keep them")
    return (f"The cache {db} is damaged ({clean_line(damage)[:200]}). You can go on reading: "
            "marks you make are still saved, but some stories may not open. When newsreader "
            f"next starts it moves the damaged file aside (kept, not deleted) and makes a new "
            f"cache; {kept}, local files and folders are read again, feeds fill up with the "
            "next refresh, and starred stories are saved from the old file as far as it still "
            "reads. Read marks cannot be carried over.")


def _marked_damaged(db: Path) -> str | None:
    """The reason noted by an earlier background check, when the note is about this very file
    (a file put back from a backup is a new file: its note no longer applies)."""
    note = db.with_name(db.name + DAMAGED_SUFFIX)
    try:
        text = note.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None  # (almost always: there is no note)
    try:
        inode, _when, reason = text.split("\n", 2)
        same = db.stat().st_ino == int(inode)
    except (OSError, ValueError):
        same = False
    if not same:
        with contextlib.suppress(OSError):
            note.unlink()
        return None
    return clean_line(reason) or "the integrity check failed"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _rebuild(db: Path, damage: str, now: float,
             clock: Callable[[], float] | None) -> Opened:
    """Move the damaged file aside and make a new, empty cache."""
    aside = _aside_name(db, now)
    try:
        os.replace(db, aside)
    except FileNotFoundError:
        pass  # another copy of newsreader moved it a moment ago
    except OSError as exc:
        raise StoreError(f"the cache {db} is damaged ({damage}) and cannot be moved aside: "
                         f"{exc.strerror or exc}") from exc
    for suffix in ("-wal", "-shm", "-journal", DAMAGED_SUFFIX):
        side = db.with_name(db.name + suffix)
        with contextlib.suppress(OSError):
            if suffix == "-wal":
                os.replace(side, aside.with_name(aside.name + suffix))
            else:
                side.unlink()
    store = Store(db, clock=clock)
    return Opened(store, [f"The cache {db} was damaged ({clean_line(damage)[:200]}). It was "
                          f"moved to {aside} and a new cache was made."], rebuilt=True,
                  aside=aside)


def save_starred(store: Store, aside: Path) -> int:
    """Copy the starred stories of restored subscriptions out of the damaged file, when it
    still reads: a feed no longer carries old stories, and a star says "keep this". Only
    reads the file (immutable: nothing written beside it); a part that no longer reads ends
    the copy there. Returns how many were saved."""
    try:
        old = sqlite3.connect(f"{aside.as_uri()}?immutable=1", uri=True)
    except (sqlite3.Error, ValueError):
        return 0
    old.text_factory = lambda data: data.decode("utf-8", "replace")
    try:
        columns = [r[1] for r in old.execute("PRAGMA table_info(stories)")]
        new = store.db.conn()
        wanted = [c for c in (r[1] for r in new.execute("PRAGMA table_info(stories)"))
                  if c in columns and c not in ("id", "source_id")]
        rows = old.execute(
            f"SELECT src.location, {', '.join('s.' + c for c in wanted)} FROM stories s "
            "JOIN sources src ON src.id = s.source_id WHERE s.starred != 0 LIMIT ?",
            (STARRED_KEPT,)).fetchall()
    except (sqlite3.Error, UnicodeDecodeError):  # the latter: SQLite quoting a damaged name
        return 0
    finally:
        old.close()
    ids = {loc: sid for sid, loc in new.execute("SELECT id, location FROM sources")}
    line = [wanted.index(c) + 1 for c in ("title", "author", "lead") if c in wanted]
    saved = 0
    marks = ", ".join("?" * (len(wanted) + 1))
    try:
        with store.db.write() as conn:
            for row in rows:
                source_id = ids.get(row[0])
                if source_id is None:
                    continue
                values = list(row)
                for at in line:  # shown as they are: a damaged cell must not draw escapes
                    values[at] = clean_line(str(values[at] or ""))
                saved += conn.execute(
                    f"INSERT OR IGNORE INTO stories (source_id, {', '.join(wanted)}) "
                    f"VALUES ({marks})", (source_id, *values[1:])).rowcount
    except (StoreError, sqlite3.Error):
        return 0
    return saved


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
