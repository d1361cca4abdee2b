"""The search bar: `/` opens it, results follow the typing, `esc` puts everything back.

It only edits text and says what happened: `Changed` (at once, no pause waited for: the
screen's search worker for the newer text stops the older one, so a fast typist never queues
a query per letter; keys that arrive together, as in a paste, make one change), `Accepted`
(enter or down: go to the results), `Cancelled` (esc) and `SaveRequested` (ctrl+s: keep this
search as a smart feed). The screen owns the view and runs the queries in thread workers;
the bar shows the count it is handed, or what could not be understood in the query.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

HINT = 'words, "a phrase", -word, a OR b, title:, source:, is:unread, after:7d'
STATUS_CELLS = 16  # the status keeps this width for counts up to "100,000 stories"
ECHO_HOLD = 0.05  # seconds an edit's echo waits for its search's results, at most
EDIT_KEYS = frozenset({"backspace", "delete", "ctrl+w", "ctrl+u", "ctrl+k", "ctrl+v"})


class SearchInput(Input):
    """The query line. An `Input` keeps the width of its text as its virtual size, in a
    reactive that lays the whole screen out again at every key; a layout reflows every pane
    and repaints each pane's scrollbar (9-30 ms of CPU a key, measured). This line is 1fr
    wide and one high whatever it holds, so a key only repaints it (it still scrolls: the
    virtual size is kept, only the layout is skipped)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    _change_waiting = False  # an `Input.Changed` is on its way to the bar (see `post_message`)
    _held = False  # an edit's echo waits for its results (see `hold_echo`)
    _missed = False  # a repaint was held back
    _hold_timer: Timer | None = None
    _typed = ""  # letters handled, not yet inserted (see `_on_key`)

    def post_message(self, message: Message) -> bool:
        """One `Changed` on its way at a time: keys that arrive together (a paste, a fast
        typist) are all handled before the first `Changed` is, and the bar reads the value
        when it handles it; the others would only cost the bar ~0.2 ms each."""
        if isinstance(message, Input.Changed):
            if self._change_waiting:
                return True
            self._change_waiting = True
        return super().post_message(message)

    def change_seen(self) -> None:
        """The bar has read the value: the next edit says so again."""
        self._change_waiting = False

    async def _on_key(self, event: events.Key) -> None:
        """Letters that arrive together go into the line together, as a paste does.

        `Input` inserts each letter on its own: ~0.5 ms a key of reactive updates, cursor
        moves and scrolling, ten times for a word that came in one read of the terminal.
        Here a letter is kept, and the letters kept are inserted at once when this widget's
        queue has no more keys in it (`call_later`), or before any other key acts (an arrow,
        a deletion, enter: their bindings run after this handler). A letter or a deletion
        also holds the line's echo for its results (`hold_echo`).

        (This replaces `Input._on_key` only for letters typed with no selection; for
        anything else `Input`'s handlers run as usual, after this one.)"""
        if event.is_printable or event.key in EDIT_KEYS:
            self.hold_echo()
        if event.is_printable and event.character and self.selection.is_empty:
            event.stop()
            event.prevent_default()
            if not self._typed:
                self.call_later(self.insert_typed)
            self._typed += event.character
            return
        self.insert_typed()

    def _on_paste(self, event: events.Paste) -> None:
        """Letters typed before a paste go in before it (`Input._on_paste` runs next)."""
        self.insert_typed()

    def insert_typed(self) -> None:
        """Put the letters kept by `_on_key` in the line, at the cursor."""
        typed, self._typed = self._typed, ""
        if typed:
            self._restart_blink()
            self.insert_text_at_cursor(typed)

    def validate_value(self, value: str) -> str:
        """An edit: its echo waits for the search it starts. (Validators run before the
        value's watchers and repaints, so every repaint of this very edit is held.)"""
        self.hold_echo()
        return value

    def hold_echo(self) -> None:
        """Draw nothing of the line until `release_echo`, or ECHO_HOLD seconds at most.

        Textual draws the first change after a quiet spell at once, but the next one no
        sooner than 17-33 ms later (its frame timer's next tick). Echoing the typed letters
        on their own therefore made the search's results, which come a few ms later, wait
        for that tick. Held back, the letters and their results come in one frame: the
        results ~17-33 ms sooner, the letters at most ECHO_HOLD later on a slow search."""
        if not self.is_mounted:
            return
        self._held = True
        if self._hold_timer is None:
            self._hold_timer = self.set_timer(ECHO_HOLD, self.release_echo, name="echo")

    def release_echo(self) -> None:
        """Draw the line as it is now (with the frame that shows its results)."""
        self._held = False
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        if self._missed:
            self._missed = False
            super().refresh()

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> SearchInput:
        if self._held and not layout and not recompose:
            self._missed = True
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


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
        & > #search-status { width: auto; min-width: 18; max-width: 50%; padding: 0 1;
                             color: $text-muted; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back to where you were", id="search_cancel"),
        Binding("enter,down", "accept", "Go to the results", id="search_accept"),
        Binding("ctrl+s", "save", "Save as smart feed", id="save_search"),
    ]

    class Changed(Message):
        """The search text was edited."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Accepted(Message):
        """`enter`: go to the results."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Cancelled(Message):
        """`escape`: the search is given up."""

    class SaveRequested(Message):
        """Save the search as a smart feed."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._sent = ""
        self._status = ""
        self._input: SearchInput | None = None

    def _parts(self) -> Iterator[Widget]:
        yield Static("/", id="search-prompt", markup=False)
        # "-valid" from the start: `Input` sets it at the first edit (no validators: every
        # value is valid), and a class added restyles the line: 3.5 ms on the first key.
        self._input = SearchInput(placeholder=HINT, id="search-input", select_on_focus=False,
                                  classes="-valid")
        yield self._input
        yield Static("", id="search-status", markup=False)

    @property
    def input(self) -> SearchInput:
        """The query line, made when the bar first opens: hidden until then, an `Input`
        composed at start would have its stylesheet parsed and applied before the first
        frame for nothing (start-up). Made here, it is registered (styled, queryable) at
        once; Textual finishes mounting it before the next key is handled."""
        if self._input is None:
            self.mount_all(self._parts())
        assert self._input is not None
        return self._input

    def release_echo(self) -> None:
        """The results of the text typed are in hand: draw the text with them."""
        if self._input is not None:
            self._input.release_echo()

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    @property
    def text(self) -> str:
        return self._input.value if self._input is not None else ""

    def open(self, text: str = "") -> None:
        """Show the bar with `text` (a smart feed's query, or empty) and focus it."""
        self.add_class("-open")
        self._sent = text
        with self.prevent(Input.Changed):
            self.input.insert_typed()  # (none are, unless keys came with the `/`)
            self.input.value = text
        self.input.change_seen()  # (that Changed is dropped, not handled)
        self.input.cursor_position = len(text)
        self.input.release_echo()  # not typed: no search of its own to wait for
        self.show_status("")
        self.input.focus()

    def close(self) -> None:
        if self._input is not None:
            self._input.release_echo()
        self.remove_class("-open")

    def show_status(self, text: str, *, problem: bool = False) -> None:
        status = self.query_one("#search-status", Static)
        # The status is STATUS_CELLS wide at least, so a count repaints one line; only a
        # longer text (a problem with the query) lays the bar out again.
        same_width = (max(cell_len(text), STATUS_CELLS)
                      == max(cell_len(self._status), STATUS_CELLS))
        self._status = text
        status.update(Text(text, style="italic" if problem else ""), layout=not same_width)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.input.change_seen()
        self.flush()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_accept()

    def flush(self) -> None:
        """Say what is typed now, unless it was said already. The value is read here, not
        from the event: keys that arrived together are all in it, so they make one change."""
        text = self.input.value
        if text != self._sent:
            self._sent = text
            self.post_message(self.Changed(text))

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())

    def action_accept(self) -> None:
        self.flush()
        self.post_message(self.Accepted(self.input.value))

    def action_save(self) -> None:
        self.flush()
        self.post_message(self.SaveRequested(self.input.value))
