"""The read side's tables, and how a complaint's folded view is kept in a row.

- `projection_position`: how far the read side has followed the store's notification log (one row,
  written in the same transaction as the rows it accounts for).
- `projection_subjects`: one row per complaint (or hotline report): a typed column for every list
  filter (`needs_review`: triage's review flag, not yet settled by a person's override), the instant
  it starts to violate the record rule if nothing else happens, and the folded
  facts as JSON (encrypted like the store's events when the store has a cipher), with their fold
  format and the ordering keys of the events folded at the last instant, so that later events can be
  folded onto them (`StoredView.continued`) instead of refolding the complaint's timeline.
- `projection_timeline`: one row per recorded event; a complaint's view is rebuilt from its rows.
- `projection_chain`: each office's hash-chain links, one per position (UNIQUE office and position:
  the database refuses a second event at a position, and the head is MAX(position)); indexed by
  (subject, version) too, the join that rebuilds a complaint's timeline with its links.
- `projection_hotline`: each hotline report (for the concealment signals).
- `projection_changes`: what the SSE stream sends, by store position.
- `projection_search`: the terms each complaint is found by (`domain/search.py`), personal ones
  flagged; keyed hashes, not the words, when the store has a cipher. Flag `QUOTE_TERMS` (2): what the
  hotline signal looks a call's reference up by (the runs of ASCII letters and digits with a digit of
  the description and request, and the office reference), never matched by a search.
- `projection_unreadable`: stored events that could not be read (altered at rest).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from ..domain.sla_clocks import Clock
from ..domain.view import ComplaintView, Received, following, last_instant

POSITION_NAME = "read-side"
SIGNALS_POSITION_NAME = "signal-columns"  # its row says every summary has its signal columns and terms
QUOTE_TERMS = 2  # projection_search.personal of the terms a hotline reference is looked up by
SEARCH_POSITION_NAME = "search-terms"  # its row says every complaint's search terms are written


def schema(text: str) -> list[str]:
    """CREATE statements for both engines (`text`: the byte-ordered text type of the engine)."""
    return [
        f"CREATE TABLE IF NOT EXISTS projection_position (name {text} PRIMARY KEY, notification_id BIGINT NOT NULL)",
        f"""CREATE TABLE IF NOT EXISTS projection_subjects (
            subject_id {text} PRIMARY KEY,
            kind {text} NOT NULL,
            office_id {text} NOT NULL,
            registered INTEGER NOT NULL DEFAULT 0,
            state {text},
            severity {text},
            business_area {text},
            validity {text},
            week {text},
            month {text},
            sequence_number BIGINT,
            office_reference {text},
            received_key {text},
            violating_from {text},
            entries INTEGER NOT NULL DEFAULT 0,
            folded {text},
            late_signal INTEGER NOT NULL DEFAULT 0,
            needs_review INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX IF NOT EXISTS projection_subjects_office ON projection_subjects "
        "(kind, office_id, sequence_number, subject_id)",
        "CREATE INDEX IF NOT EXISTS projection_subjects_week ON projection_subjects (week, office_id)",
        "CREATE INDEX IF NOT EXISTS projection_subjects_month ON projection_subjects (month, office_id)",
        "CREATE INDEX IF NOT EXISTS projection_subjects_state ON projection_subjects (state, office_id)",
        "CREATE INDEX IF NOT EXISTS projection_subjects_violating ON projection_subjects (violating_from)",
        f"""CREATE TABLE IF NOT EXISTS projection_timeline (
            subject_id {text} NOT NULL,
            version BIGINT NOT NULL,
            event_id {text} NOT NULL,
            type {text} NOT NULL,
            occurred_key {text} NOT NULL,
            topic {text} NOT NULL,
            kafka_partition INTEGER NOT NULL,
            kafka_offset BIGINT NOT NULL,
            digest {text} NOT NULL,
            event_json {text} NOT NULL,
            notification_id BIGINT NOT NULL,
            PRIMARY KEY (subject_id, version)
        )""",
        f"""CREATE TABLE IF NOT EXISTS projection_chain (
            office_id {text} NOT NULL,
            position BIGINT NOT NULL,
            previous {text} NOT NULL,
            hash {text} NOT NULL,
            digest {text} NOT NULL,
            event_id {text} NOT NULL,
            subject_id {text} NOT NULL,
            version BIGINT NOT NULL,
            notification_id BIGINT NOT NULL,
            PRIMARY KEY (office_id, position)
        )""",
        # A complaint's timeline joins its chain links by (subject, version): without this index every
        # refold scanned the whole chain table (quadratic in history; most of a batch's time).
        "CREATE INDEX IF NOT EXISTS projection_chain_subject ON projection_chain (subject_id, version)",
        f"""CREATE TABLE IF NOT EXISTS projection_hotline (
            subject_id {text} PRIMARY KEY,
            office_id {text} NOT NULL,
            hotline_reference {text} NOT NULL,
            reported_at {text} NOT NULL,
            occurred_key {text} NOT NULL,
            event_id {text} NOT NULL
        )""",
        f"""CREATE TABLE IF NOT EXISTS projection_changes (
            position BIGINT PRIMARY KEY,
            kind {text} NOT NULL,
            subject_id {text} NOT NULL,
            office_id {text} NOT NULL,
            event_type {text} NOT NULL
        )""",
        f"""CREATE TABLE IF NOT EXISTS projection_search (
            term {text} NOT NULL,
            subject_id {text} NOT NULL,
            personal INTEGER NOT NULL,
            PRIMARY KEY (term, personal, subject_id)
        )""",
        "CREATE INDEX IF NOT EXISTS projection_search_subject ON projection_search (subject_id)",
        f"""CREATE TABLE IF NOT EXISTS projection_unreadable (
            notification_id BIGINT PRIMARY KEY,
            originator_id {text} NOT NULL,
            originator_version BIGINT NOT NULL,
            error {text} NOT NULL
        )""",
    ]


