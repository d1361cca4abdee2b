"""Removing a source so that it can be put back: the "undo" of the source list.

Removing deletes the source and (by cascade) its stories, file stamps and retention tombstones
in one transaction, after copying every row into memory. Putting it back re-inserts the very
same rows, so read and starred marks, full articles, the file stamps that let a folder skip
unchanged files, and the tombstones that keep stories retention removed from coming back as
new (reader.store.retention) all return as they were. The copy is generic over the columns
(`SELECT *`), so columns that later migrations add travel too.

The rows come back with their ids when they are free. SQLite hands the highest id out again
once its row is gone, so a source added (or a story stored by a refresh) between the removal
and the undo may hold one of them: those rows then take new ids, and the rows that belong to
the source follow it to its new id. Nothing outside these tables refers to a story by its id,
so nothing is lost; only a clash of locations (the same feed or path subscribed again
meanwhile) refuses the undo.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from reader.store import Store

# Tables whose rows belong to one source, and the column that says which (those that exist
# in this cache). Tables kept by triggers (search index, per-source counts) are not copied:
# re-inserting the rows above rebuilds them.
OWNED = (("sources", "id"), ("stories", "source_id"), ("files", "source_id"),
         ("removed_stories", "source_id"))
_CHUNK = 500  # ids looked up per query (SQLite's limit on bound parameters is far above)

Rows = tuple[tuple[object, ...], ...]


@dataclass(frozen=True)
class Removed:
    """Everything a removed source was: rows per table, with their column names."""

    source_id: int
    label: str
    stories: int
    tables: tuple[tuple[str, tuple[str, ...], Rows], ...]


def take_out(store: Store, source_id: int) -> Removed | None:
    """Delete a source and its stories, returning what `put_back` needs; None if absent."""
    with store.db.write() as conn:
        row = conn.execute("SELECT COALESCE(NULLIF(title, ''), location) FROM sources "
                           "WHERE id = ?", (source_id,)).fetchone()
        if row is None:
            return None
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master "
                                              "WHERE type = 'table'")}
        tables = []
        for table, column in OWNED:
            if table not in present:
                continue
            cursor = conn.execute(f"SELECT * FROM {table} WHERE {column} = ?", (source_id,))
            names = tuple(d[0] for d in cursor.description)
            tables.append((table, names, tuple(tuple(r) for r in cursor.fetchall())))
        conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))
    store.sources_changed()
    stories = next(len(rows) for table, _names, rows in tables if table == "stories")
    return Removed(source_id, str(row[0]), stories, tuple(tables))


def put_back(store: Store, removed: Removed) -> bool:
    """Restore a removed source and everything it had. False (and nothing written) when its
    location was subscribed again since."""
    owner = dict(OWNED)
    with store.db.write() as conn:
        source_id = removed.source_id
        for table, names, rows in removed.tables:
            if not rows:
                continue
            if table == "sources":
                location = rows[0][names.index("location")]
                if conn.execute("SELECT 1 FROM sources WHERE location = ?",
                                (location,)).fetchone() is not None:
                    return False
                if conn.execute("SELECT 1 FROM sources WHERE id = ?",
                                (source_id,)).fetchone() is not None:
                    source_id = _insert(conn, table, names, _without_id(names, rows))
                    continue
            else:
                rows = _owned_by(names, rows, owner[table], source_id)
            if table == "stories":
                rows = _free_ids(conn, names, rows)
            _insert(conn, table, names, rows)
    store.sources_changed()
    return True


def _insert(conn: sqlite3.Connection, table: str, names: Sequence[str], rows: Rows) -> int:
    """Insert `rows`; returns the rowid of a single row (the new id of a source)."""
    marks = ", ".join("?" for _ in names)
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
    if len(rows) == 1:
        return conn.execute(sql, rows[0]).lastrowid or 0
    conn.executemany(sql, rows)
    return 0


def _without_id(names: Sequence[str], rows: Rows) -> Rows:
    """The rows with their `id` left to SQLite (NULL in an INTEGER PRIMARY KEY: a new id)."""
    at = names.index("id")
    return tuple((*row[:at], None, *row[at + 1:]) for row in rows)


def _owned_by(names: Sequence[str], rows: Rows, column: str, source_id: int) -> Rows:
    at = names.index(column)
    if all(row[at] == source_id for row in rows):
        return rows
    return tuple((*row[:at], source_id, *row[at + 1:]) for row in rows)


def _free_ids(conn: sqlite3.Connection, names: Sequence[str], rows: Rows) -> Rows:
    """Stories whose id another story took meanwhile get a new id; the rest keep theirs."""
    at = names.index("id")
    wanted = [row[at] for row in rows]
    taken: set[object] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        taken.update(r[0] for r in conn.execute(
            f"SELECT id FROM stories WHERE id IN ({marks})", chunk))
    if not taken:
        return rows
    # Those that keep their id go first: a new id is the highest one plus one, and must not
    # take an id a later row still brings.
    keep = tuple(row for row in rows if row[at] not in taken)
    return keep + tuple((*row[:at], None, *row[at + 1:]) for row in rows if row[at] in taken)
