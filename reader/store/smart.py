"""Saved searches, listed with the sources as "smart feeds" and kept across runs.

A smart feed is a `View` with a name: the words and filters typed in the search bar, plus
any source, folder, mode or date range it was saved with. It is stored as JSON of the View's
fields (not as SQL), so a smart feed saved today keeps working when the query code changes,
and fields added to `View` later simply take their defaults. Its counts are the views' own
`count` of that view, so they always agree with what the headline list shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from reader.models import SmartFeed, View
from reader.sanitize import clean_line
from reader.store.db import Database
from reader.store.views import Views

_DEFAULTS: dict[str, Any] = {k: v for k, v in asdict(View()).items() if k != "smart_id"}


def _number(value: object) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


_CHECKS: dict[str, Callable[[object], bool]] = {
    "mode": lambda v: v in ("all", "unread", "starred"),
    "sort": lambda v: v in ("auto", "newest", "best"),
    "source_id": lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)),
    "folder": lambda v: v is None or isinstance(v, str),
    "search": lambda v: isinstance(v, str),
    "unread": lambda v: isinstance(v, bool),
    "starred": lambda v: isinstance(v, bool),
    "since": _number,
    "until": _number,
}


def view_to_json(view: View) -> str:
    """The view's fields that differ from their defaults (smart_id is the row's own id)."""
    import json  # here: a cache without saved searches never needs it

    data = {k: v for k, v in asdict(view).items() if k in _DEFAULTS and v != _DEFAULTS[k]}
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def view_from_json(text: str) -> View:
    """The stored view; unknown keys and values of the wrong type are dropped, not fatal."""
    import json

    try:
        data = json.loads(text)
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        return View()
    return View(**{k: v for k, v in data.items() if k in _CHECKS and _CHECKS[k](v)})


class SmartFeeds:
    """`store.smart`: saved searches created, listed with counts, renamed, deleted."""

    def __init__(self, db: Database, views: Views) -> None:
        self._db = db
        self._views = views

    def feeds(self, *, counts: bool = True) -> list[SmartFeed]:
        """Every saved search in list order, with its unread and total counts."""
        out = []
        for sid, name, text in self._db.conn().execute(
                "SELECT id, name, view FROM saved_searches ORDER BY position, id"):
            view = replace(view_from_json(text), smart_id=sid)
            total = unread = 0
            if counts:
                total = self._views.count(view)
                unread = self._views.count(replace(view, unread=True)) if total else 0
            out.append(SmartFeed(sid, name, view, unread=unread, total=total))
        return out

    def save(self, name: str, view: View) -> SmartFeed:
        """Save `view` under `name` (a saved search with the same name is replaced)."""
        name = clean_line(name).strip() or clean_line(view.search).strip() or "Saved search"
        text = view_to_json(view)
        with self._db.write() as conn:
            row = conn.execute("SELECT id FROM saved_searches WHERE name = ?",
                               (name,)).fetchone()
            if row is not None:
                conn.execute("UPDATE saved_searches SET view = ? WHERE id = ?", (text, row[0]))
                sid = int(row[0])
            else:
                position = conn.execute(
                    "SELECT COALESCE(MAX(position), 0) + 1 FROM saved_searches").fetchone()[0]
                sid = int(conn.execute(
                    "INSERT INTO saved_searches (name, view, position, created) "
                    "VALUES (?, ?, ?, ?)", (name, text, position, self._db.clock())).lastrowid
                    or 0)
        saved = replace(view_from_json(text), smart_id=sid)
        total = self._views.count(saved)
        return SmartFeed(sid, name, saved, unread=self._views.count(replace(saved, unread=True)),
                         total=total)

    def rename(self, smart_id: int, name: str) -> None:
        with self._db.write() as conn:
            conn.execute("UPDATE saved_searches SET name = ? WHERE id = ?",
                         (clean_line(name).strip() or "Saved search", smart_id))

    def delete(self, smart_id: int) -> None:
        with self._db.write() as conn:
            conn.execute("DELETE FROM saved_searches WHERE id = ?", (smart_id,))
