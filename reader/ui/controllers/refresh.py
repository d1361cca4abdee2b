"""Refresh and add: `r` refreshes the source in view (or the open story's), `R` all of them,
`a` adds a source; also the quiet refresh on start and every `refresh_interval`, the search
index's catch-up after a refresh, and retention.

Everything here talks to the network or writes many stories, always in a thread worker that
answers with a message, so keys keep answering while it runs. Progress shows in the status
line; stories that arrive redraw the list at most every `RELOAD_DELAY`, keeping the cursor
and the open article where they are.

With a sync server configured (`[sync]`), `r` / `R` sync with it first, in the same worker
and the same status line (the service's `sync_now`), then refresh the sources fetched here
(files, folders, feeds kept local); `r` on one of those refreshes it alone. A failed sync is
a message naming the cause; the cache and the queue of changes are kept. Between runs the
status line says when the last sync finished and how many changes wait to be sent.

A refresh leaves its stories in the search index's queue (indexing is a fifth of a cold
refresh's CPU); this controller then catches the index up in a worker of its own, in short
transactions, so the stories are readable first and searchable a moment later.
`RefreshDone` goes on up from here: the whole-articles controller keeps the pages of
sources set to "refresh" after it.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.worker import Worker, get_current_worker

from reader.models import Outcome, Source, View
from reader.sanitize import clean_line
from reader.ui.controllers.base import Controller
from reader.ui.messages import (
    AddFailed,
    CacheReady,
    RefreshDone,
    RefreshProgress,
    SourceAdded,
    SourcesLoaded,
    StoryFlagged,
)
from reader.ui.widgets.refresh_status import summarize
from reader.words import plural

if TYPE_CHECKING:
    from reader.service.sync import SyncRun, SyncStatus
    from reader.store.retention import RetentionPolicy, RetentionResult
    from reader.sync import SyncProgress

RELOAD_DELAY = 0.3  # seconds: a refresh of many sources redraws the list at most this often
INDEX_DELAY = 1.0  # seconds after the first screen before a start-up catch-up of the index
RETENTION_FIRST = 60.0  # seconds after start: never during start-up
RETENTION_EVERY = 6 * 3600.0


class SourceKnown(Message):
    """What `a` named is subscribed already: said once (`text`), and its stories shown."""

    def __init__(self, source: Source, text: str) -> None:
        super().__init__()
        self.source = source
        self.text = text


class RetentionDone(Message):
    """Retention ran after a refresh; what it removed."""

    def __init__(self, result: RetentionResult) -> None:
        super().__init__()
        self.result = result


class SyncStep(Message):
    """Where the sync in the refresh worker is."""

    def __init__(self, step: SyncProgress) -> None:
        super().__init__()
        self.step = step


class SyncDone(Message):
    """The sync part of a refresh ended (the feeds fetched here may still be refreshing)."""

    def __init__(self, run: SyncRun) -> None:
        super().__init__()
        self.run = run


class SyncStateRead(Message):
    """The sync server's state, read for the status line."""

    def __init__(self, status: SyncStatus) -> None:
        super().__init__()
        self.status = status


