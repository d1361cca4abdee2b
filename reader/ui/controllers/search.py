"""Search and the archive: `/` searches every story as you type, `ctrl+s` keeps the search as
a smart feed, `D` deletes the smart feed on show, `A` marks every story of the view read
(`u` undoes it).

Results follow every keystroke, best matches first: the search thread
(`reader.store.search.runner.SearchRunner`, started at the keystroke; a worker awaits it)
ranks and counts the search, and only then does the list switch to it, so the list never
waits on a query and never shows an older search than the newest typed; the typed text is
drawn with its results. A newer keystroke stops the older search halfway, and an answer for
older text is dropped. While typing, the story on show does not change (opening marks read)
and no row is selected, so the list shows the best matches from the top; `enter` goes to the
first result. The matched words are marked in every story opened while the search is on.
`esc` (in the bar or in any pane) puts back the view, the story and the list's scroll
position from before.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.worker import get_current_worker

from reader.models import Headline, SmartFeed, View
from reader.render import Rendered
from reader.sanitize import clean_line
from reader.store.search.query import parse_query
from reader.store.search.runner import SearchResult, SearchRunner
from reader.ui.controllers.base import Controller
from reader.ui.highlight import highlight
from reader.ui.messages import CacheReady, SourcesLoaded
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.search_bar import SearchBar
from reader.words import plural

SMART_COUNTS_EVERY = 2.0  # seconds: smart feed counts are searches; refresh them at most this often


@dataclass(frozen=True, slots=True)
class Before:
    """Where the reader was when the search began: what `esc` puts back."""

    view: View
    story_id: int | None
    top: int
    focused: str | None


class SearchReady(Message):
    """`view` (the search of `text`) is ranked and counted: `total` stories, the best of
    which are `first_page` (None: not read)."""

    def __init__(self, text: str, view: View, total: int,
                 first_page: list[Headline] | None = None) -> None:
        super().__init__()
        self.text = text
        self.view = view
        self.total = total
        self.first_page = first_page


class SmartFeedsLoaded(Message):
    """The saved searches, read from the cache."""

    def __init__(self, feeds: tuple[SmartFeed, ...]) -> None:
        super().__init__()
        self.feeds = feeds


class SmartFeedSaved(Message):
    """A search was saved as a smart feed."""

    def __init__(self, feed: SmartFeed) -> None:
        super().__init__()
        self.feed = feed


class MarkedAllRead(Message):
    """Every story of `view` was marked read; `ids`: those that were unread (for undo)."""

    def __init__(self, view: View, ids: array[int]) -> None:
        super().__init__()
        self.view = view
        self.ids = ids


class SearchController(Controller):
    """Search as you type, smart feeds, and mark all read with undo."""

    HELP_GROUP: ClassVar[str] = "Search and archive"
    TASKS: ClassVar[dict[str, str]] = {
        "search": "The search", "search-count": "Counting the search",
        "smart": "Saving the smart feed", "smart-counts": "Counting the smart feeds",
        "mark-all": "Marking the stories read"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/", id="search"),
        Binding("A", "mark_all_read", "Mark all read", id="mark_all_read"),
        Binding("ctrl+s", "save_search", "Save search as smart feed", show=False,
                id="save_smart_feed"),
        Binding("D", "delete_smart_feed", "Delete smart feed", show=False,
                id="delete_smart_feed"),
    ]

    def __init__(self, searcher: SearchRunner, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.before: Before | None = None
        self._wanted: View | None = None  # what the newest keystroke searches for
        self._open_first = False  # enter came before its results: open the first when in
        self._smart_loaded_at = 0.0
        self._smart_timer: Timer | None = None
        self._searcher = searcher

    def on_mount(self) -> None:
        self.watch(self.host, "view", self._view_changed, init=False)

    def on_unmount(self) -> None:
        self._searcher.close()

    @property
    def searching(self) -> bool:
        """A search is on: its bar is open, or it is behind zen."""
        return self.before is not None or self.host.search_bar.is_open

    # -- search ---------------------------------------------------------------------------------
    def action_search(self) -> None:
        host = self.host
        host.zen = False  # a search shows its results in the list: out of zen for it
        bar = host.search_bar
        if bar.is_open:
            bar.input.focus()
            return
        focused = host.focused
        self.before = Before(host.view, host.story_id, int(host.headlines.scroll_y),
                             focused.id if focused is not None else None)
        bar.open()
        self._searcher.warm()  # while the first letter is being typed
        # The list keeps its scroll bar while searching: a count that hides or shows it
        # would cost a layout of the whole screen at a keystroke (opening the bar has one).
        host.headlines.add_class("-searching")

    @on(SearchBar.Changed)
    def _search_changed(self, message: SearchBar.Changed) -> None:
        text = message.text
        bar = self.host.search_bar
        self._open_first = False
        if not text.strip():
            self._wanted = None
            self._searcher.cancel()
            self.workers.cancel_group(self, "search")
            self._show(self.before.view if self.before is not None else View())
            bar.show_status("")
            bar.release_echo()
            return
        self._wanted = View(search=text)  # every story; 1/2/3 and is:… narrow it
        problems = parse_query(text, self.host.clock()).problems
        if problems:
            bar.show_status(problems[0], problem=True)
        # The search starts now, in the search thread (see reader.store.search.runner); the
        # worker only waits for it, so that a newer keystroke's worker replaces it.
        # Its first page is the rows the list shows (a full page reads 2-4 ms longer).
        rows = self.host.headlines.scrollable_content_region.height
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
        total = self.host.store.search.prepare(view, lambda: worker.is_cancelled)
        if total is not None and not worker.is_cancelled:
            self.post_message(SearchReady(view.search, view, total))

    @on(SearchReady)
    def _search_ready(self, message: SearchReady) -> None:
        host = self.host
        bar = host.search_bar
        if self.before is None or not bar.is_open:
            return  # the search ended meanwhile
        view = message.view
        if view != self._wanted and view != host.view:
            return  # an older search: the newer one's answer is on its way
        if not parse_query(message.text, host.clock()).problems:
            bar.show_status(plural(message.total, "story", "stories"))
        if view == self._wanted:
            if message.first_page is not None and view != host.view:
                host.headlines.prime(view, message.total, message.first_page)
            self._show(view)
            bar.release_echo()  # the typed text and its results: one frame
            self._wanted = None
            if self._open_first:
                self._open_first = False
                host.headlines.reload(keep_position=False, select_row=0)

    def _show(self, view: View) -> None:
        """Put `view` in the list. While a search is typed no row is selected, so the list
        shows its best matches from the top, not the open story's place among them (the
        article keeps the story); without words the list follows the open story again."""
        host = self.host
        if view == host.view:
            return
        host.headlines.set_reactive(HeadlineList.story_id,
                                    None if view.search.strip() else host.story_id)
        host.view = view

    def _view_changed(self, view: View) -> None:
        if self.before is not None and view.search.strip() and view != self._wanted:
            self._recount(view)  # e.g. 2 (unread) during a search: the bar counts it too

    def list_reloaded(self) -> None:
        """Stories came or went: count the search again."""
        view = self.host.view
        if self.before is not None and view.search.strip():
            self._recount(view)  # stories came or went: count the search again

    @on(SearchBar.Accepted)
    def _search_accepted(self, message: SearchBar.Accepted) -> None:
        host = self.host
        host.headlines.focus()
        if not message.text.strip():
            return
        if self._wanted is not None and self._wanted.search == message.text:
            self._open_first = True  # its results are on their way: open the first then
        elif host.view.search.strip():
            host.headlines.reload(keep_position=False, select_row=0)

    @on(SearchBar.Cancelled)
    def _search_cancelled(self) -> None:
        self.end_search()

    def end_search(self) -> None:
        """Close the search and put back the view, story and scroll position from before."""
        host = self.host
        before, self.before = self.before, None
        self._wanted, self._open_first = None, False
        self._searcher.cancel()
        self.workers.cancel_group(self, "search")
        host.search_bar.close()
        host.headlines.remove_class("-searching")
        if before is None:
            host.headlines.focus()
            return
        # The list follows the open story again (see `_show`).
        host.headlines.set_reactive(HeadlineList.story_id, host.story_id)
        if before.view != host.view:
            host.view = before.view
            host.headlines.restore_top(before.top)
        if before.story_id is not None and before.story_id != host.story_id:
            host.story_id = before.story_id
        target = next(iter(host.query(f"#{before.focused}")), None) if before.focused else None
        if target is not None and target.focusable and target.display:
            target.focus()
        else:
            host.headlines.focus()

    def decorate(self, rendered: Rendered) -> Rendered:
        """Mark the searched words in a story opened from search results (runs in the story
        worker's thread too: it reads only the view and the clock)."""
        search = self.host.view.search
        if not search.strip():
            return rendered
        return highlight(rendered, parse_query(search, self.host.clock()).terms)

    # -- smart feeds ----------------------------------------------------------------------------
    def action_save_search(self) -> None:
        view = self.host.view
        if not view.search.strip():
            self.notify("Search first (/), then keep the search as a smart feed (ctrl+s).")
            return
        self._save_smart(view.search, view)

    @on(SearchBar.SaveRequested)
    def _save_requested(self, message: SearchBar.SaveRequested) -> None:
        if not message.text.strip():
            self.notify("Type a search first; ctrl+s then keeps it as a smart feed.")
            return
        # The view on show, with the filters in force, once it shows what is typed.
        view = self.host.view
        view = view if view.search == message.text else View(search=message.text)
        self._save_smart(message.text, view)

    @work(thread=True, exit_on_error=False, group="smart")
    def _save_smart(self, name: str, view: View) -> None:
        feed = self.host.store.smart.save(name, replace(view, smart_id=None))
        self.post_message(SmartFeedSaved(feed))

    @on(SmartFeedSaved)
    def _smart_feed_saved(self, message: SmartFeedSaved) -> None:
        feed = message.feed
        self.notify(f"Saved the smart feed “{clean_line(feed.name)}” "
                    f"({plural(feed.total, 'story', 'stories')}).",
                    markup=False)
        self._smart_loaded_at = 0.0
        self.count_smart_feeds()

    def action_delete_smart_feed(self) -> None:
        host = self.host
        smart_id = host.view.smart_id
        if smart_id is None:
            self.notify("Open a smart feed from the source list first, then press D.")
            return
        name = next((f.name for f in host.smart_feeds if f.id == smart_id), "the smart feed")
        self._delete_smart(smart_id)
        self.notify(f"Deleted {clean_line(name)}.", markup=False)
        host.view = View()

    @work(thread=True, exit_on_error=False, group="smart")
    def _delete_smart(self, smart_id: int) -> None:
        store = self.host.store
        store.smart.delete(smart_id)
        self.post_message(SmartFeedsLoaded(tuple(store.smart.feeds())))

    @on(CacheReady)
    def _cache_ready(self, message: CacheReady) -> None:
        """The first look's sources are on screen (the sources are not read again for
        this): the smart feeds are counted once the first frame is drawn. Without a first
        look, the sources' own read (`SourcesLoaded`) starts the count."""
        if message.first is not None:
            self.call_after_refresh(self.count_smart_feeds)

    @on(SourcesLoaded)
    def _sources_loaded(self) -> None:
        """Sources and counts changed: count the smart feeds again, at most every 2 s."""
        wait = self._smart_loaded_at + SMART_COUNTS_EVERY - time.monotonic()
        if wait <= 0:
            self.count_smart_feeds()
        elif self._smart_timer is None:
            self._smart_timer = self.set_timer(wait, self.count_smart_feeds)

    def count_smart_feeds(self) -> None:
        self._smart_timer = None
        self._smart_loaded_at = time.monotonic()
        self._load_smart_feeds()

    @work(thread=True, exit_on_error=False, exclusive=True, group="smart-counts")
    def _load_smart_feeds(self) -> None:
        feeds = tuple(self.host.store.smart.feeds())
        if not get_current_worker().is_cancelled:
            self.post_message(SmartFeedsLoaded(feeds))

    @on(SmartFeedsLoaded)
    def _smart_feeds_loaded(self, message: SmartFeedsLoaded) -> None:
        self.host.smart_feeds = message.feeds

    # -- mark all read, undo --------------------------------------------------------------------
    def action_mark_all_read(self) -> None:
        self._mark_all(self.host.view)

    @work(thread=True, exit_on_error=False, group="mark-all")
    def _mark_all(self, view: View) -> None:
        self.post_message(MarkedAllRead(view, self.host.store.views.mark_read(view)))

    @on(MarkedAllRead)
    def _marked_all_read(self, message: MarkedAllRead) -> None:
        host = self.host
        ids = message.ids
        if not ids:
            self.notify("Nothing unread here.")
            return
        count = len(ids)
        noun = "story" if count == 1 else "stories"
        self.notify(f"Marked {count:,} {noun} read. Press u to undo.")
        if host.current is not None and host.current.id in set(ids):
            host.current = replace(host.current, read=True)
        store = host.store

        def undo() -> str:
            store.views.set_read_many(ids, False)
            return ""

        def after() -> None:
            if host.current is not None and host.current.id in set(ids):
                host.current = replace(host.current, read=False)
            host.reload_now()

        host.undo.push(f"marking {count:,} {noun} read", undo, after)
        host.reload_now()
