"""`u`: undo the last undoable change (a removed source, a view marked read).

Controllers push an entry with what it undoes; `u` runs the newest in a thread worker and
tells the result in words. Only the last `UNDO_DEPTH` changes are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message

from reader.ui.controllers.base import Controller

UNDO_DEPTH = 20


@dataclass
class Undo:
    """One undoable change: `run` (in a thread) returns "" or why it failed; `after` then
    runs on the event loop (reload what shows it)."""

    description: str
    run: Callable[[], str]
    after: Callable[[], None]


class Undone(Message):
    """An undo ran; `error` is \"\" or words for the user."""

    def __init__(self, undo: Undo, error: str) -> None:
        super().__init__()
        self.undo = undo
        self.error = error


class UndoController(Controller):
    """The list of undoable changes and the `u` key."""

    HELP_GROUP: ClassVar[str] = "Undo"
    TASKS: ClassVar[dict[str, str]] = {"undo": "Undoing the change"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("u", "undo", "Undo", show=False, id="undo"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[Undo] = []

    def push(self, description: str, run: Callable[[], str],
             after: Callable[[], None]) -> None:
        self.entries.append(Undo(description, run, after))
        del self.entries[:-UNDO_DEPTH]

    def action_undo(self) -> None:
        if not self.entries:
            self.notify("Nothing to undo.")
            return
        self._undo(self.entries.pop())

    @work(thread=True, exit_on_error=False, group="undo")
    def _undo(self, undo: Undo) -> None:
        self.post_message(Undone(undo, undo.run()))

    @on(Undone)
    def _undone(self, message: Undone) -> None:
        if message.error:
            self.notify(message.error, severity="warning", markup=False)
        else:
            self.notify(f"Undid {message.undo.description}.", markup=False)
        message.undo.after()
