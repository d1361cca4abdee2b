"""read_local on real files and folders: every format, bad files, stamps, and odd paths."""

from __future__ import annotations

import calendar
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from reader.models import Entry
from reader.sources.local import MAX_FILE_SIZE, LocalSourceError, read_local

FIXTURES = Path(__file__).parent / "fixtures"
LOCAL = FIXTURES / "local"
FEEDS = FIXTURES / "feeds"
SAMPLE_HEADLINE = (
    "A Taliban spokesperson says a recent visit by Afghanistan's Acting Foreign Minister "
    "Amir Khan Muttaqi to Iran was an important trip with major achievements."
)


@pytest.fixture
def news(tmp_path: Path) -> Path:
    """A folder of stories with a subfolder, hidden files and a feed file."""
    root = tmp_path / "My News"
    (root / "world").mkdir(parents=True)
    (root / ".cache").mkdir()
    shutil.copy(LOCAL / "000_1cdceafaa06d3d12.txt", root / "world" / "sample.txt")
    shutil.copy(LOCAL / "cp1252_story.txt", root / "storm.txt")
    shutil.copy(LOCAL / "headline_story.txt", root / "world" / "bronzes.txt")
    shutil.copy(LOCAL / "notes.md", root / "notes.md")
    shutil.copy(LOCAL / "news_page.html", root / "bridge.html")
    shutil.copy(FEEDS / "atom.xml", root / "oss.atom")
    (root / ".hidden.txt").write_text("Secret headline\n")
    (root / ".cache" / "cached.txt").write_text("Cached headline\n")
    (root / "draft.txt~").write_text("Editor backup\n")
    return root


def titles(entries: list[Entry]) -> list[str]:
    return [entry.title for entry in entries]


def test_single_text_file(tmp_path: Path) -> None:
    target = tmp_path / "story.txt"
    shutil.copy(LOCAL / "000_1cdceafaa06d3d12.txt", target)
    scan = read_local(target)
    (entry,) = scan.result.entries
    assert scan.result.title == entry.title == SAMPLE_HEADLINE
    assert entry.key == "file:" + str(target.resolve())
    assert entry.path == str(target.resolve())
    assert entry.published == target.stat().st_mtime
    assert len(entry.teasers) == 6
    assert scan.stamps == {str(target.resolve()): (target.stat().st_mtime, target.stat().st_size)}
    assert scan.unchanged == set() and scan.gone == set()


def test_relative_path_and_symlink_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real.txt"
    real.write_text("Headline here\nBody.\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    monkeypatch.chdir(tmp_path)
    (entry,) = read_local("link.txt").result.entries
    assert entry.key == "file:" + str(real.resolve())


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("cp1252_story.txt",
         "Storm Bert leaves thousands without power as rivers burst their banks"),
        ("latin1_story.txt", "Gen\u00e8ve accueille le sommet sur le climat"),
        ("utf8_bom_crlf.txt", "Tech giant fined \u20ac1.2bn over data transfers"),
        ("notes.md", "Reading list for the autumn"),
        ("news_page.html", "Bridge repairs to close river crossing for six weeks"),
    ],
)
def test_single_files_of_each_kind(name: str, title: str) -> None:
    scan = read_local(LOCAL / name)
    assert scan.result.title == title
    assert [entry.title for entry in scan.result.entries] == [title]


def test_cp1256_file_is_arabic() -> None:
    (entry,) = read_local(LOCAL / "cp1256_story.txt").result.entries
    assert entry.title.startswith("\u0648\u0632\u064a\u0631 \u0627\u0644\u062e\u0627\u0631\u062c")
    assert entry.teasers[0].endswith("\u2026")
    assert not any("\u00c0" <= ch <= "\u00ff" for ch in entry.title)  # no Latin mojibake


