"""Regenerate screenshots/*.svg from the real app on real sample data.

    .venv/bin/python scripts/screenshots.py

It builds a throw-away cache from the shared sample story, the test fixtures and two feed
files, puts some sources in folders and one in trouble, drives the app with Textual's Pilot,
and saves what the screen shows. The clock is fixed and dates are shown in UTC, so the
pictures do not change from run to run. Nothing touches the network.

Files written (the README shows them):
  main.svg                   the sample story open, headlines, teasers, source list (200x50:
                             the source list shows by itself from 200 columns)
  help.svg                   the ? screen, generated from the bindings in force
  sources.svg                the source list: folders, unread counts, a failing source
  narrow.svg                 an 80x24 terminal: the list above the article
  zen.svg                    zen: only the article, at its measure, centred
  palette.svg                ctrl+p: every command, source and recent story
  theme-solarized-light.svg  the main screen in a light built-in theme
  theme-nord.svg             ... and in another dark one (main.svg is the default "reading")
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reader.config import Config, parse_config  # noqa: E402
from reader.models import View  # noqa: E402
from reader.service import sources  # noqa: E402
from reader.store import Store  # noqa: E402

OUT = ROOT / "screenshots"
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLE = FIXTURES / "samples" / "000_1cdceafaa06d3d12.txt"
FIXED_NOW = 1_764_316_800.0  # 2025-11-28 08:00 UTC
WIDE = (200, 50)
NAMES = ("main.svg", "help.svg", "sources.svg", "narrow.svg", "zen.svg", "palette.svg",
         "theme-solarized-light.svg", "theme-nord.svg")


def build_cache(workdir: Path) -> tuple[Store, int | None, int]:
    """The cache the pictures show; returns it, the sample story's id and the failing feed's."""
    news = workdir / "World news"
    news.mkdir()
    files = [SAMPLE, *sorted((FIXTURES / "local").glob("*.txt"))[:6]]
    for offset, path in enumerate(files):
        if path.name == SAMPLE.name and path != SAMPLE:
            continue
        shutil.copy(path, news / path.name)
        stamp = FIXED_NOW - 1800 * (offset + 1)
        os.utime(news / path.name, (stamp, stamp))
    store = Store(workdir / "data" / "newsreader.sqlite3", clock=lambda: FIXED_NOW)
    store.set_meta("welcome_shown", "1")  # the welcome stories' times follow the real clock
    world, _ = sources.add_path(store, news)
    store.update_source(world.id, folder="News", last_success=FIXED_NOW)
    for name, folder in (("rss20.xml", "Local"), ("atom.xml", "Blogs")):
        source, _ = sources.add_path(store, FIXTURES / "feeds" / name)
        store.update_source(source.id, folder=folder, last_success=FIXED_NOW - 7200)
    failing = store.add_source("feed", "https://wire.example.org/rss", "Example Wire")
    store.update_source(failing.id, folder="News", status="error",
                        last_error="HTTP 503 Service Unavailable (https://wire.example.org/rss)",
                        last_checked=FIXED_NOW - 600)
    sample_id = next((h.id for h in store.views.headlines(View(source_id=world.id), 0, 50)
                      if h.title.startswith("A Taliban spokesperson")), None)
    return store, sample_id, failing.id


_SPAN = re.compile(r'(<text [^>]*?x=")([\d.]+)("[^>]*?textLength=")([\d.]+)("[^>]*>)'
                   r"((?:&#160;)+)([^<]*)(</text>)")


def tidy_svg(path: Path) -> None:
    """Move the leading spaces of each text run into its x position.

    Textual writes a run such as "  Harbour …" with its x and a textLength; some SVG
    renderers drop leading (non-breaking) spaces and stretch the rest over the length, so
    the words land two cells early ("lo…news", "All12"). Starting each run at its first
    visible character looks the same everywhere."""
    def fix(match: re.Match[str]) -> str:
        start, x, middle, length, rest, spaces, text, end = match.groups()
        count = spaces.count("&#160;")
        cells = count + len(html.unescape(text))
        if not text.strip("&#160;") or cells == 0:
            return match.group(0)
        cell = float(length) / cells
        return (f"{start}{float(x) + count * cell:g}{middle}"
                f"{float(length) - count * cell:g}{rest}{text}{end}")

    path.write_text(_SPAN.sub(fix, path.read_text(encoding="utf-8")), encoding="utf-8")


def config(theme: str = "") -> Config:
    text = 'timezone = "UTC"\n' + (f'theme = "{theme}"\n' if theme else "")
    parsed, problems = parse_config(text, "screenshots.toml")
    assert not problems, problems
    return parsed


async def shoot(name: str, store: Store, story: int | None, *, size: tuple[int, int] = WIDE,
                theme: str = "", then: Callable[[Any, Any], Awaitable[None]] | None = None
                ) -> None:
    from reader.ui.app import NewsApp
    from tests.helpers.pilot import settle

    app = NewsApp(store, open_story=story, offline=True, clock=lambda: FIXED_NOW,
                  refresh_on_start=False, config=config(theme))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        if then is not None:
            await then(app, pilot)
            await settle(app, pilot)
        app.save_screenshot(name, str(OUT))
    tidy_svg(OUT / name)


async def main() -> None:
    from tests.helpers.pilot import settle

    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store, sample, failing = build_cache(Path(tmp))

        async def press(*keys: str) -> Callable[[Any, Any], Awaitable[None]]:
            async def run(app: Any, pilot: Any) -> None:
                for key in keys:
                    await pilot.press(key)
                    await settle(app, pilot)
            return run

        async def sources(app: Any, pilot: Any) -> None:
            from reader.ui.widgets.source_list import SourceList

            if not app.screen.show_sources:
                await pilot.press("S")
                await settle(app, pilot)
            widget = app.screen.query_one(SourceList)
            widget.focus()
            widget.highlighted = widget.get_option_index(f"source:{failing}")

        async def palette(app: Any, pilot: Any) -> None:
            await pilot.press("ctrl+p")
            await settle(app, pilot)
            for key in "ref":
                await pilot.press(key)
            await settle(app, pilot)

        await shoot("main.svg", store, sample)
        await shoot("help.svg", store, sample, then=await press("question_mark"))
        await shoot("sources.svg", store, sample, size=(130, 40), then=sources)
        await shoot("narrow.svg", store, sample, size=(80, 24))
        await shoot("zen.svg", store, sample, then=await press("z"))
        await shoot("palette.svg", store, sample, size=(120, 36), then=palette)
        await shoot("theme-solarized-light.svg", store, sample, theme="solarized-light")
        await shoot("theme-nord.svg", store, sample, theme="nord")
        store.close()
    for name in NAMES:
        print(OUT / name)


if __name__ == "__main__":
    asyncio.run(main())
