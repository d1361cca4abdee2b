"""The open story's links: `o` opens it in the browser command, `l` lists its numbered links
(type a number to open one), `c` copies the link (OSC 52), `C` copies the story as text to
share. Only http and https links open in the browser (mail links too, from `l`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.binding import Binding, BindingType

from reader.models import Story
from reader.render import format_date
from reader.sanitize import clean_line
from reader.ui.controllers.base import Controller

# The browser's module (and its frozen `Launch` dataclass, made as it is imported) comes with
# the first link opened: nothing of it is needed before the first frame.
if TYPE_CHECKING:
    from reader.browser import Launch


def share_text(story: Story, when: str) -> str:
    """A story as a few lines of plain text to paste into a message."""
    lines = [clean_line(story.title)]
    lines.append(" · ".join(p for p in (clean_line(story.source_title), when) if p))
    if story.link:
        lines.append(clean_line(story.link))
    return "\n".join(line for line in lines if line) + "\n"


class LinksController(Controller):
    """`o`, `l`, `c`, `C`: the story's links, to the browser or the clipboard."""

    HELP_GROUP: ClassVar[str] = "Links"
    TASKS: ClassVar[dict[str, str]] = {"browser": "Opening the browser"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "open_link", "Open link", id="open_link"),
        Binding("l", "links", "Links by number", show=False, id="links"),
        Binding("c", "copy_link", "Copy link", show=False, id="copy_link"),
        Binding("C", "share", "Copy as text (share)", show=False, id="share"),
    ]

    def open_url(self, url: str, schemes: frozenset[str] | None = None) -> None:
        """Open `url` if its scheme is one of `schemes` (None: http and https)."""
        from reader.browser import WEB, BrowserError, launch, plan

        try:
            how = plan(url, self.host.config.browser, schemes=WEB if schemes is None else schemes)
        except BrowserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        if how.in_terminal:
            try:
                with self.app.suspend():
                    launch(how)
            except Exception as exc:  # noqa: BLE001 - SuspendNotSupported, BrowserError
                self.notify(f"Could not open the link: {clean_line(str(exc))}",
                            severity="warning", markup=False)
            return
        self._launch(how)

    @work(thread=True, exit_on_error=False, group="browser")
    def _launch(self, how: Launch) -> None:
        from reader.browser import BrowserError, launch

        try:
            launch(how)
        except BrowserError as exc:
            self.app.notify(str(exc), severity="warning", markup=False)

    def action_open_link(self) -> None:
        story = self.host.current
        if story is None:
            self.notify("No story is open.")
        elif not story.link:
            self.notify("This story has no link.")
        else:
            self.open_url(story.link)

    def action_links(self) -> None:
        from reader.ui.screens.links import LinksScreen

        links = self.host.article_view.links
        if not links:
            self.notify("This story has no numbered links.")
            return

        def chosen(url: str | None) -> None:
            from reader.browser import WEB_AND_MAIL

            if url:
                self.open_url(url, WEB_AND_MAIL)

        self.app.push_screen(LinksScreen(links), chosen)

    def action_copy_link(self) -> None:
        story = self.host.current
        if story is None or not story.link:
            self.notify("No link to copy." if story is not None else "No story is open.")
            return
        self.app.copy_to_clipboard(clean_line(story.link))
        self.notify(f"Copied the link: {clean_line(story.link)[:120]}", markup=False)

    def action_share(self) -> None:
        story = self.host.current
        if story is None:
            self.notify("No story is open.")
            return
        config = self.host.config  # the date as the article shows it
        when = (format_date(story.published, tz=config.tz, fmt=config.date_format)
                if story.published else "")
        self.app.copy_to_clipboard(share_text(story, when))
        self.notify("Copied the headline, source and link as text.")
