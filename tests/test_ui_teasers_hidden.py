"""The teaser sidebar after it was hidden: its teasers are wrapped at the width it comes back
with, whichever way it was hidden (`t`, zen, a narrow terminal) and whatever story was opened
meanwhile. What is compared is the screen itself, cell for cell, against the teasers wrapped
afresh at the sidebar's width."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.ui.app import NewsApp
from reader.ui.widgets.teaser_sidebar import TeaserSidebar, layout_teasers
from tests.helpers.pilot import SIZE, RecordingApp, screen_text, settle, shown_title
from tests.helpers.stories import NOW, add_source, entry, make_store

TEASERS = tuple(f"Teaser {n}: a lead of another story, long enough to wrap over several rows of "
                "the sidebar…" for n in range(4))


def build(tmp_path: Path) -> RecordingApp:
    store = make_store(tmp_path)
    add_source(store, "Page", [entry(f"s{n}", f"Story {n}", f"Story {n} begins here.",
                                     published=NOW - n * 60, teasers=TEASERS)
                               for n in range(3)])
    return RecordingApp(store)


def sidebar_on_screen(app: NewsApp) -> list[str]:
    """The sidebar's content area as the terminal shows it, one string a row."""
    sidebar = app.screen.query_one(TeaserSidebar)
    region = sidebar.scrollable_content_region  # (not its scroll bar)
    lines = screen_text(app).splitlines()[region.y:region.bottom]
    return [line[region.x:region.right].rstrip() for line in lines]


def sidebar_expected(app: NewsApp) -> list[str]:
    """What the sidebar should show: its teasers wrapped afresh at its width."""
    sidebar = app.screen.query_one(TeaserSidebar)
    region = sidebar.scrollable_content_region
    rows = layout_teasers(sidebar.teasers, region.width).rows
    shown = [text.rstrip() for _, text, _ in rows[:region.height]]
    return shown + [""] * (region.height - len(shown))


@pytest.mark.parametrize("keys, size", [
    (("t", "j", "t"), SIZE),  # hidden, another story opened, shown again
    (("z", "j", "z"), SIZE),  # the same through zen
    (("t",), (80, 24)),  # narrow: the sidebar starts folded away; t shows it
], ids=["t-j-t", "z-j-z", "t-at-80x24"])
async def test_the_sidebar_shows_wrapped_teasers_after_it_was_hidden(
        tmp_path: Path, keys: tuple[str, ...], size: tuple[int, int]) -> None:
    app = build(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        sidebar = app.screen.query_one(TeaserSidebar)
        assert sidebar.display and sidebar.region.width > 0
        assert len(sidebar.teasers) == len(TEASERS) + 2  # the page's four, and its siblings
        expected = sidebar_expected(app)
        assert expected[0].startswith("Teaser 0: a lead")
        assert any(set(line) == {"─"} for line in expected)  # a separator, drawn full width
        assert sidebar_on_screen(app) == expected
        if "j" in keys:
            assert shown_title(app) == "Story 1"
