"""A source's health at a glance: `i` on the main screen.

Last update, last error, stories per day and whether it has gone stale, in plain words, so
a reader with many subscriptions can tell a quiet feed from a dead one. The numbers come
from `reader.store.health`, read in a worker before this screen is pushed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from reader.models import Source
from reader.render import format_date
from reader.sanitize import clean_line
from reader.store.health import STALE_DAYS, Health

KINDS = {"feed": "feed", "file": "local file", "folder": "local folder",
         "welcome": "bundled welcome stories"}
STATUS = {"ok": "working", "error": "the last refresh failed", "gone": "gone (HTTP 410)",
          "missing": "its file or folder is missing"}


def health_rows(source: Source, health: Health, mode: str,
                when: Callable[[float | None], str]) -> list[tuple[str, str]]:
    """The lines of the health screen as (label, value), all plain text."""
    rows = [
        ("Name", clean_line(source.label)),
        ("Location", clean_line(source.location)),
        ("Kind", KINDS.get(source.kind, source.kind)),
        ("Folder", clean_line(source.folder) or "(none)"),
        ("Status", STATUS.get(health.status, health.status)),
        ("Last update", when(health.last_success)),
        ("Last checked", when(health.last_checked)),
        ("Last error", clean_line(health.last_error) or "none"),
        ("Stories", f"{health.stories:,} ({source.unread:,} unread)"),
        ("Newest story", when(health.newest)),
        ("Per day", f"{health.per_day:.1f} stories (last 30 days)"),
        ("Full articles", mode),
    ]
    if health.stale:
        rows.append(("Stale", f"yes: nothing new in {STALE_DAYS} days"))
    return rows


class SourceInfoScreen(ModalScreen[None]):
    """Read-only; escape, q or i closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,i", "dismiss", "Close"),
    ]

    def __init__(self, source: Source, health: Health, mode: str,
                 tz: tzinfo | None = None, date_format: str = "") -> None:
        super().__init__()
        self.tz = tz
        self.date_format = date_format  # the user's, as the article and `newsreader show` use
        self.rows = health_rows(source, health, mode, self._when)

    def _when(self, ts: float | None) -> str:
        return format_date(ts, tz=self.tz, fmt=self.date_format) if ts else "never"

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style="bold")
        table.add_column()
        for label, value in self.rows:
            table.add_row(Text(label), Text(value))
        with VerticalScroll(classes="dialog", id="info-dialog"):
            yield Label("Source health", classes="dialog-title")
            yield Static(table)
            yield Label("escape closes", classes="dialog-hint")
