"""A publication written to break layouts: 40 entries in one week, long titles and URLs, huge and
missing images, right-to-left and non-Latin scripts. Used by test_layout.py."""

from __future__ import annotations

import io
import json
import textwrap
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

URL = "https://stress.example.org/"
WEEK = "2025-W10"  # Monday 3 March to Sunday 9 March 2025
YEAR = "2025"
IMAGE_HOST = "https://images.example.net/"  # answered with a placeholder image
MISSING_IMAGE_HOST = "https://missing.example.net/"  # answered with 404: a broken image
ENTRIES_IN_WEEK = 40

# An unbroken 300-character URL: nothing to wrap at but the column's edge.
LONG_URL = "https://www.example.org/" + "research-news-" * 19 + "x" * 10
assert len(LONG_URL) == 300

LONG_TITLE = (
    "Nationwide multicentre randomised controlled trial of personalised immunotherapy "
    "combinations for patients with metastatic colorectal, pancreatic and gastro-oesophageal "
    "cancer reports improved progression-free survival across all prespecified subgroups, "
    "including older patients and those with comorbidities"
)
LONG_KICKER = "Publication in Proceedings of the National Academy of Sciences of the United States"

CONFIG = f"""\
[publication]
title = "Stress Test Digest"
url = "{URL}"
timezone = "Europe/Oslo"
language = "en"
description = "A publication that exists to break layouts: every awkward thing at once."
brand_color = "#0b6e4f"
sections = ["News", "Publications", "People"]

[email]
from_address = "news@stress.example.org"
unsubscribe_url = "{URL}unsubscribe"

[weekly]
upcoming_weeks = 6
section_cap = 14

[highlights]
count = 10
intro = "The year's stories, including the ones written in scripts that run right to left."

[entries]
path = "feeds/entries"
source = "Stress desk"
section = "News"

[images]
mode = "hotlink"  # images.example.net exists only in the layout tests' browser, which answers it

[[sources]]
name = "Partner feed"
path = "feeds/saved/partner.xml"
section = "News"
"""

# (title, section, summary): the stories that stress scripts, names and lengths.
SPECIAL_STORIES = [
    (LONG_TITLE, "Publications", "A long title must wrap inside the column on a 320 px phone."),
    (f"Read the full protocol at {LONG_URL}", "News", "The title above holds a 300-character URL."),
    (
        "Data set released with an unbroken link",
        "Publications",
        f"The full data set is at {LONG_URL} and may be reused under CC BY 4.0.",
    ),
    (
        "باحثون في أوسلو يكتشفون علامة حيوية جديدة لسرطان الثدي",
        "News",
        "يصف الباحثون علامة حيوية جديدة قد تساعد في اختيار العلاج المناسب لكل مريضة.",
    ),
    (
        "オスロ大学病院の研究者が新しいがん免疫療法の臨床試験を開始しました",
        "News",
        "研究チームは、転移性大腸がんの患者を対象とした新しい免疫療法の第一相試験を開始しました。",
    ),
    (
        "Νέα μελέτη για την ανοσοθεραπεία του καρκίνου του παχέος εντέρου",
        "Publications",
        "Η ερευνητική ομάδα περιγράφει έναν νέο βιοδείκτη για την επιλογή θεραπείας.",
    ),
    (
        "Новое исследование иммунотерапии рака в Осло",
        "Publications",
        "Исследователи описывают новый биомаркер, который помогает выбрать лечение.",
    ),
    (
        "Kjetil Taskén appointed head of the Institute for Cancer Research",
        "People",
        "Taskén leads the institute's work on precision medicine and immunotherapy.",
    ),
    (
        "Anne-Lise Børresen-Dale receives the King's Medal of Merit",
        "People",
        "Børresen-Dale is honoured for four decades of breast cancer research.",
    ),
    (
        "Marte Lie Høivik and Kristina Lindemann join the PREDI-LYNCH steering group",
        "People",
        "Høivik and Lindemann bring clinical experience from gastroenterology and gynaecology.",
    ),
]

