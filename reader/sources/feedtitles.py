"""An entry's title as feedparser's title depth decides it, for the direct road.

feedparser keeps the first non-empty title of an entry, but not simply: it remembers the
depth at which that title was read (`title_depth`) and passes over any later title at that
depth or below, while a title at a shallower depth than the one stored replaces it.
media:title counts as a title without moving that depth (media:group and media:content put
it one or two levels down), and it still writes its type over the stored one when it is
passed over for being deeper (feedparser's `pop` writes a title's detail whatever the
depth). RSS's <source> makes it forget the depth; Atom's <source> does too, and a title
inside it sets the depth one level under the entry. `Titles` follows one entry's titles.
"""

from __future__ import annotations

from typing import Any


class Titles:
    """The open entry's title state; depths are counted from the entry's own elements (0)."""

    def __init__(self) -> None:
        self.new_entry()

    def new_entry(self) -> None:
        self.done = False  # a non-empty title of the entry's own is read: others pass over
        self.at: int | None = None  # the depth of the stored title
        self.floor: int | None = None  # feedparser's title depth left by a <source>'s title
        self.source_titled = False

    def wanted(self, depth: int) -> bool:
        """Whether feedparser reads a title `depth` levels under the entry at all."""
        return not (self.done or (self.floor is not None and self.floor <= depth))

    def read(self, entry: dict[str, Any], value: str, ctype: str, depth: int,
             media: bool) -> None:
        """A title feedparser reads (`wanted`): stored unless one less deep is, its type
        written either way; an entry's own title, when not empty, ends the reading."""
        if self.at is None or depth <= self.at:
            entry["title"] = value
            self.at = depth
        entry["title_detail"] = {"type": ctype}
        if not media:
            self.done = bool(value)

    def source_ended(self) -> None:
        """RSS's <source> (text only): feedparser forgets the title depth."""
        self.done = False
        self.floor = None

    def origin_title(self, text: str) -> None:
        self.source_titled = self.source_titled or bool(text)

    def origin_ended(self) -> None:
        """Atom's <source> (with elements): the depth forgotten, then set one level down
        by a title inside it."""
        self.done = False
        self.floor = 1 if self.source_titled else None
        self.source_titled = False
