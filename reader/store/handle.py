"""`Store`, the handle on the cache file, and the writes and reads of sources and stories.

The package's `__init__` re-exports `Store` and `UpsertResult` from here (see its docstring
for the parts a `Store` hands out).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reader.models import Entry, Source, Story, StoryRow, Teaser
from reader.sanitize import clean_line, clip_teaser, sanitize_html
from reader.store.bodies import pack, unpack
from reader.store.db import Database
from reader.store.rows import storable, story_rows
from reader.store.search.index import SearchIndex
from reader.store.search.runner import Searches
from reader.store.smart import SmartFeeds
from reader.store.views import Views

LEAD_KEY = 16  # characters of each lead the lead index holds (schema migration 4)
# New stories per INSERT statement (`Store._insert`): 13 values each, 832 at most, under the
# 999 variables a statement may hold in older SQLite builds.
INSERT_ROWS = 64
_STORY_COLUMNS = ("published, updated, content_hash, title, link, author, path, lead, teasers, "
                  "body_html, source_id, key, first_seen")
_SOURCE_FIELDS = {
    "kind", "location", "title", "folder", "status", "last_error", "last_checked",
    "last_success", "etag", "last_modified", "not_before", "link", "full_article", "origin",
}
_LINE_FIELDS = {"title", "last_error"}
_LISTED_FIELDS = {"kind", "location", "title", "folder"}  # what the OPML copy of sources holds


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """How many stories a write added, changed and found unchanged."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0


@functools.cache
def _insert_sql(rows: int) -> str:
    """The INSERT of `rows` new stories (`Store._insert`)."""
    return (f"INSERT INTO stories ({_STORY_COLUMNS}) VALUES "
            + ", ".join(["(?,?,?,?,?,?,?,?,?,?,?,?,?)"] * rows))