def signal_columns(text: str, postgres: bool) -> list[str]:
    """The signal columns a table written before them lacks (`late_signal`: the complaint gives a
    late-registration or registered-late signal), and their index; PostgreSQL adds them if absent,
    SQLite is asked first (`ReadSide`)."""
    exists = " IF NOT EXISTS" if postgres else ""
    return [
        f"ALTER TABLE projection_subjects ADD COLUMN{exists} late_signal INTEGER NOT NULL DEFAULT 0",
    ]


SIGNAL_INDEXES = [
    "CREATE INDEX IF NOT EXISTS projection_subjects_late ON projection_subjects (late_signal, kind)",
]

REVIEW_POSITION_NAME = "review-column"  # its row says every complaint's needs_review is written


def review_columns(postgres: bool) -> list[str]:
    """The review column a table written before it lacks (`needs_review`: triage asks a person to look
    and no override has settled it), as `signal_columns`."""
    exists = " IF NOT EXISTS" if postgres else ""
    return [f"ALTER TABLE projection_subjects ADD COLUMN{exists} needs_review INTEGER NOT NULL DEFAULT 0"]


REVIEW_INDEXES = [
    "CREATE INDEX IF NOT EXISTS projection_subjects_review ON projection_subjects (needs_review, kind, office_id)",
]


# The list's orders (`readside_queries.ORDERS`): newest/oldest by receipt, the open queue by the instant
# each starts to violate. Partial indexes hold the open complaints only (`state <> 'closed'`, written so
# in every query that means them), so a busy office's open queue never scans its closed history. Made
# at start where missing (`list_indexes`: on PostgreSQL concurrently, after start-up).
LIST_INDEXES = {
    # the list's first order (by office and number: its default), which sorted a whole office a page before
    "projection_subjects_office_order": "ON projection_subjects (kind, office_id, COALESCE(sequence_number, 0), "
    "subject_id)",
    "projection_subjects_received": "ON projection_subjects (kind, office_id, received_key, subject_id)",
    "projection_subjects_received_group": "ON projection_subjects (kind, received_key, subject_id)",
    "projection_subjects_open_received": "ON projection_subjects (kind, office_id, received_key, subject_id) "
    "WHERE state <> 'closed'",
    "projection_subjects_open_violating": "ON projection_subjects (kind, office_id, violating_from, subject_id) "
    "WHERE state <> 'closed'",
}


def instant_key(instant: datetime) -> str:
    """An instant as text that sorts as time does (UTC, microseconds, 4-digit year), for SQL
    comparisons; the ends of time, which have no UTC date, saturate."""
    try:
        return instant.astimezone(UTC).isoformat(timespec="microseconds")
    except OverflowError:
        edge = datetime.min if instant.year == 1 else datetime.max
        return edge.replace(tzinfo=UTC).isoformat(timespec="microseconds")


