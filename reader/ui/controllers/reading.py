"""Navigation and reading: which story is open, loading it, its marks, and the next unread.

Keys: `j`/`k` (next/previous headline), `n`/`p` (next/previous unread, across sources),
`space` (page, then the next unread), `m` (read), `s` (star), `1`/`2`/`3` (all, unread,
starred). Every cache call runs in a thread worker that answers with a message, so the
event loop only draws and keys always answer, even during a refresh.

A key press costs one frame: once a story is on screen, its worker reads its neighbours in
the list (the next, then the previous) and lays them out for the pane (`ready.py`), so `j`
or `k` swaps a ready page in the very frame that moves the cursor; the teasers follow a
frame later. A story not ready loads in a thread once the cursor's frame is drawn (a long
story's beginning first), and a burst of presses loads only the story the cursor stops on.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import ClassVar

from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.worker import get_current_worker

from reader.models import Story, Teaser, View, ViewMode
from reader.render import Rendered
from reader.ui.controllers.base import Controller
from reader.ui.controllers.ready import (
    Layout,
    Prefetched,
    ReadyStories,
    layout_of,
    prepare_ready,
)
from reader.ui.heap import HeapFreeze
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
from reader.ui.navigation import find_unread
from reader.ui.widgets.article_body import Page
from reader.ui.widgets.article_view import quick_part, stub_for
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.source_list import SourceList
from reader.ui.widgets.teaser_sidebar import TeaserRows

COUNT_DELAY = 1.0  # seconds without opening a story before the source counts are redone


class StoryReady(StoryLoaded):
    """A loaded story with its article already laid out for the pane, in the worker;
    `partial`: only the beginning of a long story, the whole of it follows; `in_place`: a
    newer reading of the story on show, so the reader's place is kept."""

    def __init__(self, story: Story, rendered: Rendered, teasers: tuple[Teaser, ...],
                 page: Page, partial: bool = False, drawn: threading.Event | None = None,
                 in_place: bool = False) -> None:
        super().__init__(story, rendered, teasers)
        self.page = page
        self.partial = partial
        self.drawn = drawn  # set once the page is on screen
        self.in_place = in_place


class TeasersReady(Message):
    """The sidebar's teasers for a story: they follow the story, never hold it up."""

    def __init__(self, story_id: int, teasers: tuple[Teaser, ...],
                 rows: TeaserRows | None = None) -> None:
        super().__init__()
        self.story_id = story_id
        self.teasers = teasers
        self.rows = rows


def _wait_drawn(drawn: threading.Event) -> None:
    """Wait (a second at most) until the page is drawn or the worker is cancelled."""
    worker = get_current_worker()
    for _ in range(50):
        if drawn.wait(0.02) or worker.is_cancelled:
            return


