"""Whole articles on the reading screen: `f` fetches one, `v` flips back to the feed's text,
and sources in "open" mode fetch by themselves when a story is opened.

The fetching and extraction live in `reader.fulltext` (synchronous, network and CPU bound):
here it only ever runs in a thread worker, and answers come back as messages, so the screen
keeps drawing and the keys keep working while a slow page loads. The result is stored in the
cache, so the story then reads in full offline; the article view shows it in place of the
summary as soon as it arrives (if the reader is still on that story).

This is a mixin of `ReaderScreen` (kept apart to keep each module about one thing).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message

from reader.config import Config
from reader.models import Source, Story
from reader.sanitize import clean_line, is_safe_url

if TYPE_CHECKING:
    from reader.ui.screens.main import MainScreen as _Base
else:
    _Base = object


@dataclass
class FullArticlesKept(Message):
    """A refresh's "refresh"-mode sources had `kept` of `tried` full articles fetched."""

    kept: int
    tried: int
    story_ids: tuple[int, ...]


@dataclass
class FullArticleDone(Message):
    """A full-article fetch ended; `error` is "" on success."""

    story_id: int
    error: str
    quiet: bool


def full_mode(config: Config, source: Source) -> str:
    """The source's full-article mode: the config file's entry for it wins over the mode kept
    in the cache, and the file's default fills in. Only feeds have pages to fetch."""
    from reader.fulltext import full_article_mode  # ~0.2 s of imports: only in threads

    override = config.full_article_for(source.location, source.title)
    chosen = replace(source, full_article=override or source.full_article)
    return full_article_mode(chosen, config.full_article__default)


class FullArticleMixin(_Base):
    """`f`, `v` and fetch-on-open for the reading screen."""

    config: Config
    fetcher_options: dict[str, Any] | None
    _fetching: set[int]
    _auto_tried: set[int]

    def action_fetch_full(self) -> None:
        story = self.current
        if story is None:
            self.notify("No story is open.")
            return
        if self.offline:
            self.notify("Offline: pages are not fetched. The cached text is all there is.",
                        severity="warning")
            return
        if not story.link.strip():
            self.notify("This story has no web link to fetch.", severity="warning")
            return
        if not is_safe_url(story.link):
            self.notify(f"Not fetching {clean_line(story.link)[:120]}: only http and https "
                        "pages are fetched.", severity="warning", markup=False)
            return
        self.fetch_full(story.id, quiet=False)

    def fetch_full(self, story_id: int, *, quiet: bool) -> None:
        if story_id in self._fetching:
            if not quiet:
                self.notify("Already fetching this article…")
            return
        self._fetching.add(story_id)
        if not quiet:
            self.notify("Fetching the full article…", timeout=3)
        self._full_worker(story_id, quiet)

    @work(thread=True, exit_on_error=False, group="fulltext")
    def _full_worker(self, story_id: int, quiet: bool) -> None:
        from reader.fulltext import fetch_full_articles

        try:
            results = fetch_full_articles(self.store, [story_id],
                                          fetcher_options=self.fetcher_options)
            error = results[0][1] if results else "nothing was fetched"
        except Exception as exc:  # noqa: BLE001 - a failure is a message, never a crash
            error = clean_line(str(exc)) or type(exc).__name__
        self.post_message(FullArticleDone(story_id, error, quiet))

    def on_full_article_done(self, message: FullArticleDone) -> None:
        self._fetching.discard(message.story_id)
        if message.error:
            self.notify(f"Could not fetch the full article: {clean_line(message.error)}",
                        severity="warning", markup=False)
        elif not message.quiet:
            self.notify("Full article kept for offline reading.")
        if message.story_id == self.story_id:
            self.article_view.feed_text = False
            self._load_story(message.story_id)

    def action_toggle_full(self) -> None:
        story = self.current
        view = self.article_view
        if story is None:
            self.notify("No story is open.")
            return
        if not story.full_html:
            hint = "" if self.offline else "; f fetches the full article"
            self.notify(f"Only the feed's text is kept for this story{hint}.")
            return
        view.feed_text = not view.feed_text
        view.rerender()
        view.update_titles()

    def fetch_on_open(self, story: Story) -> None:
        """Start a quiet fetch when the story's source is in "open" mode (decided in a
        thread: finding the mode imports the fetching code)."""
        if (self.offline or story.full_html or story.full_error
                or story.id in self._auto_tried or not is_safe_url(story.link)):
            return
        source = next((s for s in self.sources if s.id == story.source_id), None)
        if source is None or source.kind != "feed":
            return
        self._auto_tried.add(story.id)
        self._open_mode_worker(story.id, source)

    def on_refresh_done(self) -> None:
        """After a refresh, keep the pages of new stories in sources set to "refresh"."""
        if not self.offline:
            self._refresh_mode_worker()

    @work(thread=True, exit_on_error=False, exclusive=True, group="fulltext-refresh")
    def _refresh_mode_worker(self) -> None:
        from reader.fulltext import fetch_full_articles, pending_full_articles

        config = self.config
        ids = pending_full_articles(
            self.store, lambda source: config.full_article_for(source.location, source.title)
            or config.full_article__default)
        if not ids:
            return
        results = fetch_full_articles(self.store, ids, fetcher_options=self.fetcher_options)
        kept = tuple(story_id for story_id, error in results if not error)
        self.post_message(FullArticlesKept(len(kept), len(ids), kept))

    def on_full_articles_kept(self, message: FullArticlesKept) -> None:
        if message.kept:
            self.notify(f"Kept {message.kept} of {message.tried} full articles for offline "
                        "reading.", timeout=4)
        if self.story_id in message.story_ids and self.story_id is not None:
            self._load_story(self.story_id)

    @work(thread=True, exit_on_error=False, group="fulltext")
    def _open_mode_worker(self, story_id: int, source: Source) -> None:
        if full_mode(self.config, source) == "open":
            self.app.call_from_thread(self.fetch_full, story_id, quiet=True)
