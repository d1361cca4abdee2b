"""The footer: the keys that matter most, as many as fit the terminal's width, never cut.

One widget drawing one line. Textual's `Footer` makes a widget per key and composes them
anew at every change of bindings or focus: before the first headline that was 14 rebuilds
and ~200 ms of CPU, the most expensive part of start-up. Here a change only marks the line
stale; it is laid out again when next drawn (once a frame at most), from the screen's
`active_bindings`, and a click is mapped from its column to the key drawn there. The line
goes to Textual as segments (`render_line`), not as a `Text` to convert first.

What it shows: the full labels when they all fit, else the short ones below; then the keys
by importance (the focused pane's own first) until the row is full. `? Help` always stays,
at the right end beside the palette's key; the help screen lists every key with its full
description, and a shortened key's full description is its tooltip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

HELP = "help"  # the binding id of `?`: always shown
SEPARATOR = "▏"  # before the palette's key, as Textual's footer draws it

# Binding id -> the label the footer shows when the full descriptions do not all fit.
SHORT: dict[str, str] = {
    "next_story": "Next",
    "page": "Page",
    "toggle_read": "Read",
    "open_link": "Open",
    "add_source": "Add",
    "toggle_sources": "Sources",
    "mark_all_read": "All read",
    "fetch_full": "Full",
    "choose_source": "Show",
    "open_teaser": "Open",
    "search_cancel": "Back",
    "search_accept": "Results",
    "save_search": "Save",
}

# The screen's keys by importance: the ones a reader needs to find first. Keys of the
# focused pane come before all of these; keys not named here come last.
PRIORITY: tuple[str, ...] = (
    "next_unread", "search", "refresh", "toggle_star", "open_link", "toggle_read",
    "fetch_full", "toggle_sources", "add_source", "mark_all_read",
)


@dataclass(frozen=True)
class FooterKey:
    """A key as the footer draws it: cells [start, end) of the line, key and label."""

    start: int
    end: int
    key: str  # the key Textual sends for it ("question_mark")
    display: str  # as drawn ("?")
    label: str
    tooltip: str  # its own, else the full description when the label is a short one
    enabled: bool
    palette: bool = False

    @property
    def text(self) -> str:
        return f"{self.display} {self.label}" if self.label else self.display


@dataclass(frozen=True)
class _Key:
    """A shown binding before layout: which node holds it, its id and labels."""

    node: DOMNode
    binding: Binding
    display: str
    enabled: bool
    tooltip: str  # the binding's own tooltip, often none

    @property
    def ident(self) -> str:
        return self.binding.id or ""

    def cells(self, label: str) -> int:
        """The key, a space and the label, and the space after it."""
        return cell_len(self.display) + (1 + cell_len(label) if label else 0) + 1


class KeyFooter(Widget, can_focus=False):
    """A one-line footer that shows whole labels only: as many keys as fit, `?` always."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--separator",
        "key-footer--hover",
        "key-footer--disabled",
    }
    DEFAULT_CSS: ClassVar[str] = """
    KeyFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        text-overflow: clip;
        .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-footer--separator {
            color: $foreground 20%;
        }
        .key-footer--hover {
            background: $block-hover-background;
        }
        .key-footer--disabled {
            text-style: dim;
        }
    }
    """

    def __init__(self, *, id: str | None = None, show_command_palette: bool = True) -> None:
        super().__init__(id=id)
        self.show_command_palette = show_command_palette
        self._keys: tuple[FooterKey, ...] = ()
        self._laid_out_for: int | None = None  # the width the keys were chosen for
        self._hover: FooterKey | None = None

    # -- when to lay the line out again ----------------------------------------------------------
    def on_mount(self) -> None:
        # Immediate: a change only marks the line stale, however many come before a frame.
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed,
                                                      immediate=True)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        # As Textual's footer: bindings seen while the terminal has no focus are passing ones.
        if screen.app.app_focus and screen is self.screen:
            self._laid_out_for = None
            self.refresh()

    @property
    def keys(self) -> tuple[FooterKey, ...]:
        """The keys drawn at the last frame, left to right."""
        return self._keys

    # -- drawing ---------------------------------------------------------------------------------
    def render(self) -> Text:
        """The line as a Rich `Text`. The app draws it through `render_line` (Textual calls
        `render` only from its own `render_line`); this is the reference the tests hold
        that drawing to, cell for cell."""
        return Text.assemble(*self._pieces(), no_wrap=True, overflow="crop", end="")

    def render_line(self, y: int) -> Strip:
        """The line's pieces as segments: the same cells as `render`'s `Text`, without
        Textual's conversion of a `Text` to its own content and lines (~1 ms of the first
        frame). Textual pads it to the width, as it pads what `render` gives. One line
        (`height: 1` in app.tcss), so `y` is always 0."""
        pieces = self._pieces()
        return Strip([Segment(text, style) for text, style in pieces],
                     sum(cell_len(text) for text, _style in pieces))

    def _pieces(self) -> list[tuple[str, Style]]:
        """The line left to right, as (text, style): the keys laid out for the width (again
        only when the bindings or the width changed), the gaps between them."""
        width = self.size.width
        if self._laid_out_for != width:
            self._keys = self._layout(width) if width > 0 else ()
            self._laid_out_for = width
            self._hover = None
        base = self.rich_style
        key_style = base + self.get_component_rich_style("key-footer--key")
        label_style = base + self.get_component_rich_style("key-footer--description")
        separator = base + self.get_component_rich_style("key-footer--separator")
        hover = self.get_component_rich_style("key-footer--hover", partial=True)
        dim = self.get_component_rich_style("key-footer--disabled", partial=True)
        pieces: list[tuple[str, Style]] = []
        x = 0  # the cells drawn so far
        for key in self._keys:
            if key.start > x:
                pieces.append((" " * (key.start - x), base))
                x = key.start
            extra = Style.chain(hover if key == self._hover else Style(),
                                Style() if key.enabled else dim)
            drawn = [(key.display, key_style + extra)]
            if key.label:
                drawn.append((" " + key.label, label_style + extra))
            if key.palette:
                drawn = [(SEPARATOR, separator), *drawn, (" ", label_style + extra)]
            pieces += drawn
            x += sum(cell_len(text) for text, _style in drawn)
        return pieces

    def _layout(self, width: int) -> tuple[FooterKey, ...]:
        """The keys to draw in `width` cells (and the palette's key at the right end, when
        it fits beside `?`), in the order the row shows them, labels chosen for the width."""
        screen, app = self.screen, self.app
        active = screen.active_bindings  # computed anew at each read: read once
        keys: list[_Key] = []
        seen: set[str] = set()
        for node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in seen:  # one key per action
                seen.add(binding.action)
                keys.append(_Key(node, binding, app.get_key_display(binding), enabled,
                                 tooltip))
        palette: _Key | None = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            found = active.get(app.COMMAND_PALETTE_BINDING)
            if found is not None:
                node, binding, enabled, tooltip = found
                palette = _Key(node, binding, app.get_key_display(binding), enabled,
                               tooltip or binding.description)

        def rank(order: int) -> tuple[int, int]:
            key = keys[order]
            if key.ident == HELP:
                return (0, 0)
            if key.node is not screen and key.node is not app and not getattr(
                    key.node, "IN_KEY_CHAIN", False):  # (a screen's controllers: its own)
                return (1, order)  # the focused pane's own keys
            if key.ident in PRIORITY:
                return (2, PRIORITY.index(key.ident))
            return (3, order)

        room = width
        palette_cells = 0
        if palette is not None:
            # The separator, the key and its label, and a space at the edge.
            palette_cells = 1 + palette.cells(palette.binding.description)
            helps = [key for key in keys if key.ident == HELP]
            if helps and width - palette_cells < helps[0].cells(SHORT.get(HELP, "Help")):
                palette = None  # too narrow for both: `?` leads to everything, the palette too
            else:
                room -= palette_cells
        labels: dict[int, str] = {}
        if sum(key.cells(key.binding.description) for key in keys) <= room:
            labels = {order: key.binding.description for order, key in enumerate(keys)}
        else:
            for order in sorted(range(len(keys)), key=rank):
                key = keys[order]
                label = SHORT.get(key.ident, key.binding.description)
                if key.cells(label) <= room or key.ident == HELP:
                    labels[order] = label
                    room -= key.cells(label)
        drawn: list[FooterKey] = []
        x = 0
        for order in sorted(labels, key=lambda o: (keys[o].ident == HELP, o)):
            key, label = keys[order], labels[order]
            end = x + key.cells(label) - 1  # the space after a key is not the key's
            shortened = label != key.binding.description
            drawn.append(FooterKey(x, end, key.binding.key, key.display, label,
                                   key.tooltip or (key.binding.description if shortened
                                                   else ""), key.enabled))
            x = end + 1
        if palette is not None:
            start = width - palette_cells
            drawn.append(FooterKey(start, width, palette.binding.key, palette.display,
                                   palette.binding.description, palette.tooltip,
                                   palette.enabled, palette=True))
        return tuple(drawn)

    # -- the mouse -------------------------------------------------------------------------------
    def key_at(self, x: int) -> FooterKey | None:
        """The key drawn at column `x` of the line, if any."""
        return next((key for key in self._keys if key.start <= x < key.end), None)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self.key_at(event.x)
        if key is None:
            return
        event.stop()
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._hovering(self.key_at(event.x))

    def on_leave(self, event: events.Leave) -> None:
        self._hovering(None)

    def _hovering(self, key: FooterKey | None) -> None:
        if key != self._hover:
            self._hover = key
            self.tooltip = key.tooltip if key is not None and key.tooltip else None
            self.refresh()
