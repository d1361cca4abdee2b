"""The typed text and its results come in one frame; a slow search never holds the text back.

`SearchInput` holds back the repaint of an edit until the screen has the edit's results (or
`ECHO_HOLD` seconds have passed): Textual draws a second change no sooner than its next frame
tick, so a separate echo frame made the results wait. These tests watch what the search line
draws, frame by frame, against what the list holds at that moment. Waiting is on workers,
messages and an event set by the drawing itself, never on the clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input

from reader.ui.widgets import search_bar
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.search_bar import SearchInput
from tests.helpers.pilot import SIZE, HeldStore, RecordingApp, archive_screen, open_search, settle
from tests.helpers.stories import NOW, add_source, entry, numbered

WAIT = 30.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HeldStore]:
    held = HeldStore(tmp_path / "cache.sqlite3")
    add_source(held, "Daily", numbered("daily", 60))
    add_source(held, "Weather", [
        entry(f"w{i}", f"Storm number {i} hits the harbour", "A big storm came ashore.",
              published=NOW - i * 3600) for i in range(12)])
    yield held
    held.let_go()


def record_echoes(app: RecordingApp) -> tuple[list[tuple[str, str]], asyncio.Event]:
    """(text drawn by the search line, the search the list holds then), each time the line
    draws a text it did not draw before; and an event set at each such drawing."""
    line = app.screen.query_one(SearchInput)
    headlines = app.screen.query_one(HeadlineList)
    drawn: list[tuple[str, str]] = []
    new = asyncio.Event()
    render_line = line.render_line

    def record(y: int) -> object:
        strip = render_line(y)
        text = strip.text.strip()
        if text and not text.startswith("words,") and (not drawn or drawn[-1][0] != text):
            drawn.append((text, headlines.view.search))
            new.set()
        return strip

    line.render_line = record  # type: ignore[method-assign]
    return drawn, new


async def test_each_letter_is_drawn_with_its_results(store: HeldStore,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_bar, "ECHO_HOLD", WAIT)  # however slow this machine is
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_search(app, pilot)
        drawn, _ = record_echoes(app)
        for key in "harbour":
            await pilot.press(key)
            await settle(app, pilot)
        texts = [text for text, _ in drawn]
        assert texts == ["h", "ha", "har", "harb", "harbo", "harbou", "harbour"]
        assert all(text == held for text, held in drawn)  # never a letter before its results
        await pilot.press("backspace")  # a deletion is an edit too
        await settle(app, pilot)
        assert drawn[-1] == ("harbou", "harbou")


async def test_a_slow_search_does_not_hold_the_typed_text_back(
        store: HeldStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_bar, "ECHO_HOLD", 0.01)
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_search(app, pilot)
        drawn, new = record_echoes(app)
        store.hold("storm")
        await pilot.press(*"storm")
        assert store.reached["storm"].wait(WAIT)  # "storm" is being searched, held up ...
        while not drawn or drawn[-1][0] != "storm":
            new.clear()
            await asyncio.wait_for(new.wait(), WAIT)
        assert drawn[-1][1] != "storm"  # ... and its text is drawn all the same
        store.let_go()
        await settle(app, pilot)
        assert archive_screen(app).view.search == "storm"


async def test_keys_that_come_together_make_one_change(store: HeldStore) -> None:
    """Five letters queued at once (one read of the terminal): they go into the line in one
    edit, and the line says `Changed` once, with all five."""
    changes: list[str] = []
    seen: list[object] = []  # (a bubbling message reaches the hook at each widget it visits)

    def hook(message: object) -> None:
        if isinstance(message, Input.Changed) and not any(m is message for m in seen):
            seen.append(message)
            changes.append(message.value)

    app = RecordingApp(store)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(app, pilot)
        await open_search(app, pilot)
        line = app.screen.query_one(SearchInput)
        for letter in "storm":
            line.post_message(events.Key(letter, letter))
        await settle(app, pilot)
        assert changes == ["storm"]
        assert archive_screen(app).view.search == "storm"
        await pilot.press("space", "c")  # later keys are said again
        await settle(app, pilot)
        assert len(changes) == 3 and archive_screen(app).view.search == "storm c"


@pytest.mark.parametrize(("keys", "text", "cursor"), [
    (["s", "t", "o", "r", "m", "backspace"], "stor", 4),  # a deletion after the letters
    (["s", "t", "o", "r", "m", "ctrl+w"], "", 0),
    (["s", "t", "o", "r", "m", "left"], "storm", 4),
])
async def test_letters_that_come_together_keep_their_order(
        store: HeldStore, keys: list[str], text: str, cursor: int) -> None:
    """Letters queued together with a key that edits or moves after them: the key acts on
    all the letters. (A letter queued after such a key may still come before it: Textual
    runs a widget's bindings once the key has gone up to the app, as it always did.)"""
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_search(app, pilot)
        line = app.screen.query_one(SearchInput)
        for key in keys:  # (to the app, as the terminal's keys come: bindings act on them)
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await settle(app, pilot)
        assert (line.value, line.cursor_position) == (text, cursor)
        assert archive_screen(app).view.search == text


async def test_enter_after_letters_searches_all_of_them(store: HeldStore) -> None:
    """Letters and enter in one read (a pasted line): the results of all the letters are
    opened, not of none of them."""
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_search(app, pilot)
        for key in "storm":
            app.post_message(events.Key(key, key))
        app.post_message(events.Key("enter", "\r"))
        await settle(app, pilot)
        assert archive_screen(app).view.search == "storm"
        assert isinstance(app.focused, HeadlineList)


async def test_a_paste_after_letters_comes_after_them(store: HeldStore) -> None:
    """Letters, then a paste, queued together: the pasted text goes after the letters."""
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_search(app, pilot)
        line = app.screen.query_one(SearchInput)
        for key in "st":
            app.post_message(events.Key(key, key))
        app.post_message(events.Paste("orm"))
        await settle(app, pilot)
        assert line.value == "storm"
        assert archive_screen(app).view.search == "storm"