# The meaning of a stored fold: raise it when the fold changes what it keeps or how it reads an
# event, so that every summary row written before is folded again from its timeline rows when next
# touched instead of being carried forward (`StoredView.continued`).
FOLD_FORMAT = 3  # 2: triage's review flag kept typed (`review_flags`); 3: a re-grade settles a severity flag


@dataclass
class StoredView(ComplaintView):
    """A complaint's folded view read back from its summary row: every fact and clock, without the
    timeline (a drill-down rebuilds that from the timeline rows). It can be carried forward by later
    events (`continued`): `stored_tail` keeps the ordering keys of the events folded at its last
    instant, which is all business order needs to place a new event of that instant; `events` holds
    only the events folded onto it since it was read."""

    stored_first_event_at: datetime | None = None
    stored_last_event_at: datetime | None = None
    # [event_id, type, topic, offset, causation_id] of each event folded at the last instant, in order
    stored_tail: list[list[Any]] | None = None  # None: a row written before it was kept
    stored_fold: int = 0  # the FOLD_FORMAT it was written under (0: before formats)

    @property
    def first_event_at(self) -> datetime | None:  # type: ignore[override]
        return self.stored_first_event_at

    @property
    def last_event_at(self) -> datetime | None:  # type: ignore[override]
        return self.stored_last_event_at

    def continued(self, new: Sequence[Received]) -> StoredView | None:
        """This view with `new` folded on (in place), exactly as a fold of every event would have it,
        when all of them follow what it holds in business order and it was written under this
        FOLD_FORMAT; None otherwise (folded nothing: the caller folds the complaint again)."""
        if self.stored_fold != FOLD_FORMAT or self.stored_tail is None or self.stored_last_event_at is None:
            return None
        last = self.stored_last_event_at
        tail = [
            Received(event_id, kind, last, {"type": kind, "causation_id": cause}, "", topic, offset)
            for event_id, kind, topic, offset, cause in self.stored_tail
        ]
        ordered = following(tail, new)
        if ordered is None:
            return None
        if not ordered:
            return self
        self.fold_on(ordered)
        end = ordered[-1].occurred_at
        self.stored_tail = _tail_keys(last_instant([*tail, *ordered] if end == last else ordered))
        self.stored_last_event_at = end
        return self


_SKIPPED = {"events", "complaint_id", "office_id"}
_FIELDS = [f.name for f in fields(ComplaintView) if f.name not in _SKIPPED]


def folded_json(view: ComplaintView) -> str:
    """The view's folded state as JSON (dict order kept: the clocks' order is part of the fold), with
    what carrying it forward needs (`StoredView.continued`). Instants, sets and clocks are tagged
    (`_tagged`), by the encoder's `default`: the C encoder walks the rest."""
    data = {name: getattr(view, name) for name in _FIELDS}
    data["stored_first_event_at"] = view.first_event_at
    data["stored_last_event_at"] = view.last_event_at
    data["stored_tail"] = view.stored_tail if isinstance(view, StoredView) else _tail_keys(last_instant(view.events))
    data["stored_fold"] = FOLD_FORMAT
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=_tag)


def _tail_keys(events: Sequence[Received]) -> list[list[Any]]:
    return [[r.event_id, r.type, r.topic, r.offset, r.data.get("causation_id")] for r in events]


def stored_view(complaint_id: str, office_id: str, text: str) -> StoredView:
    return StoredView(complaint_id=UUID(complaint_id), office_id=office_id, **json.loads(text, object_hook=_tagged))


_CLOCK_FIELDS = [f.name for f in fields(Clock)]


def _tag(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, (set, frozenset)):
        return {"$s": sorted(value)}
    if isinstance(value, Clock):
        return {"$c": {name: getattr(value, name) for name in _CLOCK_FIELDS}}
    raise TypeError(f"{type(value).__name__} is not kept in a folded view")


def _tagged(value: dict[str, Any]) -> Any:
    """A tagged value back (JSON objects are read innermost first: a clock's instants are already
    instants when the clock is made)."""
    if len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "$t":
            return datetime.fromisoformat(inner)
        if tag == "$s":
            return set(inner)
        if tag == "$c":
            return Clock(**inner)
    return value
