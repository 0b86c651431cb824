"""The images stage: every picture an issue shows, fetched once, kept in the archive, and
published under out/media/ as a derivative made for its place in the email.

Feeds hand us any URL and any bytes. So a picture is fetched by the feeds' rules (timeout,
size cap, retries) with each redirect hop checked (digest/netguard.py: nothing on loopback or
private networks unless `[images] allow_hosts` names the host), checked and derived by
digest/images/pixels.py, and stored in the archive, so an offline build, or a build after the
source took it down, shows it still. A picture that cannot be used leaves its entry
text-only, with one warning.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from digest import netguard
from digest.design import DESIGN
from digest.images import pixels
from digest.images.pixels import Unusable
from digest.model import Entry, Image, Issue
from digest.paths import (
    ISSUE_FOLDER_PATTERN,
    ISSUE_KINDS,
    MEDIA,
    MESSAGE,
    SITE_FILES,
    media_file,
    web_url,
)

if TYPE_CHECKING:
    from digest.archive import Archive
    from digest.config import Config
    from digest.report import Reporter

RULES = "3"  # how derivatives are made: a change here makes every derivative again
LEAD_WIDTH = DESIGN.column_width  # the lead story and highlights: across the column
THUMBNAIL_WIDTH = DESIGN.thumbnail_width  # the other stories, beside the text
LOGO_WIDTH = DESIGN.column_width  # a 2x logo: shown at half its pixels, within the column
DECODERS = 2  # threads decoding pictures while the rest download
_HASHED_NAME = re.compile(r"^[0-9a-f]{10}-")  # the hash assets.py puts before a local file's name


@dataclass(frozen=True)
class Derived:
    """A published picture: its out/ path, its pixels, and the size to show it at."""

    out_path: str
    width: int
    height: int
    shown_width: int
    shown_height: int


class Pictures:
    """The images stage of one build: fetches what is not stored (unless offline), derives
    what the issues show, and collects the files for out/media/."""

    def __init__(
        self,
        config: Config,
        archive: Archive,
        reporter: Reporter,
        *,
        out: Path | None = None,
        offline: bool,
        now: datetime,
        local: dict[str, Path] | None = None,
    ) -> None:
        self.config, self.archive, self.reporter, self.out = config, archive, reporter, out
        self.offline, self.local, self.now = offline, dict(local or {}), now
        self.files: dict[str, bytes] = {}  # out/ path -> bytes, for the write stage
        self.failed: dict[str, str] = {}  # url -> why, warned about once per build
        self.encoded = 0  # derivatives made in this build (not found in out/media/)
        self.unstored: set[str] = set()  # offline, never fetched: linked at their source
        self.fetched = 0  # pictures fetched from the web in this build
        self.unresolved: dict[str, str] = {}  # host -> why: a feed names one host many times
        self.logo: str | None = None  # the logo's URL: its warning names publication.logo
        self.off_colour: set[str] = set()  # urls whose colour profile was warned about

    @property
    def hotlink(self) -> bool:
        return self.config.images.mode == "hotlink"

    # fetch and store

    def gather(self, entries: list[Entry]) -> None:
        """Fetch and store the pictures of `entries` that the archive does not hold yet
        (offline: only those on disk)."""
        self.gather_urls([entry.image.url for entry in entries if entry.image and entry.image.url])

    def gather_urls(self, urls: list[str]) -> None:
        if self.hotlink or not urls:
            return
        stored = self.archive.stored_images(urls)
        missing = [url for url in dict.fromkeys(urls) if url not in stored]
        remote = []
        for url in missing:  # one file in memory at a time: read, checked, stored, let go
            if url in self.failed:
                continue
            data = self._read_locally(url)
            if data is not None:
                self._take(url, data)
            elif url not in self.failed:
                remote.append(url)
        if remote and not self.offline:
            with self.reporter.progress("images", len(remote)) as advance:
                self._fetch(remote, advance)

    def _fetch(self, urls: list[str], advance: Callable[[str], None]) -> None:
        from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

        from digest.ingest.fetch import Fetched, fetch_checked, web_client

        def route(url: str) -> netguard.Target:
            host = (urlsplit(url).hostname or "").lower()
            if host in self.unresolved:
                raise netguard.Refused(self.unresolved[host])
            try:
                return netguard.target(url, self.config.images.allow_hosts)
            except netguard.Refused as refused:
                if str(refused).startswith("cannot resolve"):
                    self.unresolved[host] = str(refused)
                raise

        def checked(body: bytes) -> tuple[bytes, tuple[int, int], list[str]] | str:
            notes: list[str] = []  # told here, in the decoding thread; warned in this one
            try:
                return (*pixels.master(body, notes.append), notes)
            except Unusable as why:
                return str(why)
            except Exception as error:  # a picture Pillow trips over must fail itself only
                return f"cannot be read ({type(error).__name__}: {error})"

        # Downloads in many threads, decoding in DECODERS more (Pillow lets go of the GIL as it
        # decodes). Each picture is stored in the archive as soon as it is checked, and its bytes
        # let go; a download starts only while fewer than WINDOW pictures are held (downloaded,
        # decoding or waiting for either), so however many the feeds name (a year of a site's
        # history), the process holds a few pictures, not all of them. What is warned about is
        # told in the order of `urls`, whatever order the downloads finish in.
        window = self.config.fetch.concurrency + DECODERS
        queued = iter(enumerate(urls))
        downloading: dict[Future[Fetched], int] = {}
        decoding: dict[Future[tuple[bytes, tuple[int, int], list[str]] | str], int] = {}
        told: dict[int, str | list[str]] = {}  # index -> why it failed, or its colour notes
        next_told = 0

        def settled(index: int, outcome: str | list[str]) -> None:
            nonlocal next_told
            advance(urls[index])
            told[index] = outcome
            while next_told in told:
                url, outcome = urls[next_told], told.pop(next_told)
                if isinstance(outcome, str):
                    self._fail(url, outcome)
                for note in outcome if isinstance(outcome, list) else ():
                    self._off_colour(url, note)
                next_told += 1

        with (
            web_client(self.config, for_images=True) as client,
            ThreadPoolExecutor(max_workers=self.config.fetch.concurrency) as downloads,
            ThreadPoolExecutor(max_workers=DECODERS) as decoders,
        ):
            while True:
                for index, url in itertools.islice(
                    queued, window - len(downloading) - len(decoding)
                ):
                    download = downloads.submit(fetch_checked, client, url, self.config, route)
                    downloading[download] = index
                if not downloading and not decoding:
                    break
                held: list[Future[Any]] = [*downloading, *decoding]
                done, _ = wait(held, return_when=FIRST_COMPLETED)
                for future in done:
                    if future in downloading:
                        index, result = downloading.pop(future), future.result()
                        if result.error or result.body is None:
                            settled(index, result.error or "no body")
                        else:
                            decoding[decoders.submit(checked, result.body)] = index
                        continue
                    index, kept = decoding.pop(future), future.result()
                    if isinstance(kept, str):
                        settled(index, kept)
                        continue
                    master, size, notes = kept
                    self.fetched += 1
                    self._store(urls[index], master, size)
                    settled(index, notes)

    def _take(self, url: str, data: bytes) -> None:
        """Check the bytes, and store the picture (or its master) in the archive."""
        try:
            kept, size = pixels.master(data, lambda why: self._off_colour(url, why))
        except Unusable as why:
            self._fail(url, str(why))
            return
        except Exception as error:  # a picture Pillow trips over must fail itself only
            self._fail(url, f"cannot be read ({type(error).__name__}: {error})")
            return
        self._store(url, kept, size)

    def _store(self, url: str, kept: bytes, size: tuple[int, int]) -> None:
        self.archive.store_image(url, kept, hashlib.sha256(kept).hexdigest(), size, self.now)

    def _fail(self, url: str, why: str) -> None:
        if url not in self.failed:
            self.failed[url] = why
            if url == self.logo:  # shown still, as the file or URL it is (render/context.py)
                self.reporter.warn(
                    f"publication.logo: {self.config.publication.logo}: "
                    f"{why.removeprefix(f'{url}: ')}; it is linked as it is, not made for email "
                    "(give a PNG or JPEG digest can read)"
                )
                return
            prefix = f"{url}: " if not why.startswith(url) else ""
            self.reporter.warn(f"image {prefix}{why}; its entry is shown without it")

    def _off_colour(self, url: str, why: str) -> None:
        """One warning per picture whose colour profile cannot be used: it is shown all the same.
        A local file (an entry's image, the logo) is named as the file, not its out/ URL."""
        if url not in self.off_colour:
            self.off_colour.add(url)
            from digest.editorial import shown_name  # how every message names a file

            path = self.local.get(url)
            named = url if path is None else shown_name(path, self.config)
            self.reporter.warn(
                f"image {named}: {why}; it is made for email as if it had none, so its colours "
                "may be off (save it as sRGB to be sure)"
            )

    def _read_locally(self, url: str) -> bytes | None:
        """A local entry image or logo, or a saved feed's picture (`[images] saved`), from disk."""
        path = self.local.get(url) or self._saved_path(url)
        if path is None:
            return None
        try:
            return path.read_bytes()
        except OSError as error:
            self._fail(url, f"cannot read {path}: {error.strerror or error}")
            return None

    def _saved_path(self, url: str) -> Path | None:
        for prefix, folder in self.config.images.saved.items():
            if url.startswith(prefix):
                root = self.config.resolve(folder)
                path = (root / unquote(urlsplit(url[len(prefix) :]).path)).resolve()
                if path.is_relative_to(root) and path.is_file():
                    return path
        return None

    # derive and publish

    def for_issue(self, issue: Issue) -> Issue:
        """The issue with each entry's picture made for its place, or dropped with a warning."""
        if self.hotlink:
            return issue
        bodies = [entry for section in issue.sections if section.kind == "highlights"
                  for entry in section.entries]  # fmt: skip
        self.gather_urls(
            [entry.image.url for entry in issue.entries if entry.image and entry.image.url]
            + [url for entry in bodies for url in _body_urls(entry.html)]
        )
        first = _shown_first(issue)
        unstored, encoded, fetched = len(self.unstored), self.encoded, self.fetched
        sections = []
        for section in issue.sections:
            entries = []
            for entry in section.entries:
                lead = section.kind in ("lead", "highlights") or entry.id == first
                placed = self._placed(entry, LEAD_WIDTH if lead else THUMBNAIL_WIDTH)
                if section.kind == "highlights" and "<img" in placed.html:  # a body is shown
                    placed = replace(placed, html=_IMG_TAG.sub(self._body_image, placed.html))
                entries.append(placed)
            sections.append(replace(section, entries=tuple(entries)))
        self.reporter.detail(
            f"images of {issue.path}: {self.fetched - fetched} fetched, "
            f"{self.encoded - encoded} derived (the rest already in out/media/)"
        )
        if len(self.unstored) > unstored:
            self.reporter.note(
                f"offline: {len(self.unstored) - unstored} picture(s) of {issue.path} are not in "
                "the archive yet and are linked at their source; digest fetch keeps them"
            )
        return replace(issue, sections=tuple(sections))  # headline links show no picture

    def _body_image(self, match: re.Match[str]) -> str:
        """An <img> of a shown body (a highlight's) made for the column; dropped if unusable."""
        tag = match.group(0)
        source = _SRC.search(tag)
        url = html.unescape(source.group(1)) if source else ""
        if not url.startswith(("http://", "https://")):
            return tag
        if self.offline and url not in self.failed and not self.archive.stored_images([url]):
            self.unstored.add(url)
            return tag
        derived = self.publish(url, LEAD_WIDTH)
        if derived is None:
            return ""
        src = web_url(self.config.publication.url, derived.out_path)
        tag = _SIZE.sub("", _SRC.sub(f' src="{src}"', tag, count=1))
        size = f' width="{derived.shown_width}" height="{derived.shown_height}"'
        return tag[:4] + size + tag[4:]

    def _placed(self, entry: Entry, display_width: int) -> Entry:
        if entry.image is None or not entry.image.url:
            return entry
        url = entry.image.url
        self.gather_urls([url])  # a local file is read even offline
        if self.offline and url not in self.failed and not self.archive.stored_images([url]):
            self.unstored.add(url)  # never fetched, and an offline build fetches nothing
            return entry
        derived = self.publish(entry.image.url, display_width)
        if derived is None:
            return replace(entry, image=None)
        image: Image = replace(
            entry.image,
            url=web_url(self.config.publication.url, derived.out_path),
            width=derived.shown_width,
            height=derived.shown_height,
        )
        return replace(entry, image=image)

    def publish(self, url: str, display_width: int) -> Derived | None:
        """The derivative of the stored picture `url` for a place `display_width` px wide, made
        only when out/media/ lacks it; None (warned about) if it cannot be used."""
        if url in self.failed:
            return None
        stored = self.archive.stored_images([url]).get(url)
        if stored is None:
            self.gather_urls([url])
            stored = self.archive.stored_images([url]).get(url)
        if stored is None:
            if self.offline and url not in self.failed:
                self._fail(url, "not in the archive, and this build is offline (run digest fetch)")
            return None
        sha, _, _ = stored
        key = f"{sha}:{display_width}:{self.config.images.max_bytes}:{RULES}"
        known = self.archive.derivative(key)
        if known:
            name, width, height = known
            path = media_file(name)
            if path in self.files or (self.out and (self.out / path).is_file()):
                return Derived(
                    path, width, height, *pixels.shown_size(width, height, display_width)
                )
        data = self.archive.image_data(url) or b""
        try:
            encoded, extension, width, height = pixels.derive(
                data,
                display_width,
                self.config.images.max_bytes,
                lambda why: self._off_colour(url, why),
            )
        except Unusable as why:
            self._fail(url, str(why))
            return None
        except Exception as error:  # a picture Pillow trips over must fail itself only
            self._fail(url, f"cannot be made for email ({type(error).__name__}: {error})")
            return None
        name = f"{hashlib.sha256(encoded).hexdigest()[:16]}-{_stem(url)}.{extension}"
        self.files[media_file(name)] = encoded
        self.encoded += 1
        self.archive.store_derivative(key, name, width, height)
        return Derived(
            media_file(name), width, height, *pixels.shown_size(width, height, display_width)
        )


def _shown_first(issue: Issue) -> str | None:
    """The story the layout shows large when the editor chose no lead: the first of the first
    news section (the templates' rule, render/context.py `lead_id`)."""
    if any(section.kind == "lead" for section in issue.sections):
        return None
    news = [section for section in issue.sections if section.kind == "news" and section.entries]
    return news[0].entries[0].id if news else None


_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r'\ssrc="([^"]*)"', re.IGNORECASE)
_SIZE = re.compile(r'\s(?:width|height)="[^"]*"', re.IGNORECASE)


