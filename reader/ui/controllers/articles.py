"""Whole articles: `f` fetches the story's page and keeps it offline, `v` flips between it and
the feed's text; sources in "open" mode fetch by themselves when a story is opened, and those
in "refresh" mode after each refresh.

Which sources fetch, and the fetching itself, are the service's (`reader.service.fulltext`,
synchronous, network and CPU bound): here it only ever runs in a thread worker, and answers
come back as messages, so the screen keeps drawing and the keys keep working while a slow
page loads. The result is stored in the cache, so the story then reads in full offline; the
article view shows it in place of the summary as soon as it arrives (if the reader is still on
that story).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message

from reader.config import Config
from reader.models import Source
from reader.render import Rendered
from reader.sanitize import clean_line, is_safe_url
from reader.ui.controllers.base import Controller
from reader.ui.messages import RefreshDone
from reader.words import plural


class FullArticlesKept(Message):
    """A refresh's "refresh"-mode sources had `kept` of `tried` full articles fetched."""

    def __init__(self, kept: int, tried: int, story_ids: tuple[int, ...]) -> None:
        super().__init__()
        self.kept = kept
        self.tried = tried
        self.story_ids = story_ids


class FullArticleDone(Message):
    """A full-article fetch ended; `error` is "" on success."""

    def __init__(self, story_id: int, error: str, quiet: bool) -> None:
        super().__init__()
        self.story_id = story_id
        self.error = error
        self.quiet = quiet


def full_mode(config: Config, source: Source) -> str:
    """The source's full-article mode, by the service's one rule (called in threads)."""
    from reader.service.fulltext import full_mode as mode_in_force

    return mode_in_force(config, source)


class ArticlesController(Controller):
    """`f`, `v`, fetch on open and after a refresh."""

    HELP_GROUP: ClassVar[str] = "Whole articles"
    TASKS: ClassVar[dict[str, str]] = {"fulltext": "Fetching the full article",
                                       "fulltext-refresh": "Keeping the full articles"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "fetch_full", "Full article", id="fetch_full"),
        Binding("v", "toggle_full", "Full / feed text", show=False, id="toggle_full"),
    ]

    def __init__(self, *, fetcher_options: dict[str, Any] | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.fetcher_options = fetcher_options
        self._fetching: set[int] = set()
        self._auto_tried: set[int] = set()

    def on_mount(self) -> None:
        self.watch(self.host, "article", self._article_changed, init=False)

    def _article_changed(self, rendered: Rendered | None) -> None:
        story = self.host.current if rendered is not None else None
        if story is not None:
            self.fetch_on_open(story.id)

    def action_fetch_full(self) -> None:
        host = self.host
        story = host.current
        if story is None:
            self.notify("No story is open.")
            return
        if host.offline:
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
        from reader.service.fulltext import fetch_one

        error = fetch_one(self.host.store, story_id, fetcher_options=self.fetcher_options)
        self.post_message(FullArticleDone(story_id, error, quiet))

    @on(FullArticleDone)
    def _full_article_done(self, message: FullArticleDone) -> None:
        self._fetching.discard(message.story_id)
        if message.error:
            self.notify(f"Could not fetch the full article: {clean_line(message.error)}",
                        severity="warning", markup=False)
        elif not message.quiet:
            self.notify("Full article kept for offline reading.")
        if message.story_id == self.host.story_id:
            self.host.article_view.feed_text = False
            self.host.reading.load_story(message.story_id)

    def action_toggle_full(self) -> None:
        host = self.host
        story = host.current
        view = host.article_view
        if story is None:
            self.notify("No story is open.")
            return
        if not story.full_html:
            hint = "" if host.offline else "; f fetches the full article"
            self.notify(f"Only the feed's text is kept for this story{hint}.")
            return
        view.feed_text = not view.feed_text
        view.rerender()
        view.update_titles()

    def fetch_on_open(self, story_id: int) -> None:
        """Start a quiet fetch when the story's source is in "open" mode (decided in a
        thread: finding the mode imports the fetching code)."""
        host = self.host
        story = host.current
        if (story is None or story.id != story_id or host.offline or story.full_html
                or story.full_error or story.id in self._auto_tried
                or not is_safe_url(story.link)):
            return
        source = next((s for s in host.sources if s.id == story.source_id), None)
        if source is None or source.kind != "feed":
            return
        self._auto_tried.add(story.id)
        self._open_mode_worker(story.id, source)

    @work(thread=True, exit_on_error=False, group="fulltext")
    def _open_mode_worker(self, story_id: int, source: Source) -> None:
        if full_mode(self.host.config, source) == "open":
            self.app.call_from_thread(self.fetch_full, story_id, quiet=True)

    @on(RefreshDone)
    def _refresh_done(self) -> None:
        """After a refresh, keep the pages of new stories in sources set to "refresh"."""
        if not self.host.offline:
            self._refresh_mode_worker()

    @work(thread=True, exit_on_error=False, exclusive=True, group="fulltext-refresh")
    def _refresh_mode_worker(self) -> None:
        from reader.service.fulltext import keep_full_articles

        done = keep_full_articles(self.host.store, self.host.config,
                                  fetcher_options=self.fetcher_options)
        if done.tried:
            self.post_message(FullArticlesKept(len(done.kept), done.tried, done.kept))

    @on(FullArticlesKept)
    def _full_articles_kept(self, message: FullArticlesKept) -> None:
        if message.kept:
            self.notify(f"Kept {message.kept:,} of "
                        f"{plural(message.tried, 'full article')} for offline reading.",
                        timeout=4)
        story_id = self.host.story_id
        if story_id in message.story_ids and story_id is not None:
            self.host.reading.load_story(story_id)
