"""issue 13: one tenancy matrix that cannot miss an endpoint.

Every route of every service's HTTP app (intake, triage, handling, SLA, follow-up, projection, directory
and the desk; the notifier has none) is read from the app's own `app.routes`, and each must have a rule
in `RULES` below: who may use it (roles, or public, or any signed-in caller) and how it is scoped (one
office's thing, a list filtered to the caller, the caller's own office, or nothing of an office's). A
route added later without a rule fails `test_every_route_has_a_rule`.

Each route is then tried, with a valid request, by every caller: each development key of hk-central's
and kln-east's roles and of the group's (dashboard, auditor, hotline, admin, privacy), each development
user's access token from the real development issuer (deploy/oidc, started as tests/auth does), an
expired token, a token signed by another key under the issuer's name and key id, an unknown key and
no credentials (without node the issuer cannot run: the matrix then tries the keys alone). Its targets
are hk-central's (a complaint, its clock, office, department, staff member, key). Expected:

- no credentials, an unknown key, an expired or forged token: 401 (the desk: back to its sign-in page);
- a caller whose roles the rule does not name, or of another office: 403 or 404, never the data;
- a caller the rule admits: an answer (2xx, or 409 when the case's state does not allow the step);
- in every answer, whatever its status: nothing of hk-central's (its complaint's id and reference, its
  staff, department and key) for another office's caller, and hk-central's complainant's name, phone
  and unit for nobody outside hk-central (group roles see personal data nowhere: docs/privacy.md).

The apps run in this process without a broker (tests/tenancy/system.py carries what relays would).
"""

from __future__ import annotations

import json
import re
import secrets
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from tests.fixtures.oidc import AUDIENCE, OIDC_DIR, DevIssuer
from tests.tenancy.system import ERASABLE, HK_MARKERS, KLN_PERSON, NOW, System, running

ROOT = Path(__file__).resolve().parents[2]
HK, KLN = "hk-central", "kln-east"

# -- who may use what ---------------------------------------------------------------------------------

OFFICE_ROLES = frozenset({"receptionist", "department-staff", "supervisor", "leader", "manager"})
READERS = OFFICE_ROLES | {"group", "auditor"}  # every office role of its own office; the group's readers all
PUBLIC = frozenset({"*public*"})  # no credentials needed (health, metrics, API docs, static pages)
ANY = frozenset({"*any*"})  # any signed-in caller; what they get is filtered (see `scope`)

OFFICE = "office"  # acts on hk-central's thing: another office's caller gets 403/404
LIST = "list"  # lists what the caller may see: filtered, never refused
OWN = "own"  # acts on the caller's own office: needs an office
FORM = "form"  # the desk's empty form: shows nothing, so any session may open it (even one whose credential died)
NONE = "none"  # nothing of an office's (the group's rules and policy, a data subject)


@dataclass(frozen=True)
class Rule:
    who: frozenset[str]
    scope: str
    body: Callable[[Any], Any] | None = None  # the seeded story -> a valid JSON body (or form, on the desk)
    params: dict[str, str] = field(default_factory=dict)


def r(who: frozenset[str] | set[str], scope: str, body: Callable[[Any], Any] | None = None, **params: str) -> Rule:
    return Rule(frozenset(who), scope, body, params)


REASON = {"reason": "tenancy matrix"}
DUE = (NOW + timedelta(days=1)).isoformat()
DEPARTMENT = {"department-staff", "supervisor", "leader"}
REQUESTING = {"department-staff", "supervisor", "leader", "manager"}
AGREEING = {"supervisor", "manager"}


def registration(_: Any) -> dict[str, Any]:
    from tests.support import form

    return form(f"MX-{secrets.token_hex(4)}")


def hotline_call(_: Any) -> dict[str, Any]:
    return {"office_id": HK, "hotline_reference": f"HL-{secrets.token_hex(4)}", "reported_at": NOW.isoformat(),
            "complainant": {"name": "Ho Ka Yan", "contact": "+852 5111 2222"},
            "unit_address": "Flat 1A, Block 9", "summary": "The office did not call back."}  # fmt: skip


CALENDAR = {"name": "office hours", "timezone": "Asia/Hong_Kong",
            "hours": {d: {"start": "09:00", "end": "18:00"} for d in "01234"}, "holidays": []}  # fmt: skip

