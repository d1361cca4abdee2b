"""A real pseudo-terminal for end-to-end tests: run a command, send keys, read the screen.

ptyprocess gives the child a real terminal; pyte plays the bytes it writes into a virtual
screen, so a test reads back what a person would see. Waiting is done on the terminal's
output (select on the pty), never by sleeping a fixed time.
"""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable, Sequence

import ptyprocess
import pyte


class Terminal:
    def __init__(self, argv: Sequence[str], *, cols: int = 120, rows: int = 40,
                 env: dict[str, str] | None = None, cwd: str | None = None) -> None:
        full_env = dict(os.environ)
        # pytest-xdist workers carry COLUMNS=80/LINES=24, and shutil.get_terminal_size (which
        # Textual asks) prefers them to the pty's real size: the app would draw at 80x24.
        full_env.pop("COLUMNS", None)
        full_env.pop("LINES", None)
        full_env.update({"TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8",
                         "LC_ALL": "C.UTF-8"})
        full_env.update(env or {})
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.proc = ptyprocess.PtyProcess.spawn(list(argv), dimensions=(rows, cols),
                                                env=full_env, cwd=cwd)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def _pump(self, timeout: float) -> bool:
        """Feed whatever the child wrote within `timeout` seconds; False when it has exited."""
        ready, _, _ = select.select([self.proc.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.proc.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not data:
            return False
        self.raw.extend(data)
        self.stream.feed(data)
        return True

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 90.0) -> str:
        """Read output until `predicate(screen)` holds; fail showing the screen if it never does."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.text()
            if predicate(screen):
                return screen
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for the screen; it shows:\n{screen}")
            if not self._pump(min(remaining, 0.5)) and not predicate(self.text()):
                raise AssertionError(f"the program exited; last screen:\n{self.text()}")

    def wait_for_text(self, needle: str, timeout: float = 90.0) -> str:
        return self.wait_for(lambda screen: needle in screen, timeout)

    def send(self, keys: str) -> None:
        self.proc.write(keys.encode())

    def wait_exit(self, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.isalive() and time.monotonic() < deadline:
            self._pump(0.2)
        if self.proc.isalive():
            self.proc.terminate(force=True)
            raise AssertionError("the program did not exit")
        self.proc.wait()
        return int(self.proc.exitstatus or 0)

    def close(self) -> None:
        if self.proc.isalive():
            self.proc.terminate(force=True)
