"""The editor's desk: each control writes the decision file a person would write, and `digest
serve` takes edits only from its own pages.

The desk functions (digest/desk.py) are tested on a copy of the sample's decision files; the
browser tests drive the real preview of the sample in Chromium, with the week 40 in progress,
and read the decision file and the rebuilt email back.
"""

from __future__ import annotations

import http.client
import re
import shutil
import threading
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from playwright.sync_api import Error as PlaywrightError

from digest import desk, editorial, select
from digest.config import Config, load
from digest.editorial import StaleEdit
from digest.errors import EntryError
from digest.model import Entry, Issue, Section
from digest.preview.desk_http import MAX_BODY
from digest.preview.server import PreviewServer
from tests import stress_publication
from tests.browser_pages import chromium, email_frame, preview_context, previewing
from tests.conftest import REPO

IN_W40 = datetime(2025, 10, 2, 12, 0, tzinfo=UTC)  # Thursday of 2025-W40: the sample's busy week
WEEK = "2025-W40"
LEAD = "tag:icr.example.org,2025:news/radulovic-stenmark-lysosome-review"
OLWEUS = "tag:icr.example.org,2025:news/olweus-nature-reviews-cancer"
LIVE_TIMEOUT_MS = 10_000
LYNCH_TITLE = "Bringing Europe together to tackle Lynch syndrome"
RADULOVIC_TITLE = "Radulovic and Stenmark with lysosome review"
NVA_TITLE = "National Research Archive (NVA) Now Available for OUS Researchers"


def _copy_sample(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "digest.toml", root / "digest.toml")
    shutil.copytree(REPO / "feeds", root / "feeds")
    return root / "digest.toml"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load(_copy_sample(tmp_path / "sample"))


def decision_text(config: Config, key: str = WEEK) -> str:
    return (config.root / "feeds" / "issues" / f"{key}.toml").read_text(encoding="utf-8")


def decisions(config: Config, key: str = WEEK) -> dict[str, Any]:
    return tomllib.loads(decision_text(config, key))


def entry_table(config: Config, entry_id: str, key: str = WEEK) -> dict[str, Any]:
    found = [e for e in decisions(config, key).get("entries", []) if e["id"] == entry_id]
    return found[0] if found else {}


# --- the desk's functions, on the sample's decision files ------------------------------------


def test_lead_is_written_with_the_comments_kept(config: Config) -> None:
    version = editorial.version_of(config, WEEK)
    desk.set_lead(config, WEEK, OLWEUS, version)
    text = decision_text(config)
    assert f'lead = "{OLWEUS}"' in text
    assert "# A lead story is shown first and large, above the sections:" in text
    assert text.startswith("# The editor's decisions for the weekly issue of week 40")
    read = editorial.read_decisions(config, WEEK)
    assert read is not None and read.lead == OLWEUS


def test_move_writes_the_whole_order_of_the_section(config: Config) -> None:
    shown = ["a:first", OLWEUS, "a:third"]
    desk.move(config, WEEK, "a:third", -1, shown, editorial.version_of(config, WEEK))
    assert [entry_table(config, entry_id).get("order") for entry_id in shown] == [1, 3, 2]
    assert entry_table(config, OLWEUS)["kicker"] == "Nature Reviews Cancer"  # kept beside it


def test_leave_out_and_put_back(config: Config) -> None:
    desk.omit(config, WEEK, "a:story", editorial.version_of(config, WEEK))
    assert '[[entries]]\nid = "a:story"\nomit = true\n' in decision_text(config)
    desk.put_back(config, WEEK, "a:story", editorial.version_of(config, WEEK))
    assert "a:story" not in decision_text(config)  # nothing else was decided: the table goes


def test_leaving_out_the_lead_removes_the_lead(config: Config) -> None:
    desk.omit(config, WEEK, LEAD, editorial.version_of(config, WEEK))
    assert "lead" not in decisions(config)
    assert entry_table(config, LEAD)["omit"] is True


def test_moving_to_another_section_drops_the_old_place(config: Config) -> None:
    desk.move(config, WEEK, OLWEUS, 1, [OLWEUS, "a:x"], editorial.version_of(config, WEEK))
    desk.move_to_section(config, WEEK, OLWEUS, "People", editorial.version_of(config, WEEK))
    table = entry_table(config, OLWEUS)
    assert table["section"] == "People" and "order" not in table


