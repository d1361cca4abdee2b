"""Start-up: launch to the first headline visible in a real pty, newsreader beside a bare
Textual app that shows one line, and newsboat.

Run:  .venv/bin/python bench/startup_bench.py [--sizes 100,100000] [--launches 7]
                                              [--work DIR] [--no-newsboat] [--bytecode]

Why it is built this way:

* One launch is noise on a shared machine, so each contender is launched `--launches` times
  (7 by default) in A B C D D C B A order, and the median is reported with the range.
* The floor of any Textual app is measured on the same run: `bench/bare_textual.py`, an App
  whose only widget is one line of text, started by the same interpreter. The goal compares
  newsreader with it, not with a number from another day.
* The clock stops when the needle's bytes arrive on the pty, read raw: a terminal emulator
  playing the frame first (pyte: ~50 ms of CPU for a full screen, on the same cores) would
  charge its own cost to the program. newsreader's needle is the newest headline (the first
  24 letters, drawn in one style, so written in one piece); newsboat's is its first feed in
  the feed list (its first screen; its headlines are one `enter` further).
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
import select
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


@dataclass
class Contender:
    name: str
    command: list[str]
    needle: str
    env: dict[str, str] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)
    quit_keys: str = "q"


def first_written(term: TimedTerminal, needle: str, timeout: float = 120.0) -> float:
    """Seconds from launch until `needle` had arrived on the pty (raw bytes, no emulator)."""
    fd = term.proc.fd
    seen = bytearray()
    wanted = needle.encode("utf-8")
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"never written: {needle!r}; last bytes {bytes(seen[-400:])!r}")
        if not select.select([fd], [], [], 0.05)[0]:
            continue
        try:
            data = os.read(fd, 1 << 20)
        except OSError:
            data = b""
        if not data:
            raise AssertionError(f"the program ended before writing {needle!r}: "
                                 f"{bytes(seen[-400:])!r}")
        term.last_data = time.monotonic()
        seen.extend(data)
    term.stream.feed(bytes(seen))
    return term.last_data - term.started


# Set for every launch (see the module docstring); a contender's own env comes on top.
PYCACHE_ENV: dict[str, str] = {}


def launch(contender: Contender) -> float:
    term = TimedTerminal(contender.command, env={**PYCACHE_ENV, **contender.env})
    try:
        took = first_written(term, contender.needle)
        term.settle(0.3)  # let it finish its first screen before asking it to quit
        term.send(contender.quit_keys)
        term.wait_exit(timeout=60)
    finally:
        term.close()
        term.peak_rss_mb()
    return took


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
    return Contender(name, [*base, "--data-dir", str(data), "--offline"], newest[:24],
                     {"NEWSREADER_CONFIG_DIR": str(config), **(env or {})})


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
                      str(home / "config")], source_title(0),
                     {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                      "XDG_DATA_HOME": str(home / ".local")})


def run(contenders: list[Contender], launches: int, warmups: int = 1) -> None:
    """Each contender once untimed (the page cache), then `launches` times in A B B A order."""
    for contender in contenders:
        for _ in range(warmups):
            launch(contender)
    by_name = {c.name: c for c in contenders}
    for name in abba([c.name for c in contenders], launches):
        by_name[name].times.append(launch(by_name[name]))


def report(contenders: list[Contender], floor: list[float], reference: str | None) -> None:
    print(f"\n(load average now {load()}; harness floor, launcher + echo: median "
          f"{statistics.median(floor) * 1000:.0f} ms)")
    width = max(len(c.name) for c in contenders) + 2
    print(f"{'':{width}}{'median':>9}{'min':>8}{'max':>8}   launches (ms)")
    base = next((c for c in contenders if c.name == reference), None)
    for c in contenders:
        ms = [t * 1000 for t in c.times]
        print(f"{c.name:{width}}{statistics.median(ms):>7.0f}ms{min(ms):>6.0f}ms{max(ms):>6.0f}ms"
              f"   {', '.join(f'{m:.0f}' for m in ms)}")
    if base is None:
        return
    for c in contenders:
        if c is base:
            continue
        # Launch i of each was taken in the same A B B A round: pair them.
        pairs = [a / b for a, b in zip(c.times, base.times, strict=True)]
        overall = statistics.median(c.times) / statistics.median(base.times)
        print(f"{c.name} / {base.name}: median {overall:.2f}x; "
              f"per round {min(pairs):.2f}-{max(pairs):.2f}x")


def harness_floor(launches: int) -> list[float]:
    return [launch(Contender("echo", ["sh", "-c", "echo harness-floor; read x"],
                             "harness-floor", quit_keys="\n")) for _ in range(launches)]


def bytecode_contenders(data: Path, config: Path, scratch: Path) -> list[Contender]:
    """newsreader from a copy of the package with no bytecode, PYTHONDONTWRITEBYTECODE=1,
    and from a second copy compiled once (what a non-editable install holds)."""
    out = []
    for name, compiled in (("no bytecode", False), ("compiled", True)):
        copy = scratch / name.replace(" ", "-")
        shutil.copytree(ROOT / "reader", copy / "reader",
                        ignore=shutil.ignore_patterns("__pycache__"))
        if compiled:
            compileall.compile_dir(copy / "reader", quiet=1)
        env = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": "",
               "PYTHONPATH": str(copy)}
        command = [sys.executable, "-c", "import sys; from reader.cli import main; "
                   "sys.exit(main())"]
        out.append(newsreader_contender(f"newsreader, 100, PYTHONDONTWRITEBYTECODE, {name}",
                                        data, config, env, command))
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
    opts = parser.parse_args()
    sizes = [int(s) for s in opts.sizes.split(",") if s.strip()]
    work = Path(opts.work or tempfile.mkdtemp(prefix="startup-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    config = Path(tempfile.mkdtemp(prefix="nr-config-"))
    scratch = Path(tempfile.mkdtemp(prefix="startup-copy-"))
    print(f"load average {load()} on {os.cpu_count()} cores; work in {work}")
    try:
        contenders: list[Contender] = []
        bare = Contender("bare Textual app, one line",
                         [sys.executable, str(ROOT / "bench" / "bare_textual.py")], BARE_LINE)
        if opts.bytecode:
            data, _ = ours_cache(work, 100, opts.seed)
            contenders = [bare, *bytecode_contenders(data, config, scratch)]
        else:
            contenders.append(bare)
            for count in sizes:
                data, built = ours_cache(work, count, opts.seed)
                if built is not None:
                    print(f"{count:,} stories written in {built:.0f} s")
                contenders.append(newsreader_contender(f"newsreader, {count:,} stories",
                                                       data, config))
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
