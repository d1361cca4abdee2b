"""Pilot tests of layouts, zen, reading comfort, themes and the command palette."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from reader.config import Config, parse_config
from reader.models import View
from reader.ui.app import THEME_META
from reader.ui.screens.reading import ReadingScreen
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.key_footer import KeyFooter
from reader.ui.widgets.source_list import SourceList
from reader.ui.widgets.teaser_sidebar import TeaserSidebar
from reader.ui.widgets.title_bar import TitleBar
from tests.helpers.pilot import RecordingApp, headline_rows, main, screen_text, settle, shown_title
from tests.helpers.stories import NOW, add_source, entry, make_store, numbered

LONG = 40  # paragraphs per story: enough to scroll


def reader(app: RecordingApp) -> ReadingScreen:
    screen = main(app)
    assert isinstance(screen, ReadingScreen)
    return screen


def story_id(app: RecordingApp, title: str) -> int:
    return next(h.id for h in app.store.views.headlines(View(), 0, 500) if h.title == title)


def top_line(app: RecordingApp) -> str:
    """The text on the article's first visible line, as the screen shows it."""
    view = app.screen.query_one(ArticleView)
    region = view.content_region
    lines = screen_text(app).splitlines()
    return lines[region.y][region.x:region.right].strip()


async def until(app: RecordingApp, pilot: Pilot[Any], ready: Callable[[], bool],
                rounds: int = 500) -> None:
    """Let the app run (workers, messages, timers) until `ready()`; fail if it never is."""
    for _ in range(rounds):
        if ready():
            return
        await settle(app, pilot)
    raise AssertionError("the app never got there")


async def resize(app: RecordingApp, pilot: Pilot[Any], width: int, height: int) -> None:
    await pilot.resize_terminal(width, height)
    await settle(app, pilot)
    await settle(app, pilot)


async def test_resizing_to_80x24_and_back_keeps_the_story_the_row_and_the_place(
        tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", [
        entry(f"daily-{i}", f"daily story {i}",
              *(f"daily {i} paragraph {p}: " + " ".join(f"word{p}x{w}" for w in range(45))
                for p in range(LONG)), published=NOW - 60 * i)
        for i in range(50)])
    wanted = next(h.id for h in store.views.headlines(View(), 0, 100)
                  if h.title == "daily story 36")
    app = RecordingApp(store, open_story=wanted)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(app, pilot)
        screen = reader(app)
        sources, teasers = screen.query_one(SourceList), screen.query_one(TeaserSidebar)
        headlines, article = screen.query_one(HeadlineList), screen.query_one(ArticleView)
        assert sources.display and teasers.display  # wide: every pane
        await pilot.press("j")
        await settle(app, pilot)
        assert shown_title(app) == "daily story 37" and headlines.cursor == 37
        for y in range(60, 70):  # a line of text (not a blank between paragraphs) on top
            article.scroll_to(y=y, animate=False, immediate=True)
            await settle(app, pilot)
            if top_line(app):
                break
        letters = article.top_letters()
        words = top_line(app).split()[:3]
        assert letters > 0 and words

        await resize(app, pilot, 80, 24)
        assert screen.has_class("-narrow") and screen.narrow
        assert not sources.region and not teasers.region  # folded away
        assert headlines.region.y < article.region.y  # stacked: list above the article
        assert headlines.region.width == article.region.width == 80
        assert shown_title(app) == "daily story 37" and headlines.cursor == 37
        top = int(headlines.scroll_y)
        assert top <= 37 < top + headlines.scrollable_content_region.height  # row in view
        assert article.rendered is not None and article.size.width < 80
        narrow_letters = article.top_letters()
        line_letters = sum(1 for ch in top_line(app) if not ch.isspace())
        assert narrow_letters <= letters < narrow_letters + line_letters + 1  # same words
        assert "daily 37 paragraph" in " ".join(article.rendered.plain.split())

        await resize(app, pilot, 200, 60)
        assert not screen.narrow and sources.region and teasers.region
        assert shown_title(app) == "daily story 37" and headlines.cursor == 37
        assert abs(article.top_letters() - letters) <= 3 * 80
        assert top_line(app).split()[:3] == words
        assert isinstance(app.focused, HeadlineList)


async def test_the_article_wraps_at_the_measure_and_is_centred(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 2, paragraphs=3))
    config, _ = parse_config("[layout]\nmeasure = 60\n", "c.toml")
    app = RecordingApp(store, config=config)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(app, pilot)
        article = app.screen.query_one(ArticleView)
        await pilot.press("z")
        await settle(app, pilot)
        assert article.rendered is not None
        assert max(len(line) for line in article.rendered.plain.splitlines()) <= 60
        # The pane draws the text itself (there is no body widget): a 60-column
        # column of text, centred in the pane's content area.
        area = article.scrollable_content_region
        assert article.page.draw_width(area.width) == 60
        rows = [row[area.x:area.right] for row in screen_text(app).splitlines()[area.y:area.bottom]]
        left = min(len(row) - len(row.lstrip()) for row in rows if row.strip())
        right = area.width - 60 - left
        assert left > 0 and abs(left - right) <= 1  # centred
        assert "min read" in str(article.border_subtitle)
        assert "1 of 2" in str(article.border_subtitle)


