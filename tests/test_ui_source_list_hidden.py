"""A hidden source list makes no rows: nobody sees them. Shown, it builds them before the
frame that shows it (at the width it last had), once for all the changes made meanwhile, and
again at its new width if that differs (the counts are right-aligned)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.ui.widgets.source_list import SourceList
from tests.helpers.pilot import RecordingApp, main, settle
from tests.helpers.stories import add_source, make_store, numbered


def count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The width each build of the list's rows was made for."""
    widths: list[int] = []
    make_rows = SourceList._make_rows

    def counted(self: SourceList) -> None:
        make_rows(self)
        widths.append(self._width)

    monkeypatch.setattr(SourceList, "_make_rows", counted)
    return widths


def drawn_empty(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Lines of the list drawn while it had no rows (a frame showing an empty list)."""
    empty: list[int] = []
    render_line = SourceList.render_line

    def drawing(self: SourceList, y: int) -> object:
        if self.option_count == 0:
            empty.append(y)
        return render_line(self, y)

    monkeypatch.setattr(SourceList, "render_line", drawing)
    return empty


def rows(sources: SourceList) -> list[str]:
    return [str(sources.get_option_at_index(i).prompt) for i in range(sources.option_count)]


async def test_a_hidden_source_list_is_built_when_shown_at_its_width(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    widths = count_builds(monkeypatch)
    empty = drawn_empty(monkeypatch)
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
        width = sources.scrollable_content_region.width
        assert sources.display and widths and widths[-1] == width, widths
        assert empty == []  # no frame showed the list without its rows
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
        assert widths == [width], widths  # once, at the width it had
        assert rows(sources)[0].endswith("4,321") and empty == []


async def test_a_wide_start_draws_the_source_list_with_its_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    empty = drawn_empty(monkeypatch)
    app = RecordingApp(store)
    async with app.run_test(size=(220, 40)) as pilot:  # wide: shown from the start
        await settle(app, pilot)
        sources = main(app).query_one(SourceList)
        assert sources.display and sources.option_count > 0
        assert empty == []
