"""End to end: ctrl+z in a real pseudo-terminal, under a shell with job control and without.

Under a job-control shell the app stops, the shell takes the terminal back, and `fg` brings
the app back, redrawn. Started with no such shell (the app leads its own session, as with
`xterm -e newsreader`), a stopped app would wait for ever, so it says why it stays instead.
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

import pytest

from tests.helpers.command import newsreader_command
from tests.pty_terminal import Terminal

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).parent / "fixtures" / "samples" / "000_1cdceafaa06d3d12.txt"


def _app_args(tmp_path: Path) -> list[str]:
    return [newsreader_command(), "--data-dir", str(tmp_path / "data"), "--offline",
            str(SAMPLE)]


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


def _only_child(pid: int) -> int:
    children = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as listed:
            children += [int(child) for child in listed.read().split()]
    assert len(children) == 1, children
    return children[0]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash for job control")
def test_ctrl_z_stops_the_app_and_fg_brings_it_back(tmp_path: Path) -> None:
    app = shlex.join(_app_args(tmp_path))
    # `set -m`: job control in a shell that reads no terminal; `read` waits for the test.
    script = f"set -m; {app}; echo stopped-with $?; read -r _; fg; echo ended-with $?"
    term = Terminal(["bash", "-c", script], cols=120, rows=36)
    try:
        term.wait_for_text("Deputy spokesman")
        app_pid = _only_child(term.proc.pid)
        term.send("\x1a")
        # 128 + the stop signal (Textual stops itself with SIGSTOP): the shell has the terminal
        term.wait_for(lambda s: "stopped-with 147" in s or "stopped-with 148" in s)
        assert _state(app_pid) == "T"
        term.screen.reset()  # whatever is drawn next comes after `fg`
        term.send("\n")
        term.wait_for_text("Deputy spokesman")
        assert _state(app_pid) != "T"
        term.send("q")
        term.wait_for_text("ended-with 0")
    finally:
        term.close()


def test_ctrl_z_without_a_shell_to_return_to_keeps_the_app_running(tmp_path: Path) -> None:
    term = Terminal(_app_args(tmp_path), cols=120, rows=36)  # it leads its own session
    try:
        term.wait_for_text("Deputy spokesman")
        term.send("\x1a")
        term.wait_for_text("ctrl+z suspends the app only")
        assert _state(term.proc.pid) != "T"
        term.send("q")
        assert term.wait_exit() == 0
    finally:
        term.close()
