"""The command line ends without the interpreter's teardown once a command has run to its end,
and loses nothing by it: every line of output (to a pipe, so buffered), the exit status, the
cache's writes and the exit callbacks registered on the way."""

# ruff: noqa: F811 - the feed_server fixture is imported and then used as an argument
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from reader.paths import db_path
from reader.store import Store
from tests.feedserver import FeedServer, feed_server  # noqa: F401

FEED = ("<?xml version='1.0'?><rss version='2.0'><channel><title>Gazette</title>"
        "<item><guid>h1</guid><title>Harbour reopens</title><link>https://example.org/1</link>"
        "<description>The harbour reopened on Monday.</description></item></channel></rss>")

# A probe whose finaliser speaks only if the interpreter frees the module's objects, and an
# exit callback registered while the command runs (as the process pool and logging do).
PROGRAM = """
import atexit, sys
import reader.cli as cli

class Probe:
    def __del__(self):
        sys.stderr.write("teardown\\n")

probe = Probe()
command = cli.main

def main(argv=None):
    atexit.register(lambda: sys.stderr.write("callback\\n"))
    return command(argv)

cli.main = main
sys.argv = ["newsreader", *sys.argv[1:]]
cli.run()
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROGRAM, *args], capture_output=True,
                          text=True, env=dict(os.environ), timeout=120)


def test_a_refresh_ends_at_once_with_its_output_status_and_cache(
        dirs: Path, feed_server: FeedServer) -> None:
    feed_server.route("/feed", FEED, etag='"v1"')
    feed_server.route("/gone", FEED.replace("Gazette", "Courier"))
    for path in ("/feed", "/gone"):
        assert run("add", feed_server.url(path)).returncode == 0
    feed_server.route("/gone", status=404)
    done = run("refresh")
    assert done.returncode == 1  # one source failed
    assert done.stdout.splitlines()[-1] == "2 sources, 0 new stories, 1 failed"
    assert "failed: " in done.stderr and "HTTP 404" in done.stderr
    assert "callback" in done.stderr.splitlines()  # the callbacks ran first
    assert "teardown" not in done.stderr  # and the objects were never freed
    store = Store(db_path())
    sources = {s.location: s for s in store.sources()}
    store.close()
    assert sources[feed_server.url("/feed")].status == "ok"
    assert "404" in sources[feed_server.url("/gone")].last_error


def test_a_failure_in_the_command_exits_as_python_does(dirs: Path) -> None:
    """An exception out of `main` is Python's to report, with its usual exit and teardown."""
    done = run("list", "--pick", "x")  # argparse exits with status 2
    assert done.returncode == 2
    assert "teardown" in done.stderr


def test_nothing_registers_an_exit_callback_before_the_command_starts() -> None:
    """Callbacks registered before `run()` would run after its exit, that is never: importing
    the command line must register none (logging, the one that could, is shut down by it)."""
    code = "import atexit, reader.cli; print(atexit._ncallbacks())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "0"
