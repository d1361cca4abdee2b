"""Retention: forgetting old stories, and giving the space back, without the reader noticing.

The rules (the `retention` settings of the configuration):

* `max_age_days`: read stories published more than N days ago are removed (unread ones stay
  until they are read: nothing is lost unseen).
* `max_per_source`: each source keeps at most its newest N stories.
* Never removed, whatever the settings: starred stories, and the stories of each source's
  latest arrival (the last read of that source that brought anything: stories stored by one
  refresh share their `first_seen`). So a refresh never hands the reader stories that
  retention then takes away before they could be seen.

A removed story leaves a tombstone (source, key): a feed that still carries it does not bring
it back as new and unread at the next refresh. Tombstones go with their source.

It all runs in a background worker, never at start-up: removals go in small transactions (a
refresh or a `j` press waits for one chunk at most), and space is returned to the file system
with `PRAGMA incremental_vacuum` in small steps (caches made by this release use
`auto_vacuum = INCREMENTAL`; older ones reuse the freed pages for new stories instead). The
full-text index merges away the deleted entries a little at a time as well. There is never a
blocking VACUUM.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader.store import Store

DAY = 86_400.0
CHUNK = 500  # stories removed per transaction
VACUUM_STEP = 512  # pages returned per transaction (2 MB of 4 KB pages, 4 MB of 8 KB)
# A story is protected when starred or from its source's latest arrival.
_REMOVABLE = ("s.starred = 0 AND s.first_seen < (SELECT MAX(b.first_seen) FROM stories b "
              "WHERE b.source_id = s.source_id)")


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How much to keep; 0 means no limit for either rule."""

    max_age_days: int = 0
    max_per_source: int = 0

    @property
    def active(self) -> bool:
        return self.max_age_days > 0 or self.max_per_source > 0

    @classmethod
    def from_config(cls, config: object) -> RetentionPolicy:
        """The policy of a `reader.config.Config` (or anything with its retention fields)."""
        def whole(name: str) -> int:
            value = getattr(config, name, 0)
            return value if isinstance(value, int) and value > 0 else 0

        return cls(whole("retention__max_age_days"), whole("retention__max_per_source"))


@dataclass(frozen=True, slots=True)
class RetentionResult:
    removed: int = 0
    pages_freed: int = 0
    seconds: float = 0.0


def expired(store: Store, policy: RetentionPolicy, now: float | None = None) -> list[int]:
    """The ids of the stories the policy would remove now (protected ones never included)."""
    now = store.db.clock() if now is None else now
    conn = store.db.conn()
    ids: set[int] = set()
    if policy.max_age_days > 0:
        cutoff = now - policy.max_age_days * DAY
        ids.update(r[0] for r in conn.execute(
            f"SELECT s.id FROM stories s WHERE s.published < ? AND s.read = 1 AND {_REMOVABLE}",
            (cutoff,)))
    if policy.max_per_source > 0:
        for (source_id,) in conn.execute(
                "SELECT source_id FROM source_counts WHERE total > ?",
                (policy.max_per_source,)).fetchall():
            ids.update(r[0] for r in conn.execute(
                f"SELECT s.id FROM stories s WHERE s.id IN (SELECT id FROM stories "
                "WHERE source_id = ? ORDER BY published DESC, id DESC LIMIT -1 OFFSET ?) "
                f"AND {_REMOVABLE}", (source_id, policy.max_per_source)))
    return sorted(ids)


def apply_retention(store: Store, policy: RetentionPolicy, *, now: float | None = None,
                    should_stop: Callable[[], bool] = lambda: False) -> RetentionResult:
    """Remove what the policy says, a chunk per transaction, then give the space back."""
    started = time.perf_counter()
    if not policy.active:
        return RetentionResult()
    stamp = store.db.clock() if now is None else now
    ids = expired(store, policy, now)
    removed = 0
    for start in range(0, len(ids), CHUNK):
        if should_stop():
            break
        chunk = ids[start:start + CHUNK]
        marks = ",".join("?" * len(chunk))
        # Protection is checked again inside the transaction: a story starred (or a source
        # refreshed) since the candidates were chosen stays.
        where = f"WHERE s.id IN ({marks}) AND {_REMOVABLE}"
        with store.db.write() as conn:
            conn.execute("INSERT OR IGNORE INTO removed_stories (source_id, key, removed) "
                         f"SELECT s.source_id, s.key, ? FROM stories s {where}",
                         (stamp, *chunk))
            removed += conn.execute(f"DELETE FROM stories AS s {where}", chunk).rowcount
    freed = reclaim(store, should_stop=should_stop) if removed else 0
    return RetentionResult(removed, freed, time.perf_counter() - started)


def reclaim(store: Store, *, should_stop: Callable[[], bool] = lambda: False) -> int:
    """Return free pages to the file system in small steps; merge the search index's
    deleted entries away. Returns the pages freed (0 when the cache cannot shrink)."""
    conn = store.db.conn()
    for _ in range(64):  # bounded: a few pages of index merging per step
        if should_stop():
            break
        with store.db.write() as writer:
            before = writer.total_changes
            writer.execute("INSERT INTO stories_fts (stories_fts, rank) VALUES ('merge', 64)")
            if writer.total_changes - before < 2:
                break
    freed = store.db.give_back(step=VACUUM_STEP, should_stop=should_stop)
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()  # the merges' pages too
    return freed


def tombstoned(store: Store, source_id: int) -> set[str]:
    """The keys of a source's stories that retention removed."""
    return {r[0] for r in store.db.conn().execute(
        "SELECT key FROM removed_stories WHERE source_id = ?", (source_id,))}