RULES: dict[tuple[str, str, str], Rule] = {
    # intake
    ("intake", "POST", "/complaints"): r({"receptionist", "supervisor", "manager"}, OWN, registration),
    ("intake", "GET", "/complaints/{complaint_id}"): r(READERS, OFFICE),
    ("intake", "POST", "/privacy/persons/lookup"): r({"privacy"}, NONE, lambda s: ERASABLE),
    ("intake", "POST", "/privacy/persons/{person_id}/erasure"): r({"privacy"}, NONE, lambda s: REASON),
    ("intake", "POST", "/hotline/calls"): r({"hotline"}, NONE, hotline_call),
    # triage
    ("triage", "GET", "/complaints/{complaint_id}/triage"): r(READERS, OFFICE),
    ("triage", "POST", "/complaints/{complaint_id}/triage/{aspect}"): r(
        {"supervisor", "manager", "leader"}, OFFICE, lambda s: {"value": "important", **REASON}
    ),
    ("triage", "GET", "/rules"): r(READERS, NONE),
    # routing's departments for the caller's office (a group key: every office's): the vocabulary, no complaint
    ("triage", "GET", "/departments"): r(READERS, NONE),
    ("triage", "PUT", "/rules"): r({"group"}, NONE, lambda s: {"rules": s.rules, **REASON}),
    # handling
    ("handling", "GET", "/cases/{complaint_id}"): r(READERS, OFFICE),
    ("handling", "POST", "/cases/{complaint_id}/acceptance"): r(DEPARTMENT, OFFICE, lambda s: {}),
    ("handling", "POST", "/cases/{complaint_id}/hand-over"): r(
        DEPARTMENT, OFFICE, lambda s: {"to_department": "engineering", **REASON}
    ),
    ("handling", "POST", "/cases/{complaint_id}/hand-over/acceptance"): r(DEPARTMENT, OFFICE, lambda s: {}),
    ("handling", "POST", "/cases/{complaint_id}/cause"): r(
        DEPARTMENT, OFFICE, lambda s: {"cause": "worn cable", "responsible_person": "the contractor"}
    ),
    ("handling", "POST", "/cases/{complaint_id}/proposal"): r(
        DEPARTMENT, OFFICE, lambda s: {"kind": "repair", "description": "replace the cable"}
    ),
    ("handling", "POST", "/cases/{complaint_id}/approval"): r({"leader"}, OFFICE, lambda s: {"note": "go"}),
    ("handling", "POST", "/cases/{complaint_id}/rejection"): r(
        {"leader"}, OFFICE, lambda s: {"instructions": "cheaper"}
    ),
    ("handling", "POST", "/cases/{complaint_id}/execution"): r(DEPARTMENT, OFFICE, lambda s: {"notes": "done"}),
    ("handling", "POST", "/cases/{complaint_id}/result"): r(
        DEPARTMENT, OFFICE, lambda s: {"result": "fixed", "resolved": True}
    ),
    ("handling", "POST", "/cases/{complaint_id}/progress"): r(DEPARTMENT, OFFICE, lambda s: {"message": "on it"}),
    ("handling", "POST", "/cases/{complaint_id}/commitments"): r(
        DEPARTMENT, OFFICE, lambda s: {"promise": "call back", "due_at": DUE}
    ),
    ("handling", "POST", "/cases/{complaint_id}/commitments/{number}/kept"): r(
        DEPARTMENT, OFFICE, lambda s: {"note": "called back"}
    ),
    # sla
    ("sla", "GET", "/complaints/{complaint_id}/clocks"): r(READERS, OFFICE),
    ("sla", "POST", "/complaints/{complaint_id}/clocks/{clock_key}/extension"): r(
        REQUESTING, OFFICE, lambda s: {"until": (NOW + timedelta(days=3)).isoformat(), **REASON}
    ),
    ("sla", "POST", "/complaints/{complaint_id}/clocks/{clock_key}/extension/decision"): r(
        {"manager"}, OFFICE, lambda s: {"approved": False, **REASON}
    ),
    ("sla", "GET", "/policy"): r(ANY, NONE),
    ("sla", "PUT", "/policy"): r({"group"}, NONE, lambda s: s.policy),
    ("sla", "GET", "/office/calendar"): r(READERS, OFFICE, office_id=HK),
    ("sla", "PUT", "/office/calendar"): r({"manager"}, OWN, lambda s: CALENDAR),
    # follow-up
    ("followup", "POST", "/complaints/{complaint_id}/reply"): r(
        AGREEING, OFFICE, lambda s: {"channel": "phone", "summary": "told them"}
    ),
    ("followup", "POST", "/complaints/{complaint_id}/return-visits"): r(
        {"receptionist", "department-staff", "supervisor", "manager"},
        OFFICE,
        lambda s: {"outcome": "unreachable"},
    ),
    ("followup", "POST", "/complaints/{complaint_id}/close"): r(
        AGREEING,
        OFFICE,
        lambda s: {"cause": "c", "lessons": "l", "improvement": "i", "responsibility": "r"},
    ),
    ("followup", "POST", "/complaints/{complaint_id}/waivers"): r(AGREEING, OFFICE, lambda s: REASON),
    ("followup", "POST", "/complaints/{complaint_id}/waivers/{step}/withdrawal"): r(AGREEING, OFFICE, lambda s: REASON),
    ("followup", "GET", "/complaints/{complaint_id}"): r(READERS, OFFICE),
    # projection (reads only); `office=hk-central` asked explicitly is another office's caller's 403
    ("projection", "GET", "/complaints"): r(READERS, OFFICE, office=HK, q="Chan Tai Man", order="overdue", open="true"),
    ("projection", "GET", "/complaints/{complaint_id}"): r(READERS, OFFICE),
    ("projection", "GET", "/violations"): r(READERS, OFFICE, office=HK),
    ("projection", "GET", "/statistics"): r(READERS, OFFICE, office=HK),
    ("projection", "GET", "/statistics/offices"): r(READERS, LIST),
    ("projection", "GET", "/offices"): r(READERS, LIST, lang="zh-Hant"),
    ("projection", "GET", "/signals"): r(READERS, OFFICE, office=HK),
    ("projection", "GET", "/stream"): r(READERS, LIST, after="0", once="true"),
    ("projection", "GET", "/reports/{period}"): r(READERS, OFFICE, office=HK, week="2026-W45", format="csv"),
    ("projection", "GET", "/privacy/persons/{person_id}/complaints"): r({"privacy"}, NONE),
    ("projection", "GET", "/dashboard"): r(PUBLIC, NONE),
    ("projection", "GET", "/dashboard/"): r(PUBLIC, NONE),
    ("projection", "GET", "/dashboard/static"): r(PUBLIC, NONE),
    # directory: the group's admin changes everything, an office's manager their own office's
    ("directory", "GET", "/offices"): r(ANY, LIST),
    ("directory", "POST", "/offices"): r(
        {"admin"},
        NONE,
        lambda s: {"office_id": "new-office", "name": "New", "time_zone": "UTC", "units_served": 1, **REASON},
    ),
    ("directory", "GET", "/offices/{office_id}"): r({"admin", "group", "auditor", "manager"}, OFFICE),
    ("directory", "PATCH", "/offices/{office_id}"): r({"admin"}, OFFICE, lambda s: {"units_served": 1200, **REASON}),
    ("directory", "GET", "/offices/{office_id}/departments"): r(ANY, LIST),
    ("directory", "GET", "/offices/{office_id}/history"): r({"admin", "group", "auditor", "manager"}, OFFICE),
    ("directory", "GET", "/offices/{office_id}/departments/{code}/history"): r(
        {"admin", "group", "auditor", "manager"}, OFFICE
    ),
    ("directory", "POST", "/offices/{office_id}/departments"): r(
        {"admin", "manager"}, OFFICE, lambda s: {"code": f"d-{secrets.token_hex(3)}", "name": "D", **REASON}
    ),
    ("directory", "PATCH", "/offices/{office_id}/departments/{code}"): r(
        {"admin", "manager"}, OFFICE, lambda s: {"name": "Lifts and escalators", **REASON}
    ),
    ("directory", "GET", "/staff"): r(ANY, LIST),
    ("directory", "POST", "/staff"): r(
        {"admin", "manager"},
        OFFICE,
        lambda s: {
            "staff_id": f"hk-central/new-{secrets.token_hex(3)}",
            "name": "New",
            "office_id": HK,
            "roles": ["receptionist"],
            **REASON,
        },
    ),
    ("directory", "GET", "/staff/{staff_id:path}/history"): r({"admin", "group", "auditor", "manager"}, OFFICE),
    ("directory", "GET", "/staff/{staff_id:path}"): r({"admin", "group", "auditor", "manager"}, OFFICE),
    ("directory", "PATCH", "/staff/{staff_id:path}"): r(
        {"admin", "manager"}, OFFICE, lambda s: {"name": "A", **REASON}
    ),
    ("directory", "GET", "/keys"): r(ANY, LIST),
    ("directory", "POST", "/keys"): r(
        {"admin", "manager"},
        OFFICE,
        lambda s: {"actor_id": s.seeded.hk_staff, "office_id": HK, "roles": ["department-staff"], **REASON},
    ),
    ("directory", "POST", "/keys/{key_id}/rotation"): r({"admin", "manager"}, OFFICE, lambda s: REASON),
    ("directory", "POST", "/keys/{key_id}/revocation"): r({"admin", "manager"}, OFFICE, lambda s: REASON),
    ("directory", "GET", "/keys/{key_id}/history"): r({"admin", "group", "auditor", "manager"}, OFFICE),
    # the desk: pages and forms (form bodies); it adds no power: each call carries the person's credential
    ("desk", "GET", "/"): r(PUBLIC, NONE),
    ("desk", "GET", "/sign-in"): r(PUBLIC, NONE),
    ("desk", "POST", "/sign-in"): r(PUBLIC, NONE, lambda s: {"key": "not-a-key"}),
    ("desk", "GET", "/sign-in/issuer"): r(PUBLIC, NONE),
    ("desk", "GET", "/sign-in/callback"): r(PUBLIC, NONE),
    ("desk", "POST", "/sign-out"): r(PUBLIC, NONE, lambda s: {}),
    ("desk", "GET", "/status/{token}"): r(PUBLIC, NONE),
    ("desk", "GET", "/register"): r(ANY, FORM),
    ("desk", "POST", "/register"): r({"receptionist", "supervisor", "manager"}, OWN, lambda s: desk_registration()),
    ("desk", "GET", "/hotline"): r(ANY, FORM),
    ("desk", "POST", "/hotline"): r({"hotline"}, NONE, lambda s: desk_hotline()),
    ("desk", "GET", "/queue"): r(ANY, LIST, state="all"),
    ("desk", "GET", "/search"): r(ANY, LIST, q="Chan Tai Man"),
    ("desk", "GET", "/complaints/{complaint_id}"): r(READERS, OFFICE),
    ("desk", "POST", "/complaints/{complaint_id}/{name}"): r(DEPARTMENT, OFFICE, lambda s: {"message": "on it"}),
    # a form's address opened as a page: a redirect to the complaint's page (which asks), shows nothing
    ("desk", "GET", "/complaints/{complaint_id}/{name}"): r(PUBLIC, NONE),
    ("desk", "GET", "/admin"): r(ANY, LIST),
    ("desk", "GET", "/privacy"): r(ANY, FORM),
    ("desk", "POST", "/privacy/lookup"): r({"privacy"}, NONE, lambda s: ERASABLE),
    ("desk", "POST", "/privacy/persons/{person_id}/erasure"): r(
        {"privacy"}, NONE, lambda s: {**REASON, "confirm": str(s.seeded.erasable_person)}
    ),
    ("desk", "POST", "/admin/calendar"): r(
        {"manager"}, OWN, lambda s: {"days": "0 1 2 3 4", "start": "09:00", "end": "18:00"}
    ),
    ("desk", "POST", "/admin/{action}"): r(
        {"admin", "manager"},
        OFFICE,
        lambda s: {"office_id": HK, "code": f"d-{secrets.token_hex(3)}", "name": "D", **REASON},
    ),
}
# Every app's own routes: health, metrics, API documents, static files.
COMMON = {
    ("GET", "/health"): r(PUBLIC, NONE),
    ("GET", "/health/live"): r(PUBLIC, NONE),
    ("GET", "/metrics"): r(PUBLIC, NONE),
    ("GET", "/openapi.json"): r(PUBLIC, NONE),
    ("GET", "/docs"): r(PUBLIC, NONE),
    ("GET", "/docs/oauth2-redirect"): r(PUBLIC, NONE),
    ("GET", "/redoc"): r(PUBLIC, NONE),
    ("GET", "/static"): r(PUBLIC, NONE),
}
SERVICES_WITH_APPS = ("intake", "triage", "handling", "sla", "followup", "projection", "directory", "desk")


