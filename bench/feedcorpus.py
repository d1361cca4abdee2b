"""The feeds the refresh benchmark serves: an ASCII set and a varied set, from a fixed seed.

Why two sets. The ASCII set (`Corpus`) is the one every figure before this module was
measured on: well-formed RSS 2.0 and Atom in plain English-like ASCII, every feed of which
takes newsreader's direct road from expat to stories. Real subscriptions are not like that,
so `VariedCorpus` mixes what a reader meets: text in several scripts (accented Latin,
Cyrillic, Greek, Arabic, Hebrew, Devanagari, Chinese, Japanese) with typographic
punctuation, character and entity references, CDATA and escaped HTML, RSS 1.0 (RDF), Atom
with XHTML content, JSON Feed, legacy encodings (windows-1252, KOI8-R, ISO-8859-7), feeds
that are not well-formed XML (undeclared HTML entities, bare ampersands), the shapes the
common generators write (WordPress's RSS, a podcast host's iTunes elements, YouTube's Atom
with its media:group, a Planet aggregator's Atom citing each entry's <source>), a tenth that
newsreader's direct road leaves to feedparser (the shapes seen in real feeds that it still
leaves: RSS in UserLand's namespace, as Yandex's news feeds are written, and an item's
HTML written as markup), and a few large feeds. A shape the road has taken since stays
among the others (a Planet aggregator's Atom, a channel's <textInput>).
`Corpus` keeps drawing the exact same bytes for a seed as it always did, so its figures
stay comparable across rounds; `VariedCorpus` changed with the generators' shapes (the
round it did is in bench/README.md).
"""

from __future__ import annotations

import json
import random
import re
import time
from dataclasses import dataclass
from email.utils import formatdate
from xml.sax.saxutils import escape

_SYLLABLES = ["ka", "lo", "mi", "ne", "ra", "to", "su", "vi", "den", "mar", "tel", "bor", "qui",
              "sta", "pre", "con", "ver", "al", "in", "ex", "por", "ta", "ge", "shi", "on"]


@dataclass
class Feed:
    path: str
    kind: str  # one of VariedCorpus.KINDS, or "rss" / "atom" for the ASCII set
    title: str
    body: bytes
    entries: int
    content_type: str = ""

    def __post_init__(self) -> None:
        if not self.content_type:
            ctype = "application/atom+xml" if self.kind == "atom" else "application/rss+xml"
            self.content_type = f"{ctype}; charset=utf-8"


