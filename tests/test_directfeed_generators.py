"""Feeds as the common generators write them take the direct road, and agree with feedparser.

Most subscriptions come from a handful of generators: WordPress (its CommentAPI namespace
spelled with a capital C, `post-id` in a namespace of its own), podcast hosts (iTunes'
elements, owners, nested categories), YouTube (`yt:` ids, a media:group with the video's
title and description), Blogger (thread counts, `gd:image` inside an author), Mastodon
(media:content with its own description), Substack (iTunes and Google Play elements on a
newsletter). The files in fixtures/generator_feeds are written in their shapes. Every check
goes through `direct`, which asserts that the stories are the ones feedparser gives.

Beside them, the rules that let the road read these: an element no rule names is passed over
when feedparser has no handler for it either (it then only keeps it under a key of its own
name), and the places where feedparser's answer depends on more than that are left to it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.sources.feedfile import parse_feed
from tests.helpers.feed_cases import FEED, URL
from tests.helpers.feed_roads import direct

GENERATORS = Path(__file__).parent / "fixtures" / "generator_feeds"


@pytest.mark.parametrize("path", sorted(GENERATORS.iterdir()), ids=lambda p: p.name)
def test_generator_feeds_take_the_direct_road(path: Path) -> None:
    data = path.read_bytes()
    assert direct(data, URL, "")
    direct(data, "", "")  # the same stories (WordPress's Atom needs an address: xml:base)


def _entry(name: str) -> dict[str, str]:
    result = parse_feed((GENERATORS / name).read_bytes(), url=URL)
    entry = result.entries[0]
    return {"title": entry.title, "author": entry.author, "body": entry.body_html}


def test_what_the_generators_feeds_give() -> None:
    """What a reader sees (the same with or without the road: `direct` above)."""
    podcast = _entry("podcast.xml")
    assert podcast["author"] == "Jane Host"  # itunes:author is the author
    assert "<li>00:00 Intro</li>" in podcast["body"]  # content:encoded, not itunes:summary
    youtube = _entry("youtube.xml")
    assert youtube["title"] == "A video about examples"
    assert "In this video we look at examples." in youtube["body"]  # media:description
    # feedparser reads a description inside media:content after the item's own as content,
    # so a Mastodon post shows its image's alt text; the road gives the same
    assert "A picture" in _entry("mastodon.xml")["body"]
    assert "Edit or delete it" in _entry("wordpress.xml")["body"]


RSS = ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
       'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
       'xmlns:media="http://search.yahoo.com/mrss/" xmlns:yt="urn:example:yt" '
       'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>{channel}'
       "{items}</channel></rss>")


def _rss(channel: str = "<title>C</title>", *items: str) -> str:
    return RSS.format(channel=channel, items="".join(f"<item>{i}</item>" for i in items))


GROUP = "<media:group>{}</media:group>"
# Documents the road must read, each about one rule.
TAKEN = {
    "other_elements": _rss("<title>C</title><yt:channel>c</yt:channel>",
                           "<title>t</title><yt:id>1</yt:id><yt:stats views='2'>x</yt:stats>"
                           "<yt:group><yt:a>a</yt:a><yt:b c='d'/></yt:group>"
                           "<itunes:duration>1:00</itunes:duration>"),
    "default_namespace_other": _rss("<title>C</title>", '<title>t</title><post-id xmlns="urn:w">'
                                    "1</post-id><site xmlns='urn:w'>2</site>"),
    "namespace_uri_case": _rss("", "<title>t</title><wfw:commentRss>/c</wfw:commentRss>")
    .replace("<rss ", '<rss xmlns:wfw="http://wellformedweb.org/CommentAPI/" '),
    "itunes_feed": _rss("<title>C</title><itunes:author>A</itunes:author><itunes:owner>"
                        "<itunes:name>N</itunes:name><itunes:email>e@x.org</itunes:email>"
                        "</itunes:owner><itunes:category text='T'><itunes:category text='U'/>"
                        "</itunes:category><itunes:image href='/i.jpg'/>"
                        "<itunes:explicit>no</itunes:explicit><itunes:email>e@x.org"
                        "</itunes:email>", "<title>t</title><itunes:name>N</itunes:name>"),
    "itunes_entry": _rss("<title>C</title>",
                         "<title>t</title><itunes:author>Ann</itunes:author><itunes:summary>"
                         "s &lt;b&gt;b&lt;/b&gt;</itunes:summary><itunes:subtitle>u"
                         "</itunes:subtitle><itunes:keywords>a, b</itunes:keywords>",
                         "<itunes:summary>one</itunes:summary><description>two</description>",
                         "<description>one</description><itunes:summary>two</itunes:summary>",
                         "<content:encoded>c</content:encoded><itunes:summary>s"
                         "</itunes:summary><itunes:summary>t</itunes:summary>"),
    # a feed-level summary, then a description read as content: the first entry's second
    # description is then a summary, the next entry's a content again
    "feed_summary_then_description": _rss(
        "<title>C</title><itunes:summary>S</itunes:summary><description>D</description>",
        "<description>a</description><description></description>",
        "<description>c</description><description></description>"),
    "feed_summaries": _rss("<itunes:summary>S</itunes:summary><title>C</title>"
                           "<itunes:summary>T</itunes:summary><itunes:summary>U</itunes:summary>",
                           "<description>a</description><itunes:summary>b</itunes:summary>"),
    "media_titles": _rss(
        "<media:title>M</media:title><title>C</title>",
        "<title>t</title>" + GROUP.format("<media:title>m</media:title>"),
        GROUP.format("<media:title>m</media:title>") + "<title>t</title>",
        GROUP.format("<media:title>m</media:title><media:title></media:title>"),
        "<media:title>m</media:title>" + GROUP.format("<media:title>n</media:title>"),
        GROUP.format("<media:content><media:title>deep</media:title></media:content>"
                     "<media:title>m</media:title>"),
        "<title></title>" + GROUP.format("<media:title>m</media:title>")),
    "media_descriptions": _rss(
        "<title>C</title>",
        "<title>t</title>" + GROUP.format("<media:description>d</media:description>"),
        "<description>a</description>" + GROUP.format(
            "<media:description>d</media:description><media:thumbnail url='/t'/>"
            "<media:community><media:starRating average='5'/></media:community>"),
        "<media:content url='/i.jpg'><media:description type='plain'>alt</media:description>"
        "<media:rating>adult</media:rating></media:content>"),
    # Google News: each item cites its source, after which a later title counts again
    "rss_source": _rss("<title>C</title>",
                       "<title>t</title><source url='https://s.example/'>S</source>",
                       "<title>t</title><source>S</source><title>u</title>",
                       "<title></title><source url='u' x='y'/><title>v</title>"),
    "atom_youtube": FEED.format(items=(
        '<entry xmlns:media="http://search.yahoo.com/mrss/" xmlns:yt="urn:example:yt">'
        "<id>yt:video:1</id><yt:videoId>1</yt:videoId><title>V</title>"
        '<link rel="alternate" href="https://v.example/1"/><author><name>N</name>'
        "<uri>https://v.example/c</uri></author><published>2024-12-01T12:00:00+00:00"
        "</published><media:group><media:title>V</media:title><media:description>line\n"
        "two</media:description></media:group></entry>")),
    # a Planet's entry cites its feed: its title sets feedparser's title depth one level down,
    # so a later <title> replaces the entry's, and a media:title at that level does not count
    "planet_sources": FEED.format(items=(
        "<entry><title>x</title><source><title>S</title><link href='/s'/></source>"
        "<title>y</title></entry>"
        '<entry xmlns:media="http://search.yahoo.com/mrss/"><source><title>S</title>'
        "</source><media:group><media:title>m</media:title></media:group></entry>"
        '<entry xmlns:media="http://search.yahoo.com/mrss/"><source><id>s</id></source>'
        "<media:group><media:title>m</media:title></media:group></entry>")),
    "other_in_author": FEED.format(items=(
        '<entry xmlns:gd="urn:example:gd"><title>x</title><author><name>N</name>'
        "<gd:image src='/a.png'/></author></entry>")),
    "known_namespace_odd_prefix": _rss("<title>C</title>", "<title>t</title><x:summary>s"
                                       "</x:summary>").replace(
        "<rss ", '<rss xmlns:x="http://www.itunes.com/dtds/podcast-1.0.dtd" '),
    # jekyll-feed for a site whose author has no name: an empty <name> empties the detail,
    # whoever wrote it before
    "empty_author_names": FEED.format(items=(
        "<entry><title>x</title><author><name></name></author></entry>"
        "<entry><title>y</title><author>\n <name> </name>\n <uri>/me</uri>\n</author></entry>"
        "<entry><title>w</title><author><name></name></author><author><name>Bob</name>"
        "</author></entry>")),
    # WordPress's Atom counts comments on its links in a namespace of its own
    "link_with_a_foreign_attribute": FEED.format(items=(
        '<entry xmlns:thr="http://purl.org/syndication/thread/1.0"><title>x</title>'
        '<link rel="replies" href="/c" thr:count="2"/><link href="/a" thr:count="0"/>'
        "</entry>")),
    "foreign_under_a_standard_prefix": _rss("<title>C</title>", "<title>t</title>"
                                            "<thr:total>3</thr:total>")
    .replace("<rss ", '<rss xmlns:thr="urn:example:thread" '),
}
# Documents the road must leave to feedparser.
LEFT = {
    # feedparser has a handler for these, and no rule here reads them
    "handled_element": _rss("<title>C</title>", "<title>t</title><image><url>/i</url></image>"),
    "handled_unprefixed_other": _rss("<title>C</title>", '<title>t</title><title xmlns="urn:w">'
                                     "u</title>"),
    # a key feedparser files under one that is read ("issued_parsed" is published_parsed)
    "key_alias": _rss("<title>C</title>", "<title>t</title><pubDate>Tue, 14 Nov 2023 22:13:20 "
                      'GMT</pubDate><issued:parsed xmlns:issued="urn:i">x</issued:parsed>'),
    "other_with_base": _rss("<title>C</title>", "<title>t</title><yt:x base='/b'>1</yt:x>"),
    "other_in_image": _rss("<title>C</title><image><url>/i</url><yt:x>1</yt:x><title>I</title>"
                           "</image>", "<title>t</title>"),
    "itunes_link": _rss("<title>C</title>", "<title>t</title><itunes:link href='/l'/>"),
    # read as a summary, a deeper description would not replace the item's own
    "deep_description_after_content": _rss("<title>C</title>", "<description>a</description>"
                                           "<content:encoded>c</content:encoded>" + GROUP.format(
                                               "<media:description>d</media:description>")),
    # a namespace feedparser knows, under the prefix of another it knows
    "known_namespace_under_another_prefix": _rss("<title>C</title>", "<title>t</title>"
                                                 "<dc:summary>s</dc:summary>").replace(
        "<rss ", '<rss xmlns:dc="http://www.itunes.com/dtds/podcast-1.0.dtd" '),
    # a namespace it does not know under a prefix the document gave one it knows: feedparser
    # names its elements after that one ("x:creator" is dc:creator, an author)
    "foreign_under_a_known_prefix": _rss("<title>C</title>", "").replace(
        "<rss ", '<rss xmlns:x="http://purl.org/dc/elements/1.1/" ').replace(
        "<item></item>", '<item xmlns:x="urn:f"><title>t</title><x:creator>Z</x:creator></item>'),
    # an empty <name> beside what feedparser then reads as the author instead: after another
    # author (whose e-mail address feedparser may carry into the empty one), an e-mail, text
    # before or after it, another element
    "empty_name_after_an_author": FEED.format(items=(
        "<entry><title>z</title><author><name>Ann</name><email>a@x.org</email></author>"
        "<author><name></name></author></entry>")),
    "empty_name_and_email": FEED.format(items=(
        "<entry><title>x</title><author><name></name><email>e@x.org</email></author>"
        "</entry>")),
    "empty_name_and_text": FEED.format(items=(
        "<entry><title>x</title><author>Ann <name></name></author></entry>")),
    "empty_name_and_text_after": FEED.format(items=(
        "<entry><title>x</title><author><name></name> Ann</author></entry>")),
    "empty_name_and_another_element": FEED.format(items=(
        '<entry xmlns:gd="urn:g"><title>x</title><author><name></name><gd:x a="1">Ann'
        "</gd:x></author></entry>")),
    # a foreign attribute feedparser files under a name its link handler reads
    "link_with_a_foreign_href": FEED.format(items=(
        '<entry xmlns:x="urn:x"><title>x</title><link href="/a" x:href="/b"/></entry>')),
    "userland_namespace": _rss("<title>C</title>", "<title>t</title>").replace(
        "<rss ", '<rss xmlns:u="http://backend.userland.com/rss2" '),
    "feed_title_after_items": _rss("", "<title>t</title>").replace(
        "</channel>", "<media:title>Late</media:title></channel>"),
}


# jekyll-feed's Atom: an xml:base on every <content>, which feedparser restores after it when
# the feed has an address (else the base it leaves behind would move later links)
JEKYLL = FEED.format(items=(
    '<entry><title>x</title><link href="/a" rel="alternate" type="text/html"/><id>/a</id>'
    '<content type="html" xml:base="/2024/a.html">&lt;a href="b.png"&gt;b&lt;/a&gt;</content>'
    '<summary type="html" base="/s/">s</summary></entry>'
    '<entry><title type="html" xml:base="https://t.example/">y</title><link href="c"/>'
    "<id>c</id></entry>"))


def test_xml_base_on_the_root() -> None:
    """WordPress's Atom: the root's xml:base is the base of every link and id after it."""
    data = FEED.format(items=(
        '<entry><title>x</title><link href="a/b"/><id>c</id></entry>')).replace(
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://b.example/dir/x.php">')
    assert direct(data.encode("utf-8"), URL, "")
    assert parse_feed(data.encode("utf-8"), url=URL).entries[0].link == "https://b.example/dir/a/b"
    assert not direct(data.encode("utf-8"), "", "")  # joined against nothing: feedparser's


def test_xml_base_on_text_elements() -> None:
    data = JEKYLL.encode("utf-8")
    assert direct(data, URL, "")
    assert not direct(data, "", "")
    xhtml = JEKYLL.replace('type="html" xml:base', 'type="xhtml" xml:base', 1).replace(
        "&lt;a href=\"b.png\"&gt;b&lt;/a&gt;", '<div xmlns="http://www.w3.org/1999/xhtml">b</div>')
    assert not direct(xhtml.encode("utf-8"), URL, "")
    twice = JEKYLL.replace('xml:base="/2024/a.html"', 'xml:base="/2024/a.html" base="/x/"')
    assert not direct(twice.encode("utf-8"), URL, "")
    on_link = JEKYLL.replace('<link href="c"/>', '<link href="c" xml:base="/d/"/>')
    assert not direct(on_link.encode("utf-8"), URL, "")


@pytest.mark.parametrize("name", sorted(TAKEN))
def test_documents_the_road_reads(name: str) -> None:
    data = TAKEN[name].encode("utf-8")
    assert direct(data, URL, "")
    assert direct(data, "", "")


@pytest.mark.parametrize("name", sorted(LEFT))
def test_documents_the_road_leaves(name: str) -> None:
    assert not direct(LEFT[name].encode("utf-8"))
