"""The rich styles of a line-API widget's component classes, computed once.

`Widget.rich_style` walks the DOM, which is too slow to do for every line a pane draws, so
the headline list and the teaser sidebar each keep this table and drop it when the theme or
their classes change."""

from __future__ import annotations

from rich.style import Style
from textual.widget import Widget


def component_styles(widget: Widget, prefix: str) -> dict[str, Style]:
    """"" -> the widget's base style; each component class, its prefix removed -> that
    component's style over the base."""
    base = widget.rich_style
    styles = {"": base}
    for component in widget.COMPONENT_CLASSES:
        styles[component.removeprefix(prefix)] = base + widget.get_component_rich_style(component)
    return styles