def test_a_section_that_is_not_configured_is_refused_before_writing(config: Config) -> None:
    before = decision_text(config)
    with pytest.raises(EntryError, match="'Sport' is not configured"):
        desk.move_to_section(config, WEEK, OLWEUS, "Sport", editorial.version_of(config, WEEK))
    assert decision_text(config) == before


def test_highlight_is_picked_last_in_the_years_file_and_unpicked(config: Config) -> None:
    desk.set_highlight(config, "2022", "a:2022-story", True, editorial.version_of(config, "2022"))
    picks = [pick["id"] for pick in decisions(config, "2022")["highlights"]]
    assert picks[-1] == "a:2022-story" and len(picks) == 4
    assert "# The highlights in the order they are numbered" in decision_text(config, "2022")
    desk.set_highlight(config, "2022", "a:2022-story", False, editorial.version_of(config, "2022"))
    assert "a:2022-story" not in decision_text(config, "2022")


def test_highlight_of_a_year_without_a_file_creates_it(config: Config) -> None:
    desk.set_highlight(config, "2025", OLWEUS, True, "")
    assert decisions(config, "2025") == {"highlights": [{"id": OLWEUS}]}


def test_a_highlight_year_that_is_no_year_writes_nothing(config: Config) -> None:
    with pytest.raises(EntryError, match="not a year"):
        desk.set_highlight(config, "../../digest", OLWEUS, True, "")
    assert not (config.root / "digest.toml.toml").exists()


def test_moving_a_highlight_pins_the_numbers_above_it_and_keeps_captions(
    config: Config,
) -> None:
    picks = [f"entry:2022/0{number}-" for number in (1, 2, 3)]
    shown = [
        "entry:2022/01-growing-our-community",
        "entry:2022/02-arranging-popular-meeting-places",
        "entry:2022/03-building-successful-companies",
        "a:fourth",
        "a:fifth",
    ]
    assert all(shown[index].startswith(pick) for index, pick in enumerate(picks))
    desk.move_highlight(config, "2022", shown[1], 1, shown, editorial.version_of(config, "2022"))
    written = [pick["id"] for pick in decisions(config, "2022")["highlights"]]
    assert written == [shown[0], shown[2], shown[1]]
    desk.move_highlight(config, "2022", "a:fifth", -1, shown, editorial.version_of(config, "2022"))
    written = [pick["id"] for pick in decisions(config, "2022")["highlights"]]
    assert written == [*shown[:3], "a:fifth", "a:fourth"]
    text = decision_text(config, "2022")
    assert "# The highlights in the order they are numbered" in text
    assert '[[highlights]]\nid = "a:fifth"\n\n[[highlights]]\nid = "a:fourth"\n' in text


def test_kicker_and_summary_replace_and_empty_removes(config: Config) -> None:
    version = editorial.version_of(config, WEEK)
    desk.set_words(config, WEEK, "a:story", "Award", "First line.\nSecond line.", version)
    assert entry_table(config, "a:story") == {
        "id": "a:story",
        "kicker": "Award",
        "summary": "First line.\nSecond line.\n",
    }
    desk.set_words(config, WEEK, "a:story", "", "", editorial.version_of(config, WEEK))
    assert entry_table(config, "a:story") == {}


def test_a_summary_from_a_browser_s_textarea_is_written_with_the_file_s_line_ends(
    config: Config,
) -> None:
    """A form sends a textarea's lines with CRLF; the decision file (in git) keeps LF."""
    version = editorial.version_of(config, WEEK)
    desk.set_words(config, WEEK, OLWEUS, "", "First line.\r\nSecond line.\r\n", version)
    assert b"\r" not in (config.root / "feeds" / "issues" / f"{WEEK}.toml").read_bytes()
    assert entry_table(config, OLWEUS)["summary"] == "First line.\nSecond line.\n"


@pytest.mark.parametrize(
    ("key", "written", "control"),
    [
        ("2022", 'highlights = [{ id = "a:first" }, { id = "a:second" }]\n', "highlight"),
        (WEEK, 'entries = [{ id = "a:first", kicker = "Award" }]\n', "omit"),
    ],
)
def test_decisions_written_as_an_inline_array_are_never_replaced(
    config: Config, key: str, written: str, control: str
) -> None:
    """An editor's hand-written `highlights = [{…}]`: a click must not drop the picks in it."""
    path = config.root / "feeds" / "issues" / f"{key}.toml"
    path.write_text(written, encoding="utf-8")
    with pytest.raises(EntryError, match="inline array; write each as a"):
        if control == "highlight":
            desk.set_highlight(config, key, "a:third", True, editorial.version_of(config, key))
        else:
            desk.omit(config, key, "a:third", editorial.version_of(config, key))
    assert path.read_text(encoding="utf-8") == written


