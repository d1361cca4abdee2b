"""Regenerate screenshots/*.svg from the real app on real sample data.

    .venv/bin/python scripts/screenshots.py

It builds a throw-away cache from the shared sample story, the test fixtures and the bundled
welcome source, drives the app with Textual's Pilot, and saves what the screen shows. The clock
is fixed so the dates in the pictures do not change from run to run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reader import library  # noqa: E402
from reader.models import View  # noqa: E402
from reader.store import Store  # noqa: E402

OUT = ROOT / "screenshots"
SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "000_1cdceafaa06d3d12.txt"
FIXED_NOW = 1_764_316_800.0  # 2025-11-28 08:00 UTC


def build_cache(workdir: Path) -> tuple[Store, int | None]:
    news = workdir / "news"
    news.mkdir()
    shutil.copy(SAMPLE, news / SAMPLE.name)
    os.utime(news / SAMPLE.name, (FIXED_NOW - 3600, FIXED_NOW - 3600))
    extra = ROOT / "tests" / "fixtures" / "local"
    if extra.is_dir():
        for path in sorted(extra.glob("*.txt"))[:6]:
            shutil.copy(path, news / path.name)
            os.utime(news / path.name, (FIXED_NOW - 7200, FIXED_NOW - 7200))
    store = Store(workdir / "data" / "newsreader.sqlite3")
    library.ensure_welcome(store)
    source, _ = library.add_path(store, news)
    feeds = ROOT / "tests" / "fixtures" / "feeds"
    if feeds.is_dir():
        for path in sorted(feeds.glob("*.xml"))[:2]:
            # A fixture that is not a readable feed is simply left out of the pictures.
            with contextlib.suppress(library.AddError):
                library.add_path(store, path)
    sample_id = None
    for head in store.headlines(View(source_id=source.id), 0, 50):
        if head.title.startswith("A Taliban spokesperson"):
            sample_id = head.id
    return store, sample_id


async def shoot() -> None:
    from reader.ui.app import NewsApp

    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store, sample_id = build_cache(Path(tmp))
        app = NewsApp(store, open_story=sample_id, offline=True, clock=lambda: FIXED_NOW,
                      refresh_on_start=False)
        async with app.run_test(size=(150, 44)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.save_screenshot("main.svg", str(OUT))
            await pilot.press("question_mark")
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.save_screenshot("help.svg", str(OUT))
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("S")
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.save_screenshot("sources.svg", str(OUT))
        store.close()
    for name in ("main.svg", "help.svg", "sources.svg"):
        print(OUT / name)


if __name__ == "__main__":
    asyncio.run(shoot())
