"""The search bar: `/` opens it, results follow the typing, `esc` puts everything back.

It only edits text and says what happened: `Changed` (debounced: one message per pause in
typing, not per key, so a fast typist does not queue a query per letter), `Accepted` (enter
or down: go to the results), `Cancelled` (esc) and `SaveRequested` (ctrl+s: keep this
search as a smart feed). The screen owns the view and runs the queries in thread workers;
the bar shows the count it is handed, or what could not be understood in the query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

DEBOUNCE = 0.08  # seconds of quiet typing before the results follow
HINT = 'words, "a phrase", -word, a OR b, title:, source:, is:unread, after:7d'


class SearchBar(Horizontal):
    """One line: a prompt, the query, and how many stories match."""

    DEFAULT_CSS = """
    SearchBar {
        height: 1;
        display: none;
        background: $panel;
        &.-open { display: block; }
        & > #search-prompt { width: auto; padding: 0 1; color: $accent; text-style: bold; }
        & > Input { width: 1fr; height: 1; border: none; padding: 0; background: $panel; }
        & > Input:focus { border: none; background-tint: $foreground 5%; }
        & > #search-status { width: auto; max-width: 50%; padding: 0 1; color: $text-muted; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back to where you were", id="search_cancel"),
        Binding("enter,down", "accept", "Go to the results", id="search_accept"),
        Binding("ctrl+s", "save", "Save as smart feed", id="save_search"),
    ]

    @dataclass
    class Changed(Message):
        text: str

    @dataclass
    class Accepted(Message):
        text: str

    @dataclass
    class Cancelled(Message):
        pass

    @dataclass
    class SaveRequested(Message):
        text: str

    def __init__(self, *, id: str | None = None, debounce: float = DEBOUNCE) -> None:
        super().__init__(id=id)
        self.debounce = debounce  # 0: every change at once
        self._timer: Timer | None = None
        self._sent = ""

    def compose(self) -> ComposeResult:
        yield Static("/", id="search-prompt", markup=False)
        yield Input(placeholder=HINT, id="search-input", select_on_focus=False)
        yield Static("", id="search-status", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    @property
    def text(self) -> str:
        return self.input.value

    def open(self, text: str = "") -> None:
        """Show the bar with `text` (a smart feed's query, or empty) and focus it."""
        self.add_class("-open")
        self._sent = text
        with self.prevent(Input.Changed):
            self.input.value = text
        self.input.cursor_position = len(text)
        self.show_status("")
        self.input.focus()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.remove_class("-open")

    def show_status(self, text: str, *, problem: bool = False) -> None:
        status = self.query_one("#search-status", Static)
        status.update(Text(text, style="italic" if problem else ""))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        if self.debounce <= 0:
            self._send()
        else:
            self._timer = self.set_timer(self.debounce, self._send)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_accept()

    def _send(self) -> None:
        self._timer = None
        text = self.input.value
        if text != self._sent:
            self._sent = text
            self.post_message(self.Changed(text))

    def flush(self) -> None:
        """Send what is typed now, without waiting for the pause."""
        if self._timer is not None:
            self._timer.stop()
            self._send()

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())

    def action_accept(self) -> None:
        self.flush()
        self.post_message(self.Accepted(self.input.value))

    def action_save(self) -> None:
        self.flush()
        self.post_message(self.SaveRequested(self.input.value))
