"""The links of the open story, by number: `l`, then type the number (or pick one), `enter`.

The renderer numbers links in the text ("word[3]") and lists them at the end; this list is
the same numbering. Only http(s) and mailto links can be chosen: anything else (a
`javascript:` or `file:` link) is listed greyed out with the reason, so nothing surprising
ever opens. The screen returns the chosen URL; the main screen opens it with the browser
command.
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

from reader.browser import WEB_AND_MAIL
from reader.sanitize import clean_line, is_safe_url


def link_option(number: int, url: str) -> Option:
    safe = is_safe_url(url, WEB_AND_MAIL)
    prompt = Text.assemble((f"[{number}] ", "bold"), clean_line(url))
    if not safe:
        prompt.stylize("dim strike")
        prompt.append("  (not opened: only http, https and mailto links)", style="italic")
    return Option(prompt, id=str(number), disabled=not safe)


class LinksScreen(ModalScreen[str | None]):
    """Pick a link of the story by its number; returns the URL or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next link", show=False),
        Binding("up", "move(-1)", "Previous link", show=False),
    ]

    def __init__(self, links: tuple[str, ...]) -> None:
        super().__init__()
        self.links = links

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="links-dialog"):
            yield Label(f"Links of this story ({len(self.links)})", classes="dialog-title")
            yield Input(placeholder="number, then enter", id="links-number",
                        restrict=r"[0-9]*", max_length=5)
            yield OptionList(*(link_option(n, url) for n, url in enumerate(self.links, 1)),
                             id="links-list", markup=False)
            yield Label("type a number or use ↑/↓ · enter opens · escape closes",
                        classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = next((i for i, url in enumerate(self.links)
                                    if is_safe_url(url, WEB_AND_MAIL)), None)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.value.isdigit() and 1 <= int(event.value) <= len(self.links):
            self.query_one(OptionList).highlighted = int(event.value) - 1

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(OptionList)
        chosen = int(event.value) if event.value.isdigit() else (
            (options.highlighted or 0) + 1 if options.highlighted is not None else 0)
        self._choose(chosen)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(int(event.option.id or 0))

    def _choose(self, number: int) -> None:
        if not 1 <= number <= len(self.links):
            self.notify(f"There is no link [{number}] in this story.", severity="warning",
                        markup=False)
            return
        url = self.links[number - 1]
        if not is_safe_url(url, WEB_AND_MAIL):
            self.notify(f"Not opening [{number}]: only http, https and mailto links open.",
                        severity="warning", markup=False)
            return
        self.dismiss(url)

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if delta > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
