"""What shows: `S`/`\\` the source list, `t` the teaser sidebar, `z` zen (the article alone),
`esc` leaves zen or puts a folded pane back, `ctrl+t` switches the theme.

Below `layout.narrow_below` columns the list sits above the article and the side panes fold
away (`S` and `t` swap the list for them); from `layout.wide_from` the source list shows by
itself. The headline cursor and the article's place survive every change of size or layout,
and the keys never go to a pane that is folded away. Zen hides an open search bar too (the
search goes on behind it), and `esc` leaves zen before it ends the search: each `esc` undoes
one step. The looks themselves are rules of app.tcss on the screen's classes.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from reader.ui.controllers.base import Controller
from reader.ui.widgets.source_list import SourceList

NarrowTop = str  # "headlines" | "sources" | "teasers": what sits above the article when narrow


class LayoutController(Controller):
    """Panes shown, narrow and wide terminals, and zen."""

    HELP_GROUP: ClassVar[str] = "Layout"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("S,backslash", "toggle_sources", "Sources", key_display="S/\\",
                id="toggle_sources"),
        Binding("t", "toggle_teasers", "Toggle sidebar (teasers)", show=False,
                id="toggle_teasers"),
        Binding("z", "zen", "Zen", show=False, id="zen"),
        Binding("escape", "leave", "Leave zen / back", show=False, id="leave"),
        Binding("ctrl+t", "switch_theme", "Switch theme", show=False, id="switch_theme"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._before_zen: str | None = None

    def on_mount(self) -> None:
        host, config = self.host, self.host.config
        host.show_teasers = config.layout__show_teasers
        host.narrow = self.app.size.width < config.layout__narrow_below
        self.watch(host, "narrow", self._narrow_changed)
        self.watch(host, "narrow_top", self._keep_focus_visible, init=False)
        self.watch(host, "show_teasers", self._keep_focus_visible)
        self.watch(host, "show_sources", self._sources_shown, init=False)
        self.watch(host, "zen", self._zen_changed)
        self.call_later(self._first_layout)

    def _first_layout(self) -> None:
        config = self.host.config
        choice = config.layout__show_sources
        if choice == "auto":
            self.host.show_sources = self.app.size.width >= config.layout__wide_from
        else:
            self.host.show_sources = choice == "yes"

    def terminal_resized(self) -> None:
        """Called by the screen: a controller is hidden (see app.tcss), and Textual sends
        hidden widgets no `Resize`."""
        self.host.narrow = self.app.size.width < self.host.config.layout__narrow_below

    # -- state changes ---------------------------------------------------------------------------
    def _narrow_changed(self, narrow: bool) -> None:
        if not narrow:
            self.host.narrow_top = "headlines"
        self._keep_focus_visible()

    def _sources_shown(self, show: bool) -> None:
        focused = self.host.focused
        if not show and focused is not None and isinstance(focused, SourceList):
            self.host.headlines.focus()

    def _zen_changed(self, zen: bool) -> None:
        host = self.host
        if zen:
            focused = host.focused
            self._before_zen = focused.id if focused is not None else None
            host.article_view.focus()
        else:
            self.call_after_refresh(self._refocus, self._before_zen)

    def _refocus(self, wanted: str | None) -> None:
        host = self.host
        if host.focused is not None and host.focused is not host.article_view:
            return  # focus went elsewhere meanwhile (`/` in zen: the search bar keeps it)
        target = next(iter(host.query(f"#{wanted}")), None) if wanted else None
        if target is not None and target.display and target.focusable:
            target.focus()
        else:
            host.headlines.focus()

    def _keep_focus_visible(self) -> None:
        """After a layout change, never leave the keys going to a pane that is folded away."""
        host = self.host

        def check() -> None:
            focused = host.focused
            if focused is None or not focused.display or not focused.region:
                if host.zen:
                    host.article_view.focus()
                elif host.narrow and host.narrow_top == "sources":
                    host.source_list.focus()
                elif host.narrow and host.narrow_top == "teasers":
                    host.teaser_sidebar.focus()
                else:
                    host.headlines.focus()
        self.call_after_refresh(check)

    # -- actions ---------------------------------------------------------------------------------
    def action_zen(self) -> None:
        self.host.zen = not self.host.zen

    def action_leave(self) -> None:
        host = self.host
        if host.zen:
            host.zen = False
        elif host.narrow and host.narrow_top != "headlines":
            host.narrow_top = "headlines"
            host.headlines.focus()

    def action_toggle_sources(self) -> None:
        if not self._swap_narrow("sources"):
            self.host.show_sources = not self.host.show_sources

    def action_toggle_teasers(self) -> None:
        if not self._swap_narrow("teasers"):
            self.host.show_teasers = not self.host.show_teasers

    def _swap_narrow(self, pane: NarrowTop) -> bool:
        """When narrow (and not zen), swap the list for `pane` or back, focusing `pane` when
        it comes up; say whether it did (wide, the caller shows or hides the pane)."""
        host = self.host
        if not host.narrow or host.zen:
            return False
        host.narrow_top = "headlines" if host.narrow_top == pane else pane
        if host.narrow_top == pane:
            (host.source_list if pane == "sources" else host.teaser_sidebar).focus()
        return True

    def action_switch_theme(self) -> None:
        self.app.search_themes()