HIGHLIGHT_BODY = f"""\
The trial enrolled patients at eleven hospitals. The full protocol is at <{LONG_URL}>.

## Background

Earlier studies suggested that combining checkpoint inhibitors with targeted therapy could help.
The principal investigator was Anne-Lise Børresen-Dale, with Kjetil Taskén and Marte Lie Høivik.

<img src="{IMAGE_HOST}inline-figure.png" alt="Survival curves of both arms" width="4000" height="3000">

| Arm | Patients | Median progression-free survival (months) |
| --- | --- | --- |
| Combination | 212 | 11.4 |
| Standard of care | 209 | 7.9 |

### What happens next

A follow-up study starts in 2026.
"""


def write_stress_publication(root: Path) -> None:
    """digest.toml, Markdown entries, a local 4000×3000 image and a saved RSS feed, under root."""
    (root / "feeds" / "entries" / "images").mkdir(parents=True)
    (root / "feeds" / "saved").mkdir(parents=True)
    (root / "digest.toml").write_text(CONFIG, encoding="utf-8")
    (root / "feeds" / "entries" / "images" / "huge.png").write_bytes(huge_png())
    feed_items = _feed_items()
    (root / "feeds" / "saved" / "partner.xml").write_text(_rss(feed_items), encoding="utf-8")
    local_count = ENTRIES_IN_WEEK - len(feed_items)
    for number, fields in enumerate(_local_entries(local_count)):
        write_entry(root / "feeds" / "entries" / f"{number:02d}.md", fields)
    for number, fields in enumerate(_events()):
        write_entry(root / "feeds" / "entries" / "events" / f"{number:02d}.md", fields)
    for number, fields in enumerate(_highlights_elsewhere_in_the_year()):
        write_entry(root / "feeds" / "entries" / "year" / f"{number:02d}.md", fields)


def huge_png() -> bytes:
    """A 4000×3000 image in a few kilobytes: flat colour bands compress well."""
    image = Image.new("RGB", (4000, 3000), (31, 90, 150))
    draw = ImageDraw.Draw(image)
    for band in range(0, 4000, 500):
        draw.rectangle((band, 0, band + 249, 2999), fill=(220, 230, 240))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def placeholder_png(width: int = 1200, height: int = 675) -> bytes:
    """What every remote image URL is answered with (no real network in tests)."""
    image = Image.new("RGB", (width, height), (120, 140, 160))
    ImageDraw.Draw(image).rectangle((40, 40, width - 41, height - 41), outline=(240, 240, 240))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def write_entry(path: Path, fields: dict[str, object]) -> None:
    """A Markdown entry: front matter (JSON values are valid YAML) and the body."""
    body = str(fields.pop("body", "A short body."))
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + "\n".join(lines) + "\n---\n" + body + "\n", encoding="utf-8")


def _day(number: int) -> date:
    return date(2025, 3, 3) + timedelta(days=number % 7)


def _local_entries(count: int) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    for number in range(count):
        when = f"{_day(number).isoformat()}T{8 + number % 10:02d}:{number % 60:02d}"
        if number < len(SPECIAL_STORIES):
            title, section, summary = SPECIAL_STORIES[number]
        else:
            title = f"Stress entry {number}: a research group reports progress on project {number}"
            section = ("News", "Publications", "People")[number % 3]
            summary = "Researchers describe what they found and why it matters. " * (1 + number % 4)
        fields: dict[str, object] = {
            "title": title,
            "date": when,
            "section": section,
            "summary": summary.strip(),
            "link": f"https://www.example.org/news/{number}",
        }
        if number % 5 == 1:
            fields["kicker"] = LONG_KICKER
        if number == 0:  # the local 4000×3000 image, and the yearly issue's first highlight
            fields |= {
                "image": "feeds/entries/images/huge.png",
                "image_alt": "Blue and white vertical bands",
                "caption": "A figure 4000 pixels wide, scaled to the column.",
                "credit": "Illustration: Stress desk",
                "highlight": True,
                "weight": 100,
                "body": HIGHLIGHT_BODY,
                "call_to_action": {
                    "text": "Read the protocol",
                    "url": LONG_URL,
                    "contact": "Kjetil Taskén",
                },
            }
        elif number in (3, 8):  # RTL and Norwegian names among the highlights too
            fields |= {"highlight": True, "weight": 90 - number, "body": f"{summary}\n\n{summary}"}
        elif number % 3 == 0:
            fields |= {"image": f"{IMAGE_HOST}photo-{number}.jpg", "image_alt": f"Photo {number}"}
        # the others have no image at all
        entries.append(fields)
    return entries