def test_a_kicker_on_two_lines_is_refused(config: Config) -> None:
    with pytest.raises(EntryError, match="single line"):
        desk.set_words(config, WEEK, OLWEUS, "two\nlines", "", editorial.version_of(config, WEEK))


def test_subject_and_intro_are_written_as_a_person_would(config: Config) -> None:
    desk.set_issue_fields(
        config, WEEK, "Lysosomes and T cells", "A *busy* week.\n\nTwo reviews.", None
    )
    text = decision_text(config)
    assert 'subject = "Lysosomes and T cells"' in text
    assert 'intro = """A *busy* week.\n\nTwo reviews.\n"""' in text
    read = editorial.read_decisions(config, WEEK)
    assert read is not None and "<em>busy</em>" in read.intro_html


def test_a_stale_edit_is_refused_and_the_other_edit_kept(config: Config) -> None:
    seen = editorial.version_of(config, WEEK)
    desk.set_lead(config, WEEK, OLWEUS, seen)  # another tab, first
    with pytest.raises(StaleEdit, match="changed on disk since this page was loaded"):
        desk.omit(config, WEEK, OLWEUS, seen)
    assert decisions(config)["lead"] == OLWEUS
    assert "omit" not in entry_table(config, OLWEUS)


# --- the desk in the browser -------------------------------------------------------------------

LYNCH = "tag:icr.example.org,2025:news/predi-lynch-kickoff-heidelberg"
NVA = "tag:icr.example.org,2025:news/national-research-archive-nva"
PAGE = f"issue/weekly/{WEEK}/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[PreviewServer, Config]]:
    """The preview of a fresh copy of the sample (each test edits its decision files)."""
    path = _copy_sample(tmp_path / "sample")
    with previewing(path, IN_W40) as server:
        yield server, load(path)


def open_issue(browser: Browser, server: PreviewServer) -> tuple[BrowserContext, Page]:
    context = preview_context(browser, server.url, stress_publication.placeholder_png())
    page = context.new_page()
    page.goto(server.url + PAGE)
    return context, page


def story(page: Page, entry_id: str) -> Locator:
    return page.locator(f'li.story[data-id="{entry_id}"]')


def until(
    condition: Callable[[], bool],
    timeout: float = LIVE_TIMEOUT_MS / 1000,
    *,
    page: Page | None = None,
) -> bool:
    """Poll `condition`. After a click, pass the page: every request it makes waits for the
    context's route handler, which Playwright's sync API runs only during a Playwright call,
    so a plain wait here would hold the desk's POST back until the time was up."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return True
        if page is None:
            threading.Event().wait(0.05)
        else:
            page.wait_for_timeout(50)  # the browser's requests go on meanwhile
    return condition()


def email_text(page: Page) -> str:
    """The email's text as shown (empty while the page is reloading)."""
    try:
        return email_frame(page).locator("body").inner_text(timeout=2000)
    except PlaywrightError:
        return ""


def lead_of_email(page: Page) -> str | None:
    """The title of the story shown first after the email's "Top story" heading."""
    text = email_text(page)
    heading = text.lower().find("top story")
    if heading < 0:
        return None
    after = text[heading + len("top story") :]
    titles = [t for t in (LYNCH_TITLE, NVA_TITLE, RADULOVIC_TITLE) if t in after]
    return min(titles, key=after.index) if titles else None


def test_clicking_lead_writes_the_file_and_the_email_shows_that_story_first(
    browser: Browser, served: tuple[PreviewServer, Config]
) -> None:
    server, config = served
    context, page = open_issue(browser, server)
    assert lead_of_email(page) == RADULOVIC_TITLE  # the sample's own lead
    story(page, LYNCH).get_by_role("button", name="Make lead").click()
    written = until(lambda: decisions(config).get("lead") == LYNCH, page=page)
    assert written, page.locator("#desk").inner_text()
    assert "# A lead story is shown first and large, above the sections:" in decision_text(config)
    # the page reloads by itself with the rebuilt email: the Lynch story under "Top story"
    expect(page.locator("li.story").first).to_have_attribute(
        "data-id", LYNCH, timeout=LIVE_TIMEOUT_MS
    )
    # the email, once rebuilt: the Lynch story under "Top story", before every other story
    assert until(lambda: lead_of_email(page) == LYNCH_TITLE, page=page), email_text(page)
    context.close()


