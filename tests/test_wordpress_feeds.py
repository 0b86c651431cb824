"""Feeds shaped like real WordPress output (Yoast, Rank Math, lazy-loading themes) through the
real ingest path, in both readers: footers go, lead images are found, titles keep their text."""

from __future__ import annotations

import pytest

from digest.cli import main
from digest.config import Config
from digest.ingest import fastfeed
from digest.ingest.clean import plain_text, summarize
from digest.ingest.feeds import parse_feed
from digest.ingest.prepare import prepare
from digest.model import Entry
from tests.conftest import NOW, REPO, Publication

WORDPRESS = REPO / "tests" / "feeds" / "wordpress"


@pytest.fixture
def config(publication: Publication) -> Config:
    return publication.load('[[sources]]\nname = "Institute"\nurl = "https://institute.test/feed/"\n')


def entries(config: Config, name: str, *, fast: bool = True) -> dict[str, Entry]:
    """The feed file's entries by title, the same from the fast reader and from feedparser."""
    data = (WORDPRESS / name).read_bytes()
    source = config.sources[0]
    auto = parse_feed(data, source, config, NOW, "https://institute.test/feed/")
    slow = parse_feed(data, source, config, NOW, "https://institute.test/feed/", reader="feedparser")
    assert auto == slow
    assert (fastfeed.read(prepare(data)[0]) is not None) is fast
    return {entry.title: entry for entry in auto.entries}


def test_seo_plugin_footers_go_in_every_wording(config: Config) -> None:
    found = entries(config, "footer-seo-plugins.xml")
    for title in (
        "Yoast: new grant for lymphoma research",
        "Older footer: first appeared on",
        "RSS Footer plugin wording",
        "First published wording",
    ):
        entry = found[title]
        for wording in ("appeared first on", "first appeared on", "is a post from", "was first published"):
            assert wording not in entry.html, (title, entry.html)
            assert wording not in entry.summary, (title, entry.summary)
        assert "Institute News" not in entry.html + entry.summary
    yoast = found["Yoast: new grant for lymphoma research"]
    assert yoast.html.endswith("<p>Its first paper is due next spring.</p>")
    assert yoast.summary == "The group receives NOK 12 million for five years of work on lymphoma."


def test_a_storys_own_last_paragraph_about_a_post_stays(config: Config) -> None:
    story = entries(config, "footer-seo-plugins.xml")["A story that ends on a post"]
    assert story.summary.endswith("The post office first appeared on the town map that year.")
    assert story.html.endswith(
        '<p>The postdoc\'s paper first appeared on <a href="https://journal.test/">the journal\'s website</a>.</p>'
    )


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        ("Body [&#8230;] The post Anything appeared first on Some site.", "Body"),  # after the excerpt
        ("Body. The post Grant news appeared first on Elsewhere.", "Body."),  # names the entry
        ("Body. The post Other first appeared on Institute News.", "Body."),  # names the feed
        ("The post office closed. The post Grant news appeared first on X.", "The post office closed."),
        ("Body. The post office first appeared on the town map.", None),  # the story's own
        ("Body. Lunch is a post from the canteen.", None),
    ],
)
def test_plain_text_footers_go_only_where_they_cannot_be_the_storys(text: str, summary: str | None) -> None:
    plain = plain_text(text)
    assert summarize(plain, title="Grant news", site="Institute News") == (summary or plain)


def test_titles_keep_the_words_that_only_look_like_tags(config: Config) -> None:
    data = (WORDPRESS / "titles-escaped.xml").read_bytes()
    titles = list(entries(config, "titles-escaped.xml"))
    assert titles == [
        "R&D <news>",  # escaped once: "<news>" is no HTML element, so it is words
        "R&D <news>, escaped twice",  # WordPress's double escaping reads the same
        "Nature paper on T cells",  # <em> is markup
        "Prize to Anette Weyergang – <Researcher of the Year>",
        "Safe title",  # hostile markup still goes, with the script's text
    ]
    feed = parse_feed(data, config.sources[0], config, NOW, "https://institute.test/feed/")
    assert feed.title == "R&D <news> from the institute"
    atom = list(entries(config, "titles-escaped-atom.xml"))
    assert atom == ["R&D <news>", "Nature paper on T cells"]


