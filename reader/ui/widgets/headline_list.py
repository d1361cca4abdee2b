"""The headline list: a line-API widget that pages rows in from SQLite as it scrolls.

Why not `ListView` or `DataTable`: one widget (or one added row) per story costs ~75 µs each,
so 100,000 stories would take seconds before the first screen (measured). Here only the
count comes from the database up front and rows come in pages (`headline_loading`, which this
widget subclasses, and `headline_pages`); this module holds the keys, the styles and the drawing.

A search's results repaint every row at once; the list frames its rows itself
(`LinePane.FRAME_ROWS`) and draws its scroll bar with `QuickBarRender` (as every `LinePane`),
and a count that leaves the bar looking the same does not repaint it (`fit_virtual_size`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip

from reader.models import Headline, Source
from reader.render import format_list_date
from reader.store import Store
from reader.ui.widgets.article_body import fit_virtual_size
from reader.ui.widgets.headline_loading import HeadlineLoading
from reader.ui.widgets.headline_pages import MAX_PAGES, PAGE_SIZE
from reader.ui.widgets.headline_row import draw_headline, source_column_wanted

__all__ = ["MAX_PAGES", "PAGE_SIZE", "HeadlineList"]


class HeadlineList(HeadlineLoading, can_focus=True):
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

    sources: reactive[tuple[Source, ...]] = reactive((), init=False, repaint=False)
    """Every source with its counts; bound to the screen's sources. They tell whether the
    rows of a view can come from more than one source (else no source column)."""

    def __init__(self, store: Store, *, clock: Callable[[], float],
                 id: str | None = None) -> None:
        super().__init__(store, id=id)
        self._clock = clock
        self._tz: tzinfo | None = None
        self._source_column = True
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
        if self._generation:  # else the first load is the screen's, once the cache is ready
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
        """Show the source column only where the rows may come from more than one source
        (`source_column_wanted`)."""
        column = source_column_wanted(self.view, self.sources)
        if column != self._source_column:
            self._source_column = column
            self._strips.clear()
            self.refresh()

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

    def on_resize(self) -> None:
        fit_virtual_size(self, Size(self.scrollable_content_region.width, self._total))
        self._scroll_to_cursor()

    # -- actions -----------------------------------------------------------------------------------
    def _move(self, row: int) -> None:
        self._select_row = None  # the reader chose: a row asked for earlier is not wanted
        if not self._total:
            return
        self.cursor = max(0, min(row, self._total - 1))
        self._open_cursor()

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
