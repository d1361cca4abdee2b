"""Sync in the app, under Textual's Pilot: `r` / `R` sync with the server in `[sync]` in the
background, the feeds fetched here refresh in the same run, the source list marks the
server's sources, the status line tells the last sync and the changes waiting, and a failed
sync is told in plain words while the keys keep answering.

The server is the real TT-RSS of tests/sync/conftest.py (those tests are skipped without it),
or a loopback server that is not TT-RSS, or none at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from ttrss_server import free_port  # tests/sync/conftest.py puts scripts/ on the path

from reader.config import Config
from reader.models import View
from reader.store import Store
from reader.sync.base import PASSWORD_ENV
from reader.ui.widgets.refresh_status import RefreshStatus
from reader.ui.widgets.source_list import SERVER_MARK, SourceList
from tests.feedserver import FeedServer, feed_server  # noqa: F401 - the fixture
from tests.helpers.pilot import SIZE, RecordingApp, main, settle, shown_title
from tests.helpers.stories import add_source, make_store, numbered
from tests.sync.conftest import PASSWORD, Account, HeldServer

FEED = Path(__file__).parents[1] / "fixtures" / "feeds" / "rss20.xml"
REFRESH = frozenset({"refresh"})


def sync_config(url: str, user: str = "me", local: tuple[str, ...] = ()) -> Config:
    return Config(sync__backend="ttrss", sync__url=url, sync__user=user, sync__local=local)


def status_text(app: RecordingApp) -> str:
    return app.screen.query_one(RefreshStatus).text


async def source_rows(app: RecordingApp, pilot: Pilot[None]) -> list[str]:
    """The source list's rows as the user sees them: the list is shown first (`S`), since a
    hidden list builds no rows."""
    widget = app.screen.query_one(SourceList)
    if not widget.display:
        await pilot.press("S")
        await settle(app, pilot)
        assert widget.display
    return [str(widget.get_option_at_index(i).prompt) for i in range(widget.option_count)]


def app_with_no_server_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             ) -> tuple[Store, RecordingApp]:
    """Three cached stories of one source, and `[sync]` naming a loopback port nobody
    listens on: every sync fails with "connection refused"."""
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 3))
    return store, RecordingApp(store, config=sync_config(f"http://127.0.0.1:{free_port()}/"))


async def test_R_syncs_then_refreshes_the_feeds_fetched_here(
        account: Account, tmp_path: Path, feed_server: FeedServer,  # noqa: F811 - the fixture
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    wire = account.feed("The Wire", "https://wire.example.org/feed.xml")
    wire_stories = account.stories(wire, 2)
    feed_server.route("/intranet.xml", FEED.read_bytes())
    intranet = feed_server.url("/intranet.xml")
    account.stories(account.feed("Intranet", intranet), 1)  # the server has it too
    store = make_store(tmp_path)
    local = store.add_source("feed", intranet, "Intranet")
    app = RecordingApp(store, config=sync_config(account.server.url, account.login,
                                                 local=(intranet,)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        status = app.screen.query_one(RefreshStatus)
        assert status.display and "Not synced yet" in status_text(app)

        await pilot.press("R")
        await settle(app, pilot)

        assert not screen.refreshing
        sources = {s.title: s for s in store.sources()}
        assert sources["The Wire"].origin == "ttrss"
        assert sources["Intranet"].origin == "local" and sources["Intranet"].id == local.id
        # The local feed came from the loopback server in the same run, not from TT-RSS.
        titles = {h.title for h in store.views.headlines(View(source_id=local.id), 0, 50)}
        assert "Lighthouse reopens to visitors" in titles and "Story 1" not in titles
        assert ("information", "Synced: 2 new stories, 1 source added") in app.notes
        assert not any(severity == "error" for severity, _ in app.notes)
        rows = await source_rows(app, pilot)
        assert any(SERVER_MARK + "The Wire" in row for row in rows)
        assert not any(SERVER_MARK + "Intranet" in row for row in rows)
        assert "Synced " in status_text(app) and "nothing to send" in status_text(app)

        # A mark here waits in the queue, and the status line counts it ...
        await pilot.press("A")
        await settle(app, pilot)
        assert "2 changes to send" in status_text(app)
        # ... until the next sync sends it.
        await pilot.press("R")
        await settle(app, pilot)
        assert "nothing to send" in status_text(app)
        assert [account.state(s) for s in wire_stories] == [(True, False), (True, False)]
        assert ("information", "Synced: 0 new stories, 2 changes sent") in app.notes


async def test_keys_answer_during_a_sync_and_its_failure_is_told(
        tmp_path: Path, held_page_server: HeldServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    app = RecordingApp(store, config=sync_config(held_page_server.url))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        assert shown_title(app) == "daily story 0"
        await pilot.press("R")
        await settle(app, pilot, ignore=REFRESH)
        assert screen.refreshing and status_text(app).startswith("Syncing")
        await pilot.press("j", "j")
        await settle(app, pilot, ignore=REFRESH)
        assert shown_title(app) == "daily story 2"  # the keys answered while it synced
        assert screen.refreshing

        held_page_server.gate.set()
        await settle(app, pilot)

        assert not screen.refreshing
        errors = [text for severity, text in app.notes if severity == "error"]
        assert len(errors) == 1
        assert errors[0].startswith("Sync failed: ") and "not Tiny Tiny RSS" in errors[0]
        assert "Last sync failed: " in status_text(app)
        assert store.views.count(View()) == 5  # nothing cached lost


async def test_a_dead_server_is_told_and_the_app_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store, app = app_with_no_server_there(tmp_path, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("r")  # the open story's source is fetched here: no sync
        await settle(app, pilot)
        assert not any("Sync" in text for _, text in app.notes)
        assert any(text.startswith("Refreshed 1 source") for _, text in app.notes)
        await pilot.press("R")
        await settle(app, pilot)
        errors = [text for severity, text in app.notes if severity == "error"]
        assert len(errors) == 1
        assert "cannot reach the sync server" in errors[0]
        assert "connection refused" in errors[0]
        assert "connection refused" in status_text(app)
        await pilot.press("j")
        await settle(app, pilot)
        assert shown_title(app) == "daily story 1"
        assert store.views.count(View()) == 3


async def test_a_server_that_stays_down_is_told_once_by_the_timed_refresh(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every interval's refresh fails the same way; the first says so, the status line keeps
    saying it, and the next ones stay quiet, though the reader goes on starring stories the
    server has (each one more change kept to send). A sync the reader asks for is told
    again."""
    from reader.store import sync_state
    from reader.ui.controllers.refresh import RefreshController

    store, app = app_with_no_server_there(tmp_path, monkeypatch)
    with store.db.write() as conn:  # the stories came from the server at an earlier sync
        conn.execute("INSERT INTO remote_stories (story_id, remote_id, remote_read, "
                     "remote_starred) SELECT id, 1000 + id, 0, 0 FROM stories")

    def errors() -> list[str]:
        return [text for severity, text in app.notes if severity == "error"]

    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        controller = app.screen.query_one(RefreshController)
        kept: list[int] = []
        for _ in range(3):
            await pilot.press("s", "j")
            await settle(app, pilot)
            kept.append(sync_state.pending(store))
            controller._timed_refresh()  # what the interval timer calls
            await settle(app, pilot)
        assert kept == sorted(set(kept))  # more changes kept at each failure
        assert len(errors()) == 1 and "cannot reach the sync server" in errors()[0]
        assert "connection refused" in status_text(app)
        await pilot.press("R")
        await settle(app, pilot)
        assert len(errors()) == 2
        assert store.views.count(View()) == 3


async def test_zen_hides_the_sync_line_between_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, app = app_with_no_server_there(tmp_path, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        status = app.screen.query_one(RefreshStatus)
        assert status.display  # the line of its own, with a server configured
        await pilot.press("z")
        await settle(app, pilot)
        assert not status.display
        await pilot.press("z")
        await settle(app, pilot)
        assert status.display


async def test_without_a_server_r_refreshes_as_before(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 3))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert not app.screen.query_one(RefreshStatus).display
        await pilot.press("R")
        await settle(app, pilot)
        assert not any("Sync" in text for _, text in app.notes)
        assert any(text.startswith("Refreshed 1 source") for _, text in app.notes)