class ReadingController(Controller):
    """The reading loop: the open story, its loading, its flags, and where `n` lands."""

    HELP_GROUP: ClassVar[str] = "Reading"
    TASKS: ClassVar[dict[str, str]] = {
        "sources": "Counting stories", "story": "Opening the story",
        "flags": "Saving the story's marks", "unread": "Finding the next unread story"}
    BINDINGS: ClassVar[list[BindingType]] = [
        # Every binding has an id: its name in the config file's [keys] table.
        Binding("n", "next_unread", "Next unread", id="next_unread"),
        Binding("p", "previous_unread", "Prev unread", show=False, id="previous_unread"),
        Binding("space", "page", "Page / next unread", show=False, id="page"),
        Binding("j", "step(1)", "Next story", show=False, id="next_story"),
        Binding("k", "step(-1)", "Previous story", show=False, id="previous_story"),
        Binding("m", "toggle_read", "Read/unread", id="toggle_read"),
        Binding("s", "toggle_star", "Star", id="toggle_star"),
        Binding("1", "mode('all')", "View all", show=False, id="view_all"),
        Binding("2", "mode('unread')", "View unread", show=False, id="view_unread"),
        Binding("3", "mode('starred')", "View starred", show=False, id="view_starred"),
    ]

    def __init__(self, *, open_story: int | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.open_story = open_story
        self._load_scheduled = False
        self._partial_of: int | None = None  # the long story whose beginning is on show
        self._opened: set[int] = set()  # stories being marked read because they were opened
        self._counts_due = False
        self._counts_timer: Timer | None = None
        self._heap = HeapFreeze()  # start-up frozen after the first story (reader.ui.heap)
        self._ready = ReadyStories()
        self._shown_ready: Story | None = None  # the story on show came from `_ready`

    def on_mount(self) -> None:
        host = self.host
        # A headline chosen shows its story in the frame that moves the cursor: a message
        # would reach this controller only after that frame.
        host.headlines.opener = self.open_story_id
        self.watch(host, "story_id", self._story_changed, init=False)
        self.watch(host, "article", self._article_changed, init=False)
        self.watch(host, "show_sources", self._sources_shown, init=False)

    def on_unmount(self) -> None:
        self._heap.thaw()  # the app's objects can be collected again once it is gone

    # -- state flowing down ------------------------------------------------------------------------
    def _story_changed(self, story_id: int | None) -> None:
        view = self.host.article_view
        if view.story is None or view.story.id != story_id:
            view.feed_text = False  # a new story opens on its best text
        self._partial_of = None
        self._shown_ready = None
        ready = self._ready.get(story_id, layout_of(self.host))
        if ready is not None:  # shown in the frame under way; its teasers follow
            self._shown_ready = ready.story
            self._story_loaded(StoryReady(ready.story, ready.rendered, (), ready.page))
            self.call_after_refresh(self._show_teasers, ready.story.id, ready.teasers,
                                    ready.rows)
        # The story loads once the frame that moves the cursor is drawn: that frame never
        # waits on the worker, and a burst of key presses starts one load, for the last.
        if story_id is not None and not self._load_scheduled:
            self._load_scheduled = True
            self.call_after_refresh(self._load_wanted)

    def _load_wanted(self) -> None:
        self._load_scheduled = False
        story_id = self.host.story_id
        if story_id is None:
            return
        headlines, layout = self.host.headlines, layout_of(self.host)
        neighbours = [headline.id for row in (headlines.cursor + 1, headlines.cursor - 1)
                      if row >= 0 and (headline := headlines.headline_at(row)) is not None
                      and headline.id != story_id
                      and self._ready.get(headline.id, layout) is None]
        self._load(story_id, self._shown_ready, tuple(neighbours), layout)

    def _article_changed(self, rendered: Rendered | None) -> None:
        """The article view gets the story that goes with the page it shows."""
        view = self.host.article_view
        view.story = self.host.current if rendered is not None else None
        view.update_titles()

    def _sources_shown(self, show: bool) -> None:
        if show:
            self.count_now()

    # -- workers (thread: SQLite, layout) ----------------------------------------------------------
    @work(thread=True, exit_on_error=False, exclusive=True, group="sources")
    def load_sources(self) -> None:
        store = self.host.store
        sources, counts = tuple(store.sources()), store.views.counts()
        if not get_current_worker().is_cancelled:
            self.post_message(SourcesLoaded(sources, counts))

    def load_story(self, story_id: int) -> None:
        """Read `story_id` from the cache and show it (again)."""
        self._load(story_id, None, (), layout_of(self.host))

    @work(thread=True, exit_on_error=False, exclusive=True, group="story")
    def _load(self, story_id: int, shown: Story | None, neighbours: tuple[int, ...],
              layout: Layout) -> None:
        """Read-only, so a newer request may cancel it; marking read waits until it shows.

        `shown`: the story is on show already, from the ready cache, as it was then: it is
        shown again only if the cache has changed it since. Then `neighbours` are made ready."""
        worker = get_current_worker()
        host = self.host
        story = host.store.story(story_id)
        if story is None:
            self.post_message(StoryMissing(story_id))
            return
        if worker.is_cancelled:
            return
        # (Its marks are the screen's to keep: only a change of its text is shown again.)
        if shown is None or replace(story, read=shown.read, starred=shown.starred) != shown:
            drawn = self._show(story, layout, in_place=shown is not None)
            if drawn is None:
                return
            # The neighbours are laid out once the story is drawn: a thread working while
            # the event loop draws would take the GIL from it.
            _wait_drawn(drawn)
        for neighbour in neighbours:
            if worker.is_cancelled:
                return
            found = host.store.story(neighbour)
            if found is not None and not worker.is_cancelled:
                self.post_message(Prefetched(prepare_ready(host, found, layout)))

    def _show(self, story: Story, layout: Layout, *, in_place: bool) -> threading.Event | None:
        """Show `story` (its beginning first when long); the event set once it is drawn, or
        None when a newer request cancelled this one."""
        worker = get_current_worker()
        host = self.host
        view = host.article_view
        quick = None if in_place else quick_part(story)  # a long one: its beginning first
        if quick is not None:
            rendered = host.decorate_article(view.render_story(quick))
            drawn = threading.Event()
            self.post_message(StoryReady(story, rendered, (), view.prepare(rendered), True,
                                         drawn))
            # The rest renders once the beginning is drawn: a thread rendering meanwhile
            # would take the GIL from the event loop while it draws.
            _wait_drawn(drawn)
            if worker.is_cancelled:
                return None
        # The page is laid out and the teasers wrapped here, so the pane only swaps them in;
        # all done before the story is posted: a thread still working while the event loop
        # draws the story would take the GIL from it.
        ready = prepare_ready(host, story, layout)
        if worker.is_cancelled:
            return None
        drawn = threading.Event()
        self.post_message(StoryReady(story, ready.rendered, (), ready.page, drawn=drawn,
                                     in_place=in_place))
        self.post_message(TeasersReady(story.id, ready.teasers, ready.rows))
        self.post_message(Prefetched(ready))  # `k` back to it is ready too
        return drawn

    @work(thread=True, exit_on_error=False, group="flags")
    def _flag(self, story_id: int, read: bool | None, starred: bool | None) -> None:
        store = self.host.store
        if read is not None:
            store.set_read([story_id], read)
        if starred is not None:
            store.set_starred(story_id, starred)
        self.post_message(StoryFlagged(story_id, read, starred))

    @work(thread=True, exit_on_error=False, exclusive=True, group="unread")
    def _find_unread(self, view: View, story_id: int | None, forward: bool) -> None:
        view, found = find_unread(self.host.store, view, story_id, forward)
        self.post_message(UnreadFound(view, found, forward))

    # -- the list and counts, reloaded -------------------------------------------------------------
    def reload_now(self) -> None:
        """Stories came or went: the list keeps its place, the counts are redone (the
        screen's `reload_now` does this and more: call that one)."""
        self._ready.clear()  # the teasers, if not the stories, may have changed
        self.host.headlines.reload(keep_position=True)
        self.load_sources()

    def count_now(self) -> None:
        """The counts after stories were opened, now (the source list is about to show)."""
        if self._counts_timer is not None:
            self._counts_timer.stop()
            self._counts_timer = None
        if self._counts_due:
            self._counts_due = False
            self.load_sources()

    # -- answers from workers and panes ------------------------------------------------------------
    @on(CacheReady)
    def _cache_ready(self, message: CacheReady) -> None:
        host, first = self.host, message.first
        headlines = host.headlines
        if first is None:
            self.load_sources()
        else:  # read before the first frame: the list shows it as it is drawn ...
            host.sources, host.counts = first.sources, first.counts
            # (not read again after it: the sync line and the smart feeds' counts start
            # from `CacheReady` too, once the frame is drawn)
        if self.open_story is not None:
            host.story_id = self.open_story
            headlines.reload(keep_position=False)
        else:
            if first is not None:
                headlines.prime(first.view, first.total, first.rows)
            headlines.reload(keep_position=False, select_row=0)

    @on(SourcesLoaded)
    def _sources_loaded(self, message: SourcesLoaded) -> None:
        self.host.sources = message.sources
        self.host.counts = message.counts

    @on(OpenStory)
    def _open_story_message(self, message: OpenStory) -> None:
        message.stop()  # (the screen hands on only what is posted to it directly)
        self.open_story_id(message.story_id)

    def open_story_id(self, story_id: int) -> None:
        """Show this story (a headline, a teaser or the palette chose it)."""
        host = self.host
        if story_id == host.story_id:
            if host.current is None or host.current.id != story_id:
                self.load_story(story_id)  # e.g. back from a teaser stub
        else:
            host.story_id = story_id

    @on(StoryLoaded)
    def _story_loaded(self, message: StoryLoaded) -> None:
        host = self.host
        if message.story.id != host.story_id:
            return  # the reader has moved on
        # The whole of a long story whose beginning is on show: same story, same place.
        partial = isinstance(message, StoryReady) and message.partial
        continues = ((self._partial_of == message.story.id and not partial)
                     or (isinstance(message, StoryReady) and message.in_place))
        self._partial_of = message.story.id if partial else None
        host.current = message.story
        if not self.app.is_headless and self._heap.ask():  # (tests run many apps)
            self.call_after_refresh(self._heap.freeze)
        if isinstance(message, StoryReady):
            host.article_view.offer(message.rendered, message.page, partial=partial,
                                    continues=continues)
            if message.drawn is not None:
                self.call_after_refresh(message.drawn.set)
        host.article = message.rendered
        if not isinstance(message, StoryReady):
            self._show_teasers(message.story.id, message.teasers)
        if not message.story.read and not continues:
            # Opening a story marks it read, once the story is drawn.
            self._opened.add(message.story.id)
            self.call_after_refresh(self._mark_opened, message.story.id)

    def _mark_opened(self, story_id: int) -> None:
        """Mark a story read for being opened, if it was drawn: a key pressed in the same
        frame may have moved on from it (two ready stories, one frame)."""
        if story_id == self.host.story_id:
            self._flag(story_id, True, None)
        else:
            self._opened.discard(story_id)

    @on(Prefetched)
    def _prefetched(self, message: Prefetched) -> None:
        self._ready.keep(message.ready, layout_of(self.host))

    @on(TeasersReady)
    def _teasers_ready(self, message: TeasersReady) -> None:
        # After the next frame: the story shows without waiting for the sidebar.
        self.call_after_refresh(self._show_teasers, message.story_id, message.teasers,
                                message.rows)

    def _show_teasers(self, story_id: int, teasers: tuple[Teaser, ...],
                      rows: TeaserRows | None = None) -> None:
        host = self.host
        if story_id == host.story_id:
            if rows is not None:
                host.teaser_sidebar.offer(teasers, rows)
            host.teasers = teasers

    @on(StoryMissing)
    def _story_missing(self, message: StoryMissing) -> None:
        self.notify("That story is no longer in the cache.", severity="warning")

    @on(ShowStub)
    def _show_stub(self, message: ShowStub) -> None:
        self.workers.cancel_group(self, "story")  # a story still loading stays away
        self._partial_of = None
        self.host.current = None
        self.host.article = stub_for(message.teaser)

    @on(ArticleEnd)
    def _article_end(self) -> None:
        self.action_next_unread()

    @on(ChooseView)
    def _choose_view_message(self, message: ChooseView) -> None:
        message.stop()  # (the screen hands on only what is posted to it directly)
        self.choose_view(message.view, open_first=message.open_first)

    def choose_view(self, view: View, *, open_first: bool = False) -> None:
        """Show `view` in the list (the source list or the palette chose it)."""
        headlines = self.host.headlines
        self.host.view = view
        if open_first:
            headlines.reload(keep_position=False, select_row=0)
        headlines.focus()

    @on(StoryFlagged)
    def _flagged(self, message: StoryFlagged) -> None:
        host = self.host
        host.headlines.mark(message.story_id, read=message.read, starred=message.starred)
        self._ready.marked(message.story_id, read=message.read, starred=message.starred)
        current = host.current
        if current is not None and current.id == message.story_id:
            host.current = replace(
                current,
                read=current.read if message.read is None else message.read,
                starred=current.starred if message.starred is None else message.starred)
        opened = message.story_id in self._opened
        self._opened.discard(message.story_id)
        if opened and not host.source_list.display:
            # Marked read by opening it, with the source list out of sight: count again once
            # the reader stops moving (or the list shows). Counting redraws the source list,
            # ~35 ms of the event loop at 250 sources, which a key pressed meanwhile awaits.
            self._counts_due = True
            if self._counts_timer is not None:
                self._counts_timer.stop()
            self._counts_timer = self.set_timer(COUNT_DELAY, self.count_now)
        else:
            self.load_sources()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, SourceList):
            self.count_now()

    @on(UnreadFound)
    def _unread_found(self, message: UnreadFound) -> None:
        if message.story_id is None:
            self.notify("No more unread stories " + ("after" if message.forward else "before")
                        + " this one.")
            return
        if message.view != self.host.view:
            self.host.view = message.view
        self.host.story_id = message.story_id

    @on(HeadlineList.Position)
    def _position_changed(self, message: HeadlineList.Position) -> None:
        """The article's border counts where the story sits in the list ("3 of 120")."""
        index, total = message.index, message.total
        label = {"unread": " unread", "starred": " starred"}.get(self.host.view.mode, "")
        article = self.host.article_view
        article.position = (f"{index + 1:,} of {total:,}{label}"
                            if index >= 0 and total else "")
        article.update_titles()

    # -- actions -----------------------------------------------------------------------------------
    def action_step(self, delta: int) -> None:
        if delta > 0:
            self.host.headlines.action_cursor_down()
        else:
            self.host.headlines.action_cursor_up()

    def action_next_unread(self) -> None:
        self._find_unread(self.host.view, self.host.story_id, True)

    def action_previous_unread(self) -> None:
        self._find_unread(self.host.view, self.host.story_id, False)

    def action_page(self) -> None:
        self.host.article_view.action_page()

    def action_toggle_read(self) -> None:
        current = self.host.current
        if current is not None:
            self._flag(current.id, not current.read, None)

    def action_toggle_star(self) -> None:
        current = self.host.current
        if current is not None:
            self._flag(current.id, None, not current.starred)

    def action_mode(self, mode: ViewMode) -> None:
        self.host.view = replace(self.host.view, mode=mode)

