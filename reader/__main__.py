"""`python -m reader` runs the same command line as `newsreader`."""

from reader.cli import run

run()
