"""`digest import FILE --source NAME` of WordPress export files (WXR) written here: published posts
with their dates, categories, featured images and permalinks; drafts, private posts and pages left out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from digest import paths
from digest.archive import Archive
from digest.cli import main
from digest.config import Config
from digest.model import Entry
from tests.conftest import Publication

WP = "http://wordpress.org/export/1.2/"


def post(
    post_id: int,
    title: str,
    *,
    status: str = "publish",
    kind: str = "post",
    date_gmt: str = "2022-03-04 09:30:00",
    content: str = "<p>The story.</p>",
    categories: str = "",
    meta: dict[str, str] | None = None,
    extra: str = "",
    password: str = "",
) -> str:
    postmeta = "".join(
        f"<wp:postmeta><wp:meta_key>{key}</wp:meta_key><wp:meta_value><![CDATA[{value}]]></wp:meta_value></wp:postmeta>"
        for key, value in (meta or {}).items()
    )
    slug = f"story-{post_id}"
    return f"""
    <item>
      <title><![CDATA[{title}]]></title>
      <link>https://icr.test/2022/{slug}/</link>
      <pubDate>Fri, 04 Mar 2022 09:30:00 +0000</pubDate>
      <dc:creator><![CDATA[editor]]></dc:creator>
      <guid isPermaLink="false">https://icr.test/?p={post_id}</guid>
      <description></description>
      <content:encoded><![CDATA[{content}]]></content:encoded>
      <excerpt:encoded><![CDATA[]]></excerpt:encoded>
      <wp:post_id>{post_id}</wp:post_id>
      <wp:post_date><![CDATA[{date_gmt}]]></wp:post_date>
      <wp:post_date_gmt><![CDATA[{date_gmt}]]></wp:post_date_gmt>
      <wp:post_name><![CDATA[{slug}]]></wp:post_name>
      <wp:status><![CDATA[{status}]]></wp:status>
      <wp:post_parent>0</wp:post_parent>
      <wp:post_type><![CDATA[{kind}]]></wp:post_type>
      <wp:post_password><![CDATA[{password}]]></wp:post_password>
      <wp:is_sticky>0</wp:is_sticky>
      {categories}{extra}{postmeta}
    </item>"""


def export(*items: str, doctype: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8" ?>{doctype}
<rss version="2.0" xmlns:excerpt="{WP}excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="{WP}">
<channel>
  <title>Institute for Cancer Research</title>
  <link>https://icr.test</link>
  <description>News</description>
  <language>en-GB</language>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:base_site_url>https://icr.test</wp:base_site_url>
  <wp:base_blog_url>https://icr.test</wp:base_blog_url>
  <wp:category><wp:term_id>3</wp:term_id><wp:category_nicename><![CDATA[awards]]></wp:category_nicename><wp:cat_name><![CDATA[Awards]]></wp:cat_name></wp:category>
  <generator>https://wordpress.org/?v=6.7</generator>
{"".join(items)}
</channel>
</rss>
"""


AWARD = "Årets forsker: Sigrid S. Skånland – «prisen» for CLL-forskning"


def site_export() -> str:
    """A small site: two published posts (one with a featured image), a draft, a private post,
    a password-protected one, a page, and the attachment, after the post that features it."""
    return export(
        post(
            101,
            AWARD,
            content='<p>Skånland receives the prize.</p><script>alert("x")</script>',
            categories='<category domain="category" nicename="awards"><![CDATA[Awards]]></category>'
            '<category domain="post_tag" nicename="cll"><![CDATA[CLL]]></category>',
            meta={"_thumbnail_id": "201", "_edit_last": "1"},
            extra="<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_content><![CDATA[Congratulations!]]></wp:comment_content></wp:comment>",
        ),
        post(102, "A draft not ready", status="draft", date_gmt="0000-00-00 00:00:00"),
        post(103, "Private: staff only", status="private"),
        post(104, "Protected minutes", password="board-only"),
        post(105, "About the institute", kind="page"),
        post(106, "R&amp;D news from Müller's lab", date_gmt="2022-06-01 12:00:00"),
        post(
            201,
            "lab",
            status="inherit",
            kind="attachment",
            extra="<wp:attachment_url><![CDATA[https://icr.test/wp-content/uploads/2022/03/lab.jpg]]></wp:attachment_url>",
            meta={"_wp_attachment_image_alt": "Sigrid S. Skånland in the lab"},
        ),
    )


def configure(publication: Publication, url: str = "https://icr.test/feed/") -> Config:
    return publication.load(
        f'[fetch]\nretries = 0\n\n[[sources]]\nname = "ICR news"\nurl = "{url}"\ncategories = {{ "Awards" = "Awards" }}\n'
    )


def import_file(publication: Publication, file: Path, source: str = "ICR news") -> int:
    return main(["import", str(file), "--source", source, "--config", str(publication.root)])


