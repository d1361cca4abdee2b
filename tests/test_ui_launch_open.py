"""A file named at launch opens its story, whatever else the start-up does meanwhile.

Adding the file asks the headline list to open its first row once the new view is counted.
The start-up refresh (or, after a rebuild, the re-read of the local sources) reloads the list
when it ends, at any moment; that reload must answer the request, not cancel it.

The first tests put the end of that work exactly between the request and its answer (both
messages queued in the order the workers can deliver them), so they fail every time the
request is lost. The others run the real start-up (the refresh on, a slow re-read, a real
terminal) on caches that already hold several sources: there the timing is the machine's,
so they meet the bad order only now and then, but they check the whole way a user takes.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from reader.models import View
from reader.service.sources import add_path
from reader.store import Store
from reader.ui.controllers.launch import LocalReread
from reader.ui.messages import RefreshDone, SourceAdded
from reader.ui.widgets.headline_list import HeadlineList
from tests.feedserver import FeedServer, feed_server  # noqa: F401 - the fixture
from tests.helpers.pilot import SIZE, RecordingApp, main, settle, shown_title
from tests.helpers.stories import NOW, add_source, make_store, numbered
from tests.pty_terminal import Terminal

SAMPLE = Path(__file__).parent / "fixtures" / "samples" / "000_1cdceafaa06d3d12.txt"
SAMPLE_HEADLINE = "A Taliban spokesperson says a recent visit"
ROOT = Path(__file__).resolve().parent.parent

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<link>https://example.org/</link><description>d</description>
{items}</channel></rss>"""
ITEM = """<item><title>Wire story {n}</title><link>https://example.org/wire/{n}</link>
<guid>wire-{n}</guid><pubDate>Tue, 26 Nov 2024 1{n}:00:00 GMT</pubDate>
<description>Wire story {n} body.</description></item>"""


def local_sources(folder: Path, store: Store, count: int = 5) -> None:
    """`count` story files on disk, each subscribed to (what earlier launches left)."""
    folder.mkdir(exist_ok=True)
    for n in range(count):
        path = folder / f"earlier-{n}.txt"
        path.write_text(f"# Earlier story {n}\nThe earlier story {n} begins here.\n",
                        encoding="utf-8")
        add_path(store, path)


def story_file(tmp_path: Path) -> Path:
    path = tmp_path / "story.txt"
    shutil.copy(SAMPLE, path)
    return path


def assert_story_opened(app: RecordingApp, path: Path) -> None:
    source = app.store.source_by_location(str(path.resolve()))
    assert source is not None
    assert main(app).view == View(mode="all", source_id=source.id)
    assert (shown_title(app) or "").startswith(SAMPLE_HEADLINE), shown_title(app)
    assert app.screen.query_one(HeadlineList).cursor == 0


# -- the reload that ends the start-up work, between the request and its answer ----------------

async def test_the_file_opens_though_the_refresh_ends_before_the_list_answers(
        tmp_path: Path) -> None:
    store = make_store(tmp_path)
    local_sources(tmp_path / "earlier", store)
    path = story_file(tmp_path)
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert (shown_title(app) or "").startswith("Earlier story")
        source, outcome = add_path(store, path)  # what the app's path worker does
        screen = main(app)
        # Both answers queued before either is handled: the list asks for row 0 of the new
        # source, then the refresh's end reloads it before that count comes back.
        screen.refresh_control.post_message(SourceAdded(source, outcome, 1))
        screen.refresh_control.post_message(RefreshDone([]))
        await settle(app, pilot)
        assert_story_opened(app, path)


