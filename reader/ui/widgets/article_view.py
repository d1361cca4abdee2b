"""The article view: the open story, wrapped to the pane and scrollable.

The story arrives as a `Rendered` from `reader.render`: a rich `Text`, so nothing a feed wrote
is ever parsed as markup, and Rich wraps it to whatever width the pane has. The `links` of the
rendered story stay here so a later issue can open them by number.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from reader.models import Teaser
from reader.render import Rendered
from reader.ui.messages import ArticleEnd

EMPTY = Text("No story open. Choose a headline (j/k or enter), or press a to add a source.",
             style="italic")


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


class ArticleView(VerticalScroll, can_focus=True):
    """Scrolls the open story; `space` pages down and, at the end, asks for the next unread."""

    HELP_GROUP: ClassVar[str] = "Article"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "page", "Page / next unread", key_display="space"),
        Binding("up", "scroll_up", "Scroll up", show=False),
        Binding("down", "scroll_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    rendered: reactive[Rendered | None] = reactive(None, init=False)
    """The story on show; bound to the screen."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Article"
        self.body = Static(EMPTY, id="article-body", markup=False)

    def compose(self) -> ComposeResult:
        yield self.body

    @property
    def links(self) -> tuple[str, ...]:
        """The links of the story on show, numbered from 1 in its "Links:" list."""
        return self.rendered.links if self.rendered is not None else ()

    def watch_rendered(self, rendered: Rendered | None) -> None:
        self.body.update(rendered.text if rendered is not None else EMPTY)
        self.scroll_home(animate=False, immediate=True)

    def action_page(self) -> None:
        """Page down; at the end of the story, move on to the next unread one."""
        if self.scroll_y >= self.max_scroll_y:
            self.post_message(ArticleEnd())
        else:
            self.scroll_page_down(animate=False)
