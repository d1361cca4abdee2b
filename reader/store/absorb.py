"""One file, one story: a folder takes over the files that were subscribed on their own.

A user may name `~/news/a.txt` first and subscribe to `~/news/` later. Both reads give the
story the same key, but keys are unique per source, so without this the file would be
cached twice and read twice. When a folder reads files that other sources hold on their own,
those sources' stories move into the folder (read and starred marks, kept full articles and
all) and the single-file sources go. A story both already hold keeps the marks of either.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from reader.store import Store


def absorb_sources(store: Store, into: int, sources: Sequence[int]) -> int:
    """Move the stories, file stamps and retention tombstones of `sources` into the source
    `into`, then remove `sources`; returns how many stories moved. One transaction."""
    ids = json.dumps([i for i in sources if i != into])
    if ids == "[]":
        return 0
    within = "IN (SELECT value FROM json_each(?))"
    with store.db.write() as conn:
        # Stories the folder already has: keep whichever marks and full article either has.
        conn.execute(
            "UPDATE stories AS kept SET read = MAX(kept.read, old.read), "
            "starred = MAX(kept.starred, old.starred), "
            "full_html = CASE WHEN kept.full_html = '' THEN old.full_html "
            "ELSE kept.full_html END "
            f"FROM stories AS old WHERE old.source_id {within} "
            "AND kept.source_id = ? AND kept.key = old.key", (ids, into))
        moved = conn.execute(f"UPDATE OR IGNORE stories SET source_id = ? WHERE source_id "
                             f"{within}", (into, ids)).rowcount
        conn.execute(f"UPDATE OR IGNORE files SET source_id = ? WHERE source_id {within}",
                     (into, ids))
        conn.execute(f"UPDATE OR IGNORE removed_stories SET source_id = ? WHERE source_id "
                     f"{within}", (into, ids))
        conn.execute(f"DELETE FROM sources WHERE id {within}", (ids,))
    store.sources_changed()
    return moved
