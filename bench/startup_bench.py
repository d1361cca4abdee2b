"""Start-up: launch to the first headline visible in a real pty, newsreader beside a bare
Textual app that shows one line, and newsboat.

Run:  .venv/bin/python bench/startup_bench.py [--sizes 100,100000] [--launches 7]
                                              [--work DIR] [--no-newsboat] [--bytecode]
                                              [--compare DIR]

Why it is built this way:

* One launch is noise on a shared machine, so each contender is launched `--launches` times
  (7 by default) in A B C D D C B A order, and the median is reported with the range.
  Against the bare app, the ratio of the medians and the median of the rounds' ratios (each
  launch over the bare app's in the same round) are both printed.
* The floor of any Textual app is measured on the same run: `bench/bare_textual.py`, an App
  whose only widget is one line of text, started by the same interpreter. The goal compares
  newsreader with it, not with a number from another day.
* The clock stops when the needle's bytes arrive on the pty, read raw: a terminal emulator
  playing the frame first (pyte: ~50 ms of CPU for a full screen, on the same cores) would
  charge its own cost to the program. newsreader has two needles: its newest headline in
  the list (the first 12 letters: at 120 columns the list cuts a title at ~22, and the
  first 24, the needle until this round, only ever arrived with the story's title in the
  article pane), then that story's title in the article (the first 24 letters: the story
  opened). newsboat's is its first feed in the feed list (its first screen; its headlines
  are one `enter` further).
* CPU as well as wall time: each launch's own `time.process_time()` when the frame holding
  a needle is handed to Textual's driver (`CPU_WRAPPER` runs the program with
  `LinuxDriver.write` watched, patched as the program itself imports the driver, so that
  the wrapper imports nothing of Textual's before the program does). Other jobs on a
  shared machine stretch wall time by 2-3x; they disturb a process's own CPU time far
  less, so CPU is the figure to judge a start-up change by. The bare app runs under the
  same wrapper.
* `--compare DIR` launches newsreader a second time per size from another copy of the
  `reader` package (`DIR/reader`, on `PYTHONPATH`), in the same A B B A rounds: before and
  after a change, paired. Both sides are then alike: this tree runs from a copy on
  `PYTHONPATH` too (a folder first on the path is searched by every import), and each side
  has its own copy of the cache (the parsed-stylesheet file beside it is keyed by the paths
  the styles were read from, so two trees sharing it parsed their styles again in turn).
* The harness's own floor (the launcher plus `echo`) is printed, so it can be subtracted.
* Python's bytecode is read and written in a cache of the benchmark's own
  (`PYTHONPYCACHEPREFIX`, with `PYTHONDONTWRITEBYTECODE` cleared), so every launch after
  the untimed first one reads compiled code, as an installed package does, whatever the
  environment says, and the repository is left alone.
* `--bytecode` answers whether `PYTHONDONTWRITEBYTECODE=1` in the environment makes each
  launch compile the package: the `reader` package is copied without its `__pycache__` and
  launched from the copy with the variable set, then again after `compileall`, alternating.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import archive_newsboat as newsboat  # noqa: E402
from bench.archive_bench import ours_cache  # noqa: E402
from bench.archive_gen import generate, source_title  # noqa: E402
from bench.archive_pty import TimedTerminal  # noqa: E402
from bench.common import abba, load, newsreader_command  # noqa: E402
from reader.models import View  # noqa: E402
from reader.store import Store  # noqa: E402
from reader.store.recovery import _CHECKED_KEY as CHECKED_KEY  # noqa: E402

BARE_LINE = "bare textual: one line"
HEADLINE_LETTERS = 12  # the list's needle: fits the headline column at 120x40
STORY_LETTERS = 24  # the article's needle: longer than the list shows of a title

# Runs a Python program (a script, or "module:function") with Textual's terminal writes
# watched: the process's CPU time when the first write holding each needle is made goes to
# the file named by STARTUP_CPU_FILE, one "index milliseconds" line a needle.
CPU_WRAPPER = r"""
import importlib.machinery, os, runpy, sys, time
out = os.environ.pop("STARTUP_CPU_FILE")
needles = os.environ.pop("STARTUP_CPU_NEEDLES").split("\x1f")
found = set()
def watch(driver):
    write = driver.write
    def watched(self, data):
        for index, needle in enumerate(needles):
            if index not in found and needle in data:
                found.add(index)
                with open(out, "a") as handle:
                    handle.write(f"{index} {time.process_time() * 1000:.1f}\n")
        return write(self, data)
    driver.write = watched