def _body_urls(body: str) -> list[str]:
    """The http(s) pictures of a body (sanitised HTML: attributes double-quoted)."""
    found = (_SRC.search(tag) for tag in _IMG_TAG.findall(body))
    urls = (html.unescape(match.group(1)) for match in found if match)
    return [url for url in urls if url.startswith(("http://", "https://"))]


def _stem(url: str) -> str:
    """A readable tail for the file name: the URL's file name without its extension."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]).rsplit(".", 1)[0]
    name = _HASHED_NAME.sub("", name)
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:40] or "image"


# --- the logo ---------------------------------------------------------------------------

# The logo each build published, by publication folder and logo: the render stage's templates
# ask for it through render/context.py, which is handed the config alone.
_published_logos: dict[tuple[str, str], Derived] = {}


def logo_url(config: Config) -> str | None:
    """The URL the archive keeps the publication's logo under: a remote logo's own, a local
    file's published URL (which names its bytes)."""
    from digest import assets

    reference = config.publication.logo
    if not reference:
        return None
    if assets.is_remote(reference):
        return reference
    return assets.publish(config.resolve(reference)).url(config.publication.url)


def published_logo(config: Config) -> Derived | None:
    """The logo as this build published it, if it did (not in hotlink mode)."""
    reference = config.publication.logo
    if not reference or config.images.mode == "hotlink":
        return None
    return _published_logos.get((str(config.root), reference))


