"""The "add a source" dialogs: one input for a path or an http(s) URL, and the list of feeds
to choose from when the page typed links to several.

They only ask; the main screen does the adding in a worker, so a slow folder or server never
freezes the app, and the reason for a failure comes back as a notification.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from reader.sanitize import clean_line
from reader.words import plural


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


class ChooseFeedScreen(ModalScreen[str | None]):
    """The feeds a page links to, by title and address: returns the chosen URL, or None
    when cancelled (then nothing is added). Keys or a click; titles are the page's own
    words, so they are shown as plain text, never as markup."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, page: str, feeds: list[tuple[str, str]]) -> None:
        super().__init__()
        self.page = page
        self.feeds = feeds

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="feeds-dialog"):
            yield Label(Text(f"{clean_line(self.page)} links to "
                             f"{plural(len(self.feeds), 'feed')}"),
                        classes="dialog-title")
            yield OptionList(*(Option(Text.assemble((clean_line(title), "bold"), "\n",
                                                    (clean_line(url), "dim")), id=str(n))
                               for n, (title, url) in enumerate(self.feeds)),
                             id="feeds-list", markup=False)
            yield Label("↑/↓ and enter, or a click, subscribes · escape cancels",
                        classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.feeds[int(event.option.id or 0)][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
