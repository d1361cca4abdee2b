"""`python -m reader` runs the same command line as `newsreader`."""

from reader.cli import main

raise SystemExit(main())
