"""The refresh status line: which source is being read, and how far the refresh has got.

It sits under the panes only while a refresh runs (the screen toggles a class), so a long
refresh is visible without a dialog in the way: keys keep working and the article stays put.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from reader.models import Outcome
from reader.sanitize import clean_line
from reader.words import plural


class RefreshStatus(Horizontal):
    """"Refreshing 3/10: Some feed" and a progress bar."""

    def compose(self) -> ComposeResult:
        yield Label(id="status-label", markup=False)
        yield ProgressBar(id="progress", show_eta=False)

    def start(self) -> None:
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.query_one(Label).update("Refreshing…")

    def advance(self, outcome: Outcome, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=total, progress=done)
        self.query_one(Label).update(Text(
            f"Refreshing {done}/{total}: {clean_line(outcome.label)}"))


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
