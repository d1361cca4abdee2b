"""End to end: a headline in Hindi keeps the panes' borders where a real terminal puts them.

The vowel signs of the Indic scripts (Unicode's spacing marks, category Mc) each take a cell
in the terminal; Rich 15 measured them as none, so the app drew a Hindi row several cells
wider than it thought and pushed the next pane's border sideways. tmux is the terminal here:
it lays its grid out with glibc's `wcwidth` (as xterm, VTE and Konsole do), and
`capture-pane` reads that grid back, cell for cell.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.command import newsreader_command
from tests.helpers.glibc import glibc_wcwidth
from tests.pty_terminal import Terminal

pytestmark = pytest.mark.e2e

TMUX = shutil.which("tmux")
HINDI = "हिन्दी समाचार: संसद में आज बजट पेश किया गया और विपक्ष ने विरोध किया"


def _border_columns(line: str, wcwidth: Callable[[str], int]) -> list[int]:
    """The cells (as the terminal counts them) at which `line` has a vertical border."""
    column, found = 0, []
    for char in line:
        if char in "│╭╮╰╯":
            found.append(column)
        column += max(0, wcwidth(char))
    return found


@pytest.mark.skipif(TMUX is None or not sys.platform.startswith("linux"),
                    reason="needs tmux on Linux (a terminal that measures with glibc)")
def test_a_hindi_headline_keeps_the_panes_borders_in_place(tmp_path: Path) -> None:
    folder = tmp_path / "stories"
    folder.mkdir()
    (folder / "hindi.txt").write_text(f"{HINDI}\nदूसरी पंक्ति।\n", encoding="utf-8")
    (folder / "english.txt").write_text("Parliament presents the budget today\nMore.\n",
                                        encoding="utf-8")
    socket = str(tmp_path / "tmux.sock")
    app = shlex.join([newsreader_command(), "--data-dir", str(tmp_path / "data"), "--offline",
                      str(folder)])
    assert TMUX is not None
    term = Terminal([TMUX, "-S", socket, "-f", "/dev/null", "new-session", "-x", "120", "-y",
                     "30", app], cols=120, rows=30)
    try:
        term.wait_for_text("Parliament")
        term.wait_for_text("Headlines · 2")
        grid = subprocess.run([TMUX, "-S", socket, "capture-pane", "-p"], capture_output=True,
                              text=True, check=True, timeout=30).stdout.splitlines()
        term.send("q")
        term.wait_exit(timeout=30)
    finally:
        term.close()
        subprocess.run([TMUX, "-S", socket, "kill-server"], capture_output=True, timeout=30)
    wcwidth = glibc_wcwidth()
    hindi = next(line for line in grid if "हिन्दी" in line and "Parliament" not in line)
    english = next(line for line in grid if "Parliament" in line)
    frame = next(line for line in grid if "Headlines" in line)
    assert _border_columns(hindi, wcwidth)[:3] == _border_columns(english, wcwidth)[:3], (
        "\n".join(grid))
    assert _border_columns(english, wcwidth)[:3] == _border_columns(frame, wcwidth)[:3]
