"""Messages that travel up from the panes and back from worker threads.

Widgets never reach into each other: they post one of these, and it bubbles up through the
reading screen's controllers, where the one that owns the concern acts on it ("data down,
messages up"). Worker threads use them too, because
`post_message` is thread-safe while touching widgets from a thread is not.

Every message of the UI is a plain class with an `__init__` of its own, the way Textual writes
its messages, not a dataclass: the ~45 of them are all made before the first frame, and
`dataclass` processing them cost ~1.5 ms of every start (`tests/test_startup_cost_launch.py`
keeps it so).
"""

from __future__ import annotations

from textual.message import Message

from reader.models import Outcome, Source, Story, Teaser, View
from reader.render import Rendered
from reader.ui.first_look import FirstLook


# -- from the panes ------------------------------------------------------------------------------
class OpenStory(Message):
    """Show this cached story (a headline or a teaser was chosen)."""

    def __init__(self, story_id: int) -> None:
        super().__init__()
        self.story_id = story_id


class ShowStub(Message):
    """A teaser whose story is not in the cache was chosen: show the teaser itself."""

    def __init__(self, teaser: Teaser) -> None:
        super().__init__()
        self.teaser = teaser


class ChooseView(Message):
    """The source list picked a view (All/Unread/Starred, a folder or a source); `open_first`:
    go there and open its first story (the palette's "go to source"), not only list it."""

    def __init__(self, view: View, open_first: bool = False) -> None:
        super().__init__()
        self.view = view
        self.open_first = open_first


class ArticleEnd(Message):
    """`space` was pressed at the end of the article: go on to the next unread story."""


# -- from worker threads -------------------------------------------------------------------------
class CacheReady(Message):
    """The cache has something to show; `first`: what the first frame shows, read already
    (None: the panes read it themselves)."""

    def __init__(self, first: FirstLook | None = None) -> None:
        super().__init__()
        self.first = first


class SourcesLoaded(Message):
    """Fresh sources with their counts, and the All/Unread/Starred totals."""

    def __init__(self, sources: tuple[Source, ...], counts: dict[str, int]) -> None:
        super().__init__()
        self.sources = sources
        self.counts = counts


class StoryLoaded(Message):
    """A story, rendered for the article view, with its sidebar teasers."""

    def __init__(self, story: Story, rendered: Rendered, teasers: tuple[Teaser, ...]) -> None:
        super().__init__()
        self.story = story
        self.rendered = rendered
        self.teasers = teasers


class StoryMissing(Message):
    """The story asked for is not (or no longer) in the cache."""

    def __init__(self, story_id: int) -> None:
        super().__init__()
        self.story_id = story_id


class StoryFlagged(Message):
    """A story's read or starred flag was written to the cache."""

    def __init__(self, story_id: int, read: bool | None = None,
                 starred: bool | None = None) -> None:
        super().__init__()
        self.story_id = story_id
        self.read = read
        self.starred = starred


class UnreadFound(Message):
    """Where `n`/`p` lands: a story, possibly in another source's view; None when none left."""

    def __init__(self, view: View, story_id: int | None, forward: bool = True) -> None:
        super().__init__()
        self.view = view
        self.story_id = story_id
        self.forward = forward


class RefreshProgress(Message):
    """One source finished refreshing (`done` of `total`)."""

    def __init__(self, outcome: Outcome, done: int, total: int) -> None:
        super().__init__()
        self.outcome = outcome
        self.done = done
        self.total = total


class RefreshDone(Message):
    """A refresh finished; every source's outcome, in order."""

    def __init__(self, outcomes: list[Outcome]) -> None:
        super().__init__()
        self.outcomes = outcomes


class SourceAdded(Message):
    """`a` added a source; `stories` is how many of its stories are cached."""

    def __init__(self, source: Source, outcome: Outcome, stories: int, row: int = 0) -> None:
        super().__init__()
        self.source = source
        self.outcome = outcome
        self.stories = stories
        self.row = row  # the row to open: the newest story, or the named file's in its folder


class AddFailed(Message):
    """`a` could not add what was typed; `reason` is plain words naming it."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
