"""Search as you type (issue 5), Pilot tests of what the reader sees, never of timings.

Every keystroke searches at once (no pause is waited for); a search still running when the
next key comes is stopped, and its answer, if any, never replaces a newer one. The list
shows the best matches from the top while typing, the bar the count (also after a mode key
or a refresh), `enter` opens the best match even when it comes before the results, and
`esc` puts back the view, story and cursor. Searches held up on purpose are held by a
`threading.Event` in the real store, never by the clock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot

from reader.models import View
from reader.store import Store
from reader.ui.app import NewsApp
from reader.ui.messages import OpenStory, RefreshDone
from reader.ui.screens.archive import ArchiveScreen, SearchReady
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.search_bar import SearchBar
from tests.test_ui_helpers import (
    NOW,
    SIZE,
    RecordingApp,
    add_source,
    entry,
    headline_rows,
    main,
    numbered,
    settle,
    shown_title,
)

WAIT = 30.0  # seconds a held-up search waits for the test at most (never reached when passing)


class HeldStore(Store):
    """The real store; `prepare_search` for a text in `held` waits until the test lets go."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, clock=lambda: NOW)
        self.held: dict[str, threading.Event] = {}
        self.reached: dict[str, threading.Event] = {}
        self.stopped: list[str] = []

    def hold(self, text: str) -> None:
        self.held[text] = threading.Event()
        self.reached[text] = threading.Event()

    def let_go(self) -> None:
        for gate in self.held.values():
            gate.set()

    def prepare_search(self, view: View, should_stop: Any = None) -> int | None:
        gate = self.held.get(view.search)
        if gate is not None:
            self.reached[view.search].set()
            assert gate.wait(WAIT), "the test never let the search go"
        total = super().prepare_search(view, should_stop)
        if total is None and should_stop is not None and should_stop():
            self.stopped.append(view.search)
        return total


WEATHER = range(15)
STORM = [i for i in WEATHER if i % 3 or i % 2]  # "storm" in the headline or the body
HARBOUR = [i for i in WEATHER if i % 3]  # "harbour" in the headline


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HeldStore]:
    held = HeldStore(tmp_path / "cache.sqlite3")
    add_source(held, "Daily", numbered("daily", 120))
    add_source(held, "Weather", [
        entry(f"w{i}", f"Storm number {i} hits the harbour" if i % 3 else f"Report {i}",
              "A big storm came ashore." if i % 2 else "Calm seas.", "Ferries stopped.",
              published=NOW - i * 3600 - 30) for i in WEATHER])
    yield held
    held.let_go()  # a failed test must not leave a worker thread waiting


def screen(app: NewsApp) -> ArchiveScreen:
    found = main(app)
    assert isinstance(found, ArchiveScreen)
    return found


def status(app: NewsApp) -> str:
    return str(app.screen.query_one("#search-status").render())


async def open_search(app: NewsApp, pilot: Pilot[Any]) -> SearchBar:
    await pilot.press("slash")
    await settle(app, pilot)
    return app.screen.query_one(SearchBar)


def best_first(store: Store, text: str) -> list[str]:
    return [h.title for h in store.headlines(View(search=text), 0, 1000)]


