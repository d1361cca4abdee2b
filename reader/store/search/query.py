"""What a reader types in the search bar, made a safe FTS5 query; and found again in text.

Why it is built this way:

* What the reader types never reaches FTS5's syntax: `parse_query` turns it into quoted
  terms, so `"`, `*`, `(`, `NEAR` or `-` in a search can never be a syntax error. A small
  language on top (phrases, `-word`, `OR`, `title:`/`author:`/`source:`/`body:`, `is:unread`,
  `is:starred`, `after:`/`before:` with dates or ages such as `7d`) gives the filters a place
  to be typed and saved. The last word is a prefix while it is being typed ("elec" finds
  "election"), unless the text ends with a space or is shorter than three letters (a prefix
  of one or two letters would match half the archive and cost a scan of it).
* Highlighting (`match_spans`) finds the query's terms in a headline or an article the way
  the index's tokenizer does (whole words, case and diacritics folded), so what is marked is
  what was matched.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass, field

FIELDS = {"title": "title", "author": "author", "source": "source", "body": "body",
          "headline": "title", "from": "source", "by": "author"}
PREFIX_MIN = 3
_TOKEN = re.compile(r'-?(?:\w+:)?"[^"]*"?|\S+')
_AGE = re.compile(r"^(\d+)\s*([hdwmy])$")
_AGE_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


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
