"""The commands that only print: `show`, `list` and `config`."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from reader.cli.common import CliError, load_user_config, one_line, warn
from reader.cli.parser import Options

if TYPE_CHECKING:
    from reader.sources.local import LocalScan
    from reader.store import Store


def cmd_show(store: Store, args: list[str], opts: Options) -> int:
    """Print a source's stories exactly as the article view shows them."""
    from dataclasses import replace

    from reader.models import Story
    from reader.render import render_story
    from reader.sanitize import clip_teaser
    from reader.service.sources import find_source
    from reader.sources.local import LocalSourceError, read_local

    if not args:
        raise CliError("show needs a path or a source: newsreader show PATH")
    config, told = load_user_config(opts)  # dates as the article view writes them
    for bad in told:
        warn(bad)
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
                warn(exc)
                status = 1
                continue
            for problem in scan.result.problems:
                warn(problem)
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
                warn(f"{ref}: no story in it")
                status = 1
        else:
            warn(f"{ref}: no such file, folder or source")
            status = 1
            continue
        for story in stories:
            if printed:  # between any two stories, whichever source each came from
                out.write("\n" + "─" * 40 + "\n\n")
            printed += 1
            if story.full_html:  # a whole article kept with `f` is what the view shows
                story = replace(story, body_html=story.full_html)
            rendered = render_story(story, tz=config.tz, date_format=config.date_format)
            out.write(rendered.plain.rstrip("\n") + "\n")
            if story.teasers and not opts.no_teasers:
                out.write("\nTeasers:\n")
                for teaser in story.teasers:
                    out.write(f"  {clip_teaser(teaser)}\n")
    return status


def _title_for_show(path: Path, scan: LocalScan) -> str:
    from reader.refresh.local import title_for

    return title_for(path.expanduser().resolve(), scan)


def cmd_list(store: Store, args: list[str], opts: Options,
             out: TextIO | None = None) -> int:
    from reader.render import format_date

    out = out or sys.stdout
    sources = store.sources()
    if not sources:
        print("no sources yet: newsreader add URL|PATH", file=out)
        return 0
    config, told = load_user_config(opts)  # dates as the app writes them
    for bad in told:
        warn(bad)
    for s in sources:
        when = (format_date(s.last_success, tz=config.tz, fmt=config.date_format)
                if s.last_success else "never")
        folder = f"{s.folder}/" if s.folder else ""
        print(f"{s.id:>4}  {one_line(folder)}{one_line(s.label)}", file=out)
        print(f"      {one_line(s.location)}", file=out)
        print(f"      {s.unread} unread of {s.total} · updated {when} · {s.status}", file=out)
        if s.last_error:
            print(f"      last error: {one_line(s.last_error)}", file=out)
    return 0


def cmd_config(opts: Options, args: list[str]) -> int:
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
        warn(problem)
    return 1 if problems or checked else 0
