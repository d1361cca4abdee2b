"""The article keeps its drawn rows and base style where every `LinePane` keeps them: a new
theme must drop both, or its text stays on the old theme's background."""

from __future__ import annotations

from pathlib import Path

from rich.color import Color as RichColor
from textual.color import Color

from reader.ui.widgets.article_view import ArticleView
from tests.helpers.pilot import RecordingApp, main, settle
from tests.helpers.stories import add_source, make_store, numbered


def text_backgrounds(app: RecordingApp) -> set[RichColor | None]:
    """The backgrounds of the article's characters on screen (not its padding or border)."""
    article = main(app).query_one(ArticleView)
    region = article.content_region
    strips = app.screen._compositor.render_strips()
    return {segment.style.bgcolor if segment.style else None
            for strip in strips[region.y:region.bottom]
            for segment in strip.crop(region.x, region.right)
            if segment.text.strip()}


async def test_a_new_theme_redraws_the_article_text_in_its_colours(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 3))
    app = RecordingApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        first = app.get_theme(app.theme)
        assert first is not None and first.surface
        assert text_backgrounds(app) == {Color.parse(first.surface).rich_color}
        app.theme = "nord"
        await settle(app, pilot)
        await pilot.pause()
        nord = app.get_theme("nord")
        assert nord is not None and nord.surface and nord.surface != first.surface
        assert text_backgrounds(app) == {Color.parse(nord.surface).rich_color}