def desk_registration() -> dict[str, str]:
    local = NOW.astimezone().strftime("%Y-%m-%dT%H:%M")
    return {
        "office_reference": f"MXD-{secrets.token_hex(4)}", "name": "Ho Ka Yan", "contact": "+852 5111 3333",
        "unit_address": "Flat 2B, Block 8", "channel": "phone", "occurred_at": local, "received_at": local,
        "object": "Lift 1", "description": "Stuck.", "customer_request": "Fix it.", "received_by": "Amy",
    }  # fmt: skip


def desk_hotline() -> dict[str, str]:
    local = NOW.astimezone().strftime("%Y-%m-%dT%H:%M")
    return {
        "office_id": HK, "hotline_reference": f"HLD-{secrets.token_hex(4)}", "reported_at": local,
        "name": "Ho Ka Yan", "contact": "+852 5111 4444", "unit_address": "Flat 2B", "summary": "No call back.",
    }  # fmt: skip


# -- the routes, from the apps themselves -------------------------------------------------------------


def routes_of(system: System, service: str) -> list[tuple[str, str]]:
    found = []
    for route in system.app(service).routes:
        if isinstance(route, APIRoute | Route):
            found += [(method, route.path) for method in sorted(route.methods or ()) if method != "HEAD"]
        elif isinstance(route, Mount):
            found.append(("GET", route.path))
        else:  # pragma: no cover - a new kind of route needs thought here
            found.append(("?", repr(route)))
    return found


