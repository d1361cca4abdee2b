"""Pilot tests of the teaser sidebar: a teaser opens its cached story, or shows as a stub."""

from __future__ import annotations

from pathlib import Path

from reader.ui.widgets.teaser_sidebar import TeaserSidebar
from tests.helpers.pilot import SIZE, RecordingApp, main, screen_text, settle, shown_title
from tests.helpers.stories import NOW, add_source, entry, make_store

CACHED_LEAD = "Brigadier General Aziz Nasirzadeh met the Syrian president in Damascus today."
UNCACHED = "Blasts rang out across Ukraine's capital Kyiv and other cities early on Sunday…"


def build(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = make_store(tmp_path)
    add_source(store, "Page", [
        entry("front", "Front story", "The front story's lede.", "More of it.",
              published=NOW, teasers=("Brigadier General Aziz Nasirzadeh met the…", UNCACHED)),
    ])
    add_source(store, "Archive", [
        entry("defence", "Defence minister visits", CACHED_LEAD, "The rest of it.",
              published=NOW - 86400),
    ])
    return store


async def test_enter_on_a_teaser_opens_the_cached_story_or_a_stub(tmp_path: Path) -> None:
    store = build(tmp_path)
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert shown_title(app) == "Front story"
        sidebar = app.screen.query_one(TeaserSidebar)
        teasers = sidebar.teasers
        assert [t.story_id is not None for t in teasers[:2]] == [True, False]
        await pilot.press("tab", "tab")
        assert app.focused is sidebar
        # the second teaser has no story in the cache: a stub
        await pilot.press("down", "enter")
        await settle(app, pilot)
        plain = main(app).article_view.rendered.plain  # type: ignore[union-attr]
        assert plain.startswith("Teaser")
        assert "Blasts rang out across Ukraine" in plain
        assert "not in the cache" in plain
        pane = main(app).article_view.content_region  # what the article pane shows
        shown = [line[pane.x:pane.right]
                 for line in screen_text(app).splitlines()[pane.y:pane.bottom]]
        assert "not in the cache" in " ".join(" ".join(shown).split())
        # the first teaser's story is cached: it opens (and is marked read)
        await pilot.press("up", "enter")
        await settle(app, pilot)
        assert shown_title(app) == "Defence minister visits"
        # the article is wrapped at the pane's measure: compare the words, not the lines
        shown = main(app).article_view.rendered.plain  # type: ignore[union-attr]
        assert CACHED_LEAD in " ".join(shown.split())
        assert store.story(teasers[0].story_id).read  # type: ignore[arg-type,union-attr]


async def test_clicking_a_teaser_opens_it(tmp_path: Path) -> None:
    store = build(tmp_path)
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        sidebar = app.screen.query_one(TeaserSidebar)
        top = sidebar.content_region.y - sidebar.region.y
        await pilot.click(TeaserSidebar, offset=(4, top))
        await settle(app, pilot)
        assert shown_title(app) == "Defence minister visits"
