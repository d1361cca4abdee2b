"""One file, one story: a folder takes over the files that were subscribed on their own.

A user may name `~/news/a.txt` first and subscribe to `~/news/` later. Both reads give the
story the same key, but keys are unique per source, so without this the file would be
cached twice and read twice. When a folder reads files that other sources hold on their own,
those sources' stories move into the folder (read and starred marks, kept full articles and
all) and the single-file sources go. A story both already hold keeps the marks of either.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence

from reader.store import Store
from reader.store.rows import storable


def absorb_sources(store: Store, into: int, sources: Sequence[int]) -> int:
    """Move the stories, file stamps and retention tombstones of `sources` into the source
    `into`, then remove `sources`; returns how many stories moved. One transaction."""
    ids = json.dumps([i for i in sources if i != into])
    if ids == "[]":
        return 0
    within = "IN (SELECT value FROM json_each(?))"
    with store.db.write() as conn:
        _merge_marks(conn, f"old.source_id {within}", (ids,), into)
        moved = conn.execute(f"UPDATE OR IGNORE stories SET source_id = ? WHERE source_id "
                             f"{within}", (into, ids)).rowcount
        conn.execute(f"UPDATE OR IGNORE files SET source_id = ? WHERE source_id {within}",
                     (into, ids))
        conn.execute(f"UPDATE OR IGNORE removed_stories SET source_id = ? WHERE source_id "
                     f"{within}", (into, ids))
        conn.execute(f"DELETE FROM sources WHERE id {within}", (ids,))
    store.sources_changed()
    return moved


def hand_over(store: Store, source: int, into: int, folder: str) -> int:
    """Move the stories and file stamps that `source` holds for files under `folder` (a
    path) into the source `into`, as `absorb_sources` does for whole sources: a folder
    subscribed inside another owns its files, so the outer one gives them up with their
    marks, those it reached through a symbolic link too. Stories `into` has already keep
    the marks of either; returns how many moved."""
    if source == into:
        return 0
    prefix = storable(folder.rstrip(os.sep) + os.sep)
    under = _under("path")
    inside = storable(os.path.realpath(folder).rstrip(os.sep) + os.sep)
    # Feed files' paths are resolved on disk before the write lock is taken (a slow disk
    # must not hold up every other writer); file stories are matched under the lock.
    feeds = _feeds_linked_into(store.db.conn(), source, inside, prefix)
    with store.db.write() as conn:
        linked = _files_linked_into(conn, source, inside) + feeds
        place = (prefix[:-1], len(prefix), prefix, json.dumps(linked))
        _merge_marks(conn, f"old.source_id = ? AND {_under('old.path')}", (source, *place),
                     into)
        moved = conn.execute(f"UPDATE OR IGNORE stories SET source_id = ? WHERE source_id = ? "
                             f"AND {under}", (into, source, *place)).rowcount
        merged = conn.execute(f"DELETE FROM stories WHERE source_id = ? AND {under}",
                              (source, *place)).rowcount
        conn.execute(f"UPDATE OR IGNORE files SET source_id = ? WHERE source_id = ? "
                     f"AND {under}", (into, source, *place))
        conn.execute(f"DELETE FROM files WHERE source_id = ? AND {under}", (source, *place))
    if moved or merged:
        store.sources_changed()
    return moved


def _under(column: str) -> str:
    """SQL: the path in `column` is the folder, lies in it, or is one of the linked paths
    (parameters: the folder, the length of its prefix, the prefix, the links as JSON)."""
    return (f"({column} = ? OR substr({column}, 1, ?) = ? "
            f"OR {column} IN (SELECT value FROM json_each(?)))")


def _files_linked_into(conn: sqlite3.Connection, source: int, inside: str) -> list[str]:
    """The paths of `source`'s file stories reached through a symbolic link whose files lie
    under `inside` (a resolved folder, with its separator): a file's story is keyed by its
    resolved path (`reader.sources.local`), so no disk is read."""
    return [path for path, real in conn.execute(
        "SELECT path, substr(key, 6) FROM stories WHERE source_id = ? AND path != '' "
        "AND substr(key, 1, 5) = 'file:' AND key != 'file:' || path", (source,))
        if real.startswith(inside)]


def _feeds_linked_into(conn: sqlite3.Connection, source: int, inside: str,
                       prefix: str) -> list[str]:
    """The paths of `source`'s feed files that resolve under `inside`, of those not already
    under `prefix` (the folder as given, stored form). A feed file's stories have the
    feed's keys, so its path (one for all its stories) is resolved on disk."""
    feeds = [path for (path,) in conn.execute(
        "SELECT DISTINCT path FROM stories WHERE source_id = ? AND path != '' "
        "AND substr(key, 1, 5) != 'file:' AND substr(path, 1, ?) != ?",
        (source, len(prefix), prefix))]
    return [path for path in feeds if storable(os.path.realpath(path)).startswith(inside)]


def _merge_marks(conn: sqlite3.Connection, old: str, params: tuple[object, ...],
                 into: int) -> None:
    """Stories that `into` already has (same key) keep whichever read and starred marks and
    kept full article either copy has; `old` (SQL on the alias `old`) picks the other copies."""
    conn.execute(
        "UPDATE stories AS kept SET read = MAX(kept.read, old.read), "
        "starred = MAX(kept.starred, old.starred), "
        "full_html = CASE WHEN kept.full_html = '' THEN old.full_html "
        "ELSE kept.full_html END "
        f"FROM stories AS old WHERE {old} AND kept.source_id = ? AND kept.key = old.key",
        (*params, into))