def archived(config: Config) -> dict[str, Entry]:
    with Archive(paths.archive_path(config)) as archive:
        entries = archive.published_between(datetime(1990, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    return {entry.id: entry for entry in entries}


def test_published_posts_are_archived_with_their_dates_categories_images_and_permalinks(
    publication: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    config = configure(publication)
    file = publication.file("icr.WordPress.2026-11-30.xml", site_export())
    assert import_file(publication, file) == 0
    summary = capsys.readouterr().out
    assert "as 'ICR news': 2 published post(s), 2 new, 0 updated; left out: 1 draft post(s), 1 page(s), 1 password-protected post(s), 1 private post(s);" in summary
    entries = archived(config)
    assert sorted(entries) == ["https://icr.test/?p=101", "https://icr.test/?p=106"]  # the guid, as in the feed
    award = entries["https://icr.test/?p=101"]
    assert award.title == AWARD
    assert award.published == datetime(2022, 3, 4, 9, 30, tzinfo=UTC)  # its own date, in its own week
    assert award.link == "https://icr.test/2022/story-101/"
    assert award.section == "Awards" and award.categories == ("Awards", "CLL")
    assert award.image is not None
    assert (award.image.url, award.image.alt) == ("https://icr.test/wp-content/uploads/2022/03/lab.jpg", "Sigrid S. Skånland in the lab")
    assert "Skånland receives the prize." in award.html and "<script" not in award.html
    assert "Congratulations" not in award.html  # a comment is not the post
    other = entries["https://icr.test/?p=106"]
    assert other.title == "R&D news from Müller's lab" and other.section == "News" and other.image is None


def test_importing_again_adds_nothing(publication: Publication, capsys: pytest.CaptureFixture[str]) -> None:
    config = configure(publication)
    file = publication.file("export.xml", site_export())
    assert import_file(publication, file) == 0
    assert import_file(publication, file) == 0
    assert "2 published post(s), 0 new, 0 updated" in capsys.readouterr().out
    assert len(archived(config)) == 2


def test_the_live_feed_carrying_an_imported_post_updates_the_same_entry(
    publication: Publication, httpserver: HTTPServer
) -> None:
    feed = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>ICR</title><link>https://icr.test</link><description>d</description>
    <item><title>{AWARD}</title><link>https://icr.test/2022/story-101/</link><guid isPermaLink="false">https://icr.test/?p=101</guid>
    <pubDate>Mon, 07 Mar 2022 10:00:00 +0000</pubDate><category>Awards</category><description>Skånland receives the prize.</description></item>
    </channel></rss>"""
    httpserver.expect_request("/feed/").respond_with_data(feed, content_type="application/rss+xml")
    config = configure(publication, httpserver.url_for("/feed/"))
    assert import_file(publication, publication.file("export.xml", site_export())) == 0
    assert main(["fetch", "--config", str(publication.root), "--quiet"]) == 0
    entries = archived(config)
    assert len(entries) == 2  # one entry per post: the feed's item is the imported post
    assert entries["https://icr.test/?p=101"].published == datetime(2022, 3, 4, 9, 30, tzinfo=UTC)


def test_a_file_that_is_no_wordpress_export_is_one_line_and_imports_nothing(
    publication: Publication, capsys: pytest.CaptureFixture[str]
) -> None:
    config = configure(publication)
    feed = publication.file("feed.xml", '<rss version="2.0"><channel><title>t</title></channel></rss>')
    assert import_file(publication, feed) == 2
    assert capsys.readouterr().err == f"error: {feed}: not a WordPress export (no wp:wxr_version); make one in WordPress under Tools → Export; nothing was imported\n"
    broken = publication.file("broken.xml", site_export().replace("</channel>", "</chanel>"))
    assert import_file(publication, broken) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {broken}:") and "not well-formed XML" in err and len(err.splitlines()) == 1
    missing = publication.root / "missing.xml"
    assert import_file(publication, missing) == 2
    assert f"error: {missing}: cannot read it" in capsys.readouterr().err
    assert import_file(publication, publication.file("ok.xml", site_export()), source="Partner") == 2
    assert "error: --source 'Partner': not a configured source; digest.toml has 'ICR news'" in capsys.readouterr().err
    assert archived(config) == {}


def test_entities_declared_in_an_export_are_never_expanded(publication: Publication) -> None:
    secret = publication.file("secret.txt", "the machine's own file")
    doctype = (
        '<!DOCTYPE rss [<!ENTITY lol "lollollollollollollollol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        f'<!ENTITY file SYSTEM "{secret.as_uri()}">]>'
    )
    # outside CDATA, where a parser that resolves entities would expand them
    items = post(7, "x").replace("<![CDATA[x]]>", "Title &lol2; end").replace("<![CDATA[<p>The story.</p>]]>", "The story &file; told.")
    file = publication.file("bomb.xml", export(items, doctype=doctype))
    config = configure(publication)
    assert import_file(publication, file) == 0
    [entry] = archived(config).values()
    assert entry.title.startswith("Title") and "lollol" not in entry.title
    assert "The story" in entry.html and "machine's own file" not in entry.html
