"""The `newsreader` command in a subprocess, on a data folder of the test's own: shared by
the two cache-fault modules (test_cache_faults_writing, test_cache_faults_damage)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def newsreader(data: Path, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    env = {**os.environ, "NEWSREADER_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(  # type: ignore[call-overload]
        [sys.executable, "-m", "reader", *args], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def run(data: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    proc = newsreader(data, *args)
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
