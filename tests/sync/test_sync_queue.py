"""The cache's side of sync, without a server: the queue the triggers keep, the sync's own
writes that queue nothing, remote sources left to the server by refresh, and the password."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from reader.models import Entry, View
from reader.refresh.apply import due_sources, skipped
from reader.store import Store
from reader.store import sync_state as state
from reader.sync.base import SyncError, SyncSettings, resolve_password


def remote_story_cache(store: Store) -> tuple[int, int, int]:
    """A server source with two stories (remote ids 11, 12) and a feed of our own with one:
    (the first remote story, the second, the local one)."""
    remote = store.add_source("feed", "https://server.example.org/feed.xml", "Server")
    state.start_account(store, "ttrss https://rss.example.org me", 0.0)
    state.link_source(store, remote.id, 7, "ttrss")
    state.store_stories(store, remote.id, [
        (11, Entry(key="remote:11", title="One", body_html="<p>1</p>",
                   link="https://n.example.org/1"), False, False),
        (12, Entry(key="remote:12", title="Two", body_html="<p>2</p>",
                   link="https://n.example.org/2"), True, False)])
    local = store.add_source("feed", "https://local.example.org/feed.xml", "Local")
    store.upsert_entries(local.id, [Entry(key="l", title="Local", body_html="<p>l</p>")])
    ids = {t: i for t, i in store.db.conn().execute("SELECT title, id FROM stories")}
    return ids["One"], ids["Two"], ids["Local"]


def queue(store: Store) -> list[tuple[int, str, bool]]:
    return sorted((q.story_id, q.field, q.value) for q in state.queued(store).values())


def test_every_way_of_marking_a_remote_story_is_queued(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    one, two, local = remote_story_cache(store)
    assert queue(store) == []  # the sync's own writes queued nothing
    assert store.story(two).read  # type: ignore[union-attr]

    store.set_read([one, local])
    store.set_starred(two, True)
    store.set_starred(two, False)  # the latest change is the one kept
    assert queue(store) == [(one, "read", True), (two, "starred", False)]

    store.views.mark_read(View())
    assert queue(store) == [(one, "read", True), (two, "starred", False)]  # two was read
    store.set_read([two], False)
    assert (two, "read", False) in queue(store)
    assert state.pending(store) == 3


def test_the_sync_applies_the_servers_state_without_queueing(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    one, two, _ = remote_story_cache(store)
    store.set_starred(one, True)
    waiting = state.queued(store)[(one, "starred")]

    state.apply_remote(store, [(two, "read", False)])
    assert not store.story(two).read  # type: ignore[union-attr]
    assert queue(store) == [(one, "starred", True)]

    store.set_starred(one, False)  # changed again while the first change was being sent
    state.accepted(store, [(one, "starred", True, waiting.seq)])
    assert queue(store) == [(one, "starred", False)]  # the newer change still waits


def test_removing_a_server_source_queues_the_unsubscription(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    remote_story_cache(store)
    local = store.source_by_location("https://local.example.org/feed.xml")
    server = store.source_by_location("https://server.example.org/feed.xml")
    assert local is not None and server is not None
    store.remove_source(local.id)
    assert state.feed_queue(store) == []
    store.remove_source(server.id)
    assert [remote for _, remote in state.feed_queue(store)] == [7]
    assert state.queued(store) == {}  # its stories' changes went with it


def test_refresh_leaves_server_sources_to_the_server(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    remote_story_cache(store)
    assert [s.location for s in due_sources(store)] == ["https://local.example.org/feed.xml"]
    server = store.source_by_location("https://server.example.org/feed.xml")
    assert server is not None and server.origin == "ttrss"
    chosen, told = skipped(store, [server], 0.0)
    assert chosen == [] and "sync server fetches it" in told[0].problems[0]


def test_another_account_starts_afresh(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    one, _, _ = remote_story_cache(store)
    store.set_read([one])
    assert state.start_account(store, "ttrss https://other.example.org me", 1.0)
    assert state.pending(store) == 0 and state.remote_sources(store) == {}
    assert all(s.origin == "" for s in store.sources())


def test_the_password_comes_from_the_environment_first() -> None:
    settings = SyncSettings(backend="ttrss", url="https://x.example.org/", user="me",
                            password_command="false")
    assert resolve_password(settings, {"NEWSREADER_SYNC_PASSWORD": "s3cret"}) == "s3cret"


def test_the_password_command_runs_without_a_shell() -> None:
    command = f"{sys.executable} -c 'import sys; print(sys.argv[1:])' ; echo hi"
    settings = SyncSettings(backend="ttrss", url="https://x.example.org/", user="me",
                            password_command=command)
    # A shell would have run `echo hi`; here ";", "echo" and "hi" are arguments.
    assert resolve_password(settings, {}) == "[';', 'echo', 'hi']"


@pytest.mark.parametrize(("command", "words"), [
    ("", "no password"),
    ("false", r"failed \(exit status 1\)"),
    ("no-such-program-here", "no such program"),
    ("'unclosed", "cannot be split"),
])
def test_password_problems_are_told(command: str, words: str) -> None:
    settings = SyncSettings(backend="ttrss", url="https://x.example.org/", user="me",
                            password_command=command)
    with pytest.raises(SyncError, match=words):
        resolve_password(settings, {})
