"""Pilot test of a refresh in the background: keys answer and the open article stays put
while a (deliberately held-up) feed on a real loopback server is being fetched."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from reader.ui.widgets.headline_list import HeadlineList
from tests.feedserver import FeedServer, feed_server  # noqa: F401 - the fixture
from tests.helpers.pilot import SIZE, RecordingApp, headline_rows, main, settle, shown_title
from tests.helpers.stories import add_source, hits, make_store, numbered

FEED = Path(__file__).parent / "fixtures" / "feeds" / "rss20.xml"
REFRESH = frozenset({"refresh"})


async def test_keys_answer_and_the_article_stays_during_a_refresh(
        tmp_path: Path, feed_server: FeedServer) -> None:  # noqa: F811 - the fixture
    gate = threading.Event()

    def held_body() -> Iterator[bytes]:
        gate.wait(30)  # the server sends the body only when the test says so
        yield FEED.read_bytes()

    feed_server.route("/slow.xml", chunks=held_body)
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    store.add_source("feed", feed_server.url("/slow.xml"), "Slow feed")
    app = RecordingApp(store, refresh_on_start=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot, ignore=REFRESH)
            screen = main(app)
            assert screen.refreshing and screen.has_class("-refreshing")
            assert shown_title(app) == "daily story 0"
            await pilot.press("j", "j")
            await settle(app, pilot, ignore=REFRESH)
            assert shown_title(app) == "daily story 2"
            assert screen.refreshing  # the feed is still being fetched
            gate.set()
            await settle(app, pilot)
            assert not screen.refreshing
            headlines = app.screen.query_one(HeadlineList)
            new = store.views.count(screen.view) - 5
            assert new > 0 and headlines.total == 5 + new
            assert shown_title(app) == "daily story 2"
            assert headlines.cursor == store.views.index_of(screen.view, screen.story_id or -1)
            assert "daily story 2" in headline_rows(app)[
                headlines.cursor - int(headlines.scroll_y)]
            slow = next(s for s in screen.sources if s.title == "Slow feed")
            assert slow.total == new and slow.status == "ok"
            # The refresh left its stories for the index; the screen's worker indexed them.
            assert not store.index.pending()
            assert hits(store, "lighthouse")
    finally:
        gate.set()
