"""A hidden source list makes no rows: it has no width to align its counts to, and nobody
sees them. Shown, it builds them at its width, once for all the changes made meanwhile."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.ui.widgets.source_list import SourceList
from tests.helpers.pilot import RecordingApp, main, settle
from tests.helpers.stories import add_source, make_store, numbered


def count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The content width of the list at each build of its rows."""
    widths: list[int] = []
    make_rows = SourceList._make_rows

    def counted(self: SourceList) -> None:
        widths.append(self.scrollable_content_region.width)
        make_rows(self)

    monkeypatch.setattr(SourceList, "_make_rows", counted)
    return widths


def rows(sources: SourceList) -> list[str]:
    return [str(sources.get_option_at_index(i).prompt) for i in range(sources.option_count)]


async def test_a_hidden_source_list_is_built_when_shown_at_its_width(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    widths = count_builds(monkeypatch)
    app = RecordingApp(store)
    async with app.run_test(size=(120, 40)) as pilot:  # below `layout.wide_from`: hidden
        await settle(app, pilot)
        screen = main(app)
        sources = screen.query_one(SourceList)
        assert not sources.display
        assert widths == [] and sources.option_count == 0
        screen.counts = {**screen.counts, "all": 1234}  # a change while hidden
        await settle(app, pilot)
        assert widths == []

        await pilot.press("S")
        await settle(app, pilot)
        assert sources.display and widths and 0 not in widths, widths
        width = sources.scrollable_content_region.width
        all_row = rows(sources)[0]
        assert all_row.startswith("All") and len(all_row) == width  # the count right-aligned

        await pilot.press("S")  # hidden again: a change waits for the next showing
        await settle(app, pilot)
        assert not sources.display
        widths.clear()
        screen.counts = {**screen.counts, "all": 4321}
        await settle(app, pilot)
        assert widths == []
        await pilot.press("S")
        await settle(app, pilot)
        assert widths and set(widths) == {width}, widths
