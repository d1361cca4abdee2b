"""The app started without a terminal on both sides says so and ends, touching nothing.

`newsreader > file`, `newsreader | less` or a cron job would otherwise fill the file with
escape codes, and `newsreader < /dev/null` would wait for keys that never come. The cache,
with its read and starred marks, is left as it was.
"""

from __future__ import annotations

import io
import shlex
import subprocess
from pathlib import Path

import pytest

from reader.models import View
from reader.paths import db_path
from reader.store import Store
from tests.helpers.command import newsreader_command
from tests.pty_terminal import Terminal

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).parent / "fixtures" / "samples" / "000_1cdceafaa06d3d12.txt"


def _starred_cache(data: Path) -> bytes:
    """A cache holding the sample, starred; its bytes (WAL folded in) to compare after."""
    added = subprocess.run([newsreader_command(), "--data-dir", str(data), "add", str(SAMPLE)],
                           capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    store = Store(db_path(str(data)))
    try:
        story = store.views.headlines(View(), 0, 1)[0]
        store.set_starred(story.id, True)
    finally:
        store.close()
    return db_path(str(data)).read_bytes()


def test_output_to_a_pipe_is_refused_in_words_and_the_cache_is_untouched(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    before = _starred_cache(data)
    ran = subprocess.run([newsreader_command(), "--data-dir", str(data), "--offline"],
                         stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    assert ran.returncode == 1
    assert ran.stdout == b""  # not one escape code in the file or the pipe
    said = ran.stderr.decode()
    assert "the app needs a terminal, and its output is a file or a pipe" in said
    assert "newsreader show" in said
    assert db_path(str(data)).read_bytes() == before


def test_input_from_nothing_is_refused_in_words_on_the_terminal(tmp_path: Path) -> None:
    data = tmp_path / "data"
    before = _starred_cache(data)
    app = shlex.join([newsreader_command(), "--data-dir", str(data), "--offline"])
    term = Terminal(["sh", "-c", f"exec {app} < /dev/null"], cols=120, rows=20)
    try:
        term.wait_for_text("its input is a file, a pipe or nothing")
        assert term.wait_exit() == 1
    finally:
        term.close()
    assert db_path(str(data)).read_bytes() == before


def test_a_path_that_cannot_be_read_is_told_first(tmp_path: Path) -> None:
    """The more precise complaint wins: the path is named, whatever the terminal."""
    ran = subprocess.run([newsreader_command(), "--data-dir", str(tmp_path / "data"),
                          "--offline", str(tmp_path / "missing.txt")],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 1
    assert "missing.txt" in ran.stderr
    assert "needs a terminal" not in ran.stderr
    assert not (tmp_path / "data").exists()


def test_a_driver_chosen_through_textual_needs_no_terminal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`textual serve` runs the app through pipes, with its web driver named in
    TEXTUAL_DRIVER: that is not refused."""
    from reader.cli.app import terminal_problem

    monkeypatch.setattr("sys.stdout", io.StringIO())  # no terminal, however pytest was run
    assert terminal_problem() is not None
    monkeypatch.setenv("TEXTUAL_DRIVER", "textual.drivers.web_driver:WebDriver")
    assert terminal_problem() is None


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Closed(io.StringIO):
    def isatty(self) -> bool:
        raise ValueError("I/O operation on closed file")


@pytest.mark.parametrize(("stdin", "said"), [
    (None, "its input is"),  # started with no standard input at all (a daemon, pythonw)
    (_Closed(), "its input is"),
    (_Terminal(), None),
])
def test_a_missing_or_closed_stream_is_no_terminal(
        monkeypatch: pytest.MonkeyPatch, stdin: object, said: str | None) -> None:
    from reader.cli.app import terminal_problem

    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    monkeypatch.setattr("sys.stdout", _Terminal())
    monkeypatch.setattr("sys.stdin", stdin)
    problem = terminal_problem()
    assert (problem is None) if said is None else (problem is not None and said in problem)
