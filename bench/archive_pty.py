"""Timing a terminal program from the outside: keys in, screen out, through a real pty.

The clock is read when the bytes arrive, not after the terminal emulator (pyte) has drawn
them, so the emulator's own cost is not charged to the program. A tiny launcher sits between
the pty and the program: Linux starts a child's `ru_maxrss` at its parent's size, so a
program forked straight from this (large) benchmark process would report our peak, not its
own. The launcher is ~10 MB, forks the program, and writes its exact peak RSS at exit.
"""

from __future__ import annotations

import os
import select
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pty_terminal import Terminal  # noqa: E402

LAUNCHER = """
import os, sys
out = sys.argv[1]
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(out, "w") as handle:
    handle.write(f"{usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


class TimedTerminal(Terminal):
    """A `Terminal` that remembers when output last arrived."""

    def __init__(self, argv: Sequence[str], *, cols: int = 120, rows: int = 40,
                 env: dict[str, str] | None = None) -> None:
        self.report = Path(tempfile.mkstemp(suffix=".rss")[1])
        self.started = time.monotonic()
        self.last_data = self.started
        self.first_data: float | None = None  # the first output after the last key sent
        self.sent = self.started
        super().__init__([sys.executable, "-S", "-c", LAUNCHER, str(self.report), *argv],
                         cols=cols, rows=rows, env=env)

    def read_ready(self, timeout: float = 0.05) -> bytes | None:
        """The raw bytes the program has written, waiting up to `timeout` seconds for some:
        None if none came in time, b"" once it has ended (Linux reports a pty whose other
        side is closed with EIO rather than end of file)."""
        if not select.select([self.proc.fd], [], [], timeout)[0]:
            return None
        try:
            return os.read(self.proc.fd, 1 << 20)
        except OSError:
            return b""

    def _pump(self, timeout: float) -> bool:
        data = self.read_ready(timeout)
        if data is None:
            return True
        if not data:
            return False
        self.last_data = time.monotonic()
        if self.first_data is None:
            self.first_data = self.last_data
        self.raw.extend(data)
        self.stream.feed(data)
        return True

    def press(self, keys: str, done: Callable[[str], bool], timeout: float = 30.0) -> float:
        """Send `keys`; seconds until the screen first satisfies `done`. `first_response`
        then tells when the first redraw after the keys arrived."""
        self.first_data = None
        self.sent = time.monotonic()
        self.send(keys)
        self.wait_for(done, timeout)
        return max(self.last_data - self.sent, 0.0)

    @property
    def first_response(self) -> float:
        return max((self.first_data or self.last_data) - self.sent, 0.0)

    def press_quiet(self, keys: str, quiet: float = 0.04, timeout: float = 30.0) -> float:
        """Send `keys`; seconds until the last byte of the answer (no output for `quiet`)."""
        self.first_data = None
        sent = self.sent = time.monotonic()
        self.send(keys)
        deadline = sent + timeout
        while time.monotonic() < deadline and self.last_data < sent:
            self._pump(0.05)
        self.settle(quiet)
        return max(self.last_data - sent, 0.0)

    def settle(self, quiet: float = 0.2, limit: float = 30.0) -> None:
        """Read until the program has written nothing for `quiet` seconds."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            before = self.last_data
            if not self._pump(quiet) or self.last_data == before:
                return

    def program_pid(self) -> int | None:
        """The measured program (the launcher's child)."""
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return None
        first = children.split()
        return int(first[0]) if first else None

    def rss_mb(self) -> float:
        """The program's resident memory now."""
        pid = self.program_pid()
        if pid is None:
            return 0.0
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def cpu_seconds(self, main_thread: bool = False) -> float:
        """CPU the program has used so far (user + system), all threads or only its main
        thread (the event loop's): a figure the other jobs on a shared machine do not
        stretch the way they stretch wall time."""
        pid = self.program_pid()
        if pid is None:
            return 0.0
        path = f"/proc/{pid}/task/{pid}/stat" if main_thread else f"/proc/{pid}/stat"
        try:
            fields = Path(path).read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        """The program's peak resident memory (after it exited)."""
        try:
            text = self.report.read_text().split()
        finally:
            self.report.unlink(missing_ok=True)
        return int(text[0]) / 1024 if text else 0.0
