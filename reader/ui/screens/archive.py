"""The main screen's answers for a big archive: search, smart feeds, mark all read, retention.

A layer between `MainScreen` (panes and the reading loop) and `ReaderScreen` (layouts and
comfort), so each stays about one thing:

* `/` opens the search bar. Results follow every keystroke, best matches first: the search
  thread (`reader.store.searching.SearchRunner`, started at the keystroke; a worker awaits
  it) ranks and counts the search (`Store.prepare_search`, kept for the list's own count
  and pages), and only then does the list switch to it, so the list never waits on a query
  and never shows an older search than the newest typed; the typed text is drawn with its
  results (`SearchInput.hold_echo`). A newer keystroke stops the older search halfway
  (SQLite's progress handler), and an answer for older text is dropped. While
  typing, the story on show does not change (opening marks read) and no row is selected, so
  the list shows the best matches from the top; `enter` goes to the first result. The
  matched words are marked in every story opened while the search is on. `esc` (in the bar
  or in any pane) puts back the view, the story and the list's scroll position from before.
* `ctrl+s` keeps the search (with the filters in force) as a smart feed: listed with the
  sources, with counts, kept in the cache. `D` deletes the smart feed on show.
* `A` marks every unread story of the view read in one transaction; `u` (the app's undo)
  marks exactly those stories unread again.
* Retention runs in a background worker a minute after start (never during it) and every
  few hours, with the policy of the configuration's `retention` settings.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import var
from textual.timer import Timer
from textual.worker import get_current_worker

from reader.models import Headline, SmartFeed, View
from reader.render import Rendered
from reader.sanitize import clean_line
from reader.store import Store
from reader.store.retention import RetentionPolicy, RetentionResult, apply_retention
from reader.store.search import parse_query
from reader.store.searching import SearchResult, SearchRunner
from reader.ui.highlight import highlight
from reader.ui.messages import SourcesLoaded
from reader.ui.screens import main as main_screen
from reader.ui.screens.feeds import FeedsScreen
from reader.ui.widgets.headline_list import PAGE_SIZE, HeadlineList
from reader.ui.widgets.search_bar import SearchBar
from reader.ui.widgets.source_list import SourceList

RETENTION_FIRST = 60.0  # seconds after start: never during start-up
RETENTION_EVERY = 6 * 3600.0
SMART_COUNTS_EVERY = 2.0  # seconds: smart feed counts are searches; refresh them at most this often
main_screen.TASKS.update({"search": "The search", "search-count": "Counting the search",
                          "smart": "Saving the smart feed",
                          "smart-counts": "Counting the smart feeds",
                          "mark-all": "Marking the stories read", "retention": "Retention"})


@dataclass(frozen=True, slots=True)
class Before:
    """Where the reader was when the search began: what `esc` puts back."""

    view: View
    story_id: int | None
    top: int
    focused: str | None


@dataclass
class SearchReady(Message):
    """`view` (the search of `text`) is ranked and counted: `total` stories, the best of
    which are `first_page` (None: not read)."""

    text: str
    view: View
    total: int
    first_page: list[Headline] | None = None


@dataclass
class SmartFeedsLoaded(Message):
    feeds: tuple[SmartFeed, ...]


@dataclass
class SmartFeedSaved(Message):
    feed: SmartFeed


@dataclass
class MarkedAllRead(Message):
    view: View
    ids: array[int]


@dataclass
class RetentionDone(Message):
    result: RetentionResult


class ArchiveScreen(FeedsScreen):
    """Search, smart feeds, mark all read with undo, and background retention."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/", id="search"),
        Binding("A", "mark_all_read", "Mark all read", id="mark_all_read"),
        Binding("ctrl+s", "save_search", "Save search as smart feed", show=False,
                id="save_smart_feed"),
        Binding("D", "delete_smart_feed", "Delete smart feed", show=False,
                id="delete_smart_feed"),
    ]

    smart_feeds: var[tuple[SmartFeed, ...]] = var(())

    def __init__(self, store: Store, *, clock: Callable[[], float], open_story: int | None,
                 offline: bool, refresh_on_start: bool) -> None:
        super().__init__(store, clock=clock, open_story=open_story, offline=offline,
                         refresh_on_start=refresh_on_start)
        self.before: Before | None = None
        self._wanted: View | None = None  # what the newest keystroke searches for
        self._open_first = False  # enter came before its results: open the first when in
        self._smart_loaded_at = 0.0
        self._smart_timer: Timer | None = None
        self._searcher = SearchRunner(store, PAGE_SIZE)

    def on_mount(self) -> None:
        self.mount(SearchBar(id="search"), before=self.query_one("#panes"))
        self.set_timer(RETENTION_FIRST, self.run_retention)
        self.set_interval(RETENTION_EVERY, self.run_retention)

    def on_unmount(self) -> None:
        self._searcher.close()  # (MainScreen's own on_unmount runs too: Textual calls each)

    @property
    def search_bar(self) -> SearchBar:
        return self.query_one(SearchBar)

    # -- search ---------------------------------------------------------------------------------
    def action_search(self) -> None:
        bar = self.search_bar
        if bar.is_open:
            bar.input.focus()
            return
        focused = self.focused
        self.before = Before(self.view, self.story_id, int(self.headlines.scroll_y),
                             focused.id if focused is not None else None)
        bar.open()
        self._searcher.warm()  # while the first letter is being typed
        # The list keeps its scroll bar while searching: a count that hides or shows it
        # would cost a layout of the whole screen at a keystroke (opening the bar has one).
        self.headlines.add_class("-searching")

    def on_search_bar_changed(self, message: SearchBar.Changed) -> None:
        text = message.text
        self._open_first = False
        if not text.strip():
            self._wanted = None
            self._searcher.cancel()
            self.workers.cancel_group(self, "search")
            self._show(self.before.view if self.before is not None else View())
            self.search_bar.show_status("")
            self.search_bar.release_echo()
            return
        self._wanted = View(search=text)  # every story; 1/2/3 and is:… narrow it
        problems = parse_query(text, self.clock()).problems
        if problems:
            self.search_bar.show_status(problems[0], problem=True)
        # The search starts now, in the search thread (see reader.store.searching); the
        # worker only waits for it, so that a newer keystroke's worker replaces it.
        # Its first page is the rows the list shows (a full page reads 2-4 ms longer).
        rows = self.headlines.scrollable_content_region.height
        self._await_search(text, self._searcher.submit(self._wanted, rows))

    @work(exit_on_error=False, exclusive=True, group="search")
    async def _await_search(self, text: str, job: Future[SearchResult | None]) -> None:
        """Wait for the search thread to rank, count and read the best matches of `text`; a
        newer keystroke stops that search within a few milliseconds. The count and the first
        page come to the list together: it draws them in one frame."""
        result = await asyncio.wrap_future(job)
        if result is not None:
            self.post_message(SearchReady(text, result.view, result.total, result.rows))

    @work(thread=True, exit_on_error=False, exclusive=True, group="search-count")
    def _recount(self, view: View) -> None:
        """Count the view on show again (a mode key, a refresh), for the bar."""
        worker = get_current_worker()
        total = self.store.prepare_search(view, lambda: worker.is_cancelled)
        if total is not None and not worker.is_cancelled:
            self.post_message(SearchReady(view.search, view, total))

    def on_search_ready(self, message: SearchReady) -> None:
        if self.before is None or not self.search_bar.is_open:
            return  # the search ended meanwhile
        view = message.view
        if view != self._wanted and view != self.view:
            return  # an older search: the newer one's answer is on its way
        if not parse_query(message.text, self.clock()).problems:
            total = message.total
            self.search_bar.show_status(f"{total:,} {'story' if total == 1 else 'stories'}")
        if view == self._wanted:
            if message.first_page is not None and view != self.view:
                self.headlines.prime(view, message.total, message.first_page)
            self._show(view)
            self.search_bar.release_echo()  # the typed text and its results: one frame
            self._wanted = None
            if self._open_first:
                self._open_first = False
                self.headlines.reload(keep_position=False, select_row=0)

    def _show(self, view: View) -> None:
        """Put `view` in the list. While a search is typed no row is selected, so the list
        shows its best matches from the top, not the open story's place among them (the
        article keeps the story); without words the list follows the open story again."""
        if view == self.view:
            return
        self.headlines.set_reactive(HeadlineList.story_id,
                                    None if view.search.strip() else self.story_id)
        self.view = view

    def watch_view(self, view: View) -> None:
        super().watch_view(view)
        if self.before is not None and view.search.strip() and view != self._wanted:
            self._recount(view)  # e.g. 2 (unread) during a search: the bar counts it too

    def _reload_now(self) -> None:
        super()._reload_now()
        if self.before is not None and self.view.search.strip():
            self._recount(self.view)  # stories came or went: count the search again

    def on_search_bar_accepted(self, message: SearchBar.Accepted) -> None:
        self.headlines.focus()
        if not message.text.strip():
            return
        if self._wanted is not None and self._wanted.search == message.text:
            self._open_first = True  # its results are on their way: open the first then
        elif self.view.search.strip():
            self.headlines.reload(keep_position=False, select_row=0)

    def on_search_bar_cancelled(self, message: SearchBar.Cancelled) -> None:
        self.action_end_search()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "end_search":
            return self.before is not None or self.search_bar.is_open
        return super().check_action(action, parameters)

    def action_end_search(self) -> None:
        """Close the search and put back the view, story and scroll position from before."""
        before, self.before = self.before, None
        self._wanted, self._open_first = None, False
        self._searcher.cancel()
        self.workers.cancel_group(self, "search")
        self.search_bar.close()
        self.headlines.remove_class("-searching")
        if before is None:
            self.headlines.focus()
            return
        # The list follows the open story again (see `_show`).
        self.headlines.set_reactive(HeadlineList.story_id, self.story_id)
        if before.view != self.view:
            self.view = before.view
            self.headlines.restore_top(before.top)
        if before.story_id is not None and before.story_id != self.story_id:
            self.story_id = before.story_id
        target = next(iter(self.query(f"#{before.focused}")), None) if before.focused else None
        if target is not None and target.focusable and target.display:
            target.focus()
        else:
            self.headlines.focus()

    def decorate_article(self, rendered: Rendered) -> Rendered:
        """Mark the searched words in a story opened from search results."""
        search = self.view.search
        if not search.strip():
            return rendered
        return highlight(rendered, parse_query(search, self.clock()).terms)

    # -- smart feeds ----------------------------------------------------------------------------
    def action_save_search(self) -> None:
        view = self.view
        if not view.search.strip():
            self.notify("Search first (/), then keep the search as a smart feed (ctrl+s).")
            return
        self._save_smart(view.search, view)

    def on_search_bar_save_requested(self, message: SearchBar.SaveRequested) -> None:
        if not message.text.strip():
            self.notify("Type a search first; ctrl+s then keeps it as a smart feed.")
            return
        # The view on show, with the filters in force, once it shows what is typed.
        view = self.view if self.view.search == message.text else View(search=message.text)
        self._save_smart(message.text, view)

    @work(thread=True, exit_on_error=False, group="smart")
    def _save_smart(self, name: str, view: View) -> None:
        feed = self.store.save_smart_feed(name, replace(view, smart_id=None))
        self.post_message(SmartFeedSaved(feed))

    def on_smart_feed_saved(self, message: SmartFeedSaved) -> None:
        feed = message.feed
        self.notify(f"Saved the smart feed “{clean_line(feed.name)}” ({feed.total:,} stories).",
                    markup=False)
        self._smart_loaded_at = 0.0
        self._count_smart_feeds()

    def action_delete_smart_feed(self) -> None:
        smart_id = self.view.smart_id
        if smart_id is None:
            self.notify("Open a smart feed from the source list first, then press D.")
            return
        name = next((f.name for f in self.smart_feeds if f.id == smart_id), "the smart feed")
        self._delete_smart(smart_id)
        self.notify(f"Deleted {clean_line(name)}.", markup=False)
        self.view = View()

    @work(thread=True, exit_on_error=False, group="smart")
    def _delete_smart(self, smart_id: int) -> None:
        self.store.delete_smart_feed(smart_id)
        self.post_message(SmartFeedsLoaded(tuple(self.store.smart_feeds())))

    def on_sources_loaded(self, message: SourcesLoaded) -> None:
        """Sources and counts changed: count the smart feeds again, at most every 2 s."""
        wait = self._smart_loaded_at + SMART_COUNTS_EVERY - time.monotonic()
        if wait <= 0:
            self._count_smart_feeds()
        elif self._smart_timer is None:
            self._smart_timer = self.set_timer(wait, self._count_smart_feeds)

    def _count_smart_feeds(self) -> None:
        self._smart_timer = None
        self._smart_loaded_at = time.monotonic()
        self._load_smart_feeds()

    @work(thread=True, exit_on_error=False, exclusive=True, group="smart-counts")
    def _load_smart_feeds(self) -> None:
        feeds = tuple(self.store.smart_feeds())
        if not get_current_worker().is_cancelled:
            self.post_message(SmartFeedsLoaded(feeds))

    def on_smart_feeds_loaded(self, message: SmartFeedsLoaded) -> None:
        self.smart_feeds = message.feeds

    def watch_smart_feeds(self, feeds: tuple[SmartFeed, ...]) -> None:
        self.query_one(SourceList).smart_feeds = feeds

    # -- mark all read, undo --------------------------------------------------------------------
    def action_mark_all_read(self) -> None:
        self._mark_all(self.view)

    @work(thread=True, exit_on_error=False, group="mark-all")
    def _mark_all(self, view: View) -> None:
        self.post_message(MarkedAllRead(view, self.store.mark_view_read(view)))

    def on_marked_all_read(self, message: MarkedAllRead) -> None:
        ids = message.ids
        if not ids:
            self.notify("Nothing unread here.")
            return
        count = len(ids)
        noun = "story" if count == 1 else "stories"
        self.notify(f"Marked {count:,} {noun} read. Press u to undo.")
        if self.current is not None and self.current.id in set(ids):
            self.current = replace(self.current, read=True)
        store = self.store

        def undo() -> str:
            store.set_read_many(ids, False)
            return ""

        def after() -> None:
            if self.current is not None and self.current.id in set(ids):
                self.current = replace(self.current, read=False)
            self._reload_now()

        push_undo = getattr(self.app, "push_undo", None)
        if push_undo is not None:
            push_undo(f"marking {count:,} {noun} read", undo, after)
        self._reload_now()

    # -- retention ------------------------------------------------------------------------------
    def retention_policy(self) -> RetentionPolicy:
        return RetentionPolicy.from_config(getattr(self, "config", None))

    def run_retention(self) -> None:
        policy = self.retention_policy()
        if policy.active:
            self._retain(policy)

    @work(thread=True, exit_on_error=False, exclusive=True, group="retention")
    def _retain(self, policy: RetentionPolicy) -> None:
        worker = get_current_worker()
        result = apply_retention(self.store, policy, should_stop=lambda: worker.is_cancelled)
        self.post_message(RetentionDone(result))

    def on_retention_done(self, message: RetentionDone) -> None:
        if message.result.removed:
            self._reload_now()
