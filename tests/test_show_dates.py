"""`newsreader show` writes a story's date as the article view does: in the configured
`date_format` and `timezone`, by the same code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reader.cli import main
from reader.config import load_config
from reader.store import Store
from reader.ui.widgets.article_view import ArticleView
from tests.helpers.pilot import RecordingApp, settle
from tests.helpers.stories import NOW  # 2024-11-27 09:33 UTC: 18:33 in Tokyo

TOKYO = 'timezone = "Asia/Tokyo"\ndate_format = "%Y-%m-%d %H:%M %Z"\n'


@pytest.fixture
def story_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A date-less text story written at NOW, and a cache of its own."""
    monkeypatch.setenv("NEWSREADER_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "quake.txt"
    path.write_text("# Quake shakes the coast\nNo damage was reported.\n", encoding="utf-8")
    os.utime(path, (NOW, NOW))
    return path


def _configure(text: str) -> Path:
    path = Path(os.environ["NEWSREADER_CONFIG_DIR"]) / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _meta_line(out: str) -> str:
    """The line under the headline: "source · author · date"."""
    return out.splitlines()[1]


def test_show_writes_the_date_in_the_configured_format_and_zone(
        story_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _configure(TOKYO)
    assert main(["show", str(story_file)]) == 0  # a path not subscribed: read and shown
    assert _meta_line(capsys.readouterr().out) == "quake.txt · 2024-11-27 18:33 JST"
    assert main(["add", str(story_file)]) == 0
    capsys.readouterr()
    assert main(["show", "quake"]) == 0  # a source of the cache
    assert _meta_line(capsys.readouterr().out) == "quake.txt · 2024-11-27 18:33 JST"


def test_show_without_a_format_writes_ours_in_the_configured_zone(
        story_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _configure('timezone = "Asia/Tokyo"\n')
    assert main(["show", str(story_file)]) == 0
    assert _meta_line(capsys.readouterr().out) == "quake.txt · Wed 27 Nov 2024 18:33"


def test_a_bad_date_format_is_told_and_the_default_is_used(
        story_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _configure('timezone = "UTC"\ndate_format = "no percent"\n')
    assert main(["show", str(story_file)]) == 0
    out, err = capsys.readouterr()
    assert "date_format" in err and "config.toml" in err
    assert _meta_line(out) == "quake.txt · Wed 27 Nov 2024 09:33"


async def test_show_and_the_article_view_write_the_same_line(
        story_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file = _configure(TOKYO)
    assert main(["add", str(story_file)]) == 0
    capsys.readouterr()
    assert main(["show", "quake"]) == 0
    printed = _meta_line(capsys.readouterr().out)

    config, problems = load_config(config_file)
    assert problems == []
    store = Store(tmp_path / "data" / "newsreader.sqlite3")
    app = RecordingApp(store, config=config)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("enter")
            await settle(app, pilot)
            rendered = app.screen.query_one(ArticleView).rendered
            assert rendered is not None and "Quake shakes the coast" in rendered.plain
            assert printed in rendered.plain.splitlines()
    finally:
        store.close()
