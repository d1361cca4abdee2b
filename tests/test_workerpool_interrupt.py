"""A Ctrl-C while the parser processes start stays the main process's business.

The terminal sends Ctrl-C to every process of its foreground group, the fork server among
them; before the fork server ignores it (once its preload is imported) it printed a
KeyboardInterrupt traceback and died, and the pool with it. Here the fork server is caught
in its preload (a module that waits on a fifo) and sent SIGINT there."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

START_IN_A_THREAD = """
import threading
from reader.workerpool import PRELOAD, ProcessPool
pool = ProcessPool(1, preload=("tests.helpers.gated_preload", *PRELOAD))
answers = []
def start():  # as a refresh does: the pool starts in a thread
    answers.append(pool.executor().submit(sum, [2, 3]).result())
thread = threading.Thread(target=start)
thread.start()
thread.join()
pool.shutdown()
print(answers)
"""


def _told_pid(started: Path, child: subprocess.Popen[str]) -> int:
    """The pid the fork server writes once it is in its preload. Fails, never hangs, if the
    program ends first (an import error, a pool that cannot start)."""
    fd = os.open(started, os.O_RDONLY | os.O_NONBLOCK)  # a fifo: no writer needed yet
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            readable, _, _ = select.select([fd], [], [], 0.2)
            told = os.read(fd, 64) if readable else b""
            if told:
                return int(told)
            if child.poll() is not None:
                pytest.fail("the program ended before its fork server's preload")
        pytest.fail("the fork server never reached its preload")
    finally:
        os.close(fd)


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_a_ctrl_c_during_the_fork_servers_preload_neither_kills_nor_prints(
        tmp_path: Path) -> None:
    started, gate = tmp_path / "started", tmp_path / "gate"
    os.mkfifo(started)
    os.mkfifo(gate)
    env = {**os.environ, "NEWSREADER_TEST_STARTED": str(started),
           "NEWSREADER_TEST_GATE": str(gate)}
    with subprocess.Popen([sys.executable, "-c", START_IN_A_THREAD], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as child:  # its processes: one group
        try:
            server = _told_pid(started, child)
            assert server != child.pid
            os.kill(server, signal.SIGINT)
            try:  # lets the preload finish (no reader left: the fork server is gone)
                opened = os.open(gate, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                pytest.fail("the fork server was gone after the Ctrl-C in its preload")
            os.write(opened, b".")
            os.close(opened)
            out, err = child.communicate(timeout=60)
        finally:
            with contextlib.suppress(ProcessLookupError):  # leave no process behind, the
                os.killpg(child.pid, signal.SIGKILL)  # fork server stuck in its preload too
    assert "KeyboardInterrupt" not in err
    assert child.returncode == 0, err
    assert out.strip() == "[5]"