async def test_every_keystroke_shows_its_own_results(store: HeldStore) -> None:
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bar = await open_search(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        said: list[str] = []
        post = bar.post_message

        def record(message: Any) -> bool:
            if isinstance(message, SearchBar.Changed):
                said.append(message.text)
            return post(message)

        bar.post_message = record  # type: ignore[method-assign]
        typed = ""
        for key in "storm har":
            typed += key
            await pilot.press("space" if key == " " else key)
            assert said[-1:] == [typed]  # said at once, not after a pause in typing
            await settle(app, pilot)  # workers and messages only: no pause is waited for
            if not typed.strip():
                continue
            want = store.count(View(search=typed))
            assert screen(app).view.search == typed
            assert headlines.total == want
            assert status(app) == f"{want:,} {'story' if want == 1 else 'stories'}"
        assert typed == "storm har" and headlines.total == len(HARBOUR)  # "har"*: harbour
        rows = headline_rows(app)
        assert all("Storm number" in row for row in rows[:len(HARBOUR)])


async def test_a_newer_keystroke_stops_the_older_search_and_wins(store: HeldStore) -> None:
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_search(app, pilot)
        shown: list[str] = []
        headlines = app.screen.query_one(HeadlineList)
        app.screen.watch(headlines, "view", lambda view: shown.append(view.search),
                         init=False)
        store.hold("storm")
        await pilot.press(*"storm")
        assert store.reached["storm"].wait(WAIT)  # "storm" is being searched ...
        await pilot.press("space", *"calm")  # ... when the reader types on
        await settle(app, pilot, ignore=frozenset({"search"}))
        assert screen(app).view.search == "storm calm"
        store.let_go()  # the older search ends only now
        await settle(app, pilot)
        assert store.stopped == ["storm"]  # told to stop, it stopped
        assert screen(app).view.search == "storm calm" and shown[-1] == "storm calm"
        assert "storm" not in shown
        want = store.count(View(search="storm calm"))
        assert headlines.total == want and status(app).startswith(f"{want} ")
        # An answer for older text arriving late is dropped, whatever it says.
        screen(app).post_message(SearchReady("storm", View(search="storm"), 999))
        await settle(app, pilot)
        assert screen(app).view.search == "storm calm" and headlines.total == want
        assert "999" not in status(app)


async def test_while_typing_the_best_matches_show_from_the_top(store: HeldStore) -> None:
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        # Open a story that the search finds, but far from its best match.
        ranked = best_first(store, "ferries")
        target = ranked[-1]
        target_id = store.headlines(View(search="ferries"), len(ranked) - 1, 1)[0].id
        app.screen.post_message(OpenStory(target_id))
        await settle(app, pilot)
        assert shown_title(app) == target and headlines.cursor > 0
        before = (headlines.cursor, headlines.scroll_y)
        await open_search(app, pilot)
        await pilot.press(*"ferries")
        await settle(app, pilot)
        assert len(ranked) == len(WEATHER)
        assert headlines.cursor == -1 and headlines.scroll_y == 0  # no row chosen yet
        assert [ranked[0][:12] in r for r in headline_rows(app)[:1]] == [True]
        assert shown_title(app) == target  # the article keeps its story
        await pilot.press("escape")
        await settle(app, pilot)
        assert (headlines.cursor, headlines.scroll_y) == before
        assert shown_title(app) == target and headlines.view == View()


async def test_enter_before_the_results_opens_the_best_match_of_the_last_text(
        store: HeldStore) -> None:
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_search(app, pilot)
        store.hold("storm")
        await pilot.press(*"storm")
        assert store.reached["storm"].wait(WAIT)
        await pilot.press("enter")  # the results are not in yet
        await settle(app, pilot, ignore=frozenset({"search"}))
        store.let_go()
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        assert app.focused is headlines and headlines.cursor == 0
        assert shown_title(app) == best_first(store, "storm")[0]


async def test_the_count_follows_mode_keys_and_refreshes(store: HeldStore) -> None:
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_search(app, pilot)
        await pilot.press(*"storm")
        await settle(app, pilot)
        assert status(app) == f"{len(STORM)} stories"
        await pilot.press("enter")  # to the list (opening the best match marks it read)
        await settle(app, pilot)
        await pilot.press("2")  # unread only
        await settle(app, pilot)
        unread = len(STORM) - 1
        assert store.count(View(search="storm", mode="unread")) == unread
        assert status(app) == f"{unread} stories"
        assert app.screen.query_one(HeadlineList).total == unread
        source = next(s for s in store.sources() if s.title == "Weather")
        store.upsert_entries(source.id, [entry("new", "Storm returns", "Another storm.",
                                               published=NOW)])
        screen(app).post_message(RefreshDone([]))  # a refresh stored it
        await settle(app, pilot)
        assert status(app) == f"{unread + 1} stories"
        assert app.screen.query_one(HeadlineList).total == unread + 1


async def test_a_long_pasted_query_scrolls_in_the_bar_and_is_searched_once(
        store: HeldStore) -> None:
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bar = await open_search(app, pilot)
        sent: list[str] = []
        app.screen.watch(app.screen.query_one(HeadlineList), "view",
                         lambda view: sent.append(view.search), init=False)
        words = "storm " * 30 + "harbour"
        await pilot.press("s")
        await settle(app, pilot)
        bar.input.post_message(events.Paste(words[1:]))  # as a terminal pastes it
        await settle(app, pilot)
        assert bar.input.value == words and bar.input.scroll_x > 0
        assert bar.input.render_line(0).text.rstrip().endswith("harbour")
        assert sent == ["s", words] and screen(app).view.search == words
        assert status(app) == f"{len(HARBOUR)} stories"
        await pilot.press("backspace")
        await settle(app, pilot)
        assert sent == ["s", words, words[:-1]]
