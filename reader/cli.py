"""The `newsreader` command line.

`newsreader [PATH...]` opens the app; the subcommands (`show`, `add`, `remove`, `list`,
`refresh`, `import`, `export`, `config`) work without drawing anything, for scripts and cron.
Textual is imported only when the app is opened (and by `config` to check a `[keys]` table),
so the headless commands start fast (measured: textual alone costs ~190 ms of import time).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from reader import __version__
from reader.words import plural

if TYPE_CHECKING:
    from reader.config import Config, ConfigProblem
    from reader.models import Outcome, Source
    from reader.sources.local import LocalScan
    from reader.store import Store

COMMANDS = ("show", "add", "remove", "list", "refresh", "import", "export", "config", "sync")

EPILOG = """\
commands:
  newsreader [PATH...]          open the app (adding the files or folders given; an
                                .opml file is imported)
  newsreader show PATH|SOURCE   print stories as plain text, as the article view shows them
  newsreader add URL|PATH       subscribe to a feed, a page with a feed, a file or a folder
  newsreader remove SOURCE      unsubscribe (SOURCE: id, location, or part of its title)
  newsreader list               every source with unread count, last update and last error
  newsreader refresh [SOURCE...] fetch what is new; exit status 1 when something failed
  newsreader import FILE.opml   subscribe to every feed of an OPML file
  newsreader export [FILE]      write subscriptions as OPML 2.0 (to stdout without FILE)
  newsreader config             print the configuration file's path and the values in force
  newsreader sync               two-way sync with the server set in [sync]; exit status 1 on failure

examples, command by command:
  newsreader                                    the app, on the cache (refreshes feeds)
  newsreader ~/news/story.txt ~/saved-pages/    add a file and a folder, open the first story
  newsreader --offline                          read the cache without any network
  newsreader show ~/news/story.txt | less       a local file, read without the app
  newsreader show "BBC" --no-teasers            the cached stories of a source, text only
  newsreader add https://example.org/           a site: its feed is found from the page
  newsreader add --pick 2 https://example.org/  a site that links to several feeds: the 2nd
  newsreader add ~/news/                        a folder: each file in it is a story
  newsreader remove 12                          by id, location, or part of the title
  newsreader list | grep -B2 "last error"       the sources that are failing
  newsreader refresh                            everything; or name sources: refresh 3 BBC
  newsreader import subscriptions.opml          from another reader
  newsreader export ~/feeds.opml                to another reader (stdout without FILE)
  newsreader config                             where the settings are, and what they say
  newsreader --config ~/nr-test.toml config     try another configuration file
  newsreader --data-dir /tmp/nr add https://example.org/feed.xml   a throw-away cache

files:
  configuration  config.toml in $NEWSREADER_CONFIG_DIR, else the user config directory
                 (made on first run with every setting commented out; --config FILE
                 uses another). Bad values are reported with file, line and expected type.
  cache          newsreader.sqlite3 in $NEWSREADER_DATA_DIR, else the user data directory

environment:
  NEWSREADER_CONFIG_DIR  NEWSREADER_DATA_DIR  BROWSER (when the config sets no browser)
  NEWSREADER_SYNC_PASSWORD (the sync server's password, instead of password_command)

in the app: ? lists every key in force, ctrl+p finds any command, source or story.
"""


class CliError(Exception):
    """A command failed for a reason the user should read; printed to stderr, exit 1."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsreader", description="A fast, offline-first terminal news reader.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"newsreader {__version__}")
    parser.add_argument("--config", metavar="FILE",
                        help="the configuration file (default: config.toml in "
                             "$NEWSREADER_CONFIG_DIR, else the user config directory)")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="where the cache lives (default: $NEWSREADER_DATA_DIR, else the "
                             "user data directory)")
    parser.add_argument("--offline", action="store_true",
                        help="never touch the network (the app reads the cache only)")
    parser.add_argument("--no-teasers", action="store_true",
                        help="with show: print only the article text, not the sidebar teasers")
    parser.add_argument("--pick", metavar="N", type=int,
                        help="with add: when the page links to several feeds, subscribe to "
                             "the Nth (they are listed; without --pick, the first)")
    parser.add_argument("args", nargs="*", metavar="PATH | COMMAND ARGS",
                        help="files or folders to open, or one of: " + ", ".join(COMMANDS))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    opts = parser.parse_intermixed_args(argv)  # `add --pick 2 URL`: options anywhere
    args: list[str] = list(opts.args)
    command = args[0] if args and args[0] in COMMANDS and not Path(args[0]).exists() else None
    if command:
        args = args[1:]
    _safe_streams()
    try:
        if command is None:
            return _run_app(opts, args)
        if command == "config":
            return cmd_config(opts, args)
        store = _open_store(opts)
        try:
            return int(HANDLERS[command](store, args, opts))
        finally:
            store.close()
    except CliError as exc:
        _warn(exc)
        return 1
    except BrokenPipeError:
        # `newsreader show … | head`: the reader went away; that is not an error.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        from reader.store import StoreError

        if not isinstance(exc, StoreError):
            raise
        from reader.paths import data_dir
        from reader.store.recovery import explain

        _warn(explain(exc, data_dir(opts.data_dir)))  # a read-only or full disk, in words
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


