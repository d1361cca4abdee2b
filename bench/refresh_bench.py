"""Cold and warm `newsreader refresh` on generated feeds, side by side with newsboat.

Run:  .venv/bin/python bench/refresh_bench.py [--feeds N] [--corpus varied|ascii|both]
                                              [--rounds R] [--latency MS] [--no-newsboat]
                                              [--against DIR]

What it does, and why it is built this way:

* Two sets of feeds from a fixed seed (bench/feedcorpus.py): **varied** (several scripts,
  entities, CDATA, RSS 1.0, Atom XHTML, JSON Feed, legacy encodings, a tenth only
  feedparser reads, a few large feeds) and **ascii** (the set of earlier rounds, all on the
  direct road). `--corpus both` measures each.
* The feeds are served by a process of its own (bench/feed_serve.py) on loopback, with ETag
  and Last-Modified (a matching conditional request gets 304) and gzip, spread over up to 50
  addresses 127.0.0.x: real subscriptions live on many hosts, and a per-host connection
  limit must not turn the benchmark into a one-host test. `--latency` delays every answer.
* `newsreader` runs as cron would run it, against a temporary data directory: `import
  FILE.opml` (untimed), then `refresh` twice: cold (empty cache) and warm (every feed answers
  304). The search index is caught up afterwards in a process of its own and reported apart
  (the app does it in a worker after a refresh), then the cache's bytes per story.
* newsboat reads the same feeds with `reload-threads 8` (and its defaults if asked). Its
  first reload forgets the ETags, so its warm figure is the third reload.
* The systems run in A B B A order, round after round (`--rounds`, 2 by default), each run
  in a fresh directory: a drift in the machine's speed falls on both alike, and each round's
  ratio shows how noisy the figures are.
* Reported: wall time; the exact CPU of the whole process tree, parser processes included
  (the launcher in bench/common.py reaps every descendant); the main process's exact peak
  RSS; and the peak of the tree's summed RSS and PSS (sampled every 50 ms from the tree's
  own /proc entries). PSS counts the pages forked workers share once.
* `--against DIR` runs the `reader` copied in DIR beside this one, both the same way
  (`python -S -P -m reader` with the tree first on the path), not the installed script.
* Every tree measured is compiled first (`compileall`, and its dataclass code kept), as
  the README's install does: where the environment sets `PYTHONDONTWRITEBYTECODE`, a
  module edited since the last `compileall` would otherwise be compiled at every launch (a
  few ms a module, which a warm refresh feels), and a copied tree whole.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import Run, abba, keep_or_remove, load, measure, newsreader_command  # noqa: E402
from bench.feed_serve import ServerProcess, write_manifest  # noqa: E402
from bench.feedcorpus import Feed, corpus  # noqa: E402
from bench.trees import compile_trees, tree_command  # noqa: E402

NEWSREADER = "newsreader"

# Run in a process of its own after the cold refresh: what the app's worker does then.
_CATCH_UP = """
import sys, time
from reader.store import Store
store = Store(sys.argv[1])
wall, cpu = time.perf_counter(), time.process_time()
applied = store.index.catch_up()
print(applied, time.perf_counter() - wall, time.process_time() - cpu)
store.close()
"""


def opml(feeds: list[Feed], urls: list[str]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0"><head>'
             "<title>bench</title></head><body>"]
    for feed, url in zip(feeds, urls, strict=True):
        lines.append(f"<outline type=\"rss\" text={quoteattr(feed.title)} "
                     f"xmlUrl={quoteattr(url)}/>")
    lines.append("</body></opml>")
    return "\n".join(lines)


@dataclass
class Result:
    """One system's cold and warm run, and what its cache holds afterwards."""

    cold: Run
    warm: Run
    stories: int
    cache_bytes: int
    index_wall: float = 0.0  # newsreader: the search index's catch-up after the cold run
    index_cpu: float = 0.0
    index_stories: int = 0


@dataclass
class Figures:
    results: dict[str, list[Result]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)


def _env(home: Path) -> dict[str, str]:
    return dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
                XDG_DATA_HOME=str(home / ".local"), LANG="C.UTF-8", LC_ALL="C.UTF-8")


