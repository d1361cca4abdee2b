"""The process pool starts inside a running Textual app, where `sys.stderr` is the app's capture.

The stdlib hands its resource tracker (started with the first pool of a fork server) this
process's stderr by file number; Textual's capture answers -1, and the start used to fail
with "bad value(s) in fds_to_keep": the app's refresh of many feeds failed whole. Each case
runs in a fresh interpreter: in pytest's own process an earlier test may already have
started the tracker, and the failure would not show.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent

IN_APP = """
import json, os, sys
from textual.app import App
from reader.workerpool import ProcessPool

class Probe(App[None]):
    def start_pool(self) -> dict:
        seen = {"stderr_fd": sys.stderr.fileno()}
        pool = ProcessPool(1, may_fork=False)  # the app's way: it has threads
        try:
            executor = pool.executor()
            seen["worker_parent"] = executor.submit(os.getppid).result(timeout=60)
            seen["method"] = pool.start_method
        except Exception as exc:
            seen["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            pool.shutdown()
        seen["stderr_after"] = type(sys.stderr).__name__
        return seen

async def main() -> dict:
    app = Probe()
    async with app.run_test():
        worker = app.run_worker(app.start_pool, thread=True)
        return await worker.wait()

import asyncio
print(json.dumps(asyncio.run(main()) | {"me": os.getpid()}))
"""


def test_a_pool_starts_from_a_thread_of_a_running_textual_app() -> None:
    done = subprocess.run([sys.executable, "-c", IN_APP], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.splitlines()[-1])
    assert got["stderr_fd"] == -1  # the condition: Textual's capture has no file number
    assert "error" not in got, got["error"]
    assert got["method"] == "forkserver"
    assert got["worker_parent"] not in (None, got["me"])  # the fork server's child
    assert got["stderr_after"] != "TextIOWrapper"  # the app's capture is back in place
