"""Which stories a `View` holds, counted and paged without ever caring how big the cache is.

`Views` is `store.views`; the rules of a view are in this one place. What keeps them fast at
100,000 stories and more:

* Filters combine as one WHERE over columns that the list indexes cover (migration 3), so
  counting and paging walk index entries, never story rows or their long bodies.
* A page is found as ids first (`LIMIT/OFFSET` on the index), then only those rows are
  joined to their sources: the end of a 100,000-story list costs 4 ms, not 300.
* Plain views (a mode, a source or a folder) are counted from the per-source counters the
  triggers keep; only searches and date ranges count rows.
* A search is an FTS5 query (`reader.store.search.query`); while searching, the best matches
  come first (bm25, the headline weighing most) within a window of recent matches
  (`reader.store.search.ranking`), so a common word costs no more at a million stories than
  at ten thousand. A saved search may ask for newest first instead. The ranked windows are
  kept per index version in `Views.windows`, so the count, the position and each page the
  list asks for while one word is typed rank it once (`reader.store.search.runner` ranks
  ahead, in a thread that a newer keystroke can stop halfway).
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from reader.models import Headline, View
from reader.sanitize import clean_line
from reader.store.db import Database
from reader.store.search.index import SearchIndex
from reader.store.search.query import Query, parse_query
from reader.store.search.ranking import Ranked, Windows

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


def plan_of(view: View, now: float) -> Plan:
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


class Views:
    """`store.views`: counting, paging and walking a view; marking a whole view read."""

    def __init__(self, db: Database, index: SearchIndex) -> None:
        self._db = db
        self._index = index
        self.windows = Windows()  # ranked windows of recent searches, for every thread

    def plan(self, view: View) -> Plan:
        """A view's query; a search first catches the index up, so it finds every story
        stored (cheap when nothing waits: one indexed lookup)."""
        p = plan_of(view, self._db.clock())
        if p.match is not None:
            self._index.ready()
        return p

    def ranking(self, p: Plan, conn: sqlite3.Connection) -> Ranked:
        """The ranked order of a search's plan, its window kept in `windows`."""
        return p.ranking(conn, self.windows)

    # -- counting ------------------------------------------------------------------------------
    def count(self, view: View) -> int:
        """How many stories `view` holds."""
        p = self.plan(view)
        if p.counter is not None:
            return self._count_from_counters(view, p.counter)
        if p.match is not None:  # driven by the index; stories joined only to filter
            return self.ranking(p, self._db.conn()).count()
        return int(self._db.conn().execute(
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
        row = self._db.conn().execute(
            f"SELECT COALESCE(SUM(c.{column}), 0) FROM source_counts c {where}", params
        ).fetchone()
        return int(row[0])

    def counts(self) -> dict[str, int]:
        """The totals of the All / Unread / Starred views."""
        row = self._db.conn().execute(
            "SELECT COALESCE(SUM(total), 0), COALESCE(SUM(unread), 0), "
            "COALESCE(SUM(starred), 0) FROM source_counts").fetchone()
        return {"all": int(row[0]), "unread": int(row[1]), "starred": int(row[2])}

    # -- paging --------------------------------------------------------------------------------
    def headlines(self, view: View, offset: int, limit: int) -> list[Headline]:
        """One page of the view (newest first, or best matches first while searching)."""
        p = self.plan(view)
        offset = max(offset, 0)
        conn = self._db.conn()
        if p.ranked:
            ids = self.ranking(p, conn).ids(offset, limit)
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
        p = self.plan(view)
        conn = self._db.conn()
        if p.ranked:
            return self.ranking(p, conn).index_of(story_id)
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
        p = self.plan(view)
        conn = self._db.conn()
        if p.ranked:
            return self.ranking(p, conn).next_unread(story_id, forward)
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
    def mark_read(self, view: View) -> array[int]:
        """Mark every unread story of `view` read, in one transaction. Returns the ids that
        changed (compactly), which `set_read_many(ids, False)` turns back: the undo."""
        p = self.plan(view).dated()
        where = p.where("s.read = 0")
        with self._db.write() as conn:
            ids = array("q", (r[0] for r in conn.execute(
                f"SELECT s.id FROM stories s {where}", p.params)))
            conn.execute(f"UPDATE stories SET read = 1 WHERE id IN "
                         f"(SELECT s.id FROM stories s {where})", p.params)
        return ids

    def set_read_many(self, story_ids: Iterable[int], read: bool) -> int:
        """Set the read flag of many stories in one transaction; returns how many changed."""
        ids = list(story_ids)
        changed = 0
        with self._db.write() as conn:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start:start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                changed += conn.execute(
                    f"UPDATE stories SET read = ? WHERE read != ? AND id IN ({marks})",
                    [int(read), int(read), *chunk]).rowcount
        return changed
