"""The projection's application: records what it consumes, and answers every query of the read model.

Queries take `now` explicitly (the record rule is judged at an instant), so tests decide the time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from shared.contracts import SealedPersonal
from shared.eventstore import ServiceApplication
from shared.keyring import Keyring
from shared.personal import open_personal

from .adapters.readside import Filters, ReadSide, Unreadable
from .adapters.stored_chain import stored_links
from .domain.chain import Finding, Link, verify_chain
from .domain.clock_tally import clock_outcomes
from .domain.errors import ComplaintNotFound, UnknownPeriod
from .domain.policy import Policy
from .domain.signals import Signal, all_signals
from .domain.statistics import office_statistics, statistics
from .domain.view import ComplaintView, summary_of


class ProjectionApplication(ServiceApplication):
    name = "projection"

    def __init__(
        self, *args: Any, policy: Policy | None = None, units: dict[str, int] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy or Policy()
        self.units = dict(units or {})
        self.read = ReadSide(self, self.policy)
        # Opens complainants' sealed data for who may see it (bootstrap sets it; shared/keyring.py).
        self.keyring: Keyring | None = None

    def refresh(self) -> int:
        """Bring the read side's tables up to date with the store (other processes write it); return
        how many stored events were applied."""
        return self.read.catch_up()

    def close(self) -> None:
        self.read.close()
        super().close()

    # -- one complaint -------------------------------------------------------------------------

    def complaint(self, complaint_id: UUID, office_id: str | None) -> ComplaintView:
        """A complaint; `office_id=None` (group and auditor keys) sees every office."""
        view = self.read.view(complaint_id)
        if view is None or (office_id is not None and view.office_id != office_id):
            raise ComplaintNotFound(complaint_id)
        return view

    def history(
        self, complaint_id: UUID, office_id: str | None, now: datetime, with_personal_data: bool = False
    ) -> dict[str, Any]:
        view = self.complaint(complaint_id, office_id)
        return history_of(view, now, self.policy, with_personal_data, self.keyring)

    # -- many complaints -----------------------------------------------------------------------

    def complaints(
        self,
        office_id: str | None,
        now: datetime,
        *,
        state: str | None = None,
        severity: str | None = None,
        category: str | None = None,
        validity: str | None = None,
        violating: bool | None = None,
        week: str | None = None,
        month: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[ComplaintView]:
        """The complaints that pass the filters (each a typed, indexed column of the read side), by
        office, sequence number and id; one page of them when `limit` is given."""
        filters = Filters(office_id, state, severity, category, validity, week, month, violating=violating)
        return list(self.read.summaries(filters, now, limit=limit, offset=offset))

    def count(self, office_id: str | None, now: datetime, **filters: Any) -> int:
        """How many complaints pass the filters of `complaints` (a page's total)."""
        category = filters.pop("category", None)
        return self.read.count(Filters(office_id, business_area=category, **filters), now)

    def violations(
        self, office_id: str | None, now: datetime, *, limit: int | None = None, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Every violated step of the complaints violating at `now` (an indexed comparison of the
        instant each starts to violate), by office and sequence number; a page of complaints when
        `limit` is given."""
        found = []
        for view in self.complaints(office_id, now, violating=True, limit=limit, offset=offset):
            for check in view.violations(now, self.policy):
                found.append(
                    {
                        "complaint_id": str(view.complaint_id),
                        "office_id": view.office_id,
                        "office_reference": view.office_reference,
                        "severity": view.severity,
                        **check.as_dict(),
                    }
                )
        return found

    def statistics(
        self, office_id: str | None, now: datetime, *, week: str | None = None, month: str | None = None
    ) -> dict[str, Any]:
        for key, kind in ((week, "week"), (month, "month")):
            if key is not None and not _valid_period(key, kind):
                raise UnknownPeriod(key)
        views = self.complaints(office_id, now, week=week, month=month)
        units = self.units.get(office_id) if office_id else (sum(self.units.values()) or None)
        return statistics(views, now, self.policy, units)

    def period_figures(self, office_id: str | None, now: datetime, period: str, key: str) -> dict[str, Any]:
        """The figures of one week, month or year (`period` = week | month | year) for a report: the
        statistics as `statistics()` computes them (a year is its months together), and three tallies
        the statistics do not hold, over the same views: validity per business area, each record-rule
        step's status judged at `now`, and each SLA clock kind's outcomes as the SLA recorded them.
        Only the period's rows are read (an indexed column)."""
        if period == "year":
            if not (len(key) == 4 and key.isdigit()):
                raise UnknownPeriod(key)
            views: list[ComplaintView] = list(self.read.summaries(Filters(office_id, year=key), now))
            units = self.units.get(office_id) if office_id else (sum(self.units.values()) or None)
            stats = statistics(views, now, self.policy, units)
        elif period in ("week", "month"):
            week, month = (key, None) if period == "week" else (None, key)
            stats = self.statistics(office_id, now, week=week, month=month)
            views = self.complaints(office_id, now, week=week, month=month)
        else:
            raise UnknownPeriod(period)
        views = [v for v in views if v.registered]
        by_area: dict[str, dict[str, int]] = {}
        limits: dict[str, dict[str, int]] = {}
        for view in views:
            counts = by_area.setdefault(view.business_area or "unknown", {})
            validity = view.validity or "untriaged"
            counts[validity] = counts.get(validity, 0) + 1
            for check in view.checks(now, self.policy):
                statuses = limits.setdefault(check.step, {})
                statuses[check.status] = statuses.get(check.status, 0) + 1
        return {
            "statistics": stats,
            "validity_by_area": by_area,
            "limits": limits,
            "clocks": clock_outcomes(views, now),
        }

    def office_statistics(self, office_id: str, now: datetime) -> dict[str, Any]:
        views = self.complaints(office_id, now)
        return office_statistics(views, now, self.policy, self.units.get(office_id))

    def statistics_by_office(self, now: datetime) -> dict[str, dict[str, Any]]:
        return {o: self.statistics(o, now) for o in self.offices()}

    def offices(self) -> list[str]:
        return sorted(set(self.read.offices()) | set(self.units))

    def signals(self, office_id: str | None, now: datetime) -> list[Signal]:
        # The outlier signal compares every office with its peers, so all registered complaints are
        # read (their summary rows, not their histories).
        views = self.complaints(None, now)
        found = all_signals(views, self.read.hotline_reports(), self.units, self.offices(), now, self.policy)
        return [s for s in found if office_id is None or s.office_id == office_id]

    # -- audit ---------------------------------------------------------------------------------

    def verify(self, office_id: str | None = None) -> list[Finding]:
        """Every break of the offices' hash chains, and every stored event that cannot be read,
        judged on the store itself (the truth, where tampering would happen), read page by page."""
        links, unreadable = stored_links(self, office_id)
        return findings_of(links, unreadable, office_id)


def findings_of(links: list[Link], unreadable: list[tuple[Unreadable, str]], office_id: str | None) -> list[Finding]:
    findings = [
        Finding(
            "altered",
            office,
            0,
            f"{bad.originator_id}/v{bad.originator_version}",
            f"stored event (notification {bad.notification_id}) cannot be read: {bad.error}",
        )
        for bad, office in unreadable
        if office_id is None or office == office_id
    ]
    return findings + verify_chain(links)


def history_of(
    view: ComplaintView,
    now: datetime,
    policy: Policy,
    with_personal_data: bool = False,
    keyring: Keyring | None = None,
) -> dict[str, Any]:
    """A complaint's facts, checks judged at `now`, and its timeline (business-time order). With
    personal data, the complainant is opened through `keyring` now (erased: the marker)."""
    opened = opened_personal(view, keyring) if with_personal_data else None
    return {
        "complaint": view.facts(with_personal_data, opened),
        "state": view.state,
        "judged_at": now.isoformat(),
        "checks": [c.as_dict() for c in view.checks(now, policy)],
        "timeline": [
            {
                "event_id": r.event_id,
                "type": r.type,
                "occurred_at": r.occurred_at.isoformat(),
                "actor": r.data["actor"],
                "causation_id": r.data.get("causation_id"),
                "topic": r.topic,
                "summary": summary_of(r),
                "digest": r.digest,
                "explanation": _why(r),
                "payload": r.payload if with_personal_data else redacted(r.payload),
            }
            for r in view.events
        ],
    }


PERSONAL_FIELDS = ("complainant", "unit_address", "contact", "personal")


def opened_personal(view: ComplaintView, keyring: Keyring | None) -> dict[str, str] | None:
    """The complainant's name, contact and unit in clear, read through the keyring at this moment
    (the erased marker once they are erased); None for a view of an old event that had them in clear."""
    if not view.personal:
        return None
    return open_personal(SealedPersonal.model_validate(view.personal), keyring).model_dump()


def redacted(data: Any) -> Any:
    """The payload without personal data (complainant, contact, address), for group dashboards."""
    if isinstance(data, dict):
        return {k: ("[personal data]" if k in PERSONAL_FIELDS else redacted(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [redacted(v) for v in data]
    return data


def _why(r: Any) -> Any:
    p = r.payload
    return p.get("explanation") or p.get("explanations") or p.get("reason")


def _valid_period(key: str, kind: str) -> bool:
    try:
        if kind == "week":
            year, week = key.split("-W")
            return len(year) == 4 and 1 <= int(week) <= 53
        datetime.strptime(key, "%Y-%m")
        return True
    except ValueError:
        return False
