"""The configuration file: defaults, every setting, bad values named by file, line and type,
the first-run template, and `newsreader config`."""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path

import pytest

from reader.cli import main
from reader.config import Config, default_path, load_config, parse_config
from reader.config_lines import key_lines
from reader.config_settings import SETTINGS, resolve_timezone
from reader.config_text import describe, ensure_config_file, template

EVERY_SETTING = """\
refresh_interval = 15
theme = "nord"
browser = "firefox --new-tab %s"
date_format = "%Y-%m-%d %H:%M"
timezone = "UTC"

[full_article]
default = "open"
sources = { "https://example.org/feed.xml" = "refresh", "Slow News" = "off" }

[retention]
max_age_days = 30
max_per_source = 500

[layout]
sources_width = 24
headlines_width = "40%"
teasers_width = 20
measure = 72
show_sources = false
show_teasers = false
narrow_below = 90
wide_from = 150

[sync]
backend = "ttrss"
url = "https://rss.example.org/"
user = "me"
password_command = "pass show ttrss"
local = ["https://intranet.example.org/feed.xml"]

[keys]
next_unread = "N"
toggle_star = ["x", "ctrl+s"]
"""


def test_no_file_means_every_default(tmp_path: Path) -> None:
    config, problems = load_config(tmp_path / "absent.toml")
    assert problems == []
    assert config == Config(path=str(tmp_path / "absent.toml"))
    assert config.refresh_interval == 30 and config.layout__measure == 80
    assert config.full_article__default == "off" and config.keys == {}
    assert config.tz is None  # the system's local time


def test_every_setting_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(EVERY_SETTING, encoding="utf-8")
    config, problems = load_config(path)
    assert problems == []
    assert config.refresh_interval == 15
    assert config.theme == "nord"
    assert config.browser == "firefox --new-tab %s"
    assert config.date_format == "%Y-%m-%d %H:%M"
    assert config.tz is UTC
    assert config.full_article__default == "open"
    assert config.full_article_for("https://example.org/feed.xml", "Whatever") == "refresh"
    assert config.full_article_for("/elsewhere", "slow news") == "off"  # by title, any case
    assert config.full_article_for("/elsewhere", "Other") == ""
    assert (config.retention__max_age_days, config.retention__max_per_source) == (30, 500)
    assert (config.layout__sources_width, config.layout__headlines_width,
            config.layout__teasers_width, config.layout__measure) == (24, "40%", 20, 72)
    assert config.layout__show_sources == "no" and config.layout__show_teasers is False
    assert (config.layout__narrow_below, config.layout__wide_from) == (90, 150)
    assert config.keys == {"next_unread": ("N",), "toggle_star": ("x", "ctrl+s")}
    assert (config.sync__backend, config.sync__url, config.sync__user,
            config.sync__password_command) == ("ttrss", "https://rss.example.org/", "me",
                                               "pass show ttrss")
    assert config.sync__local == ("https://intranet.example.org/feed.xml",)
    # every documented setting was exercised by this file
    assert {s.name for s in SETTINGS} <= set(config.lines)


