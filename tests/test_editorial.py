"""An editor's decision files (feeds/issues/<issue>.toml): what a reader of the issue sees
change, what `digest explain` says about it, and that the archive's entries never change."""

from __future__ import annotations

import email
import email.policy
import fcntl
import hashlib
import json
import os
import shutil
import textwrap
import threading
from pathlib import Path

import pytest

from digest import desk, editorial
from digest.archive import Archive
from digest.cli import main
from digest.config import load
from digest.editorial import StaleEdit

WEEK = "2025-W40"
NVA = "tag:icr.example.org,2025:news/national-research-archive-nva"
NVA_TITLE = "National Research Archive (NVA) Now Available for OUS Researchers"
LYNCH = "tag:icr.example.org,2025:news/predi-lynch-kickoff-heidelberg"
LYNCH_TITLE = "Bringing Europe together to tackle Lynch syndrome"
LYSOSOME_TITLE = (
    "Radulovic and Stenmark with lysosome review in Nature Reviews Molecular Cell Biology"
)
GOLD_LABEL_FEED = "https://www.oslocancercluster.example/?p=18497"


def decide(sample: Path, key: str, text: str) -> Path:
    """Write the issue's decision file (replacing the sample's own)."""
    path = sample / "feeds" / "issues" / f"{key}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def build(sample: Path, capsys: pytest.CaptureFixture[str], *target: str) -> tuple[int, str]:
    code = main(["build", "--config", str(sample), "--offline", "--quiet", *target])
    return code, capsys.readouterr().err


def issue_file(sample: Path, name: str, issue: str = f"weekly/{WEEK}") -> str:
    return (sample / "out" / issue / name).read_text(encoding="utf-8")


