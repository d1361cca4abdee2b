"""The main screen: source list, headline list, article view and teaser sidebar side by side.

The screen owns the state (which view, which story) as reactive vars that flow down into the
panes with `data_bind`; the panes post messages up and the handlers here decide. Every cache,
file or network call runs in a thread worker that answers with a message, so the event loop
only draws and keys always answer, even during a refresh.

A key press costs one frame per step (issue 5): `j` moves the headline cursor in the very
next frame; the story then loads in a thread that also lays the article out for its pane (a
long story's beginning first), so the event loop only swaps the page in; the teasers follow a
frame later. A burst of presses loads only the story the cursor stops on.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerState, get_current_worker

from reader.models import Source, Story, Teaser, View, ViewMode
from reader.render import Rendered, render_story
from reader.sanitize import clean_line, is_safe_url
from reader.store import Store
from reader.ui.messages import (
    ArticleEnd,
    CacheReady,
    ChooseView,
    OpenStory,
    ShowStub,
    SourcesLoaded,
    StoryFlagged,
    StoryLoaded,
    StoryMissing,
    UnreadFound,
)
from reader.ui.navigation import describe, find_unread
from reader.ui.screens.help import HelpScreen, collect_bindings
from reader.ui.widgets.article_body import Page
from reader.ui.widgets.article_view import ArticleView, quick_part, stub_for
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.panes import Panes
from reader.ui.widgets.refresh_status import RefreshStatus
from reader.ui.widgets.source_list import SourceList
from reader.ui.widgets.teaser_sidebar import TeaserRows, TeaserSidebar

WIDE = 140  # columns from which the source list shows by default
RELOAD_DELAY = 0.3  # seconds: a refresh of many sources redraws the list at most this often
COUNT_DELAY = 1.0  # seconds without opening a story before the source counts are redone
TASKS = {"startup": "Opening the cache", "sources": "Counting stories",
         "story": "Opening the story", "flags": "Saving the story's marks",
         "unread": "Finding the next unread story", "refresh": "The refresh",
         "add": "Adding the source", "browser": "Opening the browser",
         "index": "Indexing new stories for search"}


@dataclass
class StoryReady(StoryLoaded):
    """A loaded story with its article already laid out for the pane, in the worker;
    `partial`: only the beginning of a long story, the whole of it follows."""

    page: Page
    partial: bool = False
    drawn: threading.Event | None = None  # set once the page is on screen


@dataclass
class TeasersReady(Message):
    """The sidebar's teasers for a story: they follow the story, never hold it up."""

    story_id: int
    teasers: tuple[Teaser, ...]
    rows: TeaserRows | None = None


