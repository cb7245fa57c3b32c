"""Why a delivery did not happen."""

from __future__ import annotations


class DeliveryFailed(Exception):
    """One try to reach one person failed (unreachable, timed out, a temporary refusal): try again."""


class PermanentlyRefused(DeliveryFailed):
    """The receiver said no for good (SMTP 5xx, HTTP 4xx other than 408/425/429): trying again would
    only delay the dead letter a human must see."""


RETRYABLE_HTTP = frozenset({408, 425, 429})


def http_status_is_permanent(status: int) -> bool:
    return 400 <= status < 500 and status not in RETRYABLE_HTTP


def smtp_code_is_permanent(code: int | None) -> bool:
    return code is not None and 500 <= code < 600


class Unrecoverable(Exception):
    """The notifier's own state or the broker failed (the ledger, the contacts table, the dead-letter
    topic): nothing is wrong with the record, so it must not be dead-lettered. The worker stops and
    the record is redelivered (bootstrap's `_exit_unacked`)."""