def _warn(message: object) -> None:
    """One line on stderr. Messages name files and URLs that strangers chose (a file called
    ESC]52;… in a downloaded folder): cleaned, so no escape sequence reaches the terminal."""
    from reader.sanitize import clean_line

    print(f"newsreader: {clean_line(str(message))}", file=sys.stderr)


def _line(text: str) -> str:
    from reader.sanitize import clean_line

    return clean_line(text)


def _safe_streams() -> None:
    """Never die on a terminal that cannot encode a character of a story."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def _open_store(opts: argparse.Namespace) -> Store:
    """The cache for a headless command, rebuilt when it is damaged (see
    reader.store.recovery; the subscriptions come back with reader.service.subscriptions).
    These check the whole file before they start when the check is
    due (once a day for a large cache): nobody is waiting on a screen, and they write. What
    the user must hear about it goes to stderr."""
    from reader.service.subscriptions import open_store
    from reader.store import StoreError

    try:
        store, told = open_store(opts.data_dir, announce=_warn)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    for notice in told:
        _warn(notice)
    return store


def _run_app(opts: argparse.Namespace, paths: list[str]) -> int:
    """The app, on the cache as it is: the full integrity check and the reading of `paths`
    run in the app's workers after its first screen, so start-up does not grow with the
    archive, nor with the folder given.

    One rule for the paths: what surely cannot be read (missing, empty, binary, a folder
    that cannot be opened) is told on stderr before the app starts, from a stat and a few
    kilobytes, never a folder's read; an OPML list is imported. The app starts when anything
    named was usable, else the exit status is 1 and nothing is drawn."""
    from reader.service.subscriptions import open_cache
    from reader.store import StoreError
    from reader.store.recovery import BackgroundCheck

    readable: list[str] = []
    lists: list[str] = []
    for path in paths:
        if Path(path).suffix.lower() == ".opml" and Path(path).expanduser().is_file():
            lists.append(path)
            continue
        # Imported only when a path is named: it loads the local-file readers (~40 ms)
        # that a plain launch needs only later, in a worker.
        from reader.service.sources import path_problem

        problem = path_problem(path)
        if problem:
            _warn(problem)
        else:
            readable.append(path)
    if paths and not readable and not lists:
        return 1
    try:
        opened = open_cache(opts.data_dir, check=False, announce=_warn)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    store = opened.store
    try:
        imported = 0
        for path in lists:  # a few writes: done before the app, which then fetches them
            try:
                imported += cmd_import(store, [path], opts) == 0
            except CliError as exc:
                _warn(exc)
        if paths and not readable and not imported:
            return 1
        from reader.ui.app import NewsApp

        config, problems = load_user_config(opts, create=True)
        app = NewsApp(store, offline=opts.offline, config=config, config_problems=problems,
                      paths=readable, cache_check=BackgroundCheck(store),
                      rebuilt=opened.rebuilt)
        for notice in opened.notices:  # queued now, shown as soon as the screen is up
            app.notify(notice, title="The cache was rebuilt", severity="warning", timeout=30,
                       markup=False)
        app.run()
        for problem in app.path_problems:  # the app showed them; the terminal keeps them
            _warn(problem)
        if app.cache_problem:
            _warn(app.cache_problem)
        if readable and not app.paths_added and not imported:
            return 1
        return int(app.return_code or 0)
    finally:
        store.close()


# -- headless commands --------------------------------------------------------------------------
def cmd_show(store: Store, args: list[str], opts: argparse.Namespace) -> int:
    """Print a source's stories exactly as the article view shows them."""
    from dataclasses import replace

    from reader.models import Story
    from reader.render import render_story
    from reader.sanitize import clip_teaser
    from reader.service.sources import find_source
    from reader.sources.local import LocalSourceError, read_local

    if not args:
        raise CliError("show needs a path or a source: newsreader show PATH")
    status = printed = 0
    out = sys.stdout
    for ref in args:
        source = find_source(store, ref)
        stories: list[Story]
        if source is not None:
            stories = store.stories_of(source.id)
        elif Path(ref).expanduser().exists():
            try:
                scan = read_local(Path(ref).expanduser())
            except LocalSourceError as exc:
                _warn(exc)
                status = 1
                continue
            for problem in scan.result.problems:
                _warn(problem)
                status = 1
            label = _title_for_show(Path(ref), scan)
            stories = [
                Story(id=0, source_id=0, source_title=label, key=e.key, title=e.title,
                      link=e.link, author=e.author,
                      published=e.published if e.published is not None else time.time(),
                      body_html=e.body_html, lead=e.lead, teasers=tuple(e.teasers),
                      read=False, starred=False, path=e.path)
                for e in scan.result.entries
            ]
            if not stories and not scan.result.problems:
                _warn(f"{ref}: no story in it")
                status = 1
        else:
            _warn(f"{ref}: no such file, folder or source")
            status = 1
            continue
        for story in stories:
            if printed:  # between any two stories, whichever source each came from
                out.write("\n" + "─" * 40 + "\n\n")
            printed += 1
            if story.full_html:  # a whole article kept with `f` is what the view shows
                story = replace(story, body_html=story.full_html)
            out.write(render_story(story).plain.rstrip("\n") + "\n")
            if story.teasers and not opts.no_teasers:
                out.write("\nTeasers:\n")
                for teaser in story.teasers:
                    out.write(f"  {clip_teaser(teaser)}\n")
    return status