def rule_of(service: str, method: str, path: str) -> Rule | None:
    return RULES.get((service, method, path)) or COMMON.get((method, path))


# -- who calls ----------------------------------------------------------------------------------------


@dataclass
class Caller:
    name: str
    headers: dict[str, str]
    office: str | None = None
    roles: frozenset[str] = frozenset()
    authenticated: bool = True
    desk_cookie: str | None = None
    csrf: str = ""


@pytest.fixture(scope="module")
def issuer(request: pytest.FixtureRequest) -> DevIssuer | None:
    """The development issuer; None where node is missing: the matrix then runs with keys alone (and
    says so) rather than not at all."""
    try:
        return request.getfixturevalue("dev_issuer")  # type: ignore[no-any-return]
    except pytest.skip.Exception as skipped:
        warnings.warn(f"the tenancy matrix runs without tokens: {skipped}", stacklevel=1)
        return None


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory, issuer: DevIssuer | None) -> Iterator[System]:
    with running(tmp_path_factory.mktemp("tenancy"), issuer.issuer if issuer else None) as running_system:
        group = {"X-Office-Key": running_system.keys["group/dashboard"]}
        running_system.rules = running_system.clients["triage"].get("/rules", headers=group).json()["rules"]
        running_system.policy = running_system.clients["sla"].get("/policy", headers=group).json()
        yield running_system


