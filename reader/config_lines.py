"""Where each key of a config file is written, so a message about a value can name its line.

`tomllib` gives values but no positions, so the lines are found by scanning the text. That is
good enough for the simple, hand-written TOML a config file is; a key this misses only loses
the line number in its messages.
"""

from __future__ import annotations

import re

_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)"""
                  r"""(?:\s*\.\s*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*=""")


def key_lines(text: str) -> dict[str, int]:
    """Dotted key -> the (1-based) line that sets it, for the simple TOML a config holds."""
    found: dict[str, int] = {}
    table: list[str] = []
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        odd = bool(line.count('"""') % 2 or line.count("'''") % 2)
        if in_multiline:  # inside a multi-line string: nothing here is a key
            in_multiline = not odd
            continue
        in_multiline = odd  # this line may open one, after its own key
        header = _TABLE.match(line)
        if header:
            table = _split_dotted(header.group(1))
            found.setdefault(".".join(table), number)
            continue
        key = _KEY.match(line)
        if key:
            path = table + _split_dotted(key.group(1))
            found.setdefault(".".join(path), number)
            inline = re.search(r"=\s*\{(.*)\}", line)  # keys of an inline table, same line
            if inline:
                for inner in re.finditer(r"""("(?:[^"\\]|\\.)*"|'[^']*'|[\w-]+)\s*=""",
                                         inline.group(1)):
                    found.setdefault(".".join(path + _split_dotted(inner.group(1))), number)
    return found


def _split_dotted(key: str) -> list[str]:
    parts = re.findall(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^.\s]+)\s*(?:\.|$)""", key)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]
