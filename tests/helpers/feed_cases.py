"""Feed documents shared by the "same stories as feedparser" tests (test_fastfeed,
test_directfeed): hand-written edge cases, odd documents, and hypothesis strategies for
random feeds and dates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import strategies as st

FEEDS = Path(__file__).parent.parent / "fixtures" / "feeds"
URL = "https://news.example.com/feeds/main.xml"
RSS_TYPE = "application/rss+xml; charset=utf-8"


# -- hand-written edge cases -------------------------------------------------------------------

CHANNEL = ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
           'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" '
           'xmlns:media="http://search.yahoo.com/mrss/" '
           'xmlns:atom="http://www.w3.org/2005/Atom" '
           'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
           "<channel><title>Edge &amp; Cases</title><link>https://news.example.com/</link>"
           '<atom:link href="https://news.example.com/feed.xml" rel="self" '
           'type="application/rss+xml"/><description>d</description>{items}</channel></rss>')
FEED = ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        '<title>Atom edge</title><link href="https://atom.example.org/"/>'
        "<id>tag:atom.example.org,2024:feed</id><updated>2024-01-01T00:00:00Z</updated>"
        "{items}</feed>")

RSS_ITEMS = {
    "cdata": "<item><title><![CDATA[Fish & <b>chips</b>]]></title><link>https://a.example/1"
             "</link><description><![CDATA[<p>One</p><p>Two &amp; more</p>]]></description>"
             "</item>",
    "entities": "<item><title>AT&amp;T &#8230; caf&#233; &lt;3</title>"
                "<description>&lt;p&gt;Tom &amp;amp; Jerry&lt;/p&gt; &#x2014; ok</description>"
                "<guid>https://a.example/e</guid></item>",
    "content_encoded": "<item><title>T</title><description>short</description>"
                       "<content:encoded><![CDATA[<p>Long <em>body</em></p>]]>"
                       "</content:encoded><dc:creator>Ann Lee</dc:creator>"
                       "<pubDate>Tue, 14 Nov 2023 22:13:20 GMT</pubDate></item>",
    "encoded_first": "<item><content:encoded>&lt;p&gt;body&lt;/p&gt;</content:encoded>"
                     "<description>sum</description><title>x</title></item>",
    "empty_encoded": "<item><title>t</title><content:encoded>   </content:encoded>"
                     "<description>fallback text</description></item>",
    "relative_links": "<item><title>rel</title><link>/2024/story?a=1&amp;b=2</link>"
                      "<description>&lt;a href=\"../x\"&gt;x&lt;/a&gt; &lt;img src=\"i.png\"&gt;"
                      "</description></item>",
    "missing_guid": "<item><title>no guid</title><link>https://a.example/ng</link></item>",
    "guid_not_permalink": '<item><title>g</title><guid isPermaLink="false">abc-123</guid>'
                          "</item>",
    "guid_permalink_relative": "<item><title>g</title><guid>story/9</guid></item>",
    "guid_before_link": "<item><guid>https://a.example/g</guid><link>https://a.example/l"
                        "</link><title>t</title></item>",
    "whitespace": "<item>\n  <title>\n   Spaced   out\n  </title>\n  <link>\n  https://a."
                  "example/ws  \n</link>\n<description>\n\n  Para one.\n\n  Para two.\n\n"
                  "</description>\n</item>",
    "title_html": "<item><title>&lt;b&gt;Bold&lt;/b&gt; &amp;amp; news</title></item>",
    "title_plain_lt": "<item><title>1 &lt; 2 &amp;&amp; 3 &gt; 2</title></item>",
    "author_email": "<item><title>a</title><author>joe@example.com (Joe Bloggs)</author></item>",
    "author_bare_email": "<item><title>a</title><author>joe@example.com</author></item>",
    "two_authors": "<item><title>a</title><author>A</author><dc:creator>B</dc:creator></item>",
    "dates": "<item><title>d</title><pubDate>Wed, 02 Oct 2002 13:00:00 +0200</pubDate>"
             "<dc:date>2002-10-02T10:00:00-05:00</dc:date></item>",
    "odd_dates": "<item><title>d</title><pubDate>2002-10-02</pubDate>"
                 "<dc:date>Sat, 31 Feb 2024 10:00:00 GMT</dc:date></item>",
    "bad_date": "<item><title>d</title><pubDate>yesterday</pubDate></item>",
    "media": '<item><title>m</title><media:group><media:title>Media title</media:title>'
             '<media:description>Media words</media:description><media:content '
             'url="https://a.example/v.mp4"/><media:thumbnail url="https://a.example/t.jpg"/>'
             "</media:group><description>desc</description></item>",
    "media_description": "<item><title>m</title><description>first</description>"
                         "<media:description>second</media:description></item>",
    "itunes": "<item><title>p</title><itunes:summary>pod words</itunes:summary>"
              "<itunes:duration>12:00</itunes:duration><description>d</description>"
              '<enclosure url="https://a.example/a.mp3" length="1" type="audio/mpeg"/></item>',
    "category": '<item><title>c</title><category domain="x">News</category><category/>'
                "<comments>https://a.example/c</comments></item>",
    "source": '<item><title>s</title><source url="https://b.example/f">Other</source></item>',
    "two_descriptions": "<item><title>t</title><description>one</description>"
                        "<description>two</description></item>",
    "non_ascii": "<item><title>Zürich – “quotes” 東京</title><description>Ã© mojibake "
                 "\u0093c1\u0094</description></item>",
    "no_title": "<item><description>&lt;p&gt;Only a body that is long enough to become a "
                "title of its own.&lt;/p&gt;</description></item>",
    "empty_item": "<item></item><item><title>after empty</title></item>",
    "unknown_ns": '<item xmlns:x="urn:x"><title>u</title><x:title>other</x:title>'
                  '<x:thing a="1">t</x:thing></item>',
    "atom_link_in_item": '<item><title>l</title><atom:link rel="alternate" type="text/html" '
                         'href="https://a.example/al"/></item>',
}

ATOM_ENTRIES = {
    "basic": '<entry><title>A</title><link rel="alternate" href="https://atom.example.org/a"/>'
             "<id>tag:atom.example.org,2024:a</id><published>2024-02-01T10:00:00Z</published>"
             "<updated>2024-02-02T10:00:00+01:00</updated><author><name>N</name>"
             "<email>n@x.org</email></author>"
             '<content type="html">&lt;p&gt;Hello&lt;/p&gt;</content></entry>',
    "updated_only": "<entry><title>U</title><id>https://atom.example.org/u</id>"
                    "<updated>2024-02-02T10:00:00.123Z</updated>"
                    "<summary>Sum only</summary></entry>",
    "text_content": '<entry><title type="text">1 &lt; 2</title><id>x:1</id>'
                    '<content type="text">line one\nline two &amp; more</content></entry>',
    "html_title": '<entry><title type="html">&lt;em&gt;E&lt;/em&gt; &amp;amp; co</title>'
                  "<id>x:2</id></entry>",
    "summary_and_content": '<entry><title>S</title><id>x:3</id><summary type="html">'
                           "&lt;p&gt;short&lt;/p&gt;</summary><content type=\"html\"/></entry>",
    "links": '<entry><title>L</title><id>x:4</id><link rel="self" href="/self"/>'
             '<link rel="enclosure" href="a.mp3" type="audio/mpeg"/>'
             '<link href="relative/page.html"/></entry>',
    "id_then_no_link": "<entry><title>I</title><id>https://atom.example.org/i</id></entry>",
    "author_uri": "<entry><title>A</title><id>x:5</id><author><name> Spaced Name </name>"
                  "<uri>/me</uri></author><contributor><name>C</name></contributor></entry>",
    "author_email_only": "<entry><title>A</title><id>x:6</id><author><email>e@x.org</email>"
                         "</author></entry>",
    "category": '<entry><title>C</title><id>x:7</id><category term="t" label="L"/></entry>',
}

DECLINED = {
    "doctype": '<?xml version="1.0"?><!DOCTYPE rss><rss version="2.0"><channel><title>t'
               "</title><item><title>i</title></item></channel></rss>",
    "xml_base": '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t'
                '</title><entry xml:base="https://b.example/"><title>e</title>'
                '<link href="x"/></entry></feed>',
    "xhtml_outside_its_namespace": '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/'
                                   'Atom"><title>t</title><entry><title>e</title><content '
                                   'type="xhtml"><div><p>x</p><link>y</link></div></content>'
                                   "</entry></feed>",
    "raw_html_child": '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
                      "<title>i</title><description>a <b>b</b></description></item></channel>"
                      "</rss>",
    "malformed": '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
                 "<title>i &nbsp; j</title></item></channel></rss>",
    "no_entries": '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                  "</channel></rss>",
    "base64": '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
              '<entry><title>e</title><content type="application/octet-stream">aGk=</content>'
              "</entry></feed>",
}


# Odd documents: the fast road may read them or decline, but never differ.
RSS_DOC = '<?xml version="1.0"?><rss version="2.0"{ns}><channel>{body}</channel></rss>'
ODD = {
    "xml_base_root": '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" '
                     'xml:base="https://b.example/"><title>t</title><entry><title>e</title>'
                     '<link href="x"/></entry></feed>',
    "default_unknown_ns_item": CHANNEL.format(
        items='<item xmlns="urn:x"><title>u</title><link>https://a/1</link></item>'),
    "content_wrong_ns": CHANNEL.format(
        items='<item xmlns:content="urn:other"><title>c</title>'
              "<content:encoded>x</content:encoded></item>"),
    "prefix_redeclared": CHANNEL.format(
        items='<item xmlns:dc="urn:zzz"><title>c</title><dc:creator>who</dc:creator></item>'
              "<item><title>d</title><dc:creator>real</dc:creator></item>"),
    "image_first": RSS_DOC.format(ns="", body=(
        "<image><url>https://i/x.png</url><title>Img title</title><link>https://img/</link>"
        "</image><title>Chan</title><link>https://chan/</link><item><title>i</title></item>")),
    "image_with_other": RSS_DOC.format(ns="", body=(
        "<image><url>https://i/x.png</url><foo>x</foo><title>Img title</title>"
        "<link>https://img/</link></image><item><title>i</title></item>")),
    "textinput": RSS_DOC.format(ns="", body=(
        "<title>C</title><textInput><title>TI</title><name>q</name><link>https://s/</link>"
        "</textInput><item><title>i</title></item>")),
    "atom_source": FEED.format(
        items='<entry><title>E</title><id>x:1</id><source><title>Src</title>'
              '<link href="https://src/"/><id>x:src</id></source></entry>'),
    "xml_lang": FEED.format(
        items='<entry xml:lang="de_DE"><title>E</title><id>x:1</id>'
              '<content type="html">a</content></entry>'),
    "base_attr": CHANNEL.format(
        items='<item base="https://b/"><title>b</title><link>x</link></item>'),
    "userland": RSS_DOC.format(ns=' xmlns="http://backend.userland.com/rss2"', body=(
        "<title>C</title><item><title>i</title><link>https://a/</link></item>")),
    "rss091": RSS_DOC.format(ns="", body=(
        "<title>C</title><item><title>i</title><link>https://a/</link>"
        "<description>d</description></item>")).replace('"2.0"', '"0.91"'),
    "atom03": '<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#">'
              '<title>t</title><entry><title>e</title><link rel="alternate" type="text/html" '
              'href="https://a/"/><id>x</id><issued>2004-01-01T00:00:00Z</issued><modified>'
              '2004-01-02T00:00:00Z</modified><content type="text/html" mode="escaped">'
              "&lt;p&gt;x&lt;/p&gt;</content></entry></feed>",
    "dup_titles": CHANNEL.format(items="<item><title/><title>Second</title><title>Third</title>"
                                       "</item>"),
    "rss_link_href": CHANNEL.format(
        items='<item><title>t</title><link href="https://h/">text</link></item>'),
    "nested_item": CHANNEL.format(
        items="<item><title>outer</title><item><title>inner</title></item>"
              "<link>https://o/</link></item>"),
    "long_author": CHANNEL.format(items="<item><title>t</title><author>" + "x" * 3000
                                        + "</author></item>"),
    "desc_type": CHANNEL.format(
        items='<item><title>t</title><description type="text/plain">a &lt;b&gt; c'
              "</description></item>"),
    "cdata_split": CHANNEL.format(
        items="<item><title>a<![CDATA[ & b ]]>&amp;c<![CDATA[d]]></title></item>"),
    "html_link_amp": CHANNEL.format(
        items="<item><title>t</title><link>https://a/?x=1&amp;amp;y=2&amp;z;</link></item>"),
    "guid_permalink_True": CHANNEL.format(
        items='<item><title>t</title><guid isPermaLink="True">rel/x</guid></item>'),
    "channel_after_items": RSS_DOC.format(ns="", body=(
        "<item><title>i</title></item><title>Late title</title><link>https://late/</link>")),
    "rdf_about_no_ns": '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
                       '22-rdf-syntax-ns#"><channel><title>C</title></channel><item '
                       'rdf:about="https://a/1"><title>i</title></item></rdf:RDF>',
    "cdf_href": '<?xml version="1.0"?><rss version="2.0"><channel href="https://c/"><title>C'
                '</title><item href="https://i/"><title>i</title></item></channel></rss>',
    "pi_and_comment": '<?xml version="1.0"?><?xml-stylesheet href="s.xsl"?><!-- hi -->'
                      '<rss version="2.0"><channel><title>C</title><!-- c --><item><title>i'
                      "<!-- x --></title></item></channel></rss>",
    "leading_ws": '\n\n  <?xml version="1.0"?><rss version="2.0"><channel><title>C</title>'
                  "<item><title>i</title></item></channel></rss>",
    "no_decl_ws": '\n  <rss version="2.0"><channel><title>C</title><item><title>i</title>'
                  "</item></channel></rss>",
    "svg_elem": CHANNEL.format(
        items='<item><title>t</title><svg xmlns="http://www.w3.org/2000/svg"><circle/></svg>'
              "</item>"),
    "media_keywords_attr": CHANNEL.format(
        items='<item><title>t</title><media:keywords a="1">a,b</media:keywords></item>'),
    "itunes_owner": CHANNEL.format(
        items="<item><title>t</title><itunes:owner><itunes:name>O</itunes:name><itunes:email>"
              "o@x.org</itunes:email></itunes:owner><itunes:author>IA</itunes:author></item>"),
    "feed_level_content": RSS_DOC.format(
        ns=' xmlns:content="http://purl.org/rss/1.0/modules/content/"',
        body="<title>C</title><content:encoded>x</content:encoded><item><title>i</title>"
             "<description>a</description><description>b</description></item>"),
    "georss": CHANNEL.format(
        items='<item xmlns:georss="http://www.georss.org/georss"><title>t</title>'
              "<georss:point>45.256 -71.92</georss:point></item>"),
    "char_refs": RSS_DOC.format(ns="", body=(
        "<title>C &#x26; &#38;amp;</title><item><title>&#60;i&#62;</title></item>")),
    "xlink": RSS_DOC.format(ns=' xmlns:xl="http://www.w3.org/1999/xlink"', body=(
        '<title>C</title><item><title>i</title><foo xl:href="x">y</foo></item>')),
}



ALL_ITEMS = "".join(RSS_ITEMS.values())


# -- random feeds ------------------------------------------------------------------------------

TEXTS = st.sampled_from([
    "plain words", "AT&amp;T", "&#8230; &#x2014;", "caf\u00e9 \u6771\u4eac",
    "\u00c3\u00a9t\u00e9", "\u0093quoted\u0094", "  spaced\n out  ", "&lt;b&gt;bold&lt;/b&gt;",
    "<![CDATA[<i>it</i> & co]]>",
    "&lt;p&gt;one&lt;/p&gt;&lt;p&gt;two&lt;/p&gt;", "para\n\npara", "", " ", "x@y.org (Who)",
    "https://a.example/p?x=1&amp;y=2", "/relative/path", "tag:a.example,2024:1",
])
DATES = st.sampled_from([
    "Tue, 14 Nov 2023 22:13:20 GMT", "Mon, 13 Nov 2023 22:13:20 +0100", "2023-11-14T22:13:20Z",
    "2023-11-14T22:13:20.5-08:00", "2023-11-14", "14 Nov 2023", "Sun, 31 Feb 2024 10:00:00 GMT",
    "nonsense", "", "Thu, 01 Jan 1970 00:00:00 GMT", "2023-13-01T00:00:00Z",
])


def rss_element(draw: Any) -> str:
    kind = draw(st.sampled_from([
        "title", "link", "guid", "guid_false", "pubDate", "dc:date", "author", "dc:creator",
        "description", "content:encoded", "category", "comments", "media:title",
        "media:description", "itunes:summary", "enclosure", "x:unknown", "atom:link"]))
    if kind == "guid_false":
        return f'<guid isPermaLink="false">{draw(TEXTS)}</guid>'
    if kind in ("pubDate", "dc:date"):
        return f"<{kind}>{draw(DATES)}</{kind}>"
    if kind == "enclosure":
        return '<enclosure url="https://a.example/a.mp3" type="audio/mpeg"/>'
    if kind == "atom:link":
        rel = draw(st.sampled_from(["self", "alternate", "related"]))
        return f'<atom:link rel="{rel}" href="{draw(st.sampled_from(["/l", "https://l.example/"]))}"/>'
    return f"<{kind}>{draw(TEXTS)}</{kind}>"


def atom_element(draw: Any) -> str:
    kind = draw(st.sampled_from([
        "title", "title_html", "link", "link_rel", "id", "published", "updated", "author",
        "summary", "content", "content_text", "category"]))
    if kind == "title_html":
        return f'<title type="html">{draw(TEXTS)}</title>'
    if kind == "link":
        return f'<link href="{draw(st.sampled_from(["/a", "https://b.example/c", ""]))}"/>'
    if kind == "link_rel":
        rel = draw(st.sampled_from(["self", "alternate", "enclosure", "replies"]))
        return f'<link rel="{rel}" type="text/html" href="https://r.example/{rel}"/>'
    if kind in ("published", "updated"):
        return f"<{kind}>{draw(DATES)}</{kind}>"
    if kind == "author":
        return f"<author><name>{draw(TEXTS)}</name><email>{draw(TEXTS)}</email></author>"
    if kind == "content":
        return f'<content type="html">{draw(TEXTS)}</content>'
    if kind == "content_text":
        return f'<content type="text">{draw(TEXTS)}</content>'
    if kind == "category":
        return '<category term="t"/>'
    return f"<{kind}>{draw(TEXTS)}</{kind}>"


@st.composite
def random_rss(draw: Any) -> bytes:
    items = "".join(
        "<item>" + "".join(rss_element(draw) for _ in range(draw(st.integers(0, 7)))) + "</item>"
        for _ in range(draw(st.integers(1, 3))))
    text = CHANNEL.format(items=items).replace("<channel>", '<channel xmlns:x="urn:x">', 1)
    return text.encode("utf-8")


@st.composite
def random_atom(draw: Any) -> bytes:
    entries = "".join(
        "<entry>" + "".join(atom_element(draw) for _ in range(draw(st.integers(0, 7))))
        + "</entry>" for _ in range(draw(st.integers(1, 3))))
    return FEED.format(items=entries).encode("utf-8")




# -- dates -----------------------------------------------------------------------------------

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@st.composite
def date_strings(draw: Any) -> str:
    year = draw(st.integers(0, 9999))
    month, day = draw(st.integers(0, 13)), draw(st.integers(0, 32))
    hour, minute, second = draw(st.integers(0, 25)), draw(st.integers(0, 61)), draw(
        st.integers(0, 61))
    if draw(st.booleans()):
        day_name = draw(st.sampled_from(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]))
        zone = draw(st.sampled_from(["GMT", "UT", "Z", "+0000", "-0530", "+1400", "-9999"]))
        name = MONTHS[month % 12]
        clock = f"{hour:02d}:{minute:02d}:{second:02d}"
        return f"{day_name}, {day:02d} {name} {year:04d} {clock} {zone}"
    zone = draw(st.sampled_from(["Z", "+00:00", "-05:30", "+14:00", "-99:99"]))
    fraction = draw(st.sampled_from(["", ".5", ".123456"]))
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}{zone}"
