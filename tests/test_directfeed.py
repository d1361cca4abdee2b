"""The direct road must give the stories feedparser gives, or step aside: whole documents.

Every document is read by `parse_feed` twice: as it runs (the direct road first) and with the
direct road switched off (feedparser itself). The two ParseResults must be equal: title, link,
problems and every field of every Entry. A spy on `directfeed.parse` tells whether the direct
road read the document or declined; the benchmark corpus must take it every time
(`tests.helpers.feed_roads.direct`; a document that is read once repaired, as the varied set's
broken feeds are, is held to `test_feedrepair`'s rules instead). Documents: the fixture feeds,
benchmark feeds for several seeds, the edge cases of test_fastfeed, documents written here that
the road must read or must leave, and random feeds. How the bytes reach expat is tested in
test_directfeed_bytes, the road's parts one by one in test_directfeed_parts.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.feedcorpus import VariedCorpus
from reader.sources import directfeed, feedrepair
from tests.helpers.directfeed_cases import ATOM_TYPE, bench_feeds
from tests.helpers.feed_cases import (
    ATOM_ENTRIES,
    CHANNEL,
    DECLINED,
    FEED,
    FEEDS,
    ODD,
    RSS_ITEMS,
    RSS_TYPE,
    URL,
    random_atom,
    random_rss,
)
from tests.helpers.feed_roads import direct

# -- the corpus --------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 7, 2024, 99])
def test_benchmark_feeds_take_the_direct_road_and_agree(seed: int) -> None:
    for body, kind in bench_feeds(seed, 3):
        assert direct(body, URL, kind)
        assert direct(body, "", "")


def test_the_whole_benchmark_corpus_takes_the_direct_road() -> None:
    feeds = bench_feeds(1, 100)
    declined = [n for n, (body, kind) in enumerate(feeds)
                if directfeed.parse(body, url=URL, content_type=kind) is None]
    assert declined == []


@pytest.mark.parametrize("seed", [1, 7])
def test_varied_benchmark_feeds_agree(seed: int) -> None:
    """The varied set (scripts, entities, CDATA, legacy encodings, RSS 1.0, Atom with XHTML,
    JSON Feed, broken XML, WordPress, podcasts, YouTube): every well-formed XML feed takes
    the direct road but the tenth made to be feedparser's alone (`VariedCorpus`), and
    so does every broken one once `feedrepair` has rewritten its references; JSON Feed has a
    road of its own."""
    corpus = VariedCorpus(seed)
    seen: dict[str, int] = {}
    for index in range(200):
        feed = corpus.feed(index, 1_700_000_000.0)
        if seen.setdefault(feed.kind, 0) == 2 or feed.entries > 120:
            continue  # two of each kind are enough: the rest is the same generator
        seen[feed.kind] += 1
        body = feed.body
        if feed.kind == "broken":  # the repair road (`repaired_agrees`), then as repaired
            assert not direct(body, URL, feed.content_type)
            body = feedrepair.repair(body, feed.content_type)  # type: ignore[assignment]
            assert body is not None
        expected = feed.kind not in ("json", "feedparser")
        assert direct(body, URL, feed.content_type) == expected, (index, feed.kind)
    assert len(seen) == len(VariedCorpus.KINDS) + 1  # and the feedparser tenth


# feedparser's own test documents (the tests/ folder of its source distribution, e.g. from
# `pip download --no-deps --no-binary :all: feedparser`), when FEEDPARSER_TESTS names it.
FEEDPARSER_TESTS = os.environ.get("FEEDPARSER_TESTS", "")


@pytest.mark.skipif(not FEEDPARSER_TESTS, reason="FEEDPARSER_TESTS is not set")
def test_feedparser_own_documents() -> None:
    documents = sorted(Path(FEEDPARSER_TESTS).rglob("*.xml"))
    assert len(documents) > 2000
    taken = sum(direct(path.read_bytes(), URL, "") for path in documents)
    assert taken >= 544  # with RSS 1.0 and Atom XHTML; 534 with RSS 2.0 and Atom alone


@pytest.mark.parametrize("path", sorted(FEEDS.iterdir()), ids=lambda p: p.name)
def test_fixture_feeds(path: Path) -> None:
    data = path.read_bytes()
    for url, kind in ((URL, ""), ("", ""), (URL, "application/xml"), (URL, "text/xml")):
        direct(data, url, kind)


def test_which_fixtures_take_the_direct_road() -> None:
    taken = {p.name for p in FEEDS.iterdir() if direct(p.read_bytes())}
    # RSS 2.0, Atom with XHTML content, RSS 1.0 (RDF).
    assert {"rss20.xml", "atom.xml", "rss10.rdf"} <= taken
    # An entity bomb, a broken document, a DOCTYPE, JSON: not ours.
    assert not taken & {"laughs.xml", "broken.xml", "rss091.xml", "jsonfeed10.json",
                        "jsonfeed11.json"}


# -- edge cases --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(RSS_ITEMS))
def test_rss_edge_cases(name: str) -> None:
    data = CHANNEL.format(items=RSS_ITEMS[name]).encode("utf-8")
    direct(data, URL, RSS_TYPE)
    direct(data, "", "")


@pytest.mark.parametrize("name", sorted(ATOM_ENTRIES))
def test_atom_edge_cases(name: str) -> None:
    data = FEED.format(items=ATOM_ENTRIES[name]).encode("utf-8")
    direct(data, URL, ATOM_TYPE)
    direct(data, "", "")


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_documents(name: str) -> None:
    data = ODD[name].encode("utf-8")
    direct(data, URL)
    direct(data, "")


@pytest.mark.parametrize("name", sorted(DECLINED))
def test_unusual_documents_are_declined(name: str) -> None:
    assert not direct(DECLINED[name].encode("utf-8"))


# -- documents written here --------------------------------------------------------------------

RSS = ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
       'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
       'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
       'xmlns:media="http://search.yahoo.com/mrss/" '
       'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:yt="urn:example:yt">'
       "{head}<channel>{channel}{items}</channel></rss>")
ITEM = "<item><title>t</title>{}</item>"
# Documents the direct road must read (and agree on).
TAKEN = {
    "plain": RSS.format(head="", channel="<title>C</title>", items=ITEM.format("")),
    "mojibake_title": RSS.format(head="", channel="<title>Ã©t\u00e9 \u0093q\u0094</title>",
                                 items="<item><title>caf\u00c3\u00a9 \u0096</title></item>"),
    "guid_then_link": RSS.format(head="", channel="", items=ITEM.format(
        "<guid>https://g.example/1</guid><link>https://l.example/1</link>")),
    "guid_relative": RSS.format(head="", channel="", items=ITEM.format("<guid>a/b</guid>")),
    "guid_true_upper": RSS.format(head="", channel="", items=ITEM.format(
        '<guid isPermaLink="True">https://g.example/1</guid>')),
    "link_amp": RSS.format(head="", channel="<link>https://c.example/?a=1&amp;amp;b=2</link>",
                           items=ITEM.format("<link>https://l.example/?a=1&amp;amp;b;=2</link>")),
    "link_empty": RSS.format(head="", channel="", items=ITEM.format("<link> </link>")),
    "atom_links": RSS.format(head="", channel=(
        '<atom:link rel="self" href="/feed"/><link>https://c.example/</link>'
        '<atom:link href="https://alt.example/" type="TEXT/HTML"/>'), items=ITEM.format(
        '<link>https://a/</link><atom:link rel="alternate" href="rel/x"/>'
        '<atom:link rel="related" href="https://no/"/>')),
    "description_then_encoded": RSS.format(head="", channel="", items=ITEM.format(
        "<description>short</description><content:encoded>&lt;p&gt;long&lt;/p&gt;"
        "</content:encoded>")),
    "encoded_then_descriptions": RSS.format(head="", channel="", items=ITEM.format(
        "<content:encoded>   </content:encoded><description>one</description>"
        "<description>two</description>")),
    "summary_in_rss": RSS.format(head="", channel="", items=ITEM.format(
        "<summary>a &lt;b&gt;b&lt;/b&gt;</summary><description>c</description>")),
    "author_forms": RSS.format(head="", channel="", items=(
        "<item><title>1</title><author>ann@example.org (Ann Lee)</author></item>"
        "<item><title>2</title><author>&lt;bob@example.org&gt;</author></item>"
        "<item><title>3</title><dc:creator>  Cé Dee  </dc:creator></item>"
        "<item><title>4</title><author>x@y.example</author></item>"
        "<item><title>5</title><author><name>Named</name><email>n@x.org</email></author>"
        "</item>")),
    "dates": RSS.format(head="", channel="<pubDate>Tue, 14 Nov 2023 22:13:20 GMT</pubDate>",
                        items=ITEM.format(
                            "<pubDate>Mon, 13 Nov 2023 22:13:20 -0930</pubDate>"
                            "<dc:date>2023-11-14T22:13:20+05:45</dc:date>"
                            "<pubDate>Sun, 31 Feb 2024 10:00:00 GMT</pubDate>")),
    "titles": RSS.format(head="", channel="<title/><title>Second</title><title>Third</title>",
                         items="<item><title> </title><title>B &amp;amp; C</title>"
                               "<title>D</title></item>"),
    "image": RSS.format(head="", channel=(
        "<title>Before</title><image><url>/i.png</url><title>Img</title><link>/</link>"
        "<width>x</width></image><title>After</title>"), items=ITEM.format("")),
    "ignored": RSS.format(head="", channel="<ttl>5</ttl><category>c</category>",
                          items=ITEM.format(
                              '<category domain="d">x</category><comments>/c</comments>'
                              '<enclosure url="/a.mp3" type="audio/mpeg" length="1"/>'
                              '<media:thumbnail url="/t.jpg"/><media:content url="/v.mp4"/>'
                              "<dc:subject>s</dc:subject>")),
    "whitespace_and_comments": RSS.format(head="<!-- c -->", channel="\n  <title>\n C \n"
                                          "</title>\n", items="\n<item>\n<title>\n x <!-- y -->"
                                          " z\n</title>\n</item>\n"),
    "uppercase_elements": RSS.format(head="", channel="<TITLE>C</TITLE>",
                                     items="<item><Title>T</Title><PUBDATE>2023-11-14T22:13:20Z"
                                           "</PUBDATE></item>"),
    "atom": FEED.format(items=(
        '<entry><title type="html">&lt;b&gt;A&lt;/b&gt;</title><id>tag:x,2024:\u00e9</id>'
        '<link href="/a"/><link rel="alternate" type="application/xhtml+xml" href="b"/>'
        '<link rel="enclosure" href="c"/><published>2024-02-01T10:00:00Z</published>'
        "<updated>2024-02-01T10:00:00Z</updated><author><name> Ünï </name><uri>/u</uri>"
        '</author><summary>s</summary><content type="text">x\n\ny</content></entry>'
        '<entry><content type="html">&lt;p&gt;c&lt;/p&gt;</content><summary type="html">'
        "&lt;i&gt;s&lt;/i&gt;</summary><id>http://x.example/2</id></entry>")),
    "atom_id_link": FEED.format(items="<entry><title>x</title><id>https://i.example/</id>"
                                      '<link rel="self" href="https://s.example/"/></entry>'),
    # a namespace feedparser knows under a prefix of the document's own ("syn" for "sy")
    "prefix_swap": RSS.format(head="", channel="", items=ITEM.format("")).replace(
        "xmlns:dc=", 'xmlns:content2="http://purl.org/dc/elements/1.1/" xmlns:dcx='),
    # each author replaces the text; the first one with any makes the detail
    "two_authors": RSS.format(head="", channel="", items=(
        ITEM.format("<author>a</author><dc:creator>b</dc:creator>")
        + ITEM.format("<author>x@y.example</author><dc:creator>b (B)</dc:creator>")
        + ITEM.format("<author> </author><itunes:author>c@d.example (C)</itunes:author>")
        + ITEM.format("<author>a</author><author></author>"))),
    # feedparser keeps an element it has no handler for under its own name ("x")
    "unknown_element": RSS.format(head="", channel="", items=ITEM.format("<x>1</x>")),
    "source": RSS.format(head="", channel="", items=ITEM.format("<source url='u'>s</source>")),
    # a Planet's entry names the feed it came from; feedparser keeps that apart
    "atom_source": FEED.format(items=(
        "<entry><title>x</title><source><title>S</title><id>s</id><link href='/s'/>"
        "<author><name>A</name></author><updated>2024-01-01T00:00:00Z</updated></source>"
        "</entry><entry><source><title>S</title></source><title>y</title></entry>"
        "<entry><source><id>s</id></source><title>z</title></entry>")),
    "media_with_children": RSS.format(head="", channel="", items=ITEM.format(
        "<media:content><media:title>m</media:title></media:content>")),
    "latin1": RSS.format(head="", channel="<title>Caf\u00e9</title>",
                         items=ITEM.format("<description>na\u00efve</description>"))
    .replace('encoding="utf-8"', 'encoding="iso-8859-1"'),
}
RDF = ('<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
       '02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/'
       'elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">{head}'
       '<channel rdf:about="https://c.example/"><title>C</title><link>/home</link>'
       '<description>d</description><image rdf:resource="https://c.example/i.png"/><items>'
       '<rdf:Seq><rdf:li rdf:resource="https://c.example/1"/><rdf:li resource="x"/></rdf:Seq>'
       "</items></channel>{items}</rdf:RDF>")
RDF_ITEMS = (
    '<item rdf:about="https://c.example/1"><title>One</title><link>https://c.example/1</link>'
    "<dc:date>2024-02-01T10:00:00Z</dc:date><dc:creator>Ann</dc:creator><description>"
    "short &amp;amp; sweet</description><content:encoded><![CDATA[<p>long</p>]]>"
    "</content:encoded></item>"
    '<image rdf:about="https://c.example/i.png"><title>I</title><url>/i.png</url>'
    "<link>https://c.example/</link></image>"
    '<item rdf:about=" rel/2 "><title>Two</title><description>a &lt;b&gt;b&lt;/b&gt;'
    "</description></item>"
    '<item><title>Three</title><link>/3</link><guid isPermaLink="false">g3</guid></item>'
    '<item rdf:about=""><title>Four</title></item>')
XHTML_ENTRY = ('<entry><title>x</title><id>tag:x,2024:{n}</id><link href="/{n}"/>{parts}'
               "</entry>")
XDIV = '<div xmlns="http://www.w3.org/1999/xhtml">{}</div>'
XHTML_PARTS = [
    '<content type="xhtml">' + XDIV.format("<p>Para <b>bold</b> &amp; &lt;x&gt; caf\u00e9</p>"
                                          '<img src="/a.jpg" alt="a &quot;b&quot;"/>') +
    "</content>",
    '<summary type="xhtml">\n ' + XDIV.format("s") + ' \n</summary><content type="xhtml">'
    + XDIV.format("<p>c</p>") + "</content>",
    '<content type="xhtml">' + XDIV.format("one") + XDIV.format("two") + "</content>",
    '<content type="XHTML">text ' + XDIV.format("<div>inner</div>") + "</content>",
    '<content type="application/xhtml+xml"><p xmlns="http://www.w3.org/1999/xhtml">'
    '<A HREF="/r" REL="NoFollow" Type="Text/HTML">r</A><br/><![CDATA[<i>cdata</i>]]></p>'
    "</content>",
    '<content type="xhtml"/>', '<content type="xhtml">  </content><summary>after</summary>',
    '<content type="xhtml">' + XDIV.format("\u00c3\u00a9 \u0093q\u0094") + "</content>",
    '<summary type="html">&lt;p&gt;h&lt;/p&gt;</summary><summary type="xhtml">'
    + XDIV.format("second") + "</summary>",
]
TAKEN.update({
    "rdf": RDF.format(head="", items=RDF_ITEMS),
    "rdf_xml_lang": RDF.format(head="", items=RDF_ITEMS).replace(
        "<rdf:RDF ", '<rdf:RDF xml:lang="en" '),
    "atom_xhtml": FEED.format(items="".join(
        XHTML_ENTRY.format(n=n, parts=part) for n, part in enumerate(XHTML_PARTS))),
    # XHTML's namespace under a prefix of the document's own
    "xhtml_prefixed": FEED.format(items=XHTML_ENTRY.format(n=1, parts=(
        '<content type="xhtml"><x:div xmlns:x="http://www.w3.org/1999/xhtml"><x:p>p</x:p>'
        "</x:div></content>"))),
})
# RSS's <textInput>: a search box, kept apart by feedparser, which forgets its title depth
# there as at an <image>.
_SEARCH = ("<textInput><title>Search</title><description>Find &amp; read</description>"
           "<name>q</name><link>https://c.example/search</link></textInput>")


def _channel(inner: str, items: str = ITEM.format("")) -> str:
    return RSS.format(head="", channel=inner, items=items)


TAKEN.update({
    "textinput_before_items": _channel("<title>C</title>" + _SEARCH),
    "textinput_before_the_title": _channel(_SEARCH + "<title>C</title>"),
    "textinput_then_a_second_title": _channel("<title>C</title>" + _SEARCH + "<title>D</title>"),
    "textinput_untitled_then_title": _channel(
        "<title>C</title><textInput><title></title></textInput><title>D</title>"),
    "textinput_after_items": _channel("<title>C</title>", ITEM.format("") + _SEARCH),
    "textinput_in_a_podcast": _channel(
        "<itunes:summary>s</itunes:summary>" + _SEARCH + "<description>d</description>",
        ITEM.format("<description>a</description><content:encoded>b</content:encoded>")),
    "rdf_textinput": RDF.format(head="", items=RDF_ITEMS + '<textinput rdf:about="/t">'
                                                           "<title>T</title><name>q</name>"
                                                           "</textinput>"),
    "rdf_textinput_referenced": RDF.format(head="", items=RDF_ITEMS).replace(
        "<items>", '<textinput rdf:resource="https://c.example/t"/><items>').replace(
        "</rdf:RDF>", '<textinput rdf:about="https://c.example/t"><title>T</title>'
                      "<description>d</description><link>/s</link></textinput></rdf:RDF>"),
})
# Documents the direct road must leave to the others.
LEFT = {
    "textinput_in_an_item": _channel("", ITEM.format(_SEARCH)),
    "textinput_with_another_child": _channel("<textInput><title>S</title><url>u</url>"
                                             "</textInput>"),
    "textinput_with_a_prefixed_child": _channel("<textInput><dc:title>S</dc:title></textInput>"),
    "textinput_with_an_attribute": _channel('<textInput about="x"><title>S</title></textInput>'),
    "textinput_with_children_inside": _channel("<textInput><title>S<b>x</b></title></textInput>"),
    "rdf_textinput_first": RDF.format(head='<textinput rdf:about="/t"><title>T</title>'
                                           "</textinput>", items=RDF_ITEMS),
    "rdf_image_first": RDF.format(head='<image rdf:about="/i"><title>I</title></image>',
                                  items=RDF_ITEMS),
    "rdf_two_channels": RDF.format(head="", items=RDF_ITEMS + "<channel><title>D</title>"
                                                              "</channel>"),
    "rdf_atom_first": RDF.format(head="", items=RDF_ITEMS).replace(
        "<rdf:RDF ", '<rdf:RDF xmlns:atom="http://www.w3.org/2005/Atom" '),
    "rdf_without_rss10": RDF.format(head="", items=RDF_ITEMS).replace(
        'xmlns="http://purl.org/rss/1.0/"', ""),
    "rdf_item_lastmod": RDF.format(head="", items='<item lastmod="2024"><title>t</title>'
                                                  "</item>"),
    "rss10_namespace_in_rss": RSS.format(head="", channel="", items=ITEM.format(
        '<x xmlns="http://purl.org/rss/1.0/"/>')),
    "rss090": RDF.format(head="", items=RDF_ITEMS).replace(
        "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/"),
    "xhtml_lang": FEED.format(items=XHTML_ENTRY.format(n=1, parts=(
        '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml" xml:lang="en">x'
        "</div></content>"))),
    "xhtml_svg": FEED.format(items=XHTML_ENTRY.format(n=1, parts=(
        '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><svg/></div>'
        "</content>"))),
    "xhtml_body": FEED.format(items=XHTML_ENTRY.format(n=1, parts=(
        '<content type="xhtml"><body xmlns="http://www.w3.org/1999/xhtml">b</body>'
        "</content>"))),
    "xhtml_in_rss": RSS.format(head="", channel="", items=ITEM.format(
        '<atom:summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">x</div>'
        "</atom:summary>")),
    "feed_title_after_items": RSS.format(head="", channel="", items=ITEM.format(""))
    .replace("</channel>", "<title>Late</title></channel>"),
    "atom_source_content": FEED.format(items=(
        "<entry><title>x</title><source><title>S</title><content>c</content></source>"
        "</entry>")),
    # a namespace feedparser knows under another one's prefix: it would name that one's
    # elements after it
    "prefix_of_another": RSS.format(head="", channel="", items=ITEM.format("")).replace(
        "xmlns:dc=", 'xmlns:content2="http://purl.org/dc/elements/1.1/" xmlns:media2='
        '"http://purl.org/dc/elements/1.1/" xmlns:dcx=').replace(
        'xmlns:media="http://search.yahoo.com/mrss/"',
        'xmlns:media="http://purl.org/dc/elements/1.1/"'),
    "nameless_author": FEED.format(items="<entry><title>x</title><author><email>e@x.org"
                                         "</email></author></entry>"),
    "item_attribute": RSS.format(head="", channel="", items='<item rdf="1"><title>t</title>'
                                                            "</item>"),
    "link_url_attribute": FEED.format(items='<entry><title>x</title><link url="/u"/></entry>'),
    "content_src": FEED.format(items='<entry><title>x</title><content src="/s"/></entry>'),
    "xhtml_title": FEED.format(items='<entry><title type="xhtml">x</title></entry>'),
    "markup_in_title": RSS.format(head="", channel="", items="<item><title>a<b>b</b></title>"
                                                             "</item>"),
}


@pytest.mark.parametrize("name", sorted(TAKEN))
def test_documents_the_direct_road_reads(name: str) -> None:
    data = TAKEN[name].encode("iso-8859-1" if name == "latin1" else "utf-8")
    assert direct(data, URL, "")
    assert direct(data, "", RSS_TYPE if "rss" in TAKEN[name][:80] else ATOM_TYPE)


@pytest.mark.parametrize("name", sorted(LEFT))
def test_documents_the_direct_road_leaves(name: str) -> None:
    assert not direct(LEFT[name].encode("utf-8"))


# -- random feeds ------------------------------------------------------------------------------

TEXTS = ["plain words", "AT&amp;T", "&#8230; &#x2014;", "caf\u00e9 \u6771\u4eac",
         "\u00c3\u00a9t\u00e9", "\u0093quoted\u0094", "  spaced\n out  ", "&lt;b&gt;b&lt;/b&gt;",
         "<![CDATA[<i>it</i> & co]]>", "&lt;p&gt;one&lt;/p&gt;&lt;p&gt;two&lt;/p&gt;",
         "para\n\npara", "", " ", "x@y.org (Who)", "<![CDATA[]]>", "1 &lt; 2", "&amp;nbsp;"]
URIS = ["https://a.example/p?x=1&amp;y=2", "/relative/path", "tag:a.example,2024:1", "",
        "http://b.example", "rel", "tag://x/y", "mailto:a@b.example", "https://c.example/#"]
DATES = ["Tue, 14 Nov 2023 22:13:20 GMT", "Mon, 13 Nov 2023 22:13:20 +0100",
         "2023-11-14T22:13:20Z", "2023-11-14T22:13:20.5-08:00", "2023-11-14", "nonsense", "",
         "Sun, 31 Feb 2024 10:00:00 GMT", "2023-13-01T00:00:00Z", "Fri, 1 Dec 2023 1:2:3 EST"]


def _rss_item(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 7)):
        kind = rng.choice(["title", "link", "guid", "guid", "pubDate", "dc:date", "author",
                           "dc:creator", "description", "content:encoded", "category",
                           "comments", "atom:link", "enclosure", "media:thumbnail",
                           "itunes:author", "itunes:summary", "itunes:duration", "yt:id",
                           "media:title", "media:description", "media:group"])
        if kind == "guid":
            attr = rng.choice(["", ' isPermaLink="false"', ' isPermaLink="true"'])
            parts.append(f"<guid{attr}>{rng.choice(URIS)}</guid>")
        elif kind in ("link", "comments"):
            parts.append(f"<{kind}>{rng.choice(URIS)}</{kind}>")
        elif kind in ("pubDate", "dc:date"):
            parts.append(f"<{kind}>{rng.choice(DATES)}</{kind}>")
        elif kind == "atom:link":
            rel = rng.choice(["", ' rel="alternate"', ' rel="self"'])
            parts.append(f'<atom:link{rel} href="{rng.choice(URIS)}"/>')
        elif kind in ("enclosure", "media:thumbnail"):
            parts.append(f'<{kind} url="{rng.choice(URIS)}"/>')
        elif kind == "media:group":
            parts.append(_media_group(rng))
        else:
            parts.append(f"<{kind}>{rng.choice(TEXTS)}</{kind}>")
    return "<item>" + "".join(parts) + "</item>"


def _media_group(rng: random.Random) -> str:
    """A media:group (or media:content) holding titles and descriptions, as YouTube's."""
    inner = "".join(rng.choice([
        f"<media:title>{rng.choice(TEXTS)}</media:title>",
        f"<media:description>{rng.choice(TEXTS)}</media:description>",
        f'<media:thumbnail url="{rng.choice(URIS)}"/>', "<yt:views>3</yt:views>",
        f"<media:content><media:title>{rng.choice(TEXTS)}</media:title></media:content>"])
        for _ in range(rng.randint(0, 3)))
    name = rng.choice(["media:group", "media:content"])
    return (f'<{name} xmlns:media="http://search.yahoo.com/mrss/" xmlns:yt="urn:example:yt">'
            f"{inner}</{name}>")


