"""The reading screen: panes and controllers, composed.

`compose` shows what the screen is made of: the panes (source list, headline list, article,
teasers, the search bar and the status line) wrapped in one controller per concern, one
inside another, so that every key a pane leaves alone and every message a pane posts
passes up through each controller (see `reader.ui.controllers.base`). A key's action lives
in the controller named for its concern: `reading.py` (j/k, n/p, m, s, 1/2/3), `links.py`
(o, l, c, C), `refresh.py` (a, r, R), `layout.py` (S, t, z, esc), `search.py` (/, A,
ctrl+s, D), `articles.py` (f, v), `sources.py` (g, e, M, X, i, E), `undo.py` (u).

The screen holds the state the panes draw, as reactive vars that flow down with
`data_bind`; controllers change it. Its own keys are the ones about the screen as a whole:
moving between panes, and help.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen

from reader.config import Config
from reader.models import SmartFeed, Source, Story, Teaser, View
from reader.render import Rendered
from reader.store import Store
from reader.store.search.runner import SearchRunner
from reader.ui.controllers.articles import ArticlesController
from reader.ui.controllers.launch import LaunchController, LaunchPlan
from reader.ui.controllers.layout import LayoutController, NarrowTop
from reader.ui.controllers.links import LinksController
from reader.ui.controllers.reading import ReadingController
from reader.ui.controllers.refresh import RefreshController
from reader.ui.controllers.search import SearchController
from reader.ui.controllers.sources import SourcesController
from reader.ui.controllers.undo import UndoController
from reader.ui.messages import ChooseView, OpenStory
from reader.ui.navigation import describe
from reader.ui.widgets.article_view import ArticleStyle, ArticleView
from reader.ui.widgets.headline_list import PAGE_SIZE, HeadlineList
from reader.ui.widgets.key_footer import KeyFooter
from reader.ui.widgets.panes import Panes
from reader.ui.widgets.refresh_status import RefreshStatus
from reader.ui.widgets.search_bar import SearchBar
from reader.ui.widgets.source_list import SourceList
from reader.ui.widgets.teaser_sidebar import TeaserSidebar
from reader.ui.widgets.title_bar import TitleBar


class ReadingScreen(Screen[None]):
    """Sources, headlines, article and teasers over the cache, and the controllers that
    act on them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", "Next pane", show=False, id="next_pane"),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False,
                id="previous_pane"),
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
    ]
    # The list has focus from the start: Textual's default focuses the first focusable
    # widget (the hidden search line) and moving it on restyles the screen twice (start-up).
    AUTO_FOCUS = "#headlines"

    view: var[View] = var(View())
    story_id: var[int | None] = var(None)
    article: var[Rendered | None] = var(None)
    teasers: var[tuple[Teaser, ...]] = var(())
    sources: var[tuple[Source, ...]] = var(())
    counts: var[dict[str, int]] = var(dict)
    smart_feeds: var[tuple[SmartFeed, ...]] = var(())
    show_sources: var[bool] = var(False, toggle_class="-show-sources")
    refreshing: var[bool] = var(False, toggle_class="-refreshing")
    zen: var[bool] = var(False, toggle_class="-zen")
    narrow: var[bool] = var(False, toggle_class="-narrow")
    narrow_top: var[NarrowTop] = var("headlines")
    show_teasers: var[bool] = var(True)

    def __init__(self, store: Store, *, config: Config, clock: Callable[[], float],
                 open_story: int | None = None, launch: LaunchPlan | None = None,
                 fetcher_options: dict[str, Any] | None = None) -> None:
        super().__init__()
        launch = launch if launch is not None else LaunchPlan()
        self.store = store
        self.config = config
        self.clock = clock
        self.offline = launch.offline
        self.current: Story | None = None  # the story on show, as last read from the cache
        self.undo = UndoController(id="undo-controller")
        self.sources_admin = SourcesController(id="sources-controller")
        self.articles = ArticlesController(fetcher_options=fetcher_options,
                                           id="articles-controller")
        self.search = SearchController(SearchRunner(store.search, PAGE_SIZE),
                                       id="search-controller")
        self.layout_control = LayoutController(id="layout-controller")
        self.refresh_control = RefreshController(refresh_on_start=launch.refresh_on_start,
                                                 id="refresh-controller")
        self.links = LinksController(id="links-controller")
        self.reading = ReadingController(open_story=open_story, id="reading-controller")
        self.launch = LaunchController(launch, store, first_view=self.view, page=PAGE_SIZE,
                                       id="launch-controller")

    def compose(self) -> ComposeResult:
        yield TitleBar()
        # Outermost first. The order of the nesting is the order of the footer's keys
        # (innermost first) and the order in which a key shared by two controllers is tried.
        with self.undo, self.sources_admin, self.articles, self.search, self.layout_control, \
                self.refresh_control, self.links, self.reading, self.launch:
            yield SearchBar(id="search")
            with Panes(id="panes"):
                yield SourceList(id="sources").data_bind(
                    ReadingScreen.sources, ReadingScreen.counts, ReadingScreen.view,
                    ReadingScreen.smart_feeds)
                self._headlines = HeadlineList(self.store, clock=self.clock, id="headlines")
                yield self._headlines.data_bind(
                    ReadingScreen.view, ReadingScreen.story_id, ReadingScreen.sources)
                self._article = ArticleView(id="article")
                self._article.decorate = self.decorate_article  # a re-render keeps the marks
                yield self._article.data_bind(rendered=ReadingScreen.article)
                self._teasers = TeaserSidebar(id="teasers")
                yield self._teasers.data_bind(ReadingScreen.teasers)
        yield RefreshStatus(id="status")
        yield KeyFooter()

    _resumed = False  # the screen has been shown once (see `post_message`)

    def post_message(self, message: Message) -> bool:
        """The first `ScreenResume` (the app showing this screen at start) leaves the styles
        alone: every widget was styled as it was mounted, a moment before, and nothing they
        depend on has changed since, so Textual's restyle of the whole screen there would
        compute the same styles again (start-up). Later ones (back from a dialog, perhaps
        with another theme) restyle as usual."""
        if isinstance(message, events.ScreenResume) and not self._resumed:
            self._resumed = True
            message = events.ScreenResume(refresh_styles=False)
        return super().post_message(message)

    def on_mount(self) -> None:
        config = self.config
        article = self.article_view
        article.style_ = ArticleStyle(config.layout__measure, config.tz, config.date_format)
        article.clock = self.clock
        self.headlines.tz = config.tz

    # -- the panes (kept from `compose`: the story worker reads some in a thread) ---------------
    @property
    def headlines(self) -> HeadlineList:
        return self._headlines

    @property
    def article_view(self) -> ArticleView:
        return self._article

    @property
    def teaser_sidebar(self) -> TeaserSidebar:
        return self._teasers

    @property
    def source_list(self) -> SourceList:
        return self.query_one(SourceList)

    @property
    def search_bar(self) -> SearchBar:
        return self.query_one(SearchBar)

    @property
    def status(self) -> RefreshStatus:
        return self.query_one(RefreshStatus)

    def on_resize(self) -> None:
        """The controllers are hidden (app.tcss) and get no `Resize`: told from here."""
        self.layout_control.terminal_resized()

    # -- state flowing down ----------------------------------------------------------------------
    def watch_view(self) -> None:
        self.sub_title = describe(self.view, self.sources)

    def watch_sources(self) -> None:
        self.sub_title = describe(self.view, self.sources)

    def watch_narrow_top(self, top: NarrowTop) -> None:
        self.set_class(top == "sources", "-top-sources")
        self.set_class(top == "teasers", "-top-teasers")

    def watch_show_teasers(self, show: bool) -> None:
        self.set_class(not show, "-hide-teasers")

    def reload_now(self) -> None:
        """Stories came or went: the list keeps its place; the counts, and a search's count,
        are redone."""
        self.reading.reload_now()
        self.search.list_reloaded()

    def decorate_article(self, rendered: Rendered) -> Rendered:
        """A last touch on the rendered story, in the story worker (the search marks its
        words)."""
        return self.search.decorate(rendered)

    # -- messages posted to the screen itself (the command palette's) ---------------------------
    @on(OpenStory)
    def _open_story(self, message: OpenStory) -> None:
        self.reading.open_story_id(message.story_id)

    @on(ChooseView)
    def _choose_view(self, message: ChooseView) -> None:
        self.reading.choose_view(message.view, open_first=message.open_first)

    # -- esc in the panes ends a search (the `Panes` binding asks the screen) --------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "end_search":
            # esc leaves zen first (the layout's `leave`); the next esc ends the search
            return not self.zen and self.search.searching
        return True

    def action_end_search(self) -> None:
        self.search.end_search()

    def action_help(self) -> None:
        from reader.ui.screens.help import HelpScreen, collect_bindings

        path = self.config.path or "(no configuration file)"
        self.app.push_screen(HelpScreen(
            collect_bindings(self),
            f"ctrl+p opens every command. Keys can be changed in {path} ([keys]).",
        ))
