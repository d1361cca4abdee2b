"""One widget per pane; each owns one job and talks to the screen through messages."""