def _atom_entry(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 7)):
        kind = rng.choice(["title", "link", "id", "published", "updated", "author", "summary",
                           "content", "category", "media:group", "source"])
        kind_attr = rng.choice(["", ' type="text"', ' type="html"', ' type="text/html"'])
        if kind == "link":
            rel = rng.choice(["", ' rel="alternate"', ' rel="self"', ' rel="enclosure"'])
            kind_attr = rng.choice(["", ' type="text/html"', ' type="image/png"'])
            parts.append(f'<link{rel}{kind_attr} href="{rng.choice(URIS)}"/>')
        elif kind == "id":
            parts.append(f"<id>{rng.choice(URIS)}</id>")
        elif kind in ("published", "updated"):
            parts.append(f"<{kind}>{rng.choice(DATES)}</{kind}>")
        elif kind == "author":
            name = rng.choice(["<name>N\u00c3\u00a9</name>", "<name> A B </name>",
                               "<name>x</name><email>e@x.org</email>", "<name></name>",
                               "<name> </name><uri>/u</uri>",
                               "<name></name><email>e@x.org</email>"])
            parts.append(f"<author>{name}</author>")
        elif kind == "category":
            parts.append('<category term="t"/>')
        elif kind == "media:group":
            parts.append(_media_group(rng))
        elif kind == "source":  # a Planet's entry cites its feed (RSS's <source> is text)
            inner = rng.sample([f"<title>{rng.choice(TEXTS)}</title>", "<id>tag:s,1:f</id>",
                                f'<link href="{rng.choice(URIS)}"/>',
                                "<author><name>S</name></author>"], rng.randint(0, 3))
            parts.append("<source>" + "".join(inner) + "</source>")
        else:
            parts.append(f"<{kind}{kind_attr if kind != 'title' or rng.random() < 0.5 else ''}>"
                         f"{rng.choice(TEXTS)}</{kind}>")
    return "<entry>" + "".join(parts) + "</entry>"


