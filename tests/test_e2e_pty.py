"""End to end: the installed `newsreader` command in a real pseudo-terminal.

The tests open a folder holding the shared sample story, or subscribe to feeds on a local
server, move with the keys and read the screen back through a terminal emulator, as a
person would see it.
"""

from __future__ import annotations

# ruff: noqa: F811 - the feed_server fixture is imported and then used as an argument
import os
import shutil
import subprocess
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest

from reader.extract.fulltext import HANDFUL as FULLTEXT_HANDFUL
from reader.refresh.demand import HANDFUL
from tests.feedserver import FeedServer, feed_server  # noqa: F401
from tests.helpers.command import newsreader_command
from tests.helpers.stories import rss
from tests.pty_terminal import Terminal

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).parent / "fixtures" / "samples" / "000_1cdceafaa06d3d12.txt"
PAGES = Path(__file__).parent / "fixtures" / "pages"


@pytest.fixture
def news_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / SAMPLE.name)
    (folder / "older.txt").write_text(
        "# Harbour ferries return after the winter storms\n"
        "The first ferry of the season left the harbour at dawn on Monday.\n"
        "Crews spent the winter repairing the piers damaged in January.\n", encoding="utf-8")
    (folder / "hostile.txt").write_text(
        "# Totally normal \x1b]0;pwned-title\x07 headline [@click=app.quit]quit[/]\n"
        "Body with a clear-screen \x1b[2J and a bell \x07 and \x9b31m C1 CSI.\n"
        "Only the article pane shows this second paragraph.\n",
        encoding="utf-8")
    os.utime(folder / SAMPLE.name, (2_000_000_000, 2_000_000_000))
    os.utime(folder / "older.txt", (1_900_000_000, 1_900_000_000))
    os.utime(folder / "hostile.txt", (1_800_000_000, 1_800_000_000))
    return folder


def test_open_read_move_and_quit_in_a_real_terminal(tmp_path: Path, news_folder: Path) -> None:
    term = Terminal([newsreader_command(), "--data-dir", str(tmp_path / "data"), "--offline",
                     str(news_folder)], cols=140, rows=42)
    try:
        # The newest story opens by itself: headline, body and teasers all on screen.
        screen = term.wait_for(lambda s: "Deputy spokesman" in s and "An Israeli attack" in s)
        assert "A Taliban spokesperson" in screen
        # j moves to the next headline and shows it.
        term.send("j")
        screen = term.wait_for_text("Crews spent the winter")
        assert "Harbour ferries return" in screen
        # The hostile story shows its markup literally and does not quit the app.
        term.send("j")
        screen = term.wait_for_text("Only the article pane shows")
        assert "[@click=app.quit]quit[/]" in screen
        # k goes back up.
        term.send("k")
        term.wait_for_text("Crews spent the winter")
        # ? shows the help screen, escape closes it.
        term.send("?")
        help_screen = term.wait_for(lambda s: "Previous pane" in s and "Next unread" in s)
        assert "Keys" in help_screen
        term.send("\x1b")
        # Wait until the help screen is gone before the next key: an escape followed at once
        # by "q" reads as alt+q in a real terminal.
        term.wait_for(lambda s: "Previous pane" not in s and "Crews spent the winter" in s)
        term.send("q")
        assert term.wait_exit() == 0
    finally:
        term.close()
    raw = bytes(term.raw)
    assert b"pwned-title" in raw  # the text itself was drawn ...
    assert b"\x1b]0;pwned-title" not in raw  # ... but never as a window-title escape
    assert b"\x9b" not in raw and b"\xc2\x9b" not in raw


def test_the_cache_reads_offline_after_the_file_is_gone(tmp_path: Path,
                                                         news_folder: Path) -> None:
    data = str(tmp_path / "data")
    first = Terminal([newsreader_command(), "--data-dir", data, "--offline", str(news_folder)])
    try:
        first.wait_for_text("Deputy spokesman")
        first.send("q")
        assert first.wait_exit() == 0
    finally:
        first.close()
    shutil.rmtree(news_folder)
    again = Terminal([newsreader_command(), "--data-dir", data, "--offline"])
    try:
        # (both: the pty may show a frame half drawn, the list's first row alone)
        again.wait_for(lambda s: "Taliban spokesperson" in s and "Harbour ferries" in s)
        again.send("q")
        assert again.wait_exit() == 0
    finally:
        again.close()


