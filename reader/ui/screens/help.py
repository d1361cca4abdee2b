"""The `?` screen, generated from the bindings in force, so it can never fall out of date.

Each pane declares its keys (with descriptions) on itself; this screen walks the main screen's
panes, the screen and the app, applies the user's keymap (the keys from the config file),
and lists every described binding grouped by where it acts. Keys that share an action and
description are shown together ("j / down"). The command palette uses the same list.
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class BindingEntry:
    """One action as the user reaches it: its keys (for display), where, and on which node."""

    group: str
    keys: str
    description: str
    action: str
    node: DOMNode
    ident: str | None  # the binding's id (its name in the config's [keys]); None: Textual's


def bindings_in_force(screen: Screen[Any]) -> list[BindingEntry]:
    """Every described binding reachable on `screen`, with the user's keymap applied."""
    nodes: list[DOMNode] = [screen, screen.app]
    nodes += [node for node in screen.query("*") if getattr(node, "HELP_GROUP", None)]
    keymap = getattr(screen.app, "_keymap", {})
    entries: list[BindingEntry] = []
    for node in nodes:
        title = getattr(node, "HELP_GROUP", None) if node is not screen else None
        title = title or ("Everywhere" if node is screen else "Application")
        bindings = node._bindings.copy()
        if keymap:
            bindings.apply_keymap(keymap)
        merged: dict[tuple[str, str], list[str]] = {}
        idents: dict[tuple[str, str], str | None] = {}
        for _key, binding in bindings:
            if not binding.description or binding.system:
                continue
            keys = merged.setdefault((binding.action, binding.description), [])
            idents.setdefault((binding.action, binding.description), binding.id)
            display = _key_display(screen, binding)
            if display not in keys:
                keys.append(display)
        entries += [BindingEntry(title, " / ".join(keys), description, action, node,
                                 idents[(action, description)])
                    for (action, description), keys in merged.items()]
    return entries


def collect_bindings(screen: Screen[Any]) -> list[HelpGroup]:
    """Every described binding reachable on `screen`: (group title, [(keys, description)])."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for entry in bindings_in_force(screen):
        groups.setdefault(entry.group, []).append((entry.keys, entry.description))
    return list(groups.items())


def _key_display(screen: Screen[Any], binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    return screen.app.get_key_display(binding)


class HelpScreen(ModalScreen[None]):
    """A scrollable table of keys; any of escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help"),
    ]

    def __init__(self, groups: list[HelpGroup], footnote: str = "") -> None:
        super().__init__()
        self.groups = groups
        self.footnote = footnote

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
            if self.footnote:
                yield Static(Text(self.footnote), id="help-footnote", markup=False)
