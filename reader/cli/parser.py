"""The command line's grammar: the parser, the list of commands and the help text.

`read_command_line` reads the common command lines itself and hands every other one to
argparse: importing argparse (and gettext, which it imports) and building the parser cost
a launch ~1.7 ms of CPU before the first headline, 1% of it, for `newsreader`,
`newsreader --offline` or `newsreader FILE`, which need none of what argparse adds. What it
reads itself is only what argparse reads the same way (tests/test_cli_parse.py holds the two
to the same result): the options spelt out in full, the values of `--config` and
`--data-dir`, and arguments that do not start with "-". Help, `--version`, `--pick` (a
number to check), abbreviations, "--" and anything else go to argparse, with its messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from reader import __version__

if TYPE_CHECKING:
    import argparse

COMMANDS = ("show", "add", "remove", "list", "refresh", "import", "export", "config", "sync")

EPILOG = """\
commands:
  newsreader [PATH...]          open the app (adding the files or folders given; an
                                .opml file is imported)
  newsreader show PATH|SOURCE   print stories as plain text, as the article view shows them
  newsreader add URL|PATH       subscribe to a feed, a page with a feed, a file or a folder
  newsreader remove SOURCE      unsubscribe (SOURCE: id, location, or part of its title)
  newsreader list               every source with unread count, last update and last error
  newsreader refresh [SOURCE...] fetch what is new; exit status 1 when something failed
  newsreader import FILE.opml   subscribe to every feed of an OPML file
  newsreader export [FILE]      write subscriptions as OPML 2.0 (to stdout without FILE)
  newsreader config             print the configuration file's path and the values in force
  newsreader sync               two-way sync with the server set in [sync]; exit status 1 on failure

examples, command by command:
  newsreader                                    the app, on the cache (refreshes feeds)
  newsreader ~/news/story.txt ~/saved-pages/    add a file and a folder, open the first story
  newsreader --offline                          read the cache without any network
  newsreader show ~/news/story.txt | less       a local file, read without the app
  newsreader show "BBC" --no-teasers            the cached stories of a source, text only
  newsreader add https://example.org/           a site: its feed is found from the page
  newsreader add --pick 2 https://example.org/  a site that links to several feeds: the 2nd
  newsreader add ~/news/                        a folder: each file in it is a story
  newsreader remove 12                          by id, location, or part of the title
  newsreader list | grep -B2 "last error"       the sources that are failing
  newsreader refresh                            everything; or name sources: refresh 3 BBC
  newsreader import subscriptions.opml          from another reader
  newsreader export ~/feeds.opml                to another reader (stdout without FILE)
  newsreader config                             where the settings are, and what they say
  newsreader --config ~/nr-test.toml config     try another configuration file
  newsreader --data-dir /tmp/nr add https://example.org/feed.xml   a throw-away cache

files:
  configuration  config.toml in $NEWSREADER_CONFIG_DIR, else the user config directory
                 (made on first run with every setting commented out; --config FILE
                 uses another). Bad values are reported with file, line and expected type.
  cache          newsreader.sqlite3 in $NEWSREADER_DATA_DIR, else the user data directory

environment:
  NEWSREADER_CONFIG_DIR  NEWSREADER_DATA_DIR  BROWSER (when the config sets no browser)
  NEWSREADER_SYNC_PASSWORD (the sync server's password, instead of password_command)

in the app: ? lists every key in force, ctrl+p finds any command, source or story.
"""


class Options:
    """What the command line asked for: its options, and its arguments in `args` (a command
    and what follows it, or the paths to open)."""

    __slots__ = ("config", "data_dir", "offline", "no_teasers", "pick", "args")

    def __init__(self, *, config: str | None = None, data_dir: str | None = None,
                 offline: bool = False, no_teasers: bool = False, pick: int | None = None,
                 args: Sequence[str] = ()) -> None:
        self.config = config
        self.data_dir = data_dir
        self.offline = offline
        self.no_teasers = no_teasers
        self.pick = pick
        self.args = list(args)


_FLAGS = {"--offline": "offline", "--no-teasers": "no_teasers"}
_VALUES = {"--config": "config", "--data-dir": "data_dir"}


def read_command_line(argv: Sequence[str]) -> Options:
    """The options and arguments of `argv` (without the program's name). A usage error,
    `--help` or `--version` exits, as argparse does."""
    options = _read_plainly(argv)
    if options is None:
        parsed = build_parser().parse_intermixed_args(argv)  # `add --pick 2 URL`: anywhere
        options = Options(**vars(parsed))
    return options


def _read_plainly(argv: Sequence[str]) -> Options | None:
    """`argv` read without argparse, or None when it holds anything but full options and
    plain arguments."""
    options = Options()
    tokens = iter(argv)
    for token in tokens:
        if not token.startswith("-"):
            options.args.append(token)
        elif token in _FLAGS:
            setattr(options, _FLAGS[token], True)
        else:
            name, equals, value = token.partition("=")
            if name not in _VALUES:
                return None
            if not equals:
                value = next(tokens, "-")  # a missing value: argparse's error message
                if value.startswith("-"):
                    return None
            setattr(options, _VALUES[name], value)
    return options


def build_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="newsreader", description="A fast, offline-first terminal news reader.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"newsreader {__version__}")
    parser.add_argument("--config", metavar="FILE",
                        help="the configuration file (default: config.toml in "
                             "$NEWSREADER_CONFIG_DIR, else the user config directory)")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="where the cache lives (default: $NEWSREADER_DATA_DIR, else the "
                             "user data directory)")
    parser.add_argument("--offline", action="store_true",
                        help="never touch the network (the app reads the cache only)")
    parser.add_argument("--no-teasers", action="store_true",
                        help="with show: print only the article text, not the sidebar teasers")
    parser.add_argument("--pick", metavar="N", type=int,
                        help="with add: when the page links to several feeds, subscribe to "
                             "the Nth (they are listed; without --pick, the first)")
    parser.add_argument("args", nargs="*", metavar="PATH | COMMAND ARGS",
                        help="files or folders to open, or one of: " + ", ".join(COMMANDS))
    return parser