def publish_logo(pictures: Pictures) -> None:
    """Publish the logo as a 2x image (shown at half its pixels, at most LOGO_WIDTH wide)."""
    config = pictures.config
    reference = config.publication.logo
    if pictures.hotlink or not reference:
        return
    try:
        url = logo_url(config)
    except OSError:
        return  # render/context.py names the unreadable file
    if url is None:
        return
    pictures.logo = url
    pictures.gather_urls([url])
    stored = pictures.archive.stored_images([url]).get(url)
    if stored is None:
        _published_logos.pop((str(config.root), reference), None)
        return
    display = max(1, min(stored[1] // 2, LOGO_WIDTH))
    derived = pictures.publish(url, display)
    if derived is not None:
        _published_logos[(str(config.root), reference)] = derived


# --- what out/media/ holds that no issue shows ----------------------------------------------

# A link to out/media/<name>: absolute in the email and the feed, relative in the web pages;
# after "/", a quote, a space, "(", "=" or "," (or at the start), as _media_names looks.
_MEDIA_LINK = re.compile(rf"{re.escape(MEDIA)}/([^\"'\s<>()\\?#]+)")
_BEFORE_MEDIA_LINK = frozenset("/\"'(=,")
# The names digest gives what it publishes there: the start of the SHA-256 of the file's own
# bytes, 16 hex digits for a derivative (Pictures.publish), 10 for a copied local file and the
# dark-mode logo (assets.py, render/logo.py).
_HASH_NAMED = re.compile(r"([0-9a-f]{10}(?:[0-9a-f]{6})?)-")


def media_shown(pages: Iterable[bytes | str], *more: str) -> tuple[str, ...]:
    """The out/media/ files these pages show or link, as out/ paths, sorted."""
    found: set[str] = set()
    for page in (*pages, *more):
        text = page.decode("utf-8", "replace") if isinstance(page, bytes) else page
        found.update(media_file(unquote(html.unescape(name))) for name in _media_names(text))
    return tuple(sorted(found))


def _media_names(text: str) -> Iterator[str]:
    """The <name> of each link to out/media/ in `text`. The pattern starts with its literal, so
    the scan jumps from one "media/" to the next (a look-behind first tried every position of
    every page: 1.2 ms an issue); what comes before it is checked here."""
    position = 0
    while match := _MEDIA_LINK.search(text, position):
        start = match.start()
        before = text[start - 1] if start else " "
        if before in _BEFORE_MEDIA_LINK or before.isspace():
            yield match.group(1)
            position = match.end()
        else:
            position = start + 1  # a "media/" inside this one may still be a link


def unused_media(
    out: Path, recorded: Mapping[str, tuple[str, ...] | None], written: Iterable[str]
) -> list[str]:
    """The files of out/media/ that digest made and nothing in out/ shows any more, as out/
    paths: not this build's files (`written`), not those of any issue in out/ (`recorded`: an
    issue path's issue.json record; None, or an issue folder not in it, is read from its
    files), not those of the site index or the feed. A file digest did not make stays: its
    name must begin with the hash of its bytes."""
    folder = out / MEDIA
    if not folder.is_dir():
        return []
    keep = set(written)
    for issue_path, media in recorded.items():
        keep.update(_shown_in_folder(out / issue_path) if media is None else media)
    for kind in ISSUE_KINDS:  # a folder whose issue.json is damaged or gone
        for issue in sorted((out / kind).glob("*")) if (out / kind).is_dir() else ():
            issue_path = f"{kind}/{issue.name}"
            if issue_path not in recorded and re.fullmatch(ISSUE_FOLDER_PATTERN, issue_path):
                keep.update(_shown_in_folder(issue))
    keep.update(media_shown(_read(out / name) for name in SITE_FILES))
    return [
        media_file(path.name)
        for path in sorted(folder.iterdir())
        if media_file(path.name) not in keep and _made_by_digest(path)
    ]


def _shown_in_folder(folder: Path) -> tuple[str, ...]:
    """What an issue's files show, read from disk (the .eml holds the same, encoded)."""
    files = sorted(folder.rglob("*")) if folder.is_dir() else []
    return media_shown(_read(path) for path in files if path.name != MESSAGE)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes() if path.is_file() else b""
    except OSError:
        return b""


def _made_by_digest(path: Path) -> bool:
    """Is this a file digest published (a plain file named after the hash of its bytes)?"""
    named = _HASH_NAMED.match(path.name)
    if named is None or path.is_symlink() or not path.is_file():
        return False
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest().startswith(named.group(1))
    except OSError:
        return False
