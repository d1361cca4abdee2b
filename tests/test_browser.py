"""Opening links: the configured command, then $BROWSER, then the system's; never a shell,
never a scheme other than http(s) (and mailto where allowed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from reader.browser import WEB_AND_MAIL, BrowserError, Launch, launch, plan

URL = "https://example.org/a?b=1&c=$(touch /tmp/x);rm -rf ~"


def recorder(tmp_path: Path) -> tuple[str, Path]:
    """A real program that writes the arguments it got to a file: a stand-in browser."""
    out = tmp_path / "argv.json"
    script = tmp_path / "record.py"
    script.write_text("import json, sys\n"
                      f"open({str(out)!r}, 'w').write(json.dumps(sys.argv[1:]))\n",
                      encoding="utf-8")
    return f"{sys.executable} {script}", out


def test_the_configured_command_gets_the_url_as_one_argument() -> None:
    how = plan(URL, "firefox --new-tab", environ={"BROWSER": "lynx"})
    assert how.argv == ("firefox", "--new-tab", URL) and not how.in_terminal
    how = plan(URL, "open -a 'Safari Browser' %s --background", environ={})
    assert how.argv == ("open", "-a", "Safari Browser", URL, "--background")


def test_browser_from_the_environment_and_console_browsers() -> None:
    how = plan(URL, "", environ={"BROWSER": "w3m"})
    assert how.argv == ("w3m", URL) and how.in_terminal  # it needs the terminal
    how = plan(URL, "", environ={"BROWSER": "no-such-browser-xyz:also-missing"})
    assert how.argv == ("no-such-browser-xyz", URL)  # none runnable: the first, as written


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd",
                                 "data:text/html,x", "  ", "mailto:someone@example.org"])
def test_only_web_links_open(url: str) -> None:
    with pytest.raises(BrowserError, match="only http and https"):
        plan(url, "firefox", environ={})


def test_mailto_opens_where_allowed() -> None:
    how = plan("mailto:news@example.org", "mutt", environ={}, schemes=WEB_AND_MAIL)
    assert how.argv == ("mutt", "mailto:news@example.org")


def test_an_unreadable_command_is_an_error_in_words() -> None:
    with pytest.raises(BrowserError, match="cannot be read"):
        plan(URL, "firefox 'unclosed", environ={})


def test_launch_runs_the_program_without_a_shell(tmp_path: Path) -> None:
    command, out = recorder(tmp_path)
    marker = tmp_path / "pwned"
    url = f"https://example.org/?q=$(touch {marker});touch${{IFS}}{marker}"
    how = plan(url, command, environ={})
    launch(Launch(how.url, how.argv, in_terminal=True))  # in the foreground: waited for
    assert json.loads(out.read_text(encoding="utf-8")) == [url]
    assert not marker.exists()  # a shell would have run the touch


def test_launch_reports_a_missing_program() -> None:
    with pytest.raises(BrowserError, match="Could not start the browser"):
        launch(Launch(URL, ("/nonexistent/browser-xyz", URL)))
