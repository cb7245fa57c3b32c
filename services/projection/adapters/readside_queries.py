"""Reading the read side's tables: one complaint rebuilt from its own timeline rows, filtered and
paged lists of summary rows, hotline reports, chain links and heads, the SSE changes, and a dump
of every table for comparing a rebuilt read side with the live one. Nothing is held between calls.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from ..domain.chain import ChainHead, Link
from ..domain.records import COMPLAINT, HOTLINE
from ..domain.search import Query
from ..domain.signals import HotlineReport, quote_tokens
from ..domain.view import ComplaintView, Received
from .sql import Cursor, Database
from .tables import QUOTE_TERMS, StoredView, instant_key, stored_view

CHUNK = 500  # ids per IN (...) list
HEADS_CHUNK = 100  # offices per query of `heads` (a UNION ALL branch each)


@dataclass(frozen=True)
class Change:
    """One change a subscriber hears of (the SSE stream)."""

    position: int
    kind: str
    subject_id: str
    office_id: str
    event_type: str


@dataclass(frozen=True)
class Filters:
    """The list filters, each a typed column of `projection_subjects`."""

    office_id: str | None = None
    state: str | None = None
    severity: str | None = None
    business_area: str | None = None
    validity: str | None = None
    week: str | None = None
    month: str | None = None
    year: str | None = None
    violating: bool | None = None
    needs_review: bool | None = None  # triage's review flag, not yet settled by a person
    registered: bool | None = None
    search: Query | None = None  # `domain/search.py`
    personal: bool = False  # may the search match the complainant's name, contact and unit
    states: tuple[str, ...] = ()  # any of these states (beside `state`, which asks for one)
    open: bool | None = None  # every state but closed (true), or closed (false)


@dataclass(frozen=True)
class Run:
    """A stretch of a list's order: the rows `where` holds, by `keys`, all one way (so the page after a
    row is one row-value comparison, an index range: keyset paging, not OFFSET)."""

    where: str
    keys: tuple[str, ...]
    descending: bool = False


_NEWEST = (
    Run("received_key IS NOT NULL", ("received_key", "subject_id"), True),
    Run("received_key IS NULL", ("subject_id",), True),
)
# The orders of a list (`GET /complaints?order=`), each one or more runs one after the other. `office`: by
# office, registration number and id (the list's first order, which internal readers page through);
# `newest`/`oldest`: by the instant the office received it (a complaint not registered yet, without
# one, last); `overdue`: by the instant each violates the record rule from (the longest overdue first,
# then the soonest due), then those with nothing due, newest first.
ORDERS: dict[str, tuple[Run, ...]] = {
    "office": (Run("1 = 1", ("office_id", "COALESCE(sequence_number, 0)", "subject_id")),),
    "newest": _NEWEST,
    "oldest": (
        Run("received_key IS NOT NULL", ("received_key", "subject_id")),
        Run("received_key IS NULL", ("subject_id",)),
    ),
    "overdue": (
        Run("violating_from IS NOT NULL", ("violating_from", "subject_id")),
        *(Run(f"violating_from IS NULL AND {run.where}", run.keys, run.descending) for run in _NEWEST),
    ),
}


def order_by(order: str) -> str:
    """The ORDER BY of a whole order (for OFFSET pages): the run a row is in, then that run's keys (a
    row's keys of the other runs are NULL: the runs' conditions exclude one another)."""
    runs = ORDERS[order]
    if len(runs) == 1:
        return ", ".join(key + (" DESC" if runs[0].descending else "") for key in runs[0].keys)
    parts = ["CASE " + " ".join(f"WHEN {run.where} THEN {n}" for n, run in enumerate(runs)) + " END"]
    for run in runs:
        parts += [f"CASE WHEN {run.where} THEN {key} END" + (" DESC" if run.descending else "") for key in run.keys]
    return ", ".join(parts)


class BadCursor(ValueError):
    """An `after` token this list did not give (another order's, or not one at all)."""


def cursor_token(order: str, run: int, keys: Sequence[Any]) -> str:
    """Where the next page starts: the order, the run and the last row's keys (opaque to clients)."""
    text = json.dumps([order, run, list(keys)], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


NUMBER_KEYS = frozenset({"COALESCE(sequence_number, 0)"})  # the keys that are numbers; the others are texts


def _a_key(key: str, value: Any) -> bool:
    """A value the row's key can hold: a number for a number key (64-bit), else a text PostgreSQL takes
    (UTF-8, no NUL)."""
    if key in NUMBER_KEYS:
        return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_cursor(token: str, order: str) -> tuple[int, list[Any]]:
    try:
        found, run, keys = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError) as error:
        raise BadCursor("not a cursor of this list") from error
    if found != order:
        raise BadCursor(f"a cursor of the '{found}' order, not '{order}'")
    if not isinstance(run, int) or not 0 <= run < len(ORDERS[order]) or not isinstance(keys, list):
        raise BadCursor("not a cursor of this list")
    names = ORDERS[order][run].keys
    if len(keys) != len(names) or not all(_a_key(name, value) for name, value in zip(names, keys, strict=True)):
        raise BadCursor("not a cursor of this list")
    return run, keys


class TableQueries:
    """The queries of `ReadSide` (which also writes the tables)."""

    db: Database
    cipher: Any
    search_key: bytes | None

    # -- sealing what holds personal data ------------------------------------------------------

    def _seal(self, text: str) -> str:
        if self.cipher is None:
            return text
        return base64.b64encode(self.cipher.encrypt(text.encode("utf-8"))).decode("ascii")

    def _term_key(self, term: str) -> str:
        """A search term as stored: the term itself, or, when the store has a cipher, a keyed hash of
        it (the words of a complaint, its complainant's name and phone are not left readable)."""
        if self.search_key is None:
            return term
        return hmac.new(self.search_key, term.encode("utf-8"), hashlib.sha256).hexdigest()[:40]

    def _open(self, text: str) -> str:
        if self.cipher is None:
            return text
        return self.cipher.decrypt(base64.b64decode(text)).decode("utf-8")

    def _entries_of(self, cursor: Cursor, subject_ids: list[str]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        for start in range(0, len(subject_ids), CHUNK):
            chunk = subject_ids[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            grouped: dict[str, list[dict[str, Any]]] = {s: [] for s in chunk}
            for row in cursor.all(
                f"SELECT t.subject_id, t.version, t.event_id, t.type, t.topic, t.kafka_partition, t.kafka_offset, "
                f"t.digest, t.event_json, c.office_id, c.position, c.previous, c.hash "
                f"FROM projection_timeline t LEFT JOIN projection_chain c "
                f"ON c.subject_id = t.subject_id AND c.version = t.version "
                f"WHERE t.subject_id IN ({marks}) ORDER BY t.subject_id, t.version",
                chunk,
            ):
                grouped[row["subject_id"]].append(self._entry(row))
            yield from grouped.items()

    def _received_of(self, cursor: Cursor, subject_ids: list[str]) -> Iterator[tuple[str, list[Received]]]:
        """Each subject's timeline as `Received` events (what folding a view needs; `Received.of`
        of `_entry`'s dict, without its chain fields): each event's JSON opened and parsed once,
        where `_entry` then `Received.of` parse it twice."""
        for start in range(0, len(subject_ids), CHUNK):
            chunk = subject_ids[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            grouped: dict[str, list[Received]] = {s: [] for s in chunk}
            for row in cursor.all(
                f"SELECT subject_id, event_id, topic, kafka_offset, digest, event_json FROM projection_timeline "
                f"WHERE subject_id IN ({marks}) ORDER BY subject_id, version",
                chunk,
            ):
                data = json.loads(self._open(row["event_json"]))
                grouped[row["subject_id"]].append(
                    Received(
                        event_id=row["event_id"],
                        type=data["type"],
                        occurred_at=datetime.fromisoformat(data["occurred_at"]),
                        data=data,
                        digest=row["digest"],
                        topic=row["topic"],
                        offset=int(row["kafka_offset"]),
                    )
                )
            yield from grouped.items()

    def _entry(self, row: Any) -> dict[str, Any]:
        event_json = self._open(row["event_json"])
        return {
            "event_id": row["event_id"],
            "type": row["type"],
            "occurred_at": _payload_time(event_json),
            "event_json": event_json,
            "digest": row["digest"],
            "topic": row["topic"],
            "partition": row["kafka_partition"],
            "offset": row["kafka_offset"],
            "office_id": row["office_id"],
            "position": row["position"],
            "previous": row["previous"],
            "hash": row["hash"],
        }

    # -- the chain's head (the consumer links new events after it) -----------------------------

    def head(self, office_id: str) -> ChainHead:
        """The office's chain head: the link at MAX(position), never merely the last row written."""
        with self.db.transaction(write=False) as cursor:
            row = cursor.one(
                "SELECT position, hash FROM projection_chain WHERE office_id = ? ORDER BY position DESC LIMIT 1",
                (office_id,),
            )
        return ChainHead(row["position"], row["hash"]) if row else ChainHead()

    def heads(self, office_ids: Iterable[str]) -> dict[str, ChainHead]:
        """Every one of these offices' chain heads (as `head`) in one query: a branch per office,
        each an index probe of the office's highest position (not a scan of its chain, as a
        MAX ... GROUP BY over many offices may be), so its cost does not grow with the history."""
        offices = sorted(set(office_ids))
        heads = dict.fromkeys(offices, ChainHead())
        for start in range(0, len(offices), HEADS_CHUNK):
            chunk = offices[start : start + HEADS_CHUNK]
            branch = (
                "SELECT * FROM (SELECT office_id, position, hash FROM projection_chain WHERE office_id = ? "
                "ORDER BY position DESC LIMIT 1) AS h{}"
            )
            sql = " UNION ALL ".join(branch.format(n) for n in range(len(chunk)))
            with self.db.transaction(write=False) as cursor:
                for row in cursor.all(sql, chunk):
                    heads[row["office_id"]] = ChainHead(row["position"], row["hash"])
        return heads

    # -- reading -------------------------------------------------------------------------------

    def kind_of(self, subject_id: UUID) -> tuple[str, str] | None:
        with self.db.transaction(write=False) as cursor:
            row = cursor.one("SELECT kind, office_id FROM projection_subjects WHERE subject_id = ?", (str(subject_id),))
        return (row["kind"], row["office_id"]) if row else None

    def view(self, complaint_id: UUID) -> ComplaintView | None:
        """A complaint's whole view, rebuilt from its own timeline rows only."""
        found = self.kind_of(complaint_id)
        if found is None or found[0] != COMPLAINT:
            return None
        entries = self.entries(complaint_id)
        return ComplaintView.of(complaint_id, found[1], entries) if entries else None

    def entries(self, subject_id: UUID) -> list[dict[str, Any]]:
        with self.db.transaction(write=False) as cursor:
            return next(iter(self._entries_of(cursor, [str(subject_id)])))[1]

    def _where(self, filters: Filters, now: datetime | None) -> tuple[str, list[Any]]:
        clauses: list[str] = ["kind = ?"]
        params: list[Any] = [COMPLAINT]
        for column in ("office_id", "state", "severity", "business_area", "validity", "week", "month"):
            value = getattr(filters, column)
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        if filters.year:
            clauses.append("substr(month, 1, 4) = ?")
            params.append(filters.year)
        if filters.states:
            clauses.append(f"state IN ({','.join('?' * len(filters.states))})")
            params += filters.states
        if filters.open is not None:  # the literal the partial indexes are made with (LIST_INDEXES)
            clauses.append("state <> 'closed'" if filters.open else "state = 'closed'")
        if filters.registered is not None:
            clauses.append("registered = ?")
            params.append(int(filters.registered))
        if filters.needs_review is not None:
            clauses.append("needs_review = ?")
            params.append(int(filters.needs_review))
        if filters.search is not None:
            clause, found_by = self._search(filters.search, filters.personal)
            clauses.append(clause)
            params += found_by
        if filters.violating is not None:
            assert now is not None
            if filters.violating:
                clauses.append("violating_from IS NOT NULL AND violating_from <= ?")
            else:
                clauses.append("(violating_from IS NULL OR violating_from > ?)")
            params.append(instant_key(now))
        return " AND ".join(clauses), params

    def _search(self, query: Query, personal: bool) -> tuple[str, list[Any]]:
        """Every word found (each one indexed look-up, and one more for each group of a facility's words
        of several terms), or else the phone number among the personal terms."""
        ways: list[str] = []
        params: list[Any] = []

        def found(asked: list[tuple[str, int]]) -> str:
            params.extend(x for term, flag in asked for x in (self._term_key(term), flag))
            wanted = " OR ".join("(term = ? AND personal = ?)" for _ in asked)
            return f"subject_id IN (SELECT subject_id FROM projection_search WHERE {wanted})"

        def found_together(groups: tuple[tuple[str, ...], ...]) -> str:
            """One term of each group among a complaint's public terms (a look-up a group)."""
            ands = []
            for group in groups:
                params.extend(self._term_key(term) for term in group)
                ands.append(
                    "subject_id IN (SELECT subject_id FROM projection_search WHERE personal = 0 "
                    f"AND term IN ({','.join('?' * len(group))}))"
                )
            return "(" + " AND ".join(ands) + ")"

        words = []
        for word in query.words:
            asked = [(t, 0) for t in word.public] + [(t, 1) for t in (word.personal if personal else ())]
            ors = ([found(asked)] if asked else []) + [found_together(groups) for groups in word.together]
            words.append("(" + " OR ".join(ors) + ")" if ors else "1 = 0")
        if words:
            ways.append("(" + " AND ".join(words) + ")")
        if query.phone and personal:
            ways.append(found([(t, 1) for t in query.phone]))
        if query.persons and personal:
            ways.append(found([(t, 1) for t in query.persons]))
        return "(" + (" OR ".join(ways) or "1 = 0") + ")", params

    def count(self, filters: Filters, now: datetime | None = None) -> int:
        where, params = self._where(filters, now)
        with self.db.transaction(write=False) as cursor:
            row = cursor.one(f"SELECT COUNT(*) AS n FROM projection_subjects WHERE {where}", params)
        return int(row["n"]) if row else 0

    def summaries(
        self,
        filters: Filters,
        now: datetime | None = None,
        *,
        limit: int | None = None,
        offset: int = 0,
        order: str = "office",
    ) -> list[StoredView]:
        """The complaints that pass the filters, in `order` (by office, sequence number and id unless
        asked otherwise); one page of them when `limit` is given (by OFFSET: `page` pages by keyset)."""
        where, params = self._where(filters, now)
        page = ""
        if limit is not None:
            page = " LIMIT ? OFFSET ?"
            params = [*params, limit, offset]
        with self.db.transaction(write=False) as cursor:
            rows = cursor.all(
                f"SELECT subject_id, office_id, folded FROM projection_subjects WHERE {where} AND folded IS NOT NULL "
                f"ORDER BY {order_by(order)}{page}",
                params,
            )
        return [stored_view(r["subject_id"], r["office_id"], self._open(r["folded"])) for r in rows]

    def page(
        self,
        filters: Filters,
        now: datetime | None,
        order: str,
        limit: int,
        after: str | None = None,
        offset: int = 0,
    ) -> tuple[list[StoredView], str | None]:
        """One page of the complaints that pass the filters in `order` (`ORDERS`), from the row after
        the one `after` names (`cursor_token`), or `offset` rows in; and the cursor of the page after
        it (None: no more). Each run is read in its index's order (`LIST_INDEXES`), from where the
        cursor stands by an index range, so a page by cursor costs the same however deep it is, and a
        complaint that arrives between two pages neither pushes one onto the next page twice nor hides
        one: it lands before or after the cursor. By `offset`, the rows skipped are walked in the
        index (no sort), and a run skipped whole is counted instead."""
        runs = ORDERS[order]
        first, keys = read_cursor(after, order) if after is not None else (0, None)
        where, params = self._where(filters, now)
        found: list[tuple[int, Any]] = []
        skip = offset
        with self.db.transaction(write=False) as cursor:
            for index in range(first, len(runs)):
                run = runs[index]
                clause, args = f"{where} AND folded IS NOT NULL AND {run.where}", list(params)
                if index == first and keys is not None:
                    marks = ", ".join("?" * len(keys))
                    clause += f" AND ({', '.join(run.keys)}) {'<' if run.descending else '>'} ({marks})"
                    args += keys
                way = " DESC" if run.descending else ""
                columns = ", ".join(f"{key} AS k{n}" for n, key in enumerate(run.keys))
                rows = cursor.all(
                    f"SELECT subject_id, office_id, folded, {columns} FROM projection_subjects WHERE {clause} "
                    f"ORDER BY {', '.join(key + way for key in run.keys)} LIMIT ? OFFSET ?",
                    [*args, limit + 1 - len(found), skip],
                )
                if not rows and skip:  # the whole run is skipped: on past it
                    counted = cursor.one(f"SELECT COUNT(*) AS n FROM projection_subjects WHERE {clause}", args)
                    skip = max(0, skip - int(counted["n"] if counted else 0))
                    continue
                skip = 0
                found += [(index, row) for row in rows]
                if len(found) > limit:
                    break
        token = None
        if len(found) > limit:
            index, last = found[limit - 1]
            token = cursor_token(order, index, [last[f"k{n}"] for n in range(len(runs[index].keys))])
        views = [stored_view(r["subject_id"], r["office_id"], self._open(r["folded"])) for _, r in found[:limit]]
        return views, token

    def first_week(self) -> str | None:
        """The earliest office week anything recorded falls in (None: nothing yet); the week index answers."""
        with self.db.transaction(write=False) as cursor:
            row = cursor.one("SELECT MIN(week) AS week FROM projection_subjects")
        return None if row is None else row["week"]

    def holds(self, office_id: str) -> bool:
        """Whether anything of the office was recorded (a complaint or a hotline report): one probe of
        the (kind, office) index."""
        with self.db.transaction(write=False) as cursor:
            found = cursor.one(
                "SELECT 1 AS one FROM projection_subjects WHERE kind IN (?, ?) AND office_id = ? LIMIT 1",
                (COMPLAINT, HOTLINE, office_id),
            )
        return found is not None

    def offices(self) -> list[str]:
        with self.db.transaction(write=False) as cursor:
            rows = cursor.all("SELECT DISTINCT office_id FROM projection_subjects ORDER BY office_id")
        return [r["office_id"] for r in rows]

    def hotline_reports(self, office_id: str | None = None, until: datetime | None = None) -> list[HotlineReport]:
        clauses, params = ["1 = 1"], []
        if office_id is not None:
            clauses.append("office_id = ?")
            params.append(office_id)
        if until is not None:
            clauses.append("occurred_key <= ?")
            params.append(instant_key(until))
        with self.db.transaction(write=False) as cursor:
            rows = cursor.all(
                f"SELECT * FROM projection_hotline WHERE {' AND '.join(clauses)} ORDER BY office_id, subject_id",
                params,
            )
        return [
            HotlineReport(
                report_id=r["subject_id"],
                office_id=r["office_id"],
                hotline_reference=r["hotline_reference"],
                reported_at=datetime.fromisoformat(r["reported_at"]),
                event_id=r["event_id"],
            )
            for r in rows
        ]

    # -- what the concealment signals read (domain/signals.py): grouped or indexed, never every row --

    _REGISTERED = "kind = ? AND registered = 1 AND folded IS NOT NULL"
    _LISTED = "ORDER BY office_id, COALESCE(sequence_number, 0), subject_id"

    def registered_counts(self) -> dict[str, int]:
        """How many registered complaints each office has (one grouped count)."""
        with self.db.transaction(write=False) as cursor:
            rows = cursor.all(
                f"SELECT office_id, COUNT(*) AS n FROM projection_subjects WHERE {self._REGISTERED} GROUP BY office_id",
                (COMPLAINT,),
            )
        return {r["office_id"]: int(r["n"]) for r in rows}

    def sequence_gaps(self, office_id: str | None = None) -> list[tuple[str, int, StoredView]]:
        """Each gap in an office's registration numbers: (office, the first number missing, the
        complaint after the gap), by office and number. Of complaints that share a number, the last by
        id stands for it. Window functions over the (kind, office, number) index: only the gaps leave
        the database."""
        office, params = ("AND office_id = ? ", [COMPLAINT, office_id]) if office_id else ("", [COMPLAINT])
        with self.db.transaction(write=False) as cursor:
            rows = cursor.all(
                "WITH numbered AS (SELECT office_id, sequence_number, subject_id, ROW_NUMBER() OVER "
                "(PARTITION BY office_id, sequence_number ORDER BY subject_id DESC) AS nth FROM projection_subjects "
                f"WHERE {self._REGISTERED} AND sequence_number IS NOT NULL {office}), "
                "distinct_numbers AS (SELECT office_id, sequence_number, subject_id, LAG(sequence_number) OVER "
                "(PARTITION BY office_id ORDER BY sequence_number) AS previous FROM numbered WHERE nth = 1) "
                "SELECT g.office_id, g.previous, s.folded, s.subject_id FROM distinct_numbers g "
                "JOIN projection_subjects s ON s.subject_id = g.subject_id "
                "WHERE g.sequence_number > COALESCE(g.previous, 0) + 1 ORDER BY g.office_id, g.sequence_number",
                params,
            )
        return [
            (
                r["office_id"],
                (r["previous"] or 0) + 1,
                stored_view(r["subject_id"], r["office_id"], self._open(r["folded"])),
            )
            for r in rows
        ]

    def late_registered(self, office_id: str | None = None) -> list[StoredView]:
        """The complaints flagged as giving a late-registration or registered-late signal (indexed)."""
        office, params = ("AND office_id = ? ", [COMPLAINT, office_id]) if office_id else ("", [COMPLAINT])
        with self.db.transaction(write=False) as cursor:
            rows = cursor.all(
                f"SELECT subject_id, office_id, folded FROM projection_subjects WHERE late_signal = 1 "
                f"AND {self._REGISTERED} {office}{self._LISTED}",
                params,
            )
        return [stored_view(r["subject_id"], r["office_id"], self._open(r["folded"])) for r in rows]

    def quoting_candidates(self, office_id: str, reference: str, page: int = 1000) -> Iterator[StoredView]:
        """The office's registered complaints that may quote a hotline reference, in list order: those
        whose office reference is it (case aside), or that hold every run of ASCII letters and digits
        with a digit of it (`quote_tokens`; indexed look-ups). A reference without such a run leaves
        every registered complaint of the office a candidate, read page by page."""
        tokens = sorted(quote_tokens(reference))
        params: list[Any] = [COMPLAINT, office_id]
        found = ""
        if tokens:
            holds = " AND ".join(
                "subject_id IN (SELECT subject_id FROM projection_search WHERE term = ? AND personal = ?)"
                for _ in tokens
            )
            found = (
                "AND (subject_id IN (SELECT subject_id FROM projection_search WHERE term = ? AND personal = ?) "
                f"OR ({holds})) "
            )
            params += [self._term_key(f"ref:{reference.casefold()}"), QUOTE_TERMS]
            params += [x for t in tokens for x in (self._term_key(f"quote:{t}"), QUOTE_TERMS)]
        offset = 0
        while True:
            with self.db.transaction(write=False) as cursor:
                rows = cursor.all(
                    f"SELECT subject_id, office_id, folded FROM projection_subjects WHERE {self._REGISTERED} "
                    f"AND office_id = ? {found}{self._LISTED} LIMIT ? OFFSET ?",
                    [*params, page, offset],
                )
            yield from (stored_view(r["subject_id"], r["office_id"], self._open(r["folded"])) for r in rows)
            if len(rows) < page:
                return
            offset += page

    def views_as_of(
        self, instant: datetime, office_id: str | None = None, subject_id: UUID | None = None
    ) -> Iterator[ComplaintView]:
        """Views built only from the events that had happened by `instant` (business time), one
        complaint at a time."""
        clauses, params = ["s.kind = ?", "t.occurred_key <= ?"], [COMPLAINT, instant_key(instant)]
        if office_id is not None:
            clauses.append("s.office_id = ?")
            params.append(office_id)
        if subject_id is not None:
            clauses.append("s.subject_id = ?")
            params.append(str(subject_id))
        key = instant_key(instant)
        after = ""
        while True:  # the ids a page at a time (keyset on the id): memory bounded whatever the history
            with self.db.transaction(write=False) as cursor:
                ids = cursor.all(
                    "SELECT DISTINCT s.subject_id, s.office_id FROM projection_subjects s JOIN projection_timeline t "
                    f"ON t.subject_id = s.subject_id WHERE {' AND '.join(clauses)} AND s.subject_id > ? "
                    "ORDER BY s.subject_id LIMIT 500",
                    [*params, after],
                )
            for row in ids:
                entries = [
                    e
                    for e in self.entries(UUID(row["subject_id"]))
                    if instant_key(datetime.fromisoformat(e["occurred_at"])) <= key
                ]
                if entries:
                    yield ComplaintView.of(UUID(row["subject_id"]), row["office_id"], entries)
            if len(ids) < 500:
                return
            after = ids[-1]["subject_id"]

    def changes_since(self, position: int, limit: int = 1000) -> list[Change]:
        with self.db.transaction(write=False) as cursor:
            rows = cursor.all(
                "SELECT position, kind, subject_id, office_id, event_type FROM projection_changes "
                "WHERE position > ? ORDER BY position LIMIT ?",
                (position, limit),
            )
        return [Change(r["position"], r["kind"], r["subject_id"], r["office_id"], r["event_type"]) for r in rows]

    def links(self, office_id: str | None = None) -> list[Link]:
        clauses, params = "", []
        if office_id is not None:
            clauses, params = "WHERE c.office_id = ?", [office_id]
        with self.db.transaction(write=False) as cursor:
            rows = cursor.all(
                "SELECT c.*, t.event_json FROM projection_chain c JOIN projection_timeline t "
                f"ON t.subject_id = c.subject_id AND t.version = c.version {clauses} ORDER BY c.office_id, c.position",
                params,
            )
        return [
            Link(
                office_id=r["office_id"],
                position=r["position"],
                previous=r["previous"],
                hash=r["hash"],
                digest=r["digest"],
                event_id=r["event_id"],
                event_json=self._open(r["event_json"]),
            )
            for r in rows
        ]

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every table's content that does not depend on arrival order (store positions, chain
        positions and links, record versions do), decrypted, in a fixed order: a read side rebuilt
        from the topics dumps equal to the live one."""
        with self.db.transaction(write=False) as cursor:
            subjects = cursor.all(
                "SELECT subject_id, kind, office_id, registered, state, severity, business_area, validity, week, "
                "month, sequence_number, office_reference, received_key, violating_from, entries, folded, needs_review "
                "FROM projection_subjects ORDER BY subject_id"
            )
            timeline = cursor.all(
                "SELECT subject_id, event_id, type, occurred_key, topic, kafka_partition, kafka_offset, digest, "
                "event_json FROM projection_timeline ORDER BY subject_id, event_id"
            )
            chain = cursor.all("SELECT office_id, event_id, digest FROM projection_chain ORDER BY office_id, event_id")
            hotline = cursor.all("SELECT * FROM projection_hotline ORDER BY subject_id")
            search = cursor.all(  # how many terms, not which: they are keyed hashes under a cipher
                "SELECT subject_id, personal, COUNT(*) AS terms FROM projection_search "
                "GROUP BY subject_id, personal ORDER BY subject_id, personal"
            )
            visits = cursor.all("SELECT * FROM projection_statistics_visits ORDER BY subject_id, visit")
        return {
            # `folded` opened in its place (it was taken as the last column, which it no longer is:
            # needs_review went uncompared and, under a cipher, sealed texts were compared)
            "subjects": [tuple(_maybe_open(self, r[k]) if k == "folded" else r[k] for k in _keys(r)) for r in subjects],
            "timeline": [(*tuple(r[k] for k in _keys(r))[:-1], self._open(r["event_json"])) for r in timeline],
            "chain": [tuple(r[k] for k in _keys(r)) for r in chain],
            "hotline": [tuple(r[k] for k in _keys(r)) for r in hotline],
            "search": [tuple(r[k] for k in _keys(r)) for r in search],
            "visits": [tuple(r[k] for k in _keys(r)) for r in visits],
        }


def _keys(row: Any) -> Iterable[str]:
    return list(row.keys())


def _maybe_open(read: TableQueries, text: str | None) -> str | None:
    return None if text is None else read._open(text)


def _payload_time(event_json: str) -> str:
    return json.loads(event_json)["occurred_at"]