def _db_bytes(path: Path) -> int:
    """The database's size with its WAL folded in (what it holds at rest)."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def run_newsreader(workdir: Path, opml_file: Path, tree: str | None = None) -> Result:
    """`tree`: run the `reader` package copied in `tree/reader` instead of this one."""
    data = workdir / "newsreader-data"
    env = dict(_env(workdir), NEWSREADER_CONFIG_DIR=str(workdir / "config"))
    command, python = newsreader_command(), [sys.executable]
    if tree:
        env["PYTHONPATH"], command = tree_command(tree)
        python = command[:-2]  # the interpreter and its flags, without `-m reader`
    base = command + ["--data-dir", str(data)]
    imported = measure(base + ["import", str(opml_file)], env)
    if imported.status:
        raise SystemExit(f"newsreader import failed:\n{imported.output}")
    cold = measure(base + ["refresh"], env)
    warm = measure(base + ["refresh"], env)
    for name, run in (("cold", cold), ("warm", warm)):
        if run.status:
            print(f"newsreader {name} refresh exited {run.status}:\n{run.output[-2000:]}")
    path = data / "newsreader.sqlite3"
    caught = measure([*python, "-c", _CATCH_UP, str(path)], env)
    applied, wall, cpu = caught.output.split()[-3:]
    with sqlite3.connect(path) as conn:
        stories = conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
    return Result(cold, warm, stories, _db_bytes(path), float(wall), float(cpu), int(applied))


def run_newsboat(workdir: Path, urls: list[str], threads: int | None) -> Result:
    home = workdir / f"newsboat-{threads or 'default'}"
    home.mkdir()
    (home / "urls").write_text("\n".join(urls) + "\n")
    (home / "config").write_text(f"reload-threads {threads}\n" if threads else "")
    command = ["newsboat", "-x", "reload", "-u", str(home / "urls"), "-c",
               str(home / "cache.db"), "-C", str(home / "config")]
    env = _env(home)
    cold = measure(command, env)
    measure(command, env)  # the second reload downloads everything again (ETags lost)
    warm = measure(command, env)
    with sqlite3.connect(home / "cache.db") as conn:
        stories = conn.execute("SELECT COUNT(*) FROM rss_item").fetchone()[0]
    return Result(cold, warm, stories, _db_bytes(home / "cache.db"))


def newsboat_label(threads: int | None) -> str:
    return f"newsboat ({f'reload-threads {threads}' if threads else 'defaults'})"


def run_set(name: str, feeds: list[Feed], opts: argparse.Namespace, workdir: Path) -> Figures:
    entries = sum(f.entries for f in feeds)
    size = sum(len(f.body) for f in feeds)
    kinds = Counter(f.kind for f in feeds)
    print(f"\n=== {name}: {len(feeds)} feeds ({', '.join(f'{n} {k}' for k, n in kinds.items())}),"
          f" {entries:,} entries, {size / 2**20:.1f} MB, latency {opts.latency:g} ms")
    setdir = workdir / name
    write_manifest(setdir, feeds)
    server = ServerProcess(setdir, opts.hosts, opts.latency)
    figures = Figures()
    try:
        (setdir / "feeds.opml").write_text(opml(feeds, server.urls), encoding="utf-8")
        systems: dict[str, int | None] = {}
        if not opts.no_newsboat and shutil.which("newsboat"):
            systems = {newsboat_label(t): t for t in
                       (None if c == "defaults" else int(c)
                        for c in opts.newsboat_configs.split(","))}
        elif not opts.no_newsboat:
            print("newsboat is not on PATH (apt-get install newsboat): ours only")
        against = f"newsreader ({opts.against})" if opts.against else None
        figures.order = abba([NEWSREADER, *([against] if against else []), *systems],
                             opts.rounds)
        for step, system in enumerate(figures.order):
            rundir = setdir / f"run-{step}"
            rundir.mkdir()
            if system == NEWSREADER:
                # Beside a copy, this tree runs as the copy does (`python -S -P -m reader`):
                # with the installed script each parser process imports the command line
                # (the script is its `__main__`: ~1 MB each), and `site` adds ~0.6-0.9 MB
                # to the fork server and the resource tracker, which start with our flags
                # (where they run: the app's refresh, not the command's, which forks).
                result = run_newsreader(rundir, setdir / "feeds.opml",
                                        str(ROOT) if against else None)
            elif system == against:
                result = run_newsreader(rundir, setdir / "feeds.opml", opts.against)
            else:
                result = run_newsboat(rundir, server.urls, systems[system])
            figures.results.setdefault(system, []).append(result)
            print(f"  {step + 1}/{len(figures.order)} {system}: cold {result.cold.wall:.2f} s, "
                  f"warm {result.warm.wall:.2f} s (load {load()})", flush=True)
            if not opts.keep:
                shutil.rmtree(rundir, ignore_errors=True)
    finally:
        server.stop()
    report(figures, entries)
    return figures


def _span(values: list[float], fmt: str = "{:.2f}") -> str:
    if len(values) == 1:
        return fmt.format(values[0])
    low, high = min(values), max(values)
    return f"{fmt.format(low)}-{fmt.format(high)}"


def report(figures: Figures, entries: int) -> None:
    print("\n(ranges over the runs; seconds, MB, bytes)")
    print(f"{'':28}{'cold':>12}{'warm':>12}{'CPU cold':>12}{'CPU warm':>12}{'stories':>15}"
          f"{'RSS main':>10}{'RSS tree':>10}{'PSS tree':>10}{'B/story':>14}")
    for label, results in figures.results.items():
        def col(get: Callable[[Result], float], fmt: str = "{:.2f}",
                results: list[Result] = results) -> str:
            return _span([get(r) for r in results], fmt)
        print(f"{label:28}{col(lambda r: r.cold.wall):>12}{col(lambda r: r.warm.wall):>12}"
              f"{col(lambda r: r.cold.cpu):>12}{col(lambda r: r.warm.cpu):>12}"
              f"{col(lambda r: r.stories, '{:,}'):>15}"
              f"{col(lambda r: r.cold.main_rss_mb, '{:.0f}'):>10}"
              f"{col(lambda r: r.cold.tree_rss_mb, '{:.0f}'):>10}"
              f"{col(lambda r: r.cold.tree_pss_mb, '{:.0f}'):>10}"
              f"{col(lambda r: r.cache_bytes / max(r.stories, 1), '{:,.0f}'):>14}")
    ours = figures.results.get(NEWSREADER, [])
    if ours:
        print(f"newsreader, search index caught up after the cold refresh: "
              f"{_span([r.index_wall for r in ours])} s wall, "
              f"{_span([r.index_cpu for r in ours])} s CPU, "
              f"{_span([r.index_stories for r in ours], '{:,}')} queued notes applied; the "
              f"main process of the cold run (with the parser workers it forked) used "
              f"{_span([r.cold.main_cpu for r in ours])} s of the tree's CPU")
        for label, results in figures.results.items():
            if label != NEWSREADER and label.startswith(NEWSREADER):
                print(f"{label}: the main process of the cold run (with the parser "
                      "workers it forked) used "
                      f"{_span([r.cold.main_cpu for r in results])} s")
        if any(r.stories != entries for r in ours):
            print(f"note: newsreader stored {_span([r.stories for r in ours], '{:,}')} stories"
                  f" of {entries:,} entries")
    for label, results in figures.results.items():
        if label == NEWSREADER or len(results) != len(ours):
            continue
        # Round r's ratio pairs the r-th run of each: in A B B A order, adjacent runs.
        for what, get in (("cold", lambda r: r.cold.wall), ("warm", lambda r: r.warm.wall),
                          ("CPU cold", lambda r: r.cold.cpu),
                          ("PSS tree", lambda r: r.cold.tree_pss_mb),
                          ("B/story", lambda r: r.cache_bytes / max(r.stories, 1))):
            ratios = [get(a) / get(b) for a, b in zip(ours, results, strict=True)]
            print(f"newsreader / {label}, {what}: "
                  f"{', '.join(f'{r:.2f}' for r in ratios)} (median "
                  f"{statistics.median(ratios):.2f}x; below 1: newsreader is faster/smaller)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", "-n", type=int, default=50, help="number of feeds (50)")
    parser.add_argument("--corpus", choices=("varied", "ascii", "both"), default="both")
    parser.add_argument("--latency", type=float, default=0.0, help="ms added to each answer")
    parser.add_argument("--hosts", type=int, default=50, help="loopback addresses used (50)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-newsboat", action="store_true", help="skip newsboat")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds of A B / B A order (2: A B B A)")
    parser.add_argument("--newsboat-configs", default="8",
                        help="newsboat runs: 'defaults' and/or reload-threads counts (8); "
                             "at 1,000 feeds each takes minutes")
    parser.add_argument("--against", metavar="DIR",
                        help="also run the `reader` package copied in DIR/reader (before a "
                             "change), in the same A B B A rounds")
    opts = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="refresh-bench-"))
    print(f"load average {load()} on {os.cpu_count()} cores; work in {workdir}")
    try:
        compile_trees(str(ROOT), opts.against)
        for name in (("varied", "ascii") if opts.corpus == "both" else (opts.corpus,)):
            started = time.perf_counter()
            maker = corpus(name, opts.seed)
            base_time = 1_700_000_000.0
            feeds = [maker.feed(i, base_time) for i in range(opts.feeds)]
            print(f"\n{name}: made in {time.perf_counter() - started:.1f} s")
            run_set(name, feeds, opts, workdir)
    finally:
        keep_or_remove(workdir, opts.keep)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
