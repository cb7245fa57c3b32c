"""How long the ledger remembers a delivery, and which records the worker still acts on: the age rule.

The ledger's promise is that a record handed to the worker again (a redelivery after a crash, the
reconciler's re-reading, a fresh consumer group reading from offset 0) sends nothing twice. Its source
topics are kept forever (`shared/contracts/topics.py`: retention -1), and a group's committed position
is no bound either (the reconciler reads back before it; a group idle longer than the broker's
`offsets.retention.minutes` loses its offsets and starts again from the beginning). So the bound is
the worker's own, one rule with two halves (`NOTIFIER_LEDGER_KEEP_DAYS`):

- a record appended to its topic more than `keep - margin` ago is *stale*: the worker acts on it no
  more (nothing sent, nothing dead-lettered), whoever hands it over;
- a ledger entry written more than `keep` ago is *forgotten* (a tombstone on the changelog).

An entry is written after its record was appended, so by the time an entry is forgotten its record is
stale: a redelivery of it finds no entry and sends nothing, because it is not acted on at all. The
margin absorbs the clocks' disagreement (the broker stamps the record, the worker the entry) and the
time a record takes to handle (its back-off). An entry written before entries carried their time is
dated when the worker first sees it (later than it was written: kept longer, never shorter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class AgeRule:
    keep: timedelta  # how long an entry is remembered after it was written
    margin: timedelta  # clock disagreement and handling time allowed for

    def __post_init__(self) -> None:
        if self.margin < timedelta(0) or self.keep <= self.margin:
            raise ValueError(f"the ledger's keep ({self.keep}) must exceed its margin ({self.margin}) ≥ 0")

    @property
    def window(self) -> timedelta:
        """How old a record may be and still be acted on."""
        return self.keep - self.margin

    def acts_on(self, appended_at: datetime | None, now: datetime) -> bool:
        """Whether a record appended at `appended_at` is still acted on. A record of unknown age (an
        operator's retry of its original, tests) is: the operator's request is itself aged."""
        return appended_at is None or now - appended_at <= self.window

    def forgets(self, written_at: datetime, now: datetime) -> bool:
        """Whether an entry written at `written_at` may be forgotten now."""
        return now - written_at > self.keep


@dataclass(frozen=True)
class Entry:
    """A ledger value: the outcome (`sent`, `dead-lettered`, `taken`), when it was written and in which
    partition of the changelog (the partition of the record it guards, so its owner forgets it).

    On the changelog as UTF-8 `outcome|time|partition` (`sent|2026-11-30T21:51:14Z|3`); a value written
    before (`sent`) reads with neither time nor partition."""

    outcome: str
    written_at: datetime | None = None
    partition: int | None = None

    def encode(self) -> bytes:
        if self.written_at is None or self.partition is None:
            return self.outcome.encode()
        written = self.written_at.astimezone(UTC)
        if written.microsecond:  # to the next second: a later time keeps the entry longer, never shorter
            written = written.replace(microsecond=0) + timedelta(seconds=1)
        at = written.strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{self.outcome}|{at}|{self.partition}".encode()

    @classmethod
    def decode(cls, raw: bytes) -> Entry:
        text = raw.decode()
        parts = text.rsplit("|", 2)
        if len(parts) != 3:
            return cls(text)  # the old format: the outcome alone
        outcome, at, partition = parts
        try:
            written = datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            return cls(outcome, written, int(partition))
        except ValueError:
            return cls(text)  # not ours to date: read as undated, so kept
