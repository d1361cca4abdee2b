"""The `newsreader` command line.

`newsreader [PATH...]` opens the app; the subcommands (`show`, `add`, `remove`, `list`,
`refresh`, `import`, `export`, `config`) work without drawing anything, for scripts and cron.
Textual is imported only when the app is opened (and by `config` to check a `[keys]` table),
so the headless commands start fast (measured: textual alone costs ~190 ms of import time).

Here: the start and the dispatch. The parser and help text are in `parser`, what every
command shares in `common`, the launch of the app in `app`, the commands that only print in
`printing`, and those that change the subscriptions or the cache in `changes`. Each of those
imports only the standard library at its top, so importing them all here costs nothing.
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from reader.cli.app import run_app
from reader.cli.changes import cmd_add, cmd_export, cmd_import, cmd_refresh, cmd_remove, cmd_sync
from reader.cli.common import CliError, warn
from reader.cli.parser import COMMANDS, Options, read_command_line
from reader.cli.printing import cmd_config, cmd_list, cmd_show

if TYPE_CHECKING:
    from reader.store import Store


def run() -> NoReturn:
    """The program (`newsreader`, `python -m reader`): `main()`, then an exit that skips the
    interpreter's teardown when the command ran to its end.

    Freeing every module and object at exit costs ~20 ms, 5-6% of a refresh in which every
    feed answers 304 (what cron runs every few minutes). `_end_at_once` is registered
    before anything else, and atexit runs callbacks last-registered first, so it runs after
    Python has waited for the threads and run every other callback (the process pool's
    shutdown, multiprocessing's, logging's); then stdout and stderr are flushed and the
    process ends with the command's status. Nothing is skipped but the freeing: the cache
    was closed and committed by `main`. An exception out of `main`, a failed flush, or the
    app (Textual's exit is its own) leave Python's usual exit alone."""
    atexit.register(_end_at_once)
    status = main()
    _status.append(status)
    raise SystemExit(status)


_status: list[int] = []  # the status `main()` returned, for `_end_at_once`


def _end_at_once() -> None:
    if not _status or "textual" in sys.modules:
        return
    if "logging" in sys.modules:  # registered before us when imported first: it runs now
        import logging

        logging.shutdown()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a closed pipe or stream: Python's own exit reports it
        return
    os._exit(_status[-1])


def main(argv: Sequence[str] | None = None) -> int:
    opts = read_command_line(sys.argv[1:] if argv is None else argv)
    args = list(opts.args)
    command = args[0] if args and args[0] in COMMANDS and not Path(args[0]).exists() else None
    if command:
        args = args[1:]
    _safe_streams()
    from reader import dataclass_code  # (here: `--help` and usage errors skip `dataclasses`)

    with dataclass_code.kept():  # the classes' generated methods: compiled once, kept
        return _dispatch(command, args, opts)


def _dispatch(command: str | None, args: list[str], opts: Options) -> int:
    try:
        if command is None:
            return run_app(opts, args)
        if command == "config":
            return cmd_config(opts, args)
        store = _open_store(opts)
        try:
            return int(HANDLERS[command](store, args, opts))
        finally:
            store.close()
    except CliError as exc:
        warn(exc)
        return 1
    except BrokenPipeError:
        # `newsreader show … | head`: the reader went away; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        from reader.sources.fetcherrors import FetchError
        from reader.store import StoreError

        if isinstance(exc, FetchError):  # one for the whole command (its TLS set-up)
            warn(exc)
            return 1
        if not isinstance(exc, StoreError):
            raise
        from reader.paths import data_dir
        from reader.store.recovery import explain

        warn(explain(exc, data_dir(opts.data_dir)))  # a read-only or full disk, in words
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        _stop_workers()


def _stop_workers() -> None:
    """The service's process pool (feed parsing, article extraction) ends with the command
    or the app, not at some later garbage collection."""
    pool = sys.modules.get("reader.service.pool")
    if pool is not None:  # never started by this run: nothing to stop, nothing to import
        pool.shutdown_pool()


def _safe_streams() -> None:
    """Never die on a terminal that cannot encode a character of a story."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def _open_store(opts: Options) -> Store:
    """The cache for a headless command, rebuilt when it is damaged (see
    reader.store.recovery; the subscriptions come back with reader.service.subscriptions).
    These check the whole file before they start when the check is
    due (once a day for a large cache): nobody is waiting on a screen, and they write. What
    the user must hear about it goes to stderr."""
    from reader.service.subscriptions import open_store
    from reader.store import StoreError

    try:
        store, told = open_store(opts.data_dir, announce=warn)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    for notice in told:
        warn(notice)
    return store


HANDLERS = {
    "show": cmd_show, "add": cmd_add, "remove": cmd_remove, "list": cmd_list,
    "refresh": cmd_refresh, "import": cmd_import, "export": cmd_export, "sync": cmd_sync,
}
