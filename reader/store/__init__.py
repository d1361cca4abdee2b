"""The offline cache: one SQLite file holding sources, stories and their read/starred state.

Why it looks like this:

* Each thread gets its own connection (Textual thread workers, the refresh pool), all in WAL
  mode, so readers never wait for a writer and the UI can page headlines during a refresh.
* Every write is a `BEGIN IMMEDIATE` transaction with a generous busy timeout: two running
  copies of newsreader queue for the write lock instead of failing with "database is locked".
* Stories are upserted by `(source, key)`; re-reading a source updates content and never
  touches `read` or `starred`. Unchanged stories cost no write at all.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from reader.models import Entry, Source, Story, Teaser
from reader.sanitize import clean_line, clip_teaser
from reader.store.errors import StoreError
from reader.store.indexing import IndexCatchUp
from reader.store.rows import StoryRow, content_hash, index_story_text, storable, story_rows
from reader.store.schema import SCHEMA_VERSION, SchemaTooNew, migrate
from reader.store.search import flush_index, queue_end
from reader.store.search import install as install_search
from reader.store.smart import SmartFeeds

__all__ = ["Store", "UpsertResult", "SchemaTooNew", "SCHEMA_VERSION", "StoreError", "StoryRow",
           "content_hash", "storable"]

BUSY_TIMEOUT_S = 30.0
LEAD_KEY = 16  # characters of each lead the lead index holds (schema migration 4)
_SOURCE_FIELDS = {
    "kind", "location", "title", "folder", "status", "last_error", "last_checked",
    "last_success", "etag", "last_modified", "not_before", "link", "full_article",
}
_LINE_FIELDS = {"title", "last_error"}
_LISTED_FIELDS = {"kind", "location", "title", "folder"}  # what the OPML copy of sources holds


@dataclass(frozen=True, slots=True)
class UpsertResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


class Store(IndexCatchUp, SmartFeeds):
    """A handle on the cache file. Safe to share between threads.

    Views (count, page, walk, mark read) come from `reader.store.views`, saved searches from
    `reader.store.smart`; retention is `reader.store.retention`.
    """

    def __init__(self, path: str | Path, *, clock: Callable[[], float] | None = None) -> None:
        self.path = Path(path)
        self._clock = clock or time.time
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # Called after a change to the subscriptions (added, removed, renamed, moved); the
        # recovery module uses it to keep an OPML copy beside the cache.
        self.on_sources_changed: Callable[[], None] | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            migrate(self._conn())
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(f"cannot open the cache {self.path}: {exc}") from exc
        except OSError as exc:
            self.close()
            raise StoreError(f"cannot create the cache directory {self.path.parent}: "
                             f"{exc.strerror or exc}") from exc

    # -- connections -------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                   check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            # Only a new, empty file takes this (before WAL): retention can then give space
            # back in small steps. On an existing cache it changes nothing.
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            # The search index's triggers call into Python: story_text, the quick way.
            install_search(conn, index_story_text)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: takes the write lock up front, so it never deadlocks.

        Inside `batch()` it is a savepoint of the batch's transaction instead: the same
        all-or-nothing for the caller, without a commit of its own."""
        conn = self._conn()
        if getattr(self._local, "batch", False):
            with self._savepoint(conn):
                yield conn
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            start = queue_end(conn)
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot write to the cache {self.path}: {exc}") from exc
        try:
            yield conn
            if not getattr(self._local, "defer_index", False):
                # The search index follows what this transaction changed, before it commits.
                # Older notes are a deferred refresh's: `catch_up_index` takes those.
                flush_index(conn, after=start)
        except sqlite3.DatabaseError as exc:
            with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already
                conn.execute("ROLLBACK")
            raise self._told(exc) from exc
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                with contextlib.suppress(sqlite3.DatabaseError):
                    conn.execute("ROLLBACK")
                raise StoreError(f"cannot write to the cache {self.path}: {exc}") from exc

    @contextlib.contextmanager
    def _savepoint(self, conn: sqlite3.Connection) -> Iterator[None]:
        if not conn.in_transaction:  # SQLite ended the batch (an I/O error, disk full)
            raise StoreError(f"cannot write to the cache {self.path}: the batch was rolled back")
        conn.execute("SAVEPOINT nr_write")
        try:
            yield
        except BaseException as exc:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK TO nr_write")
                    conn.execute("RELEASE nr_write")
            if isinstance(exc, sqlite3.DatabaseError):
                raise self._told(exc) from exc
            raise
        else:
            conn.execute("RELEASE nr_write")

    def _told(self, exc: sqlite3.DatabaseError) -> Exception:
        """Disk full, read-only, I/O error, a damaged file: told in words, not a trace."""
        if isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError:
            return StoreError(f"cannot write to the cache {self.path}: {exc}")
        return exc

    @contextlib.contextmanager
    def batch(self, *, defer_index: bool = False) -> Iterator[None]:
        """Many writes of this thread in ONE transaction, each still all-or-nothing.

        A cold refresh stores hundreds of feeds. Committed one by one, every commit writes
        the search index's new segment and makes FTS5 merge segments (5.9 of 9.2 s of
        storing 12,890 stories); in one transaction the index is written once. Each write
        inside is a savepoint: a feed whose data fails rolls back alone. The write lock is
        held for the whole batch, so callers keep batches short (`refresh` commits at least
        twice a second) and report what they stored only after the batch commits.

        `defer_index`: the batch leaves its stories in the search index's queue, for
        `catch_up_index` to index later. A cold refresh spends a fifth of its CPU indexing
        (FTS5 tokenises ~23 MB/s); deferred, the stories are readable that much sooner and
        the index catches up when the reader is idle, or before the next search."""
        if getattr(self._local, "batch", False):
            yield
            return
        self._local.defer_index = defer_index
        try:
            with self._write():
                self._local.batch = True
                try:
                    yield
                finally:
                    self._local.batch = False
        finally:
            self._local.defer_index = False

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._all.clear()
        self._local = threading.local()

    def get_meta(self, key: str, default: str = "") -> str:
        row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                         "DO UPDATE SET value = excluded.value", (key, value))

    def quick_check(self) -> str:
        return str(self._conn().execute("PRAGMA quick_check").fetchone()[0])

    # -- sources -----------------------------------------------------------------------------
    def add_source(self, kind: str, location: str, title: str = "", folder: str = "") -> Source:
        """Subscribe to `location`; adding one that exists returns it unchanged."""
        with self._write() as conn:
            inserted = conn.execute(
                "INSERT INTO sources (kind, location, title, folder, added) VALUES (?,?,?,?,?) "
                "ON CONFLICT (location) DO NOTHING",
                (kind, storable(location), clean_line(title), storable(folder),
                 self._clock()),
            ).rowcount
        if inserted:
            self._sources_changed()
        source = self.source_by_location(location)
        assert source is not None
        return source

    def update_source(self, source_id: int, **fields: object) -> None:
        unknown = set(fields) - _SOURCE_FIELDS
        if unknown:
            raise ValueError(f"unknown source fields: {sorted(unknown)}")
        if not fields:
            return
        for name, value in fields.items():
            if isinstance(value, str):
                fields[name] = clean_line(value) if name in _LINE_FIELDS else storable(value)
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self._write() as conn:
            conn.execute(f"UPDATE sources SET {assignments} WHERE id = ?",
                         (*fields.values(), source_id))
        if fields.keys() & _LISTED_FIELDS:
            self._sources_changed()

    def update_sources(self, updates: Iterable[tuple[int, dict[str, object]]]) -> None:
        """Many `update_source` calls in ONE transaction (a warm refresh's 304s: one write, not
        hundreds, each of which would hand the GIL around)."""
        renamed = False
        with self._write() as conn:
            for source_id, fields in updates:
                unknown = set(fields) - _SOURCE_FIELDS
                if unknown:
                    raise ValueError(f"unknown source fields: {sorted(unknown)}")
                for name, value in fields.items():
                    if isinstance(value, str):
                        fields[name] = (clean_line(value) if name in _LINE_FIELDS
                                        else storable(value))
                if fields:
                    assignments = ", ".join(f"{name} = ?" for name in fields)
                    conn.execute(f"UPDATE sources SET {assignments} WHERE id = ?",
                                 (*fields.values(), source_id))
                    renamed = renamed or bool(fields.keys() & _LISTED_FIELDS)
        if renamed:
            self._sources_changed()

    def remove_source(self, source_id: int) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))
        self._sources_changed()

    def _sources_changed(self) -> None:
        if self.on_sources_changed is not None:
            self.on_sources_changed()

    def get_source(self, source_id: int) -> Source | None:
        rows = self._sources("WHERE src.id = ?", (source_id,))
        return rows[0] if rows else None

    def source_by_location(self, location: str) -> Source | None:
        rows = self._sources("WHERE src.location = ?", (storable(location),))
        return rows[0] if rows else None

    def sources(self) -> list[Source]:
        """Every source with its unread and total counts, in folder then title order."""
        return self._sources("", ())

    def _sources(self, where: str, params: Sequence[object]) -> list[Source]:
        sql = (
            "SELECT src.id, src.kind, src.location, src.title, src.folder, src.status, "
            "src.last_error, src.last_checked, src.last_success, src.etag, src.last_modified, "
            "COALESCE(c.unread, 0), COALESCE(c.total, 0), src.full_article, "
            "src.not_before, src.link "
            f"FROM sources src LEFT JOIN source_counts c ON c.source_id = src.id {where} "
            "ORDER BY src.folder, src.kind = 'welcome', "
            "lower(COALESCE(NULLIF(src.title, ''), src.location))"
        )
        return [
            Source(id=r[0], kind=r[1], location=r[2], title=r[3], folder=r[4], status=r[5],
                   last_error=r[6], last_checked=r[7], last_success=r[8], etag=r[9],
                   last_modified=r[10], unread=r[11], total=r[12], full_article=r[13],
                   not_before=r[14], link=r[15])
            for r in self._conn().execute(sql, params)
        ]

    def folders(self) -> list[str]:
        return [r[0] for r in self._conn().execute(
            "SELECT DISTINCT folder FROM sources WHERE folder != '' ORDER BY folder")]

    # -- writing stories ---------------------------------------------------------------------
    def upsert_entries(self, source_id: int, entries: Iterable[Entry | StoryRow],
                       stamps: dict[str, tuple[float, int]] | None = None,
                       forget_files: Iterable[str] = ()) -> UpsertResult:
        """Store a source's entries in one transaction; read/starred state is never reset.

        `entries` may come as `StoryRow`s already (a parser worker made them, see
        `reader.store.rows`). `stamps` (path -> (mtime, size)) records which files this read
        covered, so the next read of a folder can skip unchanged files; `forget_files` drops
        stamps of files that are gone (their stories stay readable).
        """
        now = self._clock()
        new = updated = unchanged = 0
        with self._write() as conn:
            rows = list(story_rows(entries))  # (each key once: the feed's first copy)
            known, removed = self._known_keys(conn, source_id, [row.key for row in rows])
            inserts: list[tuple[object, ...]] = []
            for row in rows:
                found = known.get(row.key)
                if found is not None and found[1] == row.digest:
                    unchanged += 1
                    continue
                if found is None and row.key in removed:
                    unchanged += 1  # retention removed it (see reader.store.retention)
                    continue
                published = row.published
                if published is None:
                    published = found[2] if found is not None else now
                values = (published, row.updated, row.digest, row.title, row.link, row.author,
                          row.path, row.lead, row.teasers, row.body_html)
                if found is None:
                    inserts.append((*values, source_id, row.key, now))
                    new += 1
                else:
                    conn.execute(
                        "UPDATE stories SET published = ?, updated = ?, content_hash = ?, "
                        "title = ?, link = ?, author = ?, path = ?, lead = ?, teasers = ?, "
                        "body_html = ? WHERE id = ?", (*values, found[0]))
                    updated += 1
            self._insert(conn, inserts)
            if stamps:
                conn.executemany(
                    "INSERT INTO files (source_id, path, mtime, size) VALUES (?,?,?,?) "
                    "ON CONFLICT (source_id, path) DO UPDATE SET mtime = excluded.mtime, "
                    "size = excluded.size",
                    [(source_id, storable(p), m, s) for p, (m, s) in stamps.items()])
            conn.executemany("DELETE FROM files WHERE source_id = ? AND path = ?",
                             [(source_id, storable(p)) for p in forget_files])
        return UpsertResult(new, updated, unchanged)

    @staticmethod
    def _known_keys(conn: sqlite3.Connection, source_id: int, keys: list[str]
                    ) -> tuple[dict[str, tuple[int, str, float]], set[str]]:
        """Which of `keys` the source already has (key -> id, content hash, published), and
        which retention removed: two queries per 500 keys, not two per story."""
        known: dict[str, tuple[int, str, float]] = {}
        removed: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = json.dumps(keys[start:start + 500])
            known.update((r[0], (r[1], r[2], r[3])) for r in conn.execute(
                "SELECT key, id, content_hash, published FROM stories WHERE source_id = ? "
                "AND key IN (SELECT value FROM json_each(?))", (source_id, chunk)))
            removed.update(r[0] for r in conn.execute(
                "SELECT key FROM removed_stories WHERE source_id = ? "
                "AND key IN (SELECT value FROM json_each(?))", (source_id, chunk)))
        return known, removed

    @staticmethod
    def _insert(conn: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
        """Insert new stories: one statement, run for each row."""
        if rows:
            conn.executemany(
                "INSERT INTO stories (published, updated, content_hash, title, link, author, "
                "path, lead, teasers, body_html, source_id, key, first_seen) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    def file_stamps(self, source_id: int) -> dict[str, tuple[float, int]]:
        return {p: (m, s) for p, m, s in self._conn().execute(
            "SELECT path, mtime, size FROM files WHERE source_id = ?", (source_id,))}

    def set_read(self, story_ids: Iterable[int], read: bool = True) -> None:
        ids = list(story_ids)
        with self._write() as conn:
            conn.executemany("UPDATE stories SET read = ? WHERE id = ?",
                             [(int(read), i) for i in ids])

    def set_full_article(self, story_id: int, html: str, error: str = "") -> None:
        """Keep the extracted page of a story (or why it could not be had) for offline reading.

        An error never erases a full article fetched earlier."""
        with self._write() as conn:
            if html:
                conn.execute("UPDATE stories SET full_html = ?, full_error = '', "
                             "full_fetched = ? WHERE id = ?", (html, self._clock(), story_id))
            else:
                conn.execute("UPDATE stories SET full_fetched = ?, full_error = CASE "
                             "WHEN full_html = '' THEN ? ELSE full_error END WHERE id = ?",
                             (self._clock(), clean_line(error), story_id))

    def stories_without_full_article(self, source_id: int, limit: int = 200) -> list[Story]:
        """The newest stories of a source that have a link and no full article attempt yet."""
        ids = [r[0] for r in self._conn().execute(
            "SELECT id FROM stories WHERE source_id = ? AND link != '' AND full_fetched IS NULL "
            "ORDER BY published DESC, id DESC LIMIT ?", (source_id, limit))]
        return [s for s in (self.story(i) for i in ids) if s is not None]

    def set_starred(self, story_id: int, starred: bool) -> None:
        with self._write() as conn:
            conn.execute("UPDATE stories SET starred = ? WHERE id = ?", (int(starred), story_id))

    # -- reading stories (count, headlines, index_of, next_unread: reader.store.views) -----
    def story(self, story_id: int) -> Story | None:
        row = self._conn().execute(
            "SELECT s.id, s.source_id, COALESCE(NULLIF(src.title, ''), src.location), s.key, "
            "s.title, s.link, s.author, s.published, s.body_html, s.lead, s.teasers, s.read, "
            "s.starred, s.path, s.full_html, s.full_error FROM stories s "
            "JOIN sources src ON src.id = s.source_id WHERE s.id = ?", (story_id,)).fetchone()
        if row is None:
            return None
        return Story(id=row[0], source_id=row[1], source_title=row[2], key=row[3], title=row[4],
                     link=row[5], author=row[6], published=row[7], body_html=row[8],
                     lead=row[9], teasers=tuple(json.loads(row[10] or "[]")),
                     read=bool(row[11]), starred=bool(row[12]), path=row[13],
                     full_html=row[14], full_error=row[15])

    def stories_of(self, source_id: int) -> list[Story]:
        """Every story of one source, newest first (for `newsreader show`)."""
        ids = [r[0] for r in self._conn().execute(
            "SELECT id FROM stories WHERE source_id = ? ORDER BY published DESC, id DESC",
            (source_id,))]
        return [s for s in (self.story(i) for i in ids) if s is not None]

    def find_by_lead(self, text: str) -> int | None:
        """A cached story whose lead (or headline) begins with `text`: how a teaser opens."""
        prefix = clean_line(text).rstrip("…").removesuffix("...").strip()
        if len(prefix) < 12:
            return None
        start = prefix[:LEAD_KEY]  # what the index keeps of each lead (migration 4)
        row = self._conn().execute(
            f"SELECT id FROM stories WHERE substr(lead, 1, {LEAD_KEY}) >= ? "
            f"AND substr(lead, 1, {LEAD_KEY}) < ? AND lead >= ? AND lead < ? "
            "ORDER BY published DESC LIMIT 1",
            (start, start + "\U0010ffff", prefix, prefix + "\U0010ffff")).fetchone()
        if row is None:
            row = self._conn().execute(
                "SELECT id FROM stories WHERE substr(title, 1, ?) = ? LIMIT 1",
                (len(prefix), prefix)).fetchone()
        return None if row is None else int(row[0])

    def teasers_for(self, story: Story, limit: int = 12) -> list[Teaser]:
        """The sidebar for `story`: its own trailing teasers first, then the newest other
        stories of the same source, then of other sources (see FORMATS.md)."""
        out: list[Teaser] = [Teaser(clip_teaser(t), self.find_by_lead(t)) for t in story.teasers]
        seen = {t.story_id for t in out if t.story_id is not None} | {story.id}
        for same_source in (True, False):
            if len(out) >= limit:
                break
            op = "=" if same_source else "!="
            rows = self._conn().execute(
                f"SELECT id, lead, title FROM stories WHERE source_id {op} ? "
                "ORDER BY published DESC, id DESC LIMIT ?", (story.source_id, limit + len(seen)))
            for sid, lead, title in rows:
                if sid in seen or len(out) >= limit:
                    continue
                seen.add(sid)
                out.append(Teaser(clip_teaser(lead or title), sid))
        return out
