"""The reading screen: the main screen made to fit the terminal and the reader's habits.

`MainScreen` holds the panes and the reading loop, `FeedsScreen` adds, refreshes and indexes
sources (issue 3), `ArchiveScreen` adds search, smart feeds, mark-all-read and retention
(issue 5); this subclass adds what the configuration and
comfort ask for, without rewriting either:

* Layouts. Below `layout.narrow_below` columns the list sits above the article and the side
  panes fold away (`S` and `t` swap the list for them); from `layout.wide_from` the source
  list shows by itself; `z` (zen) shows only the article. The headline cursor and the
  article's place survive every change of size or layout.
* Reading comfort: the article at a measure, dates in the configured zone and format, the
  story's position and reading time in the article's border.
* Links: `o` opens the story in the browser command, `l` lists its numbered links, `c`
  copies the link (OSC 52), `C` copies it as text to share.
* Whole articles (`f`, `v`, fetch on open) and source management (`e`, `M`, `X`, `i`) come
  from the two mixins beside this module.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.reactive import var
from textual.widgets import Footer

from reader.browser import WEB, WEB_AND_MAIL, BrowserError, Launch, launch, plan
from reader.config import Config
from reader.models import Story
from reader.render import Rendered, format_date
from reader.sanitize import clean_line
from reader.store import Store
from reader.ui.screens.archive import ArchiveScreen
from reader.ui.screens.full_article import FullArticleMixin
from reader.ui.screens.source_admin import SourceAdminMixin
from reader.ui.widgets.article_view import ArticleStyle
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.source_list import SourceList
from reader.ui.widgets.teaser_sidebar import TeaserSidebar

NarrowTop = str  # "headlines" | "sources" | "teasers": what sits above the article when narrow


def share_text(story: Story, when: str) -> str:
    """A story as a few lines of plain text to paste into a message."""
    lines = [clean_line(story.title)]
    lines.append(" · ".join(p for p in (clean_line(story.source_title), when) if p))
    if story.link:
        lines.append(clean_line(story.link))
    return "\n".join(line for line in lines if line) + "\n"


class ReaderScreen(FullArticleMixin, SourceAdminMixin, ArchiveScreen):
    """The main screen with layouts, zen, whole articles, links and source management."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "fetch_full", "Full article", id="fetch_full"),
        Binding("z", "zen", "Zen", show=False, id="zen"),
        Binding("v", "toggle_full", "Full / feed text", show=False, id="toggle_full"),
        Binding("l", "links", "Links by number", show=False, id="links"),
        Binding("c", "copy_link", "Copy link", show=False, id="copy_link"),
        Binding("C", "share", "Copy as text (share)", show=False, id="share"),
        Binding("t", "toggle_teasers", "Toggle sidebar (teasers)", show=False,
                id="toggle_teasers"),
        Binding("g", "go_to_source", "Go to source", show=False, id="go_to_source"),
        Binding("e", "rename_source", "Rename source", show=False, id="rename_source"),
        Binding("M", "move_source", "Move source to folder", show=False, id="move_source"),
        Binding("X", "remove_source", "Remove source", show=False, id="remove_source"),
        Binding("i", "source_info", "Source health", show=False, id="source_info"),
        Binding("E", "export_opml", "Export OPML", show=False, id="export_opml"),
        Binding("ctrl+t", "switch_theme", "Switch theme", show=False, id="switch_theme"),
        Binding("escape", "leave", "Leave zen / back", show=False, id="leave"),
    ]

    zen: var[bool] = var(False)
    narrow: var[bool] = var(False)
    narrow_top: var[NarrowTop] = var("headlines")
    show_teasers: var[bool] = var(True)

    def __init__(self, store: Store, *, config: Config, clock: Callable[[], float],
                 open_story: int | None, offline: bool, refresh_on_start: bool,
                 fetcher_options: dict[str, Any] | None = None) -> None:
        super().__init__(store, clock=clock, open_story=open_story, offline=offline,
                         refresh_on_start=refresh_on_start)
        self.config = config
        self.fetcher_options = fetcher_options
        self._fetching = set()
        self._auto_tried = set()
        self._position = (-1, 0)
        self._before_zen: str | None = None

    # -- start -------------------------------------------------------------------------------------
    def on_mount(self) -> None:
        """Runs before MainScreen.on_mount (subclass first); the source list's first state is
        settled after it, once MainScreen has made its own guess."""
        config = self.config
        view = self.article_view
        view.style_ = ArticleStyle(config.layout__measure, config.tz, config.date_format)
        view.clock = self.clock
        self.headlines.tz = config.tz
        self.query_one(Footer).compact = True  # room for the keys that matter most
        self.show_teasers = config.layout__show_teasers
        self.narrow = self.app.size.width < config.layout__narrow_below
        self.call_later(self._first_layout)
        if config.refresh_interval and not self.offline:
            self.set_interval(config.refresh_interval * 60, self._timed_refresh)

    def _first_layout(self) -> None:
        choice = self.config.layout__show_sources
        if choice == "auto":
            self.show_sources = self.app.size.width >= self.config.layout__wide_from
        else:
            self.show_sources = choice == "yes"

    def _timed_refresh(self) -> None:
        if not self.refreshing:
            self._start_refresh(None, quiet=True)

    # -- layouts -----------------------------------------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        self.narrow = event.size.width < self.config.layout__narrow_below

    def watch_narrow(self, narrow: bool) -> None:
        self.set_class(narrow, "-narrow")
        if not narrow:
            self.narrow_top = "headlines"
        self._keep_focus_visible()

    def watch_narrow_top(self, top: NarrowTop) -> None:
        self.set_class(top == "sources", "-top-sources")
        self.set_class(top == "teasers", "-top-teasers")
        self._keep_focus_visible()

    def watch_show_teasers(self, show: bool) -> None:
        self.set_class(not show, "-hide-teasers")
        self._keep_focus_visible()

    def watch_zen(self, zen: bool) -> None:
        self.set_class(zen, "-zen")
        if zen:
            focused = self.focused
            self._before_zen = focused.id if focused is not None else None
            self.article_view.focus()
        else:
            wanted = self._before_zen
            self.call_after_refresh(self._refocus, wanted)

    def _refocus(self, wanted: str | None) -> None:
        target = next(iter(self.query(f"#{wanted}")), None) if wanted else None
        if target is not None and target.display and target.focusable:
            target.focus()
        else:
            self.headlines.focus()

    def _keep_focus_visible(self) -> None:
        """After a layout change, never leave the keys going to a pane that is folded away."""
        def check() -> None:
            focused = self.focused
            if focused is None or not focused.display or not focused.region:
                if self.zen:
                    self.article_view.focus()
                elif self.narrow and self.narrow_top == "sources":
                    self.query_one(SourceList).focus()
                elif self.narrow and self.narrow_top == "teasers":
                    self.query_one(TeaserSidebar).focus()
                else:
                    self.headlines.focus()
        self.call_after_refresh(check)

    def action_zen(self) -> None:
        self.zen = not self.zen

    def action_leave(self) -> None:
        if self.zen:
            self.zen = False
        elif self.narrow and self.narrow_top != "headlines":
            self.narrow_top = "headlines"
            self.headlines.focus()

    def action_toggle_sources(self) -> None:
        if self.narrow and not self.zen:
            self.narrow_top = "headlines" if self.narrow_top == "sources" else "sources"
            if self.narrow_top == "sources":
                self.query_one(SourceList).focus()
            return
        super().action_toggle_sources()

    def action_toggle_teasers(self) -> None:
        if self.narrow and not self.zen:
            self.narrow_top = "headlines" if self.narrow_top == "teasers" else "teasers"
            if self.narrow_top == "teasers":
                self.query_one(TeaserSidebar).focus()
            return
        self.show_teasers = not self.show_teasers

    # -- the story on show -------------------------------------------------------------------------
    def render_article(self, story: Story) -> Rendered:
        return self.article_view.render_story(story)

    def watch_story_id(self, story_id: int | None) -> None:
        view = self.article_view
        if view.story is None or view.story.id != story_id:
            view.feed_text = False  # a new story opens on its best text
        super().watch_story_id(story_id)

    def watch_article(self, rendered: Rendered | None) -> None:
        view = self.article_view
        story = self.current if rendered is not None else None
        view.story = story
        view.update_titles()
        if story is not None:
            self.fetch_on_open(story)

    @on(HeadlineList.Position)
    def _position_changed(self, message: HeadlineList.Position) -> None:
        self._position = (message.index, message.total)
        index, total = self._position
        label = {"unread": " unread", "starred": " starred"}.get(self.view.mode, "")
        self.article_view.position = (f"{index + 1:,} of {total:,}{label}"
                                      if index >= 0 and total else "")
        self.article_view.update_titles()

    def watch_sources(self) -> None:
        self._find_stale()

    @work(thread=True, exit_on_error=False, exclusive=True, group="stale")
    def _find_stale(self) -> None:
        from reader.store.health import stale_sources

        stale = frozenset(stale_sources(self.store, self.clock()))
        self.app.call_from_thread(setattr, self.query_one(SourceList), "stale", stale)

    # -- links --------------------------------------------------------------------------------
    def open_url(self, url: str, schemes: frozenset[str] = WEB) -> None:
        try:
            how = plan(url, self.config.browser, schemes=schemes)
        except BrowserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        if how.in_terminal:
            try:
                with self.app.suspend():
                    launch(how)
            except Exception as exc:  # noqa: BLE001 - SuspendNotSupported, BrowserError
                self.notify(f"Could not open the link: {clean_line(str(exc))}",
                            severity="warning", markup=False)
            return
        self._launch(how)

    @work(thread=True, exit_on_error=False, group="browser")
    def _launch(self, how: Launch) -> None:
        try:
            launch(how)
        except BrowserError as exc:
            self.app.notify(str(exc), severity="warning", markup=False)

    def action_open_link(self) -> None:
        story = self.current
        if story is None:
            self.notify("No story is open.")
        elif not story.link:
            self.notify("This story has no link.")
        else:
            self.open_url(story.link)

    def action_links(self) -> None:
        from reader.ui.screens.links import LinksScreen

        links = self.article_view.links
        if not links:
            self.notify("This story has no numbered links.")
            return

        def chosen(url: str | None) -> None:
            if url:
                self.open_url(url, WEB_AND_MAIL)

        self.app.push_screen(LinksScreen(links), chosen)

    def action_copy_link(self) -> None:
        story = self.current
        if story is None or not story.link:
            self.notify("No link to copy." if story is not None else "No story is open.")
            return
        self.app.copy_to_clipboard(clean_line(story.link))
        self.notify(f"Copied the link: {clean_line(story.link)[:120]}", markup=False)

    def action_share(self) -> None:
        story = self.current
        if story is None:
            self.notify("No story is open.")
            return
        when = format_date(story.published, tz=self.config.tz) if story.published else ""
        self.app.copy_to_clipboard(share_text(story, when))
        self.notify("Copied the headline, source and link as text.")

    # -- palette-sized actions -------------------------------------------------------------------
    def action_go_to_source(self) -> None:
        from reader.ui.commands import GoToSource

        self.app.push_screen(CommandPalette(providers=[GoToSource],
                                            placeholder="Go to source or folder…"))

    def action_switch_theme(self) -> None:
        self.app.search_themes()

    def action_export_opml(self) -> None:
        from reader.ui.screens.dialogs import PromptScreen

        def chosen(path: str | None) -> None:
            if path:
                self._export(path)

        default = str(Path.home() / "newsreader-subscriptions.opml")
        self.app.push_screen(PromptScreen("Export subscriptions as OPML", default,
                                          hint="a file path"), chosen)

    @work(thread=True, exit_on_error=False, group="export")
    def _export(self, path: str) -> None:
        from reader.sources.opml import export_opml

        target = Path(path).expanduser()
        try:
            target.write_text(export_opml(self.store), encoding="utf-8")
        except OSError as exc:
            self.app.notify(f"Cannot write {target}: {exc.strerror or exc}",
                            severity="error", markup=False)
            return
        self.app.notify(f"Subscriptions written to {target}", markup=False)

    def action_help(self) -> None:
        from reader.ui.screens.help import HelpScreen, collect_bindings

        path = self.config.path or "(no configuration file)"
        self.app.push_screen(HelpScreen(
            collect_bindings(self),
            f"ctrl+p opens every command. Keys can be changed in {path} ([keys]).",
        ))