def _title_for_show(path: Path, scan: LocalScan) -> str:
    from reader.refresh.local import title_for

    return title_for(path.expanduser().resolve(), scan)


def cmd_add(store: Store, args: list[str], opts: argparse.Namespace) -> int:
    from reader.service import sources

    if not args:
        raise CliError("add needs a URL or a path: newsreader add URL|PATH")
    status = 0
    for ref in args:
        if opts.offline and ref.startswith(("http://", "https://")):
            _warn(f"cannot add {ref} while --offline")
            status = 1
            continue
        try:
            source, outcome = sources.add_location(store, ref, choose=_chooser(ref, opts.pick))
        except sources.AlreadySubscribed as exc:
            print(_line(str(exc)))
            continue
        except sources.AddError as exc:
            _warn(exc)
            status = 1
            continue
        for problem in outcome.problems:
            _warn(problem)
        print(f"added {_line(source.label)} ({_line(source.location)}): "
              f"{plural(outcome.new, 'new story', 'new stories')}")
    return status


def _chooser(ref: str, pick: int | None) -> Callable[[list[tuple[str, str]]], str]:
    """How `add` picks one of the feeds a page links to: the page's list goes to stderr,
    numbered, and `--pick N` chooses (without it, the first, and stderr says so)."""
    from reader.service.sources import AddError

    def choose(links: list[tuple[str, str]]) -> str:
        _warn(f"{ref} links to {plural(len(links), 'feed')}:")
        for number, (title, url) in enumerate(links, start=1):
            print(f"  {number}. {_line(title)}  {_line(url)}", file=sys.stderr)
        if pick is None:
            _warn("taking the first; choose another with --pick N")
            return links[0][1]
        if not 1 <= pick <= len(links):
            raise AddError(f"cannot add {ref}: --pick {pick}, but the page links to "
                                   f"{plural(len(links), 'feed')} (1 to {len(links)})")
        return links[pick - 1][1]

    return choose


