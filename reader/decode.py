"""Turn bytes of unknown encoding into text, never mojibake and never an exception.

Saved news pages arrive as UTF-8 (with or without a BOM) but also as Windows code pages. The
order of evidence is: a BOM, strict UTF-8, a charset the source declared, then guessing.

Guessing is where readers go wrong. Statistical detectors (charset-normalizer) are unreliable
on short Western text: a paragraph with "naïve" comes back as cp1250, three curly quotes as
Shift-JIS. So before asking the detector we look at the shape of the non-ASCII bytes: Western
text has them alone or in pairs between ASCII letters ("café", "“Wait…”"), while Arabic,
Cyrillic, Greek or CJK text has them in runs that make whole words. Lone high bytes mean
cp1252, which (unlike latin-1, whose 0x80-0x9F are invisible C1 controls) gives 0x85 "…" and
0x93/0x94 curly quotes. Runs go to the detector, which is good at non-Latin scripts.

A file that is UTF-8 except for a few stray cp1252 bytes (text pasted from an old editor) is
decoded as UTF-8 with those bytes read as cp1252, instead of turning the whole file to
mojibake.
"""

from __future__ import annotations

import codecs
import re

# Checked longest first: the UTF-32-LE BOM begins with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Labels that mean windows-1252 in practice (as in the WHATWG Encoding standard): servers and
# editors say "iso-8859-1" or "ascii" for text that uses cp1252's quotes and ellipsis.
_MEANS_CP1252 = {"latin_1", "iso8859_1", "ascii", "cp1252", "iso8859_15"}
# Codecs that are not a text encoding a document may honestly declare.
_REFUSED = {"unicode_escape", "raw_unicode_escape", "idna", "punycode", "undefined", "mbcs",
            "oem", "utf_7", "charmap"}
# Detector guesses that are just "some Western single-byte code page": read them as cp1252.
_WESTERN = {"latin_1", "iso8859_1", "iso8859_15", "cp1252", "iso8859_3", "iso8859_14",
            "iso8859_10", "mac_roman", "mac_iceland", "cp437", "cp850", "cp858", "cp860",
            "cp861", "cp863", "cp865", "hp_roman8"}

_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
# The detector reads at most this much; the full text is then decoded with its verdict.
_SAMPLE = 1 << 20


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode `data` to text: BOM, strict UTF-8, `declared`, shape of the bytes, detector.

    Never raises. The last resort is cp1252 with replacement characters.
    """
    try:
        return _decode(bytes(data), declared)
    except Exception:  # noqa: BLE001 - a decoder must never take the reader down
        return bytes(data).decode("cp1252", errors="replace")


def _decode(data: bytes, declared: str | None) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        text = _try_declared(data, declared)
        if text is not None:
            return text
    text = _mostly_utf8(data)
    if text is not None:
        return text
    sample = _sample(data)
    if _looks_western(sample):
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass  # 0x81, 0x8D, 0x8F, 0x90 or 0x9D: not cp1252 after all
    guess = _detect(sample)
    if guess and guess not in _WESTERN:
        return data.decode(guess, errors="replace")
    return data.decode("cp1252", errors="replace")


def _normal_name(label: str) -> str | None:
    try:
        info = codecs.lookup(label.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    try:  # str.encode refuses what is not a text encoding: base64, zlib, rot13 and friends
        "a".encode(info.name, errors="ignore")
    except LookupError:
        return None
    name = info.name.replace("-", "_")
    return None if name in _REFUSED else name


def _try_declared(data: bytes, declared: str) -> str | None:
    name = _normal_name(declared)
    if name is None:
        return None
    if name in _MEANS_CP1252:
        name = "cp1252"
    try:
        return data.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None


def _cp1252_bytes(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start:error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("newsreader-cp1252", _cp1252_bytes)


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few stray single-byte characters, or None when it is not UTF-8 at all."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    if good >= 2 * bad and good >= 3:
        return data.decode("utf-8", errors="newsreader-cp1252")
    return None


def _sample(data: bytes) -> bytes:
    """The head of a big file, cut after an ASCII byte so no multi-byte character is split."""
    if len(data) <= _SAMPLE:
        return data
    head = data[:_SAMPLE]
    for index in range(len(head) - 1, max(len(head) - 4096, 0), -1):
        if head[index] < 0x80:
            return head[: index + 1]
    return head


def _looks_western(sample: bytes) -> bool:
    """True when non-ASCII bytes stand alone or in pairs, as accents and quotes do."""
    runs = _HIGH_RUN.findall(sample)
    if not runs:
        return True
    high = sum(len(run) for run in runs)
    return high / len(runs) < 2.0


def _detect(sample: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        return None
    return _normal_name(best.encoding)
