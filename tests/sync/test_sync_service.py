"""The service's sync (reader.service.sync), shared by `newsreader sync` and the app: feeds
kept local, whole articles kept after a sync, and the words the status line shows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from reader.models import LOCAL_ORIGIN
from reader.refresh.apply import due_sources
from reader.service.sync import SyncStatus
from reader.store import Store
from reader.store import sync_state as state
from reader.sync.base import PASSWORD_ENV
from reader.ui.widgets.refresh_status import sync_line
from tests.feedserver import FeedServer, feed_server  # noqa: F401 - the fixture
from tests.sync.conftest import PASSWORD, Account

PAGE = Path(__file__).parents[1] / "fixtures" / "pages" / "classic_news.html"


def test_newsreader_sync_keeps_whole_articles_of_server_sources(
        account: Account, tmp_path: Path, feed_server: FeedServer,  # noqa: F811 - the fixture
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from reader.cli import main

    feed_server.route("/news/trains", PAGE.read_bytes(), content_type="text/html")
    feed = account.feed("Wire", "https://wire.example.org/feed.xml")
    (story,) = account.stories(feed, 1)
    account.server.sql(f"UPDATE ttrss_entries SET link = '{feed_server.url('/news/trains')}' "
                       f"WHERE id = {story};")
    config = tmp_path / "config.toml"
    config.write_text(f'[full_article]\ndefault = "refresh"\n\n[sync]\nbackend = "ttrss"\n'
                      f'url = "{account.server.url}"\nuser = "{account.login}"\n',
                      encoding="utf-8")
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)

    assert main(["--config", str(config), "--data-dir", str(tmp_path / "data"), "sync"]) == 0

    assert "kept 1 of 1 full article for offline reading" in capsys.readouterr().out
    store = Store(tmp_path / "data" / "newsreader.sqlite3")
    try:
        (kept,) = [store.story(i) for (i,) in store.db.conn().execute("SELECT id FROM stories")]
        assert kept is not None and "42 new electric trains" in kept.full_html
    finally:
        store.close()


def test_a_feed_kept_local_leaves_the_server_and_is_fetched_here(store: Store) -> None:
    server = store.add_source("feed", "https://a.example.org/feed.xml", "A")
    here = store.add_source("feed", "https://b.example.org/feed.xml", "B")
    state.start_account(store, "ttrss https://rss.example.org me", 1.0)
    state.link_source(store, server.id, 7, "ttrss")
    state.link_source(store, here.id, 8, "ttrss")
    assert [s.id for s in due_sources(store)] == []  # the server fetches both

    changed = state.keep_local(store, ["https://b.example.org/feed.xml", "https://c.example/"])

    assert changed == [here.id]
    assert state.remote_sources(store) == {7: server.id}
    assert state.pending(store) == 0  # unlinked, not unsubscribed on the server
    assert store.get_source(here.id).origin == LOCAL_ORIGIN  # type: ignore[union-attr]
    assert [s.id for s in due_sources(store)] == [here.id]
    # Another account forgets the server's sources, never what the user keeps local.
    state.start_account(store, "ttrss https://other.example.org me", 2.0)
    assert store.get_source(here.id).origin == LOCAL_ORIGIN  # type: ignore[union-attr]
    assert here.id not in [i for i, _, _ in state.local_feeds_to_subscribe(store)]


def test_the_status_line_words() -> None:
    noon = datetime(2024, 3, 1, 12, 5, tzinfo=UTC).timestamp()
    assert sync_line(SyncStatus(None, "", 0), tz=UTC, now=noon) == \
        "Not synced yet · nothing to send"
    assert sync_line(SyncStatus(noon - 3600, "", 1), tz=UTC, now=noon) == \
        "Synced at 11:05 · 1 change to send"
    # The reason may carry the server's words: never an escape sequence on the terminal.
    assert sync_line(SyncStatus(noon - 86400, "refused: \x1b]0;title\x07no", 3), tz=UTC,
                     now=noon) == \
        "Last sync failed: refused: ]0;titleno · Synced 29 Feb 12:05 · 3 changes to send"
