"""The archive is a real SQLite file that keeps every entry ever seen."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest.archive import ENTRY_FILES, Archive, entry_from_json, entry_to_json
from digest.model import CallToAction, Editorial, Entry, Event, Image

T0 = datetime(2025, 10, 1, 8, 0, tzinfo=UTC)


def entry(number: int, **changes) -> Entry:
    base = Entry(
        id=f"https://icr.test/{number}",
        source="ICR news",
        title=f"Story {number}",
        published=T0 + timedelta(days=number),
        section="News",
        link=f"https://icr.test/{number}",
    )
    return replace(base, **changes)


def test_entry_survives_a_round_trip_through_json() -> None:
    rich = entry(
        1,
        image=Image("https://icr.test/a.jpg", "alt", "caption", "credit", 600, 400),
        event=Event(T0, T0 + timedelta(hours=2), "Oslo", False),
        categories=("Award",),
        updated=T0,
    )
    assert entry_from_json(entry_to_json(rich)) == rich


def test_entries_are_stored_as_text_whose_hash_is_their_fingerprint(tmp_path: Path) -> None:
    """The JSON goes in as orjson's bytes: it must still be text (SQL's text functions, an
    older digest reading the archive), and its fingerprint that of the text, as it always was."""
    path = tmp_path / "archive.sqlite"
    quoted = entry(1, title="Les “résultats” — 2025 …", summary="Zürich")
    with Archive(path) as archive:
        archive.store([quoted, entry(2)], T0)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT typeof(data), data, fingerprint FROM entries ORDER BY id").fetchall()
    assert [kind for kind, _, _ in rows] == ["text", "text"]
    assert entry_from_json(rows[0][1]) == quoted
    for _, data, fingerprint in rows:
        assert fingerprint == hashlib.sha256(data.encode()).hexdigest()[:32]
    with Archive(path) as archive:  # the same entries again: nothing changed, nothing written
        assert archive.store([quoted, entry(2)], T0) == (0, 0)


def test_editorial_decisions_are_not_stored_in_the_entry() -> None:
    decided = Editorial(True, 3, "Award", CallToAction("Register", "https://icr.test/r", "Kari"))
    assert entry_to_json(entry(1, editorial=decided)) == entry_to_json(entry(1))


def test_a_refetch_never_touches_a_decision_and_an_item_that_left_its_feed_keeps_it(tmp_path: Path) -> None:
    decided = Editorial(highlight=True, weight=7, kicker="Award")
    with Archive(tmp_path / "a.sqlite") as archive:
        archive.store([entry(1), entry(2)], T0)
        assert archive.store_editorial(ENTRY_FILES, {"https://icr.test/1": decided}) == 1
        assert archive.store_editorial(ENTRY_FILES, {"https://icr.test/1": decided}) == 0  # unchanged
        assert archive.store([entry(1, title="Story 1 (edited)")], T0) == (0, 1)  # the feed edits it
        assert archive.store([entry(3)], T0) == (1, 0)  # and drops it
        assert archive.editorial_of(["https://icr.test/1", "https://icr.test/2"]) == {"https://icr.test/1": decided}
        [(entry_id, _, highlight, weight)] = archive.decided_between(T0, T0 + timedelta(days=10))
    assert (entry_id, highlight, weight) == ("https://icr.test/1", True, 7)


def test_decisions_of_entry_files_that_are_gone_go_with_them(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite") as archive:
        archive.store([entry(1), entry(2)], T0, keep_first_date=False)
        archive.store_editorial(ENTRY_FILES, {"https://icr.test/1": Editorial(kicker="A"), "https://icr.test/2": Editorial(kicker="B")})
        archive.store_editorial(ENTRY_FILES, {"https://icr.test/2": Editorial(kicker="B2")})
        assert archive.editorial_of(["https://icr.test/1", "https://icr.test/2"]) == {"https://icr.test/2": Editorial(kicker="B2")}


def test_entry_that_left_the_feed_stays_in_the_archive(tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite"
    with Archive(path) as archive:
        assert archive.store([entry(1), entry(2)], T0) == (2, 0)
    with Archive(path) as archive:  # a later fetch: the feed now only has story 3
        assert archive.store([entry(3)], T0) == (1, 0)
        titles = [e.title for e in archive.published_between(T0, T0 + timedelta(days=10))]
    assert titles == ["Story 3", "Story 2", "Story 1"]


def test_edited_entry_is_updated_not_duplicated_and_keeps_its_week(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite") as archive:
        archive.store([entry(1)], T0)
        assert archive.store([entry(1)], T0) == (0, 0)  # unchanged: nothing written
        moved = entry(1, title="Story 1 (corrected)", published=T0 + timedelta(days=30))
        assert archive.store([moved], T0) == (0, 1)
        [stored] = archive.published_between(T0, T0 + timedelta(days=60))
        assert archive.count() == 1
    assert stored.title == "Story 1 (corrected)"
    assert stored.published == entry(1).published  # not re-sent in a later week
    assert stored.updated == T0 + timedelta(days=30)


def test_staff_entries_take_their_new_date(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite") as archive:
        archive.store([entry(1, id="entry:a", source="Local")], T0, keep_first_date=False)
        archive.store([entry(1, id="entry:a", source="Local", published=T0 + timedelta(days=9))], T0, keep_first_date=False)
        [stored] = archive.published_between(T0, T0 + timedelta(days=60))
    assert stored.published == T0 + timedelta(days=9)


def test_same_id_from_another_source_does_not_take_over(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite") as archive:
        archive.store([entry(1)], T0)
        assert archive.store([entry(1, source="Partner", title="Copy")], T0) == (0, 0)
        [stored] = archive.published_between(T0, T0 + timedelta(days=5))
    assert (stored.source, stored.title) == ("ICR news", "Story 1")


def test_deleted_local_files_leave_the_archive(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite") as archive:
        archive.store([entry(1, id="entry:a", source="Local"), entry(2, id="entry:b", source="Local"), entry(3)], T0)
        assert archive.remove_missing("Local", {"entry:b"}) == 1
        assert sorted(e.id for e in archive.published_between(T0, T0 + timedelta(days=5))) == ["entry:b", "https://icr.test/3"]


def test_a_failed_store_changes_nothing(tmp_path: Path) -> None:
    def entries():
        yield entry(1)
        raise RuntimeError("killed mid-fetch")

    with Archive(tmp_path / "a.sqlite") as archive:
        with pytest.raises(RuntimeError):
            archive.store(entries(), T0)
        assert archive.count() == 0
        archive.store([entry(2)], T0)  # and the archive is usable afterwards
        assert archive.count() == 1


def test_decision_and_event_queries(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite") as archive:
        archive.store(
            [
                entry(1),
                entry(2),
                entry(3),
                entry(4, event=Event(T0 + timedelta(days=20), T0 + timedelta(days=21))),
            ],
            T0,
        )
        archive.store_editorial(ENTRY_FILES, {"https://icr.test/1": Editorial(weight=5), "https://icr.test/2": Editorial(highlight=True, weight=1)})
        start, end = T0, T0 + timedelta(days=10)
        decided = [(entry_id, weight) for entry_id, _, _, weight in archive.decided_between(start, end)]
        undecided = [entry_id for entry_id, _ in archive.newest_undecided(start, end, 1)]
        by_id = [e.title for e in archive.with_ids(["https://icr.test/3", "https://icr.test/9", "https://icr.test/1"])]
        events = archive.events_overlapping(T0 + timedelta(days=10), T0 + timedelta(days=25))
        over = archive.events_overlapping(T0 + timedelta(days=22), T0 + timedelta(days=25))
    assert decided == [("https://icr.test/2", 1), ("https://icr.test/1", 5)]  # newest first
    assert undecided == ["https://icr.test/4"]  # the newest entry no decision names
    assert by_id == ["Story 3", "Story 1"]  # in the order asked, without the id not archived
    assert [e.title for e in events] == ["Story 4"]
    assert over == []  # the event ended before the window


def test_validators_are_remembered_per_source(tmp_path: Path) -> None:
    from digest.ingest.fetch import Validators

    with Archive(tmp_path / "a.sqlite") as archive:
        archive.record_fetch("ICR news", T0, Validators('"v1"', "Wed, 01 Oct 2025 08:00:00 GMT"), "hash1", None)
        archive.record_fetch("ICR news", T0, None, None, "HTTP 500")  # a failure keeps what we knew
        assert archive.validators()["ICR news"] == Validators('"v1"', "Wed, 01 Oct 2025 08:00:00 GMT")
        assert archive.body_hash("ICR news") == "hash1"


def wordpress_item(guid: str, link: str, title: str = "Grant awarded", **changes) -> Entry:
    return replace(entry(1, id=guid, link=link, title=title), **changes)


def test_a_feed_switching_guids_updates_the_archived_entry_and_keeps_its_week(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite") as archive:
        archive.store([wordpress_item("https://icr.test/?p=123", "https://icr.test/2025/10/grant/")], T0)
        later = T0 + timedelta(days=9)
        switched = wordpress_item("https://icr.test/2025/10/grant/", "https://icr.test/2025/10/grant/", "Grant awarded to the lab", published=later)
        assert archive.store([switched], later) == (0, 1)
        assert archive.store([switched], later) == (0, 0)  # the next fetch: nothing new
        [stored] = archive.published_between(T0, T0 + timedelta(days=60))
    assert (stored.id, stored.title) == ("https://icr.test/?p=123", "Grant awarded to the lab")
    assert stored.published == entry(1).published and stored.updated == later


def test_a_guidless_item_whose_link_moved_to_https_stays_one_entry(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite") as archive:
        archive.store([wordpress_item("http://icr.test/new-lab/", "http://icr.test/new-lab/")], T0)
        assert archive.store([wordpress_item("https://www.icr.test/new-lab", "https://www.icr.test/new-lab")], T0) == (0, 1)
        [stored] = archive.published_between(T0, T0 + timedelta(days=60))
    assert stored.link == "https://www.icr.test/new-lab"  # the newer copy's link


def test_items_that_share_a_link_are_kept_apart_when_it_cannot_be_a_new_name(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite") as archive:
        # one fetch with two items and one link: the publisher's two items
        two = [wordpress_item("icr:1", "https://icr.test/news/"), wordpress_item("icr:2", "https://icr.test/news/", "Other")]
        assert archive.store(two, T0) == (2, 0)
        # a feed that links every item to its front page
        archive.store([wordpress_item("icr:3", "https://icr.test/")], T0)
        assert archive.store([wordpress_item("icr:4", "https://icr.test/", "Later story")], T0) == (1, 0)
        # staff entries may point at one post on purpose
        local = [entry(n, id=f"entry:{n}", source="Local", link="https://occ.test/highlights-2022") for n in (5, 6)]
        archive.store(local, T0, keep_first_date=False)
        assert archive.store([entry(7, id="entry:7", source="Local", link="https://occ.test/highlights-2022")], T0, keep_first_date=False) == (1, 0)
        # and another source's copy is its own entry
        assert archive.store([wordpress_item("partner:9", "https://icr.test/news", source="Partner")], T0) == (1, 0)
        assert archive.count() == 8


def test_earlier_copies_are_found_by_canonical_link_across_sources(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.sqlite") as archive:
        archive.store([entry(1, link="https://icr.test/grant/"), entry(2), entry(12, link="https://icr.test/grant")], T0)
        copy = entry(10, id="partner:1", source="Partner", link="http://www.icr.test/grant?utm_source=rss")
        archive.store([copy], T0)
        found = archive.earlier_copies([copy], T0 + timedelta(days=10))
    assert [e.id for e in found] == ["https://icr.test/1"]  # not the copy itself, nor a later one


def test_an_archive_from_before_canonical_links_learns_them_when_opened(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    with Archive(path) as archive:
        archive.store([wordpress_item("https://icr.test/?p=123", "http://icr.test/2025/10/grant/")], T0)
    db = sqlite3.connect(path)  # as digest 0.1 left it: no link_key column
    db.executescript(
        "DROP INDEX entries_by_link; ALTER TABLE entries DROP COLUMN link_key;"
        "DELETE FROM meta; INSERT INTO meta VALUES ('schema_version', '1');"
    )
    db.close()
    with Archive(path) as archive:
        switched = wordpress_item("https://icr.test/2025/10/grant/", "https://icr.test/2025/10/grant/", "Edited")
        assert archive.store([switched], T0) == (0, 1)
        assert [e.title for e in archive.published_between(T0, T0 + timedelta(days=60))] == ["Edited"]


def test_an_archive_from_before_editorial_decisions_moves_them_out_of_its_entries(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    with Archive(path) as archive:
        archive.store([entry(1, link=None), entry(2)], T0, keep_first_date=False)
    db = sqlite3.connect(path)  # as digest left it before schema 3: the decisions inside the entry
    db.executescript(
        "DROP TABLE editorial;"
        "ALTER TABLE entries ADD COLUMN highlight INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE entries ADD COLUMN weight INTEGER NOT NULL DEFAULT 0;"
        "CREATE INDEX entries_by_rank ON entries (highlight DESC, weight DESC, published DESC);"
        "UPDATE entries SET highlight = 0, weight = 0, fingerprint = 'old', data = json_set(data,"
        " '$.highlight', json('false'), '$.weight', 0, '$.kicker', '', '$.call_to_action', json('null'));"
        "UPDATE entries SET highlight = 1, weight = 5, data = json_set(data, '$.highlight', json('true'),"
        " '$.weight', 5, '$.kicker', 'Award', '$.call_to_action', json('{\"text\": \"Register\"}'))"
        " WHERE id = 'https://icr.test/1';"
        "DELETE FROM meta WHERE key = 'schema_version'; INSERT INTO meta VALUES ('schema_version', '2');"
    )
    db.close()
    with Archive(path) as archive:
        decided = archive.editorial_of(["https://icr.test/1", "https://icr.test/2"])
        stored = archive.published_between(T0, T0 + timedelta(days=10))
        again = archive.store([entry(1, link=None), entry(2)], T0, keep_first_date=False)
    assert decided == {"https://icr.test/1": Editorial(True, 5, "Award", CallToAction("Register"))}
    assert stored == [entry(2), entry(1, link=None)]  # the entries as the source said them
    assert again == (0, 0)  # their fingerprints were computed again: nothing to update


def test_the_archive_answers_in_the_select_stages_highlight_order(tmp_path: Path) -> None:
    """The year's best decided entries come from SQL in select.HIGHLIGHT_ORDER: the same order
    as select's own ranking, ties, negative weights and equal dates included, cut at the limit."""
    import random

    from digest import select

    rng = random.Random(7)
    entries = [
        replace(entry(number), published=T0 + timedelta(hours=rng.choice([0, 1, 2, number])))
        for number in range(60)
    ]
    decisions = {
        e.id: Editorial(highlight=rng.random() < 0.2, weight=rng.choice([-3, 0, 0, 1, 5]))
        for e in entries
        if rng.random() < 0.8
    }
    with Archive(tmp_path / "a.sqlite") as archive:
        archive.store(entries, T0)
        archive.store_editorial(ENTRY_FILES, decisions)
        start, end = T0, T0 + timedelta(days=90)
        everything = archive.decided_between(start, end)
        best = archive.decided_between(start, end, select.HIGHLIGHT_ORDER, 12)
    ranked = sorted(everything, key=lambda row: select._rank(row[2], row[3], row[1], row[0]))
    assert len(everything) == len(decisions) > 12
    assert best == ranked[:12]