DESK_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def desk_session(system: System, caller: Caller, data: dict[str, str]) -> None:
    desk = system.clients["desk"]
    answer = desk.post("/sign-in", data=data | {"next": "/queue"})
    cookie = answer.cookies.get("desk_session")
    assert answer.status_code == 303 and cookie, (caller.name, answer.status_code, answer.headers)
    caller.desk_cookie = cookie
    page = desk.get("/register", headers={"Cookie": f"desk_session={cookie}"})
    caller.csrf = DESK_CSRF.search(page.text)[1]  # type: ignore[index]


@pytest.fixture(scope="module")
def callers(system: System, issuer: DevIssuer | None) -> list[Caller]:
    found: list[Caller] = []
    expired: Caller | None = None
    born = time.monotonic()
    if issuer is not None:
        # the expired token first: it lives 2 s, so its desk session is made at once and used after it died
        short = issuer.sign_in(f"{HK}/manager", client_id="complaints-web-short")
        expired = Caller("expired token", {"Authorization": f"Bearer {short}"}, authenticated=False)
        desk_session(system, expired, {"token": short})
    for actor, key in sorted(system.keys.items()):
        if actor.startswith("sz-futian/"):
            continue
        record = next(k for k in json.loads(system.keys_file.read_text()) if k["actor_id"] == actor)
        caller = Caller(f"key {actor}", {"X-Office-Key": key}, record["office_id"], frozenset(record["roles"]))
        desk_session(system, caller, {"key": key})
        found.append(caller)
    if issuer is not None:
        users = {u["sub"]: u for u in json.loads((OIDC_DIR / "users.json").read_text())}
        for user, claims in sorted(users.items()):
            token = issuer.sign_in(user)
            caller = Caller(f"token {user}", {"Authorization": f"Bearer {token}"}, claims.get("office_id"),
                            frozenset(claims["roles"]))  # fmt: skip
            desk_session(system, caller, {"token": token})
            found.append(caller)
        assert {c.name.split(" ", 1)[1] for c in found if c.name.startswith("token")} == set(users)
        forged = forged_token(issuer.issuer, jwt.get_unverified_header(found[-1].headers["Authorization"][7:])["kid"])
        found.append(Caller("forged token", {"Authorization": f"Bearer {forged}"}, authenticated=False))
    time.sleep(max(0.0, 3.1 - (time.monotonic() - born)))
    if expired is not None:
        found.append(expired)
    found.append(Caller("unknown key", {"X-Office-Key": f"ck_{secrets.token_urlsafe(24)}"}, authenticated=False))
    found.append(Caller("no credentials", {}, authenticated=False))
    return found


