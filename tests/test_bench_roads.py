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
    planet = tmp_path / "planet.xml"
    planet.write_text('<feed xmlns="http://www.w3.org/2005/Atom"><title>P</title><entry>'
                      "<title>e</title><source><title>S</title></source></entry></feed>",
                      encoding="utf-8")
    files = [*sorted(GENERATORS.iterdir()), FEEDS / "jsonfeed11.json", planet]
    assert roads.main(["--runs", "1", *map(str, files)]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line}
    for path in GENERATORS.iterdir():
        assert lines[path.name[:40]].split()[1] == "direct"
    assert lines["jsonfeed11.json"].split()[1] == "json"
    assert lines["planet.xml"].split()[1] == "feedparser"
    assert "'title'" in lines["planet.xml"]  # the element inside <source> it has no rule for
    assert "DIFFER" not in "".join(lines.values())
    assert lines["files"].startswith("files by road: direct 8")