class MainScreen(Screen[None]):
    """Three panes over the cache, plus the source list on wide terminals."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Every binding has an id: its name in the config file's [keys] table.
        Binding("n", "next_unread", "Next unread", id="next_unread"),
        Binding("p", "previous_unread", "Prev unread", show=False, id="previous_unread"),
        Binding("space", "page", "Page / next unread", show=False, id="page"),
        Binding("j", "step(1)", "Next story", show=False, id="next_story"),
        Binding("k", "step(-1)", "Previous story", show=False, id="previous_story"),
        Binding("m", "toggle_read", "Read/unread", id="toggle_read"),
        Binding("s", "toggle_star", "Star", id="toggle_star"),
        Binding("o", "open_link", "Open link", id="open_link"),
        Binding("a", "add_source", "Add source", id="add_source"),
        Binding("r", "refresh_source", "Refresh", id="refresh"),
        Binding("R", "refresh_all", "Refresh all", show=False, id="refresh_all"),
        Binding("S,backslash", "toggle_sources", "Sources", key_display="S/\\",
                id="toggle_sources"),
        Binding("1", "mode('all')", "View all", show=False, id="view_all"),
        Binding("2", "mode('unread')", "View unread", show=False, id="view_unread"),
        Binding("3", "mode('starred')", "View starred", show=False, id="view_starred"),
        Binding("tab", "app.focus_next", "Next pane", show=False, id="next_pane"),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False,
                id="previous_pane"),
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
    ]

    view: var[View] = var(View())
    story_id: var[int | None] = var(None)
    article: var[Rendered | None] = var(None)
    teasers: var[tuple[Teaser, ...]] = var(())
    sources: var[tuple[Source, ...]] = var(())
    counts: var[dict[str, int]] = var(dict)
    show_sources: var[bool] = var(False)
    refreshing: var[bool] = var(False)

    def __init__(self, store: Store, *, clock: Callable[[], float], open_story: int | None,
                 offline: bool, refresh_on_start: bool) -> None:
        super().__init__()
        self.store = store
        self.clock = clock
        self.open_story = open_story
        self.offline = offline
        self.refresh_on_start = refresh_on_start
        self.current: Story | None = None
        self._reload_pending = False
        self._quiet_refresh = False
        self._load_scheduled = False
        self._partial_of: int | None = None  # the long story whose beginning is on show
        self._opened: set[int] = set()  # stories being marked read because they were opened
        self._counts_due = False
        self._counts_timer: Timer | None = None
        self._frozen = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Panes(id="panes"):
            self._source_list = SourceList(id="sources")
            yield self._source_list.data_bind(
                MainScreen.sources, MainScreen.counts, MainScreen.view)
            self._headlines = HeadlineList(self.store, clock=self.clock, id="headlines")
            yield self._headlines.data_bind(MainScreen.view, MainScreen.story_id)
            self._article = ArticleView(id="article")
            self._article.decorate = self.decorate_article  # a re-render keeps the marks
            yield self._article.data_bind(rendered=MainScreen.article)
            self._teasers = TeaserSidebar(id="teasers")
            yield self._teasers.data_bind(MainScreen.teasers)
        yield RefreshStatus(id="status")
        yield Footer()

    @property
    def headlines(self) -> HeadlineList:
        return self._headlines

    @property
    def article_view(self) -> ArticleView:
        """The article pane (kept from `compose`: the story worker reads it in a thread)."""
        return self._article

    def on_mount(self) -> None:
        self.show_sources = self.app.size.width >= WIDE
        self.headlines.focus()
        self._start()

    # -- state flowing down ------------------------------------------------------------------------
    def watch_show_sources(self, show: bool) -> None:
        self.set_class(show, "-show-sources")
        if show:
            self._count_now()
        if not show and self.focused is not None and isinstance(self.focused, SourceList):
            self.headlines.focus()

    def watch_refreshing(self, refreshing: bool) -> None:
        self.set_class(refreshing, "-refreshing")

    def watch_story_id(self, story_id: int | None) -> None:
        self._partial_of = None
        # The story loads once the frame that moves the cursor is drawn: that frame never
        # waits on the worker, and a burst of key presses starts one load, for the last.
        if story_id is not None and not self._load_scheduled:
            self._load_scheduled = True
            self.call_after_refresh(self._load_wanted)

    def _load_wanted(self) -> None:
        self._load_scheduled = False
        if self.story_id is not None:
            self._load_story(self.story_id)

    def watch_view(self, view: View) -> None:
        self.sub_title = describe(view, self.sources)

    # -- workers (thread: SQLite, files, network) -------------------------------------------------
    @work(thread=True, exit_on_error=False, group="startup")
    def _start(self) -> None:
        try:
            from reader.library import ensure_welcome

            # Files named on the command line are what the first screen is about: the
            # welcome stories would race with them for it (and win or lose by chance).
            if not getattr(self.app, "paths", None):
                ensure_welcome(self.store)
        except Exception as exc:  # noqa: BLE001 - whatever it is, the cache still shows
            self.app.notify(f"Could not add the welcome source: {clean_line(str(exc))}",
                            severity="warning", markup=False)
        finally:
            self.post_message(CacheReady())

    @work(thread=True, exit_on_error=False, exclusive=True, group="sources")
    def _load_sources(self) -> None:
        sources, counts = tuple(self.store.sources()), self.store.counts()
        if not get_current_worker().is_cancelled:
            self.post_message(SourcesLoaded(sources, counts))

    @work(thread=True, exit_on_error=False, exclusive=True, group="story")
    def _load_story(self, story_id: int) -> None:
        """Read-only, so a newer request may cancel it; marking read waits until it shows."""
        worker = get_current_worker()
        story = self.store.story(story_id)
        if story is None:
            self.post_message(StoryMissing(story_id))
            return
        if worker.is_cancelled:
            return
        view = self.article_view
        quick = quick_part(story)  # a long story: its beginning shows at once
        if quick is not None:
            rendered = self.decorate_article(self.render_article(quick))
            drawn = threading.Event()
            self.post_message(StoryReady(story, rendered, (), view.prepare(rendered), True,
                                         drawn))
            # The rest renders once the beginning is drawn: a thread rendering meanwhile
            # would take the GIL from the event loop while it draws.
            for _ in range(50):
                if drawn.wait(0.02) or worker.is_cancelled:
                    break
            if worker.is_cancelled:
                return
        rendered = self.decorate_article(self.render_article(story))
        page = view.prepare(rendered)  # the pane only swaps it in
        teasers = tuple(self.store.teasers_for(story))
        rows = self._teasers.prepare(teasers)  # wrapped here, not on the event loop
        # All done before the story is posted: a thread still working while the event loop
        # draws the story would take the GIL from it.
        if not worker.is_cancelled:
            self.post_message(StoryReady(story, rendered, (), page))
            self.post_message(TeasersReady(story.id, teasers, rows))

    def decorate_article(self, rendered: Rendered) -> Rendered:
        """A last touch on the rendered story, in the worker (the search marks its words)."""
        return rendered

    def render_article(self, story: Story) -> Rendered:
        """The story as the article view shows it (runs in a thread; subclasses choose the
        width, dates and full-article text)."""
        return render_story(story, now=self.clock())

    @work(thread=True, exit_on_error=False, group="flags")
    def _flag(self, story_id: int, read: bool | None, starred: bool | None) -> None:
        if read is not None:
            self.store.set_read([story_id], read)
        if starred is not None:
            self.store.set_starred(story_id, starred)
        self.post_message(StoryFlagged(story_id, read, starred))

    @work(thread=True, exit_on_error=False, exclusive=True, group="unread")
    def _find_unread(self, view: View, story_id: int | None, forward: bool) -> None:
        view, found = find_unread(self.store, view, story_id, forward)
        self.post_message(UnreadFound(view, found, forward))

    @work(thread=True, exit_on_error=False, group="browser")
    def _browse(self, url: str) -> None:
        import webbrowser

        if not webbrowser.open(url):
            self.app.notify(f"No browser could open {url}", severity="warning", markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        if event.worker.group == "refresh":
            self.refreshing = False
        what = TASKS.get(event.worker.group, "A background task")
        self.notify(f"{what} failed: {clean_line(str(event.worker.error))}",
                    severity="error", markup=False)

    # -- answers from workers and panes ------------------------------------------------------------
    @on(CacheReady)
    def _cache_ready(self) -> None:
        self._load_sources()
        if self.open_story is not None:
            self.story_id = self.open_story
            self.headlines.reload(keep_position=False)
        else:
            self.headlines.reload(keep_position=False, select_row=0)

    @on(SourcesLoaded)
    def _sources_loaded(self, message: SourcesLoaded) -> None:
        self.sources = message.sources
        self.counts = message.counts
        self.sub_title = describe(self.view, self.sources)

    @on(OpenStory)
    def _open_story(self, message: OpenStory) -> None:
        if message.story_id == self.story_id:
            if self.current is None or self.current.id != message.story_id:
                self._load_story(message.story_id)  # e.g. back from a teaser stub
        else:
            self.story_id = message.story_id

    @on(StoryLoaded)
    def _story_loaded(self, message: StoryLoaded) -> None:
        if message.story.id != self.story_id:
            return  # the reader has moved on
        # The whole of a long story whose beginning is on show: same story, same place.
        partial = isinstance(message, StoryReady) and message.partial
        continues = self._partial_of == message.story.id and not partial
        self._partial_of = message.story.id if partial else None
        self.current = message.story
        if not self._frozen and not self.app.is_headless:  # (tests run many apps)
            self._frozen = True
            self.call_after_refresh(self._freeze_heap)
        if isinstance(message, StoryReady):
            self.article_view.offer(message.rendered, message.page, partial=partial,
                                    continues=continues)
            if message.drawn is not None:
                self.call_after_refresh(message.drawn.set)
        self.article = message.rendered
        if not isinstance(message, StoryReady):
            self._show_teasers(message.story.id, message.teasers)
        if not message.story.read and not continues:
            # Opening a story marks it read, once the story is drawn.
            self._opened.add(message.story.id)
            self.call_after_refresh(self._flag, message.story.id, True, None)

    def _freeze_heap(self) -> None:
        """Once the first story is up, keep what start-up built out of garbage collection.

        Textual's strips hold caches that refer back to them, so every frame leaves cyclic
        garbage and Python runs a full collection every second or so; a full collection walks
        every object of the app (~85 ms at 100,000 stories, in the middle of whatever key was
        pressed). Frozen, the start-up objects are no longer walked (~30 ms)."""
        gc.collect()  # nothing that is already garbage is frozen
        gc.freeze()

    def on_unmount(self) -> None:
        if self._frozen:
            gc.unfreeze()  # the app's objects can be collected again once it is gone

    @on(TeasersReady)
    def _teasers_ready(self, message: TeasersReady) -> None:
        # After the next frame: the story shows without waiting for the sidebar.
        self.call_after_refresh(self._show_teasers, message.story_id, message.teasers,
                                message.rows)

    def _show_teasers(self, story_id: int, teasers: tuple[Teaser, ...],
                      rows: TeaserRows | None = None) -> None:
        if story_id == self.story_id:
            if rows is not None:
                self._teasers.offer(teasers, rows)
            self.teasers = teasers

    @on(StoryMissing)
    def _story_missing(self, message: StoryMissing) -> None:
        self.notify("That story is no longer in the cache.", severity="warning")

    @on(ShowStub)
    def _show_stub(self, message: ShowStub) -> None:
        self.workers.cancel_group(self, "story")  # a story still loading stays away
        self._partial_of = None
        self.current = None
        self.article = stub_for(message.teaser)

    @on(ArticleEnd)
    def _article_end(self) -> None:
        self.action_next_unread()

    @on(ChooseView)
    def _choose_view(self, message: ChooseView) -> None:
        self.view = message.view
        self.headlines.focus()

    @on(StoryFlagged)
    def _flagged(self, message: StoryFlagged) -> None:
        self.headlines.mark(message.story_id, read=message.read, starred=message.starred)
        if self.current is not None and self.current.id == message.story_id:
            self.current = replace(
                self.current,
                read=self.current.read if message.read is None else message.read,
                starred=self.current.starred if message.starred is None else message.starred)
        opened = message.story_id in self._opened
        self._opened.discard(message.story_id)
        if opened and not self._source_list.display:
            # Marked read by opening it, with the source list out of sight: count again once
            # the reader stops moving (or the list shows). Counting redraws the source list,
            # ~35 ms of the event loop at 250 sources, which a key pressed meanwhile awaits.
            self._counts_due = True
            if self._counts_timer is not None:
                self._counts_timer.stop()
            self._counts_timer = self.set_timer(COUNT_DELAY, self._count_now)
        else:
            self._load_sources()

    def _count_now(self) -> None:
        """The counts after stories were opened, now (the source list is about to show)."""
        if self._counts_timer is not None:
            self._counts_timer.stop()
            self._counts_timer = None
        if self._counts_due:
            self._counts_due = False
            self._load_sources()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, SourceList):
            self._count_now()

    @on(UnreadFound)
    def _unread_found(self, message: UnreadFound) -> None:
        if message.story_id is None:
            self.notify("No more unread stories " + ("after" if message.forward else "before")
                        + " this one.")
            return
        if message.view != self.view:
            self.view = message.view
        self.story_id = message.story_id

    def _reload_now(self) -> None:
        self._reload_pending = False
        self.headlines.reload(keep_position=True)
        self._load_sources()

    def _schedule_reload(self) -> None:
        if not self._reload_pending:
            self._reload_pending = True
            self.set_timer(RELOAD_DELAY, self._reload_now)

    # -- actions -----------------------------------------------------------------------------------
    def action_step(self, delta: int) -> None:
        if delta > 0:
            self.headlines.action_cursor_down()
        else:
            self.headlines.action_cursor_up()

    def action_next_unread(self) -> None:
        self._find_unread(self.view, self.story_id, True)

    def action_previous_unread(self) -> None:
        self._find_unread(self.view, self.story_id, False)

    def action_page(self) -> None:
        self.article_view.action_page()

    def action_toggle_read(self) -> None:
        if self.current is not None:
            self._flag(self.current.id, not self.current.read, None)

    def action_toggle_star(self) -> None:
        if self.current is not None:
            self._flag(self.current.id, None, not self.current.starred)

    def action_open_link(self) -> None:
        story = self.current
        if story is None:
            self.notify("No story is open.")
        elif not story.link:
            self.notify("This story has no link.")
        elif not is_safe_url(story.link):
            self.notify(f"Not opening {clean_line(story.link)}: only http and https links "
                        "open in the browser.", severity="warning", markup=False)
        else:
            self._browse(story.link)

    def action_toggle_sources(self) -> None:
        self.show_sources = not self.show_sources

    def action_mode(self, mode: ViewMode) -> None:
        self.view = replace(self.view, mode=mode)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(collect_bindings(self)))
