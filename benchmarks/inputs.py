"""Deterministic inputs for the benchmarks: feed items like a WordPress site's, as RSS 2.0 and Atom.

Every generator takes a `random.Random` the caller seeded, so the same run makes the same bytes.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

SITE = "https://news.example.org"
WORDS = (
    "cancer", "research", "institute", "study", "patients", "cells", "tumour", "therapy",
    "clinical", "trial", "immune", "response", "protein", "gene", "expression", "group",
    "leader", "laboratory", "results", "treatment", "resistance", "biomarker", "cohort",
    "screening", "funding", "award", "council", "network", "partners", "hospital", "data",
    "analysis", "imaging", "molecular", "pathway", "signalling", "model", "drug", "screening",
    "early", "detection",
)  # fmt: skip
CATEGORIES = ("News", "Publication", "Award", "People", "Group leader", "Events", "Innovation")
# Titles as WordPress sends them: entities that XML decodes, and some that stay encoded once more.
TITLE_DECORATIONS = ("&amp;", "&#8217;s", "&#8211;", "&amp;#8220;new&amp;#8221;", "&lt;3", "—")


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choices(WORDS, k=count))


def title(rng: random.Random, number: int) -> str:
    """Escaped for XML: entities included on purpose, so normalising titles costs what it costs."""
    head = words(rng, rng.randint(4, 9)).capitalize()
    return f"{escape(head)} {rng.choice(TITLE_DECORATIONS)} {escape(words(rng, 3))} ({number})"


def paragraph(rng: random.Random) -> str:
    """One <p> of ~300-500 characters with a link or two, some relative, some with tracking."""
    parts = [words(rng, rng.randint(8, 14)) for _ in range(4)]
    links = [
        f'<a href="/research/{rng.choice(WORDS)}-{rng.randint(1, 999)}/">{rng.choice(WORDS)}</a>',
        f'<a href="https://partner{rng.randint(1, 9)}.example.net/{rng.choice(WORDS)}'
        f'?utm_source=rss&amp;utm_medium=feed">{rng.choice(WORDS)} {rng.choice(WORDS)}</a>',
    ]
    for link in rng.sample(links, rng.randint(1, 2)):
        parts.insert(rng.randint(0, len(parts)), link)
    return "<p>" + ", ".join(parts) + ".</p>"


def body_html(rng: random.Random, number: int) -> str:
    """The item's content:encoded: ~1-2 KB of paragraphs, a figure with an image, now and then
    a script, an iframe or a tracking pixel, and often WordPress's "The post ... appeared" footer."""
    blocks = [paragraph(rng) for _ in range(rng.randint(2, 3))]
    width, height = rng.choice(((1024, 683), (800, 533), (1200, 800)))
    figure = (
        f'<figure class="wp-block-image"><img src="/wp-content/uploads/2025/{number % 12 + 1:02d}/'
        f'photo-{number}.jpg" alt="{words(rng, 4)}" width="{width}" height="{height}" '
        f'class="wp-image-{number}" loading="lazy" />'
        f"<figcaption>{words(rng, 8).capitalize()}. Photo: {words(rng, 2).title()}</figcaption>"
        "</figure>"
    )
    blocks.insert(1, figure)
    extra = rng.random()
    if extra < 0.05:
        blocks.append(f'<script type="text/javascript">window.stats={{post:{number}}};</script>')
    elif extra < 0.10:
        blocks.append(
            f'<iframe src="https://www.youtube.com/embed/{number:011d}" width="560" height="315" '
            'frameborder="0" allowfullscreen></iframe>'
        )
    elif extra < 0.20:
        blocks.append(
            f'<img src="https://pixel.wp.com/g.gif?blog=1&amp;post={number}" width="1" height="1" alt="" />'
        )
    if rng.random() < 0.5:
        blocks.append(
            f'<p>The post <a href="{SITE}/{number}/">{words(rng, 5)}</a> first appeared on '
            f'<a href="{SITE}">Example News</a>.</p>'
        )
    return "\n".join(blocks)


def summary_html(rng: random.Random) -> str:
    return f"<p>{words(rng, rng.randint(30, 50)).capitalize()} [&hellip;]</p>"


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def rss_item(rng: random.Random, number: int, published: datetime) -> str:
    slug = f"{published:%Y/%m}/{'-'.join(words(rng, 4).split())}-{number}"
    categories = "".join(
        f"<category>{_cdata(name)}</category>" for name in rng.sample(CATEGORIES, rng.randint(1, 3))
    )
    return (
        f"<item><title>{title(rng, number)}</title>"
        f"<link>{SITE}/{slug}/</link>"
        f'<guid isPermaLink="false">{SITE}/?p={number}</guid>'
        f"<pubDate>{format_datetime(published)}</pubDate>"
        f"<dc:creator>{_cdata(words(rng, 2).title())}</dc:creator>{categories}"
        f"<description>{_cdata(summary_html(rng))}</description>"
        f"<content:encoded>{_cdata(body_html(rng, number))}</content:encoded></item>\n"
    )