def _children(pid: int) -> list[str]:
    """The command lines of `pid`'s child processes, as the kernel lists them (Linux)."""
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as listed:
            for child in listed.read().split():
                try:
                    with open(f"/proc/{child}/cmdline", "rb") as cmdline:
                        found.append(cmdline.read().replace(b"\0", b" ").decode(errors="replace"))
                except OSError:  # it ended meanwhile
                    continue
    return found


def _subscribe(tmp_path: Path, urls: list[str]) -> str:
    """A data folder subscribed to `urls` by `newsreader import` (which fetches nothing)."""
    outlines = "".join(f"<outline type='rss' text='Feed {i}' xmlUrl={quoteattr(url)}/>"
                       for i, url in enumerate(urls))
    opml = tmp_path / "feeds.opml"
    opml.write_text(f"<opml version='2.0'><body>{outlines}</body></opml>", encoding="utf-8")
    data = str(tmp_path / "data")
    subprocess.run([newsreader_command(), "--data-dir", data, "import", str(opml)],
                   check=True, capture_output=True, timeout=60)
    return data


def test_a_first_refresh_of_many_feeds_in_the_app(tmp_path: Path,
                                                   feed_server: FeedServer) -> None:
    """More feeds than a handful, all new, read by the refresh the app starts on launch: it
    parses them in its process pool, which it starts from a thread while Textual holds
    `sys.stderr` (that start once failed, and with it the whole refresh)."""
    count = HANDFUL + 3
    for i in range(count):
        items = [(f"f{i}-{k}", f"Lighthouse {i} log, entry {k}", f"Lamp {i}.{k} lit at dusk.")
                 for k in range(3)]
        feed_server.route(f"/f{i}.xml", rss(f"Lighthouse {i}", items))
    data = _subscribe(tmp_path, [feed_server.url(f"/f{i}.xml") for i in range(count)])
    term = Terminal([newsreader_command(), "--data-dir", data], cols=140, rows=42)
    try:
        # The app refreshes on start, quietly unless something new came (it all is).
        done = f"Refreshed {count} sources: {3 * count} new stories"
        screen = term.wait_for(lambda s: done in s or "failed" in s)  # (a frame may be half
        assert done in screen, screen  # drawn: the whole line is waited for)
        # parsed in the pool, not in the thread a pool that cannot start falls back to
        assert any("multiprocessing.forkserver" in c for c in _children(term.proc.pid))
        assert "Lighthouse" in term.wait_for_text("entry 2")
        term.send("q")
        assert term.wait_exit() == 0
    finally:
        term.close()


def test_whole_articles_kept_by_the_apps_refresh(tmp_path: Path,
                                                 feed_server: FeedServer) -> None:
    """A source in "refresh" mode: the app keeps every new story's page for offline reading,
    more pages than a handful, so in its process pool (started under Textual, as above)."""
    count = FULLTEXT_HANDFUL + 2
    page = (PAGES / "brief.html").read_bytes()
    items = []
    for i in range(count):
        feed_server.route(f"/story/{i}", page, content_type="text/html; charset=utf-8")
        items.append(f"<item><title>Story {i}</title><guid>s{i}</guid>"
                     f"<link>{feed_server.url(f'/story/{i}')}</link>"
                     "<description>The feed's short text.</description></item>")
    feed_server.route("/feed.xml", "<?xml version='1.0'?><rss version='2.0'><channel>"
                      f"<title>Pages</title>{''.join(items)}</channel></rss>")
    config = Path(os.environ["NEWSREADER_CONFIG_DIR"]) / "config.toml"  # the test's own
    config.write_text('[full_article]\ndefault = "refresh"\n', encoding="utf-8")
    data = _subscribe(tmp_path, [feed_server.url("/feed.xml")])
    term = Terminal([newsreader_command(), "--data-dir", data], cols=140, rows=42)
    try:
        kept = f"Kept {count} of {count} full articles"
        screen = term.wait_for(lambda s: kept in s or "failed" in s)
        assert kept in screen, screen
        assert any("multiprocessing.forkserver" in c for c in _children(term.proc.pid))
        term.send("q")
        assert term.wait_exit() == 0
    finally:
        term.close()
    assert all(feed_server.hits(f"/story/{i}") == 1 for i in range(count))
