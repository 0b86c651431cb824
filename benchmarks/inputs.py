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
