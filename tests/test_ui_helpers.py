"""Shared pieces of the Pilot tests: a real cache in tmp_path, real entries, and waiting.

Waiting is done on the app's own workers and message queue (never on the clock): `settle`
repeats "wait for every worker, then let the messages they posted be handled" until a round
starts no new worker.
"""

from __future__ import annotations

import contextlib
import html
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from reader.models import Entry
from reader.store import Store
from reader.ui.app import NewsApp
from reader.ui.screens.main import MainScreen
from reader.ui.widgets.headline_list import HeadlineList

NOW = 1_732_700_000.0  # a fixed clock: 2024-11-27, so list dates never depend on today
SIZE = (120, 40)


def entry(key: str, title: str, *paragraphs: str, published: float, link: str = "",
          teasers: tuple[str, ...] = ()) -> Entry:
    """A parsed story as a source would hand it to the store."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return Entry(key=key, title=title, body_html=body, lead=paragraphs[0] if paragraphs else "",
                 link=link, published=published, teasers=list(teasers))


def add_source(store: Store, title: str, entries: list[Entry], *, kind: str = "file",
               location: str | None = None) -> int:
    source = store.add_source(kind, location or f"/nowhere/{title}.txt", title)
    store.upsert_entries(source.id, entries)
    return source.id


def numbered(prefix: str, count: int, *, start: float = NOW, step: float = 60.0,
             paragraphs: int = 2) -> list[Entry]:
    """`count` stories, newest first, each `step` seconds older than the one before."""
    return [entry(f"{prefix}-{i}", f"{prefix} story {i}",
                  *(f"{prefix} {i} paragraph {p}." for p in range(paragraphs)),
                  published=start - i * step, link=f"https://example.org/{prefix}/{i}")
            for i in range(count)]


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


def make_store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite3", clock=lambda: NOW)


async def settle(app: NewsApp, pilot: Pilot[Any], rounds: int = 50,
                 ignore: frozenset[str] = frozenset()) -> None:
    """Wait until no worker runs and the messages they posted have been handled.

    Workers in the `ignore` groups (e.g. a refresh held up on purpose) are not waited for.
    """
    quiet = 0
    for _ in range(rounds):
        waited = [worker for worker in app.workers if worker.group not in ignore]
        if waited:  # (an empty list would mean "every worker")
            with contextlib.suppress(WorkerCancelled):  # a newer request replaced it
                await app.workers.wait_for_complete(waited)
        await pilot.pause()
        if any(not worker.is_finished for worker in app.workers
               if worker.group not in ignore):
            quiet = 0
            continue
        quiet += 1
        if quiet >= 2:
            return
    raise AssertionError("the app never settled")


def main(app: NewsApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


def shown_title(app: NewsApp) -> str | None:
    """The headline of the story in the article view (its id looked up in the cache)."""
    story = main(app).current
    return story.title if story is not None else None


def headline_rows(app: NewsApp) -> list[str]:
    """The text the headline list draws, one string per visible row."""
    widget = app.screen.query_one(HeadlineList)
    return [widget.render_line(y).text for y in range(widget.scrollable_content_region.height)]


def screen_text(app: NewsApp) -> str:
    """Everything on the screen as plain text, as a terminal would show it."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)
