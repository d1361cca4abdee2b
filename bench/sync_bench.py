"""`newsreader sync` against a real Tiny Tiny RSS, side by side with newsboat's ttrss backend.

Run:  .venv/bin/python bench/sync_bench.py [--feeds 200] [--stories 10000] [--rounds 2]
                                           [--workers 4] [--newsboat-threads 4]
                                           [--no-newsboat] [--no-profile] [--no-refresh]

What it does, and why it is built this way:

* One TT-RSS on 127.0.0.1 (scripts/ttrss_server.py: the Debian package, PostgreSQL, PHP's
  built-in web server), one user holding `--feeds` feeds in 8 categories and `--stories`
  stories, written into its database directly as the sync tests do (TT-RSS fetches nothing
  from loopback). The text is bench/feedcorpus.py's varied set: several scripts, typography,
  links, lists, quotes, figures, 0.5-8 KB a story; a feed holds 10-190 stories (newsboat asks
  for one page of 200 per feed); 30% are read and 3% starred, from a fixed seed, each read and
  star stamped an hour after the story (TT-RSS stamps every read and star made in its UI or
  API). Each story's label cache is filled as TT-RSS fills it on a story's first read, so
  whichever client runs first is not charged that once-only work.
* The server runs PHP's built-in server with PHP_CLI_SERVER_WORKERS (`--workers`, 4): left
  alone it answers one request at a time, which would cost a client that asks several things
  at once (newsboat with `reload-threads`, newsreader's pages in flight) its concurrency.
  TT-RSS boots for every request (opcache on), as under php-fpm.
* Each client, in a fresh directory: a **first sync** (empty cache), then 100 changes on the
  server (30 new stories in 10 feeds, 40 read and 30 starred flips, stamped with the time as
  TT-RSS stamps a change made in its UI or API), then a **second sync**.
  newsreader: `newsreader sync` (password from NEWSREADER_SYNC_PASSWORD). newsboat:
  `newsboat -x reload` with `urls-source "ttrss"` and `reload-threads` (`--newsboat-threads`,
  4, the server's workers). The server is put back to its first state after every client.
* A B B A order, `--rounds` times, so a drift in the machine's speed falls on both; medians
  and per-round ratios. Wall time, CPU of the client's process tree and its peak memory come
  from bench/common.py's launcher and sampler; the server's CPU is not counted for anyone.
  The package is compiled before the first run (`bench/trees.py`), so every sync reads
  compiled code, as an installed package does, whatever PYTHONDONTWRITEBYTECODE says.
* `--against DIR` also runs the `reader` package copied in DIR (before a change), in the same
  A B B A rounds; both trees then run as `python -S -P -m reader`.
* After the second sync each client's cache is checked against the server: stories, unread,
  starred. A client that is fast because it missed changes shows here.
* `--profile` (on; `--no-profile`): one more first and second sync of newsreader in this
  process, with every API call counted and timed (op, bytes, seconds) and the time in each
  step of the sync, to say where the time goes.
* `--refresh` (on; `--no-refresh`): the same stories as 200 RSS files served on loopback
  (bench/feed_serve.py), read by `newsreader refresh` into a fresh cache: the memory a sync
  is held against.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from ttrss_server import ServerError, missing  # noqa: E402

from bench.common import Run, abba, keep_or_remove, load, measure, newsreader_command, spread  # noqa: E402
from bench.feed_serve import ServerProcess, write_manifest  # noqa: E402
from bench.feedcorpus import Feed  # noqa: E402
from bench.sync_server import (  # noqa: E402
    LOGIN,
    PASSWORD,
    BenchServer,
    Content,
    Story,
    bench_server,
    make_content,
)
from bench.trees import compile_trees, tree_command  # noqa: E402

NEWSREADER = "newsreader"
NEWSBOAT = "newsboat"


# -- the clients ---------------------------------------------------------------------------------
@dataclass
class Result:
    first: Run
    second: Run
    first_requests: int
    second_requests: int
    cache: tuple[int, int, int]  # stories, unread, starred after the second sync
    server: tuple[int, int, int]


def _env(home: Path) -> dict[str, str]:
    """A fresh home (the trees were compiled before the first run: `compile_trees`)."""
    return dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
                XDG_DATA_HOME=str(home / ".local"), LANG="C.UTF-8", LC_ALL="C.UTF-8")


def _sync_config(url: str) -> str:
    return f'[sync]\nbackend = "ttrss"\nurl = "{url}"\nuser = "{LOGIN}"\n'


def _timed(server: BenchServer, command: list[str], env: dict[str, str], what: str
           ) -> tuple[Run, int]:
    before = server.requests()
    run = measure(command, env)
    if run.status:
        print(f"  {what} exited {run.status}:\n{run.output[-1500:]}")
    return run, server.requests() - before


def _sync_twice(server: BenchServer, content: Content, seed: int, name: str,
                command: list[str], env: dict[str, str], cache: Path, counts: str) -> Result:
    """The run every client gets alike: a first sync of the fresh server, the server's
    content changed, a second sync; then `counts` (stories, unread, starred) read from the
    client's own `cache` database, and the server put back for the next run."""
    first, first_requests = _timed(server, command, env, f"{name} first sync")
    server.change(content, seed)
    second, second_requests = _timed(server, command, env, f"{name} second sync")
    with sqlite3.connect(cache) as conn:
        row = conn.execute(counts).fetchone()
    result = Result(first, second, first_requests, second_requests, tuple(row),
                    server.counts())
    server.reset()
    return result