def _events() -> list[dict[str, object]]:
    """Upcoming events (after the week), with a long location; they do not count as the week's."""
    return [
        {
            "title": f"Seminar {number}: Kjetil Taskén on precision oncology in the Nordic countries",
            "date": "2025-02-20T09:00",
            "start": f"2025-03-{12 + number:02d}T14:00",
            "end": f"2025-03-{12 + number:02d}T16:00",
            "location": "Auditorium 1, Norwegian Radium Hospital, Ullernchausseen 70, 0379 Oslo, Norway",
            "summary": "Open to all staff; the talk is streamed and recorded.",
            "link": f"https://www.example.org/events/{number}",
        }
        for number in range(3)
    ]


def _highlights_elsewhere_in_the_year() -> list[dict[str, object]]:
    """More highlights of 2025, outside the stressed week, so the yearly issue has ten."""
    highlights: list[dict[str, object]] = []
    for number in range(8):
        fields: dict[str, object] = {
            "title": f"Highlight {number}: a year of work on the biobank, told in full",
            "date": f"2025-{number + 4:02d}-15T10:00",
            "highlight": True,
            "weight": 50 - number,
            "summary": "One of the year's stories.",
            "body": "The full story, in a few paragraphs.\n\n" * 3,
        }
        if number % 2:
            fields |= {"image": f"{IMAGE_HOST}highlight-{number}.jpg", "image_alt": "A photo"}
        highlights.append(fields)
    return highlights


def _feed_items() -> list[str]:
    """RSS items of the week: remote, huge, broken and no images; Hebrew and Greek titles."""
    items = []
    for number in range(12):
        day = _day(number + 2)
        pub_date = f"{day:%a, %d %b %Y} {9 + number % 8:02d}:30:00 +0100"
        link = f"https://partner.example.com/news/{number}"
        title = f"Partner news {number}: a consortium publishes results from its multi-year study"
        media = ""
        description = "<p>The consortium reports results from its study.</p>"
        if number == 0:
            title = "חוקרים באוסלו מגלים סמן ביולוגי חדש לסרטן השד"
            description = "<p>החוקרים מתארים סמן ביולוגי חדש שעשוי לעזור בבחירת הטיפול.</p>"
        elif number == 1:
            title = "Ελληνικά και Кириллица: partners from Athens and Kyiv join the network"
        elif number == 2:  # a remote image announced as 4000×3000
            description = (
                f'<p><img src="{IMAGE_HOST}wide-{number}.png" alt="A very wide figure" '
                'width="4000" height="3000"></p><p>The figure shows the study design.</p>'
            )
        elif number == 3:  # an image that is gone: 404
            media = f'<media:content url="{MISSING_IMAGE_HOST}gone.jpg" medium="image"/>'
        elif number % 2 == 0:
            media = f'<media:content url="{IMAGE_HOST}partner-{number}.jpg" medium="image"/>'
        items.append(
            textwrap.dedent(f"""\
                <item><title>{_xml(title)}</title><link>{link}</link><guid>{link}</guid>
                <pubDate>{pub_date}</pubDate>{media}
                <description>{_xml(description)}</description></item>""")
        )
    return items


def _rss(items: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        "<title>Partner feed</title><link>https://partner.example.com/</link>"
        "<description>Partner news</description>\n" + "\n".join(items) + "\n</channel></rss>\n"
    )


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
