"""Where a cold `newsreader refresh` spends its wall time, bucket by bucket.

Run:  .venv/bin/python bench/cpu_timeline.py [--feeds N] [--corpus varied|ascii]
                                             [--every MS] [--bucket MS] [--tree DIR]

Why: refresh_bench gives a cold refresh's wall time and its CPU; when the two do not add up
(CPU / wall well under the number of cores), the question is when the cores sat idle: while
the command started alone, while its workers waited for bodies, or at the end. This serves a
generated set as refresh_bench does (its own process, gzip, many loopback hosts), runs one
cold refresh, and reads the CPU time of every thread of the command, of the processes under
it and of the feed server every `--every` ms from `/proc/PID/task/TID/schedstat`
(nanoseconds, unlike `/proc/PID/stat`'s 10 ms ticks). It prints each bucket's use of the
cores, then the phases: the command alone until its first worker ran, the run with workers,
the tail after the last one stopped. What a thread used between its last look and its end is
not counted, nor is the sampler's own CPU (a few percent of a core, which the others then
lack).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, descendants, newsreader_command  # noqa: E402
from bench.feed_serve import ServerProcess, write_manifest  # noqa: E402
from bench.feedcorpus import corpus  # noqa: E402
from bench.refresh_bench import opml  # noqa: E402
from bench.trees import compile_trees, tree_command  # noqa: E402

BUSY = 0.1  # a worker using at least this share of a core in a bucket is working


def thread_seconds(pid: int) -> dict[str, float]:
    """The CPU time of each of `pid`'s threads so far (none once it is gone). Per thread: a
    sum over the threads alive now would drop a finished thread's time and go backwards."""
    found: dict[str, float] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as handle:
                found[tid] = int(handle.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            continue
    return found


@dataclass
class Timeline:
    """CPU seconds per bucket: the command, each process below it, the feed server."""

    bucket: float
    command: list[float] = field(default_factory=list)
    workers: dict[int, list[float]] = field(default_factory=dict)
    server: list[float] = field(default_factory=list)
    wall: float = 0.0

    def add(self, at: float, who: str | int, seconds: float) -> None:
        index = int(at / self.bucket)
        series = (self.command if who == "command" else self.server if who == "server"
                  else self.workers.setdefault(int(who), []))
        while len(series) <= index:
            series.append(0.0)
        series[index] += seconds

    def buckets(self) -> int:
        return max([len(self.command), len(self.server),
                    *(len(s) for s in self.workers.values())], default=0)


def sample(command: list[str], env: dict[str, str], server_pid: int, every: float,
           bucket: float) -> Timeline:
    """Run `command`; every `every` seconds, put each process's CPU since the last look in
    the bucket of that moment."""
    timeline = Timeline(bucket)
    seen = {(server_pid, tid): value for tid, value in thread_seconds(server_pid).items()}
    started = time.monotonic()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    while proc.poll() is None:
        at = time.monotonic() - started
        for pid in [proc.pid, *descendants(proc.pid), server_pid]:
            who: str | int = "command" if pid == proc.pid else (
                "server" if pid == server_pid else pid)
            for tid, value in thread_seconds(pid).items():
                timeline.add(at, who, value - seen.get((pid, tid), 0.0))
                seen[pid, tid] = value
        time.sleep(every)
    timeline.wall = time.monotonic() - started
    if proc.returncode:
        raise SystemExit(f"the refresh exited {proc.returncode}")
    return timeline


def _share(series: list[float], index: int, width: float) -> float:
    """The share of one core `series` used in bucket `index` (0 past its end)."""
    return (series[index] if index < len(series) else 0.0) / width


def report(timeline: Timeline) -> None:
    width = timeline.bucket
    workers = sorted(timeline.workers)
    columns = 9 * max(len(workers), 1)
    print(f"{'at s':>6} {'command':>8} {'workers':>{columns}} {'server':>7} {'total':>6}"
          f"   (share of one core in each {width * 1000:.0f} ms)")
    for index in range(timeline.buckets()):
        mine = _share(timeline.command, index, width)
        kids = [_share(timeline.workers[pid], index, width) for pid in workers]
        theirs = _share(timeline.server, index, width)
        print(f"{index * width:6.2f} {mine:8.0%} "
              f"{' '.join(f'{k:8.0%}' for k in kids) or '-':>{columns}} "
              f"{theirs:7.0%} {mine + sum(kids) + theirs:6.0%}")
    busy = [index for index in range(timeline.buckets())
            if any(_share(s, index, width) >= BUSY for s in timeline.workers.values())]
    command_cpu = sum(timeline.command)
    below_cpu = sum(sum(s) for s in timeline.workers.values())
    print(f"\nwall {timeline.wall:.2f} s; CPU: the command {command_cpu:.2f} s, the processes "
          f"below it {below_cpu:.2f} s ({len(workers)} seen), the feed server "
          f"{sum(timeline.server):.2f} s")
    if not busy:
        print("no process below the command worked (the bodies were parsed in a thread)")
        return
    first, last = busy[0] * width, (busy[-1] + 1) * width
    inside = (sum(timeline.command[busy[0]:busy[-1] + 1])
              + sum(sum(s[busy[0]:busy[-1] + 1]) for s in timeline.workers.values()))
    print(f"phases: the command alone {first:.2f} s; with workers {last - first:.2f} s, "
          f"using {inside / (last - first):.0%} of one core on average "
          f"({os.cpu_count()} cores); the tail {max(timeline.wall - last, 0.0):.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", "-n", type=int, default=200, help="number of feeds (200)")
    parser.add_argument("--corpus", choices=("varied", "ascii"), default="varied")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hosts", type=int, default=50, help="loopback addresses used (50)")
    parser.add_argument("--every", type=float, default=10.0, help="ms between looks (10)")
    parser.add_argument("--bucket", type=float, default=50.0, help="ms a row covers (50)")
    parser.add_argument("--tree", metavar="DIR",
                        help="run the `reader` package copied in DIR/reader instead")
    opts = parser.parse_args(argv)
    if opts.feeds < 1 or opts.every <= 0 or opts.bucket <= 0:
        parser.error("--feeds, --every and --bucket must be positive")
    compile_trees(str(ROOT), opts.tree)  # each launch reads compiled code, as installed
    maker = corpus(opts.corpus, opts.seed)
    feeds = [maker.feed(i, 1_700_000_000.0) for i in range(opts.feeds)]
    with tempfile.TemporaryDirectory(prefix="cpu-timeline-") as work:
        workdir = Path(work)
        write_manifest(workdir / "set", feeds)
        server = ServerProcess(workdir / "set", opts.hosts, 0.0)
        try:
            feeds_file = workdir / "feeds.opml"
            feeds_file.write_text(opml(feeds, server.urls), encoding="utf-8")
            env = dict(os.environ, HOME=str(workdir), NEWSREADER_CONFIG_DIR=str(workdir / "c"))
            command = newsreader_command()
            if opts.tree:
                env["PYTHONPATH"], command = tree_command(opts.tree)
            base = [*command, "--data-dir", str(workdir / "data")]
            subprocess.run([*base, "import", str(feeds_file)], env=env, check=True,
                           capture_output=True)
            print(f"{opts.corpus}: {len(feeds)} feeds, {sum(f.entries for f in feeds):,} "
                  f"entries; {opts.tree or ROOT}")
            timeline = sample([*base, "refresh"], env, server.pid, opts.every / 1000,
                              opts.bucket / 1000)
        finally:
            server.stop()
    report(timeline)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
