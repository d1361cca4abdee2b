"""The floor of a Textual app's start-up: an App whose only widget is one line of text.

`startup_bench.py` launches it beside newsreader with the same interpreter, so the goal
"first headline within 1.3x of a bare Textual app" is measured on the same run. `q` quits.
"""

from textual.app import App, ComposeResult
from textual.widgets import Static


class Bare(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static("bare textual: one line", markup=False)


if __name__ == "__main__":
    Bare().run()