class _Attacker(BaseHTTPRequestHandler):
    """Another site on another 127.0.0.1 port: a page whose form posts itself to the preview."""

    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def attacker() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Attacker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_cross_origin_form_post_is_refused_and_changes_no_file(
    browser: Browser, served: tuple[PreviewServer, Config], attacker: ThreadingHTTPServer
) -> None:
    """Even a page that somehow knew this run's token (it cannot read the preview's pages) and
    the file's version is refused: the browser names its origin."""
    server, config = served
    before = decision_text(config)
    fields = {
        "action": "lead",
        "entry": LYNCH,
        "expected": editorial.version_of(config, WEEK),
        "token": server.token,
    }
    inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
    _Attacker.page = (
        f'<form id="f" method="post" action="{server.url}desk/weekly/{WEEK}">{inputs}</form>'
        "<script>document.getElementById('f').submit()</script>"
    ).encode()
    attack_url = f"http://127.0.0.1:{attacker.server_address[1]}/"
    context = browser.new_context()
    page = context.new_page()
    with page.expect_response(lambda response: "/desk/" in response.url) as posted:
        page.goto(attack_url)
    response = posted.value
    assert response.status == 403
    assert response.text() == "refused: a same-site request cannot edit the issue\n"
    assert decision_text(config) == before
    context.close()


def post(
    server: PreviewServer,
    fields: dict[str, str],
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, str]:
    """A POST to the desk as a script (not a browser) sends it: only the headers given."""
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    data = body if body is not None else urlencode(fields).encode()
    sent = {"Host": address.netloc, "Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", f"/desk/weekly/{WEEK}", data, sent | (headers or {}))
    response = connection.getresponse()
    answer = response.status, response.read().decode()
    connection.close()
    return answer


def test_post_without_the_token_is_403_and_changes_no_file(
    served: tuple[PreviewServer, Config],
) -> None:
    server, config = served
    before = decision_text(config)
    fields = {"action": "lead", "entry": LYNCH, "expected": editorial.version_of(config, WEEK)}
    own = {"Origin": server.url.rstrip("/")}
    status, text = post(server, fields, own)
    assert (status, text) == (
        403,
        "refused: a request without the desk's token cannot edit; reload the page\n",
    )
    status, text = post(server, fields | {"token": "guessed"}, own)
    assert status == 403 and "token of another run" in text
    status, text = post(server, fields | {"token": server.token})  # a script: no Origin
    assert (status, text) == (403, "refused: a POST without Origin cannot edit the issue\n")
    status, text = post(
        server, fields | {"token": server.token}, own | {"Sec-Fetch-Site": "same-site"}
    )
    assert status == 403 and "same-site" in text
    assert decision_text(config) == before
    status, _ = post(server, fields | {"token": server.token}, own)
    assert status == 303 and decisions(config)["lead"] == LYNCH  # the same, from the page: done


def test_oversize_body_is_413_and_changes_no_file(served: tuple[PreviewServer, Config]) -> None:
    server, config = served
    before = decision_text(config)
    fields = {
        "action": "issue",
        "subject": "x",
        "intro": "a" * MAX_BODY,
        "expected": editorial.version_of(config, WEEK),
        "token": server.token,
    }
    status, text = post(server, fields, {"Origin": server.url.rstrip("/")})
    assert status == 413 and "more than the desk takes" in text
    assert decision_text(config) == before


@pytest.mark.parametrize("length", ["²", "-1", "1e3", " "])
def test_a_length_that_is_no_number_is_answered_411(
    served: tuple[PreviewServer, Config], length: str
) -> None:
    server, config = served
    before = decision_text(config)
    headers = {"Origin": server.url.rstrip("/"), "Content-Length": length}
    status, text = post(server, {}, headers, body=b"")
    assert (status, text) == (411, "refused: the request must say its length\n")
    assert decision_text(config) == before


