"""Preloaded by a test's fork server: notes the modules each forked child starts with, so a
job can tell which modules that child imported itself (memory of its own, not shared)."""

from __future__ import annotations

import os
import sys

AT_FORK: set[str] = set()


def _mark() -> None:
    AT_FORK.update(sys.modules)


os.register_at_fork(after_in_child=_mark)


def imported_since_fork() -> list[str]:
    """Run in a worker: the modules it imported after it was forked."""
    return sorted(set(sys.modules) - AT_FORK)


def loaded(names: list[str]) -> list[str]:
    """Run in a worker: which of `names` it has loaded (imported, or inherited at its fork)."""
    return [name for name in names if name in sys.modules]
