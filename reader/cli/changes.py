"""The commands that change the subscriptions or the cache: `add`, `remove`, `refresh`,
`import`, `export` and `sync`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from reader.cli.common import CliError, load_user_config, one_line, warn
from reader.cli.parser import Options
from reader.words import plural

if TYPE_CHECKING:
    from reader.models import Outcome, Source
    from reader.store import Store


def cmd_add(store: Store, args: list[str], opts: Options) -> int:
    from reader.service import sources

    if not args:
        raise CliError("add needs a URL or a path: newsreader add URL|PATH")
    status = 0
    for ref in args:
        if opts.offline and ref.startswith(("http://", "https://")):
            warn(f"cannot add {ref} while --offline")
            status = 1
            continue
        try:
            source, outcome = sources.add_location(store, ref, choose=_chooser(ref, opts.pick))
        except sources.AlreadySubscribed as exc:
            print(one_line(str(exc)))
            continue
        except sources.AddError as exc:
            warn(exc)
            status = 1
            continue
        for problem in outcome.problems:
            warn(problem)
        print(f"added {one_line(source.label)} ({one_line(source.location)}): "
              f"{plural(outcome.new, 'new story', 'new stories')}")
    return status


def _chooser(ref: str, pick: int | None) -> Callable[[list[tuple[str, str]]], str]:
    """How `add` picks one of the feeds a page links to: the page's list goes to stderr,
    numbered, and `--pick N` chooses (without it, the first, and stderr says so)."""
    from reader.service.sources import AddError

    def choose(links: list[tuple[str, str]]) -> str:
        warn(f"{ref} links to {plural(len(links), 'feed')}:")
        for number, (title, url) in enumerate(links, start=1):
            print(f"  {number}. {one_line(title)}  {one_line(url)}", file=sys.stderr)
        if pick is None:
            warn("taking the first; choose another with --pick N")
            return links[0][1]
        if not 1 <= pick <= len(links):
            raise AddError(f"cannot add {ref}: --pick {pick}, but the page links to "
                                   f"{plural(len(links), 'feed')} (1 to {len(links)})")
        return links[pick - 1][1]

    return choose


def cmd_remove(store: Store, args: list[str], opts: Options) -> int:
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
        print(f"removed {one_line(source.label)} ({plural(source.total, 'story', 'stories')})")
    return status


def cmd_refresh(store: Store, args: list[str], opts: Options) -> int:
    from reader.service.refresh import refresh

    if opts.offline:
        raise CliError("refresh does nothing with --offline")
    sources = None
    if args:
        # Only here: `service.sources` loads the local-file readers, which a plain
        # `refresh` of feeds (from cron, most often all 304) never needs.
        from reader.service.sources import find_source

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


def _after_refresh(store: Store, opts: Options, sources: list[Source] | None) -> None:
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


def cmd_import(store: Store, args: list[str], opts: Options) -> int:
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
            warn(f"skipped {line}")
        warn(f"nothing imported from {args[0]}: {report.error}")
        return 1
    for note in report.notes:
        warn(f"{args[0]}: {note}")
    for line in report.skipped:
        warn(f"skipped {line}")
    folders = f" in {plural(report.folders, 'folder')}" if report.folders else ""
    refused = len(report.skipped) - report.already
    print(f"imported {plural(len(report.added), 'feed')}{folders}"
          + (f"; {report.already:,} already subscribed" if report.already else "")
          + (f"; {refused:,} skipped" if refused else ""))
    return 0


def cmd_export(store: Store, args: list[str], opts: Options) -> int:
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


def cmd_sync(store: Store, args: list[str], opts: Options) -> int:
    """Two-way sync with the server `[sync]` names (for cron too), then whole articles and
    retention as after a refresh: exit status 1 when the sync failed, with the reason on
    stderr; what was not sent stays queued for the next one."""
    from reader.service.sync import failure, sync_now
    from reader.sync import SyncProgress

    if args:
        raise CliError("sync takes no arguments: newsreader sync")
    if opts.offline:
        raise CliError("sync does nothing with --offline")
    config, told = load_user_config(opts)
    for problem in told:
        warn(problem)
    if not config.names_sync_server:
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
        warn(words)
    if report.error:
        words = failure(report)
        warn(words[:1].lower() + words[1:])  # "newsreader: sync failed: ..."
    else:
        print(f"synced with {one_line(config.sync__url)}: {report.sources_added} sources added, "
              f"{report.sources_removed} removed, {report.new_stories} new stories, "
              f"{report.pulled} changes from the server, {report.pushed} sent, "
              f"{report.conflicts} changed on both sides; {report.pending} waiting")
    if run.after is not None and run.after.articles.tried:
        print(f"kept {len(run.after.articles.kept):,} of "
              f"{plural(run.after.articles.tried, 'full article')} for offline reading")
    if run.after is not None and run.after.removed:
        print(f"retention: removed {plural(run.after.removed, 'old story', 'old stories')}")
    return 1 if report.error else 0
