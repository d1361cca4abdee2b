"""The order of a search: best matches first, at a cost that does not grow with the archive.

Ranking every match by bm25 costs ~3.5 µs per match: a common word in 43,000 of 100,000
stories takes 150-200 ms to rank, ten times that at a million. So the ranking has a window:

    1. the WINDOW most recently stored matching stories, best match (bm25) first;
    2. then every older match, most recently stored first.

A word with fewer than WINDOW matches is simply ranked in full. Finding the window's edge is a
walk of WINDOW entries down the index's rowid order, and ranking WINDOW rows takes ~5 ms
(plus ~3.5 ms for bm25 to count the word's stories), so every page, position and "next
unread" costs the same at 10,000 or 1,000,000 stories. Ties in rank go to the most recently
stored story.

WINDOW is 1,000: the best matches among a word's thousand newest stories (for a word in
every second story of a big archive, its last weeks). It was 2,000 until the search's
whole budget, keys to frame, had to fit in 50 ms: ranking the second thousand took ~4-7 ms
of it, for older stories that a reader of news looks for least.

A search being typed asks the same questions several times over (its count, where a story
stands, each page the list draws), and ranking is the costly part. So the window of a search
over every story (no filters: what `/` shows) is ranked once and kept in `Windows`, and its
count with it, keyed by the index's version: FTS5's structure record (rowid 10 of
`stories_fts_data`), which every write to the index changes (it counts the segments written),
and its averages record (rowid 1: rows and words). No write can leave a stale answer behind,
and nothing has to remember to clear the cache. Views with filters (is:unread, a source, the
Unread mode) depend on story rows too, and are not kept.

The word still being typed is a prefix ("government"*), and FTS5 answers a prefix by merging
the lists of every word that starts with it into a new list, twice per ranked query (once for
the matches, once for bm25's document count): 21 ms against 9 ms for the word itself, for a
word in 43,000 stories. When the index holds a single word with that prefix (the word is
complete, or nearly), the search asks for that word instead: the same stories, the same bm25.
`fts5vocab` lists the words. A window is kept under the word it narrowed to as well, so the
letters typed after the prefix became unique ("governm" ... "government") are answered from
it: ranked once, not per letter.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

WINDOW = 1000
KEEP = 16  # windows kept (~200 KB each at most), each under what was typed and the word
WORDS_KEPT = 64  # prefixes found to have one word
FTS = "stories_fts f"
JOINED = "stories_fts f JOIN stories s ON s.id = f.rowid"
MATCH = "f.stories_fts MATCH ?"
BEST = "ORDER BY f.rank, f.rowid DESC"
WORST = "ORDER BY f.rank DESC, f.rowid ASC"
STORED = "ORDER BY f.rowid DESC"
# Rows before / after (rank, rowid) in the window's order.
BEFORE = "(f.rank < ? OR (f.rank = ? AND f.rowid > ?))"
AFTER = "(f.rank > ? OR (f.rank = ? AND f.rowid < ?))"
VERSION = "SELECT block FROM stories_fts_data WHERE id IN (1, 10) ORDER BY id"
# The index's words, one row per occurrence: a lookup stops at the first row it finds (a
# 'row' table would read a word's whole list to count its stories first: 5 ms for a word
# in 43,000 stories).
VOCAB = ("CREATE VIRTUAL TABLE IF NOT EXISTS temp.nr_terms "
         "USING fts5vocab(main, 'stories_fts', 'instance')")
FIRST_WORD = "SELECT term FROM temp.nr_terms WHERE term >= ? AND term < ? LIMIT 1"
# The word being typed, as `reader.store.search.query.parse_query` writes it. Letters and
# digits of ASCII only: those the tokenizer keeps as they are, lower-cased (no folding to
# second-guess).
_PREFIX = re.compile(r'"([0-9A-Za-z]+)"\*')


@dataclass(slots=True)
class Window:
    """A search's ranked window: ids best first, where each stands, and the window's edge
    (the lowest rowid inside it; None when every match is in it). `count` is filled when
    first asked: a smart feed's count needs no ranking, a page needs no count."""

    query: str = ""  # the FTS5 expression asked (the prefix narrowed to its one word)
    order: list[int] = field(default_factory=list)
    place: dict[int, int] = field(default_factory=dict)
    edge: int | None = None
    ranked: bool = False
    count: int | None = None


