"""`newsreader [PATH...]`: the launch of the app, with the paths named checked first."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from reader.cli.changes import cmd_import
from reader.cli.common import CliError, load_user_config, warn
from reader.cli.parser import Options


def run_app(opts: Options, paths: list[str]) -> int:
    """The app, on the cache as it is: the full integrity check and the reading of `paths`
    run in the app's workers after its first screen, so start-up does not grow with the
    archive, nor with the folder given.

    One rule for the paths: what surely cannot be read (missing, empty, binary, a folder
    that cannot be opened) is told on stderr before the app starts, from a stat and a few
    kilobytes, never a folder's read; an OPML list is imported. The app starts when anything
    named was usable, else the exit status is 1 and nothing is drawn. So it is when the
    app has no terminal to draw on (`terminal_problem`), before the cache is touched."""
    # The collector's passes while the app's modules load (~90 of them, ~10 ms of CPU)
    # find next to nothing: it is off until start-up's objects are frozen, then on. The
    # trade: that garbage (~500 objects, ~120 KB) is frozen with them, kept for the
    # process's life. What the user named is read with the collector on (`_collecting`),
    # so its garbage is not.
    was_on = gc.isenabled()
    gc.disable()
    try:
        return _run_app(opts, paths)
    finally:
        if was_on:
            gc.enable()


def terminal_problem() -> str | None:
    """Why the app cannot run here, in words, or None. Textual draws on standard output and
    reads keys from standard input, and either one redirected (`newsreader > file`,
    `newsreader | less`, a cron job, `< /dev/null`) would fill the file with escape codes,
    or wait for keys that never come, with nothing on the screen to say so. A driver chosen
    through Textual's `TEXTUAL_DRIVER` (`textual serve`'s, for a browser) needs none."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return None
    for name, stream, redirected in (("output", sys.stdout, "a file or a pipe"),
                                     ("input", sys.stdin, "a file, a pipe or nothing")):
        try:
            terminal = stream is not None and stream.isatty()
        except ValueError:  # closed
            terminal = False
        if not terminal:
            return (f"the app needs a terminal, and its {name} is {redirected}. To print "
                    "stories as text instead: newsreader show PATH|SOURCE")
    return None


@contextlib.contextmanager
def _collecting(needed: object) -> Iterator[None]:
    """The collector on for a while during start-up, when `needed` (see `run_app`): only
    then, since the first allocation after `gc.enable` runs a pass over all that was
    made while it was off."""
    if not needed:
        yield
        return
    gc.enable()
    try:
        yield
    finally:
        gc.disable()


def _run_app(opts: Options, paths: list[str]) -> int:
    from reader.service.subscriptions import open_cache
    from reader.store import StoreError
    from reader.store.recovery import BackgroundCheck

    readable: list[str] = []
    lists: list[str] = []
    with _collecting(paths):
        for path in paths:
            if Path(path).suffix.lower() == ".opml" and Path(path).expanduser().is_file():
                lists.append(path)
                continue
            # Imported only when a path is named: it loads the local-file readers (~40 ms)
            # that a plain launch needs only later, in a worker.
            from reader.service.sources import path_problem

            problem = path_problem(path)
            if problem:
                warn(problem)
            else:
                readable.append(path)
    if paths and not readable and not lists:
        return 1
    no_terminal = terminal_problem()
    if no_terminal:
        warn(no_terminal)
        return 1
    try:
        opened = open_cache(opts.data_dir, check=False, announce=warn)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    store = opened.store
    try:
        imported = 0
        with _collecting(lists):
            for path in lists:  # a few writes: done before the app, which then fetches them
                try:
                    imported += cmd_import(store, [path], opts) == 0
                except CliError as exc:
                    warn(exc)
        if paths and not readable and not imported:
            return 1
        from reader.ui.app import NewsApp
        from reader.ui.heap import young_generation
        from reader.ui.style_cache import STYLE_CACHE_NAME

        config, problems = load_user_config(opts, create=True)
        app = NewsApp(store, offline=opts.offline, config=config, config_problems=problems,
                      paths=readable, cache_check=BackgroundCheck(store),
                      rebuilt=opened.rebuilt,
                      style_cache=store.path.with_name(STYLE_CACHE_NAME))
        for notice in opened.notices:  # queued now, shown as soon as the screen is up
            app.notify(notice, title="The cache was rebuilt", severity="warning", timeout=30,
                       markup=False)
        # What is alive now (modules, classes, the app) lives as long as the process: kept
        # out of the collector's sight, the first full collection, which fell in the first
        # frame, walks only what the frame makes (~25 ms of CPU less at start-up).
        gc.freeze()
        gc.enable()
        with young_generation():  # the first frame too (reader.ui.heap)
            app.run()
        for problem in app.path_problems:  # the app showed them; the terminal keeps them
            warn(problem)
        if app.cache_problem:
            warn(app.cache_problem)
        if readable and not app.paths_added and not imported:
            return 1
        return int(app.return_code or 0)
    finally:
        store.close()
