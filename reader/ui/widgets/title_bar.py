"""The top line: the title and what the headline list shows, drawn as Textual's `Header`
draws them, by one widget instead of four.

`Header` mounts itself, an icon, a title and the clock's space, and every widget mounted
before the first frame costs start-up its styling, its message loop and its mount events:
the header's three children took ~2.7 ms of CPU, as much as the four panes. This draws the
same cells: the icon at the left (a click opens the command palette, and hovering it says
so), then `App.format_title` of the screen's (else the app's) title and sub-title, centred
between the icon's cells and the clock's and cut with "…" when they do not fit, and faded
while the terminal is not focused. The text is `Content`, never markup: a source's name
in the sub-title is drawn as written.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.content import Content
from textual.style import Style as VisualStyle
from textual.widget import Widget

ICON = "⭘"
ICON_CELLS = 8  # " ⭘" and its padding, as the header's icon
CLOCK_CELLS = 10  # the space the header keeps at the right for its clock
PALETTE_TIP = "Open the command palette"
FADED = 0.5  # how far the title's colour goes toward the background while out of focus


class TitleBar(Widget, can_focus=False):
    """One line: the command palette's icon, then the title and sub-title, centred."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {"title-bar--icon-hover"}
    DEFAULT_CSS: ClassVar[str] = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
        .title-bar--icon-hover { background: $foreground 10%; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._hover = False

    def on_mount(self) -> None:
        for node in (self.app, self.screen):
            self.watch(node, "title", self._retitle, init=False)
            self.watch(node, "sub_title", self._retitle, init=False)
        self.watch(self.app, "app_focus", self._retitle, init=False)

    def _retitle(self) -> None:
        self.refresh()

    @property
    def title_text(self) -> Content:
        """The title as `App.format_title` makes it (what the header shows)."""
        screen, app = self.screen, self.app
        title = screen.title if screen.title is not None else app.title
        sub_title = screen.sub_title if screen.sub_title is not None else app.sub_title
        return app.format_title(title, sub_title)

    def render(self) -> Content:
        icon = Content(f" {ICON}").pad_right(ICON_CELLS - 2)
        if self._hover:
            icon = icon.stylize(self.get_visual_style("title-bar--icon-hover"))
        room = self.size.width - ICON_CELLS - CLOCK_CELLS
        if room <= 0:
            return icon
        title = self.title_text.center(room, ellipsis=True)
        if not self.app.app_focus:  # faded, as the header's title (its text at 50%)
            own = self.visual_style
            if own.foreground is not None and own.background is not None:
                title = title.stylize(VisualStyle(
                    foreground=own.foreground.blend(own.background, FADED)))
        return Content.assemble(icon, title)

    # -- the mouse -------------------------------------------------------------------------------
    def _on_icon(self, x: int) -> bool:
        return 0 <= x < ICON_CELLS and self.app.ENABLE_COMMAND_PALETTE

    async def on_click(self, event: events.Click) -> None:
        if self._on_icon(event.x):
            event.stop()
            await self.run_action("app.command_palette")

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._hovering(self._on_icon(event.x))

    def on_leave(self, event: events.Leave) -> None:
        self._hovering(False)

    def _hovering(self, hover: bool) -> None:
        if hover != self._hover:
            self._hover = hover
            self.tooltip = PALETTE_TIP if hover else None
            self.refresh()