async def test_zen_shows_only_the_article_and_keys_still_move(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5, paragraphs=3))
    app = RecordingApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = reader(app)
        await pilot.press("z")
        await settle(app, pilot)
        article = screen.query_one(ArticleView)
        assert screen.zen and app.focused is article
        for hidden in (HeadlineList, TeaserSidebar, SourceList, TitleBar, KeyFooter):
            assert not screen.query_one(hidden).region
        assert article.region.width == 120
        await pilot.press("j")
        await settle(app, pilot)
        assert shown_title(app) == "daily story 1"
        assert "2 of 5" in str(article.border_subtitle)
        await pilot.press("escape")
        await settle(app, pilot)
        assert not screen.zen and screen.query_one(HeadlineList).region
        assert isinstance(app.focused, HeadlineList)


async def test_narrow_terminals_swap_the_list_for_sources_or_teasers(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    app = RecordingApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = reader(app)
        sources, headlines = screen.query_one(SourceList), screen.query_one(HeadlineList)
        assert not sources.region and headlines.region
        await pilot.press("S")
        await settle(app, pilot)
        assert sources.region and not headlines.region and app.focused is sources
        await pilot.press("escape")
        await settle(app, pilot)
        assert headlines.region and not sources.region and app.focused is headlines
        await pilot.press("t")
        await settle(app, pilot)
        assert screen.query_one(TeaserSidebar).region and app.focused is not headlines


async def test_themes_from_config_palette_and_memory(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 3))
    app = RecordingApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.theme == "reading"  # the default: made for long reading
        background = app.screen.styles.background
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"solarized-light")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.theme == "solarized-light"
        assert app.screen.styles.background != background  # the colours really changed
    assert store.get_meta(THEME_META) == "solarized-light"  # remembered for next time
    again = RecordingApp(store)
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(again, pilot)
        assert again.theme == "solarized-light"
    config, _ = parse_config('# mine\ntheme = "no-such-theme"\n', "/cfg/config.toml")
    wrong = RecordingApp(store, config=config)
    async with wrong.run_test(size=(120, 40)) as pilot:
        await settle(wrong, pilot)
        assert wrong.theme == "reading"
        assert any("/cfg/config.toml:2: theme: there is no theme 'no-such-theme'" in note
                   for _severity, note in wrong.notes)


