"""What the first frame costs: the controllers are not drawn (only the panes they hold), the
focus lands once, each widget is styled once, the hidden lines (search, refresh status) are
composed when first shown, a hidden source list is not rebuilt for each change, the
headlines are read as the screen is made and drawn in the first frame (an online start's
refresh begins after it) and the sources are not read again after it, a plain launch
imports no feed parser, no HTML converter and no dialog, its dataclasses generate no
comparison no one makes and no docstring, the stylesheet parsed by one launch is kept
for the next, the first frame runs without a collector pass, opening the cache makes no
`Source`, and a start without a sync server imports no sync service.

Start-up speed is measured by bench/startup_bench.py; these tests keep the choices that
bought it from being undone by accident.
"""

from __future__ import annotations

import dataclasses
import gc
import pickle
import subprocess
import sys
from collections import Counter
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.color import Color
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.widgets import Header, Input, ProgressBar
from textual.worker import Worker, WorkerState

from reader.config import parse_config
from reader.models import View
from reader.store import StoreError
from reader.ui.controllers import launch
from reader.ui.controllers.base import Controller
from reader.ui.first_look import FirstLook, read_first_look
from reader.ui.messages import RefreshDone
from reader.ui.screens.reading import ReadingScreen
from reader.ui.style_cache import STYLE_CACHE_NAME
from reader.ui.widgets.headline_list import PAGE_SIZE, HeadlineList
from reader.ui.widgets.key_footer import KeyFooter
from reader.ui.widgets.refresh_status import RefreshStatus
from reader.ui.widgets.scroll_bars import QuickBarRender
from reader.ui.widgets.search_bar import SearchBar
from reader.ui.widgets.source_list import SourceList
from tests.helpers.pilot import SIZE, RecordingApp, main, settle, type_search
from tests.helpers.stories import add_source, make_store, numbered


def app_with_stories(tmp_path: Path) -> RecordingApp:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    return RecordingApp(store)


async def test_the_controllers_take_no_place_in_a_frame_and_the_panes_do(
        tmp_path: Path) -> None:
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        controllers = list(screen.query(Controller))
        assert len(controllers) >= 9
        # A widget Textual draws has a region on the screen; a hidden one has none. `#panes`
        # is a layer under its panes too, drawn for nothing.
        layers = [*controllers, screen.query_one("#panes")]
        assert [c for c in layers if c.region] == []
        drawn = set(screen._compositor.visible_widgets)
        assert drawn.isdisjoint(layers)
        for pane in ("#search", "#headlines", "#article", "#teasers"):
            assert screen.query_one(pane).visible, pane
        assert {screen.query_one(pane) for pane in ("#headlines", "#article", "#teasers")} <= drawn
        assert all(screen.query_one(pane).region for pane in ("#headlines", "#article"))
        await pilot.press("slash")
        await settle(app, pilot)
        assert screen.search_bar.region  # the search bar shows when opened


async def test_every_line_pane_draws_its_scroll_bar_ready_made(tmp_path: Path) -> None:
    """The headline list, the article and the teasers: Textual's own bar is drawn through a
    console, line by line (~1.5 ms a bar in the first frame)."""
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        for pane in ("#headlines", "#article", "#teasers"):
            bar = screen.query_one(pane).vertical_scrollbar
            assert bar.renderer is QuickBarRender, pane
        for pane in ("#article", "#teasers"):  # always shown (the list's: with a long list)
            assert screen.query_one(pane).vertical_scrollbar.region, pane


async def test_the_header_title_parses_no_style(tmp_path: Path) -> None:
    """A style named in a string is parsed, and the first parse of a launch tokenizes every
    theme variable: the title's styles are given as objects, and the header says the same."""
    app = app_with_stories(tmp_path)
    title = app.format_title("newsreader", "unread · daily")
    assert title.plain == "newsreader   Unread · daily"
    assert [span.style for span in title.spans] == [Style(bold=True), Style(dim=True)]
    assert [span.style for span in app.format_title("newsreader", "").spans] == [
        Style(bold=True)]
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert main(app).query_one(Header).region.y == 0
        top = app.screen._compositor.render_strips()[0]
        assert "newsreader   All · all sources" in "".join(segment.text for segment in top)