def run_newsreader(workdir: Path, server: BenchServer, content: Content, seed: int,
                   tree: str | None = None) -> Result:
    """`tree`: run the `reader` package copied in `tree/reader` instead of the installed one."""
    config = workdir / "config"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(_sync_config(server.url), encoding="utf-8")
    env = dict(_env(workdir), NEWSREADER_CONFIG_DIR=str(config),
               NEWSREADER_SYNC_PASSWORD=PASSWORD)
    program = newsreader_command()
    if tree is not None:
        env["PYTHONPATH"], program = tree_command(tree)
    command = program + ["--data-dir", str(workdir / "data"), "sync"]
    return _sync_twice(server, content, seed, "newsreader", command, env,
                       workdir / "data" / "newsreader.sqlite3",
                       "SELECT COUNT(*), COALESCE(SUM(read = 0), 0), "
                       "COALESCE(SUM(starred), 0) FROM stories")


def run_newsboat(workdir: Path, server: BenchServer, content: Content, seed: int,
                 threads: int) -> Result:
    home = workdir / "newsboat"
    home.mkdir(parents=True)
    (home / "urls").write_text("")
    (home / "config").write_text(
        f'urls-source "ttrss"\nttrss-url "{server.url}"\nttrss-login "{LOGIN}"\n'
        f'ttrss-password "{PASSWORD}"\nttrss-flag-star "s"\nreload-threads {threads}\n')
    command = ["newsboat", "-x", "reload", "-u", str(home / "urls"), "-c",
               str(home / "cache.db"), "-C", str(home / "config")]
    return _sync_twice(server, content, seed, "newsboat", command, _env(home),
                       home / "cache.db",
                       "SELECT COUNT(*), COALESCE(SUM(unread), 0), "
                       "COALESCE(SUM(instr(flags, 's') > 0), 0) FROM rss_item")


# -- newsreader's side, step by step -------------------------------------------------------------
@dataclass
class Call:
    op: str
    seconds: float
    sent: int
    received: int
    stage: str


@dataclass
class Profile:
    calls: list[Call] = field(default_factory=list)
    stages: list[tuple[str, float]] = field(default_factory=list)  # (stage, seconds)
    wall: float = 0.0
    cpu: float = 0.0
    error: str = ""


