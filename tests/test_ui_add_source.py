"""Pilot tests of `a` (add a source): a page with several feeds offers them to pick from by
keys or a click, what is subscribed already is said once, and an untitled feed is one line
in the source list. The pages and feeds come from a real loopback server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import OptionList

from reader.models import Source
from reader.store import Store
from reader.ui.screens.add_source import AddSourceScreen, ChooseFeedScreen
from reader.ui.widgets.source_list import SourceList
from tests.feedserver import FeedServer, feed_server  # noqa: F401
from tests.helpers.pilot import RecordingApp, main, settle
from tests.helpers.stories import PAGE, make_store, rss_one

WAIT = 30.0  # seconds: an upper bound for the loopback fetch, not a pause


async def until(pilot: Pilot[Any], ready: Callable[[], bool]) -> None:
    """Let the app handle its messages until `ready()` holds (a worker's answer arrived)."""
    deadline = asyncio.get_running_loop().time() + WAIT
    while not ready():
        assert asyncio.get_running_loop().time() < deadline, "the app never got there"
        await pilot.pause()


def feeds(store: Store) -> list[Source]:
    """The feeds subscribed (an empty cache also shows the welcome stories)."""
    return [source for source in store.sources() if source.kind == "feed"]


def serve_site(server: FeedServer) -> None:
    server.route("/", PAGE, content_type="text/html; charset=utf-8")
    server.route("/all.xml", rss_one("All stories", "Ferries return"))
    server.route("/ferries.xml", rss_one("Ferries", "The first ferry"))


async def type_address(app: RecordingApp, pilot: Pilot[Any], text: str) -> None:
    await pilot.press("a")
    await until(pilot, lambda: isinstance(app.screen, AddSourceScreen))
    await pilot.press(*text, "enter")


async def open_chooser(app: RecordingApp, pilot: Pilot[Any], page: str) -> None:
    """Type the address of a page with several feeds and wait for the choice of them."""
    await type_address(app, pilot, page)
    await until(pilot, lambda: isinstance(app.screen, ChooseFeedScreen))


@asynccontextmanager
async def at_the_chooser(tmp_path: Path, feed_server: FeedServer,  # noqa: F811
                         ) -> AsyncIterator[tuple[Store, RecordingApp, Pilot[Any]]]:
    """The app on an empty cache, the site's page typed into `a`, its two feeds offered."""
    serve_site(feed_server)
    store = make_store(tmp_path)
    app = RecordingApp(store)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await open_chooser(app, pilot, feed_server.url("/"))
        yield store, app, pilot


async def test_a_page_with_two_feeds_offers_them_and_keys_pick_one(
        tmp_path: Path, feed_server: FeedServer) -> None:  # noqa: F811
    async with at_the_chooser(tmp_path, feed_server) as (store, app, pilot):
        choices = app.screen.query_one(OptionList)
        assert [str(choices.get_option_at_index(i).prompt).splitlines()
                for i in range(choices.option_count)] == [
            ["All stories", feed_server.url("/all.xml")],
            ["Ferries only", feed_server.url("/ferries.xml")]]
        await pilot.press("down", "enter")
        await until(pilot, lambda: bool(feeds(store)))
        await settle(app, pilot)
        [source] = feeds(store)
        assert source.location == feed_server.url("/ferries.xml")
        assert feed_server.hits("/all.xml") == 0
        assert [n for n in app.notes if n[1].startswith("Added Ferries: 1 ")]
        assert main(app).view.source_id == source.id


async def test_a_click_picks_and_escape_adds_nothing(
        tmp_path: Path, feed_server: FeedServer) -> None:  # noqa: F811
    async with at_the_chooser(tmp_path, feed_server) as (store, app, pilot):
        await pilot.press("escape")
        await settle(app, pilot)
        assert feeds(store) == [] and not isinstance(app.screen, ChooseFeedScreen)
        assert not [note for note in app.notes if note[0] == "error"]

        await open_chooser(app, pilot, feed_server.url("/"))
        choices = app.screen.query_one(OptionList)
        top = choices.content_region.y - choices.region.y  # below the list's border
        await pilot.click("#feeds-list", offset=(4, top + 2))  # the second feed's title
        await until(pilot, lambda: bool(feeds(store)))
        await settle(app, pilot)
        assert [s.location for s in feeds(store)] == [feed_server.url("/ferries.xml")]


async def test_adding_a_feed_already_subscribed_says_so_once(
        tmp_path: Path, feed_server: FeedServer) -> None:  # noqa: F811
    serve_site(feed_server)
    store = make_store(tmp_path)
    known = store.add_source("feed", feed_server.url("/all.xml"), "All stories")
    app = RecordingApp(store)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await type_address(app, pilot, feed_server.url("/all.xml"))
        await until(pilot, lambda: main(app).view.source_id == known.id)
        await settle(app, pilot)
        told = [note for note in app.notes if "ubscribed" in note[1] or "Added" in note[1]]
        assert told == [("information", "Already subscribed: All stories")]
        assert feeds(store) == [known]


async def test_an_untitled_feed_is_one_short_line_in_the_source_list(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    store.add_source("feed", "https://news.example.org/feeds/regional/harbour-and-valley/"
                             "all-stories.xml?format=rss", "")
    app = RecordingApp(store)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        if not main(app).show_sources:
            await pilot.press("S")
            await settle(app, pilot)
        sources = main(app).query_one(SourceList)
        rows = [str(sources.get_option_at_index(i).prompt) for i in range(sources.option_count)]
        [row] = [r for r in rows if "news.example.org" in r]
        assert "\n" not in row and "https://" not in row and "format=rss" not in row
        assert row.strip().startswith("news.example.org/feeds/")
        assert row.rstrip().endswith("…") and len(row) <= sources.size.width