def test_an_edit_of_an_issue_the_preview_did_not_build_writes_no_file(
    served: tuple[PreviewServer, Config],
) -> None:
    server, config = served
    address = urlsplit(server.url)
    fields = {"action": "omit", "entry": LYNCH, "expected": "", "token": server.token}
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    headers = {
        "Origin": server.url.rstrip("/"),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    connection.request("POST", "/desk/weekly/2099-W01", urlencode(fields), headers)
    response = connection.getresponse()
    answer = response.status, response.read().decode()
    connection.close()
    assert answer == (
        404,
        "refused: weekly/2099-W01 is not built in this preview; reload the list\n",
    )
    assert not (config.root / "feeds" / "issues" / "2099-W01.toml").exists()


def test_two_tabs_the_stale_edit_is_refused_with_its_message_and_the_first_kept(
    browser: Browser, served: tuple[PreviewServer, Config]
) -> None:
    server, config = served
    context, first = open_issue(browser, server)
    second = context.new_page()
    second.goto(server.url + PAGE)
    # the second editor starts rewording a kicker; the first leaves a story out meanwhile
    words = story(second, NVA)
    words.locator("summary", has_text="Kicker and summary").click()
    words.get_by_label("Kicker").fill("Open science")
    story(first, LYNCH).get_by_role("button", name="Leave out").click()
    assert until(lambda: entry_table(config, LYNCH).get("omit") is True, page=first)
    expect(second.locator("#rebuilt")).to_be_visible(timeout=LIVE_TIMEOUT_MS)  # not reloaded
    words.get_by_role("button", name="Save kicker and summary").click()
    message = second.locator("#desk-message")
    expect(message).to_contain_text(
        "feeds/issues/2025-W40.toml changed on disk since this page was loaded; reload to see "
        "the other edit, then make yours again",
        timeout=LIVE_TIMEOUT_MS,
    )
    assert entry_table(config, LYNCH).get("omit") is True  # the first edit kept
    assert "Open science" not in decision_text(config)
    # reloaded, the second editor's page knows the file as it is, and the edit goes through
    second.reload()
    words = story(second, NVA)
    words.locator("summary", has_text="Kicker and summary").click()
    words.get_by_label("Kicker").fill("Open science")
    words.get_by_role("button", name="Save kicker and summary").click()
    assert until(lambda: entry_table(config, NVA).get("kicker") == "Open science", page=second)
    assert entry_table(config, LYNCH).get("omit") is True
    context.close()


def test_a_refused_click_stays_on_screen_when_the_preview_rebuilds(
    browser: Browser, served: tuple[PreviewServer, Config]
) -> None:
    """The decision file was changed by hand under the open page, so the editor's click is
    refused; an entry saved meanwhile rebuilds the preview, and the page keeps the reason on
    screen (it says it was rebuilt) instead of reloading it away with the edit unmade."""
    server, config = served
    context, page = open_issue(browser, server)
    path = config.root / "feeds" / "issues" / f"{WEEK}.toml"
    path.write_text(decision_text(config) + "\n# Checked with the group.\n", encoding="utf-8")
    story(page, LYNCH).get_by_role("button", name="Leave out").click()
    message = page.locator("#desk-message")
    refusal = "feeds/issues/2025-W40.toml changed on disk since this page was loaded"
    expect(message).to_contain_text(refusal, timeout=LIVE_TIMEOUT_MS)
    entry = config.root / "feeds" / "entries" / "2025" / "welcome-new-phd-candidates.md"
    entry.write_text(entry.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    expect(page.locator("#rebuilt")).to_be_visible(timeout=30_000)
    expect(message).to_contain_text(refusal)
    assert entry_table(config, LYNCH) == {}
    context.close()


def test_each_control_in_the_page_writes_what_a_person_would(
    browser: Browser, served: tuple[PreviewServer, Config]
) -> None:
    server, config = served
    context, page = open_issue(browser, server)

    def settled(entry_id: str, text: str) -> None:
        """Wait for the reloaded page to show the edit (the desk reads the files again)."""
        expect(story(page, entry_id).first).to_contain_text(text, timeout=LIVE_TIMEOUT_MS)

    # News: NVA, then Lynch. Down: the whole order of the section is written
    story(page, NVA).get_by_role("button", name="Move down").click()
    assert until(lambda: entry_table(config, LYNCH).get("order") == 1, page=page)
    assert entry_table(config, NVA)["order"] == 2
    expect(page.locator("li.story").nth(1)).to_have_attribute(
        "data-id", LYNCH, timeout=LIVE_TIMEOUT_MS
    )
    # to another section
    story(page, NVA).get_by_label("Section").select_option("People")
    story(page, NVA).get_by_role("button", name="Move to section").click()
    assert until(lambda: entry_table(config, NVA).get("section") == "People", page=page)
    assert "order" not in entry_table(config, NVA)
    # a highlight of its year: a pick in feeds/issues/2025.toml
    story(page, NVA).get_by_role("button", name="Highlight of 2025").click()
    assert until(lambda: (config.root / "feeds/issues/2025.toml").is_file(), page=page)
    assert decision_text(config, "2025") == f'[[highlights]]\nid = "{NVA}"\n'
    settled(NVA, "Unmark highlight of 2025")
    # kicker and summary
    words = story(page, OLWEUS)
    words.locator("summary", has_text="Kicker and summary").click()
    words.get_by_label("Kicker").fill("Review")
    words.get_by_label("Summary").fill("Olweus's group on T cells.")
    words.get_by_role("button", name="Save kicker and summary").click()
    assert until(lambda: entry_table(config, OLWEUS).get("kicker") == "Review", page=page)
    assert entry_table(config, OLWEUS)["summary"] == "Olweus's group on T cells."
    assert entry_table(config, OLWEUS)["comment"].startswith("The second Nature Reviews")
    # the issue's subject and intro
    expect(page.locator("#issue-fields textarea")).to_have_value(
        re.compile("Two of the institute"), timeout=LIVE_TIMEOUT_MS
    )
    page.get_by_label("Subject").fill("Lysosomes and T cells")
    page.get_by_label("Intro (Markdown)").fill("A *busy* week.")
    page.get_by_role("button", name="Save subject and intro").click()
    assert until(lambda: decisions(config).get("subject") == "Lysosomes and T cells", page=page)
    assert 'intro = """A *busy* week.\n"""' in decision_text(config)
    expect(page.locator("#view")).to_be_visible()
    until(lambda: "busy" in email_text(page), page=page)
    assert "busy" in email_text(page)
    # leave out, then put back
    story(page, LYNCH).get_by_role("button", name="Leave out").click()
    assert until(lambda: entry_table(config, LYNCH).get("omit") is True, page=page)
    settled(LYNCH, "Put back")
    story(page, LYNCH).get_by_role("button", name="Put back").click()
    assert until(lambda: "omit" not in entry_table(config, LYNCH), page=page)
    assert entry_table(config, LYNCH) == {"id": LYNCH, "order": 1}
    # what a person would have written by hand, comments and all
    text = decision_text(config)
    assert text.startswith("# The editor's decisions for the weekly issue of week 40, 2025")
    assert editorial.read_decisions(config, WEEK) is not None
    context.close()


def test_post_naming_another_origin_is_403_even_with_the_token(
    served: tuple[PreviewServer, Config],
) -> None:
    server, config = served
    before = decision_text(config)
    fields = {
        "action": "omit",
        "entry": LYNCH,
        "expected": editorial.version_of(config, WEEK),
        "token": server.token,
    }
    port = urlsplit(server.url).port
    for origin in (f"http://127.0.0.1:{(port or 0) + 1}", "http://evil.example", "null"):
        status, text = post(server, fields, {"Origin": origin})
        assert (status, text) == (403, f"refused: {origin} is not this preview's origin\n")
    assert decision_text(config) == before


def test_approve_button_signs_the_previewed_issue_off_and_shows_it(
    browser: Browser, served: tuple[PreviewServer, Config]
) -> None:
    server, config = served
    context, page = open_issue(browser, server)
    expect(page.locator("#approval-state")).to_have_text("not approved yet")
    page.get_by_label("Approved by").fill("Ada Editor")
    page.get_by_role("button", name="Approve").click()
    written = until(lambda: "approval" in decisions(config), 30, page=page)
    assert written, page.locator("#desk").inner_text()
    recorded = decisions(config)["approval"]
    assert recorded["by"] == "Ada Editor" and "email.html" in recorded["files"]
    assert decision_text(config).startswith("# The editor's decisions for the weekly issue")
    # the rebuild the file's change starts builds the same bytes: the approval holds
    expect(page.locator("#approval-state")).to_have_text(
        "approved by Ada Editor on 2025-10-02 12:00 UTC, as built here", timeout=LIVE_TIMEOUT_MS
    )
    context.close()


def approve_form(server: PreviewServer) -> dict[str, str]:
    """The approve form's hidden fields as the issue page carries them now."""
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    connection.request("GET", "/" + PAGE)
    html = connection.getresponse().read().decode()
    connection.close()
    form = html.split('class="approve">', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def approving(server: PreviewServer, fields: dict[str, str]) -> tuple[int, str]:
    """Approve with `fields`, again while the preview is still rebuilding (it says so)."""
    answer = (0, "")
    for _ in range(600):
        answer = post(server, fields | {"action": "approve"}, {"Origin": server.url.rstrip("/")})
        if "rebuilding" not in answer[1] and "is running" not in answer[1]:  # the lock, by any name
            break
        threading.Event().wait(0.05)
    return answer


def test_approve_from_a_page_made_before_an_edit_or_a_rebuild_is_refused(
    served: tuple[PreviewServer, Config],
) -> None:
    """The editor read one issue; another tab (or a saved entry file) changed it since: the
    click must not sign off a build nobody read."""
    server, config = served
    read = approve_form(server)
    generation = server.builder.snapshot.generation
    desk.omit(config, WEEK, LYNCH, editorial.version_of(config, WEEK))  # the other tab
    assert until(lambda: server.builder.snapshot.generation != generation, 30)
    status, text = approving(server, read | {"by": "Ada"})
    assert status == 409 and "changed since this page was loaded" in text, text
    assert "[approval]" not in decision_text(config)
    # a rebuild alone (the decision file's version as the page had it) is refused too
    again = approve_form(server)
    entry = config.root / "feeds" / "entries" / "2025" / "welcome-new-phd-candidates.md"
    entry.write_text(entry.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    generation = server.builder.snapshot.generation
    assert until(lambda: server.builder.snapshot.generation != generation, 30)
    status, text = approving(server, again | {"by": "Ada"})
    assert status == 409 and "changed since this page was loaded" in text, text
    assert "[approval]" not in decision_text(config)
    # reloaded: the page as the issue is now is signed off
    status, _ = approving(server, approve_form(server) | {"by": "Ada"})
    assert status == 303 and decisions(config)["approval"]["by"] == "Ada"


def test_pages_run_only_their_own_scripts(served: tuple[PreviewServer, Config]) -> None:
    """A nonce per response: an injected inline script or handler would not run."""
    server, _ = served
    policies = []
    for _ in range(2):
        address = urlsplit(server.url)
        connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
        connection.request("GET", "/" + PAGE)
        response = connection.getresponse()
        html = response.read().decode()
        policy = response.getheader("Content-Security-Policy") or ""
        connection.close()
        nonce = re.search(r"script-src 'nonce-([^']+)'", policy)
        assert nonce and f'<script nonce="{nonce.group(1)}">' in html
        assert html.count("<script") == html.count(f'nonce="{nonce.group(1)}"')
        assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";")[0]
        assert "form-action 'self'" in policy and "frame-ancestors 'none'" in policy
        policies.append(policy)
    assert policies[0] != policies[1]


def test_without_javascript_the_forms_still_edit(
    browser: Browser, served: tuple[PreviewServer, Config]
) -> None:
    """The forms post themselves (the token in a field); the answer leads back to the issue."""
    server, config = served
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + PAGE)
    with page.expect_navigation():
        story(page, LYNCH).get_by_role("button", name="Leave out").click()
    assert page.url == server.url + PAGE
    assert entry_table(config, LYNCH) == {"id": LYNCH, "omit": True}
    context.close()


def test_a_broken_decision_file_hides_the_desk_and_the_page_says_why(
    served: tuple[PreviewServer, Config],
) -> None:
    server, config = served
    path = config.root / "feeds" / "issues" / f"{WEEK}.toml"
    path.write_text(decision_text(config) + "\nlead = 'twice'\n", encoding="utf-8")
    assert until(lambda: bool(server.builder.snapshot.problems))
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    connection.request("GET", "/" + PAGE)
    response = connection.getresponse()
    html = response.read().decode()
    connection.close()
    assert response.status == 200
    assert "feeds/issues/2025-W40.toml" in html and 'id="problems"' in html
    assert 'id="desk"' not in html  # nothing to edit until the file is fixed by hand
    # and what the preview shows is the last good build: not an issue to sign off
    fields = {"action": "approve", "by": "Ada", "expected": "", "token": server.token}
    status, text = post(server, fields, {"Origin": server.url.rstrip("/")})
    assert status == 409 and "could not be built" in text
    assert "[approval]" not in decision_text(config)


def test_lineup_shows_each_story_with_its_decisions_and_the_versions_it_was_read_at(
    config: Config,
) -> None:
    """What the desk shows comes from the issue and the files: the lead first, a story over a
    cap under "Also in this issue", what was left out, and each file's version."""
    zone = config.publication.zone
    week = select.week_period(WEEK, zone)
    published = datetime(2025, 10, 1, 9, 0, tzinfo=UTC)

    def entry(entry_id: str, section: str = "News") -> Entry:
        return Entry(entry_id, "ICR news", f"Title of {entry_id}", published, section)

    desk.set_highlight(config, "2025", "a:news", True, "")
    issue = Issue(
        period=week,
        title="Week 40, 2025",
        sections=(
            Section("Publications", (entry(LEAD, "Publications"),), kind="lead"),
            Section("News", (entry("a:news"),)),
            Section("Publications", (entry(OLWEUS, "Publications"),)),
        ),
        date=week.end,
        dropped=(entry("a:capped"),),
    )
    shown = desk.lineup(config, issue, omitted=[entry("a:omitted")])
    assert [(title, kind) for title, kind, _ in shown.sections] == [
        ("Publications", "lead"),
        ("News", "news"),
        ("Publications", "news"),
        ("Also in this issue", "links"),
    ]
    news, publications = shown.sections[1][2][0], shown.sections[2][2][0]
    assert news.picked and news.year == "2025" and not publications.picked
    assert publications.kicker == "Nature Reviews Cancer"  # the file's own words, to edit
    assert [story.id for story in shown.omitted] == ["a:omitted"]
    assert shown.intro.startswith("Two of the institute's groups")
    assert shown.versions == {
        "2025": editorial.version_of(config, "2025"),
        WEEK: editorial.version_of(config, WEEK),
    }
    assert shown.file == "feeds/issues/2025-W40.toml"


def test_a_yearly_issue_picks_a_highlight_from_the_archive(
    browser: Browser, served: tuple[PreviewServer, Config]
) -> None:
    """A feed item of 2022 that no highlight ranking took becomes highlight #4 with a click."""
    server, config = served
    gold_label = "https://www.oslocancercluster.example/?p=18497"
    context = preview_context(browser, server.url, stress_publication.placeholder_png())
    page = context.new_page()
    page.goto(server.url + "issue/yearly/2022/")
    offered = page.locator("h3", has_text="More from 2022")
    expect(offered).to_be_visible()
    assert "Gold Label certificate renewed" not in email_text(page)  # ranked 11th of 10
    story(page, gold_label).get_by_role("button", name="Highlight of 2022").click()
    assert until(lambda: len(decisions(config, "2022")["highlights"]) == 4, page=page), (
        f"the desk said: {page.locator('#desk-message').text_content()!r}"
    )
    assert decisions(config, "2022")["highlights"][-1] == {"id": gold_label}
    assert decision_text(config, "2022").startswith("# The editor's decisions for the yearly")
    # reloaded: the fourth highlight, in the email too
    expect(page.locator("li.story").nth(3)).to_have_attribute(
        "data-id", gold_label, timeout=LIVE_TIMEOUT_MS
    )
    assert until(lambda: "Gold Label certificate renewed" in email_text(page), page=page)
    context.close()


def test_two_clicks_at_once_from_pages_of_one_version_keep_one_and_refuse_the_other(
    served: tuple[PreviewServer, Config],
) -> None:
    server, config = served
    seen = editorial.version_of(config, WEEK)
    own = {"Origin": server.url.rstrip("/")}
    answers: dict[str, tuple[int, str]] = {}

    def click(entry_id: str) -> None:
        fields = {"action": "omit", "entry": entry_id, "expected": seen, "token": server.token}
        answers[entry_id] = post(server, fields, own)

    threads = [threading.Thread(target=click, args=(entry_id,)) for entry_id in (LYNCH, NVA)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    statuses = sorted(status for status, _ in answers.values())
    assert statuses == [303, 409], answers
    [kept] = [entry_id for entry_id, (status, _) in answers.items() if status == 303]
    assert entry_table(config, kept).get("omit") is True
    assert entry_table(config, NVA if kept == LYNCH else LYNCH) == {}
