"""What the first frame shows, read from the cache while the app is still being built.

The sources, their counts, and the start view's count and first page of headlines cost a
millisecond or two of SQLite even at 100,000 stories. Read by a thread worker after the
screen is mounted, they came after the first frame: an empty frame was drawn, then the
whole screen again with the headlines (a second full render, ~30 ms of CPU at start-up).
Read in a thread begun when the screen is made, they are there when it is mounted, and the
first frame holds the headlines. The event loop waits for them at most a few tens of
milliseconds, once, before anything is on screen (keys pressed meanwhile are queued, not
lost); when the read is not done by then, the launch controller's worker waits instead.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass

from reader.models import Headline, Source, View
from reader.store import Store


@dataclass(frozen=True, eq=False)  # never compared: no generated __eq__, __hash__
class FirstLook:
    """The cache as the first frame shows it."""

    sources: tuple[Source, ...]
    counts: dict[str, int]  # the All / Unread / Starred totals
    view: View
    total: int  # how many stories `view` holds
    rows: list[Headline]  # its first `page` rows


def read_first_look(store: Store, view: View, page: int) -> FirstLook:
    sources, counts = tuple(store.sources()), store.views.counts()
    total = store.views.count(view)
    rows = store.views.headlines(view, 0, page) if total else []
    return FirstLook(sources, counts, view, total, rows)


def look_first(store: Store, view: View, page: int) -> Future[FirstLook]:
    """Begin reading the first look in a thread of its own (Textual's workers need a
    mounted node); the future holds it, or what went wrong."""
    future: Future[FirstLook] = Future()

    def read() -> None:
        try:
            future.set_result(read_first_look(store, view, page))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for it
            future.set_exception(exc)

    threading.Thread(target=read, name="first-look", daemon=True).start()
    return future