def cmd_remove(store: Store, args: list[str], opts: argparse.Namespace) -> int:
    from reader.service.sources import find_source

    if not args:
        raise CliError("remove needs a source: its id, location, or part of its title")
    status = 0
    for ref in args:
        source = find_source(store, ref)
        if source is None:
            print(f"newsreader: no single source matches {ref!r} (see `newsreader list`)",
                  file=sys.stderr)
            status = 1
            continue
        store.remove_source(source.id)
        print(f"removed {_line(source.label)} ({plural(source.total, 'story', 'stories')})")
    return status


def cmd_list(store: Store, args: list[str], opts: argparse.Namespace,
             out: TextIO | None = None) -> int:
    from reader.render import format_date

    out = out or sys.stdout
    sources = store.sources()
    if not sources:
        print("no sources yet: newsreader add URL|PATH", file=out)
        return 0
    for s in sources:
        when = format_date(s.last_success) if s.last_success else "never"
        folder = f"{s.folder}/" if s.folder else ""
        print(f"{s.id:>4}  {_line(folder)}{_line(s.label)}", file=out)
        print(f"      {_line(s.location)}", file=out)
        print(f"      {s.unread} unread of {s.total} · updated {when} · {s.status}", file=out)
        if s.last_error:
            print(f"      last error: {_line(s.last_error)}", file=out)
    return 0


def cmd_refresh(store: Store, args: list[str], opts: argparse.Namespace) -> int:
    from reader.service.refresh import refresh
    from reader.service.sources import find_source

    if opts.offline:
        raise CliError("refresh does nothing with --offline")
    sources = None
    if args:
        sources = []
        for ref in args:
            found = find_source(store, ref)
            if found is None:
                raise CliError(f"no single source matches {ref!r} (see `newsreader list`)")
            sources.append(found)
    bar = _ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    outcomes = refresh(store, sources, progress=bar.update if bar else None)
    if bar:
        bar.finish()
    from reader.sanitize import clean_line

    failed = [o for o in outcomes if not o.ok]
    new = sum(o.new for o in outcomes)
    for o in outcomes:
        if o.new or o.updated:
            print(f"{clean_line(o.label)}: {o.new} new, {o.updated} updated")
    for o in failed:
        print(f"failed: {clean_line(o.label)}: {clean_line(o.error)}", file=sys.stderr)
    print(f"{plural(len(outcomes), 'source')}, {plural(new, 'new story', 'new stories')}, "
          f"{len(failed):,} failed")
    _after_refresh(store, opts, sources)
    return 1 if failed else 0


def _after_refresh(store: Store, opts: argparse.Namespace, sources: list[Source] | None) -> None:
    """What follows a refresh (the service's, as in the app): whole articles for sources in
    "refresh" mode, then retention; printed for cron."""
    from reader.service.refresh import after_refresh

    config, problems = load_user_config(opts)
    for problem in problems:
        print(f"newsreader: {problem}", file=sys.stderr)
    done = after_refresh(store, config, sources)
    if done.articles.tried:
        print(f"kept {len(done.articles.kept):,} of "
              f"{plural(done.articles.tried, 'full article')} for offline reading")
    if done.removed:
        print(f"retention: removed {plural(done.removed, 'old story', 'old stories')}")


def cmd_import(store: Store, args: list[str], opts: argparse.Namespace) -> int:
    from reader.service.subscriptions import import_opml

    if len(args) != 1:
        raise CliError("import needs one OPML file: newsreader import FILE.opml")
    try:
        data = Path(args[0]).expanduser().read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {args[0]}: {exc.strerror or exc}") from exc
    report = import_opml(store, data)
    if report.error:
        for line in report.skipped:
            _warn(f"skipped {line}")
        _warn(f"nothing imported from {args[0]}: {report.error}")
        return 1
    for note in report.notes:
        _warn(f"{args[0]}: {note}")
    for line in report.skipped:
        _warn(f"skipped {line}")
    folders = f" in {plural(report.folders, 'folder')}" if report.folders else ""
    refused = len(report.skipped) - report.already
    print(f"imported {plural(len(report.added), 'feed')}{folders}"
          + (f"; {report.already:,} already subscribed" if report.already else "")
          + (f"; {refused:,} skipped" if refused else ""))
    return 0


def cmd_export(store: Store, args: list[str], opts: argparse.Namespace) -> int:
    from reader.service.subscriptions import export_opml

    text = export_opml(store)
    if args:
        try:
            Path(args[0]).expanduser().write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {args[0]}: {exc.strerror or exc}") from exc
    else:
        sys.stdout.write(text)
    return 0


