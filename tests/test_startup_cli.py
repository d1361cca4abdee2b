"""`newsreader PATH...` from the command line: what costs nothing is checked before the app
starts, the reading happens in the app, and what went wrong is still on the terminal after
the app quits. Run as the user runs it: the real command in a real pseudo-terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from reader.cli import main
from tests.pty_terminal import Terminal

ROOT = Path(__file__).resolve().parent.parent


def test_paths_that_do_not_exist_are_told_and_the_app_does_not_start(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), str(tmp_path / "gone.txt"),
                 str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"newsreader: cannot add {tmp_path / 'gone.txt'}: no such file or folder",
                   f"newsreader: cannot add {tmp_path / 'nowhere'}: no such file or folder"]
    assert not data.exists()  # not even the cache was opened


def test_a_bad_file_is_told_before_the_app_which_reads_the_rest(tmp_path: Path) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / "ferries.txt").write_text("# Harbour ferries return\nThe first ferry left at dawn.\n",
                                      encoding="utf-8")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    feeds = tmp_path / "feeds.opml"
    feeds.write_text('<opml version="2.0"><body><outline text="Valley Courier" '
                     'xmlUrl="https://valley.example/feed.xml"/></body></opml>', encoding="utf-8")
    term = Terminal([sys.executable, "-m", "reader", "--data-dir", str(tmp_path / "data"),
                     "--offline", str(binary), str(news), str(feeds)], cols=140, rows=42,
                    cwd=str(ROOT), env={"PYTHONPATH": str(ROOT)})
    try:
        # The folder's story opens by itself; the list named at launch was imported.
        term.wait_for(lambda s: "The first ferry left at dawn" in s, timeout=120)
        term.send("S")
        term.wait_for(lambda s: "Valley Courier" in s)
        term.send("q")
        assert term.wait_exit() == 0  # some of it was readable
    finally:
        term.close()
    raw = bytes(term.raw)
    before = raw.split(b"\x1b[?1049h", 1)[0]  # written before the app took the screen
    assert b"newsreader: cannot add " + str(binary).encode() + b": binary file" in before
    assert b"imported 1 feed" in before