def test_the_issue_built_from_wordpress_feed_files_shows_what_the_reader_should(publication: Publication) -> None:
    """Through the real path: feed files as sources, a build, the email, its text part, the web page."""
    sources = ""
    for name in ("titles-escaped.xml", "footer-seo-plugins.xml", "images-lead.xml"):
        publication.file(f"feeds/{name}", (WORDPRESS / name).read_bytes())
        sources += f'[[sources]]\nname = "{name}"\npath = "feeds/{name}"\n'
    config_path = publication.configure(sources)
    assert main(["build", "--config", str(config_path), "--quiet", "--offline", "--week", "2025-W41"]) == 0
    week = publication.root / "out" / "weekly" / "2025-W41"
    email, text = (week / "email.html").read_text("utf-8"), (week / "email.txt").read_text("utf-8")
    web = (week / "index.html").read_text("utf-8")
    assert "R&amp;D &lt;news&gt;" in email and "R&amp;D &lt;news&gt;" in web and "<news>" not in email
    assert "R&D <news>" in text
    for shown in (email, text, web):
        assert "appeared first on" not in shown and "NOK 12 million" in shown
    assert "wp-content/uploads/2025/10/lab-1024x683.jpg" in email  # the figure's image, as the lead
    assert email.count("lab-1024x683.jpg") == 1


UPLOADS = "https://institute.test/wp-content/uploads/"


@pytest.mark.parametrize(
    ("title", "url", "alt"),
    [
        ("Figure in the content", UPLOADS + "2025/10/lab-1024x683.jpg", "The new lab"),
        ("Featured image in the description", UPLOADS + "2025/10/award-300x200.jpg", "Award ceremony"),
        ("Media content without medium or type", UPLOADS + "2025/10/prize.jpg?w=1200", ""),
        ("Media content with only dimensions", "https://cdn.institute.test/image/55", ""),
        ("A video and its poster", UPLOADS + "2025/10/lecture-poster.jpg", ""),  # not the .mp4
        ("A video and a picture in the text", UPLOADS + "2025/10/host.jpg", "The host"),
        ("An image enclosure", UPLOADS + "2025/09/enclosed.jpg", ""),
        ("Smush lazy image", UPLOADS + "2025/09/smush.jpg", "Smushed"),  # data-src, data: placeholder
        (
            "Jetpack lazy image",  # data-lazy-src over a 1x1 gif
            "https://i0.wp.test/institute.test/wp-content/uploads/2025/09/jetpack.jpg?resize=1024%2C683&ssl=1",
            "Jetpack",
        ),
        ("Lazy image with only a srcset", UPLOADS + "2025/09/large.jpg", "Srcset"),  # the largest
    ],
)
def test_the_lead_image_is_found_wherever_wordpress_puts_it(config: Config, title: str, url: str, alt: str) -> None:
    entry = entries(config, "images-lead.xml")[title]
    assert entry.image is not None, entry.html
    assert (entry.image.url, entry.image.alt) == (url, alt)
    assert "<img" not in entry.html  # shown once, as the lead image
    assert "data:" not in entry.html and "1x1" not in entry.html


def test_lazy_images_keep_their_real_size_and_caption(config: Config) -> None:
    found = entries(config, "images-lead.xml")
    jetpack = found["Jetpack lazy image"].image
    assert jetpack is not None and (jetpack.width, jetpack.height, jetpack.caption) == (1024, 683, "Loaded on scroll.")
    srcset = found["Lazy image with only a srcset"].image
    assert srcset is not None and (srcset.width, srcset.height) == (None, None)  # 1x1 was the placeholder's


def test_image_urls_found_anywhere_still_pass_the_safety_rules(config: Config) -> None:
    entry = entries(config, "images-lead.xml")["Unsafe image URLs are refused"]
    assert entry.image is None
    assert "javascript" not in entry.html and "ftp:" not in entry.html and "<img" not in entry.html