def explain(sample: Path, capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    assert main(["explain", "--config", str(sample), *arguments]) == 0
    return capsys.readouterr().out


def section_of(text: str, title: str) -> str:
    """The heading of the text part's section in which `title` stands."""
    before = text[: text.rindex(title)].splitlines()  # not the "In this issue" line
    headings = [before[i - 1] for i, line in enumerate(before) if line and set(line) == {"-"}]
    return headings[-1]


def test_the_samples_decisions_show_its_intro_and_comment(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build(sample, capsys, "--week", WEEK)[0] == 0
    html = issue_file(sample, "email.html")
    # the intro, the "In this issue" line made from the lead and each section's first story,
    # the lead story first, the comment
    assert "reviews out in <em>Nature Reviews</em> journals" in html
    assert "In this issue:</strong> Radulovic and Stenmark with lysosome review" in html
    assert html.index(">Top story</h2>") < html.index(">News</h2>")
    assert "Editor's comment:</strong> The second Nature Reviews article" in html
    assert ">Nature Reviews Cancer</p>" in html  # the kicker


def test_a_lead_story_shows_first_and_large_in_the_email_and_first_in_the_text(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sample / "feeds" / "issues" / f"{WEEK}.toml"
    text = path.read_text(encoding="utf-8").replace("# lead = ", "lead = ")
    path.write_text(text, encoding="utf-8")
    assert build(sample, capsys, "--week", WEEK)[0] == 0
    html = issue_file(sample, "email.html")
    lead = html.rindex(LYSOSOME_TITLE)  # after the "In this issue" line that names it
    assert html.index(">Top story</h2>") < lead < html.index(">News</h2>") < html.rindex(NVA_TITLE)
    assert "font-size:26px" in html[html.rfind("<h3", 0, lead) : lead]
    publications = html[html.index(">Publications</h2>") : html.index(">People</h2>")]
    assert LYSOSOME_TITLE not in publications  # shown once, as the lead
    text = issue_file(sample, "email.txt")
    assert text.index("Top story\n---------\n\nRADULOVIC AND STENMARK") < text.index("News\n----")
    lines = explain(sample, capsys, "--week", WEEK).splitlines()
    assert lines[1].startswith('IN   Publications lead    "Radulovic and Stenmark')
    assert lines[1].endswith("the editor's lead story, in feeds/issues/2025-W40.toml:11")
    assert main(["check", "--config", str(sample), "--issue", f"weekly/{WEEK}"]) == 0


@pytest.mark.parametrize(
    ("lead", "title", "other"), [(NVA, NVA_TITLE, LYNCH_TITLE), (LYNCH, LYNCH_TITLE, NVA_TITLE)]
)
def test_the_editors_lead_never_gives_way_to_a_section_cap(
    sample: Path, capsys: pytest.CaptureFixture[str], lead: str, title: str, other: str
) -> None:
    """With one story a section, the lead is the one kept, whichever of the two is newer."""
    config = sample / "digest.toml"
    config.write_text(
        config.read_text("utf-8").replace("[weekly]\n", "[weekly]\nsection_cap = 1\n", 1), "utf-8"
    )
    decide(sample, WEEK, f'lead = "{lead}"\n')
    assert build(sample, capsys, "--week", WEEK)[0] == 0
    html = issue_file(sample, "email.html")
    assert html.index(">Top story</h2>") < html.rindex(title) < html.index(">Publications</h2>")
    news = html[html.rindex(">Top story</h2>") :]
    assert other not in news[: news.index(">Publications</h2>")]  # the other gave way
    assert "lead" in explain(sample, capsys, "--week", WEEK).split(title[:30])[1].splitlines()[0]


def test_an_entry_left_out_is_out_and_explain_names_file_and_line(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    decide(sample, WEEK, f'[[entries]]\nid = "{NVA}"\nomit = true\n')
    assert build(sample, capsys, "--week", WEEK)[0] == 0
    for name in ("email.html", "email.txt", "index.html"):
        assert "National Research Archive" not in issue_file(sample, name)
    [line] = [
        line for line in explain(sample, capsys, "--week", WEEK).splitlines() if "NVA" in line
    ]
    assert line.startswith("OUT  left out")
    assert line.endswith("left out by the editor, in feeds/issues/2025-W40.toml:2")
    found = json.loads(explain(sample, capsys, "--week", WEEK, "--json"))
    [left_out] = [item for item in found if item["id"] == NVA]
    assert left_out["reason"] == "left-out"
    assert left_out["details"] == {"file": "feeds/issues/2025-W40.toml", "line": 2}


def test_an_entry_moved_and_entries_reordered_within_a_section(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = issue_file_after(sample, capsys, "")
    assert text.index(NVA_TITLE) < text.index(LYNCH_TITLE)  # newest first, by default

    decide(
        sample,
        WEEK,
        f"""
        [[entries]]
        id = "{NVA}"
        section = "People"

        [[entries]]
        id = "{LYNCH}"
        order = 1
        """,
    )
    assert build(sample, capsys, "--week", WEEK)[0] == 0
    text = issue_file(sample, "email.txt")
    assert section_of(text, NVA_TITLE) == "People"
    assert section_of(text, LYNCH_TITLE) == "News"
    [line] = [
        line for line in explain(sample, capsys, "--week", WEEK).splitlines() if "NVA" in line
    ]
    assert (
        "People #" in line
        and "moved from News by the editor, in feeds/issues/2025-W40.toml:2" in line
    )

    decide(
        sample,
        WEEK,
        f"""
        [[entries]]
        id = "{LYNCH}"
        order = 1
        """,
    )
    assert build(sample, capsys, "--week", WEEK)[0] == 0
    text = issue_file(sample, "email.txt")
    assert text.rindex(LYNCH_TITLE) < text.rindex(NVA_TITLE)  # the editor's order


def issue_file_after(sample: Path, capsys: pytest.CaptureFixture[str], decisions: str) -> str:
    decide(sample, WEEK, decisions)
    assert build(sample, capsys, "--week", WEEK)[0] == 0
    return issue_file(sample, "email.txt")


def test_kicker_title_and_summary_replaced_in_the_issue_but_not_in_the_archive(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    decide(
        sample,
        WEEK,
        f"""
        [[entries]]
        id = "{NVA}"
        kicker = "Open science"
        title = "Your papers now go to NVA"
        summary = "Cristin is gone: register your publications in the National Research Archive."
        """,
    )
    assert build(sample, capsys, "--week", WEEK)[0] == 0
    html = issue_file(sample, "email.html")
    assert ">Open science</p>" in html
    assert "Your papers now go to NVA" in html and NVA_TITLE not in html
    assert "register your publications in the National Research Archive" in html
    with Archive(sample / "archive.sqlite") as archive:
        [stored] = archive.with_ids([NVA])
    assert stored.title == NVA_TITLE
    assert stored.summary.startswith("The National Research Archive (NVA) has replaced Cristin")
    assert stored.kicker == ""


def test_intro_subject_and_preheader_reach_every_part_of_the_issue(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    decide(
        sample,
        WEEK,
        '''
        subject = "Lysosomes, T cells and a new research archive"
        preheader = "Two Nature Reviews articles from the institute in one week."
        intro = """
        A week of **reviews**: read [the Olweus article](https://www.icr.example.org/news/2025/olweus-nature-reviews-cancer.html).
        """
        ''',
    )
    assert build(sample, capsys, "--week", WEEK)[0] == 0
    for name in ("email.html", "index.html"):
        assert "A week of <strong>reviews</strong>" in issue_file(sample, name)
    assert "A week of reviews: read the Olweus article" in issue_file(sample, "email.txt")
    feed = (sample / "out" / "feed.xml").read_text(encoding="utf-8")
    assert "A week of &lt;strong&gt;reviews&lt;/strong&gt;" in feed
    raw = (sample / "out" / "weekly" / WEEK / "message.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "Lysosomes, T cells and a new research archive"
    assert "Two Nature Reviews articles from the institute in one week." in issue_file(
        sample, "email.html"
    )


def test_an_unknown_id_is_one_warning_naming_file_and_line_and_the_build_goes_on(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    decide(
        sample,
        WEEK,
        """
        # an entry that was renamed at its source
        [[entries]]
        id = "tag:icr.example.org,2025:news/no-such-story"
        omit = true
        """,
    )
    code, err = build(sample, capsys, "--week", WEEK)
    assert code == 0
    [warning] = [line for line in err.splitlines() if "no-such-story" in line]
    assert warning.startswith("warning: feeds/issues/2025-W40.toml:3: entry ")
    assert "is not among this issue's entries" in warning
    assert NVA_TITLE in issue_file(sample, "email.html")


def test_a_wrong_key_stops_the_build_with_its_line_and_the_closest_key(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    decide(sample, WEEK, f'lead = "{NVA}"\n\n[[entries]]\nid = "{LYNCH}"\ntitel = "A new title"\n')
    code, err = build(sample, capsys, "--week", WEEK)
    assert code == 3
    assert (
        "feeds/issues/2025-W40.toml:5: entries[0].titel: unknown key; did you mean 'title'?" in err
    )
    assert "Traceback" not in err


def test_a_decision_file_for_a_week_without_entries_is_a_warning(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    decide(sample, "2019-W01", 'intro = "Happy new year"\n')
    code, err = build(sample, capsys, "--all")
    assert code == 0
    assert "warning: feeds/issues/2019-W01.toml: no entries are dated in 2019-W01" in err


def test_the_years_picks_come_first_in_the_editors_order_feed_items_too(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    decide(
        sample,
        "2022",
        f"""
        [[highlights]]
        id = "{GOLD_LABEL_FEED}"
        call_to_action = {{ text = "Read the certificate", url = "https://www.oslocancercluster.example/about/", contact = "Ane Nordmann" }}

        [[highlights]]
        id = "entry:2022/05-making-our-voice-heard"
        caption = "Our policy team at Arendalsuka."
        credit = "Photo: the editor"
        """,
    )
    assert build(sample, capsys, "--year", "2022")[0] == 0
    text = issue_file(sample, "email.txt", "yearly/2022")
    first = text.index("1. Gold Label certificate renewed for Oslo Cancer Cluster")
    second = text.index("2. Making our voice heard")
    third = text.index("3. Growing our community")  # the rest: today's ranking
    assert first < second < third
    assert "Contact: Ane Nordmann" in text[first:second]
    html = issue_file(sample, "email.html", "yearly/2022")
    assert "Our policy team at Arendalsuka. Photo: the editor" in html
    lines = explain(sample, capsys, "--year", "2022").splitlines()
    assert "picked as highlight #1 in feeds/issues/2022.toml:2" in lines[1]
    assert "picked as highlight #2 in feeds/issues/2022.toml:6" in lines[2]


def test_without_decision_files_every_other_issue_is_byte_identical(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(sample, plain)
    shutil.rmtree(plain / "feeds" / "issues")
    assert build(sample, capsys, "--all")[0] == 0
    assert build(plain, capsys, "--all")[0] == 0

    def issues(root: Path) -> dict[str, str]:
        return {
            str(path.relative_to(root / "out")): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted((root / "out").glob("*/*/*"))
            if path.is_file()
        }

    decided, undecided = issues(sample), issues(plain)
    assert decided.keys() == undecided.keys()
    changed = {name.rsplit("/", 1)[0] for name in decided if decided[name] != undecided[name]}
    assert changed == {f"weekly/{WEEK}", "yearly/2022"}


def test_a_changed_decision_file_rebuilds_its_issue(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build(sample, capsys, "--week", WEEK)[0] == 0
    path = sample / "feeds" / "issues" / f"{WEEK}.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("and we welcome", "and we warmly welcome"),
        encoding="utf-8",
    )
    assert build(sample, capsys, "--week", WEEK)[0] == 0
    assert "we warmly welcome this autumn" in issue_file(sample, "email.txt").replace("\n", " ")


def test_a_decision_file_for_the_week_in_progress_waits_but_one_for_an_empty_past_week_warns(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The editor writes this week's file before the week ends: --all leaves it alone."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Oslo")).isocalendar()
    this_week = f"{today.year}-W{today.week:02d}"
    decide(sample, this_week, 'intro = "Coming on Monday."\n')
    decide(sample, "2025-W30", 'intro = "A week with no news."\n')
    code, errors = build(sample, capsys, "--all")
    assert code == 0
    assert this_week not in errors
    assert (
        "warning: feeds/issues/2025-W30.toml: no entries are dated in 2025-W30, so no issue uses these decisions"
        in errors.splitlines()
    )


# --- the desk and a text editor writing the same file ----------------------------------------


def save_by_hand_between_check_and_replace(
    monkeypatch: pytest.MonkeyPatch, path: Path, text: str, times: int = 1
) -> list[str]:
    """The editor's save, made (`times` times) in the moment after digest has read the file,
    checked the version and written its new bytes, and before it replaces the file; returns
    the list of the new files digest had ready (its temporary files' names)."""
    ready: list[str] = []
    original = editorial._write_temporary

    def then_saved_by_hand(target: Path, data: bytes) -> Path:
        temporary = original(target, data)
        ready.append(temporary.name)
        if len(ready) <= times:
            staged = path.with_name(f"{path.name}~")  # as an editor saves: a new file, renamed
            staged.write_text(text, encoding="utf-8")
            staged.replace(path)
        return temporary

    monkeypatch.setattr(editorial, "_write_temporary", then_saved_by_hand)
    return ready


def test_a_hand_edit_saved_while_the_desk_writes_is_kept_and_the_desk_edit_refused(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load(sample / "digest.toml")
    path = sample / "feeds" / "issues" / f"{WEEK}.toml"
    by_hand = 'subject = "Written in my editor"\n' + path.read_text(encoding="utf-8")
    seen = editorial.version_of(config, WEEK)
    ready = save_by_hand_between_check_and_replace(monkeypatch, path, by_hand)
    with pytest.raises(StaleEdit) as refused:
        desk.set_lead(config, WEEK, NVA, seen)
    assert str(refused.value) == (
        f"feeds/issues/{WEEK}.toml changed on disk since this page was loaded; reload to see "
        "the other edit, then make yours again"
    )
    assert ready, "the desk never got as far as writing its new file"
    assert path.read_text(encoding="utf-8") == by_hand  # the editor's save, not the desk's
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []
    decisions = editorial.read_decisions(config, WEEK)
    assert decisions is not None and decisions.lead != NVA
    # the page reloaded: its version is the hand-edited file's, and the click is made on it
    monkeypatch.undo()
    desk.set_lead(config, WEEK, NVA, editorial.version_of(config, WEEK))
    decisions = editorial.read_decisions(config, WEEK)
    assert decisions is not None and decisions.lead == NVA
    assert decisions.subject == "Written in my editor"


def test_an_approval_written_while_the_file_is_saved_by_hand_keeps_both(
    sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`digest approve` starts from no page: it makes its change again on the saved file."""
    assert build(sample, capsys, "--week", WEEK)[0] == 0
    path = sample / "feeds" / "issues" / f"{WEEK}.toml"
    by_hand = path.read_text(encoding="utf-8").replace("and we welcome", "and we warmly welcome")
    assert by_hand != path.read_text(encoding="utf-8")
    ready = save_by_hand_between_check_and_replace(monkeypatch, path, by_hand)
    code = main(["approve", "--config", str(sample), "--issue", f"weekly/{WEEK}", "--by", "Ada"])
    assert code == 0, capsys.readouterr().err
    assert len(ready) == 2  # written twice: the first was not put in place
    text = path.read_text(encoding="utf-8")
    assert text.startswith(by_hand)  # the hand edit, every byte, then the approval
    approval = editorial.read_approval(load(sample / "digest.toml"), WEEK)
    assert approval is not None and approval["by"] == "Ada"
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []


def test_an_approval_over_a_file_that_keeps_changing_is_one_line_and_writes_nothing(
    sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build(sample, capsys, "--week", WEEK)[0] == 0
    path = sample / "feeds" / "issues" / f"{WEEK}.toml"
    saves = [path.read_text(encoding="utf-8") + f"\n# save {n}\n" for n in range(1, 4)]
    original = editorial._write_temporary

    def saved_again(target: Path, data: bytes) -> Path:
        temporary = original(target, data)
        path.write_text(saves.pop(0), encoding="utf-8")
        return temporary

    monkeypatch.setattr(editorial, "_write_temporary", saved_again)
    code = main(["approve", "--config", str(sample), "--issue", f"weekly/{WEEK}", "--by", "Ada"])
    assert code != 0 and saves == []
    assert capsys.readouterr().err == (
        f"error: feeds/issues/{WEEK}.toml kept changing on disk while digest wrote it; try again\n"
    )
    assert path.read_text(encoding="utf-8").endswith("\n# save 3\n")
    assert editorial.read_approval(load(sample / "digest.toml"), WEEK) is None


def test_digest_writers_take_turns_at_the_decision_files(sample: Path) -> None:
    """Another digest process (a second preview, `digest approve`) holding the folder's lock
    is waited for: the desk reads the file only once it is done, so it sees that edit."""
    config = load(sample / "digest.toml")
    folder = sample / "feeds" / "issues"
    path = folder / f"{WEEK}.toml"
    seen = editorial.version_of(config, WEEK)
    results: list[BaseException | str] = []
    held = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)

        def click() -> None:
            try:
                results.append(desk.set_lead(config, WEEK, NVA, seen))
            except BaseException as error:  # handed to the test's thread
                results.append(error)

        clicking = threading.Thread(target=click)
        clicking.start()
        clicking.join(0.5)
        assert clicking.is_alive() and results == []  # waiting, not writing
        path.write_text(path.read_text(encoding="utf-8") + "\n# the other writer\n")
    finally:
        os.close(held)  # the other writer is done
    clicking.join(30)
    assert len(results) == 1 and isinstance(results[0], StaleEdit)
    assert path.read_text(encoding="utf-8").endswith("\n# the other writer\n")
