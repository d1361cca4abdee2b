"""The Textual application: wiring only.

It holds the store, the configuration and the few start-up choices the command line makes,
registers the reading theme and the palette's providers, applies the user's keymap, and
pushes the reading screen; everything else lives in `screens/` and `widgets/`. Dependencies
come in through the constructor, so tests hand it a cache in a temporary directory, a fixed
clock and a configuration of their own (never the user's file).

Problems with the configuration (a bad value, an unknown theme, a key already taken) are
shown once at start as warnings naming the file and line; the app runs with the defaults for
them. `u` undoes the last undoable change (a removed source): screens push entries with
`push_undo`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen

from reader.config import DEFAULT_THEME, Config, ConfigProblem
from reader.sanitize import clean_line
from reader.store import Store
from reader.ui.commands import PROVIDERS, system_commands
from reader.ui.screens.reader import ReaderScreen
from reader.ui.themes import THEMES

THEME_META = "ui_theme"  # the theme last chosen in the app (the config file's choice wins)
UNDO_DEPTH = 20


@dataclass
class Undo:
    """One undoable change: `run` (in a thread) returns "" or why it failed; `after` then
    runs on the event loop (reload what shows it)."""

    description: str
    run: Callable[[], str]
    after: Callable[[], None]


@dataclass
class _Undone(Message):
    undo: Undo
    error: str


class NewsApp(App[None]):
    """newsreader: headlines, article and teasers over the offline cache."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "newsreader"
    HELP_GROUP: ClassVar[str] = "Application"
    COMMANDS = PROVIDERS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", show=False, id="quit"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, priority=True,
                id="command_palette"),
        Binding("u", "undo", "Undo", show=False, id="undo"),
    ]

    def __init__(self, store: Store, *, open_story: int | None = None, offline: bool = False,
                 clock: Callable[[], float] = time.time, refresh_on_start: bool = True,
                 config: Config | None = None, config_problems: Sequence[ConfigProblem] = (),
                 fetcher_options: dict[str, Any] | None = None) -> None:
        self.config = config if config is not None else Config()
        super().__init__()
        self.store = store
        self.open_story = open_story
        self.offline = offline
        self.clock = clock
        self.refresh_on_start = refresh_on_start
        self.fetcher_options = fetcher_options
        self.undo_list: list[Undo] = []
        self.start_problems = [str(problem) for problem in config_problems]
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = self._choose_theme()
        from reader.ui.keys import build_keymap

        keys = build_keymap(self.config)
        self.start_problems += keys.problems
        self.set_keymap(keys.keymap)

    def _choose_theme(self) -> str:
        wanted = self.config.theme
        if wanted and wanted in self.available_themes:
            return wanted
        if wanted:
            known = ", ".join(sorted(self.available_themes))
            self.start_problems.append(f"{self.config.where('theme')}: theme: there is no "
                                       f"theme {wanted!r} (known: {known}); using "
                                       f"{DEFAULT_THEME!r}")
            return DEFAULT_THEME
        saved = self.store.get_meta(THEME_META)
        return saved if saved in self.available_themes else DEFAULT_THEME

    def get_default_screen(self) -> Screen[None]:
        return ReaderScreen(self.store, config=self.config, clock=self.clock,
                            open_story=self.open_story, offline=self.offline,
                            refresh_on_start=self.refresh_on_start,
                            fetcher_options=self.fetcher_options)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        layout = self.config
        return {**super().get_theme_variable_defaults(),
                "sources-width": str(layout.layout__sources_width),
                "headlines-width": layout.layout__headlines_width,
                "teasers-width": str(layout.layout__teasers_width)}

    def on_mount(self) -> None:
        for problem in self.start_problems:
            self.notify(problem, title="Configuration", severity="warning", timeout=20,
                        markup=False)

    def format_title(self, title: str, sub_title: str) -> Content:
        """"newsreader   Unread · BBC News": the name, then the view in quieter type."""
        view = clean_line(sub_title)
        view = view[:1].upper() + view[1:]
        if not view:
            return Content.assemble((title, "bold"))
        return Content.assemble((title, "bold"), ("   ", ""), (view, "dim"))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        extra = [command for command in super().get_system_commands(screen)
                 if command.title not in ("Theme", "Quit")]
        yield from system_commands(self, screen, extra)

    def watch_theme(self, theme: str) -> None:
        if self.is_running and theme != self.config.theme:
            self._save_theme(theme)

    @work(thread=True, exit_on_error=False, group="theme")
    def _save_theme(self, theme: str) -> None:
        self.store.set_meta(THEME_META, theme)

    # -- undo ---------------------------------------------------------------------------------
    def push_undo(self, description: str, run: Callable[[], str],
                  after: Callable[[], None]) -> None:
        self.undo_list.append(Undo(description, run, after))
        del self.undo_list[:-UNDO_DEPTH]

    def action_undo(self) -> None:
        if not self.undo_list:
            self.notify("Nothing to undo.")
            return
        self._undo(self.undo_list.pop())

    @work(thread=True, exit_on_error=False, group="undo")
    def _undo(self, undo: Undo) -> None:
        self.post_message(_Undone(undo, undo.run()))

    @on(_Undone)
    def _undone(self, message: _Undone) -> None:
        if message.error:
            self.notify(message.error, severity="warning", markup=False)
        else:
            self.notify(f"Undid {message.undo.description}.", markup=False)
        message.undo.after()
