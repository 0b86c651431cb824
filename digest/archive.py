"""The archive: every entry ever seen, in SQLite, so a yearly issue can draw on the whole year.

Feeds only carry their last few items; the archive never drops an entry that
falls out of its feed. Each entry is one row keyed by its stable id, with the
columns that queries need and the whole Entry as JSON.

A feed item keeps the date it was first archived under: when a source edits
an item or changes its date, the entry is updated but does not move to another
week, so subscribers never get the same story twice. The same holds when a feed
re-identifies an item (WordPress switching its guid from `?p=123` to the permalink,
a guid-less item whose link moved from http to https): an item whose canonical link
is archived from the same source, under an id the feed no longer carries, is that
entry. Each row keeps its canonical link (`link_key`) for this, and for the select
stage to find copies of a story that were sent in earlier weeks.

What an editor decided about an entry (`Editorial`: highlight, weight, kicker, call to
action) is a table of its own, keyed by entry id and by who decided it (`origin`: "entries"
for the front matter of entry files): storing a feed's entries never touches it, and a
decision outlives its entry's feed item. The archive only answers queries; which entries a
decision makes candidates, and in what order, is the select stage's to say.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields, is_dataclass, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from digest import links
from digest.errors import OutputError
from digest.ingest.feeds import paused_collector
from digest.ingest.fetch import Validators
from digest.model import CallToAction, Editorial, Entry, Event, Image

SCHEMA_VERSION = 4  # 2: entries.link_key; 3: editorial decisions in a table of their own; 4: images
SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id          TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    published   TEXT NOT NULL,          -- ISO 8601, UTC: sorts as time
    event_start TEXT,
    event_end   TEXT,
    fingerprint TEXT NOT NULL,          -- hash of the entry: tells an edit from a repeat
    first_seen  TEXT NOT NULL,
    data        TEXT NOT NULL,          -- the Entry as JSON
    link_key    TEXT                    -- links.story_link of the entry's link
);
CREATE INDEX IF NOT EXISTS entries_by_published_id ON entries (published, id);  -- covers queries by period
-- an event query reads both ends from the index: only the events it returns are read from the table
CREATE INDEX IF NOT EXISTS entries_by_event_span ON entries (event_start, event_end) WHERE event_start IS NOT NULL;
CREATE TABLE IF NOT EXISTS editorial (
    entry_id  TEXT PRIMARY KEY,         -- the entry decided about; it may not be archived (yet)
    origin    TEXT NOT NULL,            -- who decided: "entries" for entry files' front matter
    highlight INTEGER NOT NULL,
    weight    INTEGER NOT NULL,
    data      TEXT NOT NULL             -- the Editorial as JSON
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS editorial_by_origin ON editorial (origin);
CREATE INDEX IF NOT EXISTS editorial_by_rank ON editorial (highlight DESC, weight DESC);
CREATE TABLE IF NOT EXISTS sources (
    name          TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    body_hash     TEXT,
    checked_at    TEXT,
    error         TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Schema 4: the pictures issues show (digest/images/), kept so a picture outlives its source.
# New tables only, so an older archive gets them as it is opened: no rows to move.
IMAGE_SCHEMA = """
CREATE TABLE IF NOT EXISTS images (
    url        TEXT PRIMARY KEY,        -- as the entry names it (a local file: its published URL)
    sha256     TEXT NOT NULL,           -- of data
    width      INTEGER NOT NULL,        -- of data, upright (EXIF orientation applied)
    height     INTEGER NOT NULL,
    fetched_at TEXT NOT NULL,
    data       BLOB NOT NULL            -- the original bytes, or a bounded master of them
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS image_derivatives (
    key    TEXT PRIMARY KEY,            -- the master's sha256 and how it is derived
    name   TEXT NOT NULL,               -- its file name in out/media/
    width  INTEGER NOT NULL,
    height INTEGER NOT NULL
) WITHOUT ROWID;
"""
# After the migration: an archive of schema 1 gets its link_key column first. An older archive
# gets the indexes it lacks when first opened: entries_by_source (remove_missing, for the entry
# files, read the whole table without it: seconds on a million entries) and entries_by_event_span,
# which replaces entries_by_event (event_start alone: every earlier event was read from the table).
INDEXES = """
CREATE INDEX IF NOT EXISTS entries_by_link ON entries (link_key) WHERE link_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS entries_by_source ON entries (source, id);
DROP INDEX IF EXISTS entries_by_event;
"""


# Rows written at a time within a store's transaction: their JSON is let go as it is written,
# not held for every entry of a 10,000-item feed at once (30 MB).
WRITE_BATCH = 500
IN_BATCH = 500  # values bound in one `IN (…)`: far under SQLite's limit of host parameters


def _batches(values: Sequence[str]) -> Iterator[tuple[Sequence[str], str]]:
    """`values` in slices one statement can bind, each with its `?,?,…` for an `IN (…)`."""
    for start in range(0, len(values), IN_BATCH):
        batch = values[start : start + IN_BATCH]
        yield batch, ",".join("?" * len(batch))


def _iso(moment: datetime | None) -> str | None:
    return _utc_text(moment) if moment else None


def _utc_text(moment: datetime) -> str:
    return (moment if moment.tzinfo is UTC else moment.astimezone(UTC)).isoformat()


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _casefold(text: str | None) -> str:
    return text.casefold() if text else ""


_SCALARS = {str, int, bool, float}


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(kind))


# The fields not stored as JSON: an Entry's editorial is a table of its own, never its JSON,
# and an editor's comment lives in the decision file only (digest/editorial.py).
_NOT_STORED: dict[type, str] = {Entry: "editorial", Editorial: "comment"}


@cache
def _stored_names(kind: type) -> tuple[str, ...]:
    """The fields stored as JSON."""
    return tuple(name for name in _field_names(kind) if name != _NOT_STORED.get(kind))


def _plain(value: Any) -> Any:
    # dataclasses.asdict deep-copies every field: a fifth of a 10,000-item ingest
    if value is None or type(value) in _SCALARS:
        return value  # most fields: asked first, since is_dataclass() is slow
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value):
        names = _stored_names(type(value))  # type: ignore[arg-type]  # a dataclass type is hashable
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


def _json(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, non-ASCII as it is."""
    written = _orjson(value)
    return written.decode() if written is not None else _plain_json(value)


def _json_bytes(value: Any) -> bytes:
    """The same in UTF-8, as the archive stores it (a lone surrogate cannot be)."""
    written = _orjson(value)
    return written if written is not None else _plain_json(value).encode()


def _orjson(value: Any) -> bytes | None:
    """orjson writes canonical JSON about four times as fast as json (a tenth of a large
    ingest), byte for byte the same (tests/test_ingest_paths.py), and walks the dataclasses
    itself, asking `_orjson_default` only for each dataclass's stored fields and each
    datetime's isoformat (_plain's walk in Python cost twice the writing). None for what it
    refuses (a lone surrogate, an integer beyond 64 bits), which json writes as before."""
    try:
        return orjson.dumps(value, default=_orjson_default, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        return None


def _plain_json(value: Any) -> str:
    return json.dumps(_plain(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


_ORJSON_OPTIONS = (
    orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
)


def _orjson_default(value: Any) -> Any:
    """What _plain makes of a dataclass (its stored fields) and a datetime (its isoformat).

    A dataclass's fields are its __dict__ when that holds them and nothing else (no slots, no
    attribute set beside them): handed over as they are, not read one by one (a third of the
    JSON's time); sorting the keys is orjson's."""
    if isinstance(value, datetime):
        return value.isoformat()
    kind: type = type(value)
    shape = _dataclass_shape(kind)
    if shape is None:
        raise TypeError(f"{kind.__name__} is not stored as JSON")
    names, field_count, left_out = shape
    attributes = getattr(value, "__dict__", None)
    if attributes is None or len(attributes) != field_count:
        return {name: getattr(value, name) for name in names}
    if left_out is None:
        return attributes
    attributes = attributes.copy()
    del attributes[left_out]
    return attributes


@cache
def _dataclass_shape(kind: type) -> tuple[tuple[str, ...], int, str | None] | None:
    """(stored field names, how many fields, the one left out) of a dataclass; None for any
    other type."""
    if not is_dataclass(kind):
        return None
    return _stored_names(kind), len(_field_names(kind)), _NOT_STORED.get(kind)


def entry_to_json(entry: Entry) -> str:
    """The entry as canonical JSON (sorted keys), the same text for the same entry; without
    its editorial decisions, which are stored apart."""
    return _json(entry)


def editorial_from_json(text: str) -> Editorial:
    return _editorial(json.loads(text))


def _editorial(data: dict[str, Any]) -> Editorial:
    action = data.get("call_to_action")
    return Editorial(
        highlight=bool(data.get("highlight", False)),
        weight=int(data.get("weight", 0)),
        kicker=data.get("kicker", ""),
        call_to_action=CallToAction(**action) if action else None,
    )


EDITORIAL_KEYS = ("highlight", "weight", "kicker", "call_to_action")  # in entries' JSON before 3


def entry_from_json(text: str) -> Entry:
    data = json.loads(text)
    data["published"] = _moment(data["published"])
    data["updated"] = _moment(data.get("updated"))
    data["categories"] = tuple(data.get("categories") or ())
    if data.get("image"):
        data["image"] = Image(**data["image"])
    if data.get("call_to_action"):
        data["call_to_action"] = CallToAction(**data["call_to_action"])
    if data.get("event"):
        event = data["event"]
        data["event"] = Event(
            datetime.fromisoformat(event["start"]),
            _moment(event.get("end")),
            event.get("location", ""),
            event.get("all_day", False),
        )
    return Entry(**data)


PAGE_SIZE = 16384  # of a new archive

# data is bound as the UTF-8 JSON orjson wrote and stored as the text it spells: Python need not
# decode it, nor sqlite3 encode it again (a few percent of a large ingest, its text not ASCII).
UPSERT = """
INSERT INTO entries (id, source, published, event_start, event_end, fingerprint, first_seen, data, link_key)
VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT), ?)
ON CONFLICT (id) DO UPDATE SET
    published = excluded.published,
    event_start = excluded.event_start, event_end = excluded.event_end,
    fingerprint = excluded.fingerprint, data = excluded.data, link_key = excluded.link_key
"""


def _row(
    entry: Entry, text: bytes, fingerprint: str, first_seen: str, link_key: str | None
) -> tuple[Any, ...]:
    """The entries row of an entry; its third value is its `published` as stored."""
    event = entry.event
    return (
        entry.id,
        entry.source,
        _iso(entry.published),
        _iso(event.start) if event else None,
        _iso(event.end or event.start) if event else None,
        fingerprint,
        first_seen,
        text,
        link_key,
    )


ENTRY_FILES = "entries"  # the origin of the decisions that entry files' front matter makes


EDITORIAL_UPSERT = "INSERT OR REPLACE INTO editorial (entry_id, origin, highlight, weight, data) VALUES (?, ?, ?, ?, ?)"


def _editorial_row(entry_id: str, origin: str, editorial: Editorial, text: str) -> tuple[Any, ...]:
    return (entry_id, origin, int(editorial.highlight), editorial.weight, text)


def _fingerprint(entry_json: bytes) -> str:
    return hashlib.sha256(entry_json).hexdigest()[:32]


class Archive:
    """A SQLite archive of entries and of what each source last returned."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            # A new archive only (an existing one keeps its own): an entry's row of 2-3 KB took a
            # 4 KB page of its own, and every page costs four system calls through the WAL and
            # its checkpoint; 16 KB pages hold five rows: a third less disk, a 10,000-entry
            # store 0.08 s less CPU.
            self.db.execute(f"PRAGMA page_size={PAGE_SIZE}")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
            self.db.executescript(IMAGE_SCHEMA)
            self._migrate()
            self.db.executescript(INDEXES)
        except sqlite3.DatabaseError as error:
            raise OutputError(f"{path}: cannot open the archive: {error}") from None
        except OSError as error:
            raise OutputError(
                f"{path}: cannot create the archive: {error.strerror or error}"
            ) from None

    def _migrate(self) -> None:
        """Bring an older archive up to this schema in one transaction: editorial decisions out
        of the entries into their table; link keys computed again when their rule changed."""
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(entries)")}
        meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        relink = "link_key" not in columns or meta.get("link_rule") != links.RULE
        if not relink and "highlight" not in columns:
            return
        with self._transaction():
            if "link_key" not in columns:
                self.db.execute("ALTER TABLE entries ADD COLUMN link_key TEXT")
            if relink:
                rows = self.db.execute(
                    "SELECT id, json_extract(data, '$.link') FROM entries"
                ).fetchall()
                self.db.executemany(
                    "UPDATE entries SET link_key = ? WHERE id = ?",
                    [(links.story_link(link), entry_id) for entry_id, link in rows],
                )
            if "highlight" in columns:
                self._move_editorial()
            self.db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [("schema_version", str(SCHEMA_VERSION)), ("link_rule", links.RULE)],
            )

    def _move_editorial(self) -> None:
        """Schema 2 -> 3: the editorial fields of each entry's JSON (only entry files set them)
        become rows of the editorial table; the JSON and its fingerprint are written again."""
        decided, rewritten = [], []
        for entry_id, text in self.db.execute("SELECT id, data FROM entries").fetchall():
            data = json.loads(text)
            editorial = _editorial({key: data.pop(key) for key in EDITORIAL_KEYS if key in data})
            if editorial.decides_anything:
                decided.append(_editorial_row(entry_id, ENTRY_FILES, editorial, _json(editorial)))
            entry_json = entry_to_json(entry_from_json(json.dumps(data)))
            rewritten.append((entry_json, _fingerprint(entry_json.encode()), entry_id))
        self.db.executemany("UPDATE entries SET data = ?, fingerprint = ? WHERE id = ?", rewritten)
        self.db.executemany(EDITORIAL_UPSERT, decided)
        self.db.execute("DROP INDEX IF EXISTS entries_by_rank")
        self.db.execute("DROP INDEX IF EXISTS entries_by_published")  # entries_by_published_id
        self.db.execute("ALTER TABLE entries DROP COLUMN highlight")
        self.db.execute("ALTER TABLE entries DROP COLUMN weight")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def store(
        self, entries: Iterable[Entry], now: datetime, keep_first_date: bool = True
    ) -> tuple[int, int]:
        """Insert new entries and update changed ones in one transaction; returns (new, updated).

        With `keep_first_date` (feeds), an entry keeps the `published` it was first archived
        with and the new date becomes `updated`, and an item re-identified by its feed (a new
        id, the canonical link of an entry of the same source whose id the feed no longer
        carries) updates that entry; staff-written entries are taken as they are, and may
        share a link. An id archived from another source is left to that source.
        """
        entries = list(entries)  # read all first: a failing source leaves the transaction unopened
        with paused_collector():  # rows, JSON and links free themselves: no cycles to look for
            return self._store(entries, now, keep_first_date)

    def _store(self, entries: list[Entry], now: datetime, keep_first_date: bool) -> tuple[int, int]:
        new = updated = 0
        rows = []
        first_seen = _utc_text(now)
        link_keys = {entry.link: links.story_link(entry.link) for entry in entries}
        with self._transaction():
            known = self._known(entry.id for entry in entries)
            if keep_first_date:
                entries = self._reidentified(entries, known, link_keys)
            for entry in entries:
                row = known.get(entry.id)
                if row and row[0] != entry.source:
                    continue
                if row and keep_first_date:
                    first_date = datetime.fromisoformat(row[1])
                    if first_date != entry.published:
                        entry = replace(
                            entry, published=first_date, updated=entry.updated or entry.published
                        )
                text = _json_bytes(entry)
                fingerprint = _fingerprint(text)
                if row and row[2] == fingerprint:
                    continue
                values = _row(entry, text, fingerprint, first_seen, link_keys[entry.link])
                rows.append(values)
                known[entry.id] = (entry.source, values[2], fingerprint)
                if row:
                    updated += 1
                else:
                    new += 1
                if len(rows) == WRITE_BATCH:
                    self.db.executemany(UPSERT, rows)
                    rows.clear()
            self.db.executemany(UPSERT, rows)
        return new, updated

    def _reidentified(
        self,
        entries: list[Entry],
        known: dict[str, tuple[str, str, str]],
        link_keys: dict[str | None, str | None],
    ) -> list[Entry]:
        """The entries, a new id taking the archived id of the same source and story link when
        the feed no longer carries that id; `known` learns the ids so taken.

        Two items of one fetch with the same link and different ids are the publisher's
        two items (a site that links every item to one page), so each stays its own entry.
        """
        present = {entry.id for entry in entries}
        wanted = {
            (entry.source, key)
            for entry in entries
            if entry.id not in known and (key := link_keys[entry.link])
        }
        archived = self._ids_by_link(wanted)
        taken: set[str] = set()
        result = []
        for entry in entries:
            key = link_keys[entry.link] if entry.id not in known else None
            old_id = archived.get((entry.source, key)) if key else None
            if old_id is None or old_id in present or old_id in taken:
                result.append(entry)
                continue
            taken.add(old_id)
            result.append(replace(entry, id=old_id))
        known |= self._known(taken)
        return result

    def _ids_by_link(self, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The archived id of each (source, story link); the earliest dated when there are several."""
        found: dict[tuple[str, str], str] = {}
        keys = sorted({key for _, key in wanted})
        for batch, marks in _batches(keys):
            query = (
                f"SELECT source, link_key, id FROM entries WHERE link_key IN ({marks})"
                " ORDER BY published, id"
            )
            for source, key, entry_id in self.db.execute(query, batch):
                if (source, key) in wanted:
                    found.setdefault((source, key), entry_id)
        return found

    def _known(self, ids: Iterable[str]) -> dict[str, tuple[str, str, str]]:
        """(source, published, fingerprint) of the ids already archived, looked up in batches."""
        wanted, known = list(dict.fromkeys(ids)), {}
        for batch, marks in _batches(wanted):
            query = f"SELECT id, source, published, fingerprint FROM entries WHERE id IN ({marks})"
            for entry_id, source, published, fingerprint in self.db.execute(query, batch):
                known[entry_id] = (source, published, fingerprint)
        return known

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """All or nothing: a build killed mid-write leaves the archive as it was before."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def remove_missing(self, source: str, keep_ids: set[str]) -> int:
        """Delete a source's entries that are gone: for local entry files staff deleted."""
        rows = self.db.execute("SELECT id FROM entries WHERE source = ?", (source,)).fetchall()
        gone = [(entry_id,) for (entry_id,) in rows if entry_id not in keep_ids]
        if gone:
            with self._transaction():
                self.db.executemany("DELETE FROM entries WHERE id = ?", gone)
        return len(gone)

    def _select(
        self, where: str, parameters: tuple[Any, ...], order: str = "published DESC, id"
    ) -> Iterator[Entry]:
        query = f"SELECT data FROM entries WHERE {where} ORDER BY {order}"
        for (text,) in self.db.execute(query, parameters):
            yield entry_from_json(text)

    def published_between(self, start: datetime, end: datetime) -> list[Entry]:
        """Entries dated in [start, end), newest first."""
        return list(self._select("published >= ? AND published < ?", (_iso(start), _iso(end))))

    def earlier_copies(self, entries: Iterable[Entry], before: datetime) -> list[Entry]:
        """Entries dated before `before` that share a story link with one of `entries`, oldest first."""
        keys = sorted({key for entry in entries if (key := links.story_link(entry.link))})
        found: list[Entry] = []
        for batch, marks in _batches(keys):
            where = f"link_key IN ({marks}) AND published < ?"
            found += self._select(where, (*batch, _iso(before)), "published, id")
        return sorted(found, key=lambda entry: (entry.published, entry.id))

    def events_overlapping(self, start: datetime, end: datetime) -> list[Entry]:
        """Events that have not ended by `start` and begin before `end`, soonest first."""
        return list(
            self._select(
                "event_start IS NOT NULL AND event_end >= ? AND event_start < ?",
                (_iso(start), _iso(end)),
                "event_start, id",
            )
        )

    def with_ids(self, ids: Iterable[str]) -> list[Entry]:
        """The archived entries of `ids`, in the order of `ids` (ids not archived left out)."""
        wanted, found = list(dict.fromkeys(ids)), {}
        for batch, marks in _batches(wanted):
            for entry in self._select(f"id IN ({marks})", tuple(batch)):
                found[entry.id] = entry
        return [found[entry_id] for entry_id in wanted if entry_id in found]

    def newest_undecided(
        self, start: datetime, end: datetime, limit: int
    ) -> list[tuple[str, datetime]]:
        """(id, date) of up to `limit` entries of [start, end) that no editorial decision names,
        newest first."""
        query = (
            "SELECT id, published FROM entries WHERE published >= ? AND published < ?"
            " AND id NOT IN (SELECT entry_id FROM editorial) ORDER BY published DESC, id LIMIT ?"
        )
        rows = self.db.execute(query, (_iso(start), _iso(end), limit))
        return [(entry_id, datetime.fromisoformat(text)) for entry_id, text in rows]

    def decided_between(
        self, start: datetime, end: datetime, order: str = "published DESC, id", limit: int = -1
    ) -> list[tuple[str, datetime, bool, int]]:
        """(id, date, highlight, weight) of the archived entries of [start, end) an editor
        decided about: what ranking them takes, without reading them. In the caller's `order`
        (an SQL ORDER BY of those columns: the select stage's ranking), up to `limit` of them."""
        query = (
            "SELECT id, published, editorial.highlight, editorial.weight FROM editorial"
            " JOIN entries ON id = entry_id WHERE published >= ? AND published < ?"
            f" ORDER BY {order} LIMIT ?"
        )
        rows = self.db.execute(query, (_iso(start), _iso(end), limit))
        return [
            (entry_id, datetime.fromisoformat(text), bool(highlight), weight)
            for entry_id, text, highlight, weight in rows
        ]

    def decided_dates(self) -> Iterator[tuple[datetime, bool]]:
        """(date, highlight) of every archived entry an editor decided about."""
        query = "SELECT published, editorial.highlight FROM editorial JOIN entries ON id = entry_id"
        for text, highlight in self.db.execute(query):
            yield datetime.fromisoformat(text), bool(highlight)

    def editorial_of(self, ids: Iterable[str]) -> dict[str, Editorial]:
        """The editorial decisions about the entries of `ids` that have some."""
        wanted, found = list(dict.fromkeys(ids)), {}
        for batch, marks in _batches(wanted):
            query = f"SELECT entry_id, data FROM editorial WHERE entry_id IN ({marks})"
            for entry_id, data in self.db.execute(query, batch):
                found[entry_id] = editorial_from_json(data)
        return found

    def store_editorial(self, origin: str, decisions: dict[str, Editorial]) -> int:
        """Make `decisions` the editorial of `origin`, in one transaction: rows of `origin` not in
        it go, changed ones are written; returns how many rows changed. Entries stay as they are."""
        wanted = {entry_id: _json(editorial) for entry_id, editorial in decisions.items()}
        rows = self.db.execute("SELECT entry_id, data FROM editorial WHERE origin = ?", (origin,))
        stored = dict(rows.fetchall())
        gone = [(entry_id,) for entry_id in stored if entry_id not in wanted]
        changed = [
            _editorial_row(entry_id, origin, decisions[entry_id], data)
            for entry_id, data in wanted.items()
            if stored.get(entry_id) != data
        ]
        if gone or changed:
            with self._transaction():
                self.db.executemany("DELETE FROM editorial WHERE entry_id = ?", gone)
                self.db.executemany(EDITORIAL_UPSERT, changed)
        return len(gone) + len(changed)

    def matching(self, query: str) -> list[Entry]:
        """Entries whose id is `query` or whose title contains it, ignoring case; newest first."""
        # Python's casefold, not SQLite's lower(): titles are not all ASCII (Skånland, Müller)
        self.db.create_function("casefold", 1, _casefold, deterministic=True)
        where = "id = ? OR instr(casefold(json_extract(data, '$.title')), ?) > 0"
        return list(self._select(where, (query, query.casefold())))

    def failed_sources(self) -> dict[str, tuple[datetime, str]]:
        """Sources whose last fetch failed: when it was, and why."""
        query = "SELECT name, checked_at, error FROM sources WHERE error IS NOT NULL"
        rows = self.db.execute(query)
        return {name: (datetime.fromisoformat(checked), error) for name, checked, error in rows}

    def published_dates(self) -> Iterator[datetime]:
        """Every entry's date, for listing the weeks the archive covers."""
        for (text,) in self.db.execute("SELECT published FROM entries"):
            yield datetime.fromisoformat(text)

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM entries").fetchone()[0])

    def validators(self) -> dict[str, Validators]:
        rows = self.db.execute("SELECT name, etag, last_modified FROM sources")
        return {name: Validators(etag, modified) for name, etag, modified in rows}

    def body_hash(self, source: str) -> str | None:
        row = self.db.execute("SELECT body_hash FROM sources WHERE name = ?", (source,)).fetchone()
        return row[0] if row else None

    def record_fetch(
        self,
        source: str,
        now: datetime,
        validators: Validators | None,
        body_hash: str | None,
        error: str | None,
    ) -> None:
        """Remember a source's validators and body hash (kept as they were when it failed)."""
        with self._transaction():
            self.db.execute("INSERT OR IGNORE INTO sources (name) VALUES (?)", (source,))
            if error is None and validators is not None:
                self.db.execute(
                    "UPDATE sources SET etag = ?, last_modified = ?, body_hash = coalesce(?, body_hash) WHERE name = ?",
                    (validators.etag, validators.last_modified, body_hash, source),
                )
            self.db.execute(
                "UPDATE sources SET checked_at = ?, error = ? WHERE name = ?",
                (_iso(now), error, source),
            )

    # The images stage's store (digest/images/): each picture once, by the URL entries name.

    def stored_images(self, urls: Iterable[str]) -> dict[str, tuple[str, int, int]]:
        """(sha256, width, height) of each of `urls` that is stored."""
        wanted = list(dict.fromkeys(urls))
        found: dict[str, tuple[str, int, int]] = {}
        for batch, marks in _batches(wanted):
            query = f"SELECT url, sha256, width, height FROM images WHERE url IN ({marks})"
            for url, sha, width, height in self.db.execute(query, batch):
                found[url] = (sha, width, height)
        return found

    def image_data(self, url: str) -> bytes | None:
        row = self.db.execute("SELECT data FROM images WHERE url = ?", (url,)).fetchone()
        return bytes(row[0]) if row else None

    def store_image(
        self, url: str, data: bytes, sha256: str, size: tuple[int, int], now: datetime
    ) -> None:
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO images VALUES (?, ?, ?, ?, ?, ?)",
                (url, sha256, size[0], size[1], _iso(now), data),
            )

    def derivative(self, key: str) -> tuple[str, int, int] | None:
        """(file name, width, height) of a derivative made before, or None."""
        row = self.db.execute(
            "SELECT name, width, height FROM image_derivatives WHERE key = ?", (key,)
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def store_derivative(self, key: str, name: str, width: int, height: int) -> None:
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO image_derivatives VALUES (?, ?, ?, ?)",
                (key, name, width, height),
            )
