"""Managing sources: `g` goes to one, `e` renames it, `M` moves it to a folder, `X` removes
it (`u` puts it back), `i` shows its health, `E` exports every subscription as OPML; and the
source list's "stale" marks.

Which source: the one highlighted in the source list when it has the focus, else the one
the headline list is filtered to, else the source of the open story. Every change is a
small write done in a thread worker; the lists then reload. Removing asks first, and keeps a
copy of the source's rows in memory (`reader.store.trash`) so that `u` puts it back
exactly, read marks and all.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.message import Message

from reader.models import Source
from reader.sanitize import clean_line
from reader.ui.controllers.base import Controller
from reader.ui.widgets.source_list import SourceList
from reader.words import plural

# The dialogs and the store's health and trash are imported where they are used: none of
# them is needed before the first frame (start-up, ~5 ms of CPU).
if TYPE_CHECKING:
    from reader.store.health import Health
    from reader.store.trash import Removed


class SourceEdited(Message):
    """A source was renamed or moved (`what` says how, for the notification)."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what


class SourceRemoved(Message):
    """A source was taken out; `removed` keeps its rows for `u` (None: it was gone already)."""

    def __init__(self, removed: Removed | None) -> None:
        super().__init__()
        self.removed = removed


class HealthReady(Message):
    """A source's health, read in the worker for `i`."""

    def __init__(self, source: Source, health: Health | None, mode: str) -> None:
        super().__init__()
        self.source = source
        self.health = health
        self.mode = mode


def clean_folder(text: str) -> str:
    """A folder path as typed ("  News // World/ ") made tidy ("News/World")."""
    parts = [clean_line(part).strip() for part in re.split(r"/+", text)]
    return "/".join(part for part in parts if part)


