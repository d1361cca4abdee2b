"""What the command line asked for at start, done after the first screen in thread workers:
the welcome source, the files and folders named (`newsreader PATH...`), a re-read of the
local sources after the cache was rebuilt, and the cache's integrity check.

Start-up shows the cache at once, whatever its size; the slow things run here and answer
with the reading screen's own messages, which bubble up through the other controllers:

* `CacheReady` once the cache has something to show, with what the first frame shows
  (`first_look.FirstLook`): read in a thread begun as the screen is made, it is usually
  there when this controller is mounted, and then the first frame holds the headlines.
  The welcome stories are added only when no path was named: the files named are what the
  first screen is about.
* `paths`: each is read and subscribed to; the first one added is selected (`SourceAdded`,
  as `a` does), one that cannot be read is told in words (`AddFailed`) and kept in
  `path_problems` for the command line to repeat at exit.
* `rebuilt`: the cache was damaged and made anew, so local files and folders are read again
  at once (an online start's refresh reads them anyway; offline, nothing else would); the
  result comes as a `RefreshDone`.
* `cache_check` (reader.store.recovery.BackgroundCheck): the integrity check, `check_delay`
  seconds after start; damage it finds is told in words while the app goes on. Its `stop()`
  (when it has one) is called as the screen closes, so a quit never waits for the check.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from textual import on, work
from textual.message import Message
from textual.timer import Timer

from reader.models import Outcome, Source, View
from reader.sanitize import clean_line
from reader.store import Store
from reader.ui.controllers.base import Controller
from reader.ui.first_look import FirstLook, look_first
from reader.ui.messages import AddFailed, CacheReady, RefreshDone, SourceAdded, SourcesLoaded
from reader.words import plural

CHECK_DELAY = 3.0  # seconds after start: the integrity check never competes with the first screen
FIRST_LOOK_WAIT = 0.05  # seconds the first frame may wait for its headlines (read in ~2 ms)
SLOW_READ = 1.0  # seconds: a path still being read by then gets a "Reading…" note ...
READ_NOTE_EVERY = 8.0  # ... renewed this often (each note lasts as long) until it is read


@dataclass(frozen=True, eq=False)  # never compared: no generated __eq__, __hash__
class LaunchPlan:
    """The start-up choices of the command line."""

    paths: Sequence[str] = ()
    rebuilt: bool = False
    cache_check: Callable[[], str] | None = None
    check_delay: float = CHECK_DELAY
    offline: bool = False
    refresh_on_start: bool = True


class PathStarted(Message):
    """The worker began reading one path of the command line (`files`: how many it holds)."""

    def __init__(self, path: str, files: int) -> None:
        super().__init__()
        self.path = path
        self.files = files


class PathRead(Message):
    """One path of the command line was read: added (`source`) or not (`error`)."""

    def __init__(self, path: str, source: Source | None = None, outcome: Outcome | None = None,
                 stories: int = 0, error: str = "", sources: tuple[Source, ...] = (), row: int = 0,
                 counts: dict[str, int] | None = None) -> None:
        super().__init__()
        self.path = path
        self.source = source
        self.outcome = outcome
        self.stories = stories
        self.error = error
        self.sources = sources
        self.row = row
        self.counts = counts


class LocalReread(Message):
    """The local sources were read again; their outcomes, in order."""

    def __init__(self, outcomes: list[Outcome]) -> None:
        super().__init__()
        self.outcomes = outcomes


class CacheChecked(Message):
    """The background integrity check finished; `problem` is "" or words for the user."""

    def __init__(self, problem: str) -> None:
        super().__init__()
        self.problem = problem


@dataclass
class _Results:
    """What start-up found, for the command line to repeat once the app has closed."""

    path_problems: list[str] = field(default_factory=list)
    paths_added: int = 0
    cache_problem: str = ""


class LaunchController(Controller):
    """The welcome source, the paths of the command line, the rebuilt cache's re-read and
    the integrity check."""

    TASKS: ClassVar[dict[str, str]] = {
        "startup": "Opening the cache", "paths": "Reading the files given",
        "reread": "Reading the local sources", "cache-check": "The check of the cache"}

    def __init__(self, plan: LaunchPlan, store: Store, *, first_view: View, page: int,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.plan = plan
        # Begun now, before the screen is composed: see `reader.ui.first_look`.
        self._first_look = look_first(store, first_view, page)
        self.results = _Results()
        self._paths_done = 0
        self._reading: tuple[str, int, float] | None = None  # path, files, when it began
        self._read_notes: Timer | None = None

    def on_mount(self) -> None:
        plan = self.plan
        first = self._look_in_time()
        if first is not None:
            self.post_message(CacheReady(first))  # in time for the first frame
        else:
            self._start()
        if plan.paths:
            self._read_paths(list(plan.paths))
            self.set_timer(SLOW_READ, self._still_reading)
            self._read_notes = self.set_interval(READ_NOTE_EVERY, self._still_reading)
        if plan.rebuilt and (plan.offline or not plan.refresh_on_start):
            self._reread_local()
        if plan.cache_check is not None:
            if plan.check_delay > 0:
                self.set_timer(plan.check_delay, self._check_cache)
            else:
                self.call_after_refresh(self._check_cache)

    def on_unmount(self) -> None:
        # A check still reading the file would hold the quit up for seconds: end it.
        stop = getattr(self.plan.cache_check, "stop", None)
        if callable(stop):
            stop()

    def _look_in_time(self) -> FirstLook | None:
        """The first look, if it is read by now or within `FIRST_LOOK_WAIT` (nothing is on
        screen yet; a busy machine may not have run its thread so far, and waiting hands it
        the processor), and is what the first screen shows. Else None: the start-up worker
        waits for it and adds the welcome stories when they are wanted."""
        try:
            first = self._first_look.result(timeout=FIRST_LOOK_WAIT)
        except Exception:  # noqa: BLE001 - not read in time, or failed: the worker's then
            return None
        return first if self._shows(first) else None

    def _shows(self, first: FirstLook) -> bool:
        """Whether `first` is what the first screen shows: no welcome stories to add."""
        return bool(first.sources or self.plan.paths)

    @work(thread=True, exit_on_error=False, group="startup")
    def _start(self) -> None:
        first: FirstLook | None = None
        try:
            try:
                first = self._first_look.result()
            except Exception:  # noqa: BLE001 - the list reads the cache itself then
                first = None
            # Files named on the command line are what the first screen is about: the
            # welcome stories would race with them for it (and win or lose by chance).
            if first is None or not self._shows(first):
                first = None
                from reader.service.sources import ensure_welcome

                if not self.plan.paths:
                    ensure_welcome(self.host.store)
        except Exception as exc:  # noqa: BLE001 - whatever it is, the cache still shows
            self.app.notify(f"Could not add the welcome source: {clean_line(str(exc))}",
                            severity="warning", markup=False)
        finally:
            self.post_message(CacheReady(first))

    # -- the paths of the command line ------------------------------------------------------------
    @work(thread=True, exit_on_error=False, group="paths")
    def _read_paths(self, paths: list[str]) -> None:
        """Subscribe to the files and folders of the command line, one after another."""
        from reader.service.sources import PathRead as Read
        from reader.service.sources import read_paths

        store = self.host.store

        def done(read: Read) -> None:
            if read.source is None:
                self.post_message(PathRead(read.path, error=read.error))
                return
            self.post_message(PathRead(read.path, read.source, read.outcome, read.stories,
                                       sources=tuple(store.sources()),
                                       counts=store.views.counts(), row=read.row))

        read_paths(store, paths, done=done,
                   started=lambda path, files: self.post_message(PathStarted(path, files)))

    @on(PathStarted)
    def _path_started(self, message: PathStarted) -> None:
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
        what = f"{plural(files, 'file')}, " if files > 1 else ""
        self.notify(f"Reading {clean_line(path)} ({what}{seconds:.0f} s so far): its stories "
                    "show here when it is read. The cache is yours meanwhile.",
                    markup=False, timeout=READ_NOTE_EVERY)

    @on(PathRead)
    def _path_read(self, message: PathRead) -> None:
        results = self.results
        self._reading = None
        self._paths_done += 1
        if self._paths_done == len(self.plan.paths) and self._read_notes is not None:
            self._read_notes.stop()
        if message.source is None or message.outcome is None:
            results.path_problems.append(message.error)
            self.post_message(AddFailed(message.error))
            return
        results.path_problems += message.outcome.problems
        results.paths_added += 1
        if results.paths_added == 1:  # the first path is where the reader lands
            self.post_message(SourceAdded(message.source, message.outcome, message.stories,
                                          message.row))
            return
        self.notify(f"Added {clean_line(message.source.label)}: "
                    f"{plural(message.stories, 'story', 'stories')}",
                    markup=False)
        if message.counts is not None:
            self.post_message(SourcesLoaded(message.sources, message.counts))

    # -- a rebuilt cache, and the integrity check -------------------------------------------------
    @work(thread=True, exit_on_error=False, group="reread")
    def _reread_local(self) -> None:
        """After a rebuild the local sources are back but empty: read them again now."""
        from reader.service.refresh import reread_local

        outcomes = reread_local(self.host.store)
        if outcomes:
            self.post_message(LocalReread(outcomes))

    @on(LocalReread)
    def _local_reread(self, message: LocalReread) -> None:
        # The answer to a refresh: the list and counts reload, the result is told.
        # (A refresh started meanwhile is told by its own end; it reloads as well.)
        if not self.host.refreshing:
            self.post_message(RefreshDone(message.outcomes))
        else:
            from reader.ui.widgets.refresh_status import summarize

            self.notify(summarize(message.outcomes)[0], markup=False)

    @work(thread=True, exit_on_error=False, group="cache-check")
    def _check_cache(self) -> None:
        check = self.plan.cache_check
        if check is not None:
            self.post_message(CacheChecked(check()))

    @on(CacheChecked)
    def _cache_checked(self, message: CacheChecked) -> None:
        self.results.cache_problem = message.problem
        if message.problem:
            self.notify(message.problem, title="The cache is damaged", severity="error",
                        timeout=120, markup=False)
