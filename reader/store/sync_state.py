"""The cache's side of a sync: remote ids, the queue of local changes, the sync's own writes.

The tables and triggers are schema migration 5 (reader.store.schema). Why this shape:

* Local read/starred changes are queued by triggers, so every path that marks a story (the
  app, the CLI, mark-all, undo) queues without knowing about sync. A queued change is
  removed only with the `seq` it had when it was sent: a story changed again while the
  server was answering keeps its newer change queued.
* The sync's own writes (the server's state applied here, its sources added or removed) run
  with a row in `sync_mute`, inside their own transaction: nobody else ever sees the row,
  and they queue nothing.
* Each mapped story keeps the server's read/starred as the last sync saw them: that is how
  the engine tells which side changed a story since then.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from reader.models import Entry
from reader.store import Store

ACCOUNT = "sync.account"
SINCE_ID = "sync.since_id"
STATE_READ_AT = "sync.state_read_at"  # when the server's read/starred state was last read
STATE_LISTED_AT = "sync.state_listed_at"  # when it was last read whole, every id listed
FIRST_SYNC = "sync.first"  # feeds added here after this are subscribed on the server
LAST_SUCCESS = "sync.last_success"
LAST_ERROR = "sync.last_error"


@dataclass(frozen=True, slots=True)
class Mapped:
    """A story that has a remote id: its state here and as the server had it."""

    story_id: int
    remote_id: int
    read: bool
    starred: bool
    remote_read: bool
    remote_starred: bool
    remote_feed: int = 0  # the server's feed it belongs to



@dataclass(frozen=True, slots=True)
class Queued:
    seq: int
    story_id: int
    field: str  # "read" | "starred"
    value: bool
    changed: float


@contextlib.contextmanager
def muted(store: Store) -> Iterator[sqlite3.Connection]:
    """A write transaction whose changes queue nothing (the sync's own)."""
    with store.db.write() as conn:
        conn.execute("INSERT INTO sync_mute (on_purpose) VALUES (1)")
        yield conn
        conn.execute("DELETE FROM sync_mute")


def start_account(store: Store, account: str, now: float) -> bool:
    """Make the cache's remote ids belong to `account`. Another account's (or none) are
    forgotten first, its sources turned into ordinary feeds (feeds kept local stay so): ids
    of one server mean nothing on another. True when the account is new to the cache."""
    if store.get_meta(ACCOUNT) == account:
        return False
    with muted(store) as conn:
        for table in ("remote_stories", "remote_sources", "sync_queue", "sync_feed_queue"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("UPDATE sources SET origin = '' WHERE origin NOT IN ('', 'local')")
        conn.execute("DELETE FROM meta WHERE key LIKE 'sync.%'")
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                         [(ACCOUNT, account), (FIRST_SYNC, repr(now))])
    return True


def remote_sources(store: Store) -> dict[int, int]:
    """Remote feed id -> source id."""
    return {r: s for s, r in store.db.conn().execute(
        "SELECT source_id, remote_id FROM remote_sources")}


def link_source(store: Store, source_id: int, remote_id: int, origin: str) -> None:
    with muted(store) as conn:
        conn.execute("INSERT OR REPLACE INTO remote_sources (source_id, remote_id) "
                     "VALUES (?, ?)", (source_id, remote_id))
        conn.execute("UPDATE sources SET origin = ? WHERE id = ?", (origin, source_id))


def remove_sources(store: Store, source_ids: Iterable[int]) -> None:
    """Sources the server no longer has: gone here too, without queueing an unsubscribe."""
    with muted(store) as conn:
        conn.executemany("DELETE FROM sources WHERE id = ?", [(i,) for i in source_ids])


def local_feeds_to_subscribe(store: Store) -> list[tuple[int, str, str]]:
    """(source id, URL, folder) of feeds added here since the first sync and not marked local
    (origin "local"): the server is asked to subscribe to them."""
    first = float(store.get_meta(FIRST_SYNC, "inf"))
    return [(int(i), str(u), str(f)) for i, u, f in store.db.conn().execute(
        "SELECT id, location, folder FROM sources WHERE kind = 'feed' AND origin = '' "
        "AND added > ?", (first,))]


def feed_queue(store: Store) -> list[tuple[int, int]]:
    """(seq, remote feed id) of the server sources removed here, to unsubscribe from."""
    return [(int(s), int(r)) for s, r in store.db.conn().execute(
        "SELECT seq, remote_id FROM sync_feed_queue WHERE action = 'unsubscribe' "
        "ORDER BY seq")]


def drop_feed_queue(store: Store, seqs: Iterable[int]) -> None:
    with store.db.write() as conn:
        conn.executemany("DELETE FROM sync_feed_queue WHERE seq = ?", [(s,) for s in seqs])


def store_stories(store: Store, source_id: int, stories: list[tuple[int, Entry, bool, bool]]
                  ) -> int:
    """Store a server source's new stories, (remote id, entry, read, starred) each, with their
    state as the server has it; returns how many were new here. A story this source already
    holds (it was a feed fetched here before the server had it) is matched by its link and
    keeps its text and its state; the engine sends that state to the server."""
    if not stories:
        return 0
    conn = store.db.conn()
    mapped = {r for (r,) in conn.execute(
        "SELECT remote_id FROM remote_stories WHERE remote_id IN (SELECT value FROM "
        "json_each(?))", (json.dumps([s[0] for s in stories]),))}
    stories = [s for s in stories if s[0] not in mapped]
    links = [e.link for _, e, _, _ in stories if e.link]
    by_link = {link: sid for sid, link in conn.execute(
        "SELECT id, link FROM stories WHERE source_id = ? AND link IN (SELECT value FROM "
        "json_each(?)) AND id NOT IN (SELECT story_id FROM remote_stories)",
        (source_id, json.dumps(links)))}
    fresh = [s for s in stories if s[1].link not in by_link]
    with store.batch():
        result = store.upsert_entries(source_id, [e for _, e, _, _ in fresh])
        with muted(store) as conn:
            ids = {key: sid for sid, key in conn.execute(
                "SELECT id, key FROM stories WHERE source_id = ? AND key IN (SELECT value "
                "FROM json_each(?))", (source_id, json.dumps([e.key for _, e, _, _ in fresh])))}
            rows = []
            for remote_id, entry, read, starred in stories:
                local = by_link.get(entry.link) if entry.link in by_link else ids.get(entry.key)
                if local is None:
                    continue
                rows.append((local, remote_id, int(read), int(starred)))
                if entry.link not in by_link:  # new here: the server's state is the state
                    conn.execute("UPDATE stories SET read = ?, starred = ? WHERE id = ?",
                                 (int(read), int(starred), local))
            conn.executemany("INSERT OR REPLACE INTO remote_stories (story_id, remote_id, "
                             "remote_read, remote_starred) VALUES (?, ?, ?, ?)", rows)
    return result.new


def mapped_stories(store: Store) -> list[Mapped]:
    return [Mapped(s, r, bool(a), bool(b), bool(c), bool(d), int(f or 0))
            for s, r, a, b, c, d, f in store.db.conn().execute(
                "SELECT r.story_id, r.remote_id, s.read, s.starred, r.remote_read, "
                "r.remote_starred, f.remote_id FROM remote_stories r "
                "JOIN stories s ON s.id = r.story_id "
                "LEFT JOIN remote_sources f ON f.source_id = s.source_id")]


def remote_stars(store: Store) -> dict[int, bool]:
    """Remote story id -> starred as the last sync saw it: all the starred list's read needs,
    without the join `mapped_stories` makes."""
    return {int(r): bool(m) for r, m in store.db.conn().execute(
        "SELECT remote_id, remote_starred FROM remote_stories")}


def queued(store: Store) -> dict[tuple[int, str], Queued]:
    return {(s, f): Queued(q, s, f, bool(v), c) for q, s, f, v, c in store.db.conn().execute(
        "SELECT seq, story_id, field, value, changed FROM sync_queue")}


def pending(store: Store) -> int:
    """How many read/starred changes and unsubscriptions wait to be sent."""
    conn = store.db.conn()
    return int(conn.execute("SELECT (SELECT COUNT(*) FROM sync_queue) + "
                            "(SELECT COUNT(*) FROM sync_feed_queue)").fetchone()[0])


def apply_remote(store: Store, changes: Iterable[tuple[int, str, bool]],
                 drop: Iterable[Queued] = ()) -> None:
    """The server's state for (story id, field, value) here and as the server's known
    state, without queueing; `drop` are queued changes the server's later change overrode."""
    with muted(store) as conn:
        for story_id, field, value in changes:
            column = _column(field)
            conn.execute(f"UPDATE stories SET {field} = ? WHERE id = ?", (int(value), story_id))
            conn.execute(f"UPDATE remote_stories SET {column} = ? WHERE story_id = ?",
                         (int(value), story_id))
        conn.executemany("DELETE FROM sync_queue WHERE seq = ?", [(q.seq,) for q in drop])


def accepted(store: Store, items: Iterable[tuple[int, str, bool, int | None]]) -> None:
    """The server took these (story id, field, value, queue seq or None): it now has that
    value, and the queued change (if it is still the one sent) is done."""
    with store.db.write() as conn:
        for story_id, field, value, seq in items:
            conn.execute(f"UPDATE remote_stories SET {_column(field)} = ? WHERE story_id = ?",
                         (int(value), story_id))
            if seq is not None:
                conn.execute("DELETE FROM sync_queue WHERE seq = ?", (seq,))


def _column(field: str) -> str:
    if field not in ("read", "starred"):
        raise ValueError(f"not a synced field: {field}")
    return f"remote_{field}"


def keep_local(store: Store, locations: Iterable[str]) -> list[int]:
    """Feeds the user keeps out of sync (`[sync] local`): marked "local", so they are fetched
    here and never sent to the server; one that came from the server is unlinked from it
    without an unsubscription (the server keeps it for the other devices). The ids of the
    sources that changed."""
    wanted = json.dumps(sorted(set(locations)))
    with muted(store) as conn:
        ids = [int(i) for (i,) in conn.execute(
            "SELECT id FROM sources WHERE kind = 'feed' AND origin != 'local' AND location IN "
            "(SELECT value FROM json_each(?))", (wanted,))]
        conn.executemany("DELETE FROM remote_sources WHERE source_id = ?", [(i,) for i in ids])
        conn.executemany("UPDATE sources SET origin = 'local' WHERE id = ?", [(i,) for i in ids])
    return ids