async def test_palette_runs_actions_and_finds_sources_and_stories(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    weekly = add_source(store, "Weekly Digest", numbered("weekly", 3, start=0))
    app = RecordingApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = reader(app)

        def first_hit() -> str:
            option = app.screen.query_one(OptionList).highlighted_option
            return str(getattr(getattr(option, "hit", None), "text", ""))

        async def palette(query: str, expect: str) -> str:
            await pilot.press("ctrl+p")
            await until(app, pilot, lambda: isinstance(app.focused, Input))
            assert isinstance(app.screen, CommandPalette)
            await pilot.press(*query)
            # the palette gathers hits in a worker and shows them in batches
            await until(app, pilot, lambda: first_hit() == expect)
            shown = screen_text(app)
            await pilot.press("enter")
            await settle(app, pilot)
            return shown

        listed = await palette("zen", "Zen")
        assert "Zen" in listed and "z · Layout" in listed
        assert screen.zen
        await pilot.press("z")
        await palette("weekly dig", "Weekly Digest")
        assert screen.view.source_id == weekly
        assert screen.query_one(HeadlineList).total == 3
        await palette("daily story 3", "daily story 3")
        assert shown_title(app) == "daily story 3"
        # every action of the issue is in the palette
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        titles = {command.title for command in app.get_system_commands(screen)}
        await pilot.press("escape")
        for wanted in ("Add source", "Refresh", "Refresh all", "Search", "Go to source",
                       "Sources", "Toggle sidebar (teasers)", "Switch theme", "Mark all read",
                       "Export OPML", "Help", "Zen", "Full article", "Copy link",
                       "Rename source", "Remove source"):
            assert wanted in titles, wanted


async def test_default_config_object_matches_a_missing_file(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    app = RecordingApp(store)
    assert app.config == Config()
    assert app.get_theme_variable_defaults()["sources-width"] == "30"


async def test_pane_widths_panes_shown_dates_and_zone_come_from_the_config(
        tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 3))
    config, problems = parse_config(
        'timezone = "Asia/Tokyo"\ndate_format = "%Y-%m-%d %H:%M %Z"\n'
        "[layout]\nsources_width = 24\nteasers_width = 20\nshow_sources = true\n"
        'show_teasers = false\nheadlines_width = 40\n', "c.toml")
    assert problems == []
    app = RecordingApp(store, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = reader(app)
        assert screen.query_one(SourceList).region.width == 24
        assert screen.query_one(HeadlineList).region.width == 40
        assert not screen.query_one(TeaserSidebar).region
        # NOW is 2024-11-27 09:33 UTC, 18:33 in Tokyo
        assert "Daily · 2024-11-27 18:33 JST" in words(app)
        assert "18:33" in screen_text(app)  # the list's "today" time, in the same zone
        await pilot.press("t")
        await settle(app, pilot)
        assert screen.query_one(TeaserSidebar).region.width == 20


def words(app: RecordingApp) -> str:
    rendered = app.screen.query_one(ArticleView).rendered
    assert rendered is not None
    return " ".join(rendered.plain.split())


# -- the headline's room, and the footer -------------------------------------------------------
TYPICAL = "Storm Bert leaves thousands without power across Wales"  # 54: a typical headline


def two_sources(tmp_path: Path) -> tuple[Any, int]:
    store = make_store(tmp_path)
    daily = add_source(store, "Daily Planet", [
        entry("typical", TYPICAL, "Body.", published=NOW),
        *numbered("daily", 3, start=NOW - 60)])
    add_source(store, "Weekly Gazette", numbered("weekly", 3, start=NOW - 30))
    return store, daily


async def test_a_typical_headline_fits_whole_from_160_columns(tmp_path: Path) -> None:
    store, daily = two_sources(tmp_path)
    for width in (160, 200, 240):
        app = RecordingApp(store)
        async with app.run_test(size=(width, 40)) as pilot:
            await settle(app, pilot)
            reader(app).view = View(source_id=daily)
            await settle(app, pilot)
            rows = [r for r in headline_rows(app) if r.strip()]
            first = rows[0]
            assert TYPICAL in first, (width, first)  # whole, not cut with "…"
            assert "Daily Planet" not in first  # one source: no column repeating it
            assert {len(r) for r in rows} == {len(first)}


async def test_the_source_column_shows_only_where_rows_come_from_several(
        tmp_path: Path) -> None:
    store, daily = two_sources(tmp_path)
    app = RecordingApp(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        rows = [r for r in headline_rows(app) if r.strip()]
        assert any("Daily Planet" in r for r in rows) and any("Weekly Gaz" in r for r in rows)
        # Dates of every length end in the same column: the headlines line up.
        assert len({len(r.rstrip()) for r in rows}) == 1
        reader(app).view = View(source_id=daily)
        await settle(app, pilot)
        assert not any("Daily Planet" in r for r in headline_rows(app))
        reader(app).view = View()
        await settle(app, pilot)
        assert any("Daily Planet" in r for r in headline_rows(app))
    alone = make_store(tmp_path / "alone")
    add_source(alone, "Only Source", numbered("only", 3))
    app = RecordingApp(alone)
    async with app.run_test(size=(160, 40)) as pilot:  # "All" of a cache with one source
        await settle(app, pilot)
        rows = [r for r in headline_rows(app) if r.strip()]
        assert rows and not any("Only Source" in r for r in rows)


def footer_keys(app: RecordingApp) -> tuple[str, list[str]]:
    """The footer's line as the screen shows it, and each key's own cells in it; checks
    that no letter shows outside a key (a label cut off, or one showing through)."""
    footer = app.screen.query_one(KeyFooter)
    line = screen_text(app).splitlines()[footer.region.y]
    assert len(line) == app.size.width
    keys, covered = [], [False] * len(line)
    for key in footer.keys:
        start, end = footer.region.x + key.start, footer.region.x + key.end
        assert start < end and start >= 0 and end <= app.size.width, key
        keys.append(line[start:end].strip(" ▏"))  # (the palette's border)
        assert keys[-1] == key.text, (keys[-1], key)  # drawn where the clicks go
        for x in range(start, end):
            covered[x] = True
    stray = "".join(ch for ch, inside in zip(line, covered, strict=True) if not inside)
    assert not stray.strip(), f"outside every key: {stray!r} in {line!r}"
    return line, keys


async def test_the_footer_fits_80x24_and_200x60(tmp_path: Path) -> None:
    store, _daily = two_sources(tmp_path)
    app = RecordingApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        line, keys = footer_keys(app)
        assert "? Help" in keys and "^p Commands" in keys
        assert "j/↓ Next" in keys and "/ Search" in keys
        assert not line.rstrip().endswith(("Commandsf", "Commandsr"))
        await pilot.press("tab")  # the article: other keys, the same rules
        await settle(app, pilot)
        line, keys = footer_keys(app)
        assert "? Help" in keys and "space Page" in keys
        await resize(app, pilot, 200, 60)
        line, keys = footer_keys(app)
        assert {"? Help", "space Page / next unread", "n Next unread", "A Mark all read",
                "f Full article"} <= set(keys)  # room for the full labels
        assert keys[-2:] == ["? Help", "^p Commands"]  # `?` at the right, by the palette
        await resize(app, pilot, 80, 24)
        assert "? Help" in footer_keys(app)[1]
    for width in range(40, 200, 7):  # no width cuts a label or hides `?`
        app = RecordingApp(store)
        async with app.run_test(size=(width, 24)) as pilot:
            await settle(app, pilot)
            assert "? Help" in footer_keys(app)[1], width
