"""decode_bytes: BOMs, strict UTF-8, declared charsets, Western code pages, Arabic, garbage."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.decode import decode_bytes

WESTERN = "He said \u201cWait\u2026\u201d and left \u2014 the caf\u00e9 was closed."
ARABIC = (
    "\u0642\u0627\u0644 \u0627\u0644\u0645\u062a\u062d\u062f\u062b \u0628\u0627\u0633\u0645 "
    "\u0627\u0644\u062d\u0643\u0648\u0645\u0629 \u0625\u0646 \u0627\u0644\u0632\u064a\u0627"
    "\u0631\u0629 \u0643\u0627\u0646\u062a \u0645\u0647\u0645\u0629\u2026"
)


def test_cp1252_ellipsis_and_curly_quotes_are_not_c1_controls() -> None:
    data = WESTERN.encode("cp1252")
    assert b"\x85" in data and b"\x93" in data and b"\x94" in data
    text = decode_bytes(data)
    assert text == WESTERN
    assert not any("\x80" <= ch <= "\x9f" for ch in text)


def test_short_cp1252_is_not_guessed_as_an_asian_code_page() -> None:
    assert decode_bytes("\u201cHi\u201d\u2026".encode("cp1252")) == "\u201cHi\u201d\u2026"


def test_latin1_accents() -> None:
    text = "Café crème brûlée à la façon de Genève, © 2024 ½."
    assert decode_bytes(text.encode("latin-1")) == text


def test_cp1256_decodes_as_arabic() -> None:
    assert decode_bytes(ARABIC.encode("cp1256")) == ARABIC


def test_cyrillic_and_cjk_go_to_the_detector() -> None:
    russian = "Президент заявил, что переговоры будут продолжены на следующей неделе."
    japanese = "東京で新しい展示会が開かれました。多くの人が訪れています。"
    assert decode_bytes(russian.encode("cp1251")) == russian
    assert decode_bytes(japanese.encode("shift_jis")) == japanese


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_bom_wins_and_is_removed(bom: bytes, codec: str) -> None:
    text = decode_bytes(bom + WESTERN.encode(codec), declared="cp1256")
    assert text == WESTERN


def test_strict_utf8_wins_over_a_wrong_declaration() -> None:
    assert decode_bytes(WESTERN.encode("utf-8"), declared="iso-8859-1") == WESTERN


def test_declared_charset_is_used_when_valid() -> None:
    text = "Привет, мир"
    assert decode_bytes(text.encode("koi8-r"), declared="KOI8-R") == text


def test_declared_latin1_means_cp1252() -> None:
    # Servers say iso-8859-1 for cp1252 text; 0x93/0x94 must still be quotes.
    assert decode_bytes(b"\x93quoted\x94", declared="iso-8859-1") == "\u201cquoted\u201d"


@pytest.mark.parametrize("label", ["no-such-charset", "base64", "rot13", "unicode_escape", ""])
def test_bogus_or_dangerous_declarations_are_ignored(label: str) -> None:
    text = decode_bytes(b"caf\xe9 \\x1b[31m", declared=label)
    assert text == "caf\u00e9 \\x1b[31m"
    assert "\x1b" not in text


def test_utf8_with_a_stray_cp1252_byte_keeps_the_utf8() -> None:
    data = "Caf\u00e9 \u201cok\u201d na\u00efve ".encode() + b"\x93bad\x94"
    assert decode_bytes(data) == "Caf\u00e9 \u201cok\u201d na\u00efve \u201cbad\u201d"


def test_crlf_is_left_for_the_parser() -> None:
    assert decode_bytes("a\u2026\r\nb".encode("cp1252")) == "a\u2026\r\nb"


def test_binary_garbage_does_not_raise() -> None:
    data = bytes(range(256)) * 8
    assert isinstance(decode_bytes(data), str)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=512), declared=st.one_of(st.none(), st.text(max_size=20)))
def test_never_raises(data: bytes, declared: str | None) -> None:
    assert isinstance(decode_bytes(data, declared), str)
