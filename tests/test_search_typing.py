"""Search as you type: Pilot tests of what the reader sees, never of timings.

Every keystroke searches at once (no pause is waited for); a search still running when the
next key comes is stopped, and its answer, if any, never replaces a newer one. The list
shows the best matches from the top while typing, the bar the count (also after a mode key
or a refresh), `enter` opens the best match even when it comes before the results, and
`esc` puts back the view, story and cursor. Searches held up on purpose are held by a
`threading.Event` in the real store, never by the clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual import events

from reader.models import View
from reader.ui.app import NewsApp
from reader.ui.controllers.search import SearchReady
from reader.ui.messages import OpenStory, RefreshDone
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.search_bar import SearchBar
from tests.helpers.pilot import (
    SIZE,
    WAIT,
    HeldStore,
    RecordingApp,
    archive_screen,
    headline_rows,
    open_search,
    settle,
    shown_title,
)
from tests.helpers.stories import NOW, add_source, best_first, entry, numbered

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


def status(app: NewsApp) -> str:
    return str(app.screen.query_one("#search-status").render())


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
            want = store.views.count(View(search=typed))
            assert archive_screen(app).view.search == typed
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
        assert archive_screen(app).view.search == "storm calm"
        store.let_go()  # the older search ends only now
        await settle(app, pilot)
        assert store.stopped == ["storm"]  # told to stop, it stopped
        assert archive_screen(app).view.search == "storm calm" and shown[-1] == "storm calm"
        assert "storm" not in shown
        want = store.views.count(View(search="storm calm"))
        assert headlines.total == want and status(app).startswith(f"{want} ")
        # An answer for older text arriving late is dropped, whatever it says.
        archive_screen(app).search.post_message(SearchReady("storm", View(search="storm"), 999))
        await settle(app, pilot)
        assert archive_screen(app).view.search == "storm calm" and headlines.total == want
        assert "999" not in status(app)


async def test_while_typing_the_best_matches_show_from_the_top(store: HeldStore) -> None:
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        # Open a story that the search finds, but far from its best match.
        ranked = best_first(store, "ferries")
        target = ranked[-1]
        target_id = store.views.headlines(View(search="ferries"), len(ranked) - 1, 1)[0].id
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
        assert store.views.count(View(search="storm", mode="unread")) == unread
        assert status(app) == f"{unread} stories"
        assert app.screen.query_one(HeadlineList).total == unread
        source = next(s for s in store.sources() if s.title == "Weather")
        store.upsert_entries(source.id, [entry("new", "Storm returns", "Another storm.",
                                               published=NOW)])
        archive_screen(app).refresh_control.post_message(RefreshDone([]))  # a refresh stored it
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
        assert sent == ["s", words] and archive_screen(app).view.search == words
        assert status(app) == f"{len(HARBOUR)} stories"
        await pilot.press("backspace")
        await settle(app, pilot)
        assert sent == ["s", words, words[:-1]]


def placeholder(row: str) -> bool:
    """A row drawn before its headline came: "…" alone."""
    return row.strip("│ ") == "…"


class Asked:
    """What the headline list asked the store for itself (counts, pages), by search text."""

    def __init__(self, headlines: HeadlineList) -> None:
        self.syncs: list[str] = []
        self.pages: list[tuple[str, int]] = []
        sync, request = headlines._sync, headlines._request

        def record_sync(generation: int, view: View, *args: Any, **kwargs: Any) -> None:
            self.syncs.append(view.search)
            sync(generation, view, *args, **kwargs)

        def record_request(page: int) -> None:
            self.pages.append((headlines.view.search, page))
            request(page)

        headlines._sync = record_sync  # type: ignore[method-assign]
        headlines._request = record_request  # type: ignore[method-assign]


async def test_the_count_and_the_best_matches_come_together_in_one_message(
        store: HeldStore) -> None:
    """The search worker hands the list its count and first page at once: the list asks
    nothing more, so it never draws the search's rows as placeholders first."""
    ready: list[SearchReady] = []

    def hook(message: Any) -> None:
        if isinstance(message, SearchReady):
            ready.append(message)

    app = RecordingApp(store)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        asked = Asked(headlines)
        drawn: list[list[str]] = []  # the rows of each frame drawn while a search is on
        render_lines = headlines.render_lines

        def record_frame(crop: Any) -> Any:
            strips = render_lines(crop)
            if headlines.view.search:
                drawn.append([strip.text for strip in strips])
            return strips

        headlines.render_lines = record_frame  # type: ignore[method-assign]
        await open_search(app, pilot)
        await pilot.press(*"storm")
        await settle(app, pilot)
        # (A key that comes before the search of the one before is done stops that search.)
        assert "storm" in {m.text for m in ready} <= {"s", "st", "sto", "stor", "storm"}
        message = next(m for m in ready if m.text == "storm")
        assert message.total == len(STORM) == headlines.total
        assert [h.title for h in message.first_page or []] == best_first(store, "storm")
        assert asked.syncs == [] and asked.pages == []  # nothing asked again, nothing paged
        assert drawn and not any(placeholder(row) for frame in drawn for row in frame)
        assert best_first(store, "storm")[0][:16] in headline_rows(app)[0]


async def test_a_late_answer_for_older_text_never_reaches_the_list(store: HeldStore) -> None:
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_search(app, pilot)
        await pilot.press(*"harbour")
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        rows = headline_rows(app)
        older = store.views.headlines(View(search="calm"), 0, 100)
        assert older and rows[0] != ""
        # typed fast: "calm" was replaced before its answer came; that answer is dropped.
        archive_screen(app).search.post_message(
            SearchReady("calm", View(search="calm"), len(older), older))
        await settle(app, pilot)
        assert archive_screen(app).view.search == "harbour" and headlines.total == len(HARBOUR)
        assert headline_rows(app) == rows


async def test_the_scroll_extent_follows_the_count_and_the_bar_stays(
        store: HeldStore) -> None:
    """The list's scrollable height is its count. While searching, its scroll bar stays even
    for a short result (no layout of the screen at a keystroke); after the search, a short
    view has none again."""
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        everything = store.views.count(View())
        assert headlines.virtual_size.height == everything > headlines.size.height
        assert headlines.show_vertical_scrollbar
        await open_search(app, pilot)
        await pilot.press(*"harbour")
        await settle(app, pilot)
        assert headlines.virtual_size.height == len(HARBOUR) < headlines.size.height
        assert headlines.show_vertical_scrollbar  # kept while searching
        await pilot.press("escape")
        await settle(app, pilot)
        assert headlines.virtual_size.height == everything
        assert headlines.show_vertical_scrollbar
        weather = next(s.id for s in store.sources() if s.title == "Weather")
        archive_screen(app).view = View(source_id=weather)  # a short view, no search: no bar
        await settle(app, pilot)
        assert headlines.virtual_size.height == len(WEATHER) < headlines.size.height
        assert not headlines.show_vertical_scrollbar


async def test_a_new_view_reads_its_page_with_its_count(store: HeldStore) -> None:
    """Outside a search too (a mode key, esc back from a search), the page on show comes
    with the count, not in a second round trip."""
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        await pilot.press("pagedown", "pagedown")  # the open story is on page 0, row 70ish
        await settle(app, pilot)
        asked = Asked(headlines)
        await pilot.press("2")  # unread only: every story here is unread but the open one
        await settle(app, pilot)
        assert asked.syncs == [""] and asked.pages == []
        assert headlines.total == store.views.count(View(mode="unread"))
        assert not any(placeholder(row) for row in headline_rows(app))
