"""Every date the app writes out follows the user's `date_format` and `timezone`, as the
article view and `newsreader show` do: the story copied as text, the source's health, and
`newsreader list`."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.config import parse_config
from reader.paths import DB_NAME
from reader.store import Store
from reader.ui.screens.source_info import SourceInfoScreen
from reader.ui.widgets.source_list import SourceList
from tests.helpers.pilot import RecordingApp, main, screen_text, settle
from tests.helpers.stories import NOW, add_source, make_store, numbered

# NOW is 2024-11-27 09:33 UTC: 18:33 in Tokyo.
TOKYO = 'timezone = "Asia/Tokyo"\ndate_format = "%Y-%m-%d %H:%M %Z"\n'
WRITTEN = "2024-11-27 18:33 JST"


async def test_copy_as_text_and_source_health_write_the_configured_dates(
        tmp_path: Path) -> None:
    store = make_store(tmp_path)
    daily = add_source(store, "Daily", numbered("daily", 1))  # published at NOW
    store.update_source(daily, last_success=NOW, last_checked=NOW)
    config, problems = parse_config(TOKYO, "config.toml")
    assert problems == []
    app = RecordingApp(store, config=config)
    async with app.run_test(size=(220, 50)) as pilot:  # wide: the source list shows
        await settle(app, pilot)
        assert WRITTEN in screen_text(app)  # the article's byline, the model for the rest
        await pilot.press("C")
        assert app.clipboard.splitlines()[1] == f"Daily · {WRITTEN}"

        sources = main(app).query_one(SourceList)
        assert sources.display
        sources.focus()
        sources.highlighted = sources.get_option_index(f"source:{daily}")
        await pilot.press("i")
        await settle(app, pilot)
        assert isinstance(app.screen, SourceInfoScreen)
        rows = dict(app.screen.rows)
        assert rows["Last update"] == rows["Last checked"] == rows["Newest story"] == WRITTEN


def test_newsreader_list_writes_the_configured_dates(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from reader.cli import main as cli_main

    data, config = tmp_path / "data", tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text(TOKYO, encoding="utf-8")
    monkeypatch.setenv("NEWSREADER_CONFIG_DIR", str(config))
    data.mkdir()
    store = Store(data / DB_NAME, clock=lambda: NOW)
    daily = add_source(store, "Daily", numbered("daily", 1))
    store.update_source(daily, last_success=NOW, last_checked=NOW)
    store.close()
    assert cli_main(["--data-dir", str(data), "list"]) == 0
    assert f"updated {WRITTEN}" in capsys.readouterr().out
