"""Pilot tests of the reading keys: moving, paging, marking, starring, opening links, and
untrusted text that must stay text."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import pytest

from reader.models import View
from reader.store import Store
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.source_list import SourceList
from reader.ui.widgets.teaser_sidebar import TeaserSidebar
from tests.helpers.pilot import (
    SIZE,
    RecordingApp,
    headline_rows,
    main,
    screen_text,
    settle,
    shown_title,
)
from tests.helpers.stories import NOW, add_source, entry, make_store, numbered


def read_flags(store: Store) -> dict[str, bool]:
    return {h.title: h.read for h in store.views.headlines(View(), 0, 1000)}


async def test_j_k_and_arrows_show_the_story_and_mark_it_read(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert shown_title(app) == "daily story 0"
        await pilot.press("j", "down")
        await settle(app, pilot)
        assert shown_title(app) == "daily story 2"
        assert app.screen.query_one(HeadlineList).cursor == 2
        assert read_flags(store)["daily story 2"] and not read_flags(store)["daily story 3"]
        assert "●" not in headline_rows(app)[2] and "●" in headline_rows(app)[3]
        await pilot.press("down")
        await settle(app, pilot)
        assert shown_title(app) == "daily story 3"
        await pilot.press("k")
        await settle(app, pilot)
        assert shown_title(app) == "daily story 2"
        await pilot.press("up")
        await settle(app, pilot)
        assert shown_title(app) == "daily story 1"


async def test_j_moves_headlines_from_another_pane(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.screen.query_one(ArticleView).focus()
        await pilot.press("j")
        await settle(app, pilot)
        assert shown_title(app) == "daily story 1"


async def test_n_and_p_move_between_unread_stories_across_sources(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    first = add_source(store, "Alpha", numbered("alpha", 3, start=NOW))
    add_source(store, "Beta", numbered("beta", 2, start=NOW - 3600))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        # A single-source view: after its last unread, n carries on in the next source.
        assert shown_title(app) == "alpha story 0"
        screen.view = View(source_id=first)
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert shown_title(app) == "alpha story 1"
        await pilot.press("n")
        await settle(app, pilot)
        assert shown_title(app) == "alpha story 2"
        await pilot.press("n")
        await settle(app, pilot)
        assert shown_title(app) == "beta story 0"
        assert screen.view.source_id != first
        await pilot.press("n")
        await settle(app, pilot)
        assert shown_title(app) == "beta story 1"
        await pilot.press("n")
        await settle(app, pilot)
        assert shown_title(app) == "beta story 1"
        assert any("No more unread" in message for _s, message in app.notes)
        # p goes back to the previous unread: mark one unread and come back to it.
        store.set_read([h.id for h in store.views.headlines(View(), 0, 10)
                        if h.title == "beta story 0"], False)
        await pilot.press("p")
        await settle(app, pilot)
        assert shown_title(app) == "beta story 0"


async def test_space_pages_the_article_then_moves_to_the_next_unread(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Long", numbered("long", 3, paragraphs=80))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        article = app.screen.query_one(ArticleView)
        assert shown_title(app) == "long story 0"
        assert article.max_scroll_y > 0
        await pilot.press("space")
        await settle(app, pilot)
        assert article.scroll_y > 0
        assert shown_title(app) == "long story 0"
        for _ in range(100):
            if shown_title(app) != "long story 0":
                break
            await pilot.press("space")
            await settle(app, pilot)
        assert shown_title(app) == "long story 1"
        assert article.scroll_y == 0


async def test_tab_and_shift_tab_cycle_the_panes(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 3))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        seen = [type(app.focused)]
        for _ in range(3):
            await pilot.press("tab")
            seen.append(type(app.focused))
        assert seen == [HeadlineList, ArticleView, TeaserSidebar, HeadlineList]
        await pilot.press("shift+tab")
        assert isinstance(app.focused, TeaserSidebar)
        await pilot.press("S")  # with the source list shown it joins the cycle
        await pilot.pause()
        await pilot.press("tab")
        assert isinstance(app.focused, SourceList)


async def test_m_toggles_read_and_s_toggles_star(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 3))
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert read_flags(store)["daily story 0"]
        await pilot.press("m")
        await settle(app, pilot)
        assert not read_flags(store)["daily story 0"]
        assert headline_rows(app)[0].startswith("●")
        await pilot.press("m")
        await settle(app, pilot)
        assert read_flags(store)["daily story 0"]
        await pilot.press("s")
        await settle(app, pilot)
        assert store.views.headlines(View(), 0, 1)[0].starred
        assert "★" in headline_rows(app)[0]
        assert main(app).counts["starred"] == 1
        await pilot.press("s")
        await settle(app, pilot)
        assert not store.views.headlines(View(), 0, 1)[0].starred
        assert "★" not in headline_rows(app)[0]


async def test_o_opens_only_safe_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    store = make_store(tmp_path)
    add_source(store, "Links", [
        entry("safe", "safe link", "Body.", published=NOW, link="https://example.org/a?b=1"),
        entry("unsafe", "unsafe link", "Body.", published=NOW - 60,
              link="javascript:alert(1)"),
    ])
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert shown_title(app) == "safe link"
        await pilot.press("o")
        await settle(app, pilot)
        assert opened == ["https://example.org/a?b=1"]
        await pilot.press("j")
        await settle(app, pilot)
        assert shown_title(app) == "unsafe link"
        await pilot.press("o")
        await settle(app, pilot)
        assert opened == ["https://example.org/a?b=1"]
        assert any(severity == "warning" and "javascript:alert(1)" in message
                   and "only http and https" in message for severity, message in app.notes)


HOSTILE = "[@click=app.quit]x[/] \x1b[31mred\x1b[0m \x1b]0;pwned\x07 [b]bold[/b]"


async def test_untrusted_markup_and_escapes_stay_text(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Hostile", [
        entry("evil", "Evil " + HOSTILE, "Body " + HOSTILE, "Second paragraph.",
              published=NOW, teasers=("Teaser " + HOSTILE + "…",)),
    ], location="/tmp/[@click=app.quit]evil[/].txt")
    app = RecordingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("S")
        await settle(app, pilot)
        text = screen_text(app)
        assert "[@click=app.quit]x[/]" in text  # shown literally, in several panes
        assert text.count("[@click=app.quit]") >= 3
        assert "[b]bold[/b]" in text
        assert "\x1b" not in text and "\x07" not in text
        # clicking on the literal text does nothing but select
        article = app.screen.query_one(ArticleView)
        await pilot.click(ArticleView, offset=(3, 3))
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.is_running
        assert "[@click=app.quit]x[/]" in article.rendered.plain  # type: ignore[union-attr]
