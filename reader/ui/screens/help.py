"""The `?` screen, generated from the bindings in force, so it can never fall out of date.

Each pane and each controller declares its keys (with descriptions) on itself; this screen
walks the reading screen's panes and controllers, the screen and the app, applies the user's
keymap (the keys from the config file), and lists every described binding grouped by where
it acts. Keys that share an action and
description are shown together ("j / down"). The command palette uses the same list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from reader.lowlevel import app_keymap, node_bindings

HelpGroup = tuple[str, list[tuple[str, str]]]
# The headings in the order they are listed; the reading screen's controllers each have one
# (their HELP_GROUP), and the screen's own keys come first.
GROUP_ORDER = ("Everywhere", "Reading", "Links", "Search and archive", "Whole articles",
               "Layout", "Refresh and add", "Sources", "Undo")
COLUMN_WIDTH = 58  # cells per column of the help screen


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
    keymap = app_keymap(screen.app)
    entries: list[BindingEntry] = []
    for node in nodes:
        title = getattr(node, "HELP_GROUP", None) if node is not screen else None
        title = title or ("Everywhere" if node is screen else "Application")
        bindings = node_bindings(node).copy()
        if keymap:
            bindings.apply_keymap(keymap)
        merged: dict[tuple[str, str], list[str]] = {}
        idents: dict[tuple[str, str], str | None] = {}
        pane = node is not screen and node is not screen.app
        for _key, binding in bindings:
            if not binding.description or binding.system or (pane and binding.id is None):
                continue  # (a pane's bindings without an id are Textual's scrolling keys)
            keys = merged.setdefault((binding.action, binding.description), [])
            idents.setdefault((binding.action, binding.description), binding.id)
            display = _key_display(screen, binding)
            if display not in keys:
                keys.append(display)
        entries += [BindingEntry(title, " / ".join(keys), description,
                                 action, node, idents[(action, description)])
                    for (action, description), keys in merged.items()]
    order = {title: index for index, title in enumerate(GROUP_ORDER)}
    entries.sort(key=lambda entry: order.get(entry.group, len(order)))  # stable: keeps order
    return entries


def collect_bindings(screen: Screen[Any]) -> list[HelpGroup]:
    """Every described binding reachable on `screen`: (group title, [(keys, description)])."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for entry in bindings_in_force(screen):
        groups.setdefault(entry.group, []).append((entry.keys, entry.description))
    return list(groups.items())


def columns_of(groups: list[HelpGroup], count: int) -> list[list[HelpGroup]]:
    """Groups dealt into `count` columns of about equal height, in reading order."""
    sizes = [len(rows) + 2 for _title, rows in groups]  # a heading and a blank line each
    target = sum(sizes) / max(count, 1)
    columns: list[list[HelpGroup]] = [[]]
    filled = 0
    for group, size in zip(groups, sizes, strict=True):
        if columns[-1] and filled + size / 2 > target and len(columns) < count:
            columns.append([])
            filled = 0
        columns[-1].append(group)
        filled += size
    return columns


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
        self._columns = max(1, min(3, self.app.size.width // COLUMN_WIDTH))
        with VerticalScroll(id="help-dialog"):
            yield Static(Text("Keys", style="bold"), id="help-title")
            with Horizontal(id="help-groups"):
                for column in columns_of(self.groups, self._columns):
                    with Vertical(classes="help-column"):
                        for title, rows in column:
                            table = Table.grid(padding=(0, 2))
                            table.add_column(min_width=12, no_wrap=True)
                            table.add_column()
                            for keys, description in rows:
                                table.add_row(Text(keys, style="bold"), Text(description))
                            yield Static(Text(title, style="underline"), classes="help-group")
                            yield Static(table, classes="help-table")
            if self.footnote:
                yield Static(Text(self.footnote), id="help-footnote", markup=False)

    def on_resize(self) -> None:
        """As many columns of key groups as fit: one on a narrow terminal, more when wide."""
        if max(1, min(3, self.app.size.width // COLUMN_WIDTH)) != self._columns:
            self.refresh(recompose=True)
