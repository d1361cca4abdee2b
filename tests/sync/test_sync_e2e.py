"""End to end: the installed `newsreader` command in a real pseudo-terminal, syncing with the
real TT-RSS of tests/sync/conftest.py. The app syncs at start, a story is read with the keys,
`R` syncs again, and the server has the story read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.sync.base import PASSWORD_ENV
from tests.helpers.command import newsreader_command
from tests.pty_terminal import Terminal
from tests.sync.conftest import PASSWORD, Account

pytestmark = pytest.mark.e2e


def test_sync_read_a_story_and_the_server_has_it_read(account: Account,
                                                       tmp_path: Path) -> None:
    feed = account.feed("The Wire", "https://wire.example.org/feed.xml")
    older, newer = account.stories(feed, 2)
    config = tmp_path / "config.toml"
    config.write_text(f'[sync]\nbackend = "ttrss"\nurl = "{account.server.url}"\n'
                      f'user = "{account.login}"\n', encoding="utf-8")
    term = Terminal([newsreader_command(), "--config", str(config), "--data-dir",
                     str(tmp_path / "data")], cols=140, rows=40,
                    env={PASSWORD_ENV: PASSWORD})
    try:
        # The sync at start brings the server's stories; the status line says it is done.
        term.wait_for(lambda s: "Story 2" in s and "Story 1" in s and "Synced " in s)
        assert account.state(newer) == (False, False)
        # Open the newest of the server's stories, below the welcome's three: the article's
        # corner says which row is open.
        for row in (2, 3):
            term.send("j")
            term.wait_for_text(f"{row} of 5")
        term.send("j")
        term.wait_for(lambda s: "4 of 5" in s and "1 change to send" in s)
        term.send("R")
        term.wait_for(lambda s: "nothing to send" in s and "1 change sent" in s)
        term.send("q")
        assert term.wait_exit() == 0
    finally:
        term.close()
    assert account.state(newer) == (True, False)
    assert account.state(older) == (False, False)
