"""Messages that travel up from the panes and back from worker threads.

Widgets never reach into each other: they post one of these, and it bubbles up through the
reading screen's controllers, where the one that owns the concern acts on it ("data down,
messages up"). Worker threads use them too, because
`post_message` is thread-safe while touching widgets from a thread is not.

Every message dataclass of the UI is `eq=False`: a message is handled, never compared, and
Python compiles each generated method on its own as the class is made, before the first
frame (`tests/test_startup_cost_launch.py` keeps it so).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from reader.models import Outcome, Source, Story, Teaser, View
from reader.render import Rendered
from reader.ui.first_look import FirstLook


# -- from the panes ------------------------------------------------------------------------------
@dataclass(eq=False)
class OpenStory(Message):
    """Show this cached story (a headline or a teaser was chosen)."""

    story_id: int


@dataclass(eq=False)
class ShowStub(Message):
    """A teaser whose story is not in the cache was chosen: show the teaser itself."""

    teaser: Teaser


@dataclass(eq=False)
class ChooseView(Message):
    """The source list picked a view (All/Unread/Starred, a folder or a source); `open_first`:
    go there and open its first story (the palette's "go to source"), not only list it."""

    view: View
    open_first: bool = False


@dataclass(eq=False)
class ArticleEnd(Message):
    """`space` was pressed at the end of the article: go on to the next unread story."""


# -- from worker threads -------------------------------------------------------------------------
@dataclass(eq=False)
class CacheReady(Message):
    """The cache has something to show; `first`: what the first frame shows, read already
    (None: the panes read it themselves)."""

    first: FirstLook | None = None


@dataclass(eq=False)
class SourcesLoaded(Message):
    """Fresh sources with their counts, and the All/Unread/Starred totals."""

    sources: tuple[Source, ...]
    counts: dict[str, int]


@dataclass(eq=False)
class StoryLoaded(Message):
    """A story, rendered for the article view, with its sidebar teasers."""

    story: Story
    rendered: Rendered
    teasers: tuple[Teaser, ...]


@dataclass(eq=False)
class StoryMissing(Message):
    """The story asked for is not (or no longer) in the cache."""

    story_id: int


@dataclass(eq=False)
class StoryFlagged(Message):
    """A story's read or starred flag was written to the cache."""

    story_id: int
    read: bool | None = None
    starred: bool | None = None


@dataclass(eq=False)
class UnreadFound(Message):
    """Where `n`/`p` lands: a story, possibly in another source's view; None when none left."""

    view: View
    story_id: int | None
    forward: bool = True


@dataclass(eq=False)
class RefreshProgress(Message):
    """One source finished refreshing (`done` of `total`)."""

    outcome: Outcome
    done: int
    total: int


@dataclass(eq=False)
class RefreshDone(Message):
    """A refresh finished; every source's outcome, in order."""

    outcomes: list[Outcome] = field(default_factory=list)


@dataclass(eq=False)
class SourceAdded(Message):
    """`a` added a source; `stories` is how many of its stories are cached."""

    source: Source
    outcome: Outcome
    stories: int
    row: int = 0  # the row to open: the newest story, or the named file's in its folder


@dataclass(eq=False)
class AddFailed(Message):
    """`a` could not add what was typed; `reason` is plain words naming it."""

    reason: str
