"""The "add a source" dialog: one input for a path or an http(s) URL.

It only asks; the main screen does the adding in a worker, so a slow folder or server never
freezes the app, and the reason for a failure comes back as a notification.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class AddSourceScreen(ModalScreen[str | None]):
    """Returns what was typed (stripped), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="add-dialog"):
            yield Label("Add a source", id="add-title")
            yield Input(placeholder="a file, a folder, or an http(s) feed URL", id="add-input")
            yield Label("enter adds · escape cancels", id="add-hint")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
