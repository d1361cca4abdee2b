"""The Textual front end: the only package allowed to import Textual.

`reader.ui.app.NewsApp` is the entry point; it takes a `Store` so the command line and the
tests decide which cache it shows.
"""
