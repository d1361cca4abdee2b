"""The headless command line: show, add, list, remove, refresh of local sources, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reader.cli import main

SAMPLE = Path(__file__).parent / "fixtures" / "samples" / "000_1cdceafaa06d3d12.txt"
HEADLINE = ("A Taliban spokesperson says a recent visit by Afghanistan's Acting Foreign Minister "
            "Amir Khan Muttaqi to Iran was an important trip with major achievements.")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("NEWSREADER_DATA_DIR", str(path))
    return path


def test_show_prints_the_sample_as_formats_md_says(data_dir: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    article, _, teasers = out.partition("\nTeasers:\n")
    assert article.splitlines()[0] == HEADLINE
    assert article.count("A Taliban spokesperson says") == 1  # the lede is not shown twice
    body = article[article.index("Deputy spokesman"):]
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    assert len(paragraphs) == 10
    assert paragraphs[0].startswith("Deputy spokesman for Afghanistan’s Taliban-run government")
    assert paragraphs[-1].rstrip("\n").endswith("form an inclusive government.")
    lines = [t.strip() for t in teasers.splitlines() if t.strip()]
    assert len(lines) == 6
    assert lines[0].startswith("An Israeli attack targeting a building in central Beirut")
    assert lines[-1].startswith("Outgoing US President Joe Biden met Chinese President Xi")
    assert all(t.endswith("…") for t in lines)


def test_show_without_teasers(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-teasers", "show", str(SAMPLE)]) == 0
    assert "Teasers:" not in capsys.readouterr().out


def test_show_a_missing_path_fails_with_a_reason(data_dir: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(data_dir / "nope.txt")]) == 1
    err = capsys.readouterr().err
    assert "nope.txt" in err and "no such file" in err


def test_show_a_binary_file_names_it_and_fails(tmp_path: Path, data_dir: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    binary = tmp_path / "photo.txt"
    binary.write_bytes(bytes(range(256)) * 10)
    assert main(["show", str(binary)]) == 1
    assert "photo.txt" in capsys.readouterr().err


def test_show_a_folder_with_a_bad_file_prints_the_rest(tmp_path: Path, data_dir: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "good.txt").write_text("# Good story\nIt reads well.\n", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    assert main(["show", str(folder)]) == 1
    captured = capsys.readouterr()
    assert "It reads well." in captured.out
    assert "empty.txt" in captured.err


def test_add_list_remove(tmp_path: Path, data_dir: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add", str(SAMPLE)]) == 0
    assert "added" in capsys.readouterr().out
    assert main(["list"]) == 0
    listing = capsys.readouterr().out
    assert SAMPLE.name in listing and "1 unread of 1" in listing
    assert main(["remove", SAMPLE.name]) == 0
    assert main(["list"]) == 0
    assert "no sources yet" in capsys.readouterr().out


def test_add_an_unknown_scheme_is_refused(data_dir: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add", "ftp://example.org/feed"]) == 1
    assert "only http(s)" in capsys.readouterr().err


def test_show_a_cached_source_after_its_file_is_gone(tmp_path: Path, data_dir: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "story.txt"
    copy.write_bytes(SAMPLE.read_bytes())
    assert main(["add", str(copy)]) == 0
    copy.unlink()
    capsys.readouterr()
    assert main(["show", "story.txt"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == HEADLINE


def refresh_a_grown_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Add a folder "news" of one story, write a second story into it, refresh it: what
    `refresh` printed (the second story is the one new story)."""
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text("# First\nOne.\n", encoding="utf-8")
    assert main(["add", str(folder)]) == 0
    (folder / "b.txt").write_text("# Second\nTwo.\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["refresh", "news"]) == 0
    return capsys.readouterr().out


def test_refresh_rereads_a_changed_local_file(tmp_path: Path, data_dir: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert "1 new" in refresh_a_grown_folder(tmp_path, capsys)


def test_version_and_help() -> None:
    done = subprocess.run([sys.executable, "-m", "reader", "--version"], capture_output=True,
                          text=True, check=True)
    assert done.stdout.startswith("newsreader ")
    done = subprocess.run([sys.executable, "-m", "reader", "--help"], capture_output=True,
                          text=True, check=True)
    assert "newsreader show PATH" in done.stdout


def test_headless_commands_do_not_import_textual(tmp_path: Path) -> None:
    code = ("import sys; from reader.cli import main; "
            f"main(['show', {str(SAMPLE)!r}]); "
            "print('TEXTUAL' if 'textual' in sys.modules else 'CLEAN', file=sys.stderr)")
    env = dict(os.environ, NEWSREADER_DATA_DIR=str(tmp_path / "d"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=True)
    assert done.stderr.strip().endswith("CLEAN")


def test_show_into_a_pipe_closed_early_is_not_an_error(tmp_path: Path) -> None:
    """`newsreader show FOLDER | head -1`: the reader of the pipe goes away; no traceback."""
    folder = tmp_path / "stories"
    folder.mkdir()
    text = SAMPLE.read_text(encoding="utf-8")
    for n in range(200):  # far more than a pipe buffer holds
        (folder / f"{n:03}.txt").write_text(text, encoding="utf-8")
    env = dict(os.environ, NEWSREADER_DATA_DIR=str(tmp_path / "d"))
    with subprocess.Popen([sys.executable, "-m", "reader", "show", str(folder)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as shown:
        assert shown.stdout is not None and shown.stderr is not None
        assert shown.stdout.readline()
        shown.stdout.close()  # what `head -1` does after its line
        errors = shown.stderr.read().decode()
        status = shown.wait(timeout=120)
    assert "Traceback" not in errors and "BrokenPipe" not in errors
    assert status == 0


# -- counts in words, and `import` ---------------------------------------------------------------

OPML = Path(__file__).parent / "fixtures" / "opml"


def test_one_story_is_a_story(tmp_path: Path, data_dir: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add", str(SAMPLE)]) == 0
    assert capsys.readouterr().out.rstrip().endswith(": 1 new story")
    refreshed = refresh_a_grown_folder(tmp_path, capsys)
    assert refreshed.splitlines()[-1] == "1 source, 1 new story, 0 failed"
    assert main(["remove", SAMPLE.name]) == 0
    assert capsys.readouterr().out.rstrip().endswith("(1 story)")


def test_import_a_messy_export_reads_it_and_says_how(data_dir: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = OPML / "netnewswire.opml"  # a raw "<" and "&" in a description
    assert main(["import", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == "imported 5 feeds in 2 folders\n"
    assert f"{path}: it is not well-formed XML (not well-formed (invalid token) at line 10)" \
        in err
    assert main(["import", str(path)]) == 0  # again: nothing new, and no failure
    assert capsys.readouterr().out == "imported 0 feeds; 5 already subscribed\n"


def test_import_counts_in_words(tmp_path: Path, data_dir: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.opml"
    path.write_text('<opml version="2.0"><body><outline text="F"><outline text="x" '
                    'xmlUrl="https://e.org/x"/><outline text="y" xmlUrl="exec:id"/>'
                    '</outline></body></opml>', encoding="utf-8")
    assert main(["import", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == "imported 1 feed in 1 folder; 1 skipped\n"
    assert "skipped y: 'exec:id' is not an http(s) URL" in err


@pytest.mark.parametrize(("content", "reason"), [
    (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>',
     "not an OPML file: it is a feed (RSS), not a subscription list"),
    (b'<opml version="2.0"><body><outline text="a folder, no feed"/></body></opml>',
     "not a single feed in it"),
    (b'<opml version="2.0"><body><outline text="x" xmlUrl="file:///etc/passwd"/></body></opml>',
     "none of its feeds could be imported"),
])
def test_import_of_nothing_fails_naming_the_file(content: bytes, reason: str, tmp_path: Path,
                                                 data_dir: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "list.opml"
    path.write_bytes(content)
    assert main(["import", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"newsreader: nothing imported from {path}: {reason}" in err
