"""Which stories a `View` holds, counted and paged without ever caring how big the cache is.

`Store` inherits these queries (`ViewQueries`); they live here so the rules of a view are in
one place. What keeps them fast at 100,000 stories and more:

* Filters combine as one WHERE over columns that the list indexes cover (migration 3), so
  counting and paging walk index entries, never story rows or their long bodies.
* A page is found as ids first (`LIMIT/OFFSET` on the index), then only those rows are
  joined to their sources: the end of a 100,000-story list costs 4 ms, not 300.
* Plain views (a mode, a source or a folder) are counted from the per-source counters the
  triggers keep; only searches and date ranges count rows.
* A search is an FTS5 query; while searching, the best matches come first (bm25, the
  headline weighing most) within a window of recent matches (`reader.store.ranked`), so a
  common word costs no more at a million stories than at ten thousand. A saved search may
  ask for newest first instead. The ranked window of a search is kept per index version
  (`reader.store.ranked.Windows`), so the count, the position and each page the list asks
  for while one word is typed rank it once; `prepare_search` does that ahead, in a worker
  that a newer keystroke can stop halfway.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from reader.models import Headline, View
from reader.sanitize import clean_line
from reader.store.ranked import VOCAB, Ranked, Windows
from reader.store.search import Query, parse_query

_T = TypeVar("_T")

HEADLINE_COLS = (
    "s.id, s.source_id, s.title, COALESCE(NULLIF(src.title, ''), src.location), s.published, "
    "s.read, s.starred"
)
NEWEST = "ORDER BY s.published DESC, s.id DESC"
_FTS_IN = "s.id IN (SELECT rowid FROM stories_fts WHERE stories_fts MATCH ?)"
_FTS_NOT_IN = "s.id NOT IN (SELECT rowid FROM stories_fts WHERE stories_fts MATCH ?)"
_FLAG_CLAUSES = ("s.read = 0", "s.read = 1", "s.starred = 1", "s.starred = 0")
# (unread, read, starred, unstarred) -> the counter that counts such a view
_COUNTERS = {(False, False, False, False): "total", (True, False, False, False): "unread",
             (False, False, True, False): "starred"}
_CHUNK = 500  # ids per statement when writing many (SQLite's variable limit is 999 on old builds)
_STOP_EVERY = 5000  # SQLite steps between two looks at "should this search stop?" (~1-3 ms;
# each look takes the GIL, which a thread drawing a frame may hold for up to 5 ms)
_WINDOWS_LOCK = threading.Lock()


@dataclass(slots=True)
class Plan:
    """A view as SQL: `clauses` over `stories s` (AND-ed) with their `params`, and apart
    from them the FTS5 expression the words must `match` (None: no words)."""

    clauses: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    match: str | None = None
    ranked: bool = False  # best matches first (else newest first)
    counter: str | None = "total"  # the `source_counts` column that counts the view, if any

    def where(self, *extra: str) -> str:
        clauses = self.clauses + list(extra)
        return ("WHERE " + " AND ".join(clauses)) if clauses else ""

    def dated(self) -> Plan:
        """The same stories as plain clauses, the match a membership test: for newest-first
        walks and bulk updates."""
        if self.match is None:
            return self
        return Plan([*self.clauses, _FTS_IN], [*self.params, self.match])

    def ranking(self, conn: sqlite3.Connection, windows: Windows | None = None) -> Ranked:
        assert self.match is not None
        return Ranked(conn, self.clauses, self.params, self.match, windows)


def plan(view: View, now: float) -> Plan:
    """Turn `view` (and the filters typed in its search) into SQL over `stories s`."""
    query = parse_query(view.search, now) if view.search.strip() else Query()
    out = Plan()
    flags = (view.mode == "unread" or view.unread or query.unread is True,
             query.unread is False,
             view.mode == "starred" or view.starred or query.starred is True,
             query.starred is False)
    for wanted, clause in zip(flags, _FLAG_CLAUSES, strict=True):
        if wanted:
            out.clauses.append(clause)
    out.counter = _COUNTERS.get(flags)
    if view.source_id is not None:
        out.clauses.append("s.source_id = ?")
        out.params.append(view.source_id)
    if view.folder:
        out.clauses.append("s.source_id IN (SELECT id FROM sources WHERE folder = ? "
                           "OR substr(folder, 1, ?) = ?)")
        out.params += [view.folder, len(view.folder) + 1, view.folder + "/"]
    since = _tighter(view.since, query.since, max)
    until = _tighter(view.until, query.until, min)
    if since is not None:
        out.clauses.append("s.published >= ?")
        out.params.append(since)
    if until is not None:
        out.clauses.append("s.published < ?")
        out.params.append(until)
    if since is not None or until is not None or query.has_words:
        out.counter = None
    out.match = query.match
    out.ranked = query.match is not None and view.sort in ("auto", "best")
    if query.exclude is not None:  # words only excluded ("-sport"); with others, in `match`
        out.clauses.append(_FTS_NOT_IN)
        out.params.append(query.exclude)
    if query.nothing:
        out.clauses.append("0")  # e.g. "%" or "…": no story holds such a word
    return out


def _tighter(a: float | None, b: float | None, pick: Callable[[float, float], float]
             ) -> float | None:
    if a is None:
        return b
    return a if b is None else pick(a, b)


class ViewQueries:
    """Counting, paging and walking a view; marking a whole view read. Mixed into `Store`."""

    _clock: Callable[[], float]

    def _conn(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _write(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _plan(self, view: View) -> Plan:
        return plan(view, self._clock())

    def _ranking(self, p: Plan, conn: sqlite3.Connection) -> Ranked:
        windows = self.__dict__.get("_search_windows")
        if windows is None:
            with _WINDOWS_LOCK:  # one cache per store, made on first use
                windows = self.__dict__.setdefault("_search_windows", Windows())
        return p.ranking(conn, windows)

    # -- searching ahead -----------------------------------------------------------------------
    def prepare_search(self, view: View, should_stop: Callable[[], bool] | None = None
                       ) -> int | None:
        """Rank and count `view`'s search now, so that the list's count, position and pages
        are answered from what is kept (a search over every story; a view with filters is
        only counted). Returns the count, or None when `should_stop` said so: it is asked
        before, between the steps and every 5,000 SQLite steps (1-3 ms), so a newer keystroke
        stops an older search halfway instead of sharing the CPU with it."""
        if not self.rank_search(view, should_stop):
            return None
        return self.count_search(view, should_stop)

    def warm_search(self) -> None:
        """Ready this thread's connection for searching: its temporary word list made, the
        index's structure and ranking settings read (3-4 ms, once per connection). The
        first search on a connection otherwise pays it, and more: 14-22 ms against 12 ms to
        rank a word in 43,000 stories."""
        conn = self._conn()
        conn.execute(VOCAB)
        conn.execute("SELECT rowid, rank FROM stories_fts WHERE stories_fts MATCH ? LIMIT 1",
                     ('"qqzzqqzz"',)).fetchall()

    def rank_search(self, view: View, should_stop: Callable[[], bool] | None = None) -> bool:
        """The ranking half of `prepare_search`; False when told to stop. (`count_search` may
        run at the same time in another thread: `reader.store.searching` does.)"""
        def rank(conn: sqlite3.Connection) -> bool:
            p = self._plan(view)
            if p.ranked and not p.clauses:
                self._ranking(p, conn).ids(0, 1)  # ranks the window, kept
            return True

        return bool(self._stoppable(rank, should_stop))

    def count_search(self, view: View, should_stop: Callable[[], bool] | None = None
                     ) -> int | None:
        """The counting half of `prepare_search`; None when told to stop."""
        return self._stoppable(lambda _: self.count(view), should_stop)

    def _stoppable(self, step: Callable[[sqlite3.Connection], _T],
                   should_stop: Callable[[], bool] | None) -> _T | None:
        """`step` on this thread's connection, interrupted when `should_stop` turns true."""
        stop = should_stop or (lambda: False)
        if stop():
            return None  # already replaced before it began
        conn = self._conn()
        conn.set_progress_handler(stop, _STOP_EVERY)
        try:
            done = step(conn)
            return None if stop() else done
        except sqlite3.OperationalError as exc:
            if stop() and "interrupt" in str(exc):
                return None
            raise
        finally:
            conn.set_progress_handler(None, 0)

    # -- counting ------------------------------------------------------------------------------
    def count(self, view: View) -> int:
        """How many stories `view` holds."""
        p = self._plan(view)
        if p.counter is not None:
            return self._count_from_counters(view, p.counter)
        if p.match is not None:  # driven by the index; stories joined only to filter
            return self._ranking(p, self._conn()).count()
        return int(self._conn().execute(
            f"SELECT COUNT(*) FROM stories s {p.where()}", p.params).fetchone()[0])

    def _count_from_counters(self, view: View, column: str) -> int:
        clauses: list[str] = []
        params: list[object] = []
        if view.source_id is not None:
            clauses.append("c.source_id = ?")
            params.append(view.source_id)
        if view.folder:
            clauses.append("c.source_id IN (SELECT id FROM sources WHERE folder = ? "
                           "OR substr(folder, 1, ?) = ?)")
            params += [view.folder, len(view.folder) + 1, view.folder + "/"]
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        row = self._conn().execute(
            f"SELECT COALESCE(SUM(c.{column}), 0) FROM source_counts c {where}", params
        ).fetchone()
        return int(row[0])

    def counts(self) -> dict[str, int]:
        """The totals of the All / Unread / Starred views."""
        row = self._conn().execute(
            "SELECT COALESCE(SUM(total), 0), COALESCE(SUM(unread), 0), "
            "COALESCE(SUM(starred), 0) FROM source_counts").fetchone()
        return {"all": int(row[0]), "unread": int(row[1]), "starred": int(row[2])}

    # -- paging --------------------------------------------------------------------------------
    def headlines(self, view: View, offset: int, limit: int) -> list[Headline]:
        """One page of the view (newest first, or best matches first while searching)."""
        p = self._plan(view)
        offset = max(offset, 0)
        conn = self._conn()
        if p.ranked:
            ids = self._ranking(p, conn).ids(offset, limit)
            if not ids:
                return []
            marks = ",".join("?" * len(ids))
            rows = {r[0]: r for r in conn.execute(
                f"SELECT {HEADLINE_COLS} FROM stories s JOIN sources src "
                f"ON src.id = s.source_id WHERE s.id IN ({marks})", ids)}
            ordered = [rows[i] for i in ids if i in rows]
        else:
            # ids first, from the index alone; then only those rows are read and joined.
            p = p.dated()
            ordered = conn.execute(
                f"SELECT {HEADLINE_COLS} FROM stories s JOIN sources src "
                "ON src.id = s.source_id WHERE s.id IN (SELECT s.id FROM stories s "
                f"{p.where()} {NEWEST} LIMIT ? OFFSET ?) {NEWEST}",
                [*p.params, limit, offset]).fetchall()
        # Cleaned again on the way out: the list draws these strings as they are.
        return [Headline(r[0], r[1], clean_line(r[2]), clean_line(r[3]), r[4], bool(r[5]),
                         bool(r[6])) for r in ordered]

    def index_of(self, view: View, story_id: int) -> int | None:
        """The row at which `story_id` stands in `view`, or None when it is not in it."""
        p = self._plan(view)
        conn = self._conn()
        if p.ranked:
            return self._ranking(p, conn).index_of(story_id)
        p = p.dated()
        row = conn.execute(f"SELECT s.published FROM stories s {p.where('s.id = ?')}",
                           [*p.params, story_id]).fetchone()
        if row is None:
            return None
        # Two range counts: each a plain walk of one index range.
        newer = conn.execute(f"SELECT COUNT(*) FROM stories s {p.where('s.published > ?')}",
                             [*p.params, row[0]]).fetchone()[0]
        same = conn.execute(
            f"SELECT COUNT(*) FROM stories s {p.where('s.published = ?', 's.id > ?')}",
            [*p.params, row[0], story_id]).fetchone()[0]
        return int(newer) + int(same)

    def next_unread(self, view: View, story_id: int | None, forward: bool = True) -> int | None:
        """The id of the next (or previous) unread story in `view` after `story_id`."""
        p = self._plan(view)
        conn = self._conn()
        if p.ranked:
            return self._ranking(p, conn).next_unread(story_id, forward)
        p = p.dated()
        extra = ["s.read = 0"]
        args = list(p.params)
        if story_id is not None:
            here = conn.execute("SELECT published FROM stories WHERE id = ?",
                                (story_id,)).fetchone()
            if here is not None:
                extra.append(f"(s.published, s.id) {'<' if forward else '>'} (?, ?)")
                args += [here[0], story_id]
        order = NEWEST if forward else "ORDER BY s.published ASC, s.id ASC"
        row = conn.execute(f"SELECT s.id FROM stories s {p.where(*extra)} {order} LIMIT 1",
                           args).fetchone()
        return None if row is None else int(row[0])

    # -- marking many --------------------------------------------------------------------------
    def mark_view_read(self, view: View) -> array[int]:
        """Mark every unread story of `view` read, in one transaction. Returns the ids that
        changed (compactly), which `set_read_many(ids, False)` turns back: the undo."""
        p = self._plan(view).dated()
        where = p.where("s.read = 0")
        with self._write() as conn:
            ids = array("q", (r[0] for r in conn.execute(
                f"SELECT s.id FROM stories s {where}", p.params)))
            conn.execute(f"UPDATE stories SET read = 1 WHERE id IN "
                         f"(SELECT s.id FROM stories s {where})", p.params)
        return ids

    def set_read_many(self, story_ids: Iterable[int], read: bool) -> int:
        """Set the read flag of many stories in one transaction; returns how many changed."""
        ids = list(story_ids)
        changed = 0
        with self._write() as conn:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start:start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                changed += conn.execute(
                    f"UPDATE stories SET read = ? WHERE read != ? AND id IN ({marks})",
                    [int(read), int(read), *chunk]).rowcount
        return changed
