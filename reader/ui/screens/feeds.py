"""The screen's feed work: adding sources, refreshing them, and the search index's catch-up.

A layer between `MainScreen` (the panes and the reading loop) and `ArchiveScreen`: everything
here talks to the network or writes many stories, always in a thread worker, and answers with
a message, so keys keep answering while it runs (issue 3).

* `r` refreshes the source in view (or the open story's), `R` all of them; the app refreshes
  quietly on start, behind the cache already on screen. Progress shows in the status line;
  stories that arrive redraw the list at most every `RELOAD_DELAY`, keeping the cursor and
  the open article where they are.
* A refresh leaves its stories in the search index's queue (`Store.batch(defer_index=True)`:
  indexing is a fifth of a cold refresh's CPU). The screen then catches the index up in a
  worker of its own, in short transactions, so the stories are readable first and searchable
  a moment later; a search typed meanwhile catches up itself before it runs.
"""

from __future__ import annotations

from textual import on, work
from textual.worker import get_current_worker

from reader.models import Outcome, Source, View
from reader.sanitize import clean_line
from reader.ui.messages import AddFailed, CacheReady, RefreshDone, RefreshProgress, SourceAdded
from reader.ui.screens.add_source import AddSourceScreen
from reader.ui.screens.main import MainScreen
from reader.ui.widgets.refresh_status import RefreshStatus, summarize

INDEX_DELAY = 1.0  # seconds after the first screen before a start-up catch-up of the index


class FeedsScreen(MainScreen):
    """Adding and refreshing sources, and indexing what a refresh stored."""

    # -- workers -------------------------------------------------------------------------------
    @work(thread=True, exit_on_error=False, group="refresh")
    def _refresh(self, sources: list[Source] | None) -> None:
        from reader.refresh import refresh

        def progress(outcome: Outcome, done: int, total: int) -> None:
            self.post_message(RefreshProgress(outcome, done, total))

        self.post_message(RefreshDone(refresh(self.store, sources, progress=progress)))

    @work(thread=True, exit_on_error=False, group="add")
    def _add(self, text: str) -> None:
        from reader.library import AddError, add_location

        try:
            source, outcome = add_location(self.store, text)
        except AddError as exc:
            self.post_message(AddFailed(str(exc)))
            return
        stories = self.store.count(View(source_id=source.id))
        self.post_message(SourceAdded(source, outcome, stories))

    @work(thread=True, exit_on_error=False, exclusive=True, group="index")
    def _catch_up_index(self) -> None:
        """Index what refreshes stored (this app's, or a `newsreader refresh` from cron)."""
        worker = get_current_worker()
        self.store.catch_up_index(should_stop=lambda: worker.is_cancelled)

    # -- answers -------------------------------------------------------------------------------
    @on(CacheReady)
    def _refresh_on_start(self) -> None:
        if self.refresh_on_start and not self.offline:
            self._start_refresh(None, quiet=True)
        else:  # a refresh catches up when it is done; without one, soon after the first screen
            self.set_timer(INDEX_DELAY, self._catch_up_index)

    @on(RefreshProgress)
    def _refresh_progress(self, message: RefreshProgress) -> None:
        outcome = message.outcome
        self.query_one(RefreshStatus).advance(outcome, message.done, message.total)
        if outcome.new or outcome.updated or not outcome.ok:
            self._schedule_reload()

    @on(RefreshDone)
    def _refresh_done(self, message: RefreshDone) -> None:
        self.refreshing = False
        self._reload_now()
        self._catch_up_index()
        text, worth_telling, failed = summarize(message.outcomes)
        if failed:
            self.notify(text, severity="warning", markup=False)
        elif worth_telling or not self._quiet_refresh:
            self.notify(text, markup=False)

    @on(SourceAdded)
    def _source_added(self, message: SourceAdded) -> None:
        source, outcome = message.source, message.outcome
        self.notify(f"Added {clean_line(source.label)}: {message.stories} stories",
                    markup=False)
        for problem in outcome.problems[:3]:
            self.notify(clean_line(problem), severity="warning", markup=False)
        if outcome.error:
            self.notify(clean_line(outcome.error), severity="warning", markup=False)
        self._load_sources()
        self.view = View(mode="all", source_id=source.id)
        self.headlines.reload(keep_position=False, select_row=0)

    @on(AddFailed)
    def _add_failed(self, message: AddFailed) -> None:
        self.notify(clean_line(message.reason), title="Could not add the source",
                    severity="error", markup=False)

    # -- refresh plumbing ----------------------------------------------------------------------
    def _start_refresh(self, sources: list[Source] | None, *, quiet: bool = False) -> None:
        if self.refreshing:
            self.notify("A refresh is already running.")
            return
        if self.offline:
            sources = [s for s in (sources if sources is not None else self.sources)
                       if s.kind != "feed"]
            if not sources:
                self.notify("Offline: feeds are not fetched.", severity="warning")
                return
        self._quiet_refresh = quiet
        self.refreshing = True
        self.query_one(RefreshStatus).start()
        self._refresh(sources)

    # -- actions -------------------------------------------------------------------------------
    def action_add_source(self) -> None:
        def added(text: str | None) -> None:
            if text and self.offline and text.lower().startswith(("http://", "https://")):
                self.notify(f"Cannot add {text} while offline.", severity="error",
                            markup=False)
            elif text:
                self._add(text)

        self.app.push_screen(AddSourceScreen(), added)

    def action_refresh_source(self) -> None:
        source_id = self.view.source_id
        if source_id is None and self.current is not None:
            source_id = self.current.source_id
        chosen = [s for s in self.sources if s.id == source_id]
        self._start_refresh(chosen or None)

    def action_refresh_all(self) -> None:
        self._start_refresh(None)