class RefreshController(Controller):
    """Adding and refreshing sources, indexing what a refresh stored, and retention."""

    HELP_GROUP: ClassVar[str] = "Refresh and add"
    TASKS: ClassVar[dict[str, str]] = {
        "refresh": "The refresh", "add": "Adding the source",
        "index": "Indexing new stories for search", "retention": "Retention",
        "sync-status": "Reading the sync status"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add_source", "Add source", id="add_source"),
        Binding("r", "refresh_source", "Refresh", id="refresh"),
        Binding("R", "refresh_all", "Refresh all", show=False, id="refresh_all"),
    ]

    def __init__(self, *, refresh_on_start: bool, id: str | None = None) -> None:
        super().__init__(id=id)
        self.refresh_on_start = refresh_on_start
        self._quiet = False
        self._synced = False  # the running refresh began with a sync
        # The failure the last sync was told with: a timed refresh against a server that
        # stays down says it once, not every interval (the status line keeps saying it).
        self._sync_failure: str | None = None
        self._reload_pending = False

    def on_mount(self) -> None:
        config = self.host.config
        if config.refresh_interval and not self.host.offline:
            self.set_interval(config.refresh_interval * 60, self._timed_refresh)
        self.set_timer(RETENTION_FIRST, self.run_retention)
        self.set_interval(RETENTION_EVERY, self.run_retention)

    def worker_failed(self, worker: Worker[object]) -> None:
        if worker.group == "refresh":
            self.host.refreshing = False
            self.host.status.idle()

    @property
    def syncs(self) -> bool:
        """Whether `r` / `R` sync: a server is configured (and the app is not offline)."""
        # Asked of the config: the sync service is imported only where a server is named.
        return self.host.config.names_sync_server and not self.host.offline

    # -- refresh ---------------------------------------------------------------------------------
    def start_refresh(self, sources: list[Source] | None, *, quiet: bool = False) -> None:
        """Refresh `sources` (None: all) in the background, unless one is running. With a
        sync server, all of them, or one of the server's, syncs first; the server's sources
        are then left out of the refresh (the sync brought their stories)."""
        host = self.host
        if host.refreshing:
            self.notify("A refresh is already running.")
            return
        sync = self.syncs and (sources is None or any(s.from_server for s in sources))
        if sync and sources is not None:
            sources = [s for s in sources if not s.from_server]
        if host.offline:
            sources = [s for s in (sources if sources is not None else host.sources)
                       if s.kind != "feed"]
            if not sources:
                self.notify("Offline: feeds are not fetched.", severity="warning")
                return
        self._quiet = quiet
        self._synced = sync
        host.refreshing = True
        host.status.start(syncing=sync)
        self._refresh(sources, sync)

    def _timed_refresh(self) -> None:
        if not self.host.refreshing:
            self.start_refresh(None, quiet=True)

    @work(thread=True, exit_on_error=False, group="refresh")
    def _refresh(self, sources: list[Source] | None, sync: bool = False) -> None:
        from reader.service.refresh import refresh

        def progress(outcome: Outcome, done: int, total: int) -> None:
            self.post_message(RefreshProgress(outcome, done, total))

        if sync:
            from reader.service.sync import sync_now

            def step(where: SyncProgress) -> None:
                self.post_message(SyncStep(where))

            # after=False: the RefreshDone below keeps the whole articles of every source
            run = sync_now(self.host.store, self.host.config, after=False, progress=step)
            self.post_message(SyncDone(run))
        outcomes = [] if sources == [] else refresh(self.host.store, sources,
                                                   progress=progress)
        self.post_message(RefreshDone(outcomes))

    @work(thread=True, exit_on_error=False, exclusive=True, group="sync-status")
    def _read_sync_status(self) -> None:
        from reader.service.sync import status

        self.post_message(SyncStateRead(status(self.host.store)))

    def sync_status_changed(self) -> None:
        """Read the sync status again (a sync ended, a story changed, counts moved)."""
        if self.syncs:
            self._read_sync_status()

    @work(thread=True, exit_on_error=False, exclusive=True, group="index")
    def _catch_up_index(self) -> None:
        """Index what refreshes stored (this app's, or a `newsreader refresh` from cron)."""
        worker = get_current_worker()
        self.host.store.index.catch_up(should_stop=lambda: worker.is_cancelled)

    @on(CacheReady)
    def _cache_ready(self) -> None:
        self.host.status.set_class(self.syncs, "-sync")  # a line of its own between runs
        # The rest once the first frame is drawn: the cache is most often ready before it,
        # and a refresh starting then (its line, its thread importing the fetching code)
        # would hold that frame up (start-up).
        self.call_after_refresh(self._refresh_on_start)

    def _refresh_on_start(self) -> None:
        self.sync_status_changed()
        if self.refresh_on_start and not self.host.offline:
            self.start_refresh(None, quiet=True)
        else:  # a refresh catches up when it is done; without one, soon after the first screen
            self.set_timer(INDEX_DELAY, self._catch_up_index)

    @on(RefreshProgress)
    def _refresh_progress(self, message: RefreshProgress) -> None:
        outcome = message.outcome
        self.host.status.advance(outcome, message.done, message.total)
        if outcome.new or outcome.updated or not outcome.ok:
            self._schedule_reload()

    @on(SyncStep)
    def _sync_step(self, message: SyncStep) -> None:
        self.host.status.sync_step(message.step)

    @on(SyncDone)
    def _sync_done(self, message: SyncDone) -> None:
        from reader.service.sync import summary

        report = message.run.report
        self.host.status.start()  # the feeds fetched here come next
        self._schedule_reload()
        if not report.ok:
            # The failure itself, not its summary: the count of changes kept to send grows
            # with every story read while the server is down.
            if not (self._quiet and report.error == self._sync_failure):
                self.notify(clean_line(summary(report)), title="Sync", severity="error",
                            timeout=15, markup=False)
        elif report.new_stories or report.pulled or report.sources_added or not self._quiet:
            self.notify(clean_line(summary(report)), markup=False)
        self._sync_failure = None if report.ok else report.error
        for problem in report.problems[:3]:
            self.notify(clean_line(problem), severity="warning", markup=False)
        self.sync_status_changed()

    @on(SyncStateRead)
    def _sync_state_read(self, message: SyncStateRead) -> None:
        host = self.host
        host.status.show_sync(message.status, tz=host.config.tz, now=host.clock())

    @on(StoryFlagged)
    @on(SourcesLoaded)
    def _changes_made(self) -> None:
        if not self.host.refreshing:
            self.sync_status_changed()

    @on(RefreshDone)
    def _refresh_done(self, message: RefreshDone) -> None:
        self.host.refreshing = False
        self.host.status.idle()
        self._reload_now()
        self._catch_up_index()
        self.sync_status_changed()
        if self._synced and not message.outcomes:
            return  # the sync said what it did; nothing was fetched here
        text, worth_telling, failed = summarize(message.outcomes)
        if failed:
            self.notify(text, severity="warning", markup=False)
        elif worth_telling or not self._quiet:
            self.notify(text, markup=False)

    def _schedule_reload(self) -> None:
        if not self._reload_pending:
            self._reload_pending = True
            self.set_timer(RELOAD_DELAY, self._reload_now)

    def _reload_now(self) -> None:
        self._reload_pending = False
        self.host.reload_now()

    # -- add -------------------------------------------------------------------------------------
    def action_add_source(self) -> None:
        def added(text: str | None) -> None:
            if text and self.host.offline and text.lower().startswith(("http://", "https://")):
                self.notify(f"Cannot add {text} while offline.", severity="error",
                            markup=False)
            elif text:
                self._add(text)

        from reader.ui.screens.add_source import AddSourceScreen  # (not needed at start-up)

        self.app.push_screen(AddSourceScreen(), added)

    @work(thread=True, exit_on_error=False, group="add")
    def _add(self, text: str) -> None:
        from reader.service.sources import (
            AddCancelled,
            AddError,
            AlreadySubscribed,
            add_location,
        )

        worker = get_current_worker()
        store = self.host.store

        def choose(feeds: list[tuple[str, str]]) -> str:
            """Asked from a thread once the page's feeds are known: waits for the user (or
            for the app to close, which cancels the add)."""
            answer: Future[str | None] = Future()
            self.app.call_from_thread(self._ask_feed, text, feeds, answer)
            while True:
                try:
                    picked = answer.result(timeout=0.5)
                    break
                except TimeoutError:
                    if worker.is_cancelled:
                        raise AddCancelled(f"{text}: nothing added") from None
            if not picked:
                raise AddCancelled(f"{text}: no feed chosen, nothing added")
            return picked

        try:
            source, outcome = add_location(store, text, choose=choose)
        except AlreadySubscribed as exc:
            self.post_message(SourceKnown(exc.source, str(exc)))
            return
        except AddCancelled:
            return
        except AddError as exc:
            self.post_message(AddFailed(str(exc)))
            return
        stories = store.views.count(View(source_id=source.id))
        self.post_message(SourceAdded(source, outcome, stories))

    def _ask_feed(self, page: str, feeds: list[tuple[str, str]],
                  answer: Future[str | None]) -> None:
        """Show the choice of feeds; the dialog's answer goes to `answer` (None: cancelled)."""
        from reader.ui.screens.add_source import ChooseFeedScreen

        self.app.push_screen(ChooseFeedScreen(page, feeds), answer.set_result)

    @on(SourceAdded)
    def _source_added(self, message: SourceAdded) -> None:
        source, outcome = message.source, message.outcome
        self.notify(f"Added {clean_line(source.label)}: "
                    f"{plural(message.stories, 'story', 'stories')}",
                    markup=False)
        for problem in outcome.problems[:3]:
            self.notify(clean_line(problem), severity="warning", markup=False)
        if outcome.error:
            self.notify(clean_line(outcome.error), severity="warning", markup=False)
        self.host.reading.load_sources()
        self._show_source(source, message.row)

    @on(SourceKnown)
    def _source_known(self, message: SourceKnown) -> None:
        self.notify(clean_line(message.text[:1].upper() + message.text[1:]), markup=False)
        self._show_source(message.source)

    def _show_source(self, source: Source, row: int = 0) -> None:
        self.host.view = View(mode="all", source_id=source.id)
        self.host.headlines.reload(keep_position=False, select_row=row)

    @on(AddFailed)
    def _add_failed(self, message: AddFailed) -> None:
        self.notify(clean_line(message.reason), title="Could not add the source",
                    severity="error", markup=False)

    # -- refresh actions -------------------------------------------------------------------------
    def action_refresh_source(self) -> None:
        host = self.host
        source_id = host.view.source_id
        if source_id is None and host.current is not None:
            source_id = host.current.source_id
        chosen = [s for s in host.sources if s.id == source_id]
        self.start_refresh(chosen or None)

    def action_refresh_all(self) -> None:
        self.start_refresh(None)

    # -- retention -------------------------------------------------------------------------------
    def retention_policy(self) -> RetentionPolicy:
        from reader.store.retention import RetentionPolicy

        return RetentionPolicy.from_config(self.host.config)

    def run_retention(self) -> None:
        if self.retention_policy().active:
            self._retain()

    @work(thread=True, exit_on_error=False, exclusive=True, group="retention")
    def _retain(self) -> None:
        from reader.service.refresh import retain

        worker = get_current_worker()
        result = retain(self.host.store, self.host.config,
                        should_stop=lambda: worker.is_cancelled)
        if result is not None:
            self.post_message(RetentionDone(result))

    @on(RetentionDone)
    def _retention_done(self, message: RetentionDone) -> None:
        if message.result.removed:
            self._reload_now()
