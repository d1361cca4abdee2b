"""The cache's schema and its migrations, keyed on `PRAGMA user_version`.

Each migration takes the database from version N-1 to N. They only ever get appended: a cache
made by any release opens in any later one. Columns of `stories` are ordered small-first so
that list queries never touch the overflow pages that hold long bodies.
"""

from __future__ import annotations

import sqlite3

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
    # 2: whole articles kept offline (issue 4): the extracted page of a story, and the
    #    per-source full-article mode ('' = the global default, 'off', 'refresh', 'open').
    """
    ALTER TABLE stories ADD COLUMN full_html TEXT NOT NULL DEFAULT '';
    ALTER TABLE stories ADD COLUMN full_fetched REAL;
    ALTER TABLE stories ADD COLUMN full_error TEXT NOT NULL DEFAULT '';
    ALTER TABLE sources ADD COLUMN full_article TEXT NOT NULL DEFAULT '';
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(RuntimeError):
    """The cache was written by a newer newsreader; opening it could lose data."""


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database up to `SCHEMA_VERSION`, one transaction per step. Returns the version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"the cache was made by a newer newsreader (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); upgrade newsreader to open it"
        )
    while version < SCHEMA_VERSION:
        script = MIGRATIONS[version]
        version += 1
        # executescript would COMMIT first; run the statements inside one IMMEDIATE transaction.
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current >= version:  # another process migrated meanwhile
                conn.execute("ROLLBACK")
                version = current
                continue
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return version


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
