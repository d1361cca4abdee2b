"""The command palette (ctrl+p): every action, every source, and recent stories.

Actions are not listed by hand: the palette offers every described binding in force on the
screen (the same list the `?` screen shows, with the user's keys), plus the few things that
have no key of their own. A new binding anywhere therefore shows up here by itself.

Sources and stories are untrusted text: they are shown as plain `Content` (never parsed as
markup; Textual's own `Matcher.highlight` would parse them), and help lines (which the palette
parses as markup) have every "[" escaped.
Stories are read from the cache off the event loop (`asyncio.to_thread`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.screen import Screen
from textual.system_commands import SystemCommandsProvider

from reader.models import Headline, Source, View
from reader.sanitize import clean_line
from reader.ui.messages import ChooseView, OpenStory

if TYPE_CHECKING:
    from textual.app import App, SystemCommand

RECENT = 300  # stories offered without typing more than a few letters
SEARCHED = 40  # stories found in the whole cache for a query of 3+ characters


def literal(text: str) -> str:
    """`text` made safe for a palette help line, which Textual parses as markup: every "["
    escaped, so neither Rich-style tags nor Textual's own ("[$accent]", "[@click=…]",
    "[link=…]") are read as markup, and nothing can raise a MarkupError."""
    return text.replace("[", "\\[")


def plain_highlight(matcher: Matcher, candidate: str) -> Content:
    """`candidate` as plain text with the matched letters styled (no markup parsing)."""
    content = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if not score:
        return content
    for offset in offsets:
        if not candidate[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def system_commands(app: App[Any], screen: Screen[Any],
                    extra: Iterable[SystemCommand]) -> Iterable[SystemCommand]:
    """Every described binding on `screen` as a palette command, then `extra`."""
    from textual.app import SystemCommand

    from reader.ui.screens.help import bindings_in_force

    seen: set[str] = set()
    for entry in bindings_in_force(screen):
        if entry.description in seen or entry.ident is None:
            continue  # (bindings without an id are Textual's own, e.g. a list's "Down")
        seen.add(entry.description)
        callback = partial(app.run_action, entry.action, entry.node)
        yield SystemCommand(entry.description, f"{literal(entry.keys)} · {entry.group}",
                            callback)
    for command in extra:
        if command.title not in seen:
            seen.add(command.title)
            yield command


def _sources(screen: Screen[Any]) -> tuple[Source, ...]:
    return tuple(getattr(screen, "sources", ()))


def _source_hits(screen: Screen[Any]) -> list[tuple[str, str, View]]:
    """(label, help, view) for every folder and source, in source-list order."""
    out: list[tuple[str, str, View]] = []
    folders: list[str] = []
    for source in _sources(screen):
        if source.folder and source.folder not in folders:
            folders.append(source.folder)
            out.append((clean_line(source.folder) + "/", "folder", View(folder=source.folder)))
        unread = f"{source.unread} unread · " if source.unread else ""
        out.append((clean_line(source.label), unread + clean_line(source.location),
                    View(source_id=source.id)))
    return out


class SourceCommands(Provider):
    """Go to a source or folder by (part of) its name."""

    def _go(self, view: View) -> None:
        mode = getattr(self.screen, "view", View()).mode
        self.screen.post_message(ChooseView(View(mode=mode, source_id=view.source_id,
                                                 folder=view.folder), open_first=True))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, view in _source_hits(self.screen):
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, plain_highlight(matcher, label), partial(self._go, view),
                          text=label, help=literal("Go to source · " + help_text))


class GoToSource(SourceCommands):
    """The `g` palette: only sources, all listed before anything is typed."""

    async def discover(self) -> Hits:
        for label, help_text, view in _source_hits(self.screen):
            yield DiscoveryHit(Content(label), partial(self._go, view), text=label,
                               help=literal(help_text))


class StoryCommands(Provider):
    """Open a story by words of its headline: recent ones at once, older ones from the
    cache's own search once three characters are typed."""

    _recent: list[Headline]

    async def startup(self) -> None:
        store = getattr(self.app, "store", None)
        self._recent = [] if store is None else await asyncio.to_thread(
            store.views.headlines, View(), 0, RECENT)

    def _open(self, story_id: int) -> None:
        self.screen.post_message(OpenStory(story_id))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        seen: set[int] = set()
        for headline in self._recent:
            title = clean_line(headline.title)
            score = matcher.match(title)
            if score > 0:
                seen.add(headline.id)
                yield self._hit(matcher, headline, title, score)
        store = getattr(self.app, "store", None)
        if store is None or len(query.strip()) < 3:
            return
        found = await asyncio.to_thread(store.views.headlines, View(search=query.strip()), 0,
                                        SEARCHED)
        for headline in found:
            if headline.id not in seen:
                title = clean_line(headline.title)
                yield self._hit(matcher, headline, title, max(matcher.match(title), 0.3))

    def _hit(self, matcher: Matcher, headline: Headline, title: str, score: float) -> Hit:
        return Hit(score * 0.9, plain_highlight(matcher, title), partial(self._open, headline.id),
                   text=title, help=literal("Open story · " + clean_line(headline.source_title)))


PROVIDERS: set[type[Provider] | Callable[[], type[Provider]]] = {
    SystemCommandsProvider, SourceCommands, StoryCommands}
