"""The Textual application: wiring only.

It holds the store and the few start-up choices the command line makes, and pushes the main
screen; everything else lives in `screens/` and `widgets/`. Dependencies come in through the
constructor so tests hand it a cache in a temporary directory and a fixed clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from reader.store import Store
from reader.ui.screens.main import MainScreen


class NewsApp(App[None]):
    """newsreader: headlines, article and teasers over the offline cache."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "newsreader"
    HELP_GROUP: ClassVar[str] = "Application"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def __init__(self, store: Store, *, open_story: int | None = None, offline: bool = False,
                 clock: Callable[[], float] = time.time, refresh_on_start: bool = True) -> None:
        super().__init__()
        self.store = store
        self.open_story = open_story
        self.offline = offline
        self.clock = clock
        self.refresh_on_start = refresh_on_start

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(self.store, clock=self.clock, open_story=self.open_story,
                          offline=self.offline, refresh_on_start=self.refresh_on_start)