def forged_token(issuer: str, kid: str) -> str:
    """hk-central's manager as the issuer would say it, with the issuer's key id, signed by another key."""
    now = datetime.now(UTC)
    claims = {"iss": issuer, "aud": AUDIENCE, "sub": f"{HK}/manager", "office_id": HK, "roles": ["manager"],
              "iat": now, "exp": now + timedelta(minutes=10)}  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    return jwt.encode(claims, key, algorithm="ES256", headers={"typ": "at+jwt", "kid": kid})


# -- the expectations ---------------------------------------------------------------------------------


def admitted(rule: Rule, caller: Caller) -> bool:
    if rule.who == PUBLIC:
        return True
    if not caller.authenticated:
        return False
    if rule.who != ANY and not caller.roles & rule.who:
        return False
    if rule.scope == OFFICE:
        return caller.office in (None, HK)
    if rule.scope == OWN:
        return caller.office is not None
    return True


def expected(rule: Rule, caller: Caller) -> set[int]:
    if rule.who == PUBLIC:
        return set(range(200, 400)) | {404, 422, 503}  # anything but a refusal: nothing to refuse
    if not caller.authenticated:
        return {200, 401} if rule.scope == FORM and caller.desk_cookie else {401}
    if admitted(rule, caller):
        return {200, 201, 202, 409}
    return {403, 404}


def markers(system: System, caller: Caller) -> list[str]:
    """What must not be in this caller's answers."""
    seeded = system.seeded
    hk_things = [str(seeded.hk_complaint), "HK-T-1", seeded.hk_staff, seeded.hk_department, seeded.hk_key_id]
    kln_things = [str(seeded.kln_complaint), "KLN-T-1", "kln-east/bob-lam", "kln-lifts"]
    kln_person = [KLN_PERSON["name"], "6555 0101", "Kowloon Bay"]
    out: list[str] = []
    if caller.office != HK:
        out += list(HK_MARKERS)
    if caller.office != KLN:
        out += kln_person
    if not caller.authenticated or caller.office == KLN:
        out += hk_things
    if not caller.authenticated or caller.office == HK:
        out += kln_things
    return out


def target_path(system: System, service: str, path: str) -> str:
    s = system.seeded
    values = {
        "{complaint_id}": str(s.hk_complaint),
        "{person_id}": str(s.erasable_person),
        "{aspect}": "severity",
        "{clock_key}": s.clock_key.replace("#", "%23"),
        "{step}": "return-visit",
        "{period}": "weekly",
        "{office_id}": HK,
        "{code}": s.hk_department,
        "{staff_id:path}": s.hk_staff,
        "{key_id}": s.hk_key_id,
        "{token}": "not-a-status-token",
        "{name}": "progress",
        "{action}": "department",
        "{number}": "0",
    }
    for name, value in values.items():
        path = path.replace(name, value)
    if path in ("/dashboard/static", "/static"):
        path += "/no-such-file.css"
    assert "{" not in path, f"{service} {path}: the matrix has no target for this parameter"
    return path


def desk_outcome(answer: httpx.Response) -> int:
    """The status a desk answer stands for: its own, or the service's it redirects with."""
    if answer.status_code != 303:
        return answer.status_code
    location = unquote_plus(answer.headers["location"])
    if location.startswith("/sign-in"):
        return 401
    problem = re.search(r"problem=.*\[[a-z]+ (\d{3}): ", location)  # the service's words kept for support
    if problem:
        return int(problem[1])
    return 200  # done: back to the page, or to the queue with what was registered


