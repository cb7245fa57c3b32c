"""What still needs an operator, and what an operator may still do: pure rules, no store, no Kafka.

A dead letter or a quarantined relay record needs attention until it is redriven successfully or an
operator dismisses it (read it, decided it needs nothing more). A dismissal is an override: it carries
who and why, and it deletes nothing: the record stays in the history (`list --all`) with it. The CLI,
the stored records and the worker's open-letter count all ask these functions, so they agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Dismissal:
    """An operator's decision that a record needs nothing more: who, why, when."""

    by: str
    reason: str
    at: datetime


class Refused(Exception):
    """An operator's request that cannot apply to the record as it is (already dismissed, redriven, ...)."""


class Attended(Protocol):
    """A dead letter or a quarantined record as these rules see it."""

    @property
    def redrives(self) -> Sequence[Any]:  # each with `.outcome` (None while pending)
        ...

    @property
    def redriven(self) -> bool: ...

    @property
    def dismissal(self) -> Dismissal | None: ...


def pending(record: Attended) -> bool:
    return bool(record.redrives) and record.redrives[-1].outcome is None


PAST = {"redrive": "redriven", "retry": "sent on retry"}


def status(record: Attended, verb: str = "redrive") -> str:
    """`open`, `redrive pending`, `redriven`, `redrive failed: …` or `dismissed` (the notifier's
    failed deliveries say `retry`: `retry pending`, `sent on retry`, `retry failed: …`)."""
    if record.dismissal is not None:
        return "dismissed"
    if record.redriven:
        return PAST[verb]
    if not record.redrives:
        return "open"
    return f"{verb} pending" if pending(record) else f"{verb} failed: {record.redrives[-1].outcome}"


def needs_attention(record: Attended) -> bool:
    """Neither handled by a redrive nor dismissed (a pending redrive still needs watching)."""
    return record.dismissal is None and not record.redriven


def check_who_and_why(by: str, reason: str) -> None:
    if not by.strip():
        raise Refused("say who decides (--by): an override carries who")
    if not reason.strip():
        raise Refused("say why (--reason): an override carries why")


def dismiss_refusal(record: Attended, by: str, reason: str) -> None:
    """Raises `Refused` unless the record may be dismissed now by `by` for `reason`."""
    check_who_and_why(by, reason)
    if record.dismissal is not None:
        d = record.dismissal
        raise Refused(f"already dismissed by {d.by} at {d.at.isoformat()}: {d.reason}")
    if record.redriven:
        raise Refused("it was redriven (or retried) successfully already: there is nothing left to dismiss")
    if pending(record):
        raise Refused("a redrive (or retry) of it is pending: wait for its outcome, then dismiss it if it failed")


def redrive_refusal(record: Attended, by: str, reason: str, verb: str = "redrive") -> None:
    """Raises `Refused` unless a redrive (the notifier: a retry) may be asked for now."""
    check_who_and_why(by, reason)
    if record.dismissal is not None:
        d = record.dismissal
        raise Refused(f"it was dismissed by {d.by} at {d.at.isoformat()} ({d.reason}): a dismissal is final")
    if pending(record):
        raise Refused(f"it already has a {verb} pending")
    if record.redriven:
        raise Refused("it was redriven already" if verb == "redrive" else "it was sent on a retry already")
