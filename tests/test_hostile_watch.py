"""The watch the hostile-input tests use to see what the program opened, wrote and started.

It must not count Python's own bytecode as a file the program wrote (a module imported for
the first time while watched, where bytecode may be written), and it must not hang when an
audit event comes from the thread that holds its lock (Hypothesis traces a failing test to
explain it, and its tracer raises audit events wherever the test is)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from tests import hostile
from tests.hostile import watching


def test_bytecode_is_not_counted_as_written(tmp_path: Path) -> None:
    cache = tmp_path / "pkg" / "__pycache__"
    with watching() as watch:
        sys.audit("open", str(cache / "mod.cpython-311.pyc.140155499182000"), "wb", 0)
        sys.audit("open", str(cache / "mod.cpython-311.pyc"), "wb", 0)
        sys.audit("open", str(cache / "notes.txt"), "w", 0)
        sys.audit("open", str(tmp_path / "story.pyc"), "w", 0)
        sys.audit("open", str(tmp_path / "read.txt"), "r", 0)
    assert watch.written_paths() == [str(cache / "notes.txt"), str(tmp_path / "story.pyc")]
    assert len(watch.opened_paths()) == 5


def test_an_audit_event_under_the_watchs_lock_does_not_hang(tmp_path: Path) -> None:
    target = str(tmp_path / "traced.txt")
    with watching() as watch:
        def traced() -> None:
            with hostile._lock:  # as a tracer would, inside `watching`'s own `with _lock`
                sys.audit("open", target, "w", 0)

        thread = threading.Thread(target=traced, daemon=True)
        thread.start()
        thread.join(timeout=20)
        hung = thread.is_alive()
        if hung:  # the hook waits for the lock its own thread holds: let it go, then fail
            hostile._lock.release()
            thread.join(timeout=20)
        assert not hung
    assert watch.written_paths() == [target]