def profile_sync(path: Path, url: str) -> Profile:
    """One sync in this process, every API call and every step of the engine timed."""
    import json

    from reader.sources.fetch import Fetcher, fetcher_kwargs
    from reader.store import Store
    from reader.sync import SyncProgress, SyncSettings, sync
    from reader.sync.ttrss import TtrssBackend

    prof = Profile()
    stage = ["start"]
    marks: list[tuple[str, float]] = []
    fetcher = Fetcher(**fetcher_kwargs(None))
    original = fetcher.post_json

    async def post_json(target: str, payload: Any) -> Any:
        started = time.perf_counter()
        result = await original(target, payload)
        op = str(payload.get("op"))
        if op == "getHeadlines":  # which listing: a virtual feed by its id, or one feed's
            feed = int(payload.get("feed_id") or 0)
            op += f" {'feed' if feed > 0 else feed} {payload.get('view_mode')}"
        prof.calls.append(Call(op, time.perf_counter() - started,
                               len(json.dumps(payload)), len(result.body or b""), stage[0]))
        return result

    fetcher.post_json = post_json  # type: ignore[method-assign,assignment]

    def progress(step: SyncProgress) -> None:
        if step.stage != stage[0]:
            stage[0] = step.stage
            marks.append((step.stage, time.perf_counter()))

    store = Store(path)
    settings = SyncSettings(backend="ttrss", url=url, user=LOGIN)
    wall, cpu = time.perf_counter(), time.process_time()
    report = sync(store, settings, progress=progress,
                  backend=TtrssBackend(url, LOGIN, PASSWORD, fetcher))
    end = time.perf_counter()
    prof.wall, prof.cpu = end - wall, time.process_time() - cpu
    store.close()
    prof.error = report.error or ""
    marks.append(("end", end))
    prof.stages = [(name, marks[i + 1][1] - at) for i, (name, at) in enumerate(marks[:-1])]
    return prof


def print_profile(label: str, prof: Profile) -> None:
    net = sum(c.seconds for c in prof.calls)
    print(f"\n{label}: {prof.wall:.2f} s wall, {prof.cpu:.2f} s CPU in this process, "
          f"{len(prof.calls)} API calls taking {net:.2f} s, "
          f"{sum(c.received for c in prof.calls) / 2**20:.1f} MB received"
          + (f"; ERROR {prof.error}" if prof.error else ""))
    print(f"  {'step':20}{'wall s':>9}{'calls':>7}{'in calls s':>12}{'local s':>9}{'MB in':>8}")
    for name, seconds in prof.stages:
        calls = [c for c in prof.calls if c.stage == name]
        in_calls = sum(c.seconds for c in calls)
        print(f"  {name:20}{seconds:9.2f}{len(calls):7}{in_calls:12.2f}"
              f"{seconds - in_calls:9.2f}{sum(c.received for c in calls) / 2**20:8.2f}")
    ops: dict[str, list[Call]] = {}
    for call in prof.calls:
        ops.setdefault(call.op, []).append(call)
    print(f"  {'API op':34}{'calls':>7}{'total s':>9}{'median s':>10}{'KB in':>10}")
    for op, calls in ops.items():
        print(f"  {op:34}{len(calls):7}{sum(c.seconds for c in calls):9.2f}"
              f"{statistics.median(c.seconds for c in calls):10.3f}"
              f"{sum(c.received for c in calls) / 1024:10.0f}")


# -- the same stories as feeds, for the memory of a refresh ----------------------------------------
def rss_feeds(content: Content) -> list[Feed]:
    by_feed: dict[int, list[Story]] = {}
    for story in content.stories:
        by_feed.setdefault(story.feed, []).append(story)
    feeds = []
    for index, (title, _, _) in enumerate(content.feeds):
        items = "".join(
            f"<item><title>{escape(s.title)}</title><link>{s.link}</link>"
            f"<guid>{s.guid}</guid><pubDate>{formatdate(s.when, usegmt=True)}</pubDate>"
            f"<author>{escape(s.author)}</author>"
            f"<description><![CDATA[{s.body}]]></description></item>"
            for s in sorted(by_feed.get(index, []), key=lambda s: -s.when))
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                f"<title>{escape(title)}</title><link>https://news{index % 50}.example.org/"
                f"</link><description>bench</description>{items}</channel></rss>")
        feeds.append(Feed(f"/{index}.xml", "rss", title, body.encode("utf-8"),
                          len(by_feed.get(index, []))))
    return feeds


