"""The `?` screen, generated from the bindings in force, so it can never fall out of date.

Each pane declares its keys (with descriptions) on itself; this screen walks the main screen's
panes, the screen and the app, and lists every described binding grouped by where it acts.
Keys that share an action and description are shown together ("j / down").
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

HelpGroup = tuple[str, list[tuple[str, str]]]


def collect_bindings(screen: Screen[Any]) -> list[HelpGroup]:
    """Every described binding reachable on `screen`: (group title, [(keys, description)])."""
    nodes: list[DOMNode] = [screen.app, screen]
    nodes += [node for node in screen.query("*") if getattr(node, "HELP_GROUP", None)]
    groups: list[HelpGroup] = []
    for node in nodes:
        title = getattr(node, "HELP_GROUP", None) or (
            "Everywhere" if node is screen else "Application")
        merged: dict[tuple[str, str], list[str]] = {}
        for _key, binding in node._bindings:
            if not binding.description:
                continue
            keys = merged.setdefault((binding.action, binding.description), [])
            display = _key_display(screen, binding)
            if display not in keys:
                keys.append(display)
        rows = [(" / ".join(keys), description)
                for (_action, description), keys in merged.items()]
        if rows:
            groups.append((title, rows))
    return groups


def _key_display(screen: Screen[Any], binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    return screen.app.get_key_display(binding)


class HelpScreen(ModalScreen[None]):
    """A scrollable table of keys; any of escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help"),
    ]

    def __init__(self, groups: list[HelpGroup]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Static(Text("Keys", style="bold"), id="help-title")
            for title, rows in self.groups:
                table = Table.grid(padding=(0, 2))
                table.add_column(min_width=12, no_wrap=True)
                table.add_column()
                for keys, description in rows:
                    table.add_row(Text(keys, style="bold"), Text(description))
                yield Static(Text(title, style="underline"), classes="help-group")
                yield Static(table, classes="help-table")