def test_markdown_file() -> None:
    (entry,) = read_local(LOCAL / "notes.md").result.entries
    assert entry.author == "Kim Park"
    assert "<h1>" not in entry.body_html  # the headline is not repeated
    assert "<h2>Science</h2>" in entry.body_html
    assert '<a href="https://example.org/octopus-dreams">' in entry.body_html
    # Raw HTML in Markdown is text, and markup-like brackets stay literal.
    assert "&lt;script&gt;" in entry.body_html and "<script" not in entry.body_html
    assert "[@click=app.quit]markup[/]" in entry.body_html
    assert "<table>" in entry.body_html and "<pre><code" in entry.body_html
    assert entry.lead == "A few long reads worth your time, collected over the summer."
    assert entry.published == calendar.timegm((2024, 10, 5, 0, 0, 0, 0, 0, 0))  # front matter
    assert "Ignored because the heading wins" not in entry.body_html


def test_markdown_without_a_heading_is_named_after_the_file(tmp_path: Path) -> None:
    target = tmp_path / "meeting-notes.md"
    target.write_text("Some *notes* from the meeting.\n\n- one\n- two\n")
    (entry,) = read_local(target).result.entries
    assert entry.title == "meeting-notes"
    assert entry.published == target.stat().st_mtime
    assert entry.body_html.startswith("<p>Some <em>notes</em> from the meeting.</p>")


def test_html_file() -> None:
    (entry,) = read_local(LOCAL / "news_page.html").result.entries
    assert entry.link == "https://herald.example.com/local/2024/11/bridge-repairs"
    assert entry.author == "Hannah Cole"
    assert "Old Mill Bridge" in entry.lead
    assert "We use cookies" not in entry.body_html


def test_feed_file_entries_are_stories(tmp_path: Path) -> None:
    target = tmp_path / "feed.rss"
    shutil.copy(FEEDS / "rss20.xml", target)
    scan = read_local(target)
    assert scan.result.title == "Harbour Town Gazette & Courier"
    assert len(scan.result.entries) == 3
    assert all(entry.path == str(target.resolve()) for entry in scan.result.entries)
    undated = scan.result.entries[2]
    assert undated.published == target.stat().st_mtime  # no date in the feed: the file's


def test_a_named_text_file_is_read_whatever_its_extension(tmp_path: Path) -> None:
    target = tmp_path / "wire.log"
    target.write_text("Wire headline\nWire body.\n")
    assert read_local(target).result.title == "Wire headline"
    # ...but in a folder, unknown kinds of files are left alone (and said so).
    assert read_local(tmp_path).result.problems[0].startswith("skipped wire.log: not a story")


def test_feed_content_without_a_feed_extension(tmp_path: Path) -> None:
    target = tmp_path / "download"
    shutil.copy(FEEDS / "rss10.rdf", target)
    assert read_local(target).result.title == "Science Desk"


def test_folder(news: Path) -> None:
    (news / "Archive").mkdir()
    (news / "Archive" / "old.txt").write_text("An old story\nFrom the archive.\n")
    scan = read_local(news)
    result = scan.result
    assert result.title == "My News"
    assert result.problems == []
    paths = [entry.path for entry in result.entries]
    # Depth first in name order: Archive/old.txt, bridge.html, ..., world/bronzes.txt, ...
    assert paths == sorted(paths, key=lambda p: os.path.relpath(p, news).split(os.sep))
    assert paths[0] == str(news / "Archive" / "old.txt")
    assert paths[-1] == str(news / "world" / "sample.txt")
    got = titles(result.entries)
    assert SAMPLE_HEADLINE in got
    assert "Museum returns looted bronzes to Nigeria" in got
    assert "Reading list for the autumn" in got
    assert "Bridge repairs to close river crossing for six weeks" in got
    assert "Release notes: libfoo 2.0 & beyond" in got  # from the Atom file
    for hidden in ("Secret headline", "Cached headline", "Editor backup"):
        assert hidden not in got
    assert len(result.entries) == 6 + 3
    assert set(scan.stamps) == {str(p) for p in news.rglob("*") if p.is_file()
                                and not p.name.startswith(".") and ".cache" not in p.parts
                                and not p.name.endswith("~")}