class SourcesController(Controller):
    """g, e, M, X, i, E (and u, through the undo list) on the reading screen."""

    HELP_GROUP: ClassVar[str] = "Sources"
    TASKS: ClassVar[dict[str, str]] = {"sources-edit": "Changing the source",
                                       "stale": "Finding stale sources",
                                       "export": "Exporting the subscriptions"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "go_to_source", "Go to source", show=False, id="go_to_source"),
        Binding("e", "rename_source", "Rename source", show=False, id="rename_source"),
        Binding("M", "move_source", "Move source to folder", show=False, id="move_source"),
        Binding("X", "remove_source", "Remove source", show=False, id="remove_source"),
        Binding("i", "source_info", "Source health", show=False, id="source_info"),
        Binding("E", "export_opml", "Export OPML", show=False, id="export_opml"),
    ]

    def on_mount(self) -> None:
        # With `init`: a controller mounts after the panes and the launch workers inside
        # it, so the sources may have arrived already; their change would then go unseen.
        self.watch(self.host, "sources", self._sources_changed)

    def _sources_changed(self, sources: tuple[Source, ...]) -> None:
        if sources:  # after the frame under way: at start the sources come before the first
            self.call_after_refresh(self._find_stale)

    def target_source(self) -> Source | None:
        host = self.host
        focused = host.focused
        wanted: int | None = None
        if isinstance(focused, SourceList) and focused.highlighted_option is not None:
            option = focused.highlighted_option.id or ""
            if option.startswith("source:"):
                wanted = int(option.split(":", 1)[1])
        if wanted is None:
            wanted = host.view.source_id
        if wanted is None and host.current is not None:
            wanted = host.current.source_id
        return next((s for s in host.sources if s.id == wanted), None)

    def _no_source(self) -> None:
        self.notify("Choose a source first: highlight it in the source list (S), or open "
                    "one of its stories.")

    @work(thread=True, exit_on_error=False, exclusive=True, group="stale")
    def _find_stale(self) -> None:
        from reader.store.health import stale_sources

        host = self.host
        stale = frozenset(stale_sources(host.store, host.clock()))
        # A method, not `setattr`: Textual reads the callback's signature, and a builtin's
        # is parsed from text by `tokenize` (its large pattern compiled: ~1.4 ms on the loop).
        self.app.call_from_thread(self._show_stale, stale)

    def _show_stale(self, stale: frozenset[int]) -> None:
        self.host.source_list.stale = stale

    def action_go_to_source(self) -> None:
        from reader.ui.commands import GoToSource

        self.app.push_screen(CommandPalette(providers=[GoToSource],
                                            placeholder="Go to source or folder…"))

    # -- rename and move -------------------------------------------------------------------------
    def action_rename_source(self) -> None:
        source = self.target_source()
        if source is None:
            return self._no_source()

        def renamed(name: str | None) -> None:
            if name is not None and name != source.title:
                self._edit_source(source.id, {"title": name},
                                  f"Renamed to {name or source.location}")

        from reader.ui.screens.dialogs import PromptScreen

        self.app.push_screen(PromptScreen(
            f"Rename {clean_line(source.label)}", source.title,
            hint="empty: show its location"), renamed)

    def action_move_source(self) -> None:
        source = self.target_source()
        if source is None:
            return self._no_source()
        folders = sorted({s.folder for s in self.host.sources if s.folder})

        def moved(folder: str | None) -> None:
            if folder is None:
                return
            folder = clean_folder(folder)
            if folder != source.folder:
                where = f"into {folder}" if folder else "out of its folder"
                self._edit_source(source.id, {"folder": folder},
                                  f"Moved {clean_line(source.label)} {where}")

        from reader.ui.screens.dialogs import PromptScreen

        self.app.push_screen(PromptScreen(
            f"Move {clean_line(source.label)} to folder", source.folder,
            hint="a/b nests folders · empty: no folder", suggestions=folders), moved)

    @work(thread=True, exit_on_error=False, group="sources-edit")
    def _edit_source(self, source_id: int, fields: dict[str, object], what: str) -> None:
        self.host.store.update_source(source_id, **fields)
        self.post_message(SourceEdited(what))

    @on(SourceEdited)
    def _source_edited(self, message: SourceEdited) -> None:
        self.notify(message.what, markup=False)
        self.host.reload_now()

    # -- remove and undo ---------------------------------------------------------------------------
    def action_remove_source(self) -> None:
        source = self.target_source()
        if source is None:
            return self._no_source()

        def answered(yes: bool | None) -> None:
            if yes:
                self._remove(source.id)

        from reader.ui.screens.dialogs import ConfirmScreen

        self.app.push_screen(ConfirmScreen(
            f"Remove {clean_line(source.label)}?", yes="Remove",
            detail=f"Its {plural(source.total, 'story', 'stories')} leave the cache. "
                   "u puts it all back."),
            answered)

    @work(thread=True, exit_on_error=False, group="sources-edit")
    def _remove(self, source_id: int) -> None:
        from reader.store.trash import take_out

        self.post_message(SourceRemoved(take_out(self.host.store, source_id)))

    @on(SourceRemoved)
    def _source_removed(self, message: SourceRemoved) -> None:
        host = self.host
        removed = message.removed
        if removed is None:
            self.notify("That source was already gone.")
            return
        label = clean_line(removed.label)
        self.notify(f"Removed {label} ({plural(removed.stories, 'story', 'stories')}). "
                    "u undoes it.",
                    markup=False)
        if host.view.source_id == removed.source_id:
            host.view = replace(host.view, source_id=None)
        if host.current is not None and host.current.source_id == removed.source_id:
            host.current = None
            host.article = None
        host.undo.push(f"removing {label}", lambda: self._put_back(removed), host.reload_now)
        host.reload_now()

    def _put_back(self, removed: Removed) -> str:
        """Runs in a thread (the undo worker): "" when done, else why not."""
        from reader.store.trash import put_back

        if put_back(self.host.store, removed):
            return ""
        return (f"{clean_line(removed.label)} cannot come back: its location was "
                "subscribed again meanwhile")

    # -- health ------------------------------------------------------------------------------------
    def action_source_info(self) -> None:
        source = self.target_source()
        if source is None:
            return self._no_source()
        self._health(source)

    @work(thread=True, exit_on_error=False, group="sources-edit")
    def _health(self, source: Source) -> None:
        from reader.store.health import source_health
        from reader.ui.controllers.articles import full_mode

        host = self.host
        health = source_health(host.store, source.id, host.clock())
        self.post_message(HealthReady(source, health, full_mode(host.config, source)))

    @on(HealthReady)
    def _health_ready(self, message: HealthReady) -> None:
        if message.health is None:
            self.notify("That source is no longer in the cache.")
            return
        from reader.ui.screens.source_info import SourceInfoScreen

        config = self.host.config
        self.app.push_screen(SourceInfoScreen(message.source, message.health, message.mode,
                                              config.tz, config.date_format))

    # -- export ----------------------------------------------------------------------------------
    def action_export_opml(self) -> None:
        def chosen(path: str | None) -> None:
            if path:
                self._export(path)

        from reader.ui.screens.dialogs import PromptScreen

        default = str(Path.home() / "newsreader-subscriptions.opml")
        self.app.push_screen(PromptScreen("Export subscriptions as OPML", default,
                                          hint="a file path"), chosen)

    @work(thread=True, exit_on_error=False, group="export")
    def _export(self, path: str) -> None:
        from reader.service.subscriptions import export_opml

        target = Path(path).expanduser()
        try:
            target.write_text(export_opml(self.host.store), encoding="utf-8")
        except OSError as exc:
            self.app.notify(f"Cannot write {target}: {exc.strerror or exc}",
                            severity="error", markup=False)
            return
        self.app.notify(f"Subscriptions written to {target}", markup=False)