def random_document(rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        channel = "".join(rng.sample([
            f"<title>{rng.choice(TEXTS)}</title>", f"<link>{rng.choice(URIS)}</link>",
            "<description>d</description>", f'<atom:link href="{rng.choice(URIS)}"/>',
            "<image><title>I</title><url>/i</url></image>",
            f"<itunes:summary>{rng.choice(TEXTS)}</itunes:summary>",
            f"<media:title>{rng.choice(TEXTS)}</media:title>",
            "<itunes:owner><itunes:name>N</itunes:name></itunes:owner>",
            "<yt:channel>c</yt:channel>",
            f"<textInput><title>{rng.choice(TEXTS)}</title><description>{rng.choice(TEXTS)}"
            "</description><name>q</name></textInput>"], rng.randint(0, 6)))
        items = "".join(_rss_item(rng) for _ in range(rng.randint(1, 3)))
        return RSS.format(head="", channel=channel, items=items).encode("utf-8")
    head = "".join(rng.sample([f"<title>{rng.choice(TEXTS)}</title>",
                               f"<id>{rng.choice(URIS)}</id>",
                               f'<link href="{rng.choice(URIS)}"/>'], rng.randint(0, 3)))
    entries = "".join(_atom_entry(rng) for _ in range(rng.randint(1, 3)))
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"{head}{entries}</feed>").encode()


def test_random_documents_mostly_take_the_direct_road() -> None:
    rng = random.Random(5)
    taken = sum(direct(random_document(rng), rng.choice([URL, ""])) for _ in range(250))
    assert taken >= 200


@settings(max_examples=80, deadline=None)
@given(st.randoms(use_true_random=False), st.sampled_from([URL, "", "http://x.example/a/b"]))
def test_random_documents(rng: random.Random, url: str) -> None:
    direct(random_document(rng), url)


@settings(max_examples=40, deadline=None)
@given(st.one_of(random_rss(), random_atom()), st.sampled_from([URL, ""]))
def test_random_feeds_of_test_fastfeed(data: bytes, url: str) -> None:
    direct(data, url)
