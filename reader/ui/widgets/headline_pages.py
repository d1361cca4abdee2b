"""The headline list's rows in memory: pages of `PAGE_SIZE` rows, the last `MAX_PAGES` used.

Apart from the widget so that what is held (and from which reload) reads on its own, and the
widget keeps to drawing and moving. Plain data: nothing here touches the DOM or the database.

Every page remembers the generation (the list's reload count) it was read for. A page of an
older generation is still drawn while a refresh reloads the list, until a fresh one arrives.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace

from reader.models import Headline

PAGE_SIZE = 100
MAX_PAGES = 8


@dataclass
class Page:
    """One page of headline rows, read for the list's `generation`."""

    generation: int
    rows: list[Headline]
    whole: bool = True  # False: only its first rows, those a search's first screen showed


class HeadlinePages:
    """Up to `MAX_PAGES` pages of headlines, least recently drawn dropped first."""

    def __init__(self) -> None:
        self._pages: OrderedDict[int, Page] = OrderedDict()

    def __iter__(self) -> Iterator[tuple[int, Page]]:
        return iter(list(self._pages.items()))

    def __len__(self) -> int:
        return len(self._pages)

    @property
    def rows_held(self) -> int:
        return sum(len(page.rows) for page in self._pages.values())

    def clear(self) -> None:
        self._pages.clear()

    def page_of(self, row: int) -> Page | None:
        return self._pages.get(row // PAGE_SIZE) if row >= 0 else None

    def headline_at(self, row: int) -> Headline | None:
        """The headline at `row`, if its page is held (of whatever generation)."""
        page = self.page_of(row)
        if page is None:
            return None
        index = row % PAGE_SIZE
        return page.rows[index] if index < len(page.rows) else None

    def store(self, number: int, generation: int, rows: list[Headline], *,
              whole: bool = True) -> None:
        self._pages[number] = Page(generation, rows, whole)
        self._pages.move_to_end(number)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)

    def touch(self, number: int) -> None:
        """Page `number` was drawn: it is the last to be dropped."""
        if number in self._pages:
            self._pages.move_to_end(number)

    def missing(self, row: int, generation: int) -> bool:
        """Whether `row` is not held for `generation`: its page is not, is older, or is the
        short first page a search came with (the rows on screen, read first). A page read
        whole is never asked for again, even when it came back short."""
        page = self.page_of(row)
        return (page is None or page.generation != generation
                or (not page.whole and row % PAGE_SIZE >= len(page.rows)))

    def find(self, story_id: int, generation: int) -> int | None:
        """The row of `story_id` among the pages of `generation`, if held."""
        for number, page in self._pages.items():
            if page.generation != generation:
                continue
            for index, row in enumerate(page.rows):
                if row.id == story_id:
                    return number * PAGE_SIZE + index
        return None

    def mark(self, story_id: int, *, read: bool | None, starred: bool | None) -> list[int]:
        """Change the marks of `story_id` wherever held; the rows changed."""
        changed = []
        for number, page in self._pages.items():
            for index, row in enumerate(page.rows):
                if row.id == story_id:
                    page.rows[index] = replace(
                        row, read=row.read if read is None else read,
                        starred=row.starred if starred is None else starred)
                    changed.append(number * PAGE_SIZE + index)
        return changed
