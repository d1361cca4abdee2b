"""Two-way sync against a real Tiny Tiny RSS (tests/sync/conftest.py brings it up): the basics.

What a sync carries each way (stories, read and starred, subscriptions), how conflicts are
settled, what happens when the server is down or killed midway, the errors a user is told,
and the `newsreader sync` command. Each test has its own user on the server and its own
cache; the server's side is arranged and checked with SQL in TT-RSS's database, and
newsreader talks to it only through its API. How a sync finds changes cheaply and copes with
many stories is in test_ttrss_sync_fetching.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ttrss_server import free_port  # tests/sync/conftest.py puts scripts/ on the path

from reader.config import parse_config
from reader.store import Store
from reader.store import sync_state as state
from reader.sync import SyncProgress, sync
from reader.sync.base import SyncSettings
from tests.sync.conftest import PASSWORD, Account


def ids_by_title(store: Store) -> dict[str, int]:
    rows = store.db.conn().execute("SELECT title, id FROM stories")
    return {str(t): int(i) for t, i in rows}


def remote_ids(store: Store) -> dict[int, int]:
    """Remote story id -> local story id."""
    return {int(r): int(s) for r, s in store.db.conn().execute(
        "SELECT remote_id, story_id FROM remote_stories")}


def test_first_sync_into_an_empty_cache(account: Account, store: Store) -> None:
    world = account.category("World")
    tech = account.category("Tech")
    wire = account.feed("The Wire", "https://wire.example.org/feed.xml", world)
    gadgets = account.feed("Gadgets", "https://gadgets.example.org/rss", tech)
    loose = account.feed("Loose", "https://loose.example.org/atom.xml")
    unread = account.stories(wire, 3)
    read = account.stories(gadgets, 2, read=True)
    starred = account.stories(loose, 1, starred=True)

    report = sync(store, account.settings, password=PASSWORD)

    assert report.ok, report.error
    assert (report.sources_added, report.new_stories, report.pending) == (3, 6, 0)
    sources = {s.location: s for s in store.sources()}
    assert set(sources) == {"https://wire.example.org/feed.xml",
                            "https://gadgets.example.org/rss", "https://loose.example.org/atom.xml"}
    wire_source = sources["https://wire.example.org/feed.xml"]
    assert (wire_source.title, wire_source.folder, wire_source.origin) == (
        "The Wire", "World", "ttrss")
    assert sources["https://gadgets.example.org/rss"].folder == "Tech"
    assert sources["https://loose.example.org/atom.xml"].folder == ""
    mapping = remote_ids(store)
    assert set(mapping) == set(unread + read + starred)
    story = store.story(mapping[unread[0]])
    assert story is not None
    assert (story.title, story.author, story.read, story.starred) == (
        "Story 1", "A. Writer", False, False)
    assert story.link == f"https://news.example.org/{account.login}/{wire}/1"
    assert "Body of story 1." in story.body_html
    assert datetime.fromtimestamp(story.published, UTC) == datetime(2024, 3, 1, 0, 1,
                                                                    tzinfo=UTC)
    assert all(store.story(mapping[i]).read for i in read)  # type: ignore[union-attr]
    assert store.story(mapping[starred[0]]).starred  # type: ignore[union-attr]


def test_a_second_sync_pulls_only_what_changed(account: Account, store: Store) -> None:
    feed = account.feed("Wire", "https://wire.example.org/feed.xml")
    first = account.stories(feed, 3)
    assert sync(store, account.settings, password=PASSWORD).fetched == 3
    added = account.stories(feed, 2, start=3)
    account.set(first[1], read=True)

    report = sync(store, account.settings, password=PASSWORD)

    assert report.ok, report.error
    # Only the two new stories' text came over the wire; the read came as an id.
    assert (report.fetched, report.new_stories, report.pulled, report.pushed) == (2, 2, 1, 0)
    assert {"Story 4", "Story 5"} <= set(ids_by_title(store))
    mapping = remote_ids(store)
    assert set(mapping) == set(first + added)
    assert store.story(mapping[first[1]]).read  # type: ignore[union-attr]


def test_read_and_star_on_the_server_reach_newsreader(account: Account, store: Store) -> None:
    feed = account.feed("Wire", "https://wire.example.org/feed.xml")
    a, b, c = account.stories(feed, 3)
    account.set(c, read=True, starred=True)
    assert sync(store, account.settings, password=PASSWORD).ok
    account.set(a, read=True)
    account.set(b, starred=True)
    account.set(c, read=False, starred=False)

    report = sync(store, account.settings, password=PASSWORD)

    assert report.ok, report.error
    assert report.pulled == 4 and report.pushed == 0 and report.pending == 0
    mapping = remote_ids(store)
    states = {r: (store.story(mapping[r]).read, store.story(mapping[r]).starred)  # type: ignore[union-attr]
              for r in (a, b, c)}
    assert states == {a: (True, False), b: (False, True), c: (False, False)}


def test_read_and_star_in_newsreader_reach_the_server(account: Account, store: Store) -> None:
    feed = account.feed("Wire", "https://wire.example.org/feed.xml")
    a, b, c = account.stories(feed, 3)
    account.set(c, starred=True)
    assert sync(store, account.settings, password=PASSWORD).ok
    mapping = remote_ids(store)
    store.set_read([mapping[a], mapping[b]])
    store.set_starred(mapping[b], True)
    store.set_starred(mapping[c], False)
    assert state.pending(store) == 4

    report = sync(store, account.settings, password=PASSWORD)

    assert report.ok, report.error
    assert (report.pushed, report.pulled, report.pending) == (4, 0, 0)
    assert [account.state(x) for x in (a, b, c)] == [(True, False), (True, True),
                                                     (False, False)]


def test_changes_made_while_the_server_is_down_arrive_when_it_is_back(
        account: Account, store: Store) -> None:
    feed = account.feed("Wire", "https://wire.example.org/feed.xml")
    a, b = account.stories(feed, 2)
    assert sync(store, account.settings, password=PASSWORD).ok
    mapping = remote_ids(store)
    account.server.stop()
    store.set_read([mapping[a]])
    store.set_starred(mapping[b], True)

    down = sync(store, account.settings, password=PASSWORD)

    assert not down.ok
    assert "connection refused" in down.error
    assert down.pending == 2
    assert store.story(mapping[a]).read and store.story(mapping[b]).starred  # type: ignore[union-attr]
    assert store.get_meta(state.LAST_ERROR) == down.error

    account.server.start()
    back = sync(store, account.settings, password=PASSWORD)

    assert back.ok, back.error
    assert (back.pushed, back.pending) == (2, 0)
    assert account.state(a) == (True, False) and account.state(b) == (False, True)
    assert store.get_meta(state.LAST_ERROR) == ""


def test_a_server_killed_mid_sync_loses_nothing(account: Account, store: Store) -> None:
    feed = account.feed("Wire", "https://wire.example.org/feed.xml")
    old = account.stories(feed, 2)
    assert sync(store, account.settings, password=PASSWORD).ok
    mapping = remote_ids(store)
    store.set_read([mapping[old[0]]])
    many = account.stories(feed, 1000, start=2)  # five pages of new stories, four at once

    def kill_after_first_page(step: SyncProgress) -> None:
        if step.stage == "new stories" and step.done >= 200:
            account.server.kill()

    cut = sync(store, account.settings, password=PASSWORD, progress=kill_after_first_page)

    assert not cut.ok and cut.error
    assert 200 <= cut.new_stories < 1000  # what arrived before the kill is kept
    assert cut.pending == 1  # the read change was not sent, so it is still queued
    assert store.story(mapping[old[0]]).read  # type: ignore[union-attr]

    account.server.start()
    again = sync(store, account.settings, password=PASSWORD)

    assert again.ok, again.error
    assert cut.new_stories + again.new_stories == 1000
    assert set(remote_ids(store)) == set(old + many)
    assert (again.pushed, again.pending) == (1, 0)
    assert account.state(old[0]) == (True, False)


def test_the_same_story_changed_on_both_sides(account: Account, store: Store) -> None:
    feed = account.feed("Wire", "https://wire.example.org/feed.xml")
    same, both = account.stories(feed, 2)
    assert sync(store, account.settings, password=PASSWORD).ok
    mapping = remote_ids(store)
    # `same`: read on both sides. Nothing to send, nothing to argue about.
    account.set(same, read=True)
    store.set_read([mapping[same]])
    # `both`: starred on the server first; here, later, starred and unstarred again. Read or
    # starred is yes or no, so a conflict is one side changing back what the other changed.
    account.set(both, starred=True)
    store.set_starred(mapping[both], True)
    store.set_starred(mapping[both], False)
    assert state.pending(store) == 2

    report = sync(store, account.settings, password=PASSWORD)

    assert report.ok, report.error
    assert (report.conflicts, report.pushed, report.pending) == (1, 1, 0)
    assert account.state(same) == (True, False)
    assert store.story(mapping[same]).read  # type: ignore[union-attr]
    # The later change (unstarred here) won, on both sides.
    assert account.state(both) == (False, False)
    assert not store.story(mapping[both]).starred  # type: ignore[union-attr]


def test_a_change_older_than_the_servers_loses(account: Account, store: Store) -> None:
    """A change made here before the sync that last read the server's state, still queued
    (that sync could not write it off), is older than anything the server changed since."""
    feed = account.feed("Wire", "https://wire.example.org/feed.xml")
    (story,) = account.stories(feed, 1)
    assert sync(store, account.settings, password=PASSWORD).ok
    mapping = remote_ids(store)
    store.set_starred(mapping[story], True)
    store.set_starred(mapping[story], False)
    store.set_meta(state.STATE_READ_AT, repr(9e9))  # as if the server was read after that
    account.set(story, starred=True)

    report = sync(store, account.settings, password=PASSWORD)

    assert report.ok, report.error
    assert (report.conflicts, report.pushed, report.pulled) == (1, 0, 1)
    assert store.story(mapping[story]).starred  # type: ignore[union-attr]
    assert account.state(story) == (False, True)


def test_a_wrong_password_is_told_and_changes_nothing(account: Account, store: Store) -> None:
    account.feed("Wire", "https://wire.example.org/feed.xml")
    report = sync(store, account.settings, password="not the password")
    assert "refused the user name or password" in report.error
    assert store.sources() == []


def test_api_access_off_is_told(account: Account, store: Store) -> None:
    account.server.set_api(account.uid, False)
    report = sync(store, account.settings, password=PASSWORD)
    assert "API access is off" in report.error and "Enable API" in report.error


def test_a_server_that_is_not_ttrss_is_told(web_page_server: str, store: Store) -> None:
    settings = SyncSettings(backend="ttrss", url=web_page_server, user="me")
    report = sync(store, settings, password=PASSWORD)
    assert "is not Tiny Tiny RSS's JSON API" in report.error
    assert "text/html" in report.error


def test_a_dead_server_is_told(store: Store) -> None:
    settings = SyncSettings(backend="ttrss", url=f"http://127.0.0.1:{free_port()}/", user="me")
    report = sync(store, settings, password=PASSWORD)
    assert "cannot reach the sync server" in report.error
    assert "connection refused" in report.error


def test_subscriptions_follow_both_ways(account: Account, store: Store) -> None:
    kept = account.feed("Kept", "https://kept.example.org/feed.xml")
    dropped_here = account.feed("Dropped here", "https://here.example.org/feed.xml")
    dropped_there = account.feed("Dropped there", "https://there.example.org/feed.xml")
    account.stories(kept, 1)
    assert sync(store, account.settings, password=PASSWORD).ok
    store.remove_source(store.source_by_location("https://here.example.org/feed.xml").id)  # type: ignore[union-attr]
    account.server.sql(f"DELETE FROM ttrss_feeds WHERE id = {dropped_there};")

    report = sync(store, account.settings, password=PASSWORD)

    assert report.ok, report.error
    assert account.feed_ids() == {kept}  # unsubscribed on the server
    assert dropped_here not in account.feed_ids()
    assert [s.location for s in store.sources()] == ["https://kept.example.org/feed.xml"]
    assert report.sources_removed == 1


def test_newsreader_sync_command(account: Account, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from reader.cli import main

    feed = account.feed("Wire", "https://wire.example.org/feed.xml")
    account.stories(feed, 2)
    config = tmp_path / "config.toml"
    config.write_text(f'[sync]\nbackend = "ttrss"\nurl = "{account.server.url}"\n'
                      f'user = "{account.login}"\n', encoding="utf-8")
    data = ["--config", str(config), "--data-dir", str(tmp_path / "data")]
    monkeypatch.setenv("NEWSREADER_SYNC_PASSWORD", PASSWORD)

    assert main([*data, "sync"]) == 0
    assert "2 new stories" in capsys.readouterr().out

    monkeypatch.setenv("NEWSREADER_SYNC_PASSWORD", "wrong")
    assert main([*data, "sync"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsreader: sync failed: the sync server refused the user name")

    assert parse_config(config.read_text())[0].sync__user == account.login
