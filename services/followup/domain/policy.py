"""The follow-up policy: how often (and how far apart) an unreachable customer is tried, and which steps a complaint may
skip. Every waiver names the rule (with the version) that allowed it. When a visit is due is not
decided here: the SLA service's return-visit clock is the one authority on time limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class FollowupPolicy:
    version: int = 1
    max_visit_attempts: int = 3
    # An unreachable customer is tried again only after this long: three calls in a minute are one try
    # (FOLLOWUP_VISIT_RETRY_HOURS).
    visit_retry_interval: timedelta = timedelta(hours=2)
    # Communication complaints of these kinds were answered on the spot: no return visit is owed.
    waive_return_visit_for: frozenset[str] = field(default_factory=lambda: frozenset({"consultation"}))
    # An invalid complaint gets its polite explanation; there is no handling to visit about.
    waive_return_visit_if_invalid: bool = True

    def rule(self, name: str) -> str:
        return f"followup.{name}@v{self.version}"


# The rule that waives an invalid complaint's return visit: it holds while the complaint is judged invalid.
INVALID_WAIVER = "waive.return-visit.invalid"


def names(rule: str, name: str) -> bool:
    """Whether `rule` (as `FollowupPolicy.rule` wrote it, of any version) is the policy's rule `name`."""
    return rule.startswith(f"followup.{name}@v")


DEFAULT_POLICY = FollowupPolicy()
