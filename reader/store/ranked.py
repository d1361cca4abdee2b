"""The order of a search: best matches first, at a cost that does not grow with the archive.

Ranking every match by bm25 costs ~3.5 µs per match: a common word in 43,000 of 100,000
stories takes 150-200 ms to rank, ten times that at a million. So the ranking has a window:

    1. the WINDOW most recently stored matching stories, best match (bm25) first;
    2. then every older match, most recently stored first.

A word with fewer than WINDOW matches is simply ranked in full. Finding the window's edge is a
walk of WINDOW entries down the index's rowid order, and ranking WINDOW rows takes ~7 ms, so
every page, position and "next unread" costs the same at 10,000 or 1,000,000 stories. Ties
in rank go to the most recently stored story.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

WINDOW = 2000
FTS = "stories_fts f"
JOINED = "stories_fts f JOIN stories s ON s.id = f.rowid"
MATCH = "f.stories_fts MATCH ?"
BEST = "ORDER BY f.rank, f.rowid DESC"
WORST = "ORDER BY f.rank DESC, f.rowid ASC"
STORED = "ORDER BY f.rowid DESC"
# Rows before / after (rank, rowid) in the window's order.
BEFORE = "(f.rank < ? OR (f.rank = ? AND f.rowid > ?))"
AFTER = "(f.rank > ? OR (f.rank = ? AND f.rowid < ?))"


class Ranked:
    """One ranked view on one connection: `clauses`/`params` filter `stories s`, `match` is
    the FTS5 expression. Without filters, no story row is read at all."""

    def __init__(self, conn: sqlite3.Connection, clauses: Sequence[str],
                 params: Sequence[object], match: str) -> None:
        self.conn = conn
        self.clauses = list(clauses)
        self.params = [*params, match]
        self._edge: int | None | bool = False  # False: not looked up yet

    def _sql(self, columns: str, *extra: str, tail: str = "") -> str:
        clauses = [*self.clauses, MATCH, *extra]
        # Joining each match to its story costs ~1 µs a match: only when a filter needs it.
        source = JOINED if any("s." in c for c in clauses) else FTS
        return f"SELECT {columns} FROM {source} WHERE {' AND '.join(clauses)} {tail}"

    @property
    def edge(self) -> int | None:
        """The lowest rowid inside the window, or None when every match is in it."""
        if self._edge is False:
            row = self.conn.execute(self._sql("f.rowid", tail=f"{STORED} LIMIT 1 OFFSET ?"),
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
        if offset < WINDOW or self.edge is None:
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
        return int(self.conn.execute(self._sql("COUNT(*)"), self.params).fetchone()[0])

    def rank_of(self, story_id: int) -> float | None:
        """The story's rank, when it is in the view."""
        row = self.conn.execute(self._sql("f.rank", "f.rowid = ?"),
                                [*self.params, story_id]).fetchone()
        return None if row is None else float(row[0])

    def index_of(self, story_id: int) -> int | None:
        rank = self.rank_of(story_id)
        if rank is None:
            return None
        count = "COUNT(*)"
        if self.edge is None or story_id >= self.edge:
            return int(self.conn.execute(
                self._sql(count, *self._in_window(), BEFORE),
                [*self.params, rank, rank, story_id]).fetchone()[0])
        return WINDOW + int(self.conn.execute(
            self._sql(count, *self._past_window(), "f.rowid > ?"),
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