@pytest.mark.parametrize(("line", "name", "expected"), [
    ('refresh_interval = "soon"', "refresh_interval", "a whole number of minutes"),
    ("refresh_interval = -5", "refresh_interval", "a whole number of minutes"),
    ("refresh_interval = true", "refresh_interval", "a whole number of minutes"),
    ("theme = 3", "theme", "a theme name in quotes"),
    ('browser = "firefox \'unclosed"', "browser", "a command in quotes"),
    ('date_format = "no percent"', "date_format", "a strftime format"),
    ('timezone = "Mars/Olympus_Mons"', "timezone", "a time zone name"),
    ('full_article.default = "always"', "full_article.default", '"off", "refresh" or "open"'),
    ("retention.max_age_days = 1.5", "retention.max_age_days", "a whole number of days"),
    ('retention.max_per_source = "all"', "retention.max_per_source",
     "a whole number of stories"),
    ("layout.sources_width = 3", "layout.sources_width", "16 to 120"),
    ('layout.headlines_width = "wide"', "layout.headlines_width", '"N%" or "Nfr"'),
    ("layout.measure = 10", "layout.measure", "30 to 400"),
    ('layout.show_sources = "sometimes"', "layout.show_sources", 'true, false or "auto"'),
    ('layout.show_teasers = "yes"', "layout.show_teasers", "true or false"),
    ('sync.local = "https://a.example.org/feed"', "sync.local", "a list of feed URLs"),
    ('sync.local = ["~/notes"]', "sync.local", "a list of feed URLs"),
])
def test_a_bad_value_names_file_line_and_type_and_keeps_the_default(
        tmp_path: Path, line: str, name: str, expected: str) -> None:
    text = f"# a comment\n\n{line}\nlayout.teasers_width = 25\n"
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    config, problems = load_config(path)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.line == 3
    assert str(problem).startswith(f"{path}:3: {name}: expected ")
    assert expected in str(problem) and ", got " in str(problem)
    assert "using the default" in str(problem)
    assert config.get(name) == Config().get(name)  # that one setting keeps its default
    assert config.layout__teasers_width == 25  # and the rest of the file still counts


def test_problems_in_tables_point_at_their_own_lines() -> None:
    text = ("[layout]\nmeasure = 72\nsources_width = \"wide\"\n\n[full_article.sources]\n"
            "\"https://a.example/feed\" = \"open\"\n\"Bad\" = \"sometimes\"\n"
            "[keys]\nnext_unread = 5\n")
    config, problems = parse_config(text, "cfg.toml")
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (3, "layout.sources_width"), (7, "full_article.sources.Bad"), (9, "keys.next_unread")]
    assert config.layout__measure == 72
    assert config.full_article__sources == {"https://a.example/feed": "open"}
    assert config.keys == {}


def test_unknown_settings_and_bad_sections_are_reported_not_fatal() -> None:
    config, problems = parse_config('colour = "red"\nlayout = 3\n[layout2]\nx = 1\n', "c.toml")
    messages = [str(p) for p in problems]
    assert messages[0].startswith("c.toml:1: unknown setting 'colour'")
    assert messages[1].startswith("c.toml:2: layout: expected a [layout] table")
    assert messages[2].startswith("c.toml:3: unknown setting 'layout2'")
    assert config == Config(path="c.toml", lines=config.lines)


def test_invalid_toml_says_where_and_uses_every_default() -> None:
    config, problems = parse_config('theme = "nord"\nmeasure = = 3\n', "broken.toml")
    assert len(problems) == 1 and problems[0].line == 2
    assert "not valid TOML" in str(problems[0]) and "using every default" in str(problems[0])
    assert config.theme == ""


def test_wide_from_below_narrow_below_is_corrected() -> None:
    config, problems = parse_config("[layout]\nnarrow_below = 120\nwide_from = 100\n", "c")
    assert config.layout__wide_from == 120
    assert problems[0].line == 3 and "at least layout.narrow_below" in problems[0].message


def test_key_lines_handles_quotes_dots_inline_tables_and_multiline_strings() -> None:
    text = ('a = 1\n"quoted.key" = 2\nb.c = 3\n[t]\nx = { "k" = 1, y = 2 }\n'
            'm = """\nfake = 1\n"""\nlast = 4\n')
    lines = key_lines(text)
    assert lines["a"] == 1 and lines["quoted.key"] == 2 and lines["b.c"] == 3
    assert lines["t"] == 4 and lines["t.x"] == 5 and lines["t.x.k"] == 5 and lines["t.x.y"] == 5
    assert lines["t.m"] == 6 and "t.fake" not in lines and lines["t.last"] == 9


def test_timezones() -> None:
    assert resolve_timezone("") is None and resolve_timezone("local") is None
    assert resolve_timezone("utc") is UTC
    paris = resolve_timezone("Europe/Paris")
    assert paris is not None and str(paris) == "Europe/Paris"
    with pytest.raises(KeyError):
        resolve_timezone("Nowhere/Atlantis")


