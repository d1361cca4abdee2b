"""The real app under Textual's Pilot: a cache in tmp_path, a fixed clock, and waiting.

Waiting is done on the app's own workers and message queue (never on the clock): `settle`
repeats "wait for every worker, then let the messages they posted be handled" until a round
starts no new worker. A search held up on purpose (`HeldStore`) is held by a
`threading.Event` in the real store, never by a sleep.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from reader.models import View
from reader.store import Store
from reader.store.search.runner import Searches
from reader.ui.app import NewsApp
from reader.ui.screens.reading import ReadingScreen
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.search_bar import SearchBar
from tests.helpers.stories import NOW

SIZE = (120, 40)
WAIT = 30.0  # seconds a held-up search waits for the test at most (never reached when passing)


class RecordingApp(NewsApp):
    """The real app, keeping a list of the notifications it showed (severity, message)."""

    def __init__(self, store: Store, **kwargs: Any) -> None:
        kwargs.setdefault("clock", lambda: NOW)
        kwargs.setdefault("refresh_on_start", False)
        super().__init__(store, **kwargs)
        self.notes: list[tuple[str, str]] = []

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        self.notes.append((str(severity), message))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)


class HeldStore(Store):
    """The real store; ranking a text in `held` waits until the test lets go."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, clock=lambda: NOW)
        self.held: dict[str, threading.Event] = {}
        self.reached: dict[str, threading.Event] = {}
        self.stopped: list[str] = []
        self.search = HeldSearches(self)

    def hold(self, text: str) -> None:
        self.held[text] = threading.Event()
        self.reached[text] = threading.Event()

    def let_go(self) -> None:
        for gate in self.held.values():
            gate.set()



class HeldSearches(Searches):
    """The store's real searches, held as `HeldStore` says."""

    def __init__(self, store: HeldStore) -> None:
        super().__init__(store.db, store.views)
        self.store = store

    def rank(self, view: View, should_stop: Any = None) -> bool:
        gate = self.store.held.get(view.search)
        if gate is not None:
            self.store.reached[view.search].set()
            assert gate.wait(WAIT), "the test never let the search go"
        ranked = super().rank(view, should_stop)
        if not ranked and should_stop is not None and should_stop():
            self.store.stopped.append(view.search)
        return ranked


async def settle(app: NewsApp, pilot: Pilot[Any], rounds: int = 50,
                 ignore: frozenset[str] = frozenset()) -> None:
    """Wait until no worker runs and the messages they posted have been handled.

    Workers in the `ignore` groups (e.g. a refresh held up on purpose) are not waited for.
    A refresh is over when the screen has taken its `RefreshDone` (a finished worker's last
    message may still wait in a controller's queue), unless "refresh" is ignored.
    """
    quiet = 0
    for _ in range(rounds):
        waited = [worker for worker in app.workers if worker.group not in ignore]
        if waited:  # (an empty list would mean "every worker")
            with contextlib.suppress(WorkerCancelled):  # a newer request replaced it
                await app.workers.wait_for_complete(waited)
        await pilot.pause()
        refreshing = "refresh" not in ignore and getattr(app.screen, "refreshing", False)
        if refreshing or any(not worker.is_finished for worker in app.workers
                             if worker.group not in ignore):
            quiet = 0
            continue
        quiet += 1
        if quiet >= 2:
            return
    raise AssertionError("the app never settled")


def main(app: NewsApp) -> ReadingScreen:
    screen = app.screen
    assert isinstance(screen, ReadingScreen)
    return screen


def archive_screen(app: NewsApp) -> ReadingScreen:
    return main(app)


def shown_title(app: NewsApp) -> str | None:
    """The headline of the story in the article view (its id looked up in the cache)."""
    story = main(app).current
    return story.title if story is not None else None


def headline_rows(app: NewsApp) -> list[str]:
    """The text the headline list draws, one string per visible row."""
    widget = app.screen.query_one(HeadlineList)
    return [widget.render_line(y).text for y in range(widget.scrollable_content_region.height)]


def screen_text(app: App[Any]) -> str:
    """Everything on the screen as plain text, as a terminal would show it."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def open_search(app: NewsApp, pilot: Pilot[Any]) -> SearchBar:
    """`/`, and the search bar it opened."""
    await pilot.press("slash")
    await settle(app, pilot)
    return app.screen.query_one(SearchBar)


async def type_search(app: NewsApp, pilot: Pilot[Any], text: str) -> SearchBar:
    """Type `text` into the search bar (opened first if it is not), and wait for the results."""
    bar = app.screen.query_one(SearchBar)
    if not bar.is_open:
        await pilot.press("slash")
        await settle(app, pilot)
    await pilot.press(*text)
    await settle(app, pilot)
    return bar
