"""What the first screen reads: the headlines are read as the screen is made and drawn in
the first frame, and neither they nor the sources are read again after it; an online
start's refresh begins once that frame is drawn; a first look that comes late or fails
leaves the start as it was; and opening the cache makes no `Source`.

Read by workers after the screen was mounted, the headlines came as a second full draw
after an empty first frame; these tests keep it from coming back (start-up speed itself
is measured by bench/startup_bench.py).
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.strip import Strip
from textual.worker import Worker, WorkerState

from reader.models import View
from reader.store import StoreError
from reader.ui.controllers import launch
from reader.ui.first_look import FirstLook, read_first_look
from reader.ui.messages import RefreshDone
from reader.ui.widgets.headline_list import PAGE_SIZE, HeadlineList
from tests.helpers.pilot import SIZE, RecordingApp, main, settle
from tests.helpers.startup_probe import app_with_stories
from tests.helpers.stories import add_source, make_store, numbered


def read_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first look (read in a thread begun as the screen is made) done before the screen
    is mounted, as it nearly always is: the test does not depend on the race."""
    real = launch.look_first

    def done_first(*args: Any) -> Future[FirstLook]:
        future = real(*args)
        future.result()
        return future

    monkeypatch.setattr(launch, "look_first", done_first)


def first_drawn_rows(monkeypatch: pytest.MonkeyPatch,
                     app: RecordingApp) -> tuple[list[str], list[str]]:
    """The headline list's rows as it draws them the first time (and whether a refresh was
    on then), filled as the first frame is made; and the workers alive then."""
    drawn: list[str] = []
    beside: list[str] = []
    render_line = HeadlineList.render_line

    def recorded(self: HeadlineList, y: int) -> Strip:
        strip = render_line(self, y)
        if not drawn:
            beside.extend(worker.group for worker in app.workers)
        if len(drawn) < 3:
            drawn.append(strip.text.strip() + (" [refreshing]" if main(app).refreshing else ""))
        return strip

    monkeypatch.setattr(HeadlineList, "render_line", recorded)
    return drawn, beside


async def test_the_first_frame_holds_the_headlines_read_while_the_screen_was_built(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read by workers after the screen was mounted, the headlines came after the first
    frame: an empty frame, then the whole screen again. Read as the screen is made, they
    are there when it is first drawn, and no worker reads them again."""
    read_in_time(monkeypatch)
    groups: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, Worker.StateChanged) and message.state == WorkerState.RUNNING:
            groups.append(message.worker.group)

    app = app_with_stories(tmp_path)
    drawn, beside = first_drawn_rows(monkeypatch, app)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(app, pilot)
        assert "daily story 0" in drawn[0], drawn
        # Nothing works beside the first frame (the sources' staleness, the smart feeds'
        # counts, the sync line and the story come after it) ...
        assert beside == [], beside
        # ... and nothing reads the headlines again.
        assert not {"headline-sync", "headline-pages", "startup"} & set(groups), groups
        # Nor the sources: what follows them (the smart feeds' counts, the sync line) is
        # told of the first look's, once the first frame is drawn.
        assert "sources" not in groups and "smart-counts" in groups, groups
        screen = main(app)
        assert screen.headlines.total == 5 and screen.story_id is not None
        assert [s.title for s in screen.sources] == ["Daily"] and screen.counts
        assert screen.article_view.story is not None
        assert screen.article_view.story.title == "daily story 0"


async def test_an_online_start_refreshes_after_the_first_frame(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache is ready before the first frame now; the refresh it starts (its line, its
    thread importing the fetching code) waits until that frame is drawn."""
    read_in_time(monkeypatch)
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    app = RecordingApp(store, refresh_on_start=True)
    drawn, _ = first_drawn_rows(monkeypatch, app)
    ended: list[RefreshDone] = []
    async with app.run_test(size=SIZE,
                            message_hook=lambda m: isinstance(m, RefreshDone) and ended.append(m),
                            ) as pilot:
        await settle(app, pilot)
        assert "daily story 0" in drawn[0] and "[refreshing]" not in drawn[0], drawn
        assert ended  # ... and it did run, once that frame was drawn


@pytest.mark.parametrize("outcome", ["late", "failed"])
async def test_a_first_look_late_or_failed_leaves_the_start_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outcome: str) -> None:
    """Not read when the screen is mounted: the start-up worker waits for it; failed: the
    panes read the cache themselves. Either way the first story shows, nothing lost."""
    pending: Future[FirstLook] = Future()
    monkeypatch.setattr(launch, "look_first", lambda *args: pending)
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = main(app)
        assert screen.headlines.total == 0  # not yet: the start-up worker waits for it
        if outcome == "late":
            pending.set_result(read_first_look(app.store, View(), PAGE_SIZE))
        else:
            pending.set_exception(StoreError("the cache could not be read just then"))
        await settle(app, pilot)
        assert screen.headlines.total == 5 and [s.title for s in screen.sources] == ["Daily"]
        assert screen.article_view.story is not None
        assert screen.article_view.story.title == "daily story 0"
        assert not [note for note in app.notes if note[0] != "information"], app.notes


def test_opening_the_cache_reads_the_sources_without_making_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening the cache reads the sources' rows (damage there is found before the app
    starts), and the first screen reads them again: the open makes no `Source` of them."""
    from reader.store import handle
    from reader.store.recovery import open_cache

    store = make_store(tmp_path)
    for name in ("Daily", "Weekly", "Monthly"):
        add_source(store, name, numbered(name.lower(), 2))
    store.close()
    made: list[object] = []
    real = handle.Source

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(kwargs.get("id"))
        return real(*args, **kwargs)

    monkeypatch.setattr(handle, "Source", counted)
    monkeypatch.setattr("reader.store.recovery.DB_NAME", "cache.sqlite3")
    opened = open_cache(tmp_path, check=False)
    try:
        assert made == []
        assert opened.store.read_sources() == 3
        assert len(opened.store.sources()) == 3 and len(made) == 3  # the count can fail
    finally:
        opened.store.close()
