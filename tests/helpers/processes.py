"""Waiting for processes that are not this one's children (a fork server's workers, a
command's), on their pidfds: no polling, no sleep."""

from __future__ import annotations

import contextlib
import os
import select
import time
from collections.abc import Iterable


def still_running(pids: Iterable[int], timeout: float = 30.0) -> list[int]:
    """The processes of `pids` that have not ended within `timeout` seconds (sorted)."""
    ends: dict[int, int] = {}
    try:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):  # ended (and reaped) already
                ends[os.pidfd_open(pid)] = pid  # readable once that process ends
        deadline = time.monotonic() + timeout
        waiting = set(ends)
        while waiting and time.monotonic() < deadline:
            ended, _, _ = select.select(list(waiting), [], [], deadline - time.monotonic())
            waiting -= set(ended)
        return sorted(ends[fd] for fd in waiting)
    finally:
        for fd in ends:
            os.close(fd)
