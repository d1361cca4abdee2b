"""Managing sources from the reading screen: rename, move to a folder, remove (with undo),
and a source's health.

Which source: the one highlighted in the source list when it has the focus, else the one
the headline list is filtered to, else the source of the open story. Every change is a
small write done in a thread worker; the screen then reloads its lists. Removing asks
first, and keeps a copy of the source's rows in memory (`reader.store.trash`) so that `u`
puts it back exactly, read marks and all.

This is a mixin of `ReaderScreen` (kept apart to keep each module about one thing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message

from reader.config import Config
from reader.models import Source
from reader.sanitize import clean_line
from reader.store.health import Health, source_health
from reader.store.trash import Removed, put_back, take_out
from reader.ui.screens.dialogs import ConfirmScreen, PromptScreen
from reader.ui.screens.source_info import SourceInfoScreen
from reader.ui.widgets.source_list import SourceList

if TYPE_CHECKING:
    from reader.ui.screens.main import MainScreen as _Base
else:
    _Base = object


@dataclass
class SourceEdited(Message):
    """A source was renamed or moved (`what` says how, for the notification)."""

    what: str


@dataclass
class SourceRemoved(Message):
    removed: Removed | None


@dataclass
class HealthReady(Message):
    source: Source
    health: Health | None
    mode: str


def clean_folder(text: str) -> str:
    """A folder path as typed ("  News // World/ ") made tidy ("News/World")."""
    parts = [clean_line(part).strip() for part in re.split(r"/+", text)]
    return "/".join(part for part in parts if part)


class SourceAdminMixin(_Base):
    """e, M, X, i (and u, through the app's undo list) on the reading screen."""

    config: Config

    def target_source(self) -> Source | None:
        focused = self.focused
        wanted: int | None = None
        if isinstance(focused, SourceList) and focused.highlighted_option is not None:
            option = focused.highlighted_option.id or ""
            if option.startswith("source:"):
                wanted = int(option.split(":", 1)[1])
        if wanted is None:
            wanted = self.view.source_id
        if wanted is None and self.current is not None:
            wanted = self.current.source_id
        return next((s for s in self.sources if s.id == wanted), None)

    def _no_source(self) -> None:
        self.notify("Choose a source first: highlight it in the source list (S), or open "
                    "one of its stories.")

    # -- rename and move -------------------------------------------------------------------------
    def action_rename_source(self) -> None:
        source = self.target_source()
        if source is None:
            return self._no_source()

        def renamed(name: str | None) -> None:
            if name is not None and name != source.title:
                self._edit_source(source.id, {"title": name},
                                  f"Renamed to {name or source.location}")

        self.app.push_screen(PromptScreen(
            f"Rename {clean_line(source.label)}", source.title,
            hint="empty: show its location"), renamed)

    def action_move_source(self) -> None:
        source = self.target_source()
        if source is None:
            return self._no_source()
        folders = sorted({s.folder for s in self.sources if s.folder})

        def moved(folder: str | None) -> None:
            if folder is None:
                return
            folder = clean_folder(folder)
            if folder != source.folder:
                where = f"into {folder}" if folder else "out of its folder"
                self._edit_source(source.id, {"folder": folder},
                                  f"Moved {clean_line(source.label)} {where}")

        self.app.push_screen(PromptScreen(
            f"Move {clean_line(source.label)} to folder", source.folder,
            hint="a/b nests folders · empty: no folder", suggestions=folders), moved)

    @work(thread=True, exit_on_error=False, group="sources-edit")
    def _edit_source(self, source_id: int, fields: dict[str, object], what: str) -> None:
        self.store.update_source(source_id, **fields)
        self.post_message(SourceEdited(what))

    def on_source_edited(self, message: SourceEdited) -> None:
        self.notify(message.what, markup=False)
        self._reload_now()

    # -- remove and undo ---------------------------------------------------------------------------
    def action_remove_source(self) -> None:
        source = self.target_source()
        if source is None:
            return self._no_source()

        def answered(yes: bool | None) -> None:
            if yes:
                self._remove(source.id)

        self.app.push_screen(ConfirmScreen(
            f"Remove {clean_line(source.label)}?", yes="Remove",
            detail=f"Its {source.total:,} stories leave the cache. u puts it all back."),
            answered)

    @work(thread=True, exit_on_error=False, group="sources-edit")
    def _remove(self, source_id: int) -> None:
        self.post_message(SourceRemoved(take_out(self.store, source_id)))

    def on_source_removed(self, message: SourceRemoved) -> None:
        removed = message.removed
        if removed is None:
            self.notify("That source was already gone.")
            return
        label = clean_line(removed.label)
        self.notify(f"Removed {label} ({removed.stories:,} stories). u undoes it.",
                    markup=False)
        if self.view.source_id == removed.source_id:
            self.view = replace(self.view, source_id=None)
        if self.current is not None and self.current.source_id == removed.source_id:
            self.current = None
            self.article = None
        add_undo = getattr(self.app, "push_undo", None)
        if add_undo is not None:
            add_undo(f"removing {label}", lambda: self._put_back(removed), self._reload_now)
        self._reload_now()

    def _put_back(self, removed: Removed) -> str:
        """Runs in a thread (the app's undo worker): "" when done, else why not."""
        if put_back(self.store, removed):
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
        from reader.ui.screens.full_article import full_mode

        health = source_health(self.store, source.id, self.clock())
        self.post_message(HealthReady(source, health, full_mode(self.config, source)))

    def on_health_ready(self, message: HealthReady) -> None:
        if message.health is None:
            self.notify("That source is no longer in the cache.")
            return
        self.app.push_screen(SourceInfoScreen(message.source, message.health, message.mode,
                                              self.config.tz))
