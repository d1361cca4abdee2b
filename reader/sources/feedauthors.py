"""An entry's authors as feedparser leaves them, for the direct road.

feedparser's `_sync_author_detail` makes the entry's `author` and `author_detail` from
each author element in turn, and they do not simply replace each other: each author
replaces the text, but only the first one with any text makes the detail; an Atom author's
<name> is written into whatever detail there is; an empty <name> (jekyll-feed's, for an
author without one) empties it, and what then stands as the author's text depends on what
else the author held. `Authors` follows one entry's authors as the road walks them, and
answers Unsure where feedparser's answer depends on more than it keeps.
"""

from __future__ import annotations

from typing import Any

from reader.sources.feedvalues import author_name, repair
from reader.sources.feedxml import Unsure


def blank(pieces: list[str]) -> bool:
    return not "".join(pieces).strip()


class Authors:
    """The open entry's authors, and the open <author> element."""

    def __init__(self) -> None:
        self.detail_set = False  # the entry's author_detail is made (feedparser keeps it)
        self.count = 0  # authors of the open entry
        self.name: str | None = None  # the <name> of the open <author>, once read
        self.bare = True  # nothing in the open <author> but its <name> and <uri>

    def new_entry(self) -> None:
        self.detail_set = False
        self.count = 0

    def opened(self, in_entry: bool) -> None:
        """An <author> (or dc:creator, itunes:author) starts."""
        self.name = None
        self.bare = True
        self.count += in_entry

    def child(self, name_or_uri: bool, pending: list[str]) -> None:
        """An element starts inside an Atom author; `pending`: the author's own text
        since the one before."""
        if not name_or_uri or not blank(pending):
            self.bare = False  # an e-mail address, another element or text

    def named(self, text: str) -> None:
        if self.name is not None:
            raise Unsure  # a second <name>
        self.name = text  # read raw: feedparser pops a name without its repairs

    def text_author(self, entry: dict[str, Any], text: str) -> None:
        """A one-line author (RSS's <author>, dc:creator): it replaces the entry's text, and
        makes the detail if it is the first author with any text."""
        value = repair(text)
        entry["author"] = value
        if value and not self.detail_set:
            self.detail_set = True
            name = author_name(value)
            if name:
                entry["author_detail"] = {"name": name}

    def closed(self, entry: dict[str, Any], trailing: list[str]) -> None:
        """An entry's Atom author with elements ends; `trailing`: its own text after the
        last of them."""
        name, self.name = self.name, None
        if name is None:
            raise Unsure  # no name: feedparser's answer depends on the author's own text
        if not name:  # an empty <name>
            if not (self.bare and blank(trailing)) or self.count > 1:
                # feedparser's text is then the author's own, its e-mail address, or one
                # it takes from the author before
                raise Unsure
            entry["author"] = ""
        entry["author_detail"] = {"name": name}
        self.detail_set = True
