"""Full-text search: what gets indexed, and how what a reader types becomes a safe query.

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
  `install()` must run on every connection that writes stories; `Store` does that. A
  contentless index forgets a row only when told the words it indexed, so `story_text` must
  stay deterministic: if it ever changes, a migration must re-index ('delete-all' and fill).
* What the reader types never reaches FTS5's syntax: `parse_query` turns it into quoted
  terms, so `"`, `*`, `(`, `NEAR` or `-` in a search can never be a syntax error. A small
  language on top (phrases, `-word`, `OR`, `title:`/`author:`/`source:`/`body:`, `is:unread`,
  `is:starred`, `after:`/`before:` with dates or ages such as `7d`) gives the filters a place
  to be typed and saved. The last word is a prefix while it is being typed ("elec" finds
  "election"), unless the text ends with a space or is shorter than three letters (a prefix
  of one or two letters would match half the archive and cost a scan of it).
"""

from __future__ import annotations

import html
import re
import sqlite3
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

FIELDS = {"title": "title", "author": "author", "source": "source", "body": "body",
          "headline": "title", "from": "source", "by": "author"}
_HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")
PREFIX_MIN = 3
_TOKEN = re.compile(r'-?(?:\w+:)?"[^"]*"?|\S+')
_AGE = re.compile(r"^(\d+)\s*([hdwmy])$")
_AGE_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


# -- what is indexed ----------------------------------------------------------------------------
def html_text(markup: str) -> str:
    """The words of an HTML fragment: tags, comments, scripts and styles dropped, entities
    decoded. For the index, not for display: spacing is left as it comes (the tokenizer does
    not care, and folding it would triple the cost)."""
    if "<" not in markup and "&" not in markup:
        return markup
    lowered = markup.lower()
    if "<script" in lowered or "<style" in lowered or "<template" in lowered or "<!--" in markup:
        markup = _HIDDEN.sub(" ", markup)
    return html.unescape(_TAG.sub(" ", markup))


def story_text(body_html: str | None, full_html: str | None, lead: str | None) -> str:
    """The indexed body of a story: the full article when one was fetched, else the feed's
    body, else its lead. Deterministic: the SQL triggers call it."""
    text = html_text(full_html or "")
    if not text.strip():
        text = html_text(body_html or "")
    return text if text.strip() else (lead or "")