class Windows:
    """The kept windows of recent searches, shared by every thread's connection."""

    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[object, ...], Window] = OrderedDict()
        self._words: OrderedDict[tuple[str, tuple[object, ...]], str] = OrderedDict()

    def get(self, conn: sqlite3.Connection, match: str, *, rank: bool = False,
            count: bool = False) -> Window | None:
        """The window of `match`, ranked and/or counted as asked, or None inside a write
        transaction (its index changes are not in the version yet). Two threads may rank and
        count the same search at once (`SearchRunner` does): what each finds is merged."""
        if conn.in_transaction:
            return None
        conn.execute(VOCAB)  # once per connection; outside the read, which rolls back
        with _snapshot(conn):
            version = tuple(row[0] for row in conn.execute(VERSION))
            key = (match, WINDOW, version)
            with self._lock:
                found = self._items.get(key)
            if found is None:
                query = self._narrowed(conn, match, version)
                with self._lock:  # the same stories, asked for by the word it narrows to
                    found = self._items.get((query, WINDOW, version))
                if found is None:
                    found = Window(query=query)
            if rank and not found.ranked:
                _rank(conn, found)
            if count and found.count is None:
                found.count = (len(found.order) if found.ranked and found.edge is None
                               else _count(conn, found.query))
            found = self._put(key, found)
            if found.query != match:
                self._put((found.query, WINDOW, version), found)
        return found

    def _put(self, key: tuple[object, ...], window: Window) -> Window:
        """Keep `window` under `key`; if another thread kept one there meanwhile, what this
        one found (its ranking, its count) is added to that one, which is returned."""
        with self._lock:
            kept = self._items.get(key)
            if kept is not None and kept is not window:
                if window.ranked and not kept.ranked:
                    kept.order, kept.place, kept.edge = window.order, window.place, window.edge
                    kept.ranked = True
                if kept.count is None:
                    kept.count = window.count
                window = kept
            self._items[key] = window
            self._items.move_to_end(key)
            while len(self._items) > self._keep:
                self._items.popitem(last=False)
        return window

    def _narrowed(self, conn: sqlite3.Connection, match: str,
                  version: tuple[object, ...]) -> str:
        """`match` with its prefix replaced by the one word of the index that has it, if there
        is exactly one. Two lookups in the index's list of words, each stopping at the first
        entry it finds (~0.3 ms); typing on after the prefix became unique ("governm", then
        "governme") needs none: the one word that has the shorter prefix is the only one
        that can have the longer."""
        prefixes = _PREFIX.findall(match)
        if len(prefixes) != 1:
            return match
        prefix = prefixes[0].lower()
        word = self._unique_word(prefix, version)
        if word is None:
            beyond = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # the first text past such words
            first = conn.execute(FIRST_WORD, (prefix, beyond)).fetchone()
            # The next word after it: past every "word..." that only lengthens it (the
            # tokenizer never keeps a control character in a word).
            if first is None or conn.execute(FIRST_WORD, (first[0] + "\x01", beyond)
                                             ).fetchone() is not None:
                return match
            word = str(first[0])
            with self._lock:
                self._words[(prefix, version)] = word
                while len(self._words) > WORDS_KEPT:
                    self._words.popitem(last=False)
        return _PREFIX.sub(lambda _: _quote(word), match)

    def _unique_word(self, prefix: str, version: tuple[object, ...]) -> str | None:
        """The one word that has `prefix`, if a prefix of `prefix` was found to have only
        that word in this version of the index."""
        with self._lock:
            for end in range(len(prefix), 0, -1):
                found = self._words.get((prefix[:end], version))
                if found is not None:
                    return found if found.startswith(prefix) else None
        return None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@contextlib.contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction: the version and the answers come from the same state."""
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")  # nothing was written: ends the read


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _rank(conn: sqlite3.Connection, window: Window) -> None:
    """One walk down the newest WINDOW + 1 matches: the window's edge, and the window ranked
    (sorted here: 1,000 rows sort in well under a millisecond)."""
    rows = conn.execute(f"SELECT f.rowid, f.rank FROM {FTS} WHERE {MATCH} {STORED} LIMIT ?",
                        (window.query, WINDOW + 1)).fetchall()
    edge = None
    if len(rows) > WINDOW:
        edge = int(rows[WINDOW][0]) + 1  # the first match past the window ends it
        del rows[WINDOW:]
    rows.sort(key=lambda row: (row[1], -row[0]))  # as BEST: rank, then newest stored
    order = [int(row[0]) for row in rows]
    window.order, window.edge = order, edge
    window.place = {story_id: index for index, story_id in enumerate(order)}
    window.ranked = True


def _count(conn: sqlite3.Connection, query: str) -> int:
    return int(conn.execute(f"SELECT COUNT(*) FROM {FTS} WHERE {MATCH}", (query,)).fetchone()[0])


class Ranked:
    """One ranked view on one connection: `clauses`/`params` filter `stories s`, `match` is
    the FTS5 expression. Without filters, no story row is read at all, and the window comes
    from `windows` when given (ranked once per search and index version)."""

    def __init__(self, conn: sqlite3.Connection, clauses: Sequence[str],
                 params: Sequence[object], match: str, windows: Windows | None = None) -> None:
        self.conn = conn
        self.clauses = list(clauses)
        self.params = [*params, match]
        self.match = match
        self.windows = windows if not self.clauses else None
        self._edge: int | None | bool = False  # False: not looked up yet

    def _kept(self, *, count: bool = False) -> Window | None:
        if self.windows is None:
            return None
        kept = self.windows.get(self.conn, self.match, rank=not count, count=count)
        if kept is not None:
            self.params[-1] = kept.query  # the same stories; cheaper when narrowed
        return kept

    def _sql(self, columns: str, *extra: str, tail: str = "") -> str:
        clauses = [*self.clauses, MATCH, *extra]
        # Joining each match to its story costs ~1 µs a match: only when a filter needs it.
        source = JOINED if any("s." in c for c in clauses) else FTS
        return f"SELECT {columns} FROM {source} WHERE {' AND '.join(clauses)} {tail}"

    @property
    def edge(self) -> int | None:
        """The lowest rowid inside the window, or None when every match is in it."""
        if self._edge is False:
            kept = self._kept()
            if kept is not None:
                self._edge = kept.edge
            else:
                row = self.conn.execute(
                    self._sql("f.rowid", tail=f"{STORED} LIMIT 1 OFFSET ?"),
                    [*self.params, WINDOW]).fetchone()
                # row: the first match past the window; the window ends just above it.
                self._edge = None if row is None else int(row[0]) + 1
        return self._edge if isinstance(self._edge, int) else None

    def _in_window(self) -> list[str]:
        return [] if self.edge is None else [f"f.rowid >= {self.edge}"]

    def _past_window(self) -> list[str]:
        return [f"f.rowid < {self.edge}"] if self.edge is not None else ["0"]

    def ids(self, offset: int, limit: int) -> list[int]:
        """The story ids of rows offset .. offset+limit, in order."""
        out: list[int] = []
        kept = self._kept()
        if kept is not None:
            out = kept.order[offset:offset + limit]
        elif offset < WINDOW or self.edge is None:
            out = [r[0] for r in self.conn.execute(
                self._sql("f.rowid", *self._in_window(), tail=f"{BEST} LIMIT ? OFFSET ?"),
                [*self.params, limit, offset])]
        rest = limit - len(out)
        if rest > 0 and self.edge is not None:
            out += [r[0] for r in self.conn.execute(
                self._sql("f.rowid", *self._past_window(), tail=f"{STORED} LIMIT ? OFFSET ?"),
                [*self.params, rest, max(offset - WINDOW, 0)])]
        return out

    def count(self) -> int:
        kept = self._kept(count=True)
        if kept is not None and kept.count is not None:
            return kept.count
        return int(self.conn.execute(self._sql("COUNT(*)"), self.params).fetchone()[0])

    def rank_of(self, story_id: int) -> float | None:
        """The story's rank, when it is in the view."""
        row = self.conn.execute(self._sql("f.rank", "f.rowid = ?"),
                                [*self.params, story_id]).fetchone()
        return None if row is None else float(row[0])

    def index_of(self, story_id: int) -> int | None:
        kept = self._kept()
        if kept is not None:
            place = kept.place.get(story_id)
            if place is not None or kept.edge is None or story_id >= kept.edge:
                return place  # every match from the edge up is in the window
            if self.conn.execute(self._sql("1", "f.rowid = ?"),
                                 [*self.params, story_id]).fetchone() is None:
                return None
            return WINDOW + self._newer_past(story_id)
        rank = self.rank_of(story_id)
        if rank is None:
            return None
        if self.edge is None or story_id >= self.edge:
            return int(self.conn.execute(
                self._sql("COUNT(*)", *self._in_window(), BEFORE),
                [*self.params, rank, rank, story_id]).fetchone()[0])
        return WINDOW + self._newer_past(story_id)

    def _newer_past(self, story_id: int) -> int:
        """How many matches past the window were stored after `story_id`."""
        return int(self.conn.execute(
            self._sql("COUNT(*)", *self._past_window(), "f.rowid > ?"),
            [*self.params, story_id]).fetchone()[0])

    def _first(self, extra: list[str], args: list[object], tail: str) -> int | None:
        row = self.conn.execute(self._sql("f.rowid", *extra, tail=tail + " LIMIT 1"),
                                [*self.params, *args]).fetchone()
        return None if row is None else int(row[0])

    def next_unread(self, story_id: int | None, forward: bool) -> int | None:
        """The next (or previous) unread story after `story_id` in this order."""
        unread = "s.read = 0"
        rank = self.rank_of(story_id) if story_id is not None else None
        edge = self.edge
        in_window = rank is not None and (edge is None or (story_id or 0) >= edge)
        if forward:
            if rank is None or in_window:
                after = [AFTER] if rank is not None else []
                args: list[object] = [rank, rank, story_id] if rank is not None else []
                found = self._first([*self._in_window(), unread, *after], args, BEST)
                if found is not None or self.edge is None:
                    return found
                return self._first([*self._past_window(), unread], [], STORED)
            return self._first([*self._past_window(), unread, "f.rowid < ?"], [story_id],
                               STORED)
        if rank is None or not in_window:
            before = ["f.rowid > ?"] if rank is not None else []
            found = self._first([*self._past_window(), unread, *before],
                                [story_id] if rank is not None else [], "ORDER BY f.rowid")
            if found is not None:
                return found
            return self._first([*self._in_window(), unread], [], WORST)
        return self._first([*self._in_window(), unread, BEFORE], [rank, rank, story_id], WORST)