def call(system: System, service: str, method: str, path: str, rule: Rule, caller: Caller) -> tuple[int, str, str]:
    client = system.clients[service]
    url = target_path(system, service, path)
    body = rule.body(system) if rule.body else None
    if service == "desk":
        headers = {"Cookie": f"desk_session={caller.desk_cookie}"} if caller.desk_cookie else {}
        if method == "POST":
            answer = client.post(url, data={**(body or {}), "csrf": caller.csrf}, headers=headers, params=rule.params)
        else:
            answer = client.request(method, url, headers=headers, params=rule.params)
        status = answer.status_code if rule.who == PUBLIC else desk_outcome(answer)
        return status, answer.text, f"{url} {body or ''} {rule.params}"  # a page echoes what was asked
    answer = client.request(method, url, headers=caller.headers, params=rule.params, json=body)
    return answer.status_code, answer.text, f"{url} {json.dumps(body) if body else ''}"


# -- the tests ----------------------------------------------------------------------------------------


def test_every_route_has_a_rule(system: System) -> None:
    apps = sorted(p.parts[-3] for p in (ROOT / "services").glob("*/entrypoints/http.py"))
    assert sorted(SERVICES_WITH_APPS) == apps, "a service's HTTP app is not in the matrix (or one left)"
    assert not (ROOT / "services" / "notifier" / "entrypoints" / "http.py").exists()
    missing = [
        f"{service} {method} {path}"
        for service in SERVICES_WITH_APPS
        for method, path in routes_of(system, service)
        if rule_of(service, method, path) is None
    ]
    assert not missing, f"routes without a tenancy rule (add them to RULES): {missing}"
    stale = [key for key in RULES if (key[1], key[2]) not in routes_of(system, key[0])]
    assert not stale, f"rules for routes that are gone: {stale}"


@pytest.mark.parametrize("service", SERVICES_WITH_APPS)
def test_every_route_with_every_credential(system: System, callers: list[Caller], service: str) -> None:
    problems: list[str] = []
    tried = 0
    for method, path in routes_of(system, service):
        rule = rule_of(service, method, path)
        assert rule is not None, f"{service} {method} {path} has no rule"
        for caller in callers:
            status, text, sent = call(system, service, method, path, rule, caller)
            tried += 1
            if status not in expected(rule, caller):
                problems.append(f"{service} {method} {path} as {caller.name}: {status} (expected "
                                f"{sorted(expected(rule, caller))[:6]}) {text[:160]}")  # fmt: skip
            leaked = [m for m in markers(system, caller) if m and m in text and m not in sent]
            if leaked:
                problems.append(f"{service} {method} {path} as {caller.name}: {status} shows {leaked}")
    assert tried > 0
    assert not problems, f"{len(problems)} of {tried} answers break the rules:\n" + "\n".join(problems[:60])


def test_the_matrix_can_fail(system: System, callers: list[Caller]) -> None:
    """The checks see a leak and a wrong status: hk-central's complaint read with its own key shows its
    complainant and id, which would be a leak for any other caller."""
    owner = next(c for c in callers if c.name == f"key {HK}/reception")
    other = next(c for c in callers if c.name == f"key {KLN}/reception")
    rule = RULES[("intake", "GET", "/complaints/{complaint_id}")]
    status, text, sent = call(system, "intake", "GET", "/complaints/{complaint_id}", rule, owner)
    assert status == 200
    assert [m for m in markers(system, other) if m in text and m not in sent]
    assert 200 not in expected(rule, other) and 401 not in expected(rule, owner)
    # and the markers are there to be leaked: the complaint's own office reads its complainant everywhere
    for service, path in [("intake", "/complaints/{complaint_id}"), ("projection", "/complaints/{complaint_id}")]:
        _, text, _ = call(system, service, "GET", path, RULES[(service, "GET", path)], owner)
        assert all(m in text for m in HK_MARKERS), (service, text[:300])


def test_a_status_link_shows_its_complaint_without_the_complainant(system: System) -> None:
    """The complainant's private link is the only permission the status page asks for: a link is
    forwarded, so the page names no one (docs/privacy.md)."""
    from shared.status_link import status_token
    from tests.tenancy.system import STATUS_SECRET

    token = status_token(system.seeded.hk_complaint, STATUS_SECRET)
    page = system.clients["desk"].get(f"/status/{token}")
    assert page.status_code == 200, page.text[:300]
    assert not [m for m in HK_MARKERS if m in page.text]
