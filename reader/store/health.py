"""How each source is doing: last update, last error, stories per day, and staleness.

A reader with many subscriptions needs to see which feeds are dead or failing without
opening each one. These are read-only queries over the cache, kept apart from the store's
core so the numbers are defined (and tested) in one place:

* stories per day: stories published in the last 30 days, divided by the days they span
  (at least one, at most 30), so a feed added yesterday is judged on the week it carries;
* stale: a feed whose newest story is more than `STALE_DAYS` old (or that has none after
  being followed that long). Local files and folders are never stale: an archive of saved
  pages is old on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

from reader.store import Store

DAY = 86_400.0
STALE_DAYS = 90
WINDOW_DAYS = 30


@dataclass(frozen=True, slots=True)
class Health:
    """One source's numbers (timestamps are seconds since the epoch, None when unknown)."""

    source_id: int
    kind: str
    status: str
    last_error: str
    added: float | None
    last_checked: float | None
    last_success: float | None
    stories: int
    newest: float | None
    per_day: float
    stale: bool


def source_health(store: Store, source_id: int, now: float) -> Health | None:
    """The numbers for one source, or None when it is not in the cache."""
    conn = store.db.conn()
    row = conn.execute(
        "SELECT kind, status, last_error, added, last_checked, last_success FROM sources "
        "WHERE id = ?", (source_id,)).fetchone()
    if row is None:
        return None
    kind, status, last_error, added, last_checked, last_success = row
    since = now - WINDOW_DAYS * DAY
    count, newest, recent, first = conn.execute(
        "SELECT COUNT(*), MAX(published), COALESCE(SUM(published >= ?), 0), "
        "MIN(CASE WHEN published >= ? THEN published END) FROM stories WHERE source_id = ?",
        (since, since, source_id)).fetchone()
    # Over the days the recent stories really span: a feed added yesterday that carries a
    # week of stories is judged on that week, not on one day.
    span = (now - first) / DAY if first is not None else WINDOW_DAYS
    days = max(1.0, min(float(WINDOW_DAYS), span))
    return Health(source_id=source_id, kind=kind, status=status, last_error=last_error,
                  added=added, last_checked=last_checked, last_success=last_success,
                  stories=int(count), newest=newest, per_day=int(recent) / days,
                  stale=_is_stale(kind, added, newest, now))


def stale_sources(store: Store, now: float) -> set[int]:
    """Ids of every stale source (one query, for the source list)."""
    rows = store.db.conn().execute(
        "SELECT src.id, src.kind, src.added, "
        "(SELECT MAX(s.published) FROM stories s WHERE s.source_id = src.id) FROM sources src")
    return {sid for sid, kind, added, newest in rows if _is_stale(kind, added, newest, now)}


def _is_stale(kind: str, added: float | None, newest: float | None, now: float) -> bool:
    if kind != "feed":
        return False
    limit = now - STALE_DAYS * DAY
    if newest is None:
        return added is not None and added < limit
    return float(newest) < limit
