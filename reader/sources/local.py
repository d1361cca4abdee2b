"""Local sources: one file, or a folder whose files are stories (the README lists the kinds).

A folder is read recursively in name order, hidden files and folders left out, so the same
folder always gives the same stories in the same order. Each file is dispatched by its
extension, and by its content when the extension says nothing; one bad file becomes one
sentence in `ParseResult.problems` and the rest of the folder is still read.

Re-reading must be cheap, because folders are re-read whenever they change: the caller passes
the `(mtime, size)` stamps of the last read as `known`, and files whose stamp has not changed
are not opened at all. Files that could not be read are not stamped, so they are looked at
(and reported) again next time, and a file that has been fixed is picked up.

Nothing blocks on odd files: FIFOs, sockets and devices are never opened, files over
`MAX_FILE_SIZE` are never read, and symlinked folders are followed only once.
"""

from __future__ import annotations

import os
import re
import stat as statmod
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reader.decode import decode_bytes
from reader.models import Entry, ParseResult
from reader.sanitize import clean_line
from reader.sources.feedfile import NotAFeed, looks_like_feed, needs_isolation, parse_feed

MAX_FILE_SIZE = 50 * 1024 * 1024
TEXT_EXTENSIONS = {".txt", ".text", ""}
MARKDOWN_EXTENSIONS = {".md", ".markdown"}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}
FEED_EXTENSIONS = {".xml", ".rss", ".atom", ".rdf", ".json"}
# Magic numbers of common binary formats that may not contain a NUL byte early on.
_MAGIC = (b"%PDF-", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
          b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!", b"\x7fELF", b"OggS", b"ID3", b"fLaC")
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")


class LocalSourceError(Exception):
    """A local source cannot be read at all; `str(exc)` names the path and the reason."""


@dataclass(slots=True)
class LocalScan:
    """What one read of a local source found.

    `stamps` holds the `(mtime, size)` of every file read (successfully) this time; files
    skipped because their stamp matched `known` are in `unchanged` instead, and paths of
    `known` that no longer exist are in `gone`. All paths are absolute.
    """

    result: ParseResult
    stamps: dict[str, tuple[float, int]] = field(default_factory=dict)
    unchanged: set[str] = field(default_factory=set)
    gone: set[str] = field(default_factory=set)


class _Skip(Exception):
    """One file cannot be read as a story; the message is the reason, in words."""


def read_local(
    path: str | os.PathLike[str], known: Mapping[str, tuple[float, int]] | None = None,
    *, skip: Collection[str] = (),
) -> LocalScan:
    """Read a file or a folder of stories; raise LocalSourceError when it cannot be read.

    Folders in `skip` (resolved paths) are left out of a folder's read, as if hidden: they
    are subscribed on their own, and their files are theirs, even when reached through a
    symbolic link."""
    shown = os.fspath(path)
    known = known or {}
    try:
        root = Path(shown).expanduser().resolve()
        info = root.stat()
    except FileNotFoundError:
        raise LocalSourceError(f"{shown}: no such file or folder") from None
    except PermissionError:
        raise LocalSourceError(f"{shown}: permission denied") from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise LocalSourceError(f"{shown}: cannot be read ({_reason(exc)})") from None
    if statmod.S_ISDIR(info.st_mode):
        return _read_folder(root, shown, known, frozenset(skip))
    if not statmod.S_ISREG(info.st_mode):
        raise LocalSourceError(f"{shown}: not a regular file or folder")
    return _read_single(root, shown, info, known)


def _read_single(
    file: Path, shown: str, info: os.stat_result, known: Mapping[str, tuple[float, int]]
) -> LocalScan:
    name = str(file)
    stamp = (info.st_mtime, info.st_size)
    gone = {p for p in known if p != name and not os.path.exists(p)}
    if known.get(name) == stamp:
        return LocalScan(ParseResult(title=file.stem), unchanged={name}, gone=gone)
    try:
        title, entries = _read_file(file, info, resolved=True, named=True)
    except _Skip as skip:
        raise LocalSourceError(f"{shown}: {skip}") from None
    return LocalScan(ParseResult(title=title, entries=entries), stamps={name: stamp}, gone=gone)


def _read_folder(root: Path, shown: str, known: Mapping[str, tuple[float, int]],
                 skip: frozenset[str] = frozenset()) -> LocalScan:
    try:
        with os.scandir(root):
            pass
    except PermissionError:
        raise LocalSourceError(f"{shown}: cannot open the folder (permission denied)") from None
    except OSError as exc:
        raise LocalSourceError(f"{shown}: cannot open the folder ({_reason(exc)})") from None
    scan = LocalScan(ParseResult(title=root.name or str(root)))
    problems = scan.result.problems
    seen: set[str] = set()
    blind: list[str] = []  # folders we could not list: their files are not "gone"
    for file, info, resolved in _walk(root, problems, blind, skip):
        name = str(file)
        seen.add(name)
        stamp = (info.st_mtime, info.st_size)
        if known.get(name) == stamp:
            scan.unchanged.add(name)
            continue
        try:
            _title, entries = _read_file(file, info, resolved=resolved)
        except _Skip as skip:
            problems.append(f"skipped {os.path.relpath(name, root)}: {skip}")
            continue
        scan.stamps[name] = stamp
        scan.result.entries.extend(entries)
    for name in known:
        if name in seen or any(name.startswith(folder + os.sep) for folder in blind):
            continue
        if not os.path.isfile(name) or not name.startswith(str(root) + os.sep):
            scan.gone.add(name)
    return scan


def _walk(
    root: Path, problems: list[str], blind: list[str], skip: frozenset[str] = frozenset()
) -> Iterator[tuple[Path, os.stat_result, bool]]:
    """Files under `root` depth first in name order, as (path, stat, path_is_resolved).

    Hidden files and folders are left out, and so are the folders in `skip`. Symlinked
    folders are followed once each, so a link back up the tree is not a loop. A folder that
    cannot be listed is reported in `problems` and added to `blind`.
    """
    visited: set[tuple[int, int]] = set()

    def listing(folder: Path) -> Iterator[os.DirEntry[str]] | None:
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in visited:
                return None
            visited.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as entries:
                return iter(sorted(entries, key=lambda item: item.name))
        except OSError as exc:
            label = os.path.relpath(folder, root)
            problems.append(f"skipped {label}{os.sep}: cannot open the folder ({_reason(exc)})")
            blind.append(str(folder))
            return None

    top = listing(root)
    stack: list[tuple[Iterator[os.DirEntry[str]], bool]] = [(top, True)] if top else []
    while stack:
        items, resolved = stack[-1]
        item = next(items, None)
        if item is None:
            stack.pop()
            continue
        if _ignored(item.name):
            continue
        path = Path(item.path)
        exact = resolved and not item.is_symlink()
        try:
            if item.is_dir():
                if skip and (item.path in skip or os.path.realpath(path) in skip):
                    continue
                inner = listing(path)
                if inner is not None:
                    stack.append((inner, exact))
                continue
            info = item.stat()
        except OSError as exc:
            problems.append(f"skipped {os.path.relpath(path, root)}: {_reason(exc)}")
            continue
        if skip and not exact and _within(os.path.realpath(path), skip):
            continue  # a link to a file of a folder in `skip`
        yield path, info, exact


def _within(path: str, folders: Collection[str]) -> bool:
    return any(path.startswith(folder.rstrip(os.sep) + os.sep) for folder in folders)


def _ignored(name: str) -> bool:
    """Hidden files and the backup/lock files editors leave beside real ones."""
    return name.startswith(".") or name.endswith("~") or (name.startswith("#") and
                                                          name.endswith("#"))


def _read_file(
    file: Path, info: os.stat_result, *, resolved: bool, named: bool = False
) -> tuple[str, list[Entry]]:
    """(title, entries) of one file, or _Skip with the reason it is not a story.

    A file the user `named` (rather than one found in a folder) is read as a text story
    whatever its extension, as long as it is text.
    """
    ext = file.suffix.lower()
    _check_stat(file, info)
    data = _read_bytes(file)
    _check_bytes(data, whole=True)
    kind = _kind(ext, data, named)
    key = "file:" + (str(file) if resolved else os.path.realpath(file))
    try:
        return _parse(kind, data, file, key, info.st_mtime)
    except _Skip:
        raise
    except Exception as exc:  # noqa: BLE001 - one odd file must not end a folder's read
        raise _Skip(f"could not be read as a story ({type(exc).__name__}: {exc})") from None


def quick_problem(path: str | os.PathLike[str]) -> str:
    """Why the file or folder at `path` is surely no source, from a stat and the file's first
    kilobytes ("" when it may be one): what the command line can tell before the app starts,
    without reading a folder's files or parsing a story. The same checks as a full read."""
    shown = os.fspath(path)
    try:
        info = os.stat(shown)
        if statmod.S_ISDIR(info.st_mode):
            with os.scandir(shown):
                return ""
    except FileNotFoundError:
        return "no such file or folder"
    except PermissionError:
        return "permission denied"
    except (OSError, ValueError) as exc:
        return f"cannot be read ({_reason(exc)})"
    try:
        _check_stat(Path(shown), info)
        _check_bytes(_read_bytes(Path(shown), HEAD), whole=info.st_size <= HEAD)
    except _Skip as skip:
        return str(skip)
    return ""


HEAD = 8192  # what `quick_problem` reads of a file


def _check_stat(file: Path, info: os.stat_result) -> None:
    if file.suffix.lower() == ".opml":
        raise _Skip(
            f"an OPML subscription list, not a story; import it with `newsreader import {file}`"
        )
    if not statmod.S_ISREG(info.st_mode):
        raise _Skip("not a regular file")
    if info.st_size > MAX_FILE_SIZE:
        raise _Skip(f"too large ({info.st_size / 1024 / 1024:.0f} MB; the limit is 50 MB)")
    if info.st_size == 0:
        raise _Skip("empty file")


def _check_bytes(data: bytes, *, whole: bool) -> None:
    """Empty or binary: `data` is the file, or (not `whole`) its start."""
    if whole and not data.strip():
        raise _Skip("empty file" if not data else "empty file (only blank space)")
    if _is_binary(data):
        raise _Skip("binary file, not text")


def _read_bytes(file: Path, limit: int = MAX_FILE_SIZE + 1) -> bytes:
    try:
        with open(file, "rb") as handle:
            return handle.read(limit)
    except PermissionError:
        raise _Skip("permission denied") from None
    except OSError as exc:
        raise _Skip(f"cannot be read ({_reason(exc)})") from None


def _is_binary(data: bytes) -> bool:
    if data.startswith(_MAGIC):
        return True
    if data.startswith(_WIDE_BOMS):
        return False  # UTF-16/32 text is full of NUL bytes
    return b"\x00" in data


def _kind(ext: str, data: bytes, named: bool) -> str:
    if ext in MARKDOWN_EXTENSIONS:
        return "markdown"
    if ext in HTML_EXTENSIONS:
        return "html"
    if ext in FEED_EXTENSIONS or looks_like_feed(data):
        return "feed"
    if ext in TEXT_EXTENSIONS:
        return "text"
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if named:
        return "text"
    raise _Skip(f"not a story file ({ext} files are not read; stories are .txt, .md, "
                ".html or feed files)")


def _parse(kind: str, data: bytes, file: Path, key: str, mtime: float) -> tuple[str, list[Entry]]:
    path = str(file)
    if kind == "feed":
        try:
            feed = _parse_feed_file(data)
        except NotAFeed as exc:
            raise _Skip(str(exc)) from None
        for entry in feed.entries:
            entry.path = path
            if entry.published is None:
                entry.published = mtime
        return feed.title or file.stem, feed.entries
    if kind == "html":
        from reader.sources.htmlpage import parse_html_page

        entry = parse_html_page(data, key=key, path=path, mtime=mtime)
        if not entry.body_html.strip():
            raise _Skip("no readable text in the page")
        return entry.title, [entry]
    text = decode_bytes(data)
    if _undecodable(text):
        raise _Skip("binary or undecodable file, not text")
    if kind == "markdown":
        from reader.sources.mdfile import parse_markdown

        entry = parse_markdown(text, key=key, path=path, mtime=mtime)
        if not entry.body_html.strip() and not entry.title:
            raise _Skip("no readable text")
        return entry.title, [entry]
    from reader.sources.textfile import parse_text_story

    entry = parse_text_story(text, key=key, path=path, mtime=mtime)
    if not entry.title:
        raise _Skip("no readable text")
    return entry.title, [entry]


def _parse_feed_file(data: bytes) -> ParseResult:
    """A feed file is as untrusted as a fetched feed: one that could keep the parser busy for
    long (an entity subset, a huge document, a very long name) is parsed in a worker process
    with a time and a memory limit, as the refresh does; the others here, at once."""
    if not needs_isolation(data):
        return parse_feed(data)
    from reader.sources.parse_worker import ParseFailed, parse_isolated

    try:
        return parse_isolated(data)
    except ParseFailed as exc:
        raise _Skip(str(exc)) from None


_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


def _undecodable(text: str) -> bool:
    """True when over 10% of the first 8K characters are controls or replacement marks."""
    sample = text[:8192]
    if not sample:
        return False
    return len(_CONTROL.findall(sample)) * 10 > len(sample)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return clean_line(str(exc)) or type(exc).__name__
