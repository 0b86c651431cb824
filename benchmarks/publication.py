"""Deterministic publications for the benchmarks: digest.toml, Markdown entries, images, a big archive."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from inputs import SITE, body_html, paragraph, words
from PIL import Image, ImageDraw

from digest.archive import Archive
from digest.ingest.clean import sanitize_html
from digest.model import Editorial, Entry, Event
from digest.model import Image as EntryImage

SECTIONS = ("News", "Publications", "People")
PUBLICATION_URL = "https://digest.example.org/"
LOCAL_SOURCE = "Communications"
IMAGE_FILES = 6


def sample_copy(folder: Path) -> Path:
    """A fresh copy of the repository's sample publication (digest.toml, feeds/) in `folder`,
    replacing what a kept workspace (run.py --workspace) has there; its digest.toml."""
    repo = Path(__file__).resolve().parent.parent
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copy(repo / "digest.toml", folder / "digest.toml")
    shutil.copytree(repo / "feeds", folder / "feeds")
    return folder / "digest.toml"


def write_config(
    folder: Path,
    sources: Sequence[tuple[str, str]] = (),
    concurrency: int | None = None,
    images_mode: str | None = "hotlink",
) -> Path:
    """digest.toml for a publication in `folder` with web sources given as (name, url).
    Pictures are hot-linked unless `images_mode` says otherwise (None: no [images] table, for
    a case that writes its own): the generated feeds name picture hosts that do not exist,
    and only case 10 measures fetching them."""
    folder.mkdir(parents=True, exist_ok=True)
    fetch = f"\n[fetch]\nconcurrency = {concurrency}\n" if concurrency else ""
    images = f'\n[images]\nmode = "{images_mode}"\n' if images_mode else ""
    listed = "".join(
        f'\n[[sources]]\nname = "{name}"\nurl = "{url}"\n'
        'categories = { "Publication" = "Publications", "People" = "People" }\n'
        for name, url in sources
    )
    (folder / "digest.toml").write_text(
        f"""[publication]
title = "Benchmark Digest"
url = "{PUBLICATION_URL}"
timezone = "Europe/Oslo"
description = "A publication generated for digest's benchmarks."
logo = "assets/logo.png"
logo_alt = "Benchmark Digest"
sections = {json.dumps(list(SECTIONS))}

[email]
from_address = "news@digest.example.org"
unsubscribe_url = "{PUBLICATION_URL}unsubscribe"

[highlights]
count = 10
intro = "The year's ten most important stories."

