"""Plain-text stories exactly as the README describes them, starting with the sample."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from reader.decode import decode_bytes
from reader.sources.textfile import MAX_HEADLINE, parse_text_story

FIXTURES = Path(__file__).parent / "fixtures" / "local"
SAMPLE = FIXTURES / "000_1cdceafaa06d3d12.txt"
# shared/ lies beside the checkout, for developers and CI alike.
SHARED_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / SAMPLE.name
# Written for these tests in the seed's shape, so a plain clone checks the format too: a
# lede line, ten paragraphs, six teasers ending in "…", no newline after the last.
SEED_FORMAT = FIXTURES / "seed_format_story.txt"


def paragraphs(body_html: str) -> list[str]:
    """The text of each <p> of a body, unescaped (what a reader sees)."""
    return [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", body_html, re.DOTALL)]


def story(text: str, **kwargs: object) -> tuple[str, list[str], list[str], str]:
    entry = parse_text_story(text, key="k", **kwargs)  # type: ignore[arg-type]
    return entry.title, paragraphs(entry.body_html), entry.teasers, entry.lead


def test_fixture_is_the_shared_sample() -> None:
    if not SHARED_SAMPLE.exists():
        pytest.skip("shared/ is not beside this checkout")
    assert SAMPLE.read_bytes() == SHARED_SAMPLE.read_bytes()


@pytest.mark.parametrize("path", [SAMPLE, SEED_FORMAT], ids=["sample", "seed-format"])
def test_the_seed_format(path: Path) -> None:
    """What the README promises for any file shaped like the seed, checked line by line."""
    data = path.read_bytes()
    raw_lines = data.decode("utf-8").split("\n")
    assert not data.endswith(b"\n") and len(raw_lines) == 17  # the shape itself
    assert all(line.endswith("\u2026") for line in raw_lines[11:])
    assert not any(line.endswith(("\u2026", "...")) for line in raw_lines[:11])
    entry = parse_text_story(decode_bytes(data), key="k", path="/x", mtime=1700000000.0)
    assert entry.title == entry.lead == raw_lines[0]
    assert paragraphs(entry.body_html) == raw_lines[1:11]
    assert entry.title not in paragraphs(entry.body_html)
    assert entry.teasers == raw_lines[11:]
    assert entry.published == 1700000000.0


def test_the_seed_format_fixture_exactly() -> None:
    """The fixture's own text, so the parametrized test above is not checking the file
    against itself alone: typographic quotes, the euro sign and the ellipsis come through."""
    entry = parse_text_story(decode_bytes(SEED_FORMAT.read_bytes()), key="k")
    assert entry.title.startswith("The regional council of Vallée-Haute has voted to reopen")
    body = paragraphs(entry.body_html)
    assert len(body) == 10
    assert body[0].startswith("Council president Mireille Okonkwo-Lambert") and "€48" in body[0]
    assert body[5].startswith("\u201cNobody doubts") and body[5].endswith("ready.\u201d")
    assert body[-1].startswith("The council will publish the full engineering report")
    assert len(entry.teasers) == 6
    assert entry.teasers[0].startswith("Fishermen on the northern coast")
    assert entry.teasers[2].startswith("The city\u2019s oldest bakery")
    assert entry.teasers[-1].endswith("beating the record set by\u2026")


def test_the_sample_exactly() -> None:
    raw_lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    entry = parse_text_story(
        decode_bytes(SAMPLE.read_bytes()), key="file:/x", path="/x", mtime=1700000000.0
    )
    assert entry.title == (
        "A Taliban spokesperson says a recent visit by Afghanistan's Acting Foreign Minister "
        "Amir Khan Muttaqi to Iran was an important trip with major achievements."
    )
    body = paragraphs(entry.body_html)
    assert len(body) == 10
    assert body[0].startswith("Deputy spokesman for Afghanistan\u2019s Taliban-run government")
    assert body[-1].endswith("form an inclusive government.")
    assert body == raw_lines[1:11]
    assert entry.title not in body  # the lede is the headline and is not shown twice
    assert len(entry.teasers) == 6
    assert entry.teasers[0].startswith("An Israeli attack targeting a building in central Beirut")
    assert entry.teasers[-1] == (
        "Outgoing US President Joe Biden met Chinese President Xi Jinping in Lima, Peru, "
        "to discuss\u2026"
    )
    assert entry.teasers == raw_lines[11:]
    assert entry.lead == entry.title == raw_lines[0]
    assert entry.published == 1700000000.0
    assert entry.key == "file:/x" and entry.path == "/x"


def test_headline_form() -> None:
    title, body, teasers, lead = story(
        "# Museum returns bronzes\n\nThe lede paragraph.\nSecond paragraph.\nOther story\u2026\n"
    )
    assert title == "Museum returns bronzes"
    assert body == ["The lede paragraph.", "Second paragraph."]
    assert teasers == ["Other story\u2026"]
    assert lead == "The lede paragraph."


def test_hash_without_space_is_not_a_headline() -> None:
    title, body, _, _ = story("#hashtag news of the day\nBody.\n")
    assert title == "#hashtag news of the day"
    assert body == ["Body."]


def test_teasers_are_only_the_trailing_run() -> None:
    text = (
        "Lede.\n"
        "Middle paragraph that trails off...\n"
        "A real paragraph after it.\n"
        "Teaser one...\n"
        "Teaser two\u2026\n"
    )
    title, body, teasers, _ = story(text)
    assert title == "Lede."
    assert body == ["Middle paragraph that trails off...", "A real paragraph after it."]
    assert teasers == ["Teaser one...", "Teaser two\u2026"]


def test_every_line_an_ellipsis_keeps_the_first_as_the_story() -> None:
    title, body, teasers, lead = story("First\u2026\nSecond\u2026\nThird...\n")
    assert title == lead == "First\u2026"
    assert body == []
    assert teasers == ["Second\u2026", "Third..."]
    title, body, teasers, lead = story("# Head\nFirst\u2026\nSecond\u2026\n")
    assert (title, body, teasers, lead) == ("Head", ["First…"], ["Second…"], "First…")


def test_blank_lines_crlf_and_no_trailing_newline() -> None:
    title, body, teasers, _ = story("\r\n\r\nLede\r\n\r\n\r\nOne\r\n  \r\nTwo\r\nTease\u2026")
    assert (title, body, teasers) == ("Lede", ["One", "Two"], ["Tease\u2026"])


def test_escape_sequences_and_markup_survive_only_as_literal_text() -> None:
    text = (
        "\x1b[2J\x1b[31mAlert\x1b[0m [@click=app.quit]x[/] headline\n"
        "Click \x1b]8;;http://evil.example/\x07here\x1b]8;;\x07 [bold]now[/bold] \x9b31m\u202eok\n"
        "<script>alert(1)</script> & more\n"
    )
    entry = parse_text_story(text, key="k")
    fields = [entry.title, entry.body_html, entry.lead, *entry.teasers]
    for field in fields:
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", field)
    # The control characters go; what is left of the sequences is plain, visible text.
    assert entry.title == "[2J[31mAlert[0m [@click=app.quit]x[/] headline"
    body = paragraphs(entry.body_html)
    assert body == [
        "Click ]8;;http://evil.example/here]8;; [bold]now[/bold] 31mok",
        "<script>alert(1)</script> & more",
    ]
    assert "<script>" not in entry.body_html  # escaped in the HTML


def test_a_lede_too_long_for_a_headline_is_kept_in_the_body() -> None:
    lede = "word " * 400
    title, body, _, lead = story(lede + "\nSecond.\n")
    assert len(title) <= MAX_HEADLINE and title.endswith("\u2026")
    assert body == [lede.strip(), "Second."]
    assert lead == lede.strip()


def test_empty_text_gives_an_empty_entry() -> None:
    entry = parse_text_story(" \n\t\n", key="k")
    assert (entry.title, entry.body_html, entry.teasers) == ("", "", [])


@pytest.mark.parametrize(
    ("name", "codec", "title"),
    [
        ("cp1252_story.txt", "cp1252",
         "Storm Bert leaves thousands without power as rivers burst their banks"),
        ("latin1_story.txt", "latin-1", "Gen\u00e8ve accueille le sommet sur le climat"),
        ("cp1256_story.txt", "cp1256",
         "\u0648\u0632\u064a\u0631 \u0627\u0644\u062e\u0627\u0631\u062c\u064a\u0629 \u064a\u0635"
         "\u0644 \u0625\u0644\u0649 \u0637\u0647\u0631\u0627\u0646 \u0641\u064a \u0632\u064a\u0627"
         "\u0631\u0629 \u0631\u0633\u0645\u064a\u0629 \u062a\u0633\u062a\u0645\u0631 \u064a\u0648"
         "\u0645\u064a\u0646"),
        ("utf8_bom_crlf.txt", "utf-8-sig", "Tech giant fined \u20ac1.2bn over data transfers"),
    ],
)
def test_encoded_fixtures(name: str, codec: str, title: str) -> None:
    data = (FIXTURES / name).read_bytes()
    expected_lines = [
        " ".join(line.split()) for line in data.decode(codec).splitlines() if line.strip()
    ]
    entry = parse_text_story(decode_bytes(data), key="k")
    assert entry.title == title
    got = ([] if expected_lines[0].startswith("# ") else [entry.title]) + paragraphs(
        entry.body_html
    )
    got += entry.teasers
    start = 1 if expected_lines[0].startswith("# ") else 0
    assert got == expected_lines[start:]
    assert "\ufffd" not in entry.body_html and "\ufeff" not in entry.title


def test_cp1252_fixture_keeps_its_ellipses_and_quotes() -> None:
    entry = parse_text_story(decode_bytes((FIXTURES / "cp1252_story.txt").read_bytes()), key="k")
    body = paragraphs(entry.body_html)
    assert "in parts of Wales\u2026 and more is on the way." in body[1]
    assert body[2].startswith("\u201cWe have never seen the river this high,\u201d")
    # "...": a mid-story paragraph that ends with an ellipsis stays in the body.
    assert "Forecasters expect the weather to settle by Wednesday..." in body
    assert entry.teasers[0].startswith("Ferry services to the islands resume")
    assert len(entry.teasers) == 3