class Store:
    """A handle on the cache file. Safe to share between threads."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] | None = None) -> None:
        self.db = Database(path, clock=clock)
        self.path = self.db.path
        self.index = SearchIndex(self.db)
        self.views = Views(self.db, self.index)
        self.smart = SmartFeeds(self.db, self.views)
        self.search = Searches(self.db, self.views)
        # Called after a change to the subscriptions (added, removed, renamed, moved); the
        # service keeps a copy of them beside the cache with it.
        self.on_sources_changed: Callable[[], None] | None = None

    def batch(self, *, defer_index: bool = False) -> contextlib.AbstractContextManager[None]:
        """Many writes of this thread in one transaction (`Database.batch`)."""
        return self.db.batch(defer_index=defer_index)

    def close(self) -> None:
        self.db.close()

    def get_meta(self, key: str, default: str = "") -> str:
        row = self.db.conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.db.write() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                         "DO UPDATE SET value = excluded.value", (key, value))

    def quick_check(self) -> str:
        return str(self.db.conn().execute("PRAGMA quick_check").fetchone()[0])

    # -- sources -----------------------------------------------------------------------------
    def add_source(self, kind: str, location: str, title: str = "", folder: str = "") -> Source:
        """Subscribe to `location`; adding one that exists returns it unchanged."""
        with self.db.write() as conn:
            inserted = conn.execute(
                "INSERT INTO sources (kind, location, title, folder, added) VALUES (?,?,?,?,?) "
                "ON CONFLICT (location) DO NOTHING",
                (kind, storable(location), clean_line(title), storable(folder),
                 self.db.clock()),
            ).rowcount
        if inserted:
            self.sources_changed()
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
        with self.db.write() as conn:
            conn.execute(f"UPDATE sources SET {assignments} WHERE id = ?",
                         (*fields.values(), source_id))
        if fields.keys() & _LISTED_FIELDS:
            self.sources_changed()

    def update_sources(self, updates: Iterable[tuple[int, dict[str, object]]]) -> None:
        """Many `update_source` calls in ONE transaction (a warm refresh's 304s: one write, not
        hundreds, each of which would hand the GIL around)."""
        renamed = False
        with self.db.write() as conn:
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
            self.sources_changed()

    def remove_source(self, source_id: int) -> None:
        with self.db.write() as conn:
            conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))
        self.sources_changed()

    def sources_changed(self) -> None:
        """Tell `on_sources_changed`, if set (the modules that add or remove sources call it)."""
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

    def read_sources(self) -> int:
        """Read every source's row as `sources()` does (the same query, the same pages),
        without making a `Source` of each: how many there are. Opening the cache checks so
        that what the first screen shows can be read, and the first screen reads them again
        anyway (start-up: ~0.7 ms less at 250 sources)."""
        return len(self._source_rows("", ()).fetchall())

    def _sources(self, where: str, params: Sequence[object]) -> list[Source]:
        return [
            Source(id=r[0], kind=r[1], location=r[2], title=r[3], folder=r[4], status=r[5],
                   last_error=r[6], last_checked=r[7], last_success=r[8], etag=r[9],
                   last_modified=r[10], unread=r[11], total=r[12], full_article=r[13],
                   not_before=r[14], link=r[15], origin=r[16])
            for r in self._source_rows(where, params)
        ]

    def _source_rows(self, where: str, params: Sequence[object]) -> sqlite3.Cursor:
        sql = (
            "SELECT src.id, src.kind, src.location, src.title, src.folder, src.status, "
            "src.last_error, src.last_checked, src.last_success, src.etag, src.last_modified, "
            "COALESCE(c.unread, 0), COALESCE(c.total, 0), src.full_article, "
            "src.not_before, src.link, src.origin "
            f"FROM sources src LEFT JOIN source_counts c ON c.source_id = src.id {where} "
            "ORDER BY src.folder, src.kind = 'welcome', "
            "lower(COALESCE(NULLIF(src.title, ''), src.location))"
        )
        return self.db.conn().execute(sql, params)

    def listed_sources(self) -> list[tuple[str, str, str, str, str]]:
        """(kind, location, title, folder, link) of every subscription but the welcome story:
        what a copy of the subscriptions holds. Lighter than `sources()`, which also counts
        every source's stories (30 ms with 1,000 sources; the copy is written at every change)."""
        rows = self.db.conn().execute(
            "SELECT kind, location, title, folder, link FROM sources WHERE kind != 'welcome'")
        return [(str(k), str(loc), str(t), str(f), str(link)) for k, loc, t, f, link in rows]

    def folders(self) -> list[str]:
        return [r[0] for r in self.db.conn().execute(
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
        now = self.db.clock()
        new = updated = unchanged = 0
        rows = list(story_rows(entries))  # (each key once: the feed's first copy), packed
        with self.db.write() as conn:  # before the lock is taken
            known, removed = self._known_keys(conn, source_id, [row.key for row in rows])
            inserts: list[tuple[object, ...]] = []
            for row in rows:
                found = known.get(row.key)
                if found is not None and found[1] == row.digest:
                    unchanged += 1
                    continue
                if found is not None and self._same_when_cleaned(conn, found[0], row):
                    # The story the reader sees is the same: only the digest is brought up
                    # to date, so that the next fetch of this version matches it.
                    conn.execute("UPDATE stories SET content_hash = ? WHERE id = ?",
                                 (row.digest, found[0]))
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

    def story_id_by_key(self, source_id: int, key: str) -> int | None:
        """The id of the source's story with this key (a file's story: "file:" + its path)."""
        row = self.db.conn().execute("SELECT id FROM stories WHERE source_id = ? AND key = ?",
                                     (source_id, key)).fetchone()
        return row[0] if row else None

    @staticmethod
    def _known_keys(conn: sqlite3.Connection, source_id: int, keys: list[str]
                    ) -> tuple[dict[str, tuple[int, str, float]], set[str]]:
        """Which of `keys` the source already has (key -> id, content hash, published), and
        which retention removed: two queries per 500 keys, not two per story."""
        import json  # here and in `story`: not needed to open the cache and list headlines

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
    def _same_when_cleaned(conn: sqlite3.Connection, story_id: int, row: StoryRow) -> bool:
        """Whether the stored story and `row`, whose digests differ, are the same story
        once their bodies are cleaned (`reader.sanitize.sanitize_html`), as the reader sees
        them. The digest covers a feed's body as written (`storable_html`), so a feed that
        changes only what cleaning drops (an attribute, a script's text) would otherwise
        count as updated at every fetch, and a story that a release which cleaned bodies
        when it stored them kept would count once after the upgrade. Asked only when the
        digests differ (a changed or upgraded story, never a new or unchanged one)."""
        stored = conn.execute(
            "SELECT title, link, author, path, lead, teasers, published, body_html "
            "FROM stories WHERE id = ?", (story_id,)).fetchone()
        if stored is None or stored[:6] != (row.title, row.link, row.author, row.path,
                                            row.lead, row.teasers):
            return False
        if row.published is not None and stored[6] != row.published:
            return False
        before, after = unpack(stored[7]), unpack(row.body_html)
        return before == after or sanitize_html(before) == sanitize_html(after)

    @staticmethod
    def _insert(conn: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
        """Insert new stories, up to `INSERT_ROWS` rows per statement.

        Why not one statement per row: an INSERT that fires triggers (the search queue's and
        the counters') keeps a statement journal, a copy of every page it changes, so that it
        can be undone alone. Per row, that copied the table's page and a page of each index
        for every story: 60% of storing a cold refresh's 14,584 stories (0.43 of 0.7 s CPU).
        Chunks are powers of two, so a handful of statements are prepared and then reused."""
        done, count = 0, len(rows)
        while done < count:
            size = min(INSERT_ROWS, 1 << ((count - done).bit_length() - 1))
            conn.execute(_insert_sql(size),
                         list(itertools.chain.from_iterable(rows[done:done + size])))
            done += size

    def file_stamps(self, source_id: int) -> dict[str, tuple[float, int]]:
        return {p: (m, s) for p, m, s in self.db.conn().execute(
            "SELECT path, mtime, size FROM files WHERE source_id = ?", (source_id,))}

    def set_read(self, story_ids: Iterable[int], read: bool = True) -> None:
        ids = list(story_ids)
        with self.db.write() as conn:
            conn.executemany("UPDATE stories SET read = ? WHERE id = ?",
                             [(int(read), i) for i in ids])

    def set_full_article(self, story_id: int, html: str, error: str = "") -> None:
        """Keep the extracted page of a story (or why it could not be had) for offline reading.

        An error never erases a full article fetched earlier."""
        kept = pack(storable(html))  # (before the write lock: compressing is not writing)
        with self.db.write() as conn:
            if html:
                conn.execute("UPDATE stories SET full_html = ?, full_error = '', "
                             "full_fetched = ? WHERE id = ?", (kept, self.db.clock(), story_id))
            else:
                conn.execute("UPDATE stories SET full_fetched = ?, full_error = CASE "
                             "WHEN full_html = '' THEN ? ELSE full_error END WHERE id = ?",
                             (self.db.clock(), clean_line(error), story_id))

    def stories_without_full_article(self, source_id: int, limit: int = 200) -> list[Story]:
        """The newest stories of a source that have a link and no full article attempt yet."""
        ids = [r[0] for r in self.db.conn().execute(
            "SELECT id FROM stories WHERE source_id = ? AND link != '' AND full_fetched IS NULL "
            "ORDER BY published DESC, id DESC LIMIT ?", (source_id, limit))]
        return [s for s in (self.story(i) for i in ids) if s is not None]

    def set_starred(self, story_id: int, starred: bool) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE stories SET starred = ? WHERE id = ?", (int(starred), story_id))

    # -- reading stories (lists of them: `store.views`) ----------------------------------
    def story(self, story_id: int) -> Story | None:
        row = self.db.conn().execute(
            "SELECT s.id, s.source_id, COALESCE(NULLIF(src.title, ''), src.location), s.key, "
            "s.title, s.link, s.author, s.published, s.body_html, s.lead, s.teasers, s.read, "
            "s.starred, s.path, s.full_html, s.full_error FROM stories s "
            "JOIN sources src ON src.id = s.source_id WHERE s.id = ?", (story_id,)).fetchone()
        if row is None:
            return None
        import json

        return Story(id=row[0], source_id=row[1], source_title=row[2], key=row[3], title=row[4],
                     link=row[5], author=row[6], published=row[7], body_html=unpack(row[8]),
                     lead=row[9], teasers=tuple(json.loads(row[10] or "[]")),
                     read=bool(row[11]), starred=bool(row[12]), path=row[13],
                     # A damaged kept article counts as none: the feed's body is read
                     # instead, and `f` may fetch the article again.
                     full_html=unpack(row[14], ""), full_error=row[15])

    def stories_of(self, source_id: int) -> list[Story]:
        """Every story of one source, newest first (for `newsreader show`)."""
        ids = [r[0] for r in self.db.conn().execute(
            "SELECT id FROM stories WHERE source_id = ? ORDER BY published DESC, id DESC",
            (source_id,))]
        return [s for s in (self.story(i) for i in ids) if s is not None]

    def find_by_lead(self, text: str) -> int | None:
        """A cached story whose lead (or headline) begins with `text`: how a teaser opens."""
        prefix = clean_line(text).rstrip("…").removesuffix("...").strip()
        if len(prefix) < 12:
            return None
        start = prefix[:LEAD_KEY]  # what the index keeps of each lead (migration 4)
        row = self.db.conn().execute(
            f"SELECT id FROM stories WHERE substr(lead, 1, {LEAD_KEY}) >= ? "
            f"AND substr(lead, 1, {LEAD_KEY}) < ? AND lead >= ? AND lead < ? "
            "ORDER BY published DESC LIMIT 1",
            (start, start + "\U0010ffff", prefix, prefix + "\U0010ffff")).fetchone()
        if row is None:
            row = self.db.conn().execute(
                "SELECT id FROM stories WHERE substr(title, 1, ?) = ? LIMIT 1",
                (len(prefix), prefix)).fetchone()
        return None if row is None else int(row[0])

    def teasers_for(self, story: Story, limit: int = 12) -> list[Teaser]:
        """The sidebar for `story`: its own trailing teasers first, then the newest other
        stories of the same source, then of other sources (the README's story formats)."""
        out: list[Teaser] = [Teaser(clip_teaser(t), self.find_by_lead(t)) for t in story.teasers]
        seen = {t.story_id for t in out if t.story_id is not None} | {story.id}
        for same_source in (True, False):
            if len(out) >= limit:
                break
            op = "=" if same_source else "!="
            rows = self.db.conn().execute(
                f"SELECT id, lead, title FROM stories WHERE source_id {op} ? "
                "ORDER BY published DESC, id DESC LIMIT ?", (story.source_id, limit + len(seen)))
            for sid, lead, title in rows:
                if sid in seen or len(out) >= limit:
                    continue
                seen.add(sid)
                out.append(Teaser(clip_teaser(lead or title), sid))
        return out