[entries]
path = "entries"
source = "{LOCAL_SOURCE}"
section = "News"
{fetch}{images}{listed}""",
        encoding="utf-8",
    )
    _draw(folder / "assets" / "logo.png", random.Random(7), (400, 120))
    return folder


def _draw(path: Path, rng: random.Random, size: tuple[int, int]) -> None:
    """A picture of coloured shapes: a real JPEG/PNG of realistic size, the same on every run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    pen = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        box = (x, y, x + rng.randrange(20, size[0] // 2), y + rng.randrange(20, size[1] // 2))
        pen.ellipse(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    if path.suffix == ".jpg":
        image.save(path, quality=85)
    else:
        image.save(path)


def _markdown(
    rng: random.Random, number: int, moment: datetime, section: str, image: str | None
) -> str:
    """One staff entry: front matter and a few paragraphs of Markdown with links and a list."""
    title = words(rng, rng.randint(5, 10)).capitalize() + f" ({number})"
    front = [
        f"title: {title}",
        f"date: {moment:%Y-%m-%dT%H:%M}",
        f"kicker: {words(rng, 3).title()}",
        f"section: {section}",
        f"link: {SITE}/staff/{number}/",
        f"tags: [{', '.join(words(rng, 2).split())}]",
    ]
    if image:
        caption = words(rng, 8).capitalize()
        front += [f"image: {image}", f"image_alt: {caption}", f"caption: {caption}."]
        front.append(f'credit: "Photo: {words(rng, 2).title()}"')
    if number % 4 == 0:
        front += ["call_to_action:", "  text: Read the full story", f"  url: {SITE}/full/{number}/"]
    paragraphs = [
        words(rng, rng.randint(40, 70)).capitalize() + f" [More]({SITE}/more/{number})."
        for _ in range(rng.randint(2, 4))
    ]
    paragraphs.insert(1, "\n".join(f"- {words(rng, 6)}" for _ in range(3)))
    return "---\n" + "\n".join(front) + "\n---\n" + "\n\n".join(paragraphs) + "\n"


def _image_names(folder: Path, rng: random.Random) -> list[str]:
    names = []
    for index in range(IMAGE_FILES):
        name = f"entries/images/photo-{index}.jpg"
        _draw(folder / name, rng, (1200, 800))
        names.append(name)
    return names


def _image_for(rng: random.Random, number: int, local: list[str]) -> str | None:
    if number % 3 == 0:
        return rng.choice(local)
    if number % 5 == 0:
        return f"https://images.example.net/photo-{number}.jpg"
    return None


def week_publication(folder: Path, week: str, count: int) -> Path:
    """`count` staff entries in the ISO week `week`, across the sections, a third with local images."""
    rng = random.Random(42)
    write_config(folder)
    local = _image_names(folder, rng)
    year, number = (int(part) for part in week.split("-W"))
    monday = date.fromisocalendar(year, number, 1)
    for index in range(count):
        moment = datetime.combine(monday + timedelta(days=index % 7), time(9 + index % 8, 15))
        text = _markdown(rng, index, moment, SECTIONS[index % 3], _image_for(rng, index, local))
        (folder / "entries" / f"{index:03d}.md").write_text(text, encoding="utf-8")
    return folder


def year_publication(folder: Path, year: int, per_week: int) -> Path:
    """`per_week` staff entries in each of the 52 ISO weeks of `year`; a few are highlights."""
    rng = random.Random(42)
    write_config(folder)
    local = _image_names(folder, rng)
    for week in range(1, 53):
        monday = date.fromisocalendar(year, week, 1)
        for index in range(per_week):
            number = week * 100 + index
            moment = datetime.combine(monday + timedelta(days=rng.randrange(7)), time(10, 0))
            text = _markdown(
                rng, number, moment, rng.choice(SECTIONS), _image_for(rng, number, local)
            )
            if rng.random() < 0.03:
                text = text.replace(
                    "\n---\n", f"\nhighlight: true\nweight: {rng.randint(1, 100)}\n---\n", 1
                )
            (folder / "entries" / f"{week:02d}" / f"{index:02d}.md").parent.mkdir(
                exist_ok=True, parents=True
            )
            (folder / "entries" / f"{week:02d}" / f"{index:02d}.md").write_text(
                text, encoding="utf-8"
            )
    return folder


class _Texts:
    """Titles, summaries, alt texts and categories: new for each entry, or (`pooled`) drawn
    from a few thousand made first, for archives of a million entries (a third of the time
    making one went into writing random words)."""

    def __init__(self, rng: random.Random, pooled: bool) -> None:
        self.rng = rng
        self.pools: dict[str, list[object]] = {}
        if pooled:
            self.pools = {
                "title": [self._title() for _ in range(5000)],
                "summary": [self._summary() for _ in range(2000)],
                "alt": [words(rng, 4) for _ in range(2000)],
                "categories": [tuple(words(rng, 2).split()) for _ in range(500)],
            }

    def _title(self) -> str:
        return words(self.rng, self.rng.randint(5, 10)).capitalize()

    def _summary(self) -> str:
        return paragraph(self.rng)[3:300]

    def title(self) -> str:
        return str(self.rng.choice(self.pools["title"])) if self.pools else self._title()

    def summary(self) -> str:
        return str(self.rng.choice(self.pools["summary"])) if self.pools else self._summary()

    def alt(self) -> str:
        return str(self.rng.choice(self.pools["alt"])) if self.pools else words(self.rng, 4)

    def categories(self) -> tuple[str, ...]:
        if self.pools:
            return tuple(self.rng.choice(self.pools["categories"]))  # type: ignore[arg-type]
        return tuple(words(self.rng, 2).split())


def _archive_entries(
    rng: random.Random,
    count: int,
    years: range,
    sources: Sequence[str],
    events: float = 0.0,
    first: int = 0,
    pooled: bool = False,
) -> Iterator[Entry]:
    """`count` feed entries dated at random over `years`; a share `events` of them are events
    starting one to six weeks after their date."""
    bodies = [sanitize_html(body_html(rng, number), SITE + "/") for number in range(200)]
    texts = _Texts(rng, pooled)
    start = datetime(years.start, 1, 1, tzinfo=UTC)
    span = (datetime(years.stop, 1, 1, tzinfo=UTC) - start).total_seconds()
    for number in range(first, first + count):
        published = start + timedelta(seconds=int(rng.random() * span))
        image = None
        if rng.random() < 0.3:
            image = EntryImage(f"https://images.example.net/{number}.jpg", texts.alt())
        event = None
        if events and rng.random() < events:
            begins = published + timedelta(days=rng.randint(7, 42), hours=rng.randint(0, 8))
            event = Event(begins, begins + timedelta(hours=2), f"Auditorium {number % 7}")
        yield Entry(
            event=event,
            id=f"{SITE}/?p={number}",
            source=sources[number % len(sources)],
            title=texts.title(),
            published=published,
            section=rng.choice(SECTIONS),
            link=f"{SITE}/{published:%Y/%m}/story-{number}/",
            summary=texts.summary(),
            html=rng.choice(bodies),
            image=image,
            categories=texts.categories(),
            editorial=Editorial(highlight=rng.random() < 0.015, weight=rng.randint(0, 100)),
        )


def archive_publication(
    folder: Path,
    count: int,
    years: range,
    batch: int = 5000,
    source_count: int = 5,
    events: float = 0.0,
) -> Path:
    """A publication whose archive already holds `count` feed entries of `source_count` sources
    spread over `years`, a share `events` of them events."""
    return layered_publication(folder, [(count, years)], batch, source_count, events)


def layered_publication(
    folder: Path,
    layers: Sequence[tuple[int, range]],
    batch: int = 5000,
    source_count: int = 5,
    events: float = 0.0,
    pooled: bool = False,
) -> Path:
    """A publication whose archive holds, for each (count, years) of `layers`, `count` feed
    entries spread over `years`: a dense history and a recent stretch at another pace.
    `pooled`: texts drawn from pools (see _Texts), for a million entries."""
    rng = random.Random(42)
    sources = [
        (f"Partner {index}", f"https://partner{index}.example.net/feed/")
        for index in range(source_count)
    ]
    write_config(folder, sources)
    names = [name for name, _ in sources]
    now = datetime(max(years.stop for _, years in layers), 1, 2, tzinfo=UTC)
    decided: dict[str, Editorial] = {}
    first = 0
    with Archive(folder / "archive.sqlite") as archive:
        for count, years in layers:
            entries = _archive_entries(rng, count, years, names, events, first, pooled)
            while chunk := [entry for _, entry in zip(range(batch), entries, strict=False)]:
                archive.store(chunk, now)
                decided.update({e.id: e.editorial for e in chunk if e.editorial.decides_anything})
            first += count
        archive.store_editorial("editor", decided)  # an editor's decisions, apart from the feeds
    return folder
