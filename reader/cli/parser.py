"""The command line's grammar: the parser, the list of commands and the help text."""

from __future__ import annotations

import argparse

from reader import __version__

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

def build_parser() -> argparse.ArgumentParser:
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
