"""Fetching against a real HTTP server on 127.0.0.1: the exchange, redirects, deadlines,
the wait for room before a body, and bodies decoded under a cap (hosts: test_fetch_hosts.py)."""

# ruff: noqa: F811 - pytest fixtures imported from tests.feedserver are redefined as arguments
from __future__ import annotations

import gzip
import random
import time
import zlib
from collections.abc import Iterator
from typing import Any

import brotli
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.sources.bodydecode import Decoder, decode_body, decoded_size
from reader.sources.fetch import MAX_REDIRECTS, Fetcher, FetchResult
from reader.sources.fetcherrors import FetchError
from tests.feedserver import FeedServer, compress, endless, feed_server  # noqa: F401
from tests.helpers.fetching import RSS, failure, fetch

CAP = 2**20  # a small cap keeps the bombs cheap to build


# -- the ordinary exchange ---------------------------------------------------------------------

async def test_200_gives_the_body_validators_and_type(feed_server: FeedServer) -> None:
    feed_server.route("/f", RSS, etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    result = await fetch(feed_server.url("/f"))
    assert result.status == 200 and result.body == RSS
    assert result.etag == '"v1"'
    assert result.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert result.content_type.startswith("application/rss+xml")
    assert result.permanent_url is None and not result.gone and result.not_before is None
    sent = feed_server.requests_for("/f")[0].headers
    assert sent["user-agent"].startswith("newsreader/")
    assert "if-none-match" not in sent and "if-modified-since" not in sent
    assert "gzip" in sent["accept-encoding"] and "br" in sent["accept-encoding"]


async def test_304_after_an_etag_carries_if_none_match(feed_server: FeedServer) -> None:
    feed_server.route("/f", RSS, etag='"v1"')
    result = await fetch(feed_server.url("/f"), etag='"v1"')
    assert result.status == 304 and result.body is None and result.etag == '"v1"'
    assert feed_server.requests_for("/f")[-1].headers["if-none-match"] == '"v1"'


async def test_304_after_last_modified_carries_if_modified_since(
        feed_server: FeedServer) -> None:
    stamp = "Tue, 02 Jan 2024 10:00:00 GMT"
    feed_server.route("/f", RSS, last_modified=stamp)
    result = await fetch(feed_server.url("/f"), last_modified=stamp)
    assert result.status == 304 and result.body is None and result.last_modified == stamp
    assert feed_server.requests_for("/f")[-1].headers["if-modified-since"] == stamp


async def test_a_stale_etag_gets_the_new_body(feed_server: FeedServer) -> None:
    feed_server.route("/f", RSS, etag='"v2"')
    result = await fetch(feed_server.url("/f"), etag='"v1"')
    assert result.status == 200 and result.body == RSS and result.etag == '"v2"'


# -- redirects ---------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [301, 308])
async def test_a_permanent_redirect_gives_the_new_url(feed_server: FeedServer,
                                                      status: int) -> None:
    feed_server.redirect("/old", feed_server.url("/new"), status)
    feed_server.route("/new", RSS)
    result = await fetch(feed_server.url("/old"))
    assert result.body == RSS
    assert result.url == result.permanent_url == feed_server.url("/new")


@pytest.mark.parametrize("status", [302, 303, 307])
async def test_a_temporary_redirect_keeps_the_url(feed_server: FeedServer, status: int) -> None:
    feed_server.redirect("/old", "/new", status)  # relative Location, resolved by us
    feed_server.route("/new", RSS)
    result = await fetch(feed_server.url("/old"))
    assert result.body == RSS and result.url == feed_server.url("/new")
    assert result.permanent_url is None


async def test_a_permanent_chain_ends_at_the_first_temporary_hop(
        feed_server: FeedServer) -> None:
    feed_server.redirect("/a", "/b", 301)
    feed_server.redirect("/b", "/c", 302)
    feed_server.route("/c", RSS)
    result = await fetch(feed_server.url("/a"))
    assert result.url == feed_server.url("/c")
    assert result.permanent_url is None  # the chain was not permanent all the way


async def test_five_redirects_are_followed_and_a_sixth_is_refused(
        feed_server: FeedServer) -> None:
    for i in range(6):
        feed_server.redirect(f"/r{i}", f"/r{i + 1}", 301)
    feed_server.route("/r6", RSS)
    assert MAX_REDIRECTS == 5
    ok = await fetch(feed_server.url("/r1"))
    assert ok.body == RSS and ok.permanent_url == feed_server.url("/r6")
    assert str(await failure(feed_server.url("/r0"))) == "too many redirects"


async def test_a_redirect_loop_stops(feed_server: FeedServer) -> None:
    feed_server.redirect("/loop", "/loop", 302)
    error = await failure(feed_server.url("/loop"))
    assert str(error) == "too many redirects"
    assert feed_server.hits("/loop") == MAX_REDIRECTS + 1


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/feed",
                                    "javascript:alert(1)", "data:text/xml,<rss/>"])