def atom_entry(rng: random.Random, number: int, published: datetime) -> str:
    """An entry as WordPress writes Atom: type="html" with the HTML in CDATA, and an xml:base."""
    slug = f"{published:%Y/%m}/{'-'.join(words(rng, 4).split())}-{number}"
    categories = "".join(
        f"<category scheme={quoteattr(SITE)} term={quoteattr(name)} />"
        for name in rng.sample(CATEGORIES, rng.randint(1, 3))
    )
    updated = published + timedelta(hours=rng.randint(0, 48))
    return (
        f'<entry><title type="html">{_cdata(title(rng, number))}</title>'
        f'<link rel="alternate" type="text/html" href="{SITE}/{slug}/" />'
        f"<id>{SITE}/?p={number}</id>"
        f"<published>{published.isoformat()}</published><updated>{updated.isoformat()}</updated>"
        f"<author><name>{escape(words(rng, 2).title())}</name></author>{categories}"
        f'<summary type="html">{_cdata(summary_html(rng))}</summary>'
        f'<content type="html" xml:base="{SITE}/{slug}/">{_cdata(body_html(rng, number))}</content>'
        "</entry>\n"
    )


def _dates(rng: random.Random, count: int, newest: datetime) -> list[datetime]:
    """`count` dates, newest first, a few hours apart (a busy site over a year or two)."""
    moment, dates = newest, []
    for _ in range(count):
        dates.append(moment)
        moment -= timedelta(minutes=rng.randint(30, 180))
    return dates


def rss_feed(rng: random.Random, count: int, newest: datetime) -> bytes:
    items = "".join(
        rss_item(rng, count - index, moment)
        for index, moment in enumerate(_dates(rng, count, newest))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
        f"<channel><title>Example News</title><link>{SITE}/</link>"
        "<description>News from the example institute</description>"
        f'<atom:link href="{SITE}/feed/" rel="self" type="application/rss+xml" />'
        f"<lastBuildDate>{format_datetime(newest)}</lastBuildDate><language>en-GB</language>\n"
        f"{items}</channel></rss>\n"
    ).encode()


def atom_feed(rng: random.Random, count: int, newest: datetime) -> bytes:
    entries = "".join(
        atom_entry(rng, count - index, moment)
        for index, moment in enumerate(_dates(rng, count, newest))
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en" xml:base="{SITE}/">\n'
        f"<title>Example News</title><id>{SITE}/</id><updated>{newest.isoformat()}</updated>"
        f'<link rel="alternate" href="{SITE}/" /><link rel="self" href="{SITE}/feed/atom/" />\n'
        f"{entries}</feed>\n"
    ).encode()


def small_feed(number: int) -> bytes:
    """A valid three-item RSS feed for one source of the fetch benchmark; the same bytes per number."""
    rng = random.Random(number)
    newest = datetime(2025, 10, 6, 9, 0, tzinfo=UTC) - timedelta(hours=number)
    items = "".join(
        rss_item(rng, number * 10 + index, newest - timedelta(days=index)) for index in range(3)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        f"<channel><title>Partner {number}</title><link>{SITE}/partner-{number}/</link>"
        f"<description>Partner {number}</description>\n{items}</channel></rss>\n"
    ).encode()


# -- a corpus shaped like real WordPress feeds (wordpress.org's own feed template, a block theme)

WORDPRESS_NAMESPACES = (
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:atom="http://www.w3.org/2005/Atom" '
    'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" '
    'xmlns:slash="http://purl.org/rss/1.0/modules/slash/" '
    'xmlns:media="http://search.yahoo.com/mrss/"'
)
IMAGE_SIZES = ((300, 200), (768, 512), (1024, 683), (1536, 1024), (2048, 1365))


def _upload(number: int, name: str, size: tuple[int, int] | None = None) -> str:
    suffix = f"-{size[0]}x{size[1]}" if size else ""
    return f"{SITE}/wp-content/uploads/2025/{number % 12 + 1:02d}/{name}{suffix}.jpg"


def wordpress_figure(rng: random.Random, number: int, index: int) -> str:
    """A block editor's image: <figure> with a srcset of five sizes, sizes, lazy loading, a caption."""
    name = f"{'-'.join(words(rng, 3).split())}-{number}-{index}"
    width, height = IMAGE_SIZES[2]
    srcset = ", ".join(f"{_upload(number, name, size)} {size[0]}w" for size in IMAGE_SIZES)
    return (
        f'<figure class="wp-block-image size-large"><img decoding="async" loading="lazy" '
        f'width="{width}" height="{height}" src="{_upload(number, name, (width, height))}" '
        f'alt="{words(rng, rng.randint(3, 8))}" class="wp-image-{number * 10 + index}" '
        f'srcset="{srcset}" sizes="auto, (max-width: {width}px) 100vw, {width}px" />'
        f'<figcaption class="wp-element-caption">{words(rng, rng.randint(6, 14)).capitalize()}. '
        f"Photo: <em>{words(rng, 2).title()}</em></figcaption></figure>"
    )