class WatchDriver:  # patches the driver when the program imports it, as it would anyway
    def find_spec(self, name, path=None, target=None):
        if name != "textual.drivers.linux_driver":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            watch(module.LinuxDriver)
        spec.loader.exec_module = exec_module
        return spec
sys.meta_path.insert(0, WatchDriver())
target, sys.argv = sys.argv[1], sys.argv[1:]
if target.endswith(".py"):
    runpy.run_path(target, run_name="__main__")
else:
    module, _, function = target.partition(":")
    sys.exit(getattr(__import__(module, fromlist=[function]), function)())
"""


@dataclass
class Contender:
    name: str
    command: list[str]
    needles: list[str]  # what to wait for, in the order they appear
    env: dict[str, str] = field(default_factory=dict)
    python: str | None = None  # a script or "module:function": run under CPU_WRAPPER ...
    args: list[str] = field(default_factory=list)  # ... with these arguments
    times: list[list[float]] = field(default_factory=list)  # per launch, per needle
    cpu: list[list[float]] = field(default_factory=list)  # ms, per launch, per needle
    quit_keys: str = "q"
    pair_with: str | None = None  # another contender's name: report this one / that one


def first_written(term: TimedTerminal, needles: list[str] | str,
                  timeout: float = 120.0) -> list[float]:
    """Seconds from launch until each needle had arrived on the pty (raw bytes, no emulator)."""
    wanted_all = [needles] if isinstance(needles, str) else needles
    seen = bytearray()
    took: list[float] = []
    deadline = time.monotonic() + timeout
    while len(took) < len(wanted_all):
        needle = wanted_all[len(took)]
        if needle.encode("utf-8") in seen:
            took.append(term.last_data - term.started)
            continue
        if time.monotonic() > deadline:
            raise AssertionError(f"never written: {needle!r}; last bytes {bytes(seen[-400:])!r}")
        data = term.read_ready()
        if data is None:
            continue
        if not data:
            raise AssertionError(f"the program ended before writing {needle!r}: "
                                 f"{bytes(seen[-400:])!r}")
        term.last_data = time.monotonic()
        seen.extend(data)
    term.stream.feed(bytes(seen))
    return took


# Set for every launch (see the module docstring); a contender's own env comes on top.
PYCACHE_ENV: dict[str, str] = {}


def launch(contender: Contender) -> tuple[list[float], list[float]]:
    """One launch: seconds to each needle on the pty, and the program's CPU ms at each
    (empty when it is not a Python program run under CPU_WRAPPER)."""
    env = {**PYCACHE_ENV, **contender.env}
    command = contender.command
    cpu_file = Path(tempfile.mkstemp(suffix=".cpu")[1])
    if contender.python is not None:
        # -P: the current directory (the repository root, as a rule) is not put first on
        # sys.path, so a contender's PYTHONPATH copy of `reader` is the one imported.
        command = [sys.executable, "-P", "-c", CPU_WRAPPER, contender.python,
                   *contender.args]
        env.update(STARTUP_CPU_FILE=str(cpu_file),
                   STARTUP_CPU_NEEDLES="\x1f".join(contender.needles))
    term = TimedTerminal(command, env=env)
    try:
        took = first_written(term, contender.needles)
        term.settle(0.3)  # let it finish its first screen before asking it to quit
        term.send(contender.quit_keys)
        term.wait_exit(timeout=60)
        marks = dict(line.split() for line in cpu_file.read_text().splitlines())
        cpu = ([float(marks[str(index)]) for index in range(len(contender.needles))]
               if contender.python is not None else [])
    finally:
        term.close()
        term.peak_rss_mb()
        cpu_file.unlink(missing_ok=True)
    return took, cpu


def newsreader_contender(name: str, data: Path, config: Path,
                         env: dict[str, str] | None = None,
                         command: list[str] | None = None) -> Contender:
    store = Store(data / "newsreader.sqlite3")
    try:
        newest = store.views.headlines(View(), 0, 1)[0].title
        store.set_meta(CHECKED_KEY, str(time.time()))  # not the first start of a day
    finally:
        store.close()
    base = command or newsreader_command()
    args = ["--data-dir", str(data), "--offline"]
    return Contender(name, [*base, *args], [newest[:HEADLINE_LETTERS], newest[:STORY_LETTERS]],
                     {"NEWSREADER_CONFIG_DIR": str(config), **(env or {})},
                     python="reader.cli:main", args=args)


def newsboat_contender(work: Path, count: int, seed: int) -> Contender:
    home = work / f"newsboat-reload-{count}"
    cache = home / "cache.db"
    if not cache.exists():
        shutil.rmtree(home, ignore_errors=True)
        cache, _ = newsboat.build_cache(home, newsboat.by_source(generate(count, seed)),
                                        "reload")
    shutil.rmtree(home / ".local", ignore_errors=True)
    return Contender(f"newsboat, {count:,} (feed list)",
                     ["newsboat", "-u", str(home / "urls"), "-c", str(cache), "-C",
                      str(home / "config")], [source_title(0)],
                     {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                      "XDG_DATA_HOME": str(home / ".local")})


def run(contenders: list[Contender], launches: int, warmups: int = 1) -> None:
    """Each contender once untimed (the page cache), then `launches` times in A B B A order."""
    for contender in contenders:
        for _ in range(warmups):
            launch(contender)
    by_name = {c.name: c for c in contenders}
    for name in abba([c.name for c in contenders], launches):
        took, cpu = launch(by_name[name])
        by_name[name].times.append(took)
        by_name[name].cpu.append(cpu)


def _series(c: Contender, figure: str, needle: int) -> list[float]:
    """Milliseconds of one figure ("wall" or "cpu") to one needle, launch by launch."""
    if figure == "wall":
        return [t[needle] * 1000 for t in c.times]
    return [m[needle] for m in c.cpu if m]


def report(contenders: list[Contender], floor: list[float], reference: str | None) -> None:
    print(f"\n(load average now {load()}; harness floor, launcher + echo: median "
          f"{statistics.median(floor) * 1000:.0f} ms)")
    rows = [(f"{c.name}{'' if i == 0 else ', story shown'}", c, i)
            for c in contenders for i in range(len(c.needles))]
    width = max(len(name) for name, _, _ in rows) + 2
    base = next((c for c in contenders if c.name == reference), None)
    for figure in ("wall", "cpu"):
        print(f"\n{figure.upper() + ' ms':{width}}{'median':>9}{'min':>8}{'max':>8}   launches")
        for name, c, i in rows:
            ms = _series(c, figure, i)
            if not ms:
                continue
            print(f"{name:{width}}{statistics.median(ms):>7.0f}ms{min(ms):>6.0f}ms"
                  f"{max(ms):>6.0f}ms   {', '.join(f'{m:.0f}' for m in ms)}")
        if base is None:
            continue
        ref = _series(base, figure, 0)
        for name, c, i in rows:
            ms = _series(c, figure, i)
            if c is base or not ms:
                continue
            # Launch k of each was taken in the same A B B A round: pair them. The median of
            # the pairs holds when the machine drifts between a fast and a slow state during
            # the run (seen here: every launch 1.5x slower for a few rounds), which moves
            # the medians of the two series apart.
            pairs = [a / b for a, b in zip(ms, ref, strict=True)]
            overall = statistics.median(ms) / statistics.median(ref)
            print(f"  {figure} {name} / bare: median {overall:.2f}x; per round median "
                  f"{statistics.median(pairs):.2f}x, {min(pairs):.2f}-{max(pairs):.2f}x")
    by_name = {c.name: c for c in contenders}
    for c in contenders:
        other = by_name.get(c.pair_with or "")
        for figure in ("wall", "cpu") if other is not None else ():
            for i, what in enumerate(("headline", "story shown")[:len(c.needles)]):
                ms, ref = _series(c, figure, i), _series(other, figure, i)
                if ms and ref:
                    pairs = sorted(a / b for a, b in zip(ms, ref, strict=True))
                    print(f"  {figure} {what}, {c.name} / {other.name}: per round median "
                          f"{statistics.median(pairs):.2f}x, {pairs[0]:.2f}-{pairs[-1]:.2f}x")


def harness_floor(launches: int) -> list[float]:
    return [launch(Contender("echo", ["sh", "-c", "echo harness-floor; read x"],
                             ["harness-floor"], quit_keys="\n"))[0][0]
            for _ in range(launches)]


def copy_of_tree(where: Path) -> Path:
    """A copy of this tree's `reader/` in `where`, without its bytecode."""
    shutil.copytree(ROOT / "reader", where / "reader",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return where


def own_copy(data: Path, where: Path) -> Path:
    """A copy of a cache folder for a contender run from another tree. The parsed-stylesheet
    file beside the cache (`reader.ui.style_cache`) is keyed by the path each style was read
    from, so two trees launched in turn on one folder would each find the other's file and
    parse every style of their own again: a few ms that neither pays in use."""
    shutil.copytree(data, where)
    return where


def bytecode_contenders(data: Path, config: Path, scratch: Path) -> list[Contender]:
    """newsreader from a copy of the package with no bytecode, PYTHONDONTWRITEBYTECODE=1,
    and from a second copy compiled once (what a non-editable install holds)."""
    out = []
    for name, compiled in (("no bytecode", False), ("compiled", True)):
        copy = copy_of_tree(scratch / name.replace(" ", "-"))
        if compiled:
            compileall.compile_dir(copy / "reader", quiet=1)
        env = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": "",
               "PYTHONPATH": str(copy)}
        command = [sys.executable, "-c", "import sys; from reader.cli import main; "
                   "sys.exit(main())"]
        out.append(newsreader_contender(f"newsreader, 100, PYTHONDONTWRITEBYTECODE, {name}",
                                        own_copy(data, copy / "data"), config, env, command))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,100000", help="archive sizes (100,100000)")
    parser.add_argument("--launches", type=int, default=7, help="launches of each (7)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", help="keep (and reuse) the caches in this folder")
    parser.add_argument("--no-newsboat", action="store_true")
    parser.add_argument("--newsboat-sizes", default="100",
                        help="sizes newsboat is launched on (100; at 100,000 it takes ~35 s "
                             "a launch)")
    parser.add_argument("--bytecode", action="store_true",
                        help="only the PYTHONDONTWRITEBYTECODE check, at 100 stories")
    parser.add_argument("--compare", metavar="DIR",
                        help="also launch newsreader from DIR/reader (a copy of the package "
                             "before a change), paired with this tree's")
    opts = parser.parse_args()
    sizes = [int(s) for s in opts.sizes.split(",") if s.strip()]
    work = Path(opts.work or tempfile.mkdtemp(prefix="startup-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    config = Path(tempfile.mkdtemp(prefix="nr-config-"))
    scratch = Path(tempfile.mkdtemp(prefix="startup-copy-"))
    print(f"load average {load()} on {os.cpu_count()} cores; work in {work}")
    try:
        contenders: list[Contender] = []
        bare_script = str(ROOT / "bench" / "bare_textual.py")
        bare = Contender("bare Textual app, one line", [sys.executable, bare_script],
                         [BARE_LINE], python=bare_script)
        if opts.bytecode:
            data, _ = ours_cache(work, 100, opts.seed)
            contenders = [bare, *bytecode_contenders(data, config, scratch)]
        else:
            contenders.append(bare)
            # Compared, this tree runs from a copy on PYTHONPATH too: a folder put first on
            # the path is searched by every import of the launch (~300), which costs the
            # side launched from it ~1% more CPU than the installed package.
            this = {"PYTHONPATH": str(copy_of_tree(scratch / "this"))} if opts.compare else {}
            for count in sizes:
                data, built = ours_cache(work, count, opts.seed)
                if built is not None:
                    print(f"{count:,} stories written in {built:.0f} s")
                contenders.append(newsreader_contender(f"newsreader, {count:,} stories",
                                                       data, config, this))
                if opts.compare:
                    other = {"PYTHONPATH": str(Path(opts.compare).resolve())}
                    contenders.append(newsreader_contender(
                        f"newsreader, {count:,}, from {Path(opts.compare).name}",
                        own_copy(data, scratch / f"compare-{count}"), config, other))
                    contenders[-2].pair_with = contenders[-1].name
            with_newsboat = not opts.no_newsboat and shutil.which("newsboat") is not None
            for count in ([int(s) for s in opts.newsboat_sizes.split(",") if s.strip()]
                          if with_newsboat else []):
                contenders.append(newsboat_contender(work, count, opts.seed))
        PYCACHE_ENV.update(PYTHONDONTWRITEBYTECODE="", PYTHONPYCACHEPREFIX=str(scratch / "pyc"))
        floor = harness_floor(3)
        run(contenders, opts.launches)
        report(contenders, floor, bare.name)
    finally:
        shutil.rmtree(config, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
        if not opts.work:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
