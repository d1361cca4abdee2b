"""What every controller of the reading screen shares.

A controller is a widget with no look of its own that wraps the panes, one inside another,
in the screen's `compose`. Textual's public routing then does the wiring: the bindings of a
focused pane's ancestors fire for the keys the pane leaves alone, and the messages a pane
(or a controller's worker) posts bubble up through every controller above it. So each
controller declares its own `BINDINGS`, actions, workers and handlers, and the screen holds
only the state the panes draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.widget import Widget
from textual.worker import Worker, WorkerState

from reader.sanitize import clean_line

if TYPE_CHECKING:
    from reader.ui.screens.reading import ReadingScreen


class Controller(Widget):
    """A transparent container that owns one concern of the reading screen."""

    #: worker group -> what the reader is told failed ("Opening the story failed: …").
    TASKS: ClassVar[dict[str, str]] = {}
    #: The keymap checker treats these bindings as the screen's: always in the key chain.
    IN_KEY_CHAIN: ClassVar[bool] = True

    @property
    def host(self) -> ReadingScreen:
        """The reading screen: its state (view, story, sources …) and its small API."""
        return cast("ReadingScreen", self.screen)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker of this controller failed: say so in words (the app goes on)."""
        if event.state != WorkerState.ERROR:
            return
        self.worker_failed(event.worker)
        what = self.TASKS.get(event.worker.group, "A background task")
        self.notify(f"{what} failed: {clean_line(str(event.worker.error))}",
                    severity="error", markup=False)

    def worker_failed(self, worker: Worker[object]) -> None:
        """Put state right after a failed worker (a refresh that failed is over)."""
