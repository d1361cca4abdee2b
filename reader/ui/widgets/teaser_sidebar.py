"""The teaser sidebar: short leads of other stories, in the style of a saved news page.

Each teaser is a rich `Text` (never a markup string). Choosing one opens its story when the
cache has it; otherwise the screen shows the teaser itself as a stub.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reader.models import Teaser
from reader.ui.messages import OpenStory, ShowStub


class TeaserSidebar(OptionList):
    """Teasers of the open story; `enter` or a click opens one."""

    HELP_GROUP: ClassVar[str] = "Teasers"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Open teaser", id="open_teaser"),
    ]

    teasers: reactive[tuple[Teaser, ...]] = reactive((), init=False)
    """The teasers to list; bound to the screen."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.border_title = "Teasers"

    def watch_teasers(self, teasers: tuple[Teaser, ...]) -> None:
        options: list[Option | None] = []
        for index, teaser in enumerate(teasers):
            prompt = Text(teaser.text)
            if teaser.story_id is None:
                prompt.stylize("italic")
            options.append(Option(prompt, id=str(index)))
            options.append(None)
        if options:
            options.pop()
        self.set_options(options)
        self.highlighted = 0 if teasers else None

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is None:
            return
        teaser = self.teasers[int(event.option.id)]
        if teaser.story_id is not None:
            self.post_message(OpenStory(teaser.story_id))
        else:
            self.post_message(ShowStub(teaser))