async def test_a_redirect_to_another_scheme_is_refused(feed_server: FeedServer,
                                                       target: str) -> None:
    feed_server.redirect("/f", target, 302)
    assert str(await failure(feed_server.url("/f"))) == "redirect to a non-http(s) URL"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/", "feed.xml", ""])
async def test_only_http_urls_are_fetched(url: str) -> None:
    assert str(await failure(url)).startswith("not an http(s) URL")


# -- limits: time ------------------------------------------------------------------------------

async def test_a_dripping_server_is_cut_at_the_deadline(feed_server: FeedServer) -> None:
    feed_server.route("/drip", RSS, drip=0.2)  # ~20 s for the whole body
    started = time.monotonic()
    error = await failure(feed_server.url("/drip"), deadline=1)
    assert str(error) == "timed out after 1 s"
    assert time.monotonic() - started < 3


async def test_a_server_that_never_answers_is_cut_at_the_deadline(
        feed_server: FeedServer) -> None:
    feed_server.route("/slow", RSS, delay=30)
    started = time.monotonic()
    assert str(await failure(feed_server.url("/slow"), deadline=1)) == "timed out after 1 s"
    assert time.monotonic() - started < 3


# -- waiting before the body (the refresh's room for it) ---------------------------------------

async def test_before_body_is_awaited_only_when_a_body_will_be_read(
        feed_server: FeedServer) -> None:
    feed_server.route("/ok", RSS, etag='"v1"')
    feed_server.redirect("/moved", feed_server.url("/ok"))
    feed_server.route("/missing", status=404)
    feed_server.route("/gone", status=410)
    feed_server.route("/big", b"x" * (CAP + 1))
    calls: list[str] = []
    async with Fetcher(max_body=CAP) as fetcher:
        async def attempt(path: str, etag: str = "") -> object:
            async def before() -> None:
                calls.append(path)

            try:
                return await fetcher.fetch(feed_server.url(path), etag=etag, before_body=before)
            except FetchError as exc:
                return str(exc)

        assert (await attempt("/ok")).body == RSS  # type: ignore[attr-defined]
        assert (await attempt("/moved")).body == RSS  # type: ignore[attr-defined]
        assert (await attempt("/ok", etag='"v1"')).status == 304  # type: ignore[attr-defined]
        assert await attempt("/missing") == "HTTP 404"
        assert (await attempt("/gone")).gone  # type: ignore[attr-defined]
        assert await attempt("/big") == "body larger than 1 MB"  # refused by its length
    assert calls == ["/ok", "/moved"]


async def test_the_body_is_read_only_after_before_body(feed_server: FeedServer) -> None:
    """The server sends the end of the body only once `before_body` has run: a fetcher that
    read the body first would wait for it until the deadline."""
    import threading

    called = threading.Event()

    def body() -> Iterator[bytes]:
        yield RSS[:20]
        called.wait(10)
        yield RSS[20:]

    feed_server.route("/f", chunks=body)

    async def before() -> None:
        called.set()

    async with Fetcher(deadline=5) as fetcher:
        result = await fetcher.fetch(feed_server.url("/f"), before_body=before)
    assert result.body == RSS


