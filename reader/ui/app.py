"""The Textual application: wiring only.

It holds the store, the configuration and the start-up choices the command line makes,
registers the reading theme and the palette's providers, applies the user's keymap, and
pushes the reading screen; everything else lives in `screens/` (the reading screen is
composed of panes and `controllers/`) and `widgets/`. Dependencies come in through the
constructor, so tests hand it a cache in a temporary directory, a fixed clock and a
configuration of their own (never the user's file).

Problems with the configuration (a bad value, an unknown theme, a key already taken) are
shown once at start as warnings naming the file and line; the app runs with the defaults for
them. What the command line asked for at start (paths to read, a rebuilt cache, the
integrity check) is the reading screen's launch controller's (`controllers/launch.py`); the
app only hands on what it found, for the command line to repeat at exit.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import Screen
from textual.style import Style

from reader.config import DEFAULT_THEME, Config, ConfigProblem, theme_problem
from reader.lowlevel import narrow_default_rule, spacing_marks_take_a_cell
from reader.sanitize import clean_line
from reader.store import Store
from reader.ui.commands import PROVIDERS, system_commands
from reader.ui.controllers.articles import ArticlesController
from reader.ui.controllers.launch import CHECK_DELAY, LaunchPlan
from reader.ui.controllers.layout import LayoutController
from reader.ui.controllers.links import LinksController
from reader.ui.controllers.reading import ReadingController
from reader.ui.controllers.refresh import RefreshController
from reader.ui.controllers.search import SearchController
from reader.ui.controllers.sources import SourcesController
from reader.ui.controllers.undo import UndoController
from reader.ui.keys import build_keymap
from reader.ui.screens.reading import ReadingScreen
from reader.ui.style_cache import StyleCache
from reader.ui.themes import THEMES
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.panes import Panes
from reader.ui.widgets.search_bar import SearchBar
from reader.ui.widgets.source_list import SourceList
from reader.ui.widgets.strip_cycles import install as install_strip_divide
from reader.ui.widgets.teaser_sidebar import TeaserSidebar

TITLE_STYLE = Style(bold=True)  # the header's app name
VIEW_STYLE = Style(dim=True)  # the header's view, beside the name
THEME_META = "ui_theme"  # the theme last chosen in the app (the config file's choice wins)
class NewsApp(App[None]):
    """newsreader: headlines, article and teasers over the offline cache."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "newsreader"
    HELP_GROUP: ClassVar[str] = "Application"
    COMMANDS = PROVIDERS
    _theme_chosen = False  # until `__init__` has chosen the theme (`get_css_variables`)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", show=False, id="quit"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, priority=True,
                id="command_palette"),
        Binding("ctrl+z", "suspend_process", "Suspend to the shell", show=False,
                id="suspend"),
    ]

    def __init__(self, store: Store, *, open_story: int | None = None, offline: bool = False,
                 clock: Callable[[], float] = time.time, refresh_on_start: bool = True,
                 config: Config | None = None, config_problems: Sequence[ConfigProblem] = (),
                 fetcher_options: dict[str, Any] | None = None, paths: Sequence[str] = (),
                 cache_check: Callable[[], str] | None = None,
                 check_delay: float = CHECK_DELAY, rebuilt: bool = False,
                 style_cache: Path | None = None) -> None:
        self.config = config if config is not None else Config()
        install_strip_divide()  # drawn lines freed when dropped, not in a collector pause
        spacing_marks_take_a_cell()  # Indic vowel signs drawn in a cell, as terminals draw them
        super().__init__()
        self.store = store
        self.open_story = open_story
        self.clock = clock
        self.fetcher_options = fetcher_options
        self.launch = LaunchPlan(paths=tuple(paths), rebuilt=rebuilt, cache_check=cache_check,
                                 check_delay=check_delay, offline=offline,
                                 refresh_on_start=refresh_on_start)
        self.reader: ReadingScreen | None = None
        self.start_problems = [str(problem) for problem in config_problems]
        # The parsed stylesheet of the last launch (start-up): see `reader.ui.style_cache`.
        self.styles_kept = StyleCache(style_cache) if style_cache is not None else None
        for theme in THEMES:
            self.register_theme(theme)
        chosen = self._choose_theme()
        found = self.get_theme(chosen)
        self._theme_chosen = True
        same_kind = found is not None and found.dark == self.current_theme.dark
        if same_kind:
            # Set without the watcher, which rebuilds the whole stylesheet once the app runs
            # (every source parsed again and every widget restyled, before the first
            # frame): nothing is parsed or styled yet, so the theme's variables are all
            # the stylesheet needs (start-up). The light/dark classes Textual set in
            # `__init__` already fit this theme.
            self.set_reactive(NewsApp.theme, chosen)
        else:
            self.theme = chosen  # (a light theme: Textual's watcher works it out again at run)
        self.stylesheet.set_variables(self.get_css_variables())
        if same_kind and self.styles_kept is not None:  # (light themes are not kept)
            self.styles_kept.prime(self.stylesheet)
        keys = build_keymap(self.config, key_classes())
        self.start_problems += keys.problems
        self.set_keymap(keys.keymap)

    def _choose_theme(self) -> str:
        wanted = self.config.theme
        if wanted and wanted in self.available_themes:
            return wanted
        if wanted:
            problem = theme_problem(self.config, self.available_themes)
            self.start_problems.append(f"{self.config.where('theme')}: theme: {problem}")
            return DEFAULT_THEME
        saved = self.store.get_meta(THEME_META)
        return saved if saved in self.available_themes else DEFAULT_THEME

    def get_default_screen(self) -> Screen[None]:
        self.reader = ReadingScreen(self.store, config=self.config, clock=self.clock,
                                    open_story=self.open_story, launch=self.launch,
                                    fetcher_options=self.fetcher_options)
        return self.reader

    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables, once the theme is chosen: Textual's `__init__` asks for its
        default theme's before ours are registered, only for `__init__` here to replace
        them (~0.8 ms of start-up)."""
        return super().get_css_variables() if self._theme_chosen else {}

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
        if self.styles_kept is not None:
            self.call_after_refresh(self._keep_styles)
        # Back from ctrl+z the terminal shows the shell's screen: draw all of ours again, as
        # Textual does after `App.suspend` (it redraws only what changed after a SIGCONT).
        self.app_resume_signal.subscribe(self, lambda _app: self.refresh(layout=True))

    def _keep_styles(self) -> None:
        """Once the first frame is drawn (every source it needs parsed): write the parsed
        rules for the next launch if this one had to parse any."""
        if self.styles_kept is not None:
            content = self.styles_kept.wanted(self.stylesheet)
            if content is not None:
                self._write_styles(self.styles_kept, content)

    @work(thread=True, exit_on_error=False, group="styles")
    def _write_styles(self, kept: StyleCache, content: tuple[Any, ...]) -> None:
        kept.keep(content)

    # -- what start-up found, for the command line to repeat at exit -----------------------------
    @property
    def path_problems(self) -> list[str]:
        """What went wrong reading the paths named on the command line."""
        return self.reader.launch.results.path_problems if self.reader is not None else []

    @property
    def paths_added(self) -> int:
        return self.reader.launch.results.paths_added if self.reader is not None else 0

    @property
    def cache_problem(self) -> str:
        """What the integrity check found ("" when it found nothing or has not run)."""
        return self.reader.launch.results.cache_problem if self.reader is not None else ""

    def format_title(self, title: str, sub_title: str) -> Content:
        """"newsreader   Unread · BBC News": the name, then the view in quieter type.

        Styles given as objects, not names: a style named in a string is parsed, and the
        first parse tokenizes every theme variable (~1 ms of the first frame)."""
        view = clean_line(sub_title)
        view = view[:1].upper() + view[1:]
        if not view:
            return Content.assemble((title, TITLE_STYLE))
        return Content.assemble((title, TITLE_STYLE), "   ", (view, VIEW_STYLE))

    def action_suspend_process(self) -> None:
        """ctrl+z: back to the shell, which brings the app back with `fg`. Only where a shell
        with job control started it: the app stops itself, and anywhere else (`xterm -e
        newsreader`, a tmux pane's command) nothing would ever let it go on."""
        if shell_can_resume():
            super().action_suspend_process()
        else:
            self.notify("ctrl+z suspends the app only when a shell with job control started "
                        "it: none is here to bring it back.", severity="warning")

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


# Textual dims any disabled widget that can take the focus (`*:disabled:can-focus`), a rule
# it tries on every node as it styles it (start-up: see `narrow_default_rule`). No widget of
# the app is disabled; the Textual widgets it uses that could be keep the same look.
DISABLED_RULE = "*:disabled:can-focus"
DISABLED_NARROWER = "Button:disabled, Input:disabled, OptionList:disabled"
narrow_default_rule(NewsApp, DISABLED_RULE, DISABLED_NARROWER)


def shell_can_resume() -> bool:
    """Whether a shell with job control runs this process as one of its jobs: then the
    process has a group of its own (not its session's), and its parent is in the same
    session in another group. Otherwise its group is orphaned, and a stopped process in it
    would wait for a SIGCONT that nothing sends."""
    try:
        group, session, parent = os.getpgrp(), os.getsid(0), os.getppid()
        return (group != session and os.getsid(parent) == session
                and os.getpgid(parent) != group)
    except (AttributeError, OSError):  # not POSIX, or the parent already gone
        return False


def key_classes() -> list[type[DOMNode]]:
    """The classes whose bindings make up the reading screen's key chain (app, screen, its
    controllers, panes): what the `[keys]` table of the configuration may rebind. Here,
    because the app is the one that knows which screen it pushes; `reader.ui.keys` is handed
    the list."""
    return [NewsApp, ReadingScreen, ReadingController, LinksController, RefreshController,
            LayoutController, SearchController, ArticlesController, SourcesController,
            UndoController, Panes, SearchBar, HeadlineList, ArticleView, SourceList,
            TeaserSidebar]
