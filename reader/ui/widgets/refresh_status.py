"""The refresh status line: which source is being read, and how far the refresh has got.

It sits under the panes only while a refresh runs (the screen toggles a class), so a long
refresh is visible without a dialog in the way: keys keep working and the article stays put.
With a sync server it stays (class `-sync`): between runs (`-idle`, no bar) it says when the
last sync finished, why the last one failed, and how many changes wait to be sent, since
those are what a reader of two devices wonders about.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import Horizontal

from reader.models import Outcome
from reader.sanitize import clean_line
from reader.words import plural

if TYPE_CHECKING:
    from textual.widgets import Label, ProgressBar

    from reader.service.sync import SyncStatus
    from reader.sync import SyncProgress


class RefreshStatus(Horizontal):
    """"Refreshing 3/10: Some feed" and a progress bar."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="-idle")
        self._idle_text = ""
        self._parts: tuple[Label, ProgressBar] | None = None

    def _made(self) -> tuple[Label, ProgressBar]:
        """The words and the bar, made the first time there is something to show: the line
        is hidden until a refresh or a sync, and a `ProgressBar` composed at start would
        have its stylesheet parsed and applied before the first frame for nothing
        (start-up); their classes are imported then too (~2.5 ms). They are registered
        (styled, queryable) at once."""
        if self._parts is None:
            from textual.widgets import Label, ProgressBar

            self._parts = (Label(id="status-label", markup=False),
                           ProgressBar(id="progress", show_eta=False))
            self.mount_all(self._parts)
        return self._parts

    @property
    def text(self) -> str:
        """The words on show (for the tests and the command line's screen readers alike)."""
        return str(self._parts[0].content) if self._parts is not None else ""

    def start(self, *, syncing: bool = False) -> None:
        label, bar = self._made()
        self.remove_class("-idle")
        bar.update(total=None, progress=0)
        label.update("Syncing…" if syncing else "Refreshing…")

    def sync_step(self, step: SyncProgress) -> None:
        """"Syncing: new stories 400", the bar full when the stage has a known end."""
        label, bar = self._made()
        bar.update(total=step.total or None, progress=step.done)
        count = f" {step.done:,}" + (f"/{step.total:,}" if step.total else "") \
            if step.done or step.total else ""
        label.update(Text(f"Syncing: {clean_line(step.stage)}{count}"))

    def idle(self) -> None:
        self.add_class("-idle")
        if self._parts is not None or self._idle_text:
            self._made()[0].update(Text(self._idle_text))

    def show_sync(self, status: SyncStatus, *, tz: tzinfo | None, now: float) -> None:
        """The sync line between runs; kept for later while a refresh shows its progress."""
        self._idle_text = sync_line(status, tz=tz, now=now)
        if self.has_class("-idle"):
            self._made()[0].update(Text(self._idle_text))

    def advance(self, outcome: Outcome, done: int, total: int) -> None:
        label, bar = self._made()
        bar.update(total=total, progress=done)
        label.update(Text(f"Refreshing {done}/{total}: {clean_line(outcome.label)}"))


def summarize(outcomes: list[Outcome]) -> tuple[str, bool, int]:
    """Words for the end of a refresh: (text, whether anything new came, how many failed)."""
    new = sum(o.new for o in outcomes)
    failed = [o for o in outcomes if not o.ok]
    text = (f"Refreshed {plural(len(outcomes), 'source')}: "
            f"{plural(new, 'new story', 'new stories')}")
    if failed:
        names = ", ".join(f"{clean_line(o.label)} ({clean_line(o.error)})" for o in failed[:3])
        more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
        text += f"; {len(failed)} failed: {names}{more}"
    return text, bool(new), len(failed)


def sync_line(status: SyncStatus, *, tz: tzinfo | None, now: float) -> str:
    """"Synced at 14:02 · 3 changes to send", or why the last sync failed."""
    if status.last_success is None:
        done = "Not synced yet"
    else:
        when = datetime.fromtimestamp(status.last_success, tz)
        today = datetime.fromtimestamp(now, tz).date() == when.date()
        done = f"Synced at {when:%H:%M}" if today else f"Synced {when:%d %b %H:%M}"
    parts = [done]
    if status.last_error:
        parts.insert(0, f"Last sync failed: {clean_line(status.last_error)}")
    parts.append(f"{plural(status.pending, 'change')} to send" if status.pending
                 else "nothing to send")
    return " · ".join(parts)