async def test_waiting_before_the_body_does_not_count_against_the_deadline(
        feed_server: FeedServer) -> None:
    """A refresh whose parser is behind keeps a fetch waiting there: that must not fail a
    fast feed as "timed out". The deadline still covers what comes after the wait."""
    feed_server.route("/f", RSS)
    feed_server.route("/drip", RSS, drip=0.2)  # ~16 s for the whole body
    feed_server.route("/held", RSS, delay=1.5)  # the feed ahead, which the backlog waits for

    async with Fetcher(deadline=60) as ahead:
        async def behind() -> None:  # room comes when the feed ahead is done: 3 deadlines
            await ahead.fetch(feed_server.url("/held"))

        async with Fetcher(deadline=0.5) as fetcher:
            result = await fetcher.fetch(feed_server.url("/f"), before_body=behind)
        assert result.body == RSS
        async with Fetcher(deadline=1) as fetcher:
            with pytest.raises(FetchError) as info:
                await fetcher.fetch(feed_server.url("/drip"), before_body=behind)
    assert str(info.value) == "timed out after 1 s"
    assert feed_server.hits("/held") == 2


# -- limits: size and compression --------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "gzip, gzip", "br, gzip"])
async def test_compressed_bodies_are_decoded(feed_server: FeedServer, encoding: str) -> None:
    body = RSS * 500
    feed_server.route("/f", body, encoding=encoding)
    assert (await fetch(feed_server.url("/f"))).body == body


async def test_raw_deflate_is_decoded(feed_server: FeedServer) -> None:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw = packer.compress(RSS) + packer.flush()
    feed_server.route("/f", raw, encoding="deflate", encoded=True)
    assert (await fetch(feed_server.url("/f"))).body == RSS


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "gzip, gzip"])
async def test_a_decompression_bomb_stops_at_the_cap(feed_server: FeedServer,
                                                     encoding: str) -> None:
    bomb = compress(b"\0" * (24 * CAP), encoding)
    assert len(bomb) < CAP // 8  # small on the wire, 24 times the cap decoded
    feed_server.route("/bomb", bomb, encoding=encoding, encoded=True)
    error = await failure(feed_server.url("/bomb"), max_body=CAP)
    assert str(error) == "body larger than 1 MB"


async def test_an_endless_body_without_length_stops_at_the_cap(
        feed_server: FeedServer) -> None:
    feed_server.route("/endless", chunks=endless())
    error = await failure(feed_server.url("/endless"), max_body=CAP)
    assert str(error) == "body larger than 1 MB"


async def test_a_declared_length_over_the_cap_is_refused(feed_server: FeedServer) -> None:
    feed_server.route("/big", b"x" * (CAP + 1))
    assert str(await failure(feed_server.url("/big"), max_body=CAP)) == "body larger than 1 MB"


async def test_a_body_just_under_the_cap_passes(feed_server: FeedServer) -> None:
    feed_server.route("/f", b"x" * CAP, length=False, encoding="gzip")
    assert (await fetch(feed_server.url("/f"), max_body=CAP)).body == b"x" * CAP


async def test_a_damaged_gzip_body_is_a_clear_error(feed_server: FeedServer) -> None:
    feed_server.route("/f", b"\x1f\x8b\x08\x00garbage-not-deflate", encoding="gzip",
                      encoded=True)
    assert str(await failure(feed_server.url("/f"))).startswith("the compressed body is damaged")


async def fetch_encoded(url: str, **options: Any) -> FetchResult:
    async with Fetcher(**options) as fetcher:
        return await fetcher.fetch(url, encoded=True)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "gzip, br"])
