"""Where the headline list's rows come from: counts and pages read from SQLite in workers.

Only the count comes from the database up front; rows come in pages of `PAGE_SIZE`, fetched in
thread workers when `render_line` first needs them, kept in a small LRU of `MAX_PAGES` pages
(`headline_pages`). A row whose page has not arrived draws as a dim placeholder until it does.

The count and the page on show come back together, from one worker (or ready-made from the
screen's search worker: `prime`), so a new view draws in one frame; the scroll extent changes
without a layout of the screen (`fit_virtual_size`).

Every reload bumps a generation number. Pages and answers from an older generation are
dropped (a view change) or drawn only until fresh ones arrive (a refresh), so a refresh never
blanks the list and never moves the story the reader is on.

A row asked for (`reload(select_row=...)`: a source just added, a search's first result) is
opened once the list knows its rows, however many reloads come in between (a refresh ending
at start-up reloads at any moment); only the reader's own choice (a key, a click, another
view or story) or a newer request replaces it.

Apart from the widget (`headline_list`, which subclasses this) so that loading and the
cursor's place among the loaded rows read on their own, and the widget keeps to keys,
styles and drawing.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.worker import Worker, WorkerState

from reader.models import Headline, View
from reader.sanitize import clean_line
from reader.store import Store
from reader.ui.messages import OpenStory
from reader.ui.widgets.article_body import fit_virtual_size
from reader.ui.widgets.component_styles import LinePane
from reader.ui.widgets.headline_pages import PAGE_SIZE, HeadlinePages

__all__ = ["HeadlineLoading"]


class HeadlineLoading(LinePane):
    """The headline list's counting, paging and cursor following; `HeadlineList` draws it."""

    view: reactive[View] = reactive(View(), init=False)
    """The rows to show; bound to the screen's view."""
    story_id: reactive[int | None] = reactive(None, init=False, repaint=False)
    """The story the article shows; bound to the screen's story id. The cursor follows it."""
    cursor: reactive[int] = reactive(-1, init=False, repaint=False)
    """The highlighted row, or -1 when the open story is not in this view."""

    class _PageLoaded(Message):
        """A page of rows read in the worker, for the list's `generation`."""

        def __init__(self, generation: int, page: int, rows: list[Headline]) -> None:
            super().__init__()
            self.generation = generation
            self.page = page
            self.rows = rows

    class Position(Message):
        """Where the cursor stands: row `index` (0-based, -1: none) of `total`."""

        def __init__(self, index: int, total: int) -> None:
            super().__init__()
            self.index = index
            self.total = total

    class _Synced(Message):
        """The view counted again in the worker, and where the story on show stands in it."""

        def __init__(self, generation: int, story_id: int | None, total: int, index: int | None,
                     page: int = 0, rows: list[Headline] | None = None) -> None:
            super().__init__()
            self.generation = generation
            self.story_id = story_id
            self.total = total
            self.index = index
            self.page = page
            self.rows = rows  # page `page`, when fetched with the count

    def __init__(self, store: Store, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._store = store
        self._generation = 0
        self._total = 0
        self._pages = HeadlinePages()
        self._loading: set[tuple[int, int]] = set()
        self._open_when_loaded = False
        self._keep_position = False
        self._select_row: int | None = None
        self._restore_top: int | None = None
        self._primed: tuple[View, int, list[Headline]] | None = None
        self._page_coming: int | None = None  # the generation whose count brings its page
        self._numbered = 0  # the generation whose count the rows on screen are numbered by
        self.opener: Callable[[int], None] | None = None
        """Shows a story at once when a row is opened (instead of posting `OpenStory`): the
        screen then draws the story in the same frame as the cursor, where a message would
        reach the screen only after that frame."""

    # -- what the outside may ask ----------------------------------------------------------------
    @property
    def total(self) -> int:
        """How many stories the current view holds."""
        return self._total

    @property
    def cached_rows(self) -> int:
        """How many headlines are held in memory (bounded by PAGE_SIZE * MAX_PAGES)."""
        return self._pages.rows_held

    def headline_at(self, row: int) -> Headline | None:
        """The headline drawn at `row`, if its page is in memory."""
        return self._pages.headline_at(row)

    def reload(self, *, keep_position: bool = True, select_row: int | None = None) -> None:
        """Count the view again and re-fetch its pages (the data changed underneath).

        With `keep_position` the rows already drawn stay until fresh ones arrive and the open
        story keeps its place on screen; `select_row` opens that row once the count is known.
        A row asked for earlier and not yet opened stays asked for: this reload's count
        answers it.
        """
        self._generation += 1
        self._keep_position = keep_position
        if select_row is not None:
            self._select_row = select_row
        primed, self._primed = self._primed, None
        if keep_position:
            self._sync(self._generation, self.view, self.story_id)
            self.refresh()
            return
        self._pages.clear()
        if primed is not None and primed[0] == self.view and self.story_id is None:
            # The screen's search worker counted the view and read its first page already.
            _, total, rows = primed
            self._apply(self._Synced(self._generation, None, total, None, 0, rows))
            if len(rows) < min(total, PAGE_SIZE):
                # The rows on screen: the rest is read later.
                self._pages.store(0, self._generation, rows, whole=False)
            return
        # The page that will be on show comes with the count: one round trip, one frame.
        self._page_coming = self._generation
        self._sync(self._generation, self.view, self.story_id, self._restore_top,
                   with_page=True)
        self.refresh()

    def prime(self, view: View, total: int, first_page: list[Headline]) -> None:
        """`view`, about to be shown with no story selected, holds `total` stories and starts
        with `first_page` (already read in a worker): the list takes them as they are. The
        page may be short (the rows that fit on screen): the rest of it is read when a row
        past them is drawn or the cursor heads there."""
        self._primed = (view, total, first_page)

    def restore_top(self, top: int) -> None:
        """Once the view now loading is counted, show row `top` at the top of the pane again
        (how `esc` puts the list back where it was before a search)."""
        self._restore_top = max(top, 0)

    def validate_cursor(self, cursor: int) -> int:
        return max(-1, min(cursor, self._total - 1))

    # -- workers -----------------------------------------------------------------------------------
    def _sync(self, generation: int, view: View, story_id: int | None,
              top: int | None = None, with_page: bool = False) -> None:
        """Count `view` and find `story_id` in it; `with_page`: also read the page that will
        be on show (row `top`'s, else the story's, else the first)."""
        def work() -> None:
            total = self._store.views.count(view)
            index = None if story_id is None else self._store.views.index_of(view, story_id)
            page, rows = 0, None
            if with_page and total:
                row = top if top is not None else (index or 0)
                page = min(row, total - 1) // PAGE_SIZE
                rows = self._store.views.headlines(view, page * PAGE_SIZE, PAGE_SIZE)
            self.post_message(self._Synced(generation, story_id, total, index, page, rows))

        self.run_worker(work, thread=True, exit_on_error=False, group="headline-sync")

    def _request(self, page: int) -> None:
        key = (self._generation, page)
        if key in self._loading:
            return
        self._loading.add(key)
        generation, view = self._generation, self.view

        def work() -> None:
            rows = self._store.views.headlines(view, page * PAGE_SIZE, PAGE_SIZE)
            self.post_message(self._PageLoaded(generation, page, rows))

        self.run_worker(work, thread=True, exit_on_error=False, group="headline-pages")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self._page_coming = None  # its page will not come: rows ask for their own
            self.refresh()
            self.notify(f"Could not read the headlines: {clean_line(str(event.worker.error))}",
                        severity="error", markup=False)

    @on(_Synced)
    def _synced(self, message: _Synced) -> None:
        message.stop()
        if message.generation == self._generation:
            self._apply(message)

    def _apply(self, message: _Synced) -> None:
        """Take the count (and the page read with it) of the view now loading."""
        self._page_coming = None
        self._numbered = message.generation
        if message.rows is not None:
            self._pages.store(message.page, self._generation, message.rows)
        self._total = message.total
        self.border_title = f"Headlines · {message.total:,}"
        fit_virtual_size(self, Size(self.scrollable_content_region.width, message.total))
        top = None
        if message.story_id == self.story_id:  # the answer for the story now open
            top, self._restore_top = self._restore_top, None
        if message.story_id == self.story_id and message.story_id is not None:
            old = self.cursor
            new = -1 if message.index is None else message.index
            if self._keep_position and old >= 0 and new >= 0 and new != old:
                self.scroll_to(y=self.scroll_y + (new - old), animate=False)
            self.set_reactive(HeadlineLoading.cursor, self.validate_cursor(new))
            if top is not None:
                # force: the scrollbar of a view that just grew is not shown yet, and Textual
                # ignores a scroll until it is.
                self.scroll_to(y=top, animate=False, force=True)
            self._scroll_to_cursor()
        elif self.cursor >= self._total:
            self.cursor = self._total - 1
        elif top is not None:
            self.scroll_to(y=top, animate=False, force=True)
        moved = (self._keep_position and self.story_id is not None
                 and message.story_id != self.story_id)
        if moved:
            # The reader opened another story while this count was on its way (its rows were
            # still on screen): find that one in the list as it is now, keeping its place.
            self._sync(self._generation, self.view, self.story_id)
        self._keep_position = moved
        if self._select_row is not None and self._total:
            self.cursor = self._select_row
            self._open_cursor()  # (the request stands until the row's story is asked for)
        elif (self._open_when_loaded and message.rows is not None
              and self.cursor // PAGE_SIZE == message.page):
            self._open_cursor()
        self.post_message(self.Position(self.cursor, self._total))
        self.refresh()

    @on(_PageLoaded)
    def _page_loaded(self, message: _PageLoaded) -> None:
        message.stop()
        self._loading.discard((message.generation, message.page))
        if message.generation != self._generation:
            return
        self._pages.store(message.page, self._generation, message.rows)
        if self._open_when_loaded and self.cursor // PAGE_SIZE == message.page:
            self._open_cursor()
        self.refresh()

    # -- the cursor among the rows held -----------------------------------------------------------
    def _open_cursor(self) -> None:
        """Ask the screen to show the story under the cursor, once its row is loaded. A row of
        a reload's rows still on screen, numbered as they are, is the row the reader sees."""
        page = self._pages.page_of(self.cursor)
        headline = self.headline_at(self.cursor)
        if (headline is None or page is None
                or page.generation not in (self._generation, self._numbered)):
            self._open_when_loaded = True
            if self.cursor >= 0:
                self._request(self.cursor // PAGE_SIZE)
            return
        self._open_when_loaded = False
        self._select_row = None  # asked for: done
        if self.opener is not None:
            self.opener(headline.id)
        else:
            self.post_message(OpenStory(headline.id))

    def _scroll_to_cursor(self) -> None:
        """Keep the cursor on screen. When it steps past an edge the list jumps to put it in
        the middle (as mutt pages) rather than scrolling one row: any scroll repaints every
        row of the pane, a cursor move only two, so `j` through a long list stays cheap."""
        if self.cursor < 0:
            return
        height = self.scrollable_content_region.height
        top = int(self.scroll_y)
        if self.cursor < top or (height and self.cursor >= top + height):
            self.scroll_to(y=max(self.cursor - height // 2, 0), animate=False, force=True)
        self._prefetch()

    def _prefetch(self) -> None:
        """Ask for the page below the screen before the cursor gets there, so a row stepped
        onto is drawn at once rather than as a placeholder."""
        height = self.scrollable_content_region.height
        ahead = min(int(self.scroll_y) + 2 * max(height, 1), self._total - 1)
        if ahead >= 0 and self._pages.missing(ahead, self._generation):
            self._request(ahead // PAGE_SIZE)
