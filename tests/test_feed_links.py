"""An entry's link: the fast path for plain absolute URLs must say exactly what urljoin and
is_safe_url say (reader.sources.feedfile._link), for any text a feed can hold."""

from urllib.parse import urljoin

from hypothesis import given, settings
from hypothesis import strategies as st

from reader.sanitize import clean_line, is_safe_url
from reader.sources import feedfile

PIECES = st.sampled_from([*"ab/:?#;.@[]% \\\t-_~=&+", "http://", "https://", "HTTP://", "x.org",
                          "//", "\x7f", "é", "\u202e", "../", "%2F", "\n"])
BASES = st.sampled_from(["", "http://base.org/a/b", "https://base.org/", "ftp://x/"])


def slow_link(value: str, base: str) -> str:
    link = clean_line(value)
    if base:
        try:
            link = urljoin(base, link)
        except ValueError:
            return ""
    return link if is_safe_url(link) else ""


@settings(max_examples=800, deadline=None)
@given(st.lists(PIECES, max_size=14).map("".join), BASES)
def test_fast_path_agrees_with_urljoin(text: str, base: str) -> None:
    for value in (text, "http://" + text, "https://h.example" + text):
        if value.strip():
            assert feedfile._link(value, base) == slow_link(value, base)


def test_fast_path_cases() -> None:
    assert feedfile._link("https://example.org/a?b=1#c", "http://x/") == \
        "https://example.org/a?b=1#c"
    assert feedfile._link("http://example.org/a?", "http://x/") == "http://example.org/a"
    assert feedfile._link("http:///nohost", "") == ""
    assert feedfile._link("/relative", "https://example.org/feed") == \
        "https://example.org/relative"
