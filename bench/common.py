"""What every benchmark here needs to measure a command fairly: one launcher, one sampler,
one run order, one way to state the spread.

Why each piece is built this way:

* **The launcher** (`LAUNCHER`) sits between the benchmark and the measured command. Linux
  starts a child's `ru_maxrss` at its parent's size, so a command forked straight from a
  benchmark that holds a corpus would report the benchmark's peak. The launcher is ~10 MB,
  makes itself a *child subreaper* (`prctl(PR_SET_CHILD_SUBREAPER)`), so that processes
  orphaned by the command (a multiprocessing fork server and its parser workers; workers
  the command forks itself are its own to wait for) are handed to it instead of to init,
  and waits for every one of them before it reports. Its
  `RUSAGE_CHILDREN` is then the exact CPU of the whole tree, parser processes included,
  whoever their parent was.
* **The sampler** (`TreeSampler`) walks the launcher's descendants through
  `/proc/PID/task/TID/children` (not a scan of all of /proc, whose cost grows with what
  else runs on the machine) and keeps the peak of their summed RSS and PSS. RSS counts the
  pages that forked workers share with their fork server once per process; PSS divides a
  shared page between its sharers, so its sum is what the tree really holds.
* **The order** (`abba`): A B B A, round after round, so a drift in the machine's speed
  falls on both sides alike, and pairs give a spread.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LAUNCHER = """
import ctypes, os, resource, sys, time
out = sys.argv[1]
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
while True:  # orphans (a fork server, its workers) were handed to us: reap them all
    try:
        os.wait()
    except ChildProcessError:
        break
tree = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out, "w") as handle:
    handle.write(f"{wall} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)} "
                 f"{tree.ru_utime + tree.ru_stime} {usage.ru_utime + usage.ru_stime}")
"""


def launcher_argv(report: Path, command: Sequence[str]) -> list[str]:
    """The argv that runs `command` under the launcher, which writes its figures to `report`."""
    return [sys.executable, "-S", "-c", LAUNCHER, str(report), *command]


def descendants(root: int) -> list[int]:
    """Every process below `root`, found through the kernel's per-task children lists."""
    found: list[int] = []
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as handle:
                    children = [int(c) for c in handle.read().split()]
            except OSError:
                continue
            found.extend(children)
            stack.extend(children)
    return found


def _rss_pss(pid: int) -> tuple[int, int]:
    """Resident and proportional set size of one process, in kB (0, 0 once it is gone)."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
                    break
    except (OSError, ValueError):
        pass
    return rss, pss


class TreeSampler:
    """Peak summed RSS and PSS of `root`'s descendants (not `root` itself: the launcher),
    sampled every `interval` seconds in a thread until `stop()`."""

    def __init__(self, root: int, interval: float = 0.05) -> None:
        self.root = root
        self.interval = interval
        self.peak_rss_kb = 0
        self.peak_pss_kb = 0
        self.samples = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> None:
        rss = pss = 0
        for pid in descendants(self.root):
            r, p = _rss_pss(pid)
            rss += r
            pss += p
        self.peak_rss_kb = max(self.peak_rss_kb, rss)
        self.peak_pss_kb = max(self.peak_pss_kb, pss)
        self.samples += 1

    def _run(self) -> None:
        while not self._done.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


@dataclass
class Run:
    """One measured command."""

    wall: float
    main_rss_mb: float  # the command's own peak (wait4), exact
    tree_rss_mb: float  # the peak of the tree's summed RSS, sampled
    tree_pss_mb: float  # the same in PSS: shared pages counted once
    cpu: float  # user + system seconds of the whole tree, exact (parser processes included)
    main_cpu: float  # the command's own process, with the children it waited for
    status: int
    output: str


def measure(command: Sequence[str], env: dict[str, str] | None = None,
            cwd: Path = ROOT, interval: float = 0.05) -> Run:
    """Run `command` under the launcher with its output captured; its wall time, memory and
    CPU as `Run`."""
    fd, name = tempfile.mkstemp(suffix=".launch")
    os.close(fd)
    report = Path(name)
    try:
        launcher = subprocess.Popen(launcher_argv(report, command), stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, env=env, cwd=cwd)
        sampler = TreeSampler(launcher.pid, interval)
        assert launcher.stdout is not None
        output = launcher.stdout.read().decode("utf-8", "replace")
        launcher.wait()
        sampler.stop()
        wall, maxrss, status, cpu, main_cpu = report.read_text().split()
    finally:
        report.unlink(missing_ok=True)
    return Run(float(wall), int(maxrss) / 1024, sampler.peak_rss_kb / 1024,
               sampler.peak_pss_kb / 1024, float(cpu), float(main_cpu), int(status), output)


def newsreader_command() -> list[str]:
    """The installed `newsreader` beside this interpreter, else on PATH, else `-m reader`."""
    beside = Path(sys.executable).parent / "newsreader"
    found = str(beside) if beside.exists() else shutil.which("newsreader")
    return [found] if found else [sys.executable, "-m", "reader"]


def keep_or_remove(workdir: Path, keep: bool) -> None:
    """At a benchmark's end: its work directory kept (and named) when asked, to look at what
    the runs wrote, else removed."""
    if keep:
        print(f"kept {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


def abba(names: Sequence[str], rounds: int) -> list[str]:
    """The run order: names forward, then backward, `rounds` times (A B B A A B B A ...)."""
    order: list[str] = []
    for round_ in range(rounds):
        order.extend(names if round_ % 2 == 0 else reversed(names))
    return order


def spread(values: Sequence[float]) -> str:
    """Median and range, for a line of a report."""
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.3g}"
    return (f"{statistics.median(values):.3g} ({min(values):.3g}-{max(values):.3g}, "
            f"n={len(values)})")


def load() -> str:
    """The 1-minute load average, for every report: the machine may be shared."""
    return f"{os.getloadavg()[0]:.1f}"