def run_refresh(workdir: Path, content: Content) -> Run:
    setdir = workdir / "feeds"
    feeds = rss_feeds(content)
    write_manifest(setdir, feeds)
    served = ServerProcess(setdir, 50, 0.0)
    try:
        lines = ['<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><body>']
        lines += [f"<outline type=\"rss\" text={quoteattr(f.title)} xmlUrl={quoteattr(u)}/>"
                  for f, u in zip(feeds, served.urls, strict=True)]
        (setdir / "feeds.opml").write_text("\n".join(lines) + "</body></opml>")
        env = dict(_env(workdir), NEWSREADER_CONFIG_DIR=str(workdir / "config"))
        base = newsreader_command() + ["--data-dir", str(workdir / "data")]
        measure(base + ["import", str(setdir / "feeds.opml")], env)
        run = measure(base + ["refresh"], env)
        if run.status:
            print(f"  refresh exited {run.status}:\n{run.output[-1500:]}")
        return run
    finally:
        served.stop()


# -- the report ----------------------------------------------------------------------------------
def report(results: dict[str, list[Result]], refresh: Run | None,
           against: str | None = None) -> None:
    def col(label: str, get: Callable[[Result], float]) -> str:
        return spread([get(r) for r in results[label]])

    print("\n(median (range, n); seconds, MB; CPU and memory are the client's process tree)")
    rows: list[tuple[str, Callable[[Result], float]]] = [
        ("first sync, wall s", lambda r: r.first.wall),
        ("first sync, CPU s", lambda r: r.first.cpu),
        ("first sync, API requests", lambda r: r.first_requests),
        ("second sync, wall s", lambda r: r.second.wall),
        ("second sync, CPU s", lambda r: r.second.cpu),
        ("second sync, API requests", lambda r: r.second_requests),
        ("peak RSS main, MB", lambda r: max(r.first.main_rss_mb, r.second.main_rss_mb)),
        ("peak PSS tree, MB", lambda r: max(r.first.tree_pss_mb, r.second.tree_pss_mb)),
    ]
    labels = list(results)
    print(f"{'':28}" + "".join(f"{label:>30}" for label in labels))
    for name, get in rows:
        print(f"{name:28}" + "".join(f"{col(label, get):>30}" for label in labels))
    for label in labels:
        caches = {r.cache for r in results[label]}
        servers = {r.server for r in results[label]}
        print(f"{label} after the second sync (stories, unread, starred): cache "
              f"{', '.join(map(str, caches))}; server {', '.join(map(str, servers))}")
    ours, theirs = results.get(NEWSREADER, []), results.get(NEWSBOAT, [])
    other = results.get(against, []) if against else []
    if ours and len(other) == len(ours):
        for what, get in (("second sync", lambda r: r.second.wall),
                          ("second sync CPU", lambda r: r.second.cpu),
                          ("first sync", lambda r: r.first.wall),
                          ("first sync CPU", lambda r: r.first.cpu)):
            ratios = [get(a) / get(b) for a, b in zip(ours, other, strict=True)]
            print(f"newsreader / the other tree, {what}, per round: "
                  f"{', '.join(f'{x:.2f}' for x in ratios)} (median "
                  f"{statistics.median(ratios):.2f}; below 1: this tree faster)")
    if ours and len(theirs) == len(ours):
        for what, get in (("first sync", lambda r: r.first.wall),
                          ("second sync", lambda r: r.second.wall),
                          ("first sync CPU", lambda r: r.first.cpu),
                          ("peak PSS tree", lambda r: max(r.first.tree_pss_mb,
                                                          r.second.tree_pss_mb))):
            ratios = [get(a) / get(b) for a, b in zip(ours, theirs, strict=True)]
            print(f"newsreader / newsboat, {what}, per round: "
                  f"{', '.join(f'{x:.2f}' for x in ratios)} (median "
                  f"{statistics.median(ratios):.2f}; below 1: newsreader faster/smaller)")
    if refresh is not None and ours:
        print(f"newsreader refresh of the same stories as RSS files: {refresh.wall:.2f} s, "
              f"RSS main {refresh.main_rss_mb:.0f} MB, PSS tree {refresh.tree_pss_mb:.0f} MB; "
              f"sync peak RSS main {spread([r.first.main_rss_mb for r in ours])} MB, "
              f"PSS tree {spread([r.first.tree_pss_mb for r in ours])} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of A B / B A (2)")
    parser.add_argument("--workers", type=int, default=4,
                        help="PHP_CLI_SERVER_WORKERS for the server (4)")
    parser.add_argument("--newsboat-threads", type=int, default=4,
                        help="newsboat's reload-threads (4)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-newsboat", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--no-refresh", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--against", metavar="DIR",
                        help="also run the `reader` package copied in DIR/reader (before a "
                             "change), in the same A B B A rounds")
    opts = parser.parse_args()

    problem = missing()
    if problem:
        print(f"sync_bench needs a real TT-RSS: {problem}", file=sys.stderr)
        return 1
    against = f"{NEWSREADER} ({opts.against})" if opts.against else None
    systems = [NEWSREADER, *([against] if against else [])]
    compile_trees(str(ROOT), opts.against)
    if not opts.no_newsboat:
        if shutil.which("newsboat"):
            systems.append(NEWSBOAT)
        else:
            print("newsboat is not on PATH (apt-get install newsboat): newsreader only")
    workdir = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    print(f"load average {load()} on {os.cpu_count()} cores; work in {workdir}")
    started = time.perf_counter()
    content = make_content(opts.feeds, opts.stories, opts.seed)
    size = sum(len(s.body.encode()) for s in content.stories)
    print(f"{len(content.feeds)} feeds, {len(content.stories):,} stories ({size / 2**20:.1f} MB "
          f"of HTML), made in {time.perf_counter() - started:.1f} s")
    try:
        with bench_server(workdir / "ttrss", opts.workers) as server:
            started = time.perf_counter()
            server.fill(content)
            print(f"TT-RSS at {server.url}, PHP_CLI_SERVER_WORKERS={opts.workers}; filled in "
                  f"{time.perf_counter() - started:.1f} s; server holds (stories, unread, "
                  f"starred) {server.counts()}")
            results: dict[str, list[Result]] = {}
            order = abba(systems, opts.rounds)
            for step, system in enumerate(order):
                rundir = workdir / f"run-{step}"
                if system == NEWSREADER:  # beside a copy, run as the copy is
                    result = run_newsreader(rundir, server, content, opts.seed,
                                            str(ROOT) if against else None)
                elif system == against:
                    result = run_newsreader(rundir, server, content, opts.seed, opts.against)
                else:
                    result = run_newsboat(rundir, server, content, opts.seed,
                                          opts.newsboat_threads)
                results.setdefault(system, []).append(result)
                print(f"  {step + 1}/{len(order)} {system}: first {result.first.wall:.2f} s "
                      f"({result.first_requests} requests), second {result.second.wall:.2f} s "
                      f"({result.second_requests} requests) (load {load()})", flush=True)
                if not opts.keep:
                    shutil.rmtree(rundir, ignore_errors=True)
            if not opts.no_profile:
                path = workdir / "profile" / "cache.sqlite3"
                path.parent.mkdir()
                print_profile("profile, newsreader first sync", profile_sync(path, server.url))
                server.change(content, opts.seed)
                print_profile("profile, newsreader second sync", profile_sync(path, server.url))
                server.reset()
        refresh = None if opts.no_refresh else run_refresh(workdir / "refresh", content)
        report(results, refresh, against)
        print(f"load average at the end {load()}")
    except ServerError as exc:
        print(f"sync_bench: the TT-RSS server: {exc}", file=sys.stderr)
        return 1
    finally:
        keep_or_remove(workdir, opts.keep)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
