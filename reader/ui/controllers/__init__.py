"""The reading screen's controllers: one concern each, with its keys, workers and messages.

Each is a transparent container placed around the panes (see `base.Controller`), so a key a
pane does not take, and a message a pane posts, passes through every controller on its way
up. The folder names where a key's action lives: `refresh.py` has `r` and `R`, `search.py`
has `/`, and so on.
"""
