"""The search index: what gets indexed, the queue that keeps it exact, and catching it up.

Why it is built this way:

* The index (`stories_fts`, a contentless FTS5 table, migration 3) holds the words of each
  story's headline, body text, source name and author, not a second copy of the text (that
  copy would be a third of the file at 100,000 stories). Triggers note every insert, update
  and delete of `stories` and every renamed or removed source, so no writer can forget it;
  `flush_index` applies the notes when the store's write transaction commits (written from
  the triggers themselves, FTS5 flushed at every row: ~1 ms a story, three times the rest
  of storing it).
* The body is indexed as text, not HTML: `story_text` drops tags (and their attributes, so
  link targets are not words) and decodes entities. SQLite calls it from the triggers, so
  `install()` must run on every connection that writes stories; `Database` does that. A
  contentless index forgets a row only when told the words it indexed, so `story_text` must
  stay deterministic: if it ever changes, a migration must re-index ('delete-all' and fill).
* The index may lag behind the stories: a cold refresh spends a fifth of its CPU in FTS5
  (it tokenises ~23 MB/s whatever its settings), and a reader wants the stories on screen
  first. So a refresh writes its batches with `Store.batch(defer_index=True)`: the triggers
  still note every story, but nothing is indexed before the commit. `SearchIndex.catch_up`
  applies the notes later, a thousand stories per short transaction, from the app's worker
  once the refresh is done (or soon after start-up, for what a `newsreader refresh` from cron
  left). A search never sees the lag: the views catch the index up (`SearchIndex.ready`)
  before any query with words runs (one indexed lookup when nothing waits). Every other
  write indexes what it changed before it commits, and only that (`flush_index(after=...)`),
  so a mark-as-read after a cold refresh stays instant.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from reader.sanitize import CONTROL_REF, DROPPED_ELEMENT, DROPPED_GATE, clean_text
from reader.store.bodies import unpack
from reader.store.errors import StoreError


# -- what is indexed ----------------------------------------------------------------------------
def html_text(markup: str) -> str:
    """The words of an HTML fragment: tags, comments and the elements nh3 drops with their
    content gone, entities decoded. For the index, not for display: spacing is left as it
    comes (the tokenizer does not care, and folding it would triple the cost)."""
    if "<" not in markup and "&" not in markup:
        return markup
    gate, hidden, tag = _patterns()
    if gate.search(markup) is not None:
        markup = hidden.sub(" ", markup)
    import html  # here: its table of entities is not needed to open the cache

    text = html.unescape(tag.sub(" ", markup))
    # A reference such as "&#27;" or "&#x202E;" decodes to a control: removed, as nh3's
    # output is cleaned (`reader.sanitize.sanitize_html`).
    return clean_text(text) if CONTROL_REF.search(markup) is not None else text


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """`html_text`'s patterns, compiled with the first body it reads rather than when the
    app opens the cache (~0.7 ms of its start).

    * What nh3 drops with its content, and comments (`reader.sanitize.DROPPED_ELEMENT`,
      `DROPPED_GATE`): the cache keeps most feed bodies as the feed wrote them, and the
      index skips what the reader never sees.
    * A tag as an HTML parser reads one: "<" then a letter, "/", "!" or "?" ("a < b" is
      text), to ">" or to the end (a body cut inside a tag)."""
    hidden = re.compile(DROPPED_ELEMENT + "|<!--.*?-->", re.S | re.I)
    return re.compile(DROPPED_GATE), hidden, re.compile(r"<[A-Za-z/!?][^>]*(?:>|\Z)")


def story_text(body_html: str | bytes | None, full_html: str | bytes | None,
               lead: str | None) -> str:
    """The indexed body of a story: the full article when one was fetched, else the feed's
    body, else its lead. Deterministic: the SQL triggers call it (once per stored story).
    The HTML comes as the cache keeps it, compressed or not (`reader.store.bodies`); a
    damaged value counts as empty."""
    text = html_text(unpack(full_html, "")) if full_html else ""
    if not text or text.isspace():
        text = html_text(unpack(body_html, ""))
    return text if text and not text.isspace() else (lead or "")


def install(conn: sqlite3.Connection,
            text: Callable[[str | bytes | None, str | bytes | None, str | None], str]
            | None = None) -> None:
    """Make a connection able to write stories: the SQL function the index triggers call.

    Never `INSERT OR REPLACE` into `stories`: the rows it pushes out fire no delete triggers
    (unless `recursive_triggers`, which doubles the cost of every index write), so the index
    and the counters would miss them. The store updates in place instead."""
    conn.create_function("nr_story_text", 3, text or story_text, deterministic=True)
    # Statement journals (every write that fires a trigger needs one) in memory, not in
    # temporary files: 160 -> 100 µs a stored story.
    conn.execute("PRAGMA temp_store = MEMORY")


def flush_index(conn: sqlite3.Connection, *, after: int | None = None,
                limit: int | None = None) -> int:
    """Apply the index's queue (see migration 3), inside the caller's write transaction, and
    return how many notes it applied (0: nothing was waiting).

    For each noted story: the first note tells what the index held before it was noted
    (words to forget, or nothing for a story inserted since); then the story as it is now is
    indexed once, if it still exists. Two statements, whatever the number of stories.

    `after`: only the stories first noted after that queue position (the notes this
    transaction made; older ones belong to a deferred refresh and wait for
    `SearchIndex.catch_up`). `limit`: at most that many stories, oldest notes first (a
    catch-up in short steps).
    Either way all the notes of a chosen story are applied together, so the index stays
    exact for it."""
    if conn.execute("SELECT 1 FROM fts_queue WHERE seq > ? LIMIT 1",
                    (after or 0,)).fetchone() is None:
        return 0  # (seq is the rowid: one lookup, so a write that noted nothing pays nothing)
    if after is None and limit is None:
        chosen = "SELECT story_id FROM fts_queue"
    else:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS nr_flush (story_id INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM temp.nr_flush")
        conn.execute("INSERT OR IGNORE INTO temp.nr_flush SELECT story_id FROM fts_queue "
                     "WHERE seq > ? ORDER BY seq LIMIT ?", (after or 0, limit or -1))
        chosen = "SELECT story_id FROM temp.nr_flush"
    conn.execute(
        "INSERT INTO stories_fts (stories_fts, rowid, title, body, source, author) "
        "SELECT 'delete', q.story_id, q.title, q.body, q.source, q.author FROM fts_queue q "
        f"WHERE q.story_id IN ({chosen}) AND q.indexed = 1 AND q.seq = "
        "(SELECT MIN(f.seq) FROM fts_queue f WHERE f.story_id = q.story_id)")
    conn.execute(
        "INSERT INTO stories_fts (rowid, title, body, source, author) "
        "SELECT s.id, s.title, nr_story_text(s.body_html, s.full_html, s.lead), "
        "COALESCE(NULLIF(src.title, ''), src.location), s.author "
        "FROM stories s JOIN sources src ON src.id = s.source_id "
        f"WHERE s.id IN ({chosen})")
    return conn.execute(f"DELETE FROM fts_queue WHERE story_id IN ({chosen})").rowcount


def queue_end(conn: sqlite3.Connection) -> int:
    """The queue's last position: what `flush_index(after=...)` takes at a transaction's start."""
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM fts_queue").fetchone()[0])


def pending(conn: sqlite3.Connection) -> bool:
    """Whether some stories wait to be indexed (a deferred refresh stored them)."""
    return conn.execute("SELECT 1 FROM fts_queue LIMIT 1").fetchone() is not None




# -- catching up ----------------------------------------------------------------------------------
GIVE_BACK_FROM = 1 << 20  # bytes of free pages worth returning after a catch-up


class Connections(Protocol):
    """What the index needs of the database (`reader.store.db.Database`)."""

    def conn(self) -> sqlite3.Connection: ...

    def write(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def give_back(self, *, at_least: int = ..., step: int = ...,
                  should_stop: Callable[[], bool] = ...) -> int: ...


class SearchIndex:
    """`store.index`: brings the search index up to date with the stories."""

    def __init__(self, db: Connections) -> None:
        self._db = db

    def pending(self) -> bool:
        """Whether stories wait for the search index (left by a deferred refresh)."""
        return pending(self._db.conn())

    def catch_up(self, step: int = 1000, should_stop: Callable[[], bool] | None = None,
                 give_back: bool = True) -> int:
        """Index what deferred refreshes left in the queue, `step` stories per transaction
        (~0.2 s of holding the write lock each), until none is left or `should_stop()`.
        Returns how many queue notes were applied. Safe to run from any thread, and from two
        processes at once: each step takes what is still queued when it holds the lock.

        Then the pages the applied notes and the index's merged segments held go back to
        the file system, when they are many (`GIVE_BACK_FROM`: after a cold refresh, 2-3 MB
        per 10,000 stories that the next, small refreshes would never fill again), unless
        `give_back` is false: a search that waits for the catch-up leaves that for later."""
        done = 0
        stop = should_stop or (lambda: False)
        while pending(self._db.conn()):
            if stop():
                break
            with self._db.write() as conn:
                applied = flush_index(conn, limit=step)
            done += applied
            if not applied:
                break
        if done and give_back:
            self._db.give_back(at_least=GIVE_BACK_FROM, should_stop=stop)
        return done

    def ready(self) -> None:
        """Before a search: catch the index up, so the search finds every story stored
        (cheap when nothing waits: one indexed lookup). A read-only cache searches what is
        indexed."""
        if pending(self._db.conn()):
            with contextlib.suppress(StoreError):
                self.catch_up(give_back=False)
