"""Preloaded by a test's fork server: its import tells the test it began (the fork server's
pid, through the fifo named by `NEWSREADER_TEST_STARTED`) and then waits for a byte on the
fifo named by `NEWSREADER_TEST_GATE`, so the test can act while the preload runs.

The gate is opened for reading and writing before the pid is told, which never blocks on
Linux: the test's write then fails at once (no reader) if this process died, instead of
waiting for ever."""

from __future__ import annotations

import os

_started = os.environ.get("NEWSREADER_TEST_STARTED")
_gate = os.environ.get("NEWSREADER_TEST_GATE")
if _started and _gate:
    gate = os.open(_gate, os.O_RDWR)
    with open(_started, "w") as told:
        told.write(f"{os.getpid()}\n")
    os.read(gate, 1)
    os.close(gate)
