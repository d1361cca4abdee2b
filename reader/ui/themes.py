"""The "reading" theme: made for an hour of reading, not for a dashboard.

Textual's built-in themes are tuned for tools: pure white on near-black and saturated
accents that pull the eye. Long reading is easier on warm, slightly dimmed text on a warm
dark ground (contrast about 11:1 rather than 17:1), with one calm accent for "unread" and a
muted blue for focus. Nothing in the palette is fully saturated, and the cursor row is a
quiet band rather than a bright bar, so the text under it stays readable.

Every built-in Textual theme stays available (ctrl+p, "Switch theme"; or `theme = "..."`).
"""

from __future__ import annotations

from textual.theme import Theme

READING = Theme(
    name="reading",
    primary="#7d9fb0",  # muted steel blue: focus borders, the cursor band
    secondary="#9a8f7a",
    accent="#d2a15a",  # amber: unread marks, counts
    warning="#d9a35b",
    error="#cf7a6b",
    success="#93ae7a",
    foreground="#d6cfc2",  # warm off-white, never #fff
    background="#1c1a17",
    surface="#211f1b",
    panel="#2a2722",
    dark=True,
    luminosity_spread=0.12,
    text_alpha=0.92,
    variables={
        "block-cursor-background": "#3a4a52",
        "block-cursor-foreground": "#ece5d8",
        "block-cursor-text-style": "none",
        "block-cursor-blurred-background": "#2f2c27",
        "border": "#7d9fb0",
        "border-blurred": "#3b3731",
        "footer-key-foreground": "#d2a15a",
        "footer-background": "#24221e",
        "scrollbar": "#3b3731",
        "scrollbar-hover": "#4a453d",
        "scrollbar-active": "#7d9fb0",
        "input-selection-background": "#7d9fb0 35%",
    },
)

THEMES: tuple[Theme, ...] = (READING,)