def load_user_config(opts: argparse.Namespace, *, create: bool = False
                     ) -> tuple[Config, list[ConfigProblem]]:
    """The configuration in force (`--config FILE`, else the default file). With `create`,
    a missing file is first written with every setting commented out (only the app and
    `newsreader config` create it)."""
    from reader.config import default_path, load_config

    path = default_path(getattr(opts, "config", None))
    if create and not path.exists():
        from reader.config_text import ensure_config_file
        from reader.ui.catalogue import ACTIONS

        ensure_config_file(path, ACTIONS)
    return load_config(path)


def cmd_config(opts: argparse.Namespace, args: list[str]) -> int:
    """Print where the configuration file is and every value in force (1 if it has problems)."""
    from reader.config import default_path
    from reader.config_text import describe
    from reader.ui.catalogue import ACTIONS
    from reader.ui.config_check import in_force

    if args:
        raise CliError("config takes no arguments: newsreader [--config FILE] config")
    path = default_path(opts.config)
    existed = path.exists()
    config, problems = load_user_config(opts, create=True)
    config, checked = in_force(config)  # the theme and keys, checked as the app checks them
    made = " (created just now, every setting commented out)" if not existed and \
        path.exists() else "" if path.exists() else " (missing: every default applies)"
    print(f"# configuration file: {path}{made}")
    print("# the values in force (each marked default, or with the line that set it):\n")
    sys.stdout.write(describe(config, ACTIONS))
    for problem in [*map(str, problems), *checked]:
        _warn(problem)
    return 1 if problems or checked else 0


class _ProgressBar:
    """A one-line progress bar on stderr for `newsreader refresh` in a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def update(self, outcome: Outcome, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        from reader.sanitize import clean_line

        label = clean_line(outcome.label)[:40]
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<40}")
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\r" + " " * 80 + "\r")
        self.stream.flush()


def cmd_sync(store: Store, args: list[str], opts: argparse.Namespace) -> int:
    """Two-way sync with the server `[sync]` names (for cron too), then whole articles and
    retention as after a refresh: exit status 1 when the sync failed, with the reason on
    stderr; what was not sent stays queued for the next one."""
    from reader.service.sync import configured, failure, sync_now
    from reader.sync import SyncProgress

    if args:
        raise CliError("sync takes no arguments: newsreader sync")
    if opts.offline:
        raise CliError("sync does nothing with --offline")
    config, told = load_user_config(opts)
    for problem in told:
        _warn(problem)
    if not configured(config):
        raise CliError(f"no sync server is configured: set backend, url and user in [sync] "
                       f"of {config.path}")

    def show(step: SyncProgress) -> None:
        count = f" {step.done}" + (f"/{step.total}" if step.total else "") if step.done else ""
        sys.stderr.write(f"\r{step.stage}{count}".ljust(60)[:79])
        sys.stderr.flush()

    run = sync_now(store, config, progress=show if sys.stderr.isatty() else None)
    report = run.report
    if sys.stderr.isatty():
        sys.stderr.write("\r" + " " * 79 + "\r")
    for words in report.problems:
        _warn(words)
    if report.error:
        words = failure(report)
        _warn(words[:1].lower() + words[1:])  # "newsreader: sync failed: ..."
    else:
        print(f"synced with {_line(config.sync__url)}: {report.sources_added} sources added, "
              f"{report.sources_removed} removed, {report.new_stories} new stories, "
              f"{report.pulled} changes from the server, {report.pushed} sent, "
              f"{report.conflicts} changed on both sides; {report.pending} waiting")
    if run.after is not None and run.after.articles.tried:
        print(f"kept {len(run.after.articles.kept):,} of "
              f"{plural(run.after.articles.tried, 'full article')} for offline reading")
    if run.after is not None and run.after.removed:
        print(f"retention: removed {plural(run.after.removed, 'old story', 'old stories')}")
    return 1 if report.error else 0


HANDLERS = {
    "show": cmd_show, "add": cmd_add, "remove": cmd_remove, "list": cmd_list,
    "refresh": cmd_refresh, "import": cmd_import, "export": cmd_export, "sync": cmd_sync,
}
