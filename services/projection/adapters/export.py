"""Exports: the canonical export (replay equality is judged on its bytes) and evidence packs.

The canonical export is every office's complaints (facts, with the complainant's personal data as
sealed — the ciphertext in each timeline payload is compared, never opened; checks judged at a
given instant, timeline in business-time order with each event's digest), statistics and signals,
as JSON with sorted keys. It leaves out what depends on arrival order — the chain positions and link
hashes, Kafka offsets — so a store rebuilt from the topics exports the same bytes as the live one.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from ..application import ProjectionApplication, history_of
from ..domain.chain import verify_chain
from ..domain.view import ComplaintView


def canonical_export(app: ProjectionApplication, now: datetime, offices: list[str] | None = None) -> bytes:
    app.refresh()
    chosen = sorted(offices) if offices is not None else app.offices()
    data: dict[str, Any] = {"judged_at": now.isoformat(), "policy_version": app.policy.version, "offices": {}}
    signals = [s.as_dict() for s in app.signals(None, now)]
    for office in chosen:
        views = sorted(app.complaints(office, now), key=lambda v: str(v.complaint_id))
        data["offices"][office] = {
            "statistics": app.statistics(office, now),
            "complaints": [
                history_of(app.complaint(v.complaint_id, None), now, app.policy, with_personal_data=True) for v in views
            ],
            "signals": [s for s in signals if s["office_id"] == office],
            "hotline_reports": sorted(r.hotline_reference for r in app.read.hotline_reports(office)),
        }
    if offices is None:
        data["group"] = app.statistics(None, now)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# Evidence packs open the complainant through the keyring when they are made (an erased person:
# the marker): a pack is for the people who need the clear text (docs/privacy.md).
def evidence_for_complaint(app: ProjectionApplication, complaint_id: UUID, now: datetime) -> dict[str, Any]:
    view = app.complaint(complaint_id, None)
    return _pack(app, f"complaint {complaint_id}", [view], now)


def evidence_for_office_week(app: ProjectionApplication, office_id: str, week: str, now: datetime) -> dict[str, Any]:
    views = app.complaints(office_id, now, week=week)
    pack = _pack(app, f"office {office_id}, week {week}", views, now)
    pack["statistics"] = app.statistics(office_id, now, week=week)
    return pack


def _pack(app: ProjectionApplication, subject: str, views: list[ComplaintView], now: datetime) -> dict[str, Any]:
    complaints = []
    office_links = {}
    for listed in views:
        view = app.complaint(listed.complaint_id, None)  # the whole timeline
        entries = sorted(app.read.entries(view.complaint_id), key=lambda e: e["position"])
        complaints.append(
            {
                **history_of(view, now, app.policy, with_personal_data=True, keyring=app.keyring),
                "events": [
                    {
                        "event_id": e["event_id"],
                        "type": e["type"],
                        "event": json.loads(e["event_json"]),
                        "digest": e["digest"],
                        "chain": {k: e[k] for k in ("office_id", "position", "previous", "hash")},
                        "source": {k: e[k] for k in ("topic", "partition", "offset")},
                    }
                    for e in entries
                ],
            }
        )
        office_links[view.office_id] = True
    findings = [f.__dict__ for office in office_links for f in verify_chain(app.read.links(office))]
    return {
        "subject": subject,
        "judged_at": now.isoformat(),
        "policy_version": app.policy.version,
        "hash": "sha256; digest = sha256(canonical event JSON); link = sha256('<previous>:<digest>')",
        "chain_verified": not findings,
        "chain_findings": findings,
        "complaints": complaints,
    }


# What a reader who is not an engineer needs before the tables (the walk-through found none of it said).
HOW_TO_READ = (
    "This pack is the record of {subject} as the group's projection holds it: every event that happened to "
    "the complaint, in order, and the four record rules judged from them at the instant named below.",
    "The four record rules: everything is recorded, everything is handled, everything has a result (with its "
    "reply to the customer) and everything has a return visit. Each row says a step's status: done (in time), "
    "late (done after its time limit), overdue (not done and past its limit: a violation since the time in "
    "'since'), pending (not done, still in time), waiting (not yet owed), waived or not-applicable (not owed, "
    "with why), done-under-extension (done after the limit but within more time a manager approved).",
    "A complaint judged invalid (not established: out of the office's remit, a private dispute, ...) is "
    "recorded, handled by that judgement (its 'handled' row is done when it was judged, the note says why and, "
    "for a person's judgement, who), and its result is the polite explanation replied to the customer the same "
    "day; it owes no return visit. Its state is 'declined' until the explanation is given, then 'explained', "
    "then 'closed'.",
    "Time limits are the SLA service's; a violation names the clock that was breached. A reopened complaint "
    "(the customer was dissatisfied at the return visit) is judged on its latest cycle; earlier cycles stay "
    "in the timeline.",
    "'Hash chain verified' means no event of this office's record was altered, removed, inserted or reordered "
    "since it was recorded: each event's digest is chained to the one before it. BROKEN lists what changed.",
    "All times are UTC. 'Who' is the person (their key or sign-in) or the service that acted; 'caused by' "
    "names the event a service acted on (empty: a person's own act).",
)


def render_html(pack: dict[str, Any]) -> str:
    """The evidence pack as a readable, self-contained HTML report."""
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Evidence: {e(pack['subject'])}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;vertical-align:top}"
        ".violation{background:#fdd}.ok{background:#dfd}code{font-size:11px}</style></head><body>",
        f"<h1>Evidence pack: {e(pack['subject'])}</h1>",
        f"<p>Judged at {e(_utc(pack['judged_at']))}; policy version {pack['policy_version']}. "
        f"Hash chain: <strong>{'verified' if pack['chain_verified'] else 'BROKEN'}</strong>. "
        f"{e(pack['hash'])}</p>",
        "<h2>How to read this pack</h2>",
        *(f"<p>{e(line.format(subject=pack['subject']))}</p>" for line in HOW_TO_READ),
    ]
    if pack["chain_findings"]:
        parts.append(
            "<h2>Chain findings</h2><table><tr><th>kind</th><th>office</th><th>position</th>"
            "<th>event</th><th>detail</th></tr>"
        )
        for f in pack["chain_findings"]:
            parts.append(
                f"<tr class='violation'><td>{e(f['kind'])}</td><td>{e(f['office_id'])}</td>"
                f"<td>{f['position']}</td><td>{e(f['event_id'])}</td><td>{e(f['detail'])}</td></tr>"
            )
        parts.append("</table>")
    if "statistics" in pack:
        s = pack["statistics"]
        parts.append(
            f"<h2>Statistics</h2><p>{s['complaints']} complaints: {s['valid']} valid, "
            f"{s['assisted']} assisted, {s['invalid']} invalid; {s['violations']} violations.</p>"
        )
    for c in pack["complaints"]:
        facts = c["complaint"]
        parts.append(f"<h2>Complaint {e(str(facts['office_reference']))} ({e(facts['complaint_id'])})</h2>")
        parts.append(
            f"<p>Office {e(facts['office_id'])}, no. {facts['sequence_number']}; state "
            f"{e(c['state'])}; {e(str(facts['validity']))}, {e(str(facts['severity']))}, "
            f"{e(str(facts['business_area']))}.</p>"
        )
        parts.append(
            "<table><tr><th>step</th><th>rule</th><th>status</th><th>due</th><th>done</th><th>since</th>"
            "<th>why</th></tr>"
        )
        for check in c["checks"]:
            css = "violation" if check["violation"] else "ok"
            due = _utc(check["due_at"]) + (
                f" (extended to {_utc(check['extended_until'])})" if check.get("extended_until") else ""
            )
            parts.append(
                f"<tr class='{css}'><td>{e(check['step'])}</td><td>{e(check['rule'])}</td>"
                f"<td>{e(check['status'])}</td><td>{e(due)}</td>"
                f"<td>{e(_utc(check['done_at']))}</td><td>{e(_utc(check.get('since')))}</td>"
                f"<td>{e(str(check.get('note') or ''))}</td></tr>"
            )
        parts.append(
            "</table><table><tr><th>when</th><th>what</th><th>who</th><th>caused by</th>"
            "<th>digest</th><th>chain</th></tr>"
        )
        chain = {ev["event_id"]: ev["chain"] for ev in c["events"]}
        said = {t["event_id"]: t["summary"] for t in c["timeline"]}
        for t in c["timeline"]:
            link = chain.get(t["event_id"], {})
            parts.append(
                f"<tr><td>{e(_utc(t['occurred_at']))}</td><td>{e(t['summary'])}<br><code>{e(t['type'])}"
                f"</code></td><td>{e(t['actor']['id'])} ({e(t['actor']['role'])})</td>"
                f"<td>{_cause(t['causation_id'], said)}</td><td><code>{e(t['digest'][:16])}…"
                f"</code></td><td>{e(str(link.get('office_id')))} #{link.get('position')}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _utc(value: object) -> str:
    """An instant as the pack says every time is: UTC, to the second ('2026-11-30T17:23:00Z'). Times an
    office gave (when it received a complaint, and the limits counted from it) keep the office's offset
    in the data (evidence.json keeps them as recorded); a table that says "all times are UTC" showed
    them as '2026-12-01T01:23:00+08:00' beside UTC ones. Anything not an instant is shown as it is."""
    if value is None or value == "":
        return ""
    try:
        instant = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if instant.tzinfo is None:
        return str(value)
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cause(causation_id: str | None, said: dict[str, str]) -> str:
    """The causing event as the timeline says it (its id below), or nothing for a person's own act."""
    if not causation_id:
        return ""
    words = said.get(str(causation_id))
    code = f"<code>{html.escape(str(causation_id))}</code>"
    return f"{html.escape(words)}<br>{code}" if words else code
