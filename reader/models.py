"""Plain data passed between the layers.

Sources produce `Entry` objects (a parsed story that is not stored yet); the store turns them
into `Story` rows and hands out light `Headline`s for lists and `Source`s with their counts.
Nothing here knows about SQLite, httpx or Textual, so every layer can share these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SourceKind = Literal["feed", "file", "folder", "welcome"]
SourceStatus = Literal["ok", "error", "gone", "missing"]
ViewMode = Literal["all", "unread", "starred"]
SortOrder = Literal["auto", "newest", "best"]
LOCAL_ORIGIN = "local"  # a feed the user keeps out of sync: fetched here, never sent to the server


@dataclass(slots=True)
class Entry:
    """One parsed story, as a source read it, before it reaches the cache.

    `body_html` holds no terminal controls. A feed's body is kept as the feed wrote it
    (`reader.sanitize.storable_html`) and reduced to the safe subset the renderer knows
    when it is drawn; other sources' bodies are that subset already. Plain-text stories
    become `<p>` paragraphs.
    """

    key: str
    title: str
    body_html: str
    lead: str = ""
    link: str = ""
    author: str = ""
    published: float | None = None
    updated: float | None = None
    teasers: list[str] = field(default_factory=list)
    path: str = ""


@dataclass(slots=True)
class ParseResult:
    """What reading one source gave: its title, its stories, and the problems met on the way.

    `problems` are human sentences naming the file and the reason ("skipped photo.jpg: binary
    file"); a folder with one bad file still yields the stories of the others.
    """

    title: str
    entries: list[Entry] = field(default_factory=list)
    link: str = ""
    problems: list[str] = field(default_factory=list)
    # `entries` as the cache stores them, when a parser worker prepared them (duplicates
    # dropped): the writer thread then only inserts them (see reader.store.rows).
    rows: list[StoryRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoryRow:
    """The column values of one story, cleaned and ready to insert (`reader.store.rows`
    makes them from an `Entry`, in a parser worker or in the writer)."""

    key: str
    digest: str
    published: float | None  # the entry's date, or its update date; None: keep / now
    updated: float | None
    title: str
    link: str
    author: str
    path: str
    lead: str
    teasers: str  # JSON list of clean lines
    body_html: str | bytes  # as the cache keeps it: bytes are compressed (reader.store.bodies)

    def __reduce__(self) -> tuple[type[StoryRow], tuple[object, ...]]:
        """Pickled as the class and its values: rows cross from a parser process to the
        writer by the thousand, and a frozen slotted dataclass's own state methods (a loop
        over `fields()` each way) cost twice the CPU to pickle, 1.4x to unpickle."""
        return (StoryRow, (self.key, self.digest, self.published, self.updated, self.title,
                           self.link, self.author, self.path, self.lead, self.teasers,
                           self.body_html))


@dataclass(frozen=True, slots=True)
class Source:
    """A subscription: a feed URL, a local file or folder, or the bundled welcome story."""

    id: int
    kind: SourceKind
    location: str
    title: str
    folder: str = ""
    status: SourceStatus = "ok"
    last_error: str = ""
    last_checked: float | None = None
    last_success: float | None = None
    etag: str = ""
    last_modified: str = ""
    unread: int = 0
    total: int = 0
    full_article: str = ""
    not_before: float | None = None
    link: str = ""
    origin: str = ""  # the sync server it comes from ("ttrss"); "" or "local": fetched here

    @property
    def label(self) -> str:
        return self.title or self.location

    @property
    def from_server(self) -> bool:
        """Whether a sync server fetches this source ("local": a feed kept out of sync)."""
        return self.origin not in ("", LOCAL_ORIGIN)


@dataclass(frozen=True, slots=True)
class Headline:
    """The few columns the headline list needs for one row."""

    id: int
    source_id: int
    title: str
    source_title: str
    published: float
    read: bool
    starred: bool


@dataclass(frozen=True, slots=True)
class Story:
    """A cached story with everything the article view shows."""

    id: int
    source_id: int
    source_title: str
    key: str
    title: str
    link: str
    author: str
    published: float
    body_html: str
    lead: str
    teasers: tuple[str, ...]
    read: bool
    starred: bool
    path: str = ""
    full_html: str = ""
    full_error: str = ""


@dataclass(frozen=True, slots=True)
class Teaser:
    """A short lead shown in the sidebar; `story_id` is the cached story it opens, if any."""

    text: str
    story_id: int | None = None


@dataclass(frozen=True, slots=True)
class View:
    """Which stories the headline list shows. Filters combine (all of them must hold).

    `search` is what the reader typed (see `reader.store.search.query.parse_query`: words,
    "phrases", -word, OR, title:/author:/source:, is:unread, after:/before:). `unread` and
    `starred` narrow any mode; `since`/`until` bound the published time (since <= t < until).
    `sort` "auto" shows the best matches first while searching and the newest first otherwise.
    `smart_id` names the saved search ("smart feed") the view came from, for the source list.
    """

    mode: ViewMode = "all"
    source_id: int | None = None
    folder: str | None = None
    search: str = ""
    unread: bool = False
    starred: bool = False
    since: float | None = None
    until: float | None = None
    sort: SortOrder = "auto"
    smart_id: int | None = None


@dataclass(frozen=True, slots=True)
class SmartFeed:
    """A saved search, listed with the sources: its view and how many stories it holds."""

    id: int
    name: str
    view: View
    unread: int = 0
    total: int = 0


def keyed_by_content(guid: str | None, link: str | None) -> bool:
    """Whether `entry_key` falls back to a hash of the story's content (no GUID, no link)."""
    return not (guid and guid.strip()) and not (link and link.strip())


def entry_key(guid: str | None, link: str | None, *content: str) -> str:
    """The dedupe key of a story: its GUID, else its link, else a hash of its content."""
    if guid and guid.strip():
        return "guid:" + guid.strip()
    if link and link.strip():
        return "link:" + link.strip()
    # Imported here: hashlib sets up OpenSSL (~1.3 ms), and the app's start reads these
    # classes but makes no key.
    import hashlib

    digest = hashlib.sha256("\x1f".join(content).encode("utf-8", "surrogatepass")).hexdigest()
    return "hash:" + digest[:32]


@dataclass(slots=True)
class Outcome:
    """What one source's refresh (or first read) did, in numbers and words."""

    source_id: int
    label: str
    new: int = 0
    updated: int = 0
    error: str = ""
    not_modified: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error
