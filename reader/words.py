"""Counts in words: "1 story", "2 stories", "1,204 feeds".

Every message that prints a count goes through `plural`, so none says "1 new stories" and
large numbers read the same everywhere. English only needs the two forms, given by the
caller (an inflection library would guess "feed" -> "feeds" right, but "story" is the only
irregular word here and two literal forms are clearer to grep).
"""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None) -> str:
    """`count` and the noun that agrees with it; `many` defaults to `one` + "s"."""
    word = one if count == 1 else (many if many is not None else one + "s")
    return f"{count:,} {word}"
