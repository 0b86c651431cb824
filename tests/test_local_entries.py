"""Staff-written Markdown entries: fields, events, images, and `file:line: problem` errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.errors import EntryError
from digest.ingest.local import read_entries, scaffold
from tests.conftest import Publication

PNG_1x1_RED = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc000000301010018dd8db40000000049454e44ae426082"
)


def test_full_entry_becomes_one_entry(publication: Publication) -> None:
    publication.file("feeds/entries/images/lab.png", PNG_1x1_RED)
    publication.entry(
        "2025/ibrutinib.md",
        """
        ---
        title: "Preclinical study suggests proteasome inhibitor as therapy"
        date: 2025-02-10T09:30
        kicker: Publication in Nature Communications
        section: Publications
        summary: A study led by Martina Seiffert with Sigrid S. Skånland.
        link: https://icr.test/news/ibrutinib
        image: feeds/entries/images/lab.png
        image_alt: Sigrid S. Skånland and Johanne U. Hermansen
        caption: Sigrid S. Skånland and co-author Johanne U. Hermansen
        credit: "Photo: OUS"
        tags: [CLL, Publication]
        highlight: true
        weight: 5
        call_to_action:
          text: Read the article
          url: https://nature.test/article
          contact: Sigrid S. Skånland
        ---
        Drug resistance remains a **major challenge** in CLL.

        <script>alert(1)</script>
        """,
    )
    config = publication.load()
    local = read_entries(config)
    [entry] = local.entries
    assert entry.id == "entry:2025/ibrutinib"
    assert entry.source == "Local"
    assert entry.published == datetime(2025, 2, 10, 8, 30, tzinfo=UTC)  # 09:30 in Oslo (CET)
    assert entry.section == "Publications"
    assert entry.html == "<p>Drug resistance remains a <strong>major challenge</strong> in CLL.</p>"
    assert entry.kicker == "" and entry.call_to_action is None  # decisions are kept apart
    decided = local.editorial[entry.id]
    assert decided.kicker == "Publication in Nature Communications"
    assert decided.highlight and decided.weight == 5
    assert decided.call_to_action and decided.call_to_action.contact == "Sigrid S. Skånland"
    assert entry.categories == ("CLL", "Publication")
    assert entry.image is not None
    assert entry.image.url.startswith("https://digest.test/media/") and entry.image.url.endswith("-lab.png")
    assert (entry.image.width, entry.image.height) == (1, 1)
    [asset] = local.assets
    assert asset.source.name == "lab.png"


def test_event_times_are_in_the_publication_time_zone(publication: Publication) -> None:
    publication.entry(
        "conference.md",
        """
        ---
        title: Science Impact 2025
        date: 2025-10-01
        start: 2025-10-22T08:00
        end: 2025-10-22T17:00
        location: Oslo Science Park, Gaustadalléen 21, Oslo
        ---
        """,
    )
    [entry] = read_entries(publication.load()).entries
    assert entry.event is not None
    assert entry.event.start.astimezone(UTC) == datetime(2025, 10, 22, 6, 0, tzinfo=UTC)  # CEST
    assert entry.event.location == "Oslo Science Park, Gaustadalléen 21, Oslo"
    assert not entry.event.all_day


def test_all_problems_in_all_files_are_reported_with_file_and_line(publication: Publication) -> None:
    publication.entry("a.md", "---\ntitle: Fine title\ndate: 2025-13-45\nsection: Sport\n---\nBody\n")
    publication.entry("b.md", "---\ndate: 2025-01-01\ntitel: typo\n---\n")
    publication.entry("c.md", "---\ntitle: [unclosed\ndate: 2025-01-01\n---\n")
    publication.entry("d.md", "No front matter here.\n")
    with pytest.raises(EntryError) as caught:
        read_entries(publication.load())
    problems = caught.value.problems
    assert "feeds/entries/a.md:3: cannot read date '2025-13-45' (use 2025-10-14 or 2025-10-14T09:00)" in problems
    assert "feeds/entries/a.md:4: unknown section 'Sport' (configured: News, Publications, Awards)" in problems
    assert "feeds/entries/b.md:1: missing required field 'title'" in problems
    assert any(p.startswith("feeds/entries/b.md:3: unknown field 'titel'") for p in problems)
    assert any(p.startswith("feeds/entries/c.md:2: cannot read the front matter") for p in problems)
    assert "feeds/entries/d.md:1: no front matter (the file must start with a '---' line)" in problems
    assert len(problems) == 6


def test_image_needs_alt_text_and_an_existing_file(publication: Publication) -> None:
    publication.entry("a.md", "---\ntitle: T\ndate: 2025-01-01\nimage: feeds/entries/images/none.jpg\n---\n")
    with pytest.raises(EntryError) as caught:
        read_entries(publication.load())
    assert any("needs 'image_alt'" in p for p in caught.value.problems)
    assert any("image file not found: feeds/entries/images/none.jpg" in p for p in caught.value.problems)


def test_a_title_keeps_words_in_angle_brackets_but_no_html(publication: Publication) -> None:
    publication.entry("a.md", "---\ntitle: 'R&D <news>: <em>Nature</em> paper<script>x</script>'\nkicker: '<Award>'\ndate: 2025-01-01\n---\n")
    local = read_entries(publication.load())
    [entry] = local.entries
    assert (entry.title, local.editorial[entry.id].kicker) == ("R&D <news>: Nature paper", "<Award>")


def test_two_files_with_one_id_are_refused(publication: Publication) -> None:
    publication.entry("a.md", "---\nid: story-1\ntitle: A\ndate: 2025-01-01\n---\n")
    publication.entry("b.md", "---\nid: story-1\ntitle: B\ndate: 2025-01-02\n---\n")
    with pytest.raises(EntryError) as caught:
        read_entries(publication.load())
    assert caught.value.problems == ("feeds/entries/b.md:1: id 'story-1' is already used by feeds/entries/a.md",)


def test_scaffolded_entry_is_valid_and_never_overwrites(publication: Publication) -> None:
    config = publication.load()
    folder = config.resolve(config.entries.path)
    first = scaffold('New group leader: "Jørgen Wesche"', datetime(2026, 11, 23).date(), folder, "News")
    second = scaffold('New group leader: "Jørgen Wesche"', datetime(2026, 11, 23).date(), folder, "News")
    assert first != second and first.name == "2026-11-23-new-group-leader-jorgen-wesche.md"
    titles = sorted(entry.title for entry in read_entries(config).entries)
    assert titles == ['New group leader: "Jørgen Wesche"'] * 2


def test_no_entries_folder_means_no_entries(tmp_path: Path, publication: Publication) -> None:
    config = publication.load('[entries]\npath = "nowhere"\n')
    assert read_entries(config).entries == ()


def test_misspelt_field_suggests_the_known_one_on_its_line(publication: Publication) -> None:
    publication.entry("2025/x.md", "---\ntitle: A prize\ndate: 2025-01-01\nsumary: Short.\ncall_to_action:\n  text: Read\n  contakt: Ann\n---\n")
    with pytest.raises(EntryError) as caught:
        read_entries(publication.load())
    assert caught.value.problems == (
        "feeds/entries/2025/x.md:4: unknown field 'sumary'; did you mean 'summary'?",
        "feeds/entries/2025/x.md:7: call_to_action: unknown field 'contakt'; did you mean 'contact'?",
    )


def test_unknown_field_with_nothing_close_lists_the_known_ones(publication: Publication) -> None:
    publication.entry("x.md", "---\ntitle: A prize\ndate: 2025-01-01\nfoo: bar\n---\n")
    with pytest.raises(EntryError) as caught:
        read_entries(publication.load())
    [problem] = caught.value.problems
    assert problem.startswith("feeds/entries/x.md:4: unknown field 'foo' (known: all_day, call_to_action, caption,")


@pytest.mark.parametrize(
    ("line", "hint", "title"),
    [
        ("title: Nobel: the prize", 'a value containing \': \' needs quotes, e.g. title: "Nobel: the prize"', "Nobel: the prize"),
        ("title: [Draft] A prize", "a value starting with '[' is read as a list; for text, put it in quotes, e.g. title: \"[Draft] A prize\"", "[Draft] A prize"),
        ('title: "Nobel" prize', 'put the whole value in quotes, e.g. title: "\\"Nobel\\" prize"', '"Nobel" prize'),
        ("title: *New* prize", "a value starting with '*' needs quotes, e.g. title: \"*New* prize\"", "*New* prize"),
        ("title: 'It's a prize'", "an apostrophe inside '...' is written '', or use double quotes: title: \"It's a prize\"", "It's a prize"),
        ('title: "A prize', 'the " that opens this value is never closed', None),
    ],
)
def test_yaml_mistake_names_the_line_and_the_fix_that_works(
    publication: Publication, line: str, hint: str, title: str | None
) -> None:
    path = publication.entry("2025/x.md", f"---\n{line}\ndate: 2025-01-01\n---\nText.\n")
    with pytest.raises(EntryError) as caught:
        read_entries(publication.load())
    [problem] = caught.value.problems
    assert problem.startswith("feeds/entries/2025/x.md:2: cannot read the front matter: ")
    assert problem.endswith(hint)
    if title is not None:  # the line the hint suggests, written in: the entry reads
        fixed = hint[hint.index("title: ") :]
        path.write_text(f"---\n{fixed}\ndate: 2025-01-01\n---\nText.\n", encoding="utf-8")
        [entry] = read_entries(publication.load()).entries
        assert entry.title == title


def test_tab_indentation_is_named_on_its_own_line(publication: Publication) -> None:
    publication.entry("x.md", "---\ntitle: A prize\n\tdate: 2025-01-01\n---\n")
    with pytest.raises(EntryError) as caught:
        read_entries(publication.load())
    [problem] = caught.value.problems
    assert problem.startswith("feeds/entries/x.md:3: cannot read the front matter: ")
    assert problem.endswith("; indent with spaces, not tabs")


def test_a_date_outside_the_years_an_issue_can_have_is_refused_on_its_line(publication: Publication) -> None:
    # the year 99 made the week key "99-W49", the year 9999 has no week after it: both a traceback
    publication.entry("a.md", "---\ntitle: T\ndate: 0099-12-01\n---\n")
    publication.entry("b.md", "---\ntitle: T\ndate: 2025-10-01\nstart: 9999-12-31\n---\n")
    publication.entry("c.md", "---\ntitle: T\ndate: 2025-10-01\nstart: 2025-10-01T10:00\nend: 0001-01-01\n---\n")
    with pytest.raises(EntryError) as caught:
        read_entries(publication.load())
    assert caught.value.problems == (
        "feeds/entries/a.md:3: date '0099-12-01' is out of range (use a year from 1900 to 2999)",
        "feeds/entries/b.md:4: start '9999-12-31' is out of range (use a year from 1900 to 2999)",
        "feeds/entries/c.md:5: end '0001-01-01' is out of range (use a year from 1900 to 2999)",
    )


def test_front_matter_of_the_wrong_type_is_refused_not_converted_every_problem_on_its_line(publication: Publication) -> None:
    publication.entry(
        "x.md",
        "---\ntitle: A prize\ndate: 2025-01-01\nkicker: [Award]\nweight: '5'\nhighlight: 'yes'\ntags: {a: 1}\n"
        "start: 2025-03-01\nall_day: 1\ncall_to_action:\n  url: https://icr.test/\n---\n",
    )
    with pytest.raises(EntryError) as caught:
        read_entries(publication.load())
    assert caught.value.problems == (  # in the order of the file
        "feeds/entries/x.md:4: 'kicker' must be text",
        "feeds/entries/x.md:5: 'weight' must be a whole number",
        "feeds/entries/x.md:6: 'highlight' must be true or false",
        "feeds/entries/x.md:7: 'tags' must be a list",
        "feeds/entries/x.md:9: 'all_day' must be true or false",
        "feeds/entries/x.md:10: 'call_to_action' needs at least 'text' (and optionally 'url', 'contact')",
    )


def test_yaml_scalars_are_read_as_they_always_were(publication: Publication) -> None:
    publication.entry("x.md", "---\nid: 2025\ntitle: A prize\ndate: 2025-01-01\nhighlight: yes\ntags: CLL\ncall_to_action: Get in touch\n---\n")
    local = read_entries(publication.load())
    [entry] = local.entries
    decided = local.editorial[entry.id]
    assert (entry.id, entry.categories, decided.highlight) == ("2025", ("CLL",), True)  # YAML's yes
    assert decided.call_to_action is not None and decided.call_to_action.text == "Get in touch"


def test_a_field_of_the_wrong_type_hides_none_of_the_publications_checks(publication: Publication) -> None:
    publication.entry("x.md", "---\ntitle: A prize\ndate: 20250101\nsection: Sport\nweight: 1.5\n---\n")
    with pytest.raises(EntryError) as caught:
        read_entries(publication.load())
    assert caught.value.problems == (
        "feeds/entries/x.md:3: cannot read date 20250101 (use 2025-10-14 or 2025-10-14T09:00)",
        "feeds/entries/x.md:4: unknown section 'Sport' (configured: News, Publications, Awards)",
        "feeds/entries/x.md:5: 'weight' must be a whole number",
    )
