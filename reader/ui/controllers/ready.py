"""Stories laid out before they are asked for, so `j` and `k` show them in one frame.

Textual draws at most 60 frames a second: a story read and laid out only after the frame
that moves the headline cursor shows a whole frame later (~17 ms), whatever the reading
costs. So once a story is on screen the story worker reads its neighbours in the list and
lays their articles out for the pane (`prepare_ready`); `ReadyStories` keeps the last few.

A laid-out page fits one pane width and height, theme, text choice (`v`) and search (its
words are marked): `layout_of` names all of them, and a page laid out for another is never
shown. What the cache holds may still change underneath (a refresh, a full article kept):
the reading controller reads a story shown from here once more in its worker and replaces
it in place if it changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from textual.cache import LRUCache
from textual.message import Message

from reader.models import Story, Teaser
from reader.render import Rendered
from reader.ui.widgets.article_body import Page
from reader.ui.widgets.teaser_sidebar import TeaserRows

if TYPE_CHECKING:
    from reader.ui.screens.reading import ReadingScreen

READY_STORIES = 6  # the open story, its two neighbours, and a few just left

Layout = tuple[object, ...]  # what a page was laid out for (`layout_of`)


@dataclass(frozen=True, eq=False)  # never compared: no generated __eq__, __hash__
class Ready:
    """A story read and laid out beforehand: all `j` needs to show it."""

    story: Story
    rendered: Rendered
    page: Page
    teasers: tuple[Teaser, ...]
    rows: TeaserRows
    layout: Layout


class Prefetched(Message):
    """A story made `Ready` in the story worker."""

    def __init__(self, ready: Ready) -> None:
        super().__init__()
        self.ready = ready


def layout_of(screen: ReadingScreen) -> Layout:
    """What a laid-out page depends on besides its story: the article pane's width, height
    and style (the theme), the text chosen, the search whose words are marked, the teasers'
    width. Read on the event loop."""
    view = screen.article_view
    return (view.width_now, view.geometry, view.feed_text, screen.view.search,
            screen.teaser_sidebar.scrollable_content_region.width)


def prepare_ready(screen: ReadingScreen, story: Story, layout: Layout) -> Ready:
    """`story` rendered, laid out for the pane and with its teasers wrapped (in a thread)."""
    view = screen.article_view
    rendered = screen.decorate_article(view.render_story(story))
    teasers = tuple(screen.store.teasers_for(story))
    return Ready(story, rendered, view.prepare(rendered), teasers,
                 screen.teaser_sidebar.prepare(teasers), layout)


class ReadyStories:
    """The last few `Ready` stories, by story id; used on the event loop only."""

    def __init__(self) -> None:
        self._kept: LRUCache[int, Ready] = LRUCache(READY_STORIES)

    def get(self, story_id: int | None, layout: Layout) -> Ready | None:
        """The story laid out for `layout`, if kept."""
        ready = self._kept.get(story_id) if story_id is not None else None
        return ready if ready is not None and ready.layout == layout else None

    def keep(self, ready: Ready, layout: Layout) -> None:
        """Keep `ready` if it still fits the pane as it is now."""
        if ready.layout == layout:
            self._kept.set(ready.story.id, ready)

    def marked(self, story_id: int, *, read: bool | None, starred: bool | None) -> None:
        """The cache changed a story's marks: a kept copy follows."""
        ready = self._kept.get(story_id)
        if ready is not None:
            story = ready.story
            self._kept.set(story_id, replace(ready, story=replace(
                story, read=story.read if read is None else read,
                starred=story.starred if starred is None else starred)))

    def clear(self) -> None:
        self._kept.clear()