async def test_the_file_opens_though_the_local_reread_ends_before_the_list_answers(
        tmp_path: Path) -> None:
    store = make_store(tmp_path)
    local_sources(tmp_path / "earlier", store)
    path = story_file(tmp_path)
    app = RecordingApp(store, offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        source, outcome = add_path(store, path)
        main(app).refresh_control.post_message(SourceAdded(source, outcome, 1))
        main(app).launch.post_message(LocalReread([]))  # it answers with a RefreshDone
        await settle(app, pilot)
        assert_story_opened(app, path)


async def test_a_story_chosen_before_the_answer_wins_over_the_row_asked_for(
        tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        headlines = app.screen.query_one(HeadlineList)
        assert shown_title(app) == "daily story 0"
        chosen = store.views.headlines(View(), 4, 1)[0]
        headlines.reload(keep_position=False, select_row=2)  # asked for ...
        main(app).story_id = chosen.id  # ... and the reader chose a story (n, a teaser) first
        headlines.reload(keep_position=True)
        await settle(app, pilot)
        assert shown_title(app) == "daily story 4"
        assert headlines.cursor == 4


# -- the real start-up ------------------------------------------------------------------------

async def test_a_file_named_at_launch_opens_with_the_startup_refresh_on(
        tmp_path: Path, feed_server: FeedServer) -> None:  # noqa: F811 - the fixture
    feed_server.route("/wire.xml", RSS.format(items="".join(ITEM.format(n=n)
                                                             for n in range(5))))
    store = make_store(tmp_path)
    local_sources(tmp_path / "earlier", store)
    store.add_source("feed", feed_server.url("/wire.xml"), "Wire")
    path = story_file(tmp_path)
    app = RecordingApp(store, paths=[str(path)], refresh_on_start=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert feed_server.hits("/wire.xml") == 1  # the start-up refresh did run
        assert_story_opened(app, path)


async def test_a_file_named_at_launch_opens_after_a_slow_local_reread(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    local_sources(tmp_path / "earlier", store)
    folder = tmp_path / "archive"
    folder.mkdir()
    for n in range(200):  # a folder the re-read takes a while over
        (folder / f"{n:03}.txt").write_text(f"# Archived {n}\nArchived story {n}.\n",
                                            encoding="utf-8")
    archive, _ = add_path(store, folder)
    (folder / "new.txt").write_text("# Archived late\nOnly the re-read finds it.\n",
                                    encoding="utf-8")
    path = story_file(tmp_path)
    app = RecordingApp(store, paths=[str(path)], offline=True, rebuilt=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert store.views.count(View(source_id=archive.id)) == 201  # the re-read did run
        assert_story_opened(app, path)



async def test_a_file_of_a_subscribed_folder_opens_its_own_story(tmp_path: Path) -> None:
    """Naming a file that a subscribed folder holds opens that file's story in the folder's
    list, not the folder's newest story."""
    store = make_store(tmp_path)
    folder = tmp_path / "news"
    folder.mkdir()
    for n in range(6):
        (folder / f"{n}.txt").write_text(f"# Folder story {n}\nFolder story {n} text.\n",
                                         encoding="utf-8")
    named = story_file(folder)
    os.utime(named, (NOW - 86_400, NOW - 86_400))  # the oldest of them, so not the first row
    news, _ = add_path(store, folder)
    newest = store.views.headlines(View(source_id=news.id), 0, 1)[0]
    assert not newest.title.startswith(SAMPLE_HEADLINE)
    app = RecordingApp(store, paths=[str(named)], offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert main(app).view == View(mode="all", source_id=news.id)
        assert (shown_title(app) or "").startswith(SAMPLE_HEADLINE), shown_title(app)
        headlines = app.screen.query_one(HeadlineList)
        assert headlines.cursor > 0  # its own row, not the first


@pytest.mark.e2e
def test_a_file_named_at_launch_opens_in_a_real_terminal(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    store = Store(data / "newsreader.sqlite3", clock=lambda: NOW)
    local_sources(tmp_path / "earlier", store, count=8)
    store.close()
    path = story_file(tmp_path)
    # Online (the start-up refresh re-reads the eight sources), as a user starts it.
    term = Terminal([sys.executable, "-m", "reader", "--data-dir", str(data), str(path)],
                    cols=140, rows=42, cwd=str(ROOT), env={"PYTHONPATH": str(ROOT)})
    try:
        screen = term.wait_for(lambda s: "Deputy spokesman" in s, timeout=60)
        assert "No story open" not in screen
        term.send("q")
        assert term.wait_exit() == 0
    finally:
        term.close()


# -- g: go to a source ------------------------------------------------------------------------

async def test_g_goes_to_a_source_and_opens_its_first_story(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Alpha", numbered("alpha", 3, start=NOW))
    beta = add_source(store, "Beta", numbered("beta", 3, start=NOW - 3600))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert shown_title(app) == "alpha story 0"
        await pilot.press("g")
        await settle(app, pilot)
        await pilot.press(*"Beta", "enter")
        await settle(app, pilot)
        assert main(app).view == View(source_id=beta)
        assert shown_title(app) == "beta story 0"  # not the story of the source left behind
        headlines = app.screen.query_one(HeadlineList)
        assert headlines.cursor == 0
        assert app.focused is headlines
