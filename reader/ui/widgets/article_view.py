"""The article view: the open story at a readable measure, centred, scrollable.

The story arrives as a `Rendered` from `reader.render`: a rich `Text`, so nothing a feed wrote
is ever parsed as markup. It is hard-wrapped at `measure` columns (or the pane's width when
narrower) and centred in wider panes, because lines of 60-80 characters read fastest.

When the pane's width changes (a resize, zen, the side panes folding away) the story is
rendered again at the new width in a thread worker, and the reader stays on the same words:
the position is kept as "how many letters come before the top line", which survives any
re-wrapping, instead of a line number, which does not.

The border shows what is on show ("full article" or the feed's text), where the story stands
in the list ("12 of 340 unread") and an estimated reading time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import tzinfo
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive

from reader.models import Story, Teaser
from reader.render import Rendered, render_story
from reader.ui.messages import ArticleEnd
from reader.ui.widgets.article_body import ArticleBody, Page, prepare_page

EMPTY = Text("No story open. Choose a headline (j/k or enter), or press a to add a source.",
             style="italic")
WORDS_PER_MINUTE = 230
QUICK_HTML = 20_000  # characters of HTML shown first while a longer story renders in full


def stub_for(teaser: Teaser) -> Rendered:
    """What the article view shows for a teaser whose story is not in the cache."""
    note = "The full story is not in the cache; only this teaser is."
    text = Text()
    text.append("Teaser", style="bold")
    text.append("\n\n")
    text.append(teaser.text)
    text.append("\n\n")
    text.append(note, style="italic")
    return Rendered(text=text, plain=f"Teaser\n\n{teaser.text}\n\n{note}\n", links=())


def quick_part(story: Story) -> Story | None:
    """The beginning of a long story, cut after a paragraph, to show at once while the whole
    of it renders (a 200 KB story takes ~0.1-0.3 s); None for a story short enough to render
    whole. The first screens are the same either way: only the end (and the "Links:" list)
    is missing until the whole story replaces it."""
    if max(len(story.body_html), len(story.full_html)) <= QUICK_HTML:
        return None
    return replace(story, body_html=_cut(story.body_html), full_html=_cut(story.full_html))


def _cut(html: str) -> str:
    if len(html) <= QUICK_HTML:
        return html
    end = html.rfind("</p>", 0, QUICK_HTML)
    if end > QUICK_HTML // 2:
        return html[:end + len("</p>")]
    return html[:html.rfind(">", 0, QUICK_HTML) + 1]  # the parser closes what is open


def reading_minutes(plain: str) -> int:
    """Minutes an average reader needs for `plain` (at least 1)."""
    return max(1, math.ceil(len(plain.split()) / WORDS_PER_MINUTE))


def letters_before(plain: str, row: int, width: int | None) -> int:
    """How many non-space characters precede screen row `row` of `plain` wrapped at `width`."""
    count = 0
    for line in plain.split("\n"):
        rows = _rows(line, width)
        if row < rows:
            if row and width:  # inside a wrapped line: count the rows above, roughly
                count += sum(1 for ch in line[: row * width] if not ch.isspace())
            return count
        row -= rows
        count += sum(1 for ch in line if not ch.isspace())
    return count


def row_of(plain: str, letters: int, width: int | None) -> int:
    """The screen row on which the `letters`-th non-space character of `plain` stands."""
    row = 0
    for line in plain.split("\n"):
        here = sum(1 for ch in line if not ch.isspace())
        if letters < here or (letters == here == 0):
            return row
        letters -= here
        row += _rows(line, width)
    return max(row - 1, 0)


def _rows(line: str, width: int | None) -> int:
    if not width:
        return 1
    return max(1, math.ceil(cell_len(line) / width))


@dataclass(frozen=True, slots=True, eq=False)  # never compared: no generated __eq__, __hash__
class ArticleStyle:
    """How stories are drawn: the measure, and how dates read (time zone, strftime)."""

    measure: int = 80
    tz: tzinfo | None = None
    date_format: str = ""


def render_article(story: Story, *, width: int | None, style: ArticleStyle,
                   now: float | None = None, feed_text: bool = False) -> Rendered:
    """The story as the article view shows it: its full article when one is kept (unless
    `feed_text`), dates in the configured zone and format. Safe to call from a thread."""
    shown = story
    if story.full_html and not feed_text:
        shown = replace(shown, body_html=story.full_html)
    return render_story(shown, now=now, tz=style.tz, width=width,
                        date_format=style.date_format)


class ArticleView(ArticleBody, can_focus=True):
    """Scrolls the open story; `space` pages down and, at the end, asks for the next unread."""

    HELP_GROUP: ClassVar[str] = "Article"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "page", "Page / next unread", key_display="space", id="page"),
        Binding("up", "scroll_up", "Scroll up", show=False, id="scroll_up"),
        Binding("down", "scroll_down", "Scroll down", show=False, id="scroll_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="page_down"),
    ]

    rendered: reactive[Rendered | None] = reactive(None, init=False)
    """The story on show; bound to the screen."""

    class _Rerendered(Message):
        """The story on show, rendered and laid out again in the worker."""

        def __init__(self, story_id: int, width: int | None, rendered: Rendered, page: Page,
                     letters: int) -> None:
            super().__init__()
            self.story_id = story_id
            self.width = width
            self.rendered = rendered
            self.page = page
            self.letters = letters

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(EMPTY, id=id)
        self._set_border_text(top=True, text="Article")
        self.story: Story | None = None
        """The story behind `rendered` (None for a teaser stub); set by the screen."""
        self.style_ = ArticleStyle()
        self.clock: Callable[[], float] | None = None
        self.decorate: Callable[[Rendered], Rendered] | None = None
        """The screen's last touch on a rendering (the search marks its words), applied when
        this view renders the story again itself (a new width, `v`), so the marks stay."""
        self.feed_text = False
        """Show the feed's own text although a full article is kept (`v`)."""
        self.position = ""
        """"12 of 340 unread": set by the screen as the headline cursor moves."""
        self.width_now: int | None = None
        """The width the next render should use; kept up to date on the event loop so a
        thread can read it."""
        self._rendered_width: int | None = None
        self._anchor: tuple[int, int] | None = None
        """(letters, row) of the last re-render: while the reader has not scrolled since,
        the next re-render keeps those same letters on top (no drift across resizes)."""
        self._offered: tuple[Rendered, Page, bool, bool] | None = None
        self.partial = False
        """Only the beginning of a long story is on show; the whole of it is on its way."""

    @property
    def links(self) -> tuple[str, ...]:
        """The links of the story on show, numbered from 1 in its "Links:" list."""
        return self.rendered.links if self.rendered is not None else ()

    @property
    def showing_full(self) -> bool:
        return bool(self.story is not None and self.story.full_html and not self.feed_text)

    def render_story(self, story: Story, width: int | None = None) -> Rendered:
        """Render `story` for this view at `width` (default: its current width). Thread-safe."""
        return render_article(story, width=width if width is not None else self.width_now,
                              style=self.style_, now=self.clock() if self.clock else None,
                              feed_text=self.feed_text)

    def prepare(self, rendered: Rendered, width: int | None = None) -> Page:
        """Lay `rendered` out for this pane and draw its first screen (thread-safe): what
        `offer` takes, so the event loop only swaps the page in."""
        return prepare_page(rendered.text, width if width is not None else self.width_now,
                            self.geometry)

    def offer(self, rendered: Rendered, page: Page, *, partial: bool = False,
              continues: bool = False) -> None:
        """The page `prepare` made for `rendered`, used when `rendered` is shown next.

        `partial`: it is only the beginning of the story; `continues`: it is the whole of the
        story whose beginning is on show, so the reader's place is kept."""
        self._offered = (rendered, page, partial, continues)

    def target_width(self) -> int | None:
        available = self.scrollable_content_region.width
        if available <= 0:
            return None
        return min(self.style_.measure, available)

    def watch_rendered(self, rendered: Rendered | None) -> None:
        self._anchor = None
        offered, self._offered = self._offered, None
        if offered is None or offered[0] is not rendered:
            offered = None
        continues = offered is not None and offered[3]
        self.partial = offered is not None and offered[2]
        if offered is not None and offered[1].measure == self.width_now:
            page = offered[1]
        else:
            page = Page(rendered.text if rendered is not None else EMPTY, self.width_now)
            if offered is not None:  # laid out for a width the pane no longer has
                self.call_after_refresh(self.rerender)
        self._rendered_width = page.measure
        self.show(page)
        if not continues:
            self.scroll_home(animate=False, immediate=True)
        self.update_titles()

    def update_titles(self) -> None:
        story = self.story
        what = ""
        if story is not None and story.full_html:
            what = " · feed text (v: full)" if self.feed_text else " · full article"
        parts = [self.position] if self.position else []
        if self.rendered is not None and story is not None and not self.partial:
            parts.append(f"{reading_minutes(self.rendered.plain)} min read")
        self._set_border_text(top=True, text="Article" + what)
        self._set_border_text(top=False, text=" · ".join(parts))

    def _set_border_text(self, *, top: bool, text: str) -> None:
        """Set the border's title or subtitle, repainting only that border row.

        Setting `border_title` / `border_subtitle` repaints the whole pane (and the position
        changes on every key press); the text is plain, never markup."""
        current = self._border_title if top else self._border_subtitle
        if (current.plain if current is not None else "") == text:
            return
        content = Content(text) if text else None
        if top:
            self._border_title = content
        else:
            self._border_subtitle = content
        if not self.is_mounted or not self.size:
            return
        # Regions are given relative to the content area: the border rows lie outside it.
        left, top_edge = self.content_offset
        y = -top_edge if top else self.outer_size.height - 1 - top_edge
        self.refresh(Region(-left, y, self.outer_size.width, 1))

    # -- keeping the place when the width changes ------------------------------------------------
    def resized(self) -> None:
        self.width_now = self.target_width()
        if self.width_now != self._rendered_width:
            self.rerender()

    def rerender(self) -> None:
        """Render the story again (new width, or full/feed text), keeping the reader's place."""
        story = self.story
        if story is None or self.rendered is None:
            if self.rendered is not None:
                self._rendered_width = self.width_now
                self.update(self.rendered.text, self.width_now)
            return
        if self._anchor is not None and self._anchor[1] == int(self.scroll_y):
            letters = self._anchor[0]
        else:
            letters = letters_before(self.rendered.plain, int(self.scroll_y),
                                     self._rendered_width)
        width = self.width_now

        def work() -> None:
            rendered = self.render_story(story, width)
            if self.decorate is not None:
                rendered = self.decorate(rendered)
            page = self.prepare(rendered, width)
            self.post_message(self._Rerendered(story.id, width, rendered, page, letters))

        self.run_worker(work, thread=True, exclusive=True, group="article-render",
                        exit_on_error=False)

    @on(_Rerendered)
    def _rerendered(self, message: _Rerendered) -> None:
        message.stop()
        if self.story is None or self.story.id != message.story_id:
            return
        self.set_reactive(ArticleView.rendered, message.rendered)
        self.partial = False  # the whole story was rendered again
        self._rendered_width = message.width
        self.show(message.page)
        row = row_of(message.rendered.plain, message.letters, message.width)
        self._anchor = (message.letters, row)
        self.scroll_to(y=row, animate=False, immediate=True)
        self.update_titles()

    def top_letters(self) -> int:
        """Non-space characters above the top visible line (for tests and position keeping)."""
        if self.rendered is None:
            return 0
        return letters_before(self.rendered.plain, int(self.scroll_y), self._rendered_width)

    def action_page(self) -> None:
        """Page down; at the end of the story, move on to the next unread one."""
        if self.scroll_y >= self.max_scroll_y and not self.partial:
            self.post_message(ArticleEnd())
        else:
            self.scroll_page_down(animate=False)
