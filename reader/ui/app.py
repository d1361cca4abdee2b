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

Start-up shows the cache at once, whatever its size (issue 5); the slow things the command
line used to do first now run in thread workers after the first screen, and answer with the
reading screen's own messages:

* `paths` (`newsreader PATH...`): each file or folder is read and subscribed to; the first
  one added is selected (`SourceAdded`, as `a` does), a path that cannot be read is told in
  words (`AddFailed`) and kept in `path_problems` for the command line to repeat at exit.
* `cache_check` (reader.store.recovery.BackgroundCheck): the integrity check, `check_delay`
  seconds after start; damage it finds is told in words while the app goes on. Its `stop()`
  (when it has one) is called as the app closes, so a quit never waits for the check.
* `rebuilt`: the cache was damaged and made anew, so local files and folders are read again
  at once (an online start's refresh reads them anyway; offline, nothing else would).
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
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from reader.config import DEFAULT_THEME, Config, ConfigProblem
from reader.models import Outcome, Source, View
from reader.sanitize import clean_line
from reader.store import Store
from reader.ui.commands import PROVIDERS, system_commands
from reader.ui.messages import AddFailed, RefreshDone, SourceAdded, SourcesLoaded
from reader.ui.screens.reader import ReaderScreen
from reader.ui.themes import THEMES

THEME_META = "ui_theme"  # the theme last chosen in the app (the config file's choice wins)
UNDO_DEPTH = 20
CHECK_DELAY = 3.0  # seconds after start: the integrity check never competes with the first screen
SLOW_READ = 1.0  # seconds: a path still being read by then gets a "Reading…" note ...
READ_NOTE_EVERY = 8.0  # ... renewed this often (each note lasts as long) until it is read
STARTUP_TASKS = {"paths": "Reading the files given", "reread": "Reading the local sources",
                 "cache-check": "The check of the cache"}


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


@dataclass
class _PathStarted(Message):
    """The worker began reading one path of the command line (`files`: how many it holds)."""

    path: str
    files: int


@dataclass
class _PathRead(Message):
    """One path of the command line was read: added (`source`) or not (`error`)."""

    path: str
    source: Source | None = None
    outcome: Outcome | None = None
    stories: int = 0
    error: str = ""
    sources: tuple[Source, ...] = ()
    counts: dict[str, int] | None = None


@dataclass
class _LocalReread(Message):
    outcomes: list[Outcome]


@dataclass
class _CacheChecked(Message):
    """The background integrity check finished; `problem` is "" or words for the user."""

    problem: str


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
                 fetcher_options: dict[str, Any] | None = None, paths: Sequence[str] = (),
                 cache_check: Callable[[], str] | None = None,
                 check_delay: float = CHECK_DELAY, rebuilt: bool = False) -> None:
        self.config = config if config is not None else Config()
        super().__init__()
        self.store = store
        self.open_story = open_story
        self.offline = offline
        self.clock = clock
        self.refresh_on_start = refresh_on_start
        self.fetcher_options = fetcher_options
        self.paths = list(paths)
        self.path_problems: list[str] = []  # what went wrong reading `paths`, for the CLI
        self.paths_added = 0
        self._paths_done = 0
        self._reading: tuple[str, int, float] | None = None  # path, files, when it began
        self._read_notes: Timer | None = None
        self.cache_check = cache_check
        self.check_delay = check_delay
        self.cache_problem = ""  # what the integrity check found, once it has run
        self.rebuilt = rebuilt
        self.reader: ReaderScreen | None = None
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
        self.reader = ReaderScreen(self.store, config=self.config, clock=self.clock,
                                   open_story=self.open_story, offline=self.offline,
                                   refresh_on_start=self.refresh_on_start,
                                   fetcher_options=self.fetcher_options)
        return self.reader

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
        if self.paths:
            self._read_paths(self.paths)
            self.set_timer(SLOW_READ, self._still_reading)
            self._read_notes = self.set_interval(READ_NOTE_EVERY, self._still_reading)
        if self.rebuilt and (self.offline or not self.refresh_on_start):
            self._reread_local()
        if self.cache_check is not None:
            if self.check_delay > 0:
                self.set_timer(self.check_delay, self._check_cache)
            else:
                self.call_after_refresh(self._check_cache)

    def on_unmount(self) -> None:
        # A check still reading the file would hold the quit up for seconds: end it.
        stop = getattr(self.cache_check, "stop", None)
        if callable(stop):
            stop()

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

    # -- start-up work, after the first screen -------------------------------------------------
    def _to_reader(self, message: Message) -> None:
        """Hand a message to the reading screen (whatever screen is on top)."""
        if self.reader is not None:
            self.reader.post_message(message)

    @work(thread=True, exit_on_error=False, group="paths")
    def _read_paths(self, paths: list[str]) -> None:
        """Subscribe to the files and folders of the command line, one after another."""
        from reader import library

        for path in paths:
            self.post_message(_PathStarted(path, library.count_files(path)))
            try:
                source, outcome = library.add_path(self.store, path)
            except library.AddError as exc:
                self.post_message(_PathRead(path, error=str(exc)))
                continue
            except Exception as exc:  # noqa: BLE001 - a full disk, say: told, not a crash
                self.post_message(_PathRead(path, error=f"cannot add {path}: {exc}"))
                continue
            stories = self.store.count(View(source_id=source.id))
            self.post_message(_PathRead(path, source, outcome, stories,
                                        sources=tuple(self.store.sources()),
                                        counts=self.store.counts()))

    @on(_PathStarted)
    def _path_started(self, message: _PathStarted) -> None:
        self._reading = (message.path, message.files, time.monotonic())

    def _still_reading(self) -> None:
        """A note that a path is being read (a folder of 5,000 pages takes a while), renewed
        with the time so far until it is done; then `SourceAdded` tells the result."""
        if self._reading is None:
            return
        path, files, began = self._reading
        seconds = time.monotonic() - began
        if seconds < SLOW_READ:
            return
        what = f"{files:,} files, " if files > 1 else ""
        self.notify(f"Reading {clean_line(path)} ({what}{seconds:.0f} s so far): its stories "
                    "show here when it is read. The cache is yours meanwhile.",
                    markup=False, timeout=READ_NOTE_EVERY)

    @on(_PathRead)
    def _path_read(self, message: _PathRead) -> None:
        self._reading = None
        self._paths_done += 1
        if self._paths_done == len(self.paths) and self._read_notes is not None:
            self._read_notes.stop()
        if message.source is None or message.outcome is None:
            self.path_problems.append(message.error)
            self._to_reader(AddFailed(message.error))
            return
        self.path_problems += message.outcome.problems
        self.paths_added += 1
        if self.paths_added == 1:  # the first path is where the reader lands
            self._to_reader(SourceAdded(message.source, message.outcome, message.stories))
            return
        self.notify(f"Added {clean_line(message.source.label)}: {message.stories} stories",
                    markup=False)
        if message.counts is not None:
            self._to_reader(SourcesLoaded(message.sources, message.counts))

    @work(thread=True, exit_on_error=False, group="reread")
    def _reread_local(self) -> None:
        """After a rebuild the local sources are back but empty: read them again now."""
        from reader.library import refresh_local

        local = [s for s in self.store.sources() if s.kind in ("file", "folder")]
        if not local:
            return
        outcomes = []
        for source in local:
            try:
                outcomes.append(refresh_local(self.store, source))
            except Exception as exc:  # noqa: BLE001 - one source must not stop the others
                outcomes.append(Outcome(source.id, source.label, error=clean_line(str(exc))))
        self.post_message(_LocalReread(outcomes))

    @on(_LocalReread)
    def _local_reread(self, message: _LocalReread) -> None:
        # The screen's answer to a refresh: the list and counts reload, the result is told.
        # (A refresh started meanwhile is told by its own end; it reloads as well.)
        if self.reader is not None and not self.reader.refreshing:
            self._to_reader(RefreshDone(message.outcomes))
        else:
            from reader.ui.widgets.refresh_status import summarize

            self.notify(summarize(message.outcomes)[0], markup=False)

    @work(thread=True, exit_on_error=False, group="cache-check")
    def _check_cache(self) -> None:
        check = self.cache_check
        if check is not None:
            self.post_message(_CacheChecked(check()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own start-up workers, failed: told in words (the screens tell theirs)."""
        worker = event.worker
        if event.state != WorkerState.ERROR or worker.node is not self:
            return
        what = STARTUP_TASKS.get(worker.group)
        if what is not None:
            self.notify(f"{what} failed: {clean_line(str(worker.error))}", severity="error",
                        markup=False)

    @on(_CacheChecked)
    def _cache_checked(self, message: _CacheChecked) -> None:
        self.cache_problem = message.problem
        if message.problem:
            self.notify(message.problem, title="The cache is damaged", severity="error",
                        timeout=120, markup=False)
