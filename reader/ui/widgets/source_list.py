"""The source list: the views All / Unread / Starred, then folders and sources with counts.

It shows the state of every source beside it (a mark and the reason when the last refresh
failed or its file is gone) instead of raising an error dialog: the stories stay readable and
the reader decides what to do. A source that comes from the sync server carries a small
mark (`SERVER_MARK`), since the server fetches it, not this machine. Choosing a row posts a
`ChooseView`; the screen owns the view.
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

from reader.labels import short_label
from reader.models import SmartFeed, Source, View, ViewMode
from reader.sanitize import clean_line
from reader.ui.messages import ChooseView

MODES: tuple[tuple[ViewMode, str], ...] = (
    ("all", "All"), ("unread", "Unread"), ("starred", "Starred"))
PROBLEM = {"error": "refresh failed", "gone": "gone", "missing": "file missing"}
SERVER_MARK = "⇅ "  # the source comes from the sync server (its `origin`)


def option_id(view: View) -> str:
    """The option that stands for `view` in the list."""
    if view.smart_id is not None:
        return f"smart:{view.smart_id}"
    if view.source_id is not None:
        return f"source:{view.source_id}"
    if view.folder:
        return f"folder:{view.folder}"
    return f"mode:{view.mode}"


class SourceList(OptionList):
    """Views, folders and sources; `enter` or a click filters the headline list."""

    HELP_GROUP: ClassVar[str] = "Sources"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Show this source", id="choose_source"),
    ]

    sources: reactive[tuple[Source, ...]] = reactive((), init=False)
    counts: reactive[dict[str, int]] = reactive(dict, init=False)
    view: reactive[View] = reactive(View(), init=False)
    stale: reactive[frozenset[int]] = reactive(frozenset(), init=False)
    """Sources with nothing new in a long time (see reader.store.health); set by the screen."""
    smart_feeds: reactive[tuple[SmartFeed, ...]] = reactive((), init=False)
    """Saved searches, listed after the views with their unread counts; set by the screen."""

    # Class defaults: Textual may apply styles (`notify_style_update`) early.
    _stale = False  # rows to be made, put off until the list is shown
    _wanted: str | None = None  # the view's row, chosen while the list was hidden

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.border_title = "Sources"
        self._views: dict[str, View] = {}
        self._width = 0

    def watch_stale(self) -> None:
        self._rebuild()

    def watch_smart_feeds(self) -> None:
        self._rebuild()

    def on_resize(self) -> None:
        # Counts are right-aligned to the pane's width: a new width needs new rows. A list
        # shown for the first time learns its width here, and is built here.
        if self._stale or self.scrollable_content_region.width != self._width:
            self._rebuild()

    def watch_sources(self) -> None:
        self._rebuild()

    def watch_counts(self) -> None:
        self._rebuild()

    def watch_view(self, view: View) -> None:
        if self._stale:
            self._wanted = option_id(view)
        else:
            self._highlight(option_id(view))

    def notify_style_update(self) -> None:
        """Styles are applied before a frame is laid out: a list displayed again gets the
        rows it was waiting for here, in time for that frame. A hidden widget has no region,
        so they are made at the width it last had (none, the first time); the `Resize`
        that follows makes them again if the width differs, to right-align the counts."""
        super().notify_style_update()
        if self._stale and self.display:
            self._make_rows()

    def _rebuild(self) -> None:
        """The rows again, from the sources, counts and saved searches: at once when the
        list is on screen; when it is hidden (below `layout.wide_from` columns, in zen), not
        until it is shown, once for all the changes meanwhile. Each build costs ~4 ms of CPU
        at 250 sources, and the sources, their counts and the saved searches come apart at
        start and with every refresh."""
        if self.display:
            self._make_rows()
        else:
            self._stale = True

    def _make_rows(self) -> None:
        self._stale = False
        keep = self.highlighted_option.id if self.highlighted_option is not None else None
        keep, self._wanted = self._wanted or keep, None
        options: list[Option | None] = []
        self._views = {}
        width = self.scrollable_content_region.width or self._width
        self._width = width
        for mode, label in MODES:
            self._add(options, View(mode=mode), _line(
                [(label, "bold")], self.counts.get(mode, 0), "$text-muted", width))
        for feed in self.smart_feeds:  # saved searches: virtual sources
            self._add(options, feed.view, _line(
                [("⌕ ", "$text-muted"), clean_line(feed.name)], feed.unread, "bold $accent",
                width))
        options.append(None)
        folder = ""
        for source in self.sources:
            if source.folder and source.folder != folder:
                folder = source.folder
                unread = sum(s.unread for s in self.sources if s.folder == folder)
                self._add(options, View(folder=folder), _line(
                    [("▸ ", "$text-muted"), (clean_line(folder), "bold")], unread,
                    "$text-muted", width))
            self._add(options, View(source_id=source.id), _source_row(
                source, bool(folder), width, source.id in self.stale))
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
        if chosen.smart_id is None and (chosen.source_id is not None or chosen.folder):
            # A source or folder keeps the current mode; a mode row shows every source.
            chosen = View(mode=self.view.mode, source_id=chosen.source_id, folder=chosen.folder)
        self.post_message(ChooseView(chosen))


def _line(parts: list[str | tuple[str, str]], count: int, style: str, width: int) -> Content:
    """A row with its count right-aligned at `width` (a gap of at least one cell); the name
    is cut with "…" when both do not fit."""
    left = Content.assemble(*parts)
    if not count:
        return left
    number = f"{count:,}"
    if width <= 0:
        return Content.assemble(left, " ", (number, style))
    room = max(width - len(number) - 1, 1)
    if left.cell_length > room:
        left = left.truncate(room, ellipsis=True)
    return Content.assemble(left, " " * (room - left.cell_length + 1), (number, style))


def _source_row(source: Source, indented: bool, width: int = 0, stale: bool = False
                ) -> Content:
    """One source: a mark when it is in trouble or from the sync server, its name, its
    unread count, then why."""
    indent = "  " if indented else ""
    problem = PROBLEM.get(source.status)
    parts: list[str | tuple[str, str]] = [indent]
    if problem:
        parts.append(("! ", "bold $error"))
    if source.from_server:
        parts.append((SERVER_MARK, "$text-muted"))
    marks = (2 if problem else 0) + (len(SERVER_MARK) if source.from_server else 0)
    room = width - len(indent) - marks - (
        len(f"{source.unread:,}") + 1 if source.unread else 0)
    name = clean_line(short_label(source, room))  # an untitled feed: one line, not its URL
    parts.append((name, "$text-muted") if stale and not problem else name)
    row = _line(parts, source.unread, "bold $accent", width)
    if problem:
        reason = clean_line(source.last_error)
        detail = f"{problem}: {reason}" if reason else problem
        room = width - len(indent) - 2
        if room > 1 and len(detail) > room:  # one line; the whole reason is on `i`
            detail = detail[: room - 1] + "…"
        row = Content.assemble(row, ("\n" + indent + "  " + detail, "italic $text-muted"))
    elif stale:
        row = Content.assemble(row, ("\n" + indent + "  stale: 90 days silent",
                                     "italic $text-muted"))
    return row