async def test_an_encoded_fetch_keeps_the_body_as_sent(feed_server: FeedServer,
                                                       encoding: str) -> None:
    """What a refresh hands its parser processes: the bytes as sent, and how to undo them."""
    body = RSS * 500
    feed_server.route("/f", compress(body, encoding), encoding=encoding, encoded=True)
    result = await fetch_encoded(feed_server.url("/f"))
    assert result.encoding == encoding and result.body == compress(body, encoding)
    assert decode_body(result.body, result.encoding, CAP) == body
    assert decoded_size(result.body, result.encoding, CAP) >= len(result.body)


async def test_an_encoded_fetch_of_a_plain_body_says_there_is_nothing_to_undo(
        feed_server: FeedServer) -> None:
    feed_server.route("/f", compress(RSS, "gzip"), encoding="gzip, identity, x-unknown",
                      encoded=True)
    feed_server.route("/plain", RSS)
    assert (await fetch_encoded(feed_server.url("/plain"))).encoding == ""
    result = await fetch_encoded(feed_server.url("/f"))
    assert result.encoding == "gzip" and decode_body(result.body, "gzip", CAP) == RSS


async def test_an_encoded_fetch_caps_the_bytes_sent_and_decoding_caps_the_rest(
        feed_server: FeedServer) -> None:
    bomb = compress(b"\0" * (24 * CAP), "gzip")
    feed_server.route("/bomb", bomb, encoding="gzip", encoded=True)
    noise = random.Random(1).randbytes(4000)  # does not compress: 4,000 bytes on the wire too
    feed_server.route("/big", compress(noise, "br"), encoding="br", encoded=True, length=False)
    result = await fetch_encoded(feed_server.url("/bomb"), max_body=CAP)
    assert decoded_size(result.body, "gzip", 100 * CAP) == (24 * CAP) % 2**32
    # The trailer is the sender's word, never believed past the cap: a bomb, a plain body
    # labelled gzip (its last bytes read as a size of hundreds of megabytes), junk after it.
    assert decoded_size(result.body, "gzip", CAP) == CAP
    assert int.from_bytes(RSS[-4:], "little") > CAP
    assert decoded_size(RSS, "gzip", CAP) == CAP
    assert decoded_size(compress(RSS, "gzip") + b"junk", "gzip", CAP) <= CAP
    with pytest.raises(FetchError, match="^body larger than 1 MB$"):
        decode_body(result.body, result.encoding, CAP)
    error = await failure(feed_server.url("/big"), max_body=1000)
    assert str(error) == "body larger than 1000 bytes"
    with pytest.raises(FetchError, match="^body larger than 1000 bytes$"):
        await fetch_encoded(feed_server.url("/big"), max_body=1000)
    with pytest.raises(FetchError, match="^the compressed body is damaged"):
        decode_body(b"\x1f\x8b\x08\x00garbage-not-deflate", "gzip", CAP)


# -- the decoder on its own --------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(body=st.binary(max_size=20000), step=st.integers(1, 5000),
       encoding=st.sampled_from(["gzip", "deflate", "br", "gzip, br", "deflate, gzip", ""]))
def test_decoding_any_chunking_gives_the_body_back(body: bytes, step: int,
                                                   encoding: str) -> None:
    wire = compress(body, encoding) if encoding else body
    decoder = Decoder(encoding, 10 * 2**20)
    out = b"".join(piece for i in range(0, len(wire), step)
                   for piece in decoder.feed(wire[i:i + step]))
    out += b"".join(decoder.finish())
    assert out == body


def test_multi_member_gzip_is_read_to_the_end() -> None:
    wire = gzip.compress(b"first ") + gzip.compress(b"second")
    decoder = Decoder("gzip", 2**20)
    assert b"".join(decoder.feed(wire)) + b"".join(decoder.finish()) == b"first second"


def test_the_decoder_never_yields_a_huge_piece() -> None:
    bomb = brotli.compress(b"\0" * (64 * 2**20), quality=1)
    decoder = Decoder("br", 2**40)
    pieces = decoder.feed(bomb)
    assert max(len(next(pieces)) for _ in range(20)) <= 256 * 1024
