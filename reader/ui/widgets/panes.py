"""The row of panes. It exists for one key: `esc` anywhere in the panes ends a search and puts
the reader back where they were, and when no search is on, `esc` goes on to whatever the
screen does with it (leave zen, fold a pane). The screen decides, through `check_action`.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Horizontal


class Panes(Horizontal):
    """Sources, headlines, article and teasers side by side."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "screen.end_search", "Back to where you were", show=False,
                id="end_search"),
    ]