def test_the_template_is_every_setting_commented_out(tmp_path: Path) -> None:
    keys = [("next_unread", ("n",), "Next unread"), ("next_story", ("j", "down"), "Next")]
    text = template(keys)
    config, problems = parse_config(text, "t.toml")
    assert problems == [] and config == Config(path="t.toml", lines={})  # all commented out
    for setting in SETTINGS:
        assert f"# {setting.name.rpartition('.')[2]} = {setting.example}" in text
    # Uncommenting every line gives a valid file with the shown values.
    setting_line = re.compile(r"^# ([a-z_]+ = |\[[a-z_.]+\]$)")
    uncommented = "\n".join(line[2:] if setting_line.match(line) else line
                            for line in text.splitlines())
    config, problems = parse_config(uncommented, "t.toml")
    assert problems == []
    assert config.keys == {"next_unread": ("n",), "next_story": ("j", "down")}
    assert config.browser == "firefox --new-tab %s" and config.timezone == "Europe/Paris"
    # written once, never over the user's file
    path = tmp_path / "sub" / "config.toml"
    assert ensure_config_file(path, keys) is True
    path.write_text("theme = 'nord'\n", encoding="utf-8")
    assert ensure_config_file(path, keys) is False
    assert path.read_text(encoding="utf-8") == "theme = 'nord'\n"


def test_describe_marks_where_each_value_came_from() -> None:
    config, _ = parse_config("refresh_interval = 5\n[keys]\nnext_unread = 'N'\n", "c.toml")
    text = describe(config, [("next_unread", ("n",), "Next unread"),
                             ("toggle_star", ("s",), "Star")])
    assert "refresh_interval = 5  # line 1" in text
    assert "measure = 80  # default" in text
    assert 'next_unread = "N"  # Next unread; line 3' in text
    assert 'toggle_star = "s"  # Star; default' in text


