"""What a sync backend is: the few questions the engine asks an aggregator server.

Kept this small on purpose: a second backend (the Google Reader API that FreshRSS, Miniflux,
Inoreader and The Old Reader speak) implements `Backend` and nothing in the engine, the
store or the UI changes. Ids are the server's own; the engine maps them to sources and
stories. A backend raises `SyncError` with words a user can act on, never a traceback.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

PASSWORD_ENV = "NEWSREADER_SYNC_PASSWORD"
PASSWORD_TIMEOUT_S = 60.0  # a password manager may ask for its own passphrase first


class SyncError(Exception):
    """A sync that could not go on, in plain words naming the cause."""


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """The `[sync]` section of the configuration."""

    backend: str = ""
    url: str = ""
    user: str = ""
    password_command: str = ""

    @classmethod
    def from_config(cls, config: Any) -> SyncSettings:
        return cls(backend=config.sync__backend, url=config.sync__url, user=config.sync__user,
                   password_command=config.sync__password_command)

    @property
    def configured(self) -> bool:
        return bool(self.backend and self.url)

    @property
    def account(self) -> str:
        """Which account the cache's remote ids belong to: another one starts afresh."""
        return f"{self.backend} {self.url.rstrip('/')} {self.user}"


def resolve_password(settings: SyncSettings, env: dict[str, str] | None = None) -> str:
    """The password, from NEWSREADER_SYNC_PASSWORD or by running `password_command` (split
    like a shell would, never run by one, under a timeout). Only ever held in memory."""
    env = dict(os.environ) if env is None else env
    if env.get(PASSWORD_ENV):
        return env[PASSWORD_ENV]
    if not settings.password_command:
        raise SyncError(f"no password: set password_command in [sync] or {PASSWORD_ENV}")
    try:
        argv = shlex.split(settings.password_command)
    except ValueError as exc:
        raise SyncError(f"password_command cannot be split into words ({exc})") from None
    if not argv:
        raise SyncError("password_command is empty")
    try:
        done = subprocess.run(argv, capture_output=True, timeout=PASSWORD_TIMEOUT_S,
                              stdin=subprocess.DEVNULL, check=False)
    except FileNotFoundError:
        raise SyncError(f"password_command: no such program {argv[0]!r}") from None
    except subprocess.TimeoutExpired:
        raise SyncError(f"password_command did not finish within {PASSWORD_TIMEOUT_S:g} s") \
            from None
    except OSError as exc:
        raise SyncError(f"password_command could not run: {exc.strerror or exc}") from None
    if done.returncode:
        raise SyncError(f"password_command failed (exit status {done.returncode})")
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    if not lines or not lines[0]:
        raise SyncError("password_command printed no password")
    return lines[0]  # `pass` and its kind print the password on the first line


@dataclass(frozen=True, slots=True)
class RemoteFeed:
    id: int
    url: str
    title: str
    folder: str = ""  # the server's category ("" for none)


@dataclass(frozen=True, slots=True)
class RemoteStory:
    id: int
    feed_id: int
    guid: str
    title: str
    link: str
    author: str
    published: float | None
    content_html: str
    read: bool
    starred: bool


@dataclass(frozen=True, slots=True)
class RemoteState:
    """Which of the server's stories are unread and which are starred, right now."""

    unread: frozenset[int]
    starred: frozenset[int]


@dataclass(frozen=True, slots=True)
class FeedCounts:
    """How many of one feed's stories are unread and how many starred on the server."""

    unread: int
    starred: int


@dataclass(frozen=True, slots=True)
class Subscribed:
    """What asking the server to subscribe gave: its feed id, or why not."""

    feed_id: int | None = None
    error: str = ""


class Backend(Protocol):
    """One account on one server. Every method may raise SyncError."""

    async def login(self) -> None: ...

    async def feeds(self) -> list[RemoteFeed]: ...

    def stories(self, since_id: int, feed_id: int | None = None
                ) -> AsyncIterator[list[RemoteStory]]:
        """Stories with an id above `since_id` (of one feed, or all), a page at a time."""
        ...

    async def state(self) -> RemoteState: ...

    async def unread(self, feed_id: int, expect: int | None = None) -> frozenset[int]:
        """The unread ids of one feed (about `expect` of them, if the caller knows)."""
        ...

    async def starred(self, feed_id: int, expect: int | None = None) -> frozenset[int]:
        """The starred ids of one feed."""
        ...

    async def states_of(self, ids: Iterable[int]) -> dict[int, tuple[bool, bool]]:
        """Story id -> (read, starred) of these stories (those the server still has)."""
        ...

    async def counts(self) -> dict[int, FeedCounts]:
        """Feed id -> its unread and starred counts, for all feeds in one cheap call."""
        ...

    recent_s: float  # how far back `recently_read` reaches, in seconds

    async def recently_read(self) -> dict[int, int]:
        """Story id -> feed id of the stories read on the server in the last `recent_s`."""
        ...

    def recently_starred(self) -> AsyncIterator[list[tuple[int, int]]]:
        """(story id, feed id) of the starred stories, the most recently starred first."""
        ...

    async def mark(self, ids: Iterable[int], field: str, value: bool) -> None:
        """Set `field` ("read" or "starred") of the stories `ids` on the server."""
        ...

    async def subscribe(self, url: str, folder: str) -> Subscribed: ...

    async def unsubscribe(self, feed_id: int) -> None: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """Where a sync is: a stage in words, and how far into it."""

    stage: str
    done: int = 0
    total: int = 0


Progress = Callable[[SyncProgress], None]


@dataclass(slots=True)
class SyncReport:
    """What a sync did, in numbers, and why it stopped if it did."""

    sources_added: int = 0
    sources_removed: int = 0
    new_stories: int = 0
    fetched: int = 0  # stories whose text came from the server (a second sync: the new ones)
    pulled: int = 0  # read/starred changes made on the server and applied here
    pushed: int = 0  # changes made here that the server accepted
    conflicts: int = 0  # stories changed on both sides (the later change won)
    pending: int = 0  # changes still waiting to be sent
    finished: float | None = None
    error: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error
