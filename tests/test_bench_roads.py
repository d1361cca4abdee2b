"""bench/roads.py, the tool that tells which road saved feed files take: it runs on real
files and names the road and the reason the direct road stepped aside."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import roads
from tests.helpers.feed_cases import FEEDS

GENERATORS = Path(__file__).parent / "fixtures" / "generator_feeds"


def test_roads_names_each_files_road(capsys: pytest.CaptureFixture[str],
                                     tmp_path: Path) -> None:
    search = tmp_path / "search.xml"  # a Yandex news feed: RSS in UserLand's namespace
    search.write_text('<rss version="2.0" xmlns="http://backend.userland.com/rss2"><channel>'
                      "<title>P</title><item><title>e</title></item></channel></rss>",
                      encoding="utf-8")
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>not a feed</p></body></html>", encoding="utf-8")
    files = [*sorted(GENERATORS.iterdir()), FEEDS / "jsonfeed11.json", search, page,
             tmp_path / "missing.xml"]
    assert roads.main(["--runs", "1", *map(str, files)]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line}
    for path in GENERATORS.iterdir():
        assert lines[path.name[:40]].split()[1] == "direct"
    assert lines["jsonfeed11.json"].split()[1] == "json"
    assert lines["search.xml"].split()[1] == "feedparser"
    assert "namespace" in lines["search.xml"]  # the declaration it has no rule for
    assert lines["page.html"].split()[1] == "none" and "not a feed" in lines["page.html"]
    assert "cannot be read" in lines["missing.xml"]
    assert "DIFFER" not in "".join(lines.values())
    assert lines["files"].startswith("files by road: direct 8")