async def test_the_footer_reads_the_active_bindings_once_a_layout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`Screen.active_bindings` walks the key chain and checks every action at each read."""
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        footer = screen.query_one(KeyFooter)
        reads = Counter[str]()
        bindings = type(screen).active_bindings

        def counted(self: ReadingScreen) -> Any:
            reads["active_bindings"] += 1
            return bindings.__get__(self)

        monkeypatch.setattr(type(screen), "active_bindings", property(counted))
        keys = footer._layout(SIZE[0])
        assert reads["active_bindings"] == 1
        assert keys == footer.keys  # the same keys as drawn
        assert any(key.palette for key in keys)


async def test_the_headlines_get_the_focus_at_start_and_nothing_else_has_it_first(
        tmp_path: Path) -> None:
    moves: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, events.Focus | events.Blur):
            moves.append(type(message).__name__)

    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(app, pilot)
        assert isinstance(app.focused, HeadlineList)
        # Each move restyles the screen: one Focus and no Blur (by default Textual focused
        # the hidden search line first, which then gave the focus to the list).
        assert moves == ["Focus"], moves


async def test_a_theme_chosen_in_the_configuration_is_drawn_from_the_first_frame(
        tmp_path: Path) -> None:
    """A dark theme is set at start without Textual's theme watcher (which would parse and
    apply every stylesheet a second time): its colours must still be the ones drawn."""
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    for name in ("nord", "solarized-light", "reading"):
        config, _ = parse_config(f'theme = "{name}"\n', "/cfg/config.toml")
        app = RecordingApp(store, config=config)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            theme = app.get_theme(name)
            assert app.theme == name and theme is not None and theme.surface
            article = main(app).query_one("#article")
            assert article.styles.background == Color.parse(theme.surface), name


def test_a_plain_launch_imports_no_feed_parser() -> None:
    """The modules a plain `newsreader` imports before its first frame (the command line,
    the cache, the app) leave the feed parser and OPML writing to the workers that use them."""
    code = ("import sys, reader.cli, reader.service.subscriptions, reader.store.recovery, "
            "reader.ui.app; print(sorted(m for m in ('feedparser', 'xml.sax.saxutils', "
            "'urllib.request', 'email.utils') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]", out.stdout


def test_a_plain_launch_imports_no_html_converter_and_no_dialog() -> None:
    """The first story's HTML converter (lxml) comes with the first story, in its worker, and
    the dialogs and the store's trash, health and retention when they are first used."""
    later = ("lxml.etree", "reader.render.converter", "reader.ui.screens.add_source",
             "reader.ui.screens.dialogs", "reader.ui.screens.source_info",
             "reader.ui.screens.help", "reader.store.trash", "reader.store.health",
             "reader.store.retention", "reader.browser")
    code = ("import sys, reader.cli, reader.service.subscriptions, reader.store.recovery, "
            f"reader.ui.app; print(sorted(m for m in {later!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_ui_messages_generate_no_comparison() -> None:
    """Python compiles each method a dataclass generates on its own as the class is made, and
    the UI's ~45 messages are all made before the first frame: handled, never compared, they
    get no `__eq__` (nor do the start-up plan, the prepared stories, the key checker's
    bindings, the article style and the sidebar's rows, which no one compares)."""
    import reader.ui.app  # noqa: F401 - every module of a plain launch
    from reader.ui.controllers.launch import LaunchPlan
    from reader.ui.controllers.ready import Ready
    from reader.ui.keys import Bound, Keymap
    from reader.ui.widgets.article_view import ArticleStyle
    from reader.ui.widgets.teaser_sidebar import TeaserRows

    def made(cls: type) -> list[type]:
        inner = [v for v in vars(cls).values() if isinstance(v, type)]
        return [cls, *(c for v in inner for c in made(v))]

    found = {c for name, module in list(sys.modules.items()) if name.startswith("reader.ui")
             for v in vars(module).values()
             if isinstance(v, type) and v.__module__ == name for c in made(v)
             if issubclass(c, Message) and dataclasses.is_dataclass(c)}
    assert len(found) >= 40
    for cls in (*found, LaunchPlan, Ready, FirstLook, Bound, Keymap, ArticleStyle, TeaserRows):
        assert "__eq__" not in vars(cls), cls.__qualname__
    with pytest.raises(dataclasses.FrozenInstanceError):  # still immutable
        setattr(LaunchPlan(), "offline", True)  # noqa: B010


def test_every_dataclass_of_a_plain_launch_has_a_docstring() -> None:
    """A dataclass without a docstring gets one made from `inspect.signature` as the class is
    made (its first use sets up `inspect`'s machinery): each class a plain launch defines
    says what it is instead."""
    code = ("import dataclasses, sys, reader.cli, reader.service.subscriptions, "
            "reader.store.recovery, reader.ui.app\n"
            "def made(cls):\n"
            "    yield cls\n"
            "    for v in vars(cls).values():\n"
            "        if isinstance(v, type) and v.__module__ == cls.__module__:\n"
            "            yield from made(v)\n"
            "found = {c for name, m in list(sys.modules.items()) if name.startswith('reader')\n"
            "         for v in vars(m).values() if isinstance(v, type) and v.__module__ == name\n"
            "         for c in made(v) if dataclasses.is_dataclass(c)}\n"
            "assert len(found) > 60, len(found)\n"
            "print(sorted(c.__qualname__ for c in found\n"
            "             if (c.__doc__ or '').startswith(c.__name__ + '(')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]", out.stdout


def count_styling(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times the stylesheet is applied to each widget (by id, else class name)."""
    styled: Counter[str] = Counter()
    apply = Stylesheet.apply

    def counted(self: Stylesheet, node: DOMNode, **kwargs: Any) -> None:
        if node.id or type(node).__name__ != "DOMNode":  # not a component class's
            styled[node.id or type(node).__name__] += 1
        apply(self, node, **kwargs)

    monkeypatch.setattr(Stylesheet, "apply", counted)
    return styled


async def test_each_widget_is_styled_once_at_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Styled as it is mounted, and not again: not when the screen is first shown (Textual
    restyles a resumed screen whole), nor when the list takes the focus (a `:focus-within`
    rule on `*` made every focus change restyle the whole app)."""
    styled = count_styling(monkeypatch)
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.focused, HeadlineList)
        twice = {name: n for name, n in styled.items() if n > 1 and name != "headlines"}
        assert twice == {}, twice
        # Mounted, then focused; not a third time: a pane with a `:focus-within` rule is
        # restyled again by the screen at each focus change (no pane holds a focusable widget,
        # so `:focus` says the same).
        assert styled["headlines"] == 2
        assert styled["KeyFooter"] == styled["Header"] == 1


async def test_a_focus_change_restyles_the_two_panes_and_nothing_else(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        styled = count_styling(monkeypatch)
        await pilot.press("tab")
        await settle(app, pilot)
        assert app.focused is not None and app.focused.id == "article"
        assert styled["headlines"] == styled["article"] == 1, styled  # once each
        assert not set(styled) & {"panes", "Header", "KeyFooter", "teasers", "status",
                                  "reading-controller"}, styled
        # ... and the border shows which pane has the focus, as before
        screen = main(app)
        focused, blurred = screen.query_one("#article"), screen.query_one("#headlines")
        assert focused.styles.border_top[1] != blurred.styles.border_top[1]


async def test_the_search_line_is_composed_when_first_opened_and_then_works(
        tmp_path: Path) -> None:
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bar = main(app).query_one(SearchBar)
        assert list(main(app).query(Input)) == [] and not bar.children
        assert bar.text == ""
        await pilot.press("escape")  # ends no search: nothing to close, nothing made
        await settle(app, pilot)
        assert not bar.children
        await type_search(app, pilot, "daily")
        assert app.focused is bar.input and bar.input.value == "daily"
        assert main(app).query_one(HeadlineList).total == 5
        assert "5 stories" in str(bar.query_one("#search-status").render())
        await pilot.press("escape")
        await settle(app, pilot)
        assert not bar.is_open and isinstance(app.focused, HeadlineList)


async def test_the_refresh_line_is_composed_when_a_refresh_starts(tmp_path: Path) -> None:
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        status = screen.query_one(RefreshStatus)
        assert list(screen.query(ProgressBar)) == [] and status.text == ""
        screen.refreshing = True  # what the refresh controller does, without the network
        status.start()
        await pilot.pause()
        assert status.display and status.text == "Refreshing…"
        assert screen.query_one(ProgressBar).display
        screen.refreshing = False
        status.idle()
        await pilot.pause()
        assert not status.display and not screen.query_one(ProgressBar).display


async def test_a_hidden_source_list_is_built_once_for_all_that_came_at_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hidden at 120 columns: the sources, their counts and the saved searches came each
    with a rebuild of the list before the first headlines. Now not at all while hidden; the
    rows are there when the list is shown."""
    built: list[int] = []
    set_options = SourceList.set_options

    def counted(self: SourceList, options: Any) -> SourceList:
        built.append(len(options))
        return set_options(self, options)

    monkeypatch.setattr(SourceList, "set_options", counted)
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        sources = main(app).query_one(SourceList)
        assert not sources.display and not built, built
        await pilot.press("S")
        await settle(app, pilot)
        assert sources.display
        rows = [str(sources.get_option_at_index(i).prompt)
                for i in range(sources.option_count)]
        assert any("Daily" in row and row.endswith(" 4") for row in rows), rows  # 4 unread


def read_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first look (read in a thread begun as the screen is made) done before the screen
    is mounted, as it nearly always is: the test does not depend on the race."""
    real = launch.look_first

    def done_first(*args: Any) -> Future[FirstLook]:
        future = real(*args)
        future.result()
        return future

    monkeypatch.setattr(launch, "look_first", done_first)


def first_drawn_rows(monkeypatch: pytest.MonkeyPatch,
                     app: RecordingApp) -> tuple[list[str], list[str]]:
    """The headline list's rows as it draws them the first time (and whether a refresh was
    on then), filled as the first frame is made; and the workers alive then."""
    drawn: list[str] = []
    beside: list[str] = []
    render_line = HeadlineList.render_line

    def recorded(self: HeadlineList, y: int) -> Strip:
        strip = render_line(self, y)
        if not drawn:
            beside.extend(worker.group for worker in app.workers)
        if len(drawn) < 3:
            drawn.append(strip.text.strip() + (" [refreshing]" if main(app).refreshing else ""))
        return strip

    monkeypatch.setattr(HeadlineList, "render_line", recorded)
    return drawn, beside


async def test_the_first_frame_holds_the_headlines_read_while_the_screen_was_built(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read by workers after the screen was mounted, the headlines came after the first
    frame: an empty frame, then the whole screen again. Read as the screen is made, they
    are there when it is first drawn, and no worker reads them again."""
    read_in_time(monkeypatch)
    groups: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, Worker.StateChanged) and message.state == WorkerState.RUNNING:
            groups.append(message.worker.group)

    app = app_with_stories(tmp_path)
    drawn, beside = first_drawn_rows(monkeypatch, app)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(app, pilot)
        assert "daily story 0" in drawn[0], drawn
        # Nothing works beside the first frame (the sources' staleness, the smart feeds'
        # counts, the sync line and the story come after it) ...
        assert beside == [], beside
        # ... and nothing reads the headlines again.
        assert not {"headline-sync", "headline-pages", "startup"} & set(groups), groups
        # Nor the sources: what follows them (the smart feeds' counts, the sync line) is
        # told of the first look's, once the first frame is drawn.
        assert "sources" not in groups and "smart-counts" in groups, groups
        screen = main(app)
        assert screen.headlines.total == 5 and screen.story_id is not None
        assert [s.title for s in screen.sources] == ["Daily"] and screen.counts
        assert screen.article_view.story is not None
        assert screen.article_view.story.title == "daily story 0"


async def test_an_online_start_refreshes_after_the_first_frame(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache is ready before the first frame now; the refresh it starts (its line, its
    thread importing the fetching code) waits until that frame is drawn."""
    read_in_time(monkeypatch)
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    app = RecordingApp(store, refresh_on_start=True)
    drawn, _ = first_drawn_rows(monkeypatch, app)
    ended: list[RefreshDone] = []
    async with app.run_test(size=SIZE,
                            message_hook=lambda m: isinstance(m, RefreshDone) and ended.append(m),
                            ) as pilot:
        await settle(app, pilot)
        assert "daily story 0" in drawn[0] and "[refreshing]" not in drawn[0], drawn
        assert ended  # ... and it did run, once that frame was drawn


@pytest.mark.parametrize("outcome", ["late", "failed"])
async def test_a_first_look_late_or_failed_leaves_the_start_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outcome: str) -> None:
    """Not read when the screen is mounted: the start-up worker waits for it; failed: the
    panes read the cache themselves. Either way the first story shows, nothing lost."""
    pending: Future[FirstLook] = Future()
    monkeypatch.setattr(launch, "look_first", lambda *args: pending)
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = main(app)
        assert screen.headlines.total == 0  # not yet: the start-up worker waits for it
        if outcome == "late":
            pending.set_result(read_first_look(app.store, View(), PAGE_SIZE))
        else:
            pending.set_exception(StoreError("the cache could not be read just then"))
        await settle(app, pilot)
        assert screen.headlines.total == 5 and [s.title for s in screen.sources] == ["Daily"]
        assert screen.article_view.story is not None
        assert screen.article_view.story.title == "daily story 0"
        assert not [note for note in app.notes if note[0] != "information"], app.notes


def test_the_launch_keeps_what_lives_all_along_out_of_the_collector(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`newsreader` freezes the objects alive when the app starts (modules, classes): the
    first full collection, which fell in the first frame, then walks only what the frame
    made. Checked where the app would start running."""
    from reader.cli import main as cli_main
    from reader.ui.app import NewsApp

    frozen: list[int] = []
    monkeypatch.setattr(NewsApp, "run", lambda self, **_: frozen.append(gc.get_freeze_count()))
    monkeypatch.setenv("NEWSREADER_CONFIG_DIR", str(tmp_path / "config"))
    try:
        assert cli_main(["--data-dir", str(tmp_path / "data"), "--offline"]) == 0
    finally:
        gc.unfreeze()
    assert len(frozen) == 1 and frozen[0] > 0


def test_the_first_frame_runs_with_the_apps_young_generation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At Python's 700 young objects the first frame (~17,000 objects, nearly all kept) ran
    ~25 collector passes; the app runs with the young generation it keeps once its first
    story is up, and the threshold is as it was once the app is gone, however it ended."""
    from reader.cli import main as cli_main
    from reader.ui.app import NewsApp
    from reader.ui.heap import YOUNG_OBJECTS

    before = gc.get_threshold()
    seen: list[tuple[int, bool]] = []

    def run(self: NewsApp, **_: object) -> None:
        seen.append((gc.get_threshold()[0], gc.isenabled()))

    monkeypatch.setattr(NewsApp, "run", run)
    monkeypatch.setenv("NEWSREADER_CONFIG_DIR", str(tmp_path / "config"))
    data = ["--data-dir", str(tmp_path / "data"), "--offline"]
    try:
        assert cli_main(data) == 0
        assert seen == [(YOUNG_OBJECTS, True)]
        assert gc.get_threshold() == before

        def broken(self: NewsApp, **_: object) -> None:
            raise RuntimeError("the terminal went away")

        monkeypatch.setattr(NewsApp, "run", broken)
        with pytest.raises(RuntimeError):
            cli_main(data)
        assert gc.get_threshold() == before
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


async def test_a_start_without_a_sync_server_imports_no_sync_service(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether `r` syncs is asked of the configuration: the first frame imported the sync
    service (~0.6 ms) only to read two settings."""
    import reader.service

    monkeypatch.delitem(sys.modules, "reader.service.sync", raising=False)
    monkeypatch.delattr(reader.service, "sync", raising=False)
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.reader is not None and app.reader.refresh_control.syncs is False
    assert "reader.service.sync" not in sys.modules


def test_opening_the_cache_reads_the_sources_without_making_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening the cache reads the sources' rows (damage there is found before the app
    starts), and the first screen reads them again: the open makes no `Source` of them."""
    from reader.store import handle
    from reader.store.recovery import open_cache

    store = make_store(tmp_path)
    for name in ("Daily", "Weekly", "Monthly"):
        add_source(store, name, numbered(name.lower(), 2))
    store.close()
    made: list[object] = []
    real = handle.Source

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(kwargs.get("id"))
        return real(*args, **kwargs)

    monkeypatch.setattr(handle, "Source", counted)
    monkeypatch.setattr("reader.store.recovery.DB_NAME", "cache.sqlite3")
    opened = open_cache(tmp_path, check=False)
    try:
        assert made == []
        assert opened.store.read_sources() == 3
        assert len(opened.store.sources()) == 3 and len(made) == 3  # the count can fail
    finally:
        opened.store.close()


async def _parses_at_launch(store: Any, kept: Path, monkeypatch: pytest.MonkeyPatch,
                            ) -> tuple[list[str], str, list[tuple[str, str]]]:
    """The CSS sources a launch with the stylesheet cache `kept` parsed, its screen and the
    notifications it showed."""
    from textual.css import stylesheet

    parsed: list[str] = []
    real_parse = stylesheet.parse

    def counting(scope: str, css: str, read_from: Any, *args: Any, **kwargs: Any) -> Any:
        parsed.append(str(read_from))
        return real_parse(scope, css, read_from, *args, **kwargs)

    monkeypatch.setattr(stylesheet, "parse", counting)
    app = RecordingApp(store, style_cache=kept)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        shot = app.export_screenshot()
    monkeypatch.setattr(stylesheet, "parse", real_parse)
    return parsed, shot, app.notes


async def test_a_second_launch_parses_no_css_and_draws_the_same_screen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first launch parses its stylesheets and keeps the rules beside the cache; the
    next one is handed them before anything is parsed (~10 ms of CPU), and draws the same."""
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    kept = tmp_path / STYLE_CACHE_NAME
    first, first_shot, _ = await _parses_at_launch(store, kept, monkeypatch)
    assert any("app.tcss" in source for source in first) and kept.is_file()
    second, second_shot, _ = await _parses_at_launch(store, kept, monkeypatch)
    assert second == []
    assert second_shot == first_shot
    before = kept.stat().st_mtime_ns
    await _parses_at_launch(store, kept, monkeypatch)
    assert kept.stat().st_mtime_ns == before  # nothing new parsed: nothing written


class _Planted:
    """A pickle that would run code when loaded: it makes a file (`touch`)."""

    def __init__(self, proof: Path) -> None:
        self.proof = proof

    def __reduce__(self) -> tuple[Any, ...]:
        import os

        return (os.system, (f"touch '{self.proof}'",))


@pytest.mark.parametrize("content", ["damaged", "other textual", "other theme", "planted"])
async def test_a_style_cache_that_does_not_fit_is_passed_over_and_written_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    kept = tmp_path / STYLE_CACHE_NAME
    _, fresh_shot, _ = await _parses_at_launch(store, kept, monkeypatch)
    form, stamp, variables, entries = pickle.loads(kept.read_bytes())
    proof = tmp_path / "code ran"
    if content == "damaged":
        kept.write_bytes(kept.read_bytes()[:200])
    elif content == "planted":  # a file put in a shared data folder must not run code
        kept.write_bytes(pickle.dumps((form, stamp, variables, _Planted(proof))))
    elif content == "other textual":
        kept.write_bytes(pickle.dumps((form, (*stamp, "8.0.0"), variables, entries)))
    else:
        kept.write_bytes(pickle.dumps((form, stamp, {**variables, "surface": "#ff0000"},
                                       entries)))
    parsed, shot, notes = await _parses_at_launch(store, kept, monkeypatch)
    assert any("app.tcss" in source for source in parsed)  # parsed as before
    assert shot == fresh_shot and notes == []  # in silence
    assert not proof.exists()
    assert pickle.loads(kept.read_bytes())[:3] == (form, stamp, variables)  # written again
    again, _, _ = await _parses_at_launch(store, kept, monkeypatch)
    assert again == []


async def test_a_style_cache_that_cannot_be_written_leaves_the_launch_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    kept = tmp_path / "missing folder" / STYLE_CACHE_NAME
    parsed, _, notes = await _parses_at_launch(store, kept, monkeypatch)
    assert parsed and notes == [] and not kept.parent.exists()


def test_the_launch_keeps_the_parsed_stylesheet_beside_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reader.cli import main as cli_main
    from reader.ui.app import NewsApp

    kept: list[Path | None] = []
    monkeypatch.setattr(NewsApp, "run", lambda self, **_: kept.append(
        self.styles_kept.path if self.styles_kept is not None else None))
    monkeypatch.setenv("NEWSREADER_CONFIG_DIR", str(tmp_path / "config"))
    try:
        assert cli_main(["--data-dir", str(tmp_path / "data"), "--offline"]) == 0
    finally:
        gc.unfreeze()
    assert kept == [tmp_path / "data" / STYLE_CACHE_NAME]


async def test_the_first_frame_frames_every_line_panes_rows_itself(tmp_path: Path) -> None:
    """Every row of the headlines, the article and the teasers is drawn in the first frame:
    each pane frames its content rows itself (`LinePane.FRAME_ROWS`) instead of Textual's
    framing each one, the teasers too."""
    from reader.ui.widgets.component_styles import LinePane

    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        panes = {pane.id: pane for pane in screen.query(LinePane) if pane.region}
        assert set(panes) >= {"headlines", "article", "teasers"}, set(panes)
        for name, pane in panes.items():
            assert pane.FRAME_ROWS and pane._framed, name


def test_the_app_works_out_the_themes_variables_once_as_it_is_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual's `App.__init__` asks for its default theme's variables before ours is
    chosen; they were computed (~0.8 ms) only to be replaced. A light theme, set through
    Textual's watcher, is parsed with its own variables from the start (the watcher works
    them out once more when the app runs: light themes are not the start-up path)."""
    from textual.theme import Theme

    from reader.lowlevel import stylesheet_variables
    from reader.ui.app import NewsApp

    built: list[str] = []
    to_color_system = Theme.to_color_system

    def counted(self: Theme) -> Any:
        built.append(self.name)
        return to_color_system(self)

    monkeypatch.setattr(Theme, "to_color_system", counted)
    store = make_store(tmp_path)
    for name in ("reading", "nord", "solarized-light"):
        config, _ = parse_config(f'theme = "{name}"\n', "/cfg/config.toml")
        built.clear()
        app = NewsApp(store, config=config)
        assert built == [name], built
        assert stylesheet_variables(app.stylesheet) == app.theme_variables
        theme = app.get_theme(name)
        assert theme is not None and theme.surface
        assert Color.parse(app.theme_variables["surface"]) == Color.parse(theme.surface)


async def test_the_line_panes_bars_are_drawn_without_textual_framing_each_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The article's and the teasers' bars are in the first frame: Textual framed each of
    their rows anew (~1.2 ms a bar); a `QuickScrollBar` hands over its kept strips."""
    from textual._styles_cache import StylesCache
    from textual.scrollbar import ScrollBar

    from reader.ui.widgets.scroll_bars import QuickScrollBar

    framed: Counter[str] = Counter()
    render_widget = StylesCache.render_widget

    def counted(self: StylesCache, widget: Any, crop: Any) -> Any:
        if isinstance(widget, ScrollBar):
            framed[widget.parent.id if widget.parent else ""] += 1
        return render_widget(self, widget, crop)

    monkeypatch.setattr(StylesCache, "render_widget", counted)
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = main(app)
        for pane in ("#headlines", "#article", "#teasers"):
            assert isinstance(screen.query_one(pane).vertical_scrollbar, QuickScrollBar), pane
        assert screen.query_one("#article").vertical_scrollbar.region
        assert framed == Counter(), framed
