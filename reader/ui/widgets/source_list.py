"""The source list: the views All / Unread / Starred, then folders and sources with counts.

It shows the state of every source beside it (a mark and the reason when the last refresh
failed or its file is gone) instead of raising an error dialog: the stories stay readable and
the reader decides what to do. Choosing a row posts a `ChooseView`; the screen owns the view.
"""

from __future__ import annotations

import contextlib
from typing import ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from reader.models import Source, View, ViewMode
from reader.sanitize import clean_line
from reader.ui.messages import ChooseView

MODES: tuple[tuple[ViewMode, str], ...] = (
    ("all", "All"), ("unread", "Unread"), ("starred", "Starred"))
PROBLEM = {"error": "refresh failed", "gone": "gone", "missing": "file missing"}


def option_id(view: View) -> str:
    """The option that stands for `view` in the list."""
    if view.source_id is not None:
        return f"source:{view.source_id}"
    if view.folder:
        return f"folder:{view.folder}"
    return f"mode:{view.mode}"


class SourceList(OptionList):
    """Views, folders and sources; `enter` or a click filters the headline list."""

    HELP_GROUP: ClassVar[str] = "Sources"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Show this source"),
    ]

    sources: reactive[tuple[Source, ...]] = reactive((), init=False)
    counts: reactive[dict[str, int]] = reactive(dict, init=False)
    view: reactive[View] = reactive(View(), init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.border_title = "Sources"
        self._views: dict[str, View] = {}

    def watch_sources(self) -> None:
        self._rebuild()

    def watch_counts(self) -> None:
        self._rebuild()

    def watch_view(self, view: View) -> None:
        self._highlight(option_id(view))

    def _rebuild(self) -> None:
        keep = self.highlighted_option.id if self.highlighted_option is not None else None
        options: list[Option | None] = []
        self._views = {}
        for mode, label in MODES:
            self._add(options, View(mode=mode), Content.assemble(
                (label, "bold"), ("  " + str(self.counts.get(mode, 0)), "$text-muted")))
        options.append(None)
        folder = ""
        for source in self.sources:
            if source.folder and source.folder != folder:
                folder = source.folder
                self._add(options, View(folder=folder), Content.assemble(
                    ("▸ ", "$text-muted"), (clean_line(folder), "bold")))
            self._add(options, View(source_id=source.id), _source_row(source, bool(folder)))
        self.set_options(options)
        self._highlight(keep or option_id(self.view))

    def _add(self, options: list[Option | None], view: View, prompt: Content) -> None:
        key = option_id(view)
        self._views[key] = view
        options.append(Option(prompt, id=key))

    def _highlight(self, key: str) -> None:
        with contextlib.suppress(OptionDoesNotExist):
            self.highlighted = self.get_option_index(key)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = self._views.get(event.option.id or "")
        if chosen is None:
            return
        if chosen.source_id is not None or chosen.folder:
            # A source or folder keeps the current mode; a mode row shows every source.
            chosen = View(mode=self.view.mode, source_id=chosen.source_id, folder=chosen.folder)
        self.post_message(ChooseView(chosen))


def _source_row(source: Source, indented: bool) -> Content:
    """One source: a mark when it is in trouble, its name, its unread count, then why."""
    indent = "  " if indented else ""
    problem = PROBLEM.get(source.status)
    parts: list[str | tuple[str, str]] = [indent]
    if problem:
        parts.append(("! ", "bold $error"))
    parts.append(clean_line(source.label))
    if source.unread:
        parts.append(("  " + str(source.unread), "bold $accent"))
    if problem:
        reason = clean_line(source.last_error)
        detail = f"{problem}: {reason}" if reason else problem
        parts.append(("\n" + indent + "  " + detail, "italic $text-muted"))
    return Content.assemble(*parts)