def test_default_path_follows_the_environment(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSREADER_CONFIG_DIR", str(tmp_path / "cfg"))
    assert default_path() == tmp_path / "cfg" / "config.toml"
    assert default_path(tmp_path / "other.toml") == tmp_path / "other.toml"


def test_config_command_creates_the_file_and_prints_the_values(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEWSREADER_CONFIG_DIR", str(tmp_path / "cfg"))
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    path = tmp_path / "cfg" / "config.toml"
    assert path.exists() and f"configuration file: {path}" in out and "created" in out
    assert "# next_unread = \"n\"" in path.read_text(encoding="utf-8")  # the keys are listed
    assert "refresh_interval = 30  # default" in out and 'zen = "z"' in out


def test_config_command_with_a_bad_file_reports_and_fails(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("[layout]\nmeasure = 'wide'\n[keys]\nzen = 'Z'\n", encoding="utf-8")
    assert main(["--config", str(path), "config"]) == 1
    captured = capsys.readouterr()
    assert f"{path}:2: layout.measure: expected a whole number of columns" in captured.err
    assert "measure = 80  # line 2 rejected (expected a whole number of columns, 30 to 400, " \
           "got \"wide\"); this is used instead" in captured.out  # the default is in force
    assert 'zen = "Z"' in captured.out


# -- what is in force, and why a value is not ------------------------------------------------

def test_describe_never_shows_a_rejected_value_as_taken() -> None:
    config, _ = parse_config("refresh_interval = -5\ntimezone = 'Mars/Olympus'\n"
                             "[layout]\nnarrow_below = 120\nwide_from = 110\n"
                             "[full_article]\nsources = { 'A' = 'open', 'B' = 'maybe' }\n",
                             "c.toml")
    text = describe(config)
    assert ("refresh_interval = 30  # line 1 rejected (expected a whole number of minutes "
            "from 0 (never) to 10080, got -5); this is used instead") in text
    assert 'timezone = ""  # line 2 rejected (expected a time zone name' in text
    assert "narrow_below = 120  # line 4\n" in text
    assert "wide_from = 120  # line 5 rejected (expected a number of columns at least " \
           "layout.narrow_below (120), got 110); this is used instead" in text
    assert 'sources = { "A" = "open" }  # line 7\n' in text
    assert ('# line 7: full_article.sources.B: expected "off", "refresh" or "open", got '
            '"maybe"') in text


def test_config_command_shows_the_theme_and_keys_the_app_would_use(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('theme = "nope"\n[keys]\nrefresh_all = "j"\nnext_unread = "N"\n'
                    'no_such_action = "x"\ntoggle_star = ["s", "ctrl+"]\n', encoding="utf-8")
    assert main(["--config", str(path), "config"]) == 1
    out, err = capsys.readouterr()
    assert ('theme = "reading"  # line 1 rejected (there is no theme \'nope\'); '
            "this is used instead") in out
    assert ('refresh_all = "R"  # Refresh all; line 3 rejected (\'j\' is already the key of '
            "'next_story'); this is used instead") in out
    assert 'next_unread = "N"  # Next unread; line 4\n' in out
    assert ('toggle_star = "s"  # Star; line 6, in part (\'ctrl+\' is not a key name: '
            "ignored)") in out
    assert "# line 5: keys.no_such_action: there is no action named 'no_such_action'" in out
    assert 'no_such_action = "x"' not in out
    assert f"{path}:1: theme: there is no theme 'nope' (known: " in err
    assert f"{path}:3: keys.refresh_all: 'j' is already the key of 'next_story'" in err
    assert f"{path}:5: keys.no_such_action: there is no action named" in err


def test_config_command_and_app_report_the_same_problems(tmp_path: Path) -> None:
    from reader.store import Store
    from reader.ui.app import NewsApp
    from reader.ui.config_check import in_force

    config, problems = parse_config('theme = "nope"\nmeasure = 3\n[keys]\nrefresh_all = "j"\n',
                                    str(tmp_path / "c.toml"))
    _, checked = in_force(config)
    store = Store(tmp_path / "cache.sqlite3")
    try:
        app = NewsApp(store, config=config, config_problems=problems)
        assert app.start_problems == [*map(str, problems), *checked]
        assert len(checked) == 2 and app.theme == "reading"
    finally:
        store.close()


def test_config_command_loads_no_textual_without_keys(tmp_path: Path) -> None:
    """`newsreader config` on a file with no [keys] table lists every action and checks the
    theme from reader/ui/catalogue.py: Textual (~0.2 s of imports) is never loaded."""
    import json
    import subprocess
    import sys

    path = tmp_path / "config.toml"
    path.write_text('theme = "nord"\nrefresh_interval = 15\n', encoding="utf-8")
    code = ("import json, sys\nfrom reader.cli import main\n"
            f"status = main(['--config', {str(path)!r}, 'config'])\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
            "print(json.dumps([status, loaded]), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    status, loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert status == 0, done.stderr
    assert 'theme = "nord"  # line 1' in done.stdout
    assert 'next_story = ["j", "down"]  # Next story; default' in done.stdout
    assert loaded == [], f"Textual was loaded: {loaded[:5]}"


def test_the_catalogue_matches_the_app() -> None:
    """reader/ui/catalogue.py is what the real bindings and themes say (else run
    `.venv/bin/python scripts/catalogue.py`)."""
    from reader.ui.app import key_classes
    from reader.ui.catalogue import ACTIONS, THEMES
    from reader.ui.config_check import catalogue_module, theme_names
    from reader.ui.keys import catalogue

    assert list(ACTIONS) == catalogue(key_classes())
    assert set(THEMES) == theme_names() and "reading" in THEMES
    written = (Path(__file__).resolve().parent.parent / "reader" / "ui" / "catalogue.py")
    assert written.read_text(encoding="utf-8") == catalogue_module(), \
        "reader/ui/catalogue.py is out of date: run .venv/bin/python scripts/catalogue.py"