def install(conn: sqlite3.Connection,
            text: Callable[[str | None, str | None, str | None], str] | None = None) -> None:
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
    `Store.catch_up_index`). `limit`: at most that many stories, oldest notes first (a
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


# -- what is searched ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search. `match` and `exclude` are FTS5 expressions (None: no words);
    the flags and dates narrow the view like the View's own fields."""

    match: str | None = None
    exclude: str | None = None
    terms: tuple[str, ...] = ()  # words to highlight; a trailing "*" means "and what follows"
    unread: bool | None = None
    starred: bool | None = None
    since: float | None = None
    until: float | None = None
    problems: tuple[str, ...] = field(default=())
    nothing: bool = False  # text was typed, but none of it is a word the index holds

    @property
    def has_words(self) -> bool:
        return self.match is not None or self.exclude is not None or self.nothing


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _words(text: str) -> list[str]:
    """The parts of `text` that the tokenizer indexes (letters and digits)."""
    return [w for w in re.split(r"[^\w]+", text) if w]


def parse_query(text: str, now: float | None = None) -> Query:
    """Turn what the reader typed into a `Query`. Never raises; odd input is searched as text
    (and a bad date is reported in `problems` and ignored)."""
    now = time.time() if now is None else now
    typing = not text[-1:].isspace()
    tokens = _TOKEN.findall(text)
    positive: list[list[str]] = []  # AND of ORs
    negative: list[str] = []
    terms: list[str] = []
    flags: dict[str, bool] = {}
    since: float | None = None
    until: float | None = None
    problems: list[str] = []
    join_next = False
    wordless = False
    for index, token in enumerate(tokens):
        last = index == len(tokens) - 1
        if token == "OR" and positive and not last:
            join_next = True
            continue
        negated = token.startswith("-") and len(token) > 1
        body = token[1:] if negated else token
        column = ""
        name, sep, value = body.partition(":")
        key = name.lower()
        if sep and value and key == "is" and not negated:
            state = value.lower()
            if state in ("unread", "new"):
                flags["unread"] = True
            elif state == "read":
                flags["unread"] = False
            elif state in ("starred", "star", "flagged"):
                flags["starred"] = True
            elif state in ("unstarred",):
                flags["starred"] = False
            else:
                problems.append(f"unknown filter is:{value} (is:unread, is:read, is:starred)")
            continue
        if sep and value and key in ("after", "since", "newer", "before", "until", "older"):
            when = _when(value, now, end=key in ("before", "until", "older"))
            if when is None:
                problems.append(f"cannot read the date in {body} (use 2024-05-31 or 7d)")
            elif key in ("after", "since", "newer"):
                since = when if since is None else max(since, when)
            else:
                until = when if until is None else min(until, when)
            continue
        if sep and value and key in FIELDS:
            column, body = FIELDS[key], value
        phrase = body.startswith('"')
        words = _words(body.strip('"'))
        if not words:
            wordless = True
            continue
        prefix = (last and typing and not phrase and not negated
                  and len(words[-1]) >= PREFIX_MIN and not body.endswith('"'))
        expr = _quote(" ".join(words)) + ("*" if prefix else "")
        if column:
            expr = f"{column} : {expr}"
        if negated:
            negative.append(expr)
            continue
        terms.extend(words[:-1])
        terms.append(words[-1] + ("*" if prefix else ""))
        if join_next and positive:
            positive[-1].append(expr)
        else:
            positive.append([expr])
        join_next = False
    match = " AND ".join(
        group[0] if len(group) == 1 else "(" + " OR ".join(group) + ")" for group in positive
    ) or None
    exclude = " OR ".join(negative) or None
    if match is not None and exclude is not None:
        match, exclude = f"({match}) NOT ({exclude})", None  # cheaper inside the index
    return Query(match=match, exclude=exclude, terms=tuple(dict.fromkeys(terms)),
                 unread=flags.get("unread"), starred=flags.get("starred"), since=since,
                 until=until, problems=tuple(problems),
                 nothing=wordless and match is None and exclude is None)


def _when(value: str, now: float, *, end: bool) -> float | None:
    """A date (2024, 2024-05, 2024-05-31, local time) or an age (12h, 7d, 2w, 3m, 1y).

    For `before:` a date means its end is excluded: before:2024-05 is before May begins."""
    value = value.strip().lower()
    age = _AGE.match(value)
    if age:
        return now - int(age.group(1)) * _AGE_SECONDS[age.group(2)]
    found = _DATE.match(value)
    if not found:
        return None
    year, month, day = int(found.group(1)), int(found.group(2) or 1), int(found.group(3) or 1)
    try:
        return time.mktime((year, month, day, 0, 0, 0, 0, 0, -1))
    except (OverflowError, ValueError):
        return None


# -- highlighting ---------------------------------------------------------------------------------
def fold(text: str) -> tuple[str, list[int]]:
    """`text` lower-cased without diacritics (as the index sees it), and for each character
    of the result the index of the character of `text` it came from."""
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        if char.isascii():
            out.append(char.lower())
            where.append(index)
            continue
        for part in unicodedata.normalize("NFKD", char):
            if unicodedata.combining(part):
                continue
            for low in part.lower():
                out.append(low)
                where.append(index)
    return "".join(out), where


def match_spans(text: str, terms: tuple[str, ...] | list[str]) -> list[tuple[int, int]]:
    """Where the search `terms` occur in `text`, as (start, end) character offsets, sorted.

    Whole words only, like the index (a term ending in "*" also matches longer words)."""
    if not terms or not text:
        return []
    folded, where = fold(text)
    parts = []
    for term in terms:
        word, star = term.rstrip("*"), term.endswith("*")
        key, _ = fold(word)
        if key:
            parts.append(re.escape(key) + (r"\w*" if star else ""))
    if not parts:
        return []
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(sorted(parts, key=len, reverse=True))
                         + r")(?!\w)")
    spans: list[tuple[int, int]] = []
    for found in pattern.finditer(folded):
        if found.end() > found.start():
            spans.append((where[found.start()], where[found.end() - 1] + 1))
    return spans
