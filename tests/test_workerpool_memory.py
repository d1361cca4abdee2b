"""A refresh, from the command line or the app, makes its threads share one glibc malloc
arena (`limit_arenas`); the other commands, and the app until it refreshes, leave glibc's
default alone.

Each check runs in a fresh interpreter: an arena, once made, stays for the life of the
process, so the test process's own threads would blur the count. The count is glibc's own
(`malloc_info`), read while several threads hold memory at once.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

glibc = pytest.mark.skipif(not hasattr(ctypes.CDLL(None), "malloc_info"),
                           reason="malloc arenas are glibc's")

# Prints how many arenas (heaps) glibc has once 4 threads have each allocated with malloc
# and all are still alive. `SETUP` runs first.
COUNT_HEAPS = """
import ctypes, os, sys, tempfile, threading
SETUP
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.fclose.argtypes = [ctypes.c_void_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
held, barrier = [], threading.Barrier(5)

def allocate():
    held.append(bytearray(200_000))  # past pymalloc's sizes: glibc's malloc, in this thread
    barrier.wait()
    barrier.wait()

threads = [threading.Thread(target=allocate) for _ in range(4)]
for thread in threads:
    thread.start()
barrier.wait()
path = os.path.join(tempfile.mkdtemp(), "info.xml")
stream = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, stream)
libc.fclose(stream)
barrier.wait()
for thread in threads:
    thread.join()
print(open(path).read().count("<heap nr="))
"""


def heaps_with(setup: str) -> int:
    script = COUNT_HEAPS.replace("SETUP", textwrap.dedent(setup))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    return int(done.stdout.split()[-1])


@glibc
def test_threads_get_arenas_of_their_own_without_the_limit() -> None:
    """The measure can tell: unlimited, glibc gives the 4 threads arenas of their own."""
    assert heaps_with("") > 1


@glibc
def test_limit_arenas_makes_threads_share_one() -> None:
    assert heaps_with("""
        from reader.workerpool import limit_arenas
        assert limit_arenas()
    """) == 1


@glibc
def test_a_refresh_limits_arenas_and_still_works(tmp_path: Path) -> None:
    """`refresh` sets the limit before its threads start, and still runs under it."""
    data = tmp_path / "data"
    assert heaps_with(f"""
        import os
        os.environ["NEWSREADER_CONFIG_DIR"] = {str(tmp_path / "config")!r}
        from reader.cli import main
        assert main(["--data-dir", {str(data)!r}, "refresh"]) == 0
    """) == 1
    assert data.exists()


@glibc
def test_a_sync_limits_arenas_and_still_works(tmp_path: Path) -> None:
    """A sync (the command's and the app's: `sync_now`) sets it before its threads start,
    and still runs under it: here against a port nobody listens on, told in words."""
    assert heaps_with(f"""
        import os
        from reader.config import Config
        from reader.service.sync import sync_now
        from reader.store import Store
        from reader.sync.base import PASSWORD_ENV
        os.environ[PASSWORD_ENV] = "secret"
        store = Store({str(tmp_path / "cache.sqlite3")!r})
        run = sync_now(store, Config(sync__backend="ttrss", sync__url="http://127.0.0.1:9/",
                                     sync__user="me"))
        assert run.report.error
        store.close()
    """) == 1


@glibc
def test_other_commands_leave_the_arenas_alone(tmp_path: Path) -> None:
    """`list` starts no refresh: no limit, and no `ctypes` imported for it."""
    data = tmp_path / "data"
    assert heaps_with(f"""
        import sys
        from reader.cli import main
        assert main(["--data-dir", {str(data)!r}, "list"]) == 0
        assert "reader.workerpool" not in sys.modules  # (this script imports ctypes itself)
    """) > 1


@glibc
def test_the_apps_refresh_limits_arenas_too(tmp_path: Path) -> None:
    """The app refreshes through the service layer, in a worker thread: the limit comes
    with its first refresh (here of no source), not with its start. The arenas made before
    it stay (the main one, the worker's own); the 4 threads after it make none."""
    assert heaps_with(f"""
        import threading
        from reader.service.refresh import refresh
        from reader.store import Store
        store = Store({str(tmp_path / "cache.sqlite3")!r})
        worker = threading.Thread(target=refresh, args=(store, []))
        worker.start()
        worker.join()
        store.close()
    """) <= 2


@glibc
def test_limit_arenas_can_be_called_again() -> None:
    """A second call (a refresh after another in one process) is taken as well; in a
    process of its own, since the limit stays for the life of the process."""
    assert heaps_with("""
        from reader.workerpool import limit_arenas
        assert limit_arenas()
        assert limit_arenas()
    """) == 1
