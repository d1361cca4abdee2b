"""The cache's schema and its migrations, keyed on `PRAGMA user_version`.

Each migration takes the database from version N-1 to N. They only ever get appended: a cache
made by any release opens in any later one. Columns of `stories` are ordered small-first so
that list queries never touch the overflow pages that hold long bodies.

Each step is one transaction: a step that is stopped (Ctrl-C, a crash, a full disk) leaves the
cache exactly as it was before that step, and the next start runs it again. Some steps read
every story (building the search index took 19 s for 100,000 stories): `pending_upgrade` tells
the caller beforehand, in words, so nobody stares at a blank terminal wondering.
"""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

MIGRATIONS: list[str] = [
    # 1: sources, stories, and the file stamps that let a folder re-read only what changed.
    """
    CREATE TABLE sources (
        id            INTEGER PRIMARY KEY,
        kind          TEXT NOT NULL,
        location      TEXT NOT NULL UNIQUE,
        title         TEXT NOT NULL DEFAULT '',
        folder        TEXT NOT NULL DEFAULT '',
        status        TEXT NOT NULL DEFAULT 'ok',
        last_error    TEXT NOT NULL DEFAULT '',
        last_checked  REAL,
        last_success  REAL,
        etag          TEXT NOT NULL DEFAULT '',
        last_modified TEXT NOT NULL DEFAULT '',
        not_before    REAL,
        link          TEXT NOT NULL DEFAULT '',
        added         REAL NOT NULL
    );
    CREATE TABLE stories (
        id           INTEGER PRIMARY KEY,
        source_id    INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        key          TEXT NOT NULL,
        published    REAL NOT NULL,
        read         INTEGER NOT NULL DEFAULT 0,
        starred      INTEGER NOT NULL DEFAULT 0,
        first_seen   REAL NOT NULL,
        updated      REAL,
        content_hash TEXT NOT NULL,
        title        TEXT NOT NULL,
        link         TEXT NOT NULL DEFAULT '',
        author       TEXT NOT NULL DEFAULT '',
        path         TEXT NOT NULL DEFAULT '',
        lead         TEXT NOT NULL DEFAULT '',
        teasers      TEXT NOT NULL DEFAULT '[]',
        body_html    TEXT NOT NULL DEFAULT '',
        UNIQUE (source_id, key)
    );
    CREATE INDEX stories_order ON stories (published DESC, id DESC);
    CREATE INDEX stories_by_source ON stories (source_id, published DESC, id DESC);
    CREATE INDEX stories_unread ON stories (published DESC, id DESC) WHERE read = 0;
    CREATE INDEX stories_starred ON stories (published DESC, id DESC) WHERE starred = 1;
    CREATE INDEX stories_source_read ON stories (source_id, read);
    CREATE INDEX stories_lead ON stories (lead);
    CREATE TABLE files (
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        path      TEXT NOT NULL,
        mtime     REAL NOT NULL,
        size      INTEGER NOT NULL,
        PRIMARY KEY (source_id, path)
    );
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2: whole articles kept offline: the extracted page of a story, and the
    #    per-source full-article mode ('' = the global default, 'off', 'refresh', 'open').
    """
    ALTER TABLE stories ADD COLUMN full_html TEXT NOT NULL DEFAULT '';
    ALTER TABLE stories ADD COLUMN full_fetched REAL;
    ALTER TABLE stories ADD COLUMN full_error TEXT NOT NULL DEFAULT '';
    ALTER TABLE sources ADD COLUMN full_article TEXT NOT NULL DEFAULT '';
    """,
    # 3: big archives. Full-text search: a contentless FTS5 index of headline, body
    #    text, source name and author (the words only: the text stays in `stories`), filled
    #    here from the stories already cached; bm25 weighs the headline most. Triggers keep it
    #    in step, through a queue: a contentless index forgets a row only when told the words
    #    it indexed, so the triggers note each changed story (with the words it was indexed
    #    with, computed by nr_story_text, the HTML-to-text function that
    #    reader.store.search.index.install puts on every connection), and the store's write
    #    transaction applies the queue in two statements before it commits
    #    (reader.store.search.index.flush_index): FTS5 flushes at every trigger firing, which
    #    cost ~1 ms a story. A source's stories are noted before the
    #    source goes (a cascade deletes them after the source row, when its name is gone).
    #    Per-source counters kept by triggers, so the source list costs O(sources), not
    #    O(stories). List indexes that cover every filter column, so paging and counting never
    #    read story rows. Saved searches ("smart feeds"). Tombstones of the stories retention
    #    removed, so a feed that still carries them does not bring them back as unread.
    """
    CREATE VIRTUAL TABLE stories_fts USING fts5(
        title, body, source, author,
        content = '', tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO stories_fts (stories_fts, rank) VALUES ('rank', 'bm25(8.0, 1.0, 2.0, 2.0)');
    INSERT INTO stories_fts (rowid, title, body, source, author)
        SELECT s.id, s.title, nr_story_text(s.body_html, s.full_html, s.lead),
               COALESCE(NULLIF(src.title, ''), src.location), s.author
        FROM stories s JOIN sources src ON src.id = s.source_id;
    CREATE TABLE fts_queue (
        seq      INTEGER PRIMARY KEY,
        story_id INTEGER NOT NULL,
        indexed  INTEGER NOT NULL,
        title    TEXT,
        body     TEXT,
        source   TEXT,
        author   TEXT
    );
    CREATE INDEX fts_queue_story ON fts_queue (story_id, seq);
    CREATE TRIGGER stories_fts_insert AFTER INSERT ON stories BEGIN
        INSERT INTO fts_queue (story_id, indexed) VALUES (new.id, 0);
    END;
    CREATE TRIGGER stories_fts_update
    AFTER UPDATE OF title, body_html, full_html, lead, author, source_id ON stories
    WHEN NOT EXISTS (SELECT 1 FROM fts_queue WHERE story_id = old.id) BEGIN
        INSERT INTO fts_queue (story_id, indexed, title, body, source, author)
        SELECT old.id, 1, old.title, nr_story_text(old.body_html, old.full_html, old.lead),
               COALESCE(NULLIF(title, ''), location), old.author
        FROM sources WHERE id = old.source_id;
    END;
    CREATE TRIGGER stories_fts_delete AFTER DELETE ON stories
    WHEN NOT EXISTS (SELECT 1 FROM fts_queue WHERE story_id = old.id) BEGIN
        INSERT INTO fts_queue (story_id, indexed, title, body, source, author)
        SELECT old.id, 1, old.title, nr_story_text(old.body_html, old.full_html, old.lead),
               COALESCE(NULLIF(title, ''), location), old.author
        FROM sources WHERE id = old.source_id;
    END;
    CREATE TRIGGER sources_fts_remove BEFORE DELETE ON sources BEGIN
        INSERT INTO fts_queue (story_id, indexed, title, body, source, author)
        SELECT s.id, 1, s.title, nr_story_text(s.body_html, s.full_html, s.lead),
               COALESCE(NULLIF(old.title, ''), old.location), s.author
        FROM stories s WHERE s.source_id = old.id
        AND NOT EXISTS (SELECT 1 FROM fts_queue q WHERE q.story_id = s.id);
    END;
    CREATE TRIGGER sources_fts_label AFTER UPDATE OF title, location ON sources
    WHEN COALESCE(NULLIF(old.title, ''), old.location)
         IS NOT COALESCE(NULLIF(new.title, ''), new.location) BEGIN
        INSERT INTO fts_queue (story_id, indexed, title, body, source, author)
        SELECT s.id, 1, s.title, nr_story_text(s.body_html, s.full_html, s.lead),
               COALESCE(NULLIF(old.title, ''), old.location), s.author
        FROM stories s WHERE s.source_id = old.id
        AND NOT EXISTS (SELECT 1 FROM fts_queue q WHERE q.story_id = s.id);
    END;
    CREATE TABLE source_counts (
        source_id INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
        total     INTEGER NOT NULL DEFAULT 0,
        unread    INTEGER NOT NULL DEFAULT 0,
        starred   INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO source_counts (source_id, total, unread, starred)
        SELECT src.id, COUNT(s.id), COALESCE(SUM(s.read = 0), 0), COALESCE(SUM(s.starred), 0)
        FROM sources src LEFT JOIN stories s ON s.source_id = src.id GROUP BY src.id;
    CREATE TRIGGER source_counts_add AFTER INSERT ON sources BEGIN
        INSERT OR IGNORE INTO source_counts (source_id) VALUES (new.id);
    END;
    CREATE TRIGGER story_counts_insert AFTER INSERT ON stories BEGIN
        UPDATE source_counts SET total = total + 1, unread = unread + (new.read = 0),
            starred = starred + (new.starred != 0)
        WHERE source_id = new.source_id;
    END;
    CREATE TRIGGER story_counts_delete AFTER DELETE ON stories BEGIN
        UPDATE source_counts SET total = total - 1, unread = unread - (old.read = 0),
            starred = starred - (old.starred != 0)
        WHERE source_id = old.source_id;
    END;
    CREATE TRIGGER story_counts_flags AFTER UPDATE OF read, starred, source_id ON stories
    WHEN old.read IS NOT new.read OR old.starred IS NOT new.starred
         OR old.source_id IS NOT new.source_id BEGIN
        UPDATE source_counts SET total = total - 1, unread = unread - (old.read = 0),
            starred = starred - (old.starred != 0)
        WHERE source_id = old.source_id;
        UPDATE source_counts SET total = total + 1, unread = unread + (new.read = 0),
            starred = starred + (new.starred != 0)
        WHERE source_id = new.source_id;
    END;
    DROP INDEX stories_order;
    DROP INDEX stories_by_source;
    DROP INDEX stories_source_read;
    CREATE INDEX stories_list ON stories (published DESC, id DESC, source_id, read, starred);
    CREATE INDEX stories_source_list
        ON stories (source_id, published DESC, id DESC, read, starred);
    CREATE INDEX stories_batches ON stories (source_id, first_seen);
    CREATE TABLE saved_searches (
        id       INTEGER PRIMARY KEY,
        name     TEXT NOT NULL,
        view     TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        created  REAL NOT NULL
    );
    CREATE TABLE removed_stories (
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        key       TEXT NOT NULL,
        removed   REAL NOT NULL,
        PRIMARY KEY (source_id, key)
    ) WITHOUT ROWID;
    """,
    # 4: the lead index keeps only the first 16 characters of each lead. `find_by_lead` (a
    #    teaser opening its story) needs a prefix, and the whole lead as a key cost 40% of
    #    storing a story: 0.58 of 1.45 s CPU for 12,890 stories, against 0.15 s now.
    """
    DROP INDEX stories_lead;
    CREATE INDEX stories_lead_start ON stories (substr(lead, 1, 16));
    """,
    # 5: two-way sync with an aggregator server (reader.sync). `origin` names the server a
    #    source comes from ('' = fetched here). The remote ids of sources and stories, with
    #    each story's read/starred state as the server had it at the last sync. Triggers queue
    #    every read/starred change of a story that has a remote id, with its time, whatever
    #    path made it (the app, the CLI, mark-all, undo), and every removal of a server
    #    source; the sync empties the queue only for what the server accepted. The sync's own
    #    writes set a row in `sync_mute` inside their transaction, so they queue nothing.
    """
    ALTER TABLE sources ADD COLUMN origin TEXT NOT NULL DEFAULT '';
    CREATE TABLE remote_sources (
        source_id INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
        remote_id INTEGER NOT NULL UNIQUE
    );
    CREATE TABLE remote_stories (
        story_id       INTEGER PRIMARY KEY REFERENCES stories(id) ON DELETE CASCADE,
        remote_id      INTEGER NOT NULL UNIQUE,
        remote_read    INTEGER NOT NULL,
        remote_starred INTEGER NOT NULL
    );
    CREATE TABLE sync_queue (
        seq      INTEGER PRIMARY KEY AUTOINCREMENT,
        story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        field    TEXT NOT NULL,
        value    INTEGER NOT NULL,
        changed  REAL NOT NULL,
        UNIQUE (story_id, field)
    );
    CREATE TABLE sync_feed_queue (
        seq       INTEGER PRIMARY KEY AUTOINCREMENT,
        action    TEXT NOT NULL,
        remote_id INTEGER,
        location  TEXT NOT NULL,
        queued    REAL NOT NULL
    );
    CREATE TABLE sync_mute (on_purpose INTEGER);
    CREATE TRIGGER sync_queue_read AFTER UPDATE OF read ON stories
    WHEN old.read IS NOT new.read AND NOT EXISTS (SELECT 1 FROM sync_mute)
         AND EXISTS (SELECT 1 FROM remote_stories WHERE story_id = new.id) BEGIN
        INSERT OR REPLACE INTO sync_queue (story_id, field, value, changed)
        VALUES (new.id, 'read', new.read, (julianday('now') - 2440587.5) * 86400.0);
    END;
    CREATE TRIGGER sync_queue_starred AFTER UPDATE OF starred ON stories
    WHEN old.starred IS NOT new.starred AND NOT EXISTS (SELECT 1 FROM sync_mute)
         AND EXISTS (SELECT 1 FROM remote_stories WHERE story_id = new.id) BEGIN
        INSERT OR REPLACE INTO sync_queue (story_id, field, value, changed)
        VALUES (new.id, 'starred', new.starred, (julianday('now') - 2440587.5) * 86400.0);
    END;
    CREATE TRIGGER sync_queue_unsubscribe BEFORE DELETE ON sources
    WHEN NOT EXISTS (SELECT 1 FROM sync_mute) BEGIN
        INSERT INTO sync_feed_queue (action, remote_id, location, queued)
        SELECT 'unsubscribe', remote_id, old.location, (julianday('now') - 2440587.5) * 86400.0
        FROM remote_sources WHERE source_id = old.id;
    END;
    """,
    # 6: `stories.body_html` and `full_html` may hold zlib-compressed BLOBs beside plain TEXT
    #    (reader.store.bodies): a third of the file's bytes. Nothing is rewritten (stories
    #    already cached stay TEXT and read as before); the version number is what changes, so
    #    that an older newsreader, which would show the compressed bytes, says in words that
    #    the cache is newer than it (SchemaTooNew) instead.
    """
    -- no statement: the format of two columns' values is what changed
    """,
    # 7: new BLOBs in those columns are Zstandard frames (reader.store.bodies: less CPU to
    #    write and read, no more bytes). zlib BLOBs already cached stay and read as before;
    #    the version changes so that schema 6's newsreader, which would call every new story
    #    damaged, says in words that the cache is newer than it (SchemaTooNew) instead.
    """
    -- no statement: the format of two columns' values is what changed
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)

# The steps that read every story, by the version they reach: what they do, in words, and
# about how long each story takes them (measured on a 2-core machine: 19 s per 100,000).
SLOW_STEPS: dict[int, tuple[str, float]] = {3: ("building the search index", 0.00019),
                                             4: ("rebuilding an index", 0.000015)}
ANNOUNCE_FROM = 1_000  # stories: below this every upgrade is done in well under a second


class SchemaTooNew(RuntimeError):
    """The cache was written by a newer newsreader; opening it could lose data."""


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database up to `SCHEMA_VERSION`, one transaction per step. Returns the version.

    Ctrl-C during a step rolls it back and raises KeyboardInterrupt (see `_interruptible`)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"the cache was made by a newer newsreader (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); upgrade newsreader to open it"
        )
    if version == SCHEMA_VERSION:
        return version
    with _interruptible(conn) as stopped:
        while version < SCHEMA_VERSION:
            script = MIGRATIONS[version]
            version += 1
            # executescript would COMMIT first; run the statements in one IMMEDIATE transaction.
            conn.execute("BEGIN IMMEDIATE")
            try:
                current = conn.execute("PRAGMA user_version").fetchone()[0]
                if current >= version:  # another process migrated meanwhile
                    conn.execute("ROLLBACK")
                    version = current
                    continue
                for statement in _statements(script):
                    conn.execute(statement)
                    if stopped():
                        raise KeyboardInterrupt
                conn.execute(f"PRAGMA user_version = {version}")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # SQLite ends it itself on some errors (interrupt)
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                if stopped():
                    raise KeyboardInterrupt from None
                raise
    return version


@contextlib.contextmanager
def _interruptible(conn: sqlite3.Connection) -> Iterator[Callable[[], bool]]:
    """Let Ctrl-C stop a long step cleanly. Python raises KeyboardInterrupt wherever it is
    running; inside a step that is often the search index's text function, which SQLite calls
    for every story, and sqlite3 then swallows it into "user-defined function raised
    exception". So, while the steps run (on the main thread, with Python's own handler in
    place), Ctrl-C only notes itself and interrupts SQLite; `migrate` rolls back and raises
    KeyboardInterrupt itself."""
    hit: list[bool] = []

    def stopped() -> bool:
        return bool(hit)

    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield stopped
        return

    def note(signum: int, frame: object) -> None:
        hit.append(True)
        conn.interrupt()

    signal.signal(signal.SIGINT, note)
    try:
        yield stopped
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pending_upgrade(path: str | Path) -> str | None:
    """Words for the user when opening the cache at `path` will run a slow upgrade (e.g.
    "Upgrading the cache (building the search index for 100,000 stories; about 20 s)"), else
    None. Only reads; anything odd (no file, a damaged one) is left to the real opening."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(path, timeout=5.0)
    except sqlite3.Error:
        return None
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        steps = [SLOW_STEPS[v] for v in range(version + 1, SCHEMA_VERSION + 1)
                 if v in SLOW_STEPS]
        if not 0 < version < SCHEMA_VERSION or not steps:
            return None
        stories = int(conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0])
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    if stories < ANNOUNCE_FROM:
        return None
    what = max(steps, key=lambda step: step[1])[0]  # the step that takes the time
    seconds = sum(cost for _, cost in steps) * stories
    about = "a few seconds" if seconds < 10 else f"about {_round(seconds)}"
    return (f"Upgrading the cache {path} ({what} for {stories:,} stories; {about}, once). "
            "Stopping it is safe: the cache stays as it was and the upgrade runs again "
            "next time.")


def _round(seconds: float) -> str:
    if seconds < 90:
        return f"{int(round(seconds / 5) * 5)} s"
    return f"{int(round(seconds / 60))} minutes"


def _statements(script: str) -> list[str]:
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