def test_bad_files_are_reported_and_the_rest_still_read(news: Path) -> None:
    (news / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (news / "data.bin").write_bytes(b"abc\x00def")
    (news / "empty.txt").write_bytes(b"")
    (news / "blank.txt").write_bytes(b"\n \n\t\n")
    (news / "feeds.opml").write_text("<opml version='2.0'><body/></opml>")
    (news / "broken.xml").write_bytes((FEEDS / "broken.xml").read_bytes())
    (news / "table.csv").write_text("a,b\n1,2\n")
    (news / "world" / "dangling.txt").symlink_to(news / "nowhere.txt")
    os.mkfifo(news / "pipe.txt")
    scan = read_local(news)
    problems = scan.result.problems
    expected = {
        "photo.png": "binary file",
        "data.bin": "binary file",
        "empty.txt": "empty file",
        "blank.txt": "empty file",
        "feeds.opml": "newsreader import",
        "broken.xml": "not a feed: XML error at line 3",
        "table.csv": "not a story file",
        "pipe.txt": "not a regular file",
        os.path.join("world", "dangling.txt"): "no such file",
    }
    for name, reason in expected.items():
        matching = [p for p in problems if p.startswith(f"skipped {name}: ")]
        assert len(matching) == 1, (name, problems)
        assert reason in matching[0], matching[0]
    assert len(problems) == len(expected)
    assert len(scan.result.entries) == 8  # the good files are all still there
    assert str(news / "photo.png") not in scan.stamps


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(news: Path) -> None:
    locked = news / "locked.txt"
    locked.write_text("Locked\n")
    locked.chmod(0)
    try:
        scan = read_local(news)
        assert "skipped locked.txt: permission denied" in scan.result.problems
        with pytest.raises(LocalSourceError, match="locked.txt: permission denied"):
            read_local(locked)
    finally:
        locked.chmod(0o644)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_unreadable_file_as_another_user() -> None:
    # Root reads any file whatever its mode, so the reading happens in a forked child that
    # has become "nobody" (everything it needs is imported before the fork).
    import reader.sources.textfile  # noqa: F401 - imported lazily by read_local

    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        os.chmod(folder, 0o755)
        (Path(folder) / "ok.txt").write_text("Readable headline\n")
        locked = Path(folder) / "locked.txt"
        locked.write_text("Locked\n")
        locked.chmod(0)
        reader_end, writer_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: drop root, read, report, and leave without cleanup
            code = 1
            try:
                os.close(reader_end)
                os.setgid(65534)
                os.setuid(65534)
                scan = read_local(folder)
                try:
                    read_local(locked)
                    error = ""
                except LocalSourceError as exc:
                    error = str(exc)
                report = [scan.result.problems, titles(scan.result.entries), error]
                os.write(writer_end, json.dumps(report).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(writer_end)
        with os.fdopen(reader_end, "rb") as pipe:
            output = pipe.read()
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    problems, got_titles, error = json.loads(output)
    assert problems == ["skipped locked.txt: permission denied"]
    assert got_titles == ["Readable headline"]
    assert error == f"{locked}: permission denied"


def test_known_stamps_skip_unchanged_files(news: Path) -> None:
    first = read_local(news)
    second = read_local(news, known=first.stamps)
    assert second.result.entries == []
    assert second.unchanged == set(first.stamps)
    assert second.stamps == {} and second.gone == set()
    # A file whose stamp still matches is not even opened: garbage of the same size, with
    # the old mtime put back, is neither read nor reported.
    storm = news / "storm.txt"
    stat = storm.stat()
    storm.write_bytes(b"\x00" * stat.st_size)
    os.utime(storm, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    third = read_local(news, known=first.stamps)
    assert third.result.problems == [] and third.result.entries == []
    # A changed file is read again, and only it.
    bronzes = news / "world" / "bronzes.txt"
    bronzes.write_text("# Updated headline\nNew body.\n")
    os.utime(bronzes, (stat.st_atime + 10, stat.st_mtime + 10))
    fourth = read_local(news, known=first.stamps)
    assert titles(fourth.result.entries) == ["Updated headline"]
    assert set(fourth.stamps) == {str(bronzes)}
    assert str(bronzes) not in fourth.unchanged


def test_deleted_files_are_gone(news: Path) -> None:
    first = read_local(news)
    (news / "storm.txt").unlink()
    shutil.rmtree(news / "world")
    second = read_local(news, known=first.stamps)
    assert second.gone == {
        str(news / "storm.txt"),
        str(news / "world" / "sample.txt"),
        str(news / "world" / "bronzes.txt"),
    }
    assert second.result.entries == []


def test_symlinked_folder_loop_terminates(news: Path) -> None:
    (news / "world" / "again").symlink_to(news, target_is_directory=True)
    scan = read_local(news)
    assert len(scan.result.entries) == 8


def test_too_large_file_is_not_read(tmp_path: Path) -> None:
    big = tmp_path / "huge.txt"
    with open(big, "wb") as handle:
        handle.truncate(MAX_FILE_SIZE + 1)  # sparse: costs no disk and is never read
    scan = read_local(tmp_path)
    assert scan.result.problems == ["skipped huge.txt: too large (50 MB; the limit is 50 MB)"]
    with pytest.raises(LocalSourceError, match="too large"):
        read_local(big)


def test_twenty_megabyte_text_file(tmp_path: Path) -> None:
    line = "A paragraph of a very long story, with \u201cquotes\u201d and \u2026 ellipses. " * 40
    big = tmp_path / "long.txt"
    big.write_text("Long headline\n" + (line + "\n") * 7500, encoding="utf-8")
    assert big.stat().st_size > 20_000_000
    (entry,) = read_local(big).result.entries
    assert entry.title == "Long headline"
    assert entry.body_html.count("<p>") == 7500


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"\x7fELF\x02\x01\x01" + bytes(100), "binary file"),
        (b"<html><body></body></html>", "no readable text"),
    ],
)
def test_single_unreadable_file_raises(tmp_path: Path, content: bytes, reason: str) -> None:
    target = tmp_path / ("page.html" if content.startswith(b"<html") else "story.txt")
    target.write_bytes(content)
    with pytest.raises(LocalSourceError) as caught:
        read_local(target)
    assert str(caught.value).startswith(str(target))
    assert reason in str(caught.value)


def test_opml_file_is_an_import_not_a_story(tmp_path: Path) -> None:
    target = tmp_path / "subs.opml"
    target.write_text("<opml version='2.0'><body/></opml>")
    with pytest.raises(LocalSourceError, match="subscription list.*newsreader import"):
        read_local(target)


def test_nonexistent_path(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such.txt"
    with pytest.raises(LocalSourceError) as caught:
        read_local(missing)
    assert str(caught.value) == f"{missing}: no such file or folder"


def test_unchanged_single_file(tmp_path: Path) -> None:
    target = tmp_path / "story.txt"
    target.write_text("Headline\nBody.\n")
    first = read_local(target)
    second = read_local(target, known=first.stamps)
    assert second.result.entries == [] and second.unchanged == {str(target.resolve())}


def test_no_escape_characters_reach_entries(tmp_path: Path) -> None:
    shutil.copy(LOCAL / "hostile_story.txt", tmp_path / "hostile.txt")
    (entry,) = read_local(tmp_path / "hostile.txt").result.entries
    for field in (entry.title, entry.body_html, entry.lead, *entry.teasers):
        assert "\x1b" not in field and "\x07" not in field and "\u202e" not in field
    assert "[@click=app.quit]x[/]" in entry.title
