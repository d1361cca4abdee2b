"""The headline list: a line-API widget that pages rows in from SQLite as it scrolls.

Why not `ListView` or `DataTable`: one widget (or one added row) per story costs ~75 µs each,
so 100,000 stories would take seconds before the first screen (measured). Here only the
count comes from the database up front; rows come in pages of `PAGE_SIZE`, fetched in thread
workers when `render_line` first needs them, kept in a small LRU of `MAX_PAGES` pages
(`headline_pages`). A row whose page has not arrived draws as a dim placeholder until it does.

The count and the page on show come back together, from one worker (or ready-made from the
screen's search worker: `prime`), so a new view draws in one frame; the scroll extent changes
without a layout of the screen (`fit_virtual_size`).

A search's results repaint every row at once; the list frames its rows itself
(`LinePane.FRAME_ROWS`) and draws its scroll bar with `QuickBarRender`, and a count that leaves
the bar looking the same does not repaint it (`fit_virtual_size`).

Every reload bumps a generation number. Pages and answers from an older generation are
dropped (a view change) or drawn only until fresh ones arrive (a refresh), so a refresh never
blanks the list and never moves the story the reader is on.

A row asked for (`reload(select_row=...)`: a source just added, a search's first result) is
opened once the list knows its rows, however many reloads come in between (a refresh ending
at start-up reloads at any moment); only the reader's own choice (a key, a click, another
view or story) or a newer request replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from textual import events, on
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.worker import Worker, WorkerState

from reader.models import Headline, Source, View
from reader.render import format_list_date
from reader.sanitize import clean_line
from reader.store import Store
from reader.ui.messages import OpenStory
from reader.ui.widgets.article_body import fit_virtual_size
from reader.ui.widgets.component_styles import LinePane
from reader.ui.widgets.headline_pages import MAX_PAGES, PAGE_SIZE, HeadlinePages
from reader.ui.widgets.headline_row import draw_headline
from reader.ui.widgets.scroll_bars import QuickBarRender

__all__ = ["MAX_PAGES", "PAGE_SIZE", "HeadlineList"]


class HeadlineList(LinePane, can_focus=True):
    """Newest first: unread mark, star, headline, source and date, one line each."""

    HELP_GROUP: ClassVar[str] = "Headline list"
    STYLE_PREFIX: ClassVar[str] = "headline-list--"
    FRAME_ROWS: ClassVar[bool] = True  # a search repaints every row: frame them cheaply

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next story", key_display="j/↓", id="next_story"),
        Binding("k,up", "cursor_up", "Previous story", key_display="k/↑", show=False,
                id="previous_story"),
        Binding("enter", "open", "Open story", show=False, id="open_story"),
        Binding("pagedown", "page_down", "Page down", show=False, id="page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="page_up"),
        Binding("home", "first", "First story", show=False, id="first_story"),
        Binding("end", "last", "Last story", show=False, id="last_story"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "headline-list--cursor",
        "headline-list--cursor-blurred",
        "headline-list--unread",
        "headline-list--read",
        "headline-list--mark",
        "headline-list--star",
        "headline-list--meta",
        "headline-list--placeholder",
    }

    DEFAULT_CSS = """
    HeadlineList {
        overflow-x: hidden;
        overflow-y: auto;
        /* While a search is typed the scroll bar stays: one that came and went with the
           count would lay the whole screen out again at a keystroke. */
        &.-searching { overflow-y: scroll; }
        & > .headline-list--cursor { background: $block-cursor-background;
                                    color: $block-cursor-foreground; text-style: bold; }
        & > .headline-list--cursor-blurred { background: $block-cursor-blurred-background; }
        & > .headline-list--unread { text-style: bold; }
        & > .headline-list--read { color: $text-muted; }
        & > .headline-list--mark { color: $accent; }
        & > .headline-list--star { color: $warning; }
        & > .headline-list--meta { color: $text-muted; }
        & > .headline-list--placeholder { color: $text-disabled; }
    }
    """

    view: reactive[View] = reactive(View(), init=False)
    """The rows to show; bound to the screen's view."""
    story_id: reactive[int | None] = reactive(None, init=False, repaint=False)
    """The story the article shows; bound to the screen's story id. The cursor follows it."""
    cursor: reactive[int] = reactive(-1, init=False, repaint=False)
    """The highlighted row, or -1 when the open story is not in this view."""
    sources: reactive[tuple[Source, ...]] = reactive((), init=False, repaint=False)
    """Every source with its counts; bound to the screen's sources. They tell whether the
    rows of a view can come from more than one source (else no source column)."""

    @dataclass
    class _PageLoaded(Message):
        generation: int
        page: int
        rows: list[Headline]

    @dataclass
    class Position(Message):
        """Where the cursor stands: row `index` (0-based, -1: none) of `total`."""

        index: int
        total: int

    @dataclass
    class _Synced(Message):
        generation: int
        story_id: int | None
        total: int
        index: int | None
        page: int = 0
        rows: list[Headline] | None = None  # page `page`, when fetched with the count

    def __init__(self, store: Store, *, clock: Callable[[], float],
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self._store = store
        self._clock = clock
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
        self._tz: tzinfo | None = None
        self._source_column = True
        self.opener: Callable[[int], None] | None = None
        """Shows a story at once when a row is opened (instead of posting `OpenStory`): the
        screen then draws the story in the same frame as the cursor, where a message would
        reach the screen only after that frame."""
        self.border_title = "Headlines"

    # -- what the outside may ask ----------------------------------------------------------------
    @property
    def tz(self) -> tzinfo | None:
        """The time zone of the dates in the list (None: the system's)."""
        return self._tz

    @tz.setter
    def tz(self, tz: tzinfo | None) -> None:
        self._tz = tz
        self._strips.clear()
        self.refresh()

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

    def mark(self, story_id: int, *, read: bool | None = None,
             starred: bool | None = None) -> None:
        """Update the marks of a row in memory after the cache changed them."""
        for row in self._pages.mark(story_id, read=read, starred=starred):
            self.refresh_line(row)

    # -- reactive plumbing -------------------------------------------------------------------------
    def watch_view(self) -> None:
        self._select_row = None  # another view: a row asked for in the old one is not wanted
        self._choose_columns()
        self.cursor = -1
        self.scroll_to(y=0, animate=False)
        self.reload(keep_position=False)

    def watch_story_id(self, story_id: int | None) -> None:
        if story_id is None:
            return
        self._select_row = None  # a story was chosen (a teaser, `n`, the palette)
        current = self.headline_at(self.cursor)
        if current is not None and current.id == story_id:
            return
        row = self._pages.find(story_id, self._generation)
        if row is not None:
            self.cursor = row
            return
        self._sync(self._generation, self.view, story_id)

    def watch_sources(self) -> None:
        self._choose_columns()

    def _choose_columns(self) -> None:
        """Show the source column unless every row of the view comes from one source (a
        source's view, a folder or a whole cache that holds one): there it would only
        repeat itself on every row, in cells the headline needs."""
        view = self.view
        if view.source_id is not None:
            column = False
        else:
            folder = view.folder
            holding = [source for source in self.sources if source.total and (
                not folder or source.folder == folder or source.folder.startswith(folder + "/"))]
            column = len(holding) != 1
        if column != self._source_column:
            self._source_column = column
            self._strips.clear()
            self.refresh()

    def validate_cursor(self, cursor: int) -> int:
        return max(-1, min(cursor, self._total - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        self._scroll_to_cursor()
        self.post_message(self.Position(new, self._total))

    def on_focus(self) -> None:
        self._styles = None
        self.refresh_line(self.cursor)

    def on_blur(self) -> None:
        self._styles = None
        self.refresh_line(self.cursor)

    def on_mount(self) -> None:
        # Textual's documented way to draw one bar differently (`ScrollBar.renderer`).
        self.vertical_scrollbar.renderer = QuickBarRender  # type: ignore[misc]

    def on_resize(self) -> None:
        fit_virtual_size(self, Size(self.scrollable_content_region.width, self._total))
        self._scroll_to_cursor()

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
            self.set_reactive(HeadlineList.cursor, self.validate_cursor(new))
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

    # -- actions -----------------------------------------------------------------------------------
    def _move(self, row: int) -> None:
        self._select_row = None  # the reader chose: a row asked for earlier is not wanted
        if not self._total:
            return
        self.cursor = max(0, min(row, self._total - 1))
        self._open_cursor()

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

    def action_cursor_down(self) -> None:
        self._move(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._move(max(self.cursor - 1, 0))

    def action_page_down(self) -> None:
        self._move(self.cursor + max(self.scrollable_content_region.height - 1, 1))

    def action_page_up(self) -> None:
        self._move(self.cursor - max(self.scrollable_content_region.height - 1, 1))

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(self._total - 1)

    def action_open(self) -> None:
        self._move(max(self.cursor, 0))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = int(self.scroll_y) + offset.y
        if 0 <= row < self._total:
            self._move(row)

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

    # -- drawing -----------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width, top = self._origin()
        row = top + y
        if row >= self._total or width <= 0:
            return Strip.blank(width, self._style(""))
        number = row // PAGE_SIZE
        self._pages.touch(number)
        if self._pages.missing(row, self._generation) and (
                self._page_coming != self._generation):  # else it comes with the count
            self._request(number)
        headline = self.headline_at(row)
        if headline is None:
            return Strip([Segment(set_cell_size("   …", width), self._style("placeholder"))],
                         width)
        selected = row == self.cursor
        key = (headline, width, selected, selected and self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._draw(headline, width, selected)
        return strip

    def _draw(self, headline: Headline, width: int, selected: bool) -> Strip:
        date = format_list_date(headline.published, now=self._clock(), tz=self._tz)
        return draw_headline(headline, width, date, self._style, selected=selected,
                             focused=self.has_focus, source=self._source_column)
