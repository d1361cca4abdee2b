"""newsreader: a fast, offline-first terminal news reader.

The package is layered: `models`, `sanitize`, `sources`, `store`, `render` and `refresh` are
plain Python (they never import Textual, and a test checks it); `ui` is a Textual client of them;
`cli` wires both to the command line.
"""

__version__ = "0.1.0"