def wordpress_block(rng: random.Random, number: int, index: int) -> str:
    """One block of a post's body: mostly paragraphs, now and then a heading, list, quote or image."""
    kind = rng.random()
    if kind < 0.12:
        return wordpress_figure(rng, number, index)
    if kind < 0.20:
        return f'<h2 class="wp-block-heading">{words(rng, rng.randint(3, 7)).capitalize()}</h2>'
    if kind < 0.26:
        items = "".join(
            f"<li>{words(rng, rng.randint(5, 12))}</li>" for _ in range(rng.randint(3, 6))
        )
        return f'<ul class="wp-block-list">{items}</ul>'
    if kind < 0.30:
        return (
            f'<blockquote class="wp-block-quote"><p>{words(rng, rng.randint(15, 30)).capitalize()}.'
            f"</p><cite>{words(rng, 2).title()}</cite></blockquote>"
        )
    if kind < 0.31:
        return (
            '<figure class="wp-block-embed is-type-video is-provider-youtube"><div '
            f'class="wp-block-embed__wrapper"><iframe loading="lazy" title="{words(rng, 4)}" '
            f'width="500" height="281" src="https://www.youtube.com/embed/{number:011d}?feature=oembed" '
            'frameborder="0" allowfullscreen></iframe></div></figure>'
        )
    return paragraph(rng)


def wordpress_body(rng: random.Random, number: int) -> str:
    """content:encoded of 5-15 KB: blocks as the block editor writes them, then Yoast's footer."""
    target, size = rng.randint(5_000, 15_000), 0
    blocks: list[str] = []
    while size < target:
        block = wordpress_block(rng, number, len(blocks))
        blocks.append(block)
        size += len(block) + 1
    blocks.append(
        f'<p>The post <a href="{SITE}/{number}/">{words(rng, 5)}</a> appeared first on '
        f'<a href="{SITE}">Example News</a>.</p>'
    )
    return "\n".join(blocks)


def wordpress_item(rng: random.Random, number: int, published: datetime) -> str:
    slug = f"{published:%Y/%m/%d}/{'-'.join(words(rng, 5).split())}-{number}"
    link = f"{SITE}/{slug}/"
    categories = "".join(
        f"\n\t\t<category><![CDATA[{name}]]></category>"
        for name in rng.sample(CATEGORIES, rng.randint(1, 4))
    )
    excerpt = (
        f"<p>{words(rng, rng.randint(40, 55)).capitalize()} [&hellip;]</p>\n"
        f'<p>The post <a href="{link}">{words(rng, 5)}</a> appeared first on '
        f'<a href="{SITE}">Example News</a>.</p>'
    )
    featured = _upload(number, f"featured-{number}", (1024, 683))
    return (
        f"\t<item>\n\t\t<title>{title(rng, number)}</title>\n\t\t<link>{link}</link>\n"
        f"\t\t<comments>{link}#respond</comments>\n"
        f"\t\t<dc:creator><![CDATA[{words(rng, 2).title()}]]></dc:creator>\n"
        f"\t\t<pubDate>{format_datetime(published)}</pubDate>{categories}\n"
        f'\t\t<guid isPermaLink="false">{SITE}/?p={number}</guid>\n\n'
        f"\t\t<description>{_cdata(excerpt)}</description>\n"
        f"\t\t<content:encoded>{_cdata(wordpress_body(rng, number))}</content:encoded>\n"
        f"\t\t<wfw:commentRss>{link}feed/</wfw:commentRss>\n"
        f"\t\t<slash:comments>{rng.randint(0, 12)}</slash:comments>\n"
        f'\t\t<media:content url="{featured}" medium="image" width="1024" height="683">'
        f'<media:title type="html">{escape(words(rng, 4))}</media:title></media:content>\n'
        "\t</item>\n"
    )


def wordpress_feed(rng: random.Random, count: int, newest: datetime) -> bytes:
    """An RSS 2.0 feed as WordPress writes it (wp-includes/feed-rss2.php) with a media plugin:
    long block-editor bodies with figures, captions and srcsets; categories; dc:creator; wfw,
    slash and sy elements; a media:content featured image."""
    items = "".join(
        wordpress_item(rng, count - index, moment)
        for index, moment in enumerate(_dates(rng, count, newest))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"\n\t'
        + WORDPRESS_NAMESPACES.replace(" xmlns", "\n\txmlns")
        + "\n\t>\n\n<channel>\n\t<title>Example News</title>\n"
        f'\t<atom:link href="{SITE}/feed/" rel="self" type="application/rss+xml" />\n'
        f"\t<link>{SITE}</link>\n\t<description>News from the example institute</description>\n"
        f"\t<lastBuildDate>{format_datetime(newest)}</lastBuildDate>\n\t<language>en-GB</language>\n"
        "\t<sy:updatePeriod>\n\thourly\t</sy:updatePeriod>\n"
        "\t<sy:updateFrequency>\n\t1\t</sy:updateFrequency>\n"
        "\t<generator>https://wordpress.org/?v=6.7.1</generator>\n"
        f"{items}</channel>\n</rss>\n"
    ).encode()
