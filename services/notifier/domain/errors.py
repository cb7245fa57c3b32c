"""Why a delivery did not happen."""

from __future__ import annotations


class DeliveryFailed(Exception):
    """One try to reach one person failed (refused, unreachable, timed out, answered with an error)."""
