"""Snapshot tests (pytest-textual-snapshot) of the main screen in the default theme, at
80x24 and 160x50. Deterministic: a fixed clock, dates in UTC (set in the configuration), a
cache in a temporary directory filled from fixed sample files with fixed times, no network.

After an intended change of the look: `pytest tests/test_snapshots.py --snapshot-update`,
then look at the new SVGs before committing them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from reader.config import parse_config
from reader.service import sources
from reader.store import Store
from reader.ui.app import NewsApp
from tests.helpers.pilot import settle

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "samples" / "000_1cdceafaa06d3d12.txt"
FIXED_NOW = 1_764_316_800.0  # 2025-11-28 08:00 UTC
LOCAL = ("headline_story.txt", "utf8_bom_crlf.txt", "latin1_story.txt")


def snapshot_app(tmp_path: Path) -> NewsApp:
    news = tmp_path / "news"
    news.mkdir()
    for offset, path in enumerate([SAMPLE, *(FIXTURES / "local" / name for name in LOCAL)]):
        shutil.copy(path, news / path.name)
        stamp = FIXED_NOW - 3600 * (offset + 1)
        os.utime(news / path.name, (stamp, stamp))
    store = Store(tmp_path / "data" / "newsreader.sqlite3", clock=lambda: FIXED_NOW)
    store.set_meta("welcome_shown", "1")  # no welcome source: its times follow the clock
    source, _outcome = sources.add_path(store, news)
    store.update_source(source.id, last_success=FIXED_NOW, last_checked=FIXED_NOW)
    first = sources.first_story(store, source.id)
    config, problems = parse_config('timezone = "UTC"\n', "snapshot.toml")
    assert problems == []
    return NewsApp(store, open_story=first, offline=True, refresh_on_start=False,
                   clock=lambda: FIXED_NOW, config=config)


async def _settled(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, NewsApp)
    await settle(app, pilot)


def test_main_screen_80x24(snap_compare: Any, tmp_path: Path) -> None:
    app = snapshot_app(tmp_path)
    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=_settled)
    finally:
        app.store.close()


def test_main_screen_160x50(snap_compare: Any, tmp_path: Path) -> None:
    app = snapshot_app(tmp_path)
    try:
        assert snap_compare(app, terminal_size=(160, 50), run_before=_settled)
    finally:
        app.store.close()