class Corpus:
    """The ASCII set: 60% RSS 2.0, 40% Atom; 20-100 entries; 0.5-8 KB HTML bodies."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.rng = rng
        self.words = ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4)))
                      for _ in range(3000)]
        self.sentences = [self._sentence() for _ in range(6000)]

    def _sentence(self) -> str:
        words = self.rng.choices(self.words, k=self.rng.randint(6, 22))
        words[0] = words[0].capitalize()
        return " ".join(words) + self.rng.choice([".", ".", ".", "?", "!"])

    def _paragraph(self) -> str:
        text = " ".join(self.rng.choices(self.sentences, k=self.rng.randint(2, 6)))
        roll = self.rng.random()
        if roll < 0.3:
            word = self.rng.choice(self.words)
            text += f' See <a href="https://example.com/{word}/{self.rng.randint(1, 99999)}">' \
                    f"{word}</a>."
        elif roll < 0.45:
            text = f"<strong>{self.rng.choice(self.words)}</strong> " + text
        elif roll < 0.55:
            text += f" <em>{self.rng.choice(self.sentences)}</em>"
        return f"<p>{text}</p>"

    # Cut the body at its drawn size. The ASCII set always has (its bytes for a seed must not
    # change); the varied set does not, as a cut can leave a tag or reference half written.
    _TRIM_BODY = True

    def _body_sentence(self) -> str:
        """A sentence for a list item or a quote in `body`."""
        return self.rng.choice(self.sentences)

    def _image(self) -> str:
        return (f'<p><img src="https://img.example.com/{self.rng.randint(1, 10**6)}.jpg"'
                f' alt="{self.rng.choice(self.words)}"></p>')

    def body(self) -> str:
        """An article: lists, quotes, images and paragraphs, drawn until it reaches a size
        between 0.5 and 8 KB (counted in UTF-8 bytes, which for the ASCII set are its
        characters)."""
        target = self.rng.randint(500, 8000)
        parts: list[str] = []
        size = 0
        while size < target:
            roll = self.rng.random()
            if roll < 0.08:
                part = ("<ul>" + "".join(f"<li>{self._body_sentence()}</li>"
                                         for _ in range(self.rng.randint(2, 5))) + "</ul>")
            elif roll < 0.12:
                part = f"<blockquote><p>{self._body_sentence()}</p></blockquote>"
            elif roll < 0.16:
                part = self._image()
            else:
                part = self._paragraph()
            parts.append(part)
            size += len(part.encode("utf-8"))
        text = "\n".join(parts)
        return text[:target] if self._TRIM_BODY else text

    def title(self) -> str:
        return " ".join(self.rng.choices(self.words, k=self.rng.randint(4, 11))).capitalize()

    def feed(self, index: int, base_time: float) -> Feed:
        kind = "rss" if self.rng.random() < 0.6 else "atom"
        count = self.rng.randint(20, 100)
        name = f"{self.title()} {index}"
        site = f"https://site{index}.example.com"
        items: list[str] = []
        for n in range(count):
            when = base_time - n * 3600 - self.rng.randint(0, 3000)
            title = escape(self.title())
            link = f"{site}/{2024 - n // 200}/{index}-{n}.html"
            author = " ".join(self.rng.choices(self.words, k=2)).title()
            body = self.body()
            if kind == "rss":
                content = (f"<description><![CDATA[{body}]]></description>"
                           if self.rng.random() < 0.5 else
                           f"<description>{escape(body[:200])}</description>"
                           f"<content:encoded><![CDATA[{body}]]></content:encoded>")
                items.append(
                    f"<item><title>{title}</title><link>{link}</link>"
                    f'<guid isPermaLink="true">{link}</guid>'
                    f"<pubDate>{formatdate(when, usegmt=True)}</pubDate>"
                    f"<dc:creator>{escape(author)}</dc:creator>"
                    f"<category>{self.rng.choice(self.words)}</category>{content}</item>")
            else:
                stamp = _iso(when)
                items.append(
                    f"<entry><title>{title}</title><link rel=\"alternate\" href=\"{link}\"/>"
                    f"<id>tag:site{index}.example.com,2024:{n}</id>"
                    f"<published>{stamp}</published><updated>{stamp}</updated>"
                    f"<author><name>{escape(author)}</name></author>"
                    f'<content type="html">{escape(body)}</content></entry>')
        if kind == "rss":
            text = _rss_document(escape(name), site, escape(self.title()), items)
        else:
            text = _atom_document("", name, site, index, base_time, items)
        return Feed(f"/feeds/{index}.{'xml' if kind == 'rss' else 'atom'}", kind, name,
                    text.encode("utf-8"), count)


# -- the varied set ----------------------------------------------------------------------------

# Syllables per script; words are joined without spaces where the language does so.
_SCRIPTS: dict[str, tuple[list[str], str]] = {
    "latin": (["é", "ça", "ür", "ñe", "ło", "ső", "ẩn", "të", "må", "ği", "la", "ro", "de",
               "vi", "par", "tion", "mon", "sé", "ka", "äu", "œu", "ze", "ři"], " "),
    "cyrillic": (["при", "вет", "мо", "ска", "ла", "ни", "ко", "го", "жи", "зн", "ру", "сс",
                  "ой", "да", "чт", "ще", "ёл", "ка", "ым"], " "),
    "greek": (["κα", "λη", "μέ", "ρα", "θε", "σσα", "λο", "νί", "κη", "ψυ", "χή", "ωρ", "ίο"],
              " "),
    "arabic": (["ال", "سلا", "م", "عل", "يك", "م", "كت", "اب", "مد", "ينة", "أخ", "بار"], " "),
    "hebrew": (["של", "ום", "עו", "לם", "חד", "שות", "ספ", "ר", "בי", "ת"], " "),
    "devanagari": (["नम", "स्ते", "भा", "रत", "सम", "ाचा", "र", "दि", "ल्ली", "की"], " "),
    "chinese": (["新", "闻", "中", "国", "经", "济", "发", "展", "北", "京", "市", "场", "政",
                 "府", "科", "技"], ""),
    "japanese": (["ニュ", "ース", "東", "京", "の", "経", "済", "は", "ます", "です", "日本",
                  "が", "を"], ""),
}
_PUNCT = {"": "。", " ": "."}
_TYPOGRAPHY = ["’", "“", "”", " — ", "…", " «", "» ", " · ", " €", " 😀"]
# In the legacy-encoding feeds: the script, and the encoding a real site of it would use.
_LEGACY = [("latin", "windows-1252"), ("cyrillic", "koi8-r"), ("greek", "iso-8859-7")]
# Undeclared HTML entities: not XML, so a conforming XML parser stops at the first one.
_HTML_ENTITIES = ["&nbsp;", "&eacute;", "&mdash;", "&hellip;", "&rsquo;", "&copy;"]


class VariedCorpus(Corpus):
    """Feeds like the ones people subscribe to (see the module docstring)."""

    KINDS = [("rss", 0.20), ("wordpress", 0.18), ("podcast", 0.07), ("atom", 0.07),
             ("planet", 0.04), ("youtube", 0.07), ("atom-xhtml", 0.05), ("rdf", 0.07),
             ("json", 0.09), ("legacy", 0.07), ("broken", 0.09)]
    # Every tenth feed is one only feedparser reads, in one of its shapes in turn
    # (`_feedparser_shape`): exactly a tenth, whatever the draws before it.
    FEEDPARSER_EVERY = 10

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.script_words = {
            name: ["".join(self.rng.choices(syllables, k=self.rng.randint(1, 3)))
                   for _ in range(600)]
            for name, (syllables, _) in _SCRIPTS.items()}
        self.script = "latin"

    # Text in the feed's script, with typography and the odd reference.
    def _words(self, count: int) -> str:
        joiner = _SCRIPTS[self.script][1]
        words = self.rng.choices(self.script_words[self.script], k=count)
        if self.rng.random() < 0.3:  # proper nouns and numbers in Latin letters, as in news
            words[self.rng.randrange(count)] = self.rng.choice(self.words).capitalize()
        text = joiner.join(words)
        if self.rng.random() < 0.4:
            text += self.rng.choice(_TYPOGRAPHY)
        return text

    def _sentence(self) -> str:
        if not hasattr(self, "script_words"):  # Corpus.__init__ fills the ASCII pool first
            return super()._sentence()
        return self._words(self.rng.randint(5, 18)) + _PUNCT[_SCRIPTS[self.script][1]]

    def _paragraph(self) -> str:
        text = " ".join(self._sentence() for _ in range(self.rng.randint(2, 5)))
        roll = self.rng.random()
        if roll < 0.25:
            word = self.rng.choice(self.words)
            text += (f' <a href="https://example.com/{word}?a=1&amp;b={self.rng.randint(1, 99)}">'
                     f"{self._words(2)}</a>")
        elif roll < 0.4:
            text = f"<strong>{self._words(2)}</strong> " + text
        elif roll < 0.5:
            text += " &#8220;" + self._words(4) + "&#8221; &#x2014; &amp; &lt;3"
        return f"<p>{text}</p>"

    _TRIM_BODY = False

    def _body_sentence(self) -> str:
        return self._sentence()

    def _image(self) -> str:
        return (f'<figure><img src="https://img.example.com/{self.rng.randint(1, 10**6)}'
                f'.jpg" alt="{self._words(2)}"><figcaption>{self._words(4)}'
                "</figcaption></figure>")

    def title(self) -> str:
        if not hasattr(self, "script_words"):
            return super().title()
        return self._words(self.rng.randint(3, 9))

    def _kind(self) -> str:
        roll = self.rng.random()
        for kind, share in self.KINDS:
            if roll < share:
                return kind
            roll -= share
        return "rss"

    def _feedparser_shape(self, index: int) -> str:
        """Which shape the feed at `index` of the feedparser tenth takes: the two seen in
        real feeds that the direct road still leaves to feedparser, in turn."""
        return ("userland", "markup")[(index // self.FEEDPARSER_EVERY) % 2]

    def feed(self, index: int, base_time: float) -> Feed:
        every = self.FEEDPARSER_EVERY
        kind = "feedparser" if index % every == every - 1 else self._kind()
        if kind == "legacy":
            self.script, encoding = self.rng.choice(_LEGACY)
        else:
            self.script, encoding = self.rng.choice(list(_SCRIPTS)), "utf-8"
        # A few large feeds, as some sites publish their whole month.
        count = (self.rng.randint(400, 900) if self.rng.random() < 0.03
                 else self.rng.randint(20, 100))
        name = f"{self.title()} {index}"
        site = f"https://site{index}.example.com"
        entries = [self._entry(index, n, base_time, site) for n in range(count)]
        build = {"rss": self._rss, "legacy": self._rss, "broken": self._rss,
                 "feedparser": self._rss, "planet": self._atom,
                 "atom": self._atom, "atom-xhtml": self._atom,
                 "rdf": self._rdf, "json": self._json, "wordpress": self._wordpress,
                 "podcast": self._podcast, "youtube": self._youtube}[kind]
        text, ctype, ext = build(kind, name, site, index, base_time, entries)
        if kind == "legacy":
            text = text.replace('encoding="UTF-8"', f'encoding="{encoding}"')
            data = text.encode(encoding, "xmlcharrefreplace")
            ctype = f"application/rss+xml; charset={encoding}"
        else:
            data = text.encode("utf-8")
        return Feed(f"/feeds/{index}.{ext}", kind, name, data, count, ctype)

    def _entry(self, index: int, n: int, base_time: float, site: str) -> dict[str, object]:
        when = base_time - n * 3600 - self.rng.randint(0, 3000)
        return {"title": self.title(), "link": f"{site}/{2024 - n // 200}/{index}-{n}.html",
                "author": self._words(2), "body": self.body(), "when": when,
                "id": f"tag:site{index}.example.com,2024:{n}", "tag": self._words(1)}

    def _text(self, kind: str, value: str) -> str:
        """A text element's content: escaped, or for the broken kind, with what lenient
        parsers accept and XML does not (HTML entities, a bare ampersand)."""
        out = escape(value)
        if kind == "broken" and self.rng.random() < 0.5:
            out += self.rng.choice([" AT&T", " R&D", " " + self.rng.choice(_HTML_ENTITIES)])
        return out

    def _rss(self, kind: str, name: str, site: str, index: int, base_time: float,
             entries: list[dict[str, object]]) -> tuple[str, str, str]:
        items = []
        userland = kind == "feedparser" and self._feedparser_shape(index) == "userland"
        for e in entries:
            body = str(e["body"])
            roll = self.rng.random()
            if kind == "broken":  # escaped HTML with undeclared entities: not XML
                content = (f"<description>{escape(body)} "
                           f"{self.rng.choice(_HTML_ENTITIES)}</description>")
            elif kind == "feedparser" and self._feedparser_shape(index) == "markup":
                content = f"<description>{_xhtml(body)}</description>"
            elif roll < 0.4:
                content = f"<description><![CDATA[{body}]]></description>"
            elif roll < 0.7:
                content = f"<description>{escape(body)}</description>"
            else:
                content = (f"<description>{escape(body[:200])}</description>"
                           f"<content:encoded><![CDATA[{body}]]></content:encoded>")
            if index % 3 == 0:  # a news aggregator's item names its origin (Google News)
                content += (f'<source url="https://origin{self.rng.randint(1, 500)}.example.org'
                            f'/">{escape(self._words(2))}</source>')
            if userland:
                content += "<yandex:genre>message</yandex:genre>"
            items.append(
                f"<item><title>{self._text(kind, str(e['title']))}</title>"
                f"<link>{e['link']}</link><guid isPermaLink=\"true\">{e['link']}</guid>"
                f"<pubDate>{formatdate(float(str(e['when'])), usegmt=True)}</pubDate>"
                f"<dc:creator>{escape(str(e['author']))}</dc:creator>"
                f"<category>{escape(str(e['tag']))}</category>{content}</item>")
        extra, namespaces = "<language>x</language>", ""
        if userland:  # a Yandex news feed: RSS 2.0 in UserLand's namespace, with a logo
            namespaces = 'xmlns="http://backend.userland.com/rss2" xmlns:yandex="http://news.yandex.ru"'
            extra += (f"<image><url>{site}/logo.png</url><title>{escape(self._words(3))}"
                      f"</title><link>{site}/</link></image>")
        elif kind == "rss" and index % 7 == 3:  # a search box, as Slashdot's has
            extra += ("<textInput><title>Search</title><description>Search this site"
                      f"</description><name>q</name><link>{site}/search</link></textInput>")
        text = _rss_document(self._text(kind, name), site, escape(self.title()), items, extra,
                             namespaces)
        return text, "application/rss+xml; charset=utf-8", "xml"

    def _wordpress(self, kind: str, name: str, site: str, index: int, base_time: float,
                   entries: list[dict[str, object]]) -> tuple[str, str, str]:
        """RSS as WordPress writes it: CDATA everywhere, an excerpt and the whole post,
        comment links and counts, and (WordPress.com) the post's id in a namespace of its
        own; the CommentAPI namespace is declared with its capital C."""
        items = []
        for n, e in enumerate(entries):
            body = str(e["body"])
            post_id = f'<post-id xmlns="com-wordpress:feed-additions:1">{n + 7}</post-id>'
            items.append(
                f"<item><title>{escape(str(e['title']))}</title><link>{e['link']}</link>"
                f"<comments>{e['link']}#respond</comments>"
                f"<dc:creator><![CDATA[{e['author']}]]></dc:creator>"
                f"<pubDate>{formatdate(float(str(e['when'])), usegmt=True)}</pubDate>"
                f"<category><![CDATA[{e['tag']}]]></category>"
                f"<category><![CDATA[{self._words(1)}]]></category>"
                f'<guid isPermaLink="false">{site}/?p={n + 7}</guid>'
                f"<description><![CDATA[{_text_of(body)[:300]} [&#8230;]]]></description>"
                f"<content:encoded><![CDATA[{body}]]></content:encoded>"
                f"<wfw:commentRss>{e['link']}feed/</wfw:commentRss>"
                f"<slash:comments>{self.rng.randint(0, 40)}</slash:comments>"
                + (post_id if index % 2 else "") + "</item>")
        channel = (f'<atom:link href="{site}/feed/" rel="self" type="application/rss+xml"/>'
                   "<sy:updatePeriod>hourly</sy:updatePeriod>"
                   "<sy:updateFrequency>1</sy:updateFrequency>"
                   "<generator>https://wordpress.org/?v=6.7.1</generator>"
                   f"<image><url>{site}/icon-32x32.png</url><title>{escape(name)}</title>"
                   f"<link>{site}/</link><width>32</width><height>32</height></image>")
        return self._generated_rss(name, site, items, channel, (
            'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
            'xmlns:atom="http://www.w3.org/2005/Atom" '
            'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" '
            'xmlns:slash="http://purl.org/rss/1.0/modules/slash/"'))

    def _podcast(self, kind: str, name: str, site: str, index: int, base_time: float,
                 entries: list[dict[str, object]]) -> tuple[str, str, str]:
        """A podcast host's RSS: iTunes' elements on the show and on each episode (the show
        notes as escaped HTML and as content:encoded), an enclosure per episode."""
        host = escape(str(entries[0]["author"])) if entries else "host"
        items = []
        for n, e in enumerate(entries):
            body = str(e["body"])
            extra = (f"<itunes:author>{host}</itunes:author>" if n % 2 else
                     f"<itunes:summary>{escape(_text_of(body)[:400])}</itunes:summary>")
            items.append(
                f"<item><title>{escape(str(e['title']))}</title>"
                f"<itunes:title>{escape(str(e['title']))}</itunes:title>"
                f"<itunes:episode>{len(entries) - n}</itunes:episode>"
                "<itunes:episodeType>full</itunes:episodeType>"
                f"<description>{escape(body[:600])}</description>"
                f"<content:encoded><![CDATA[{body}]]></content:encoded>{extra}"
                f'<enclosure url="https://cdn.example.net/{index}/{n}.mp3" '
                f'length="{self.rng.randint(10**7, 10**8)}" type="audio/mpeg"/>'
                f'<guid isPermaLink="false">{e["id"]}</guid>'
                f"<pubDate>{formatdate(float(str(e['when'])), usegmt=True)}</pubDate>"
                f"<itunes:duration>{self.rng.randint(5, 90)}:{self.rng.randint(10, 59)}"
                "</itunes:duration><itunes:explicit>false</itunes:explicit>"
                f'<itunes:image href="{site}/art/{n}.jpg"/></item>')
        channel = (f'<atom:link href="{site}/feed.xml" rel="self" '
                   'type="application/rss+xml"/>'
                   f"<itunes:author>{host}</itunes:author><itunes:type>episodic</itunes:type>"
                   f"<itunes:owner><itunes:name>{host}</itunes:name>"
                   "<itunes:email>show@example.net</itunes:email></itunes:owner>"
                   f'<itunes:image href="{site}/art.jpg"/>'
                   '<itunes:category text="Technology"><itunes:category text="Tech News"/>'
                   "</itunes:category><itunes:explicit>false</itunes:explicit>"
                   f"<itunes:summary>{escape(self.title())}</itunes:summary>")
        return self._generated_rss(name, site, items, channel, (
            'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
            'xmlns:atom="http://www.w3.org/2005/Atom"'))

    def _generated_rss(self, name: str, site: str, items: list[str], channel: str,
                       namespaces: str) -> tuple[str, str, str]:
        """A generator's RSS document: `channel` its channel elements, `namespaces` the
        declarations they need."""
        text = _rss_document(escape(name), site, escape(self.title()), items, channel,
                             namespaces)
        return text, "application/rss+xml; charset=utf-8", "xml"

    def _youtube(self, kind: str, name: str, site: str, index: int, base_time: float,
                 entries: list[dict[str, object]]) -> tuple[str, str, str]:
        """A YouTube channel's Atom: each video's text is its media:group's plain-text
        description (lines, no markup), beside ids, a thumbnail and counts."""
        items = []
        for n, e in enumerate(entries):
            stamp = _iso(float(str(e["when"])))
            video = f"v{index}x{n}"
            lines = "\n".join(escape(self._sentence()) for _ in range(self.rng.randint(1, 8)))
            items.append(
                f"<entry><id>yt:video:{video}</id><yt:videoId>{video}</yt:videoId>"
                f"<yt:channelId>UC{index}</yt:channelId>"
                f"<title>{escape(str(e['title']))}</title>"
                f'<link rel="alternate" href="https://www.youtube.com/watch?v={video}"/>'
                f"<author><name>{escape(name)}</name>"
                f"<uri>https://www.youtube.com/channel/UC{index}</uri></author>"
                f"<published>{stamp}</published><updated>{stamp}</updated>"
                f"<media:group><media:title>{escape(str(e['title']))}</media:title>"
                f'<media:content url="https://www.youtube.com/v/{video}?version=3" '
                'type="application/x-shockwave-flash" width="640" height="390"/>'
                f'<media:thumbnail url="https://i1.ytimg.com/vi/{video}/hqdefault.jpg" '
                'width="480" height="360"/>'
                f"<media:description>{lines}</media:description>"
                f'<media:community><media:starRating count="{n}" average="5.00" min="1" '
                f'max="5"/><media:statistics views="{n * 97}"/></media:community>'
                "</media:group></entry>")
        attrs = (' xmlns:yt="http://www.youtube.com/xml/schemas/2015" '
                 'xmlns:media="http://search.yahoo.com/mrss/"')
        text = _atom_document(attrs, name, site, index, base_time, items)
        return text, "application/atom+xml; charset=UTF-8", "atom"

    def _atom(self, kind: str, name: str, site: str, index: int, base_time: float,
              entries: list[dict[str, object]]) -> tuple[str, str, str]:
        items = []
        for e in entries:
            stamp = _iso(float(str(e["when"])))
            if kind == "atom-xhtml":
                content = ('<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
                           f"{_xhtml(str(e['body']))}</div></content>")
            else:
                content = f'<content type="html">{escape(str(e["body"]))}</content>'
            if kind == "planet":  # each entry cites the feed it came from
                origin = self.rng.randint(1, 60)
                content += (f"<source><id>tag:origin{origin}.example.org,2024:feed</id>"
                            f"<title>{escape(self._words(3))}</title><link rel=\"self\" "
                            f'href="https://origin{origin}.example.org/atom.xml"/></source>')
            items.append(
                f"<entry><title type=\"html\">{escape(str(e['title']))}</title>"
                f"<link rel=\"alternate\" href=\"{e['link']}\"/><id>{e['id']}</id>"
                f"<published>{stamp}</published><updated>{stamp}</updated>"
                f"<author><name>{escape(str(e['author']))}</name></author>"
                f"<category term=\"{escape(str(e['tag']))}\"/>"
                f"<summary>{escape(str(e['body'])[:160])}</summary>{content}</entry>")
        text = _atom_document(' xml:lang="x"', name, site, index, base_time, items)
        return text, "application/atom+xml; charset=utf-8", "atom"

    def _rdf(self, kind: str, name: str, site: str, index: int, base_time: float,
             entries: list[dict[str, object]]) -> tuple[str, str, str]:
        seq = "".join(f'<rdf:li rdf:resource="{e["link"]}"/>' for e in entries)
        items = []
        for e in entries:
            stamp = _iso(float(str(e["when"])))
            items.append(
                f'<item rdf:about="{e["link"]}"><title>{escape(str(e["title"]))}</title>'
                f"<link>{e['link']}</link><dc:date>{stamp}</dc:date>"
                f"<dc:creator>{escape(str(e['author']))}</dc:creator>"
                f"<description>{escape(str(e['body'])[:200])}</description>"
                f"<content:encoded><![CDATA[{e['body']}]]></content:encoded></item>")
        text = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                'xmlns="http://purl.org/rss/1.0/" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" '
                'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
                f'<channel rdf:about="{site}/"><title>{escape(name)}</title>'
                f"<link>{site}/</link><description>{escape(self.title())}</description>"
                f"<items><rdf:Seq>{seq}</rdf:Seq></items></channel>"
                + "".join(items) + "</rdf:RDF>")
        return text, "application/rdf+xml; charset=utf-8", "rdf"

    def _json(self, kind: str, name: str, site: str, index: int, base_time: float,
              entries: list[dict[str, object]]) -> tuple[str, str, str]:
        items = [{"id": e["id"], "url": e["link"], "title": e["title"],
                  "content_html": e["body"], "tags": [e["tag"]],
                  "date_published": _iso(float(str(e["when"]))),
                  "authors": [{"name": e["author"]}]} for e in entries]
        feed = {"version": "https://jsonfeed.org/version/1.1", "title": name,
                "home_page_url": f"{site}/", "feed_url": f"{site}/feed.json", "items": items}
        # ensure_ascii off half the time: both forms are common.
        text = json.dumps(feed, ensure_ascii=self.rng.random() < 0.5)
        return text, "application/feed+json; charset=utf-8", "json"


def _rss_document(title: str, site: str, description: str, items: list[str],
                  extra: str = "", namespaces: str = "") -> str:
    """An RSS 2.0 document around `items`; `title` and `description` come escaped (the broken
    kind's title on purpose not quite), `extra` is more channel elements, `namespaces` more
    declarations."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"'
            + (f" {namespaces}" if namespaces else "") + "><channel>"
            f"<title>{title}</title><link>{site}/</link>"
            f"<description>{description}</description>{extra}"
            + "".join(items) + "</channel></rss>")


def _atom_document(attrs: str, name: str, site: str, index: int, base_time: float,
                   items: list[str]) -> str:
    """An Atom document around `items`; `attrs` is more attributes of <feed>."""
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<feed xmlns="http://www.w3.org/2005/Atom"{attrs}>'
            f"<title>{escape(name)}</title><link href=\"{site}/\"/>"
            f"<id>tag:site{index}.example.com,2024:feed</id><updated>{_iso(base_time)}</updated>"
            + "".join(items) + "</feed>")


def _text_of(html: str) -> str:
    """The words of a generated body, its tags dropped (an excerpt, a podcast's summary)."""
    return " ".join(re.sub(r"<[^>]*>", " ", html).split())


def _iso(when: float) -> str:
    """A UTC time as Atom and JSON Feed write it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


def _xhtml(body: str) -> str:
    """The HTML body as well-formed XHTML (the generator's HTML only lacks closed <img>s)."""
    out: list[str] = []
    for piece in body.split("<img "):
        if out:
            end = piece.index(">")
            piece = piece[:end] + "/" + piece[end:]
        out.append(piece)
    return "<img ".join(out)


def corpus(kind: str, seed: int) -> Corpus:
    return VariedCorpus(seed) if kind == "varied" else Corpus(seed)
