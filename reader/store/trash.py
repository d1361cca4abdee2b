"""Removing a source so that it can be put back: the "undo" of the source list.

Removing deletes the source and (by cascade) its stories and file stamps in one transaction,
after copying every row into memory. Putting it back re-inserts the very same rows with
their ids, so read and starred marks, full articles and anything else keyed on a story's id
return exactly as they were. The copy is generic over the columns (`SELECT *`), so columns
that later migrations add travel too.
"""

from __future__ import annotations

from dataclasses import dataclass

from reader.store import Store

# Tables whose rows belong to one source, and the column that says which (those that exist
# in this cache). Tables kept by triggers (search index, per-source counts) are not copied:
# re-inserting the rows above rebuilds them.
OWNED = (("sources", "id"), ("stories", "source_id"), ("files", "source_id"),
         ("removed_stories", "source_id"))


@dataclass(frozen=True)
class Removed:
    """Everything a removed source was: rows per table, with their column names."""

    source_id: int
    label: str
    stories: int
    tables: tuple[tuple[str, tuple[str, ...], tuple[tuple[object, ...], ...]], ...]


def take_out(store: Store, source_id: int) -> Removed | None:
    """Delete a source and its stories, returning what `put_back` needs; None if absent."""
    with store._write() as conn:
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
    store._sources_changed()
    stories = next(len(rows) for table, _names, rows in tables if table == "stories")
    return Removed(source_id, str(row[0]), stories, tuple(tables))


def put_back(store: Store, removed: Removed) -> bool:
    """Restore a removed source exactly. False if its location was subscribed again since."""
    with store._write() as conn:
        for table, names, rows in removed.tables:
            if not rows:
                continue
            if table == "sources":
                location = rows[0][names.index("location")]
                clash = conn.execute("SELECT 1 FROM sources WHERE id = ? OR location = ?",
                                     (removed.source_id, location)).fetchone()
                if clash is not None:
                    return False
            marks = ", ".join("?" for _ in names)
            conn.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",
                             rows)
    store._sources_changed()
    return True
