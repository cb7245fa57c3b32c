# ruff: noqa: RUF001  (the mails' Chinese sentences, full-width punctuation and all, as Chinese is written)
"""A notification to staff speaks the person's language (the directory's `StaffRecord.language`), names
the office by its name in that language (else its English name, else its id), writes the deadline
and the notification's time in the office's time zone, and keeps the decision's facts: the complaint,
the reason and rule in the deciding service's words, and the events that caused it. Through the real
SMTP server, the directory as its events say it, and the gettext catalogues the worker loads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifier.adapters.contacts import MemoryContacts
from services.notifier.adapters.directory_events import LiveDirectory
from services.notifier.adapters.email import SmtpMailer
from services.notifier.adapters.i18n import LOCALE_DIR, staff_words
from services.notifier.adapters.ledger import MemoryLedger
from services.notifier.adapters.webhook import WebhookPoster
from services.notifier.application import Notifier, Origin
from services.notifier.domain import messages, staff_wording, wording
from services.notifier.domain.directory import Endpoint
from services.notifier.domain.retry import RetryPolicy
from shared.clock import utc_now
from shared.contracts import Actor, derived_id
from shared.contracts.common import Explanation, Severity
from shared.contracts.directory import Contacts, OfficeChanged, OfficeRecord, StaffMemberChanged, StaffRecord
from shared.contracts.intake import ComplaintRegistered, ComplaintRegisteredPayload, RegistrationForm
from shared.contracts.notifications import (
    IncidentNotice,
    NotificationRequested,
    NotificationRequestedPayload,
    Occasion,
    Recipient,
)
from shared.contracts.sla import ClockKind
from shared.personal import clear_form
from tests.support import form

from .support import HOOK_SECRET, HookReceiver, SmtpSink, shown_subject
from .test_application import Letters, wire

ORIGIN = Origin("complaints.notifications", 0, 3)
AT = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)  # 13:00 in Hong Kong
DEADLINE = datetime(2026, 12, 1, 13, 20, tzinfo=UTC)  # 21:20 in Hong Kong
CAUSE = UUID("5a0c861b-56a9-552a-9024-a5f81af933c5")
NAMES = {"en": "Kowloon East office", "zh-Hant": "九龍東管理處", "zh-Hans": "九龙东管理处"}
TRADITIONAL_ONLY = ("時限", "處理", "規則", "時間", "嚴重")  # written otherwise in Simplified Chinese
SIMPLIFIED_ONLY = ("时限", "处理", "规则", "时间", "严重")


def _changed(payload: OfficeRecord | StaffRecord, entity: str) -> OfficeChanged | StaffMemberChanged:
    common = {
        "event_id": uuid4(),
        "entity": entity,
        "change": "created",
        "occurred_at": AT,
        "actor": Actor(id="group/admin", role="admin"),
        "reason": "set up",
    }
    if isinstance(payload, OfficeRecord):
        return OfficeChanged(**common, payload=payload)
    return StaffMemberChanged(**common, payload=payload)


def live_directory(hook_url: str, names: dict[str, str]) -> LiveDirectory:
    """kln-east with its `names`, in Hong Kong's time zone; a leader reading each language and one whose
    language the directory does not say (on a webhook too); the group's company leader in Chinese."""
    live = LiveDirectory({"sms": Endpoint(url=hook_url, secret=HOOK_SECRET)})  # type: ignore[arg-type]
    office = OfficeRecord(
        office_id="kln-east", name="Kowloon East office", names=names, time_zone="Asia/Hong_Kong", units_served=8000
    )
    live.apply(_changed(office, "office:kln-east"))
    people = [("en", "en"), ("hant", "zh-Hant"), ("hans", "zh-Hans"), ("unsaid", None)]
    for who, language in people:
        webhook = "sms" if who == "unsaid" else None
        record = StaffRecord(
            staff_id=f"kln-east/{who}", name=who.title(), office_id="kln-east", roles=["leader"], language=language,
            contacts=Contacts(email=f"{who}@kln-east.test", webhook_endpoint=webhook, phone="+852 9000 0001"),
        )  # fmt: skip
        live.apply(_changed(record, f"staff:kln-east/{who}"))
    ceo = StaffRecord(
        staff_id="group/ceo", name="Chief", office_id=None, roles=["company-leader"], language="zh-Hant",
        contacts=Contacts(email="ceo@group.test"),
    )  # fmt: skip
    live.apply(_changed(ceo, "staff:group/ceo"))
    return live


def breach(occasion: Occasion | None = Occasion.DEADLINE_BREACHED) -> NotificationRequested:
    """The SLA's breach of a clear-answer clock at escalation level 2, as SLA publishes it."""
    complaint = uuid4()
    reason = "clear-answer clock breached (escalation level 2); deadline was 2026-12-01T13:20+00:00"
    return NotificationRequested(
        event_id=derived_id("test-breach", complaint),
        complaint_id=complaint,
        office_id="kln-east",
        occurred_at=AT,
        actor=Actor.system("sla"),
        correlation_id=complaint,
        payload=NotificationRequestedPayload(
            subject=reason,
            severity=Severity.MAJOR,
            level=2,
            recipients=[
                Recipient(role="leader", office_id="kln-east"),
                Recipient(role="company-leader", office_id=None),
            ],
            explanation=Explanation(reason=reason, rule="sla.clear-answer@v1", caused_by=[CAUSE]),
            occasion=occasion,
            clock=ClockKind.CLEAR_ANSWER if occasion else None,
            deadline=DEADLINE if occasion else None,
        ),
    )


def notifier(smtp: SmtpSink, hooks: HookReceiver, names: dict[str, str]) -> Notifier:
    return Notifier(
        directory=live_directory(hooks.url("/sms"), names),
        mailer=SmtpMailer("127.0.0.1", smtp.port),
        poster=WebhookPoster(timeout=2.0),
        ledger=MemoryLedger(),
        dead_letters=Letters(),
        clock=utc_now,
        consumer="notifier-test",
        sender="Complaints <complaints@n.test>",
        mail_domain="n.test",
        policy=RetryPolicy(attempts=2, first_delay=0.05, max_delay=0.1),
        desk_url="http://desk.test:8006",
    )


def _text(mail: Message) -> tuple[str, str]:
    subject = shown_subject(mail)  # as a mail client shows it
    return subject, mail.get_payload(decode=True).decode()


def _by_recipient(smtp: SmtpSink) -> dict[str, tuple[str, str, str]]:
    return {m["To"].split("<")[1].rstrip(">"): (*_text(m), m["Content-Language"]) for m in smtp.messages}


async def test_each_person_reads_the_breach_in_their_language_with_its_facts_intact(
    smtp: SmtpSink, hooks: HookReceiver
) -> None:
    event = breach()
    await notifier(smtp, hooks, NAMES).handle(wire(event), ORIGIN)
    mails = _by_recipient(smtp)
    assert set(mails) == {f"{w}@kln-east.test" for w in ("en", "hant", "hans", "unsaid")} | {"ceo@group.test"}
    expected = {"en@kln-east.test": "en", "hant@kln-east.test": "zh-Hant", "hans@kln-east.test": "zh-Hans",
                "unsaid@kln-east.test": "en", "ceo@group.test": "zh-Hant"}  # fmt: skip
    for address, (subject, body, language) in mails.items():
        assert language == expected[address], address
        # the facts, whatever the language: the complaint and where to open it, the deadline and the
        # time in Hong Kong's time, the reason in the reader's words and the rule in the SLA's, the cause
        assert str(event.complaint_id) in body
        assert f"http://desk.test:8006/complaints/{event.complaint_id}" in body
        assert "2026-12-01 21:20 (UTC+08:00)" in body and "2026-12-01 13:00 (UTC+08:00)" in body
        assert "sla.clear-answer@v1" in body
        assert str(CAUSE) in body and str(event.event_id) in body
        assert NAMES[language] in subject and NAMES[language] in body
    subject, body, _ = mails["en@kln-east.test"]
    assert subject == "[major] The clear answer deadline has passed (escalation level 2) · Kowloon East office"
    assert "Deadline: 2026-12-01 21:20 (UTC+08:00)" in body
    assert (
        "Why: the clear answer deadline has passed (escalation level 2); it was due 2026-12-01 21:20 (UTC+08:00)"
        in body
    )
    assert "You are told as leader of Kowloon East office." in body
    subject, body, _ = mails["hant@kln-east.test"]
    assert subject == "[重大] 「明確答覆」時限已過（第 2 級升級） · 九龍東管理處"
    assert "期限：2026-12-01 21:20 (UTC+08:00)" in body and "管理處：九龍東管理處" in body
    assert "您以九龍東管理處領導的身份收到此通知。" in body
    assert "原因：「明確答覆」時限已過（第 2 級升級）；原定期限 2026-12-01 21:20 (UTC+08:00)" in body
    assert event.payload.explanation.reason not in body  # the SLA's English sentence, said in Chinese
    assert not any(word in subject + body for word in SIMPLIFIED_ONLY)
    subject, body, _ = mails["hans@kln-east.test"]
    assert subject == "[重大] “明确答复”时限已过（第 2 级升级） · 九龙东管理处"
    assert "起因事件：" + str(CAUSE) in body and "严重程度：重大，第 2 级升级" in body
    assert "原因：“明确答复”时限已过（第 2 级升级）；原定期限 2026-12-01 21:20 (UTC+08:00)" in body
    assert not any(word in subject + body for word in TRADITIONAL_ONLY)
    _, body, _ = mails["ceo@group.test"]
    assert "您以集團公司領導的身份收到此通知。" in body  # the group's own staff: told as the group's
    # the webhook of the person whose language is not said: English, like their mail
    [(_path, _headers, raw)] = hooks.to("/sms")
    hook = json.loads(raw)
    assert hook["language"] == "en" and "Kowloon East office" in hook["text"] and str(CAUSE) in hook["text"]
    assert hook["incident"] is None  # a breach tells of no mass incident


async def test_an_office_without_a_name_in_the_language_is_named_in_english_then_by_its_id(
    smtp: SmtpSink, hooks: HookReceiver
) -> None:
    event = breach()
    await notifier(smtp, hooks, {"zh-Hant": "九龍東管理處"}).handle(wire(event), ORIGIN)
    mails = _by_recipient(smtp)
    assert "管理处：Kowloon East office" in mails["hans@kln-east.test"][1]  # no Simplified name: the English one
    assert "管理處：九龍東管理處" in mails["hant@kln-east.test"][1]
    directory = live_directory(hooks.url("/sms"), NAMES)
    assert directory.office_name_for_staff("sz-nowhere", "zh-Hans") == "sz-nowhere"  # never named: its id


async def test_a_notification_published_before_its_occasion_travelled_keeps_the_publishers_subject(
    smtp: SmtpSink, hooks: HookReceiver
) -> None:
    event = breach(occasion=None)
    await notifier(smtp, hooks, NAMES).handle(wire(event), ORIGIN)
    subject, body, language = _by_recipient(smtp)["hant@kln-east.test"]
    assert language == "zh-Hant" and event.payload.subject in subject and "嚴重程度：重大" in body
    assert "期限" not in body  # no deadline travelled: none is made up


def test_a_staff_mail_composed_twice_is_the_same_bytes_in_chinese() -> None:
    words = staff_words()
    event = breach()
    live = live_directory("http://127.0.0.1:9/sms", NAMES)
    [person] = [a for a in live.resolve(event.payload.recipients).addressees if a.staff.id == "kln-east/hans"]
    reader = messages.staff_wording.Reader("zh-Hans", words["zh-Hans"], "九龙东管理处", "Asia/Hong_Kong")
    first = messages.email(event, person, sender="n@n.test", domain="n.test", reader=reader)
    again = messages.email(event, person, sender="n@n.test", domain="n.test", reader=reader)
    assert first.as_bytes() == again.as_bytes()


WORDS = staff_words()


@settings(max_examples=200, deadline=None)
@given(
    language=st.sampled_from(["en", "zh-Hant", "zh-Hans"]),
    occasion=st.sampled_from([*Occasion, None]),
    clock=st.sampled_from(list(ClockKind)),
    level=st.integers(min_value=1, max_value=9),
    fraction=st.floats(min_value=0, max_value=1),
    deadline=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    zone=st.sampled_from([None, "Asia/Hong_Kong", "Asia/Shanghai", "Europe/London"]),
    reason=st.text(min_size=1, max_size=80).filter(lambda t: t.strip() and "\n" not in t and "\r" not in t),
    causes=st.lists(st.uuids(), max_size=3),
    group=st.booleans(),
)
def test_no_language_loses_a_fact_of_the_decision(
    language: str, occasion: Occasion | None, clock: ClockKind, level: int, fraction: float, deadline: datetime,
    zone: str | None, reason: str, causes: list[UUID], group: bool,
) -> None:  # fmt: skip
    """Whatever the language, occasion and office zone: the complaint, the deadline and the time as the
    office reads them, the reason and rule as decided, and every causing event are in the mail's lines."""
    complaint = uuid4()
    event = NotificationRequested(
        event_id=uuid4(), complaint_id=complaint, office_id="kln-east", occurred_at=AT,
        actor=Actor.system("sla"), correlation_id=complaint,
        payload=NotificationRequestedPayload(
            subject=reason, severity=Severity.IMPORTANT, level=level,
            recipients=[Recipient(role="manager", office_id="kln-east")],
            explanation=Explanation(reason=reason, rule="sla.rule@v1", caused_by=causes),
            occasion=occasion, clock=clock, deadline=deadline, fraction=fraction,
        ),
    )  # fmt: skip
    reader = staff_wording.Reader(language, WORDS[language], NAMES[language], zone)
    text = "\n".join(staff_wording.lines(event, ("manager", "auditor"), group, reader, "http://desk"))
    for fact in (str(complaint), wording.local_time(deadline, zone), wording.local_time(AT, zone), reason,
                 "sla.rule@v1", *map(str, causes), NAMES[language], "auditor", str(event.event_id)):  # fmt: skip
        assert fact in text
    assert ("[" + WORDS[language]("important") + "]") in staff_wording.subject(event, reader)


# -- the catalogues ---------------------------------------------------------------------------------


def said_in_the_mails() -> set[str]:
    found = extract_from_dir(
        LOCALE_DIR.parent / "domain", [("**.py", "python")], keywords={"_": None, "N_": None, "gettext": None}
    )
    return {message if isinstance(message, str) else message[0] for _f, _l, message, _c, _x in found}


def _catalogue(path: Path) -> dict[str, str]:
    with path.open("rb") as source:
        return {str(m.id): str(m.string) for m in read_po(source) if m.id}


@pytest.mark.parametrize("locale", ["zh_Hant", "zh_Hans"])
def test_every_word_of_a_staff_mail_is_translated_with_its_placeholders(locale: str) -> None:
    words = said_in_the_mails()
    assert len(words) > 20
    translated = _catalogue(LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po")
    assert not sorted(w for w in words if not translated.get(w)), locale

    def placeholders(text: str) -> set[str]:
        return {part.split(")", 1)[0] for part in text.split("%(")[1:]}

    assert all(placeholders(w) == placeholders(translated[w]) for w in words)


def test_the_template_of_the_catalogues_is_current() -> None:
    assert set(_catalogue(LOCALE_DIR / "messages.pot")) == said_in_the_mails()
    assert not list(LOCALE_DIR.rglob("*.mo"))  # compiled in memory when the worker starts


# -- the complaint as staff know it; a severity nobody judged ----------------------------------------


def _registered_for(event: NotificationRequested, reference: str = "R-731", number: int = 42) -> ComplaintRegistered:
    """Intake's registration of the notification's complaint (office reference R-731, number 42)."""
    data = form(reference, complainant={"name": "Chan Tai Man", "contact": "chan@mail.test"})
    return ComplaintRegistered(
        event_id=derived_id("test-registered", event.complaint_id), complaint_id=event.complaint_id,
        office_id="kln-east", occurred_at=AT, actor=Actor(id="kln-east/reception", role="receptionist"),
        correlation_id=event.complaint_id,
        payload=ComplaintRegisteredPayload(
            sequence_number=number, form=clear_form(RegistrationForm.model_validate(data)), registered_at=AT
        ),
    )  # fmt: skip


async def test_staff_read_the_complaint_by_its_office_reference_in_their_language_with_its_page(
    smtp: SmtpSink, hooks: HookReceiver
) -> None:
    """The reference is intake's (read from its registration, kept with the contacts): each mail names
    the complaint as the desk shows it, the office by its name in the reader's language; the id stays."""
    event = breach()
    service = notifier(smtp, hooks, NAMES)
    service.contacts = MemoryContacts()
    await service.receipt(wire(_registered_for(event)), Origin("complaints.intake.events", 0, 1))
    await service.handle(wire(event), ORIGIN)
    mails = _by_recipient(smtp)
    page = f"http://desk.test:8006/complaints/{event.complaint_id}"
    subject, body, _ = mails["en@kln-east.test"]
    assert (
        subject
        == "[major] The clear answer deadline has passed (escalation level 2) · R-731 (Kowloon East office no. 42)"
    )
    assert "Complaint: R-731 (Kowloon East office no. 42)" in body and f"Complaint id: {event.complaint_id}" in body
    assert f"Open it at the desk: {page}" in body
    subject, body, _ = mails["hant@kln-east.test"]
    assert subject.endswith(" · R-731（九龍東管理處第 42 號）") and "投訴：R-731（九龍東管理處第 42 號）" in body
    assert f"投訴識別碼：{event.complaint_id}" in body
    subject, body, _ = mails["hans@kln-east.test"]
    assert subject.endswith(" · R-731（九龙东管理处第 42 号）") and "投诉：R-731（九龙东管理处第 42 号）" in body
    assert all(m["X-Complaint-Reference"] == "R-731" for m in smtp.messages if m["X-Notification-Id"])
    [(_path, _headers, raw)] = hooks.to("/sms")  # the webhook: the reference for machines and in its text
    hook = json.loads(raw)
    assert (hook["office_reference"], hook["sequence_number"], hook["url"]) == ("R-731", 42, page)
    assert "R-731 (Kowloon East office no. 42)" in hook["text"] and page in hook["text"]


async def test_before_the_registration_is_read_a_mail_names_the_complaint_by_its_id_and_page(
    smtp: SmtpSink, hooks: HookReceiver
) -> None:
    event = breach()
    service = notifier(smtp, hooks, NAMES)
    service.contacts = MemoryContacts()
    await service.handle(wire(event), ORIGIN)
    subject, body, _ = _by_recipient(smtp)["en@kln-east.test"]
    assert subject.endswith(" · Kowloon East office") and "Complaint: " not in body  # no reference made up
    assert f"Complaint id: {event.complaint_id}" in body and f"/complaints/{event.complaint_id}" in body
    hook = json.loads(hooks.to("/sms")[0][2])
    assert hook["office_reference"] is None and hook["sequence_number"] is None


async def test_a_warning_before_triage_judged_the_complaint_states_no_severity_in_any_language(
    smtp: SmtpSink, hooks: HookReceiver
) -> None:
    """The SLA's hand-over warning before triage's decision travels with no severity: no mail calls
    the complaint minor (or anything else); each says it is being assessed."""
    judged = breach()
    event = judged.model_copy(update={"payload": judged.payload.model_copy(update={"severity": None})})
    await notifier(smtp, hooks, NAMES).handle(wire(event), ORIGIN)
    mails = _by_recipient(smtp)
    said = {
        "en@kln-east.test": "Severity: not judged yet (being assessed), escalation level 2",
        "hant@kln-east.test": "嚴重程度：尚待評定（未經判斷），第 2 級升級",
        "hans@kln-east.test": "严重程度：尚待评定（未经判断），第 2 级升级",
    }
    for address, line in said.items():
        subject, body, language = mails[address]
        assert line in body and not subject.startswith("["), address
        for grade in ("minor", "important", "major"):
            assert f"[{WORDS[language](grade)}]" not in subject and WORDS[language](grade) not in body, address
    assert json.loads(hooks.to("/sms")[0][2])["severity"] is None


@pytest.mark.parametrize("judged", [True, False], ids=["judged", "not-judged"])
async def test_a_warning_names_no_escalation_level_in_any_language(
    smtp: SmtpSink, hooks: HookReceiver, judged: bool
) -> None:
    """A warning (half the time used) escalates nothing: its mail says the severity, or that nobody has
    judged it, and no level; a breach keeps its level (the test above)."""
    made = breach(Occasion.DEADLINE_WARNING)
    payload = made.payload.model_copy(
        update={"level": 1, "fraction": 0.5, "severity": made.payload.severity if judged else None}
    )
    await notifier(smtp, hooks, NAMES).handle(wire(made.model_copy(update={"payload": payload})), ORIGIN)
    mails = _by_recipient(smtp)
    said = {
        "en@kln-east.test": "Severity: major" if judged else "Severity: not judged yet (being assessed)",
        "hant@kln-east.test": "嚴重程度：" + ("重大" if judged else "尚待評定（未經判斷）"),
        "hans@kln-east.test": "严重程度：" + ("重大" if judged else "尚待评定（未经判断）"),
    }
    for address, line in said.items():
        _, body, _ = mails[address]
        [severity_line] = [row for row in body.splitlines() if row.startswith(line[:5])]
        assert severity_line == line, address  # the whole line: no level after it


# -- a mass incident, told once as an incident ---------------------------------------------------------

CLUSTER = UUID("7a3434fb-cefa-5c4c-8554-f34353a37a86")
ANNOUNCED = UUID("0b6f3f7e-2d1b-5d7a-9d55-0f2f1d5bb001")


def incident_notice(members: list[UUID]) -> NotificationRequested:
    """Triage's notice of a water cut at Telford Gardens block 3 to kln-east's leader and the company
    leaders, keyed by its first member, with 40 complaints so far (three of them listed here)."""
    reason = f"mass incident {CLUSTER}: 40 complaints from 38 customers about telford gardens/block 3|water so far"
    return NotificationRequested(
        event_id=derived_id("test-incident", CLUSTER), complaint_id=members[0], office_id="kln-east",
        occurred_at=AT, actor=Actor.system("triage"), causation_id=ANNOUNCED, correlation_id=members[0],
        payload=NotificationRequestedPayload(
            subject="Mass incident at telford gardens/block 3|water: 40 complaints: tell the leaders now",
            severity=Severity.MAJOR, level=1,
            recipients=[Recipient(role="leader", office_id="kln-east"),
                        Recipient(role="company-leader", office_id=None)],
            explanation=Explanation(reason=reason, rule="escalation.mass-incident@v1", caused_by=[ANNOUNCED, CAUSE]),
            occasion=Occasion.MASS_INCIDENT,
            incident=IncidentNotice(
                cluster_id=CLUSTER, announced_by=ANNOUNCED, incident_key="telford gardens/block 3|water",
                complaints=40, customers=38, offices=["hk-central", "kln-east"], member_complaint_ids=members,
            ),
        ),
    )  # fmt: skip


async def test_a_mass_incident_is_told_as_an_incident_with_its_count_place_offices_and_complaints(
    smtp: SmtpSink, hooks: HookReceiver
) -> None:
    """One mail per person for the whole incident, saying in their language that it is a mass incident,
    how many complaints so far, where and of what, its offices by their names and its complaints as staff
    know them (by id where the registration is not read here), and the announcement that caused it."""
    members = [uuid4(), uuid4(), uuid4()]
    event = incident_notice(members)
    service = notifier(smtp, hooks, NAMES)
    service.contacts = MemoryContacts()
    for member, (reference, number) in zip(members, [("R-731", 42), ("R-732", 43)], strict=False):
        registration = _registered_for(event.model_copy(update={"complaint_id": member}), reference, number)
        await service.receipt(wire(registration), Origin("complaints.intake.events", 0, 1))
    await service.handle(wire(event), ORIGIN)
    mails = _by_recipient(smtp)
    told = [m["To"] for m in smtp.messages if m["X-Notification-Id"]]  # (the others: the receipts)
    assert len(told) == len(set(told)) == 5  # each person once, for the 40 complaints
    subject, body, _ = mails["en@kln-east.test"]
    assert subject == (
        "[major] A mass incident: 40 complaints about water supply at telford gardens/block 3 so far"
        " · R-731 (Kowloon East office no. 42)"
    )
    assert f"Mass incident: telford gardens/block 3|water ({CLUSTER})" in body
    assert "Complaints so far: 40, from 38 customers" in body
    assert "Offices: hk-central, Kowloon East office" in body  # hk-central is not in this directory: its id
    assert (
        f"Its complaints: R-731 (Kowloon East office no. 42), R-732 (Kowloon East office no. 43), {members[2]}" in body
    )
    assert f"Announced by event {ANNOUNCED}." in body and f"Caused by: {ANNOUNCED}, {CAUSE}" in body
    subject, body, _ = mails["hant@kln-east.test"]
    assert subject.startswith("[重大] 群體事件：telford gardens/block 3的供水至今已有 40 宗投訴 · R-731")
    assert "至今投訴：40 宗，來自 38 位客戶" in body and "涉及管理處：hk-central, 九龍東管理處" in body
    assert "所涉投訴：R-731（九龍東管理處第 42 號）, R-732（九龍東管理處第 43 號）" in body
    assert f"由事件 {ANNOUNCED} 宣告。" in body
    assert not any(word in subject + body for word in SIMPLIFIED_ONLY)
    subject, body, _ = mails["hans@kln-east.test"]
    assert subject.startswith("[重大] 群体事件：telford gardens/block 3的供水至今已有 40 宗投诉 · R-731")
    assert "至今投诉：40 宗，来自 38 位客户" in body and "所涉投诉：R-731（九龙东管理处第 42 号）" in body
    assert not any(word in subject + body for word in TRADITIONAL_ONLY)
    _, body, _ = mails["ceo@group.test"]  # the company leader, in Traditional Chinese, told as the group's
    assert "群體事件：" in body and "您以集團公司領導的身份收到此通知。" in body
    # the webhook's JSON carries the incident itself, as triage told it: no parsing of the text
    [(_, _, hook)] = hooks.to("/sms")
    assert json.loads(hook)["incident"] == {
        "cluster_id": str(CLUSTER), "announced_by": str(ANNOUNCED), "incident_key": "telford gardens/block 3|water",
        "complaints": 40, "customers": 38, "offices": ["hk-central", "kln-east"],
        "member_complaint_ids": [str(member) for member in members],
    }  # fmt: skip


def test_every_facility_of_an_incident_key_has_words_in_every_language() -> None:
    from shared.contracts.facilities import FACILITIES

    assert {f.name for f in FACILITIES} <= set(staff_wording.FACILITIES)
    for language in ("zh-Hant", "zh-Hans"):
        assert all(WORDS[language](w) != w for w in staff_wording.FACILITIES.values())


# -- the reason in the reader's words: the system's typed sentences; a person's words as written ---------


def _reason_line(event: NotificationRequested, language: str) -> str:
    """The mail's reason line, as the reader in `language` reads it."""
    reader = staff_wording.Reader(language, WORDS[language], NAMES[language], "Asia/Hong_Kong")
    line = staff_wording.why(event, reader)
    assert line in staff_wording.lines(event, ("leader",), False, reader, None)
    return line


def _with_reason(event: NotificationRequested, reason: str, **fields: object) -> NotificationRequested:
    explanation = event.payload.explanation.model_copy(update={"reason": reason})
    return event.model_copy(update={"payload": event.payload.model_copy(update={"explanation": explanation, **fields})})


def test_the_system_s_typed_reasons_are_said_in_the_reader_s_words_a_person_s_as_written() -> None:
    warning = _with_reason(
        breach(Occasion.DEADLINE_WARNING),
        "clear-answer clock: 80% of the allowed time used; deadline 2026-12-01T13:20+00:00"
        " (extended from 2026-12-01T07:01+00:00)",
        fraction=0.8,
        level=1,
    )
    assert _reason_line(warning, "en") == (
        "Why: 80% of the clear answer time allowed is used; due 2026-12-01 21:20 (UTC+08:00)"
        " (extended from 2026-12-01 15:01 (UTC+08:00))"
    )
    assert _reason_line(warning, "zh-Hant") == (
        "原因：「明確答覆」已用去容許時間的 80%；期限 2026-12-01 21:20 (UTC+08:00)"
        "（由 2026-12-01 15:01 (UTC+08:00) 延長）"
    )
    members = [uuid4()]
    told = incident_notice(members)
    said = told.payload.explanation.reason
    assert _reason_line(told, "zh-Hans") == (
        "原因：telford gardens/block 3的供水至今有 38 位客户投诉 40 宗，构成群体事件；"
        "领导只就整宗事件获通知一次，而非每宗投诉各通知一次"
    )
    assert said not in _reason_line(told, "zh-Hans")
    # A person's words (a designated major) and a sentence that disagrees with the fields it would be said
    # from (another level than the notification's) are kept as recorded, labelled so.
    person = "designated major by kln-east/supervisor: 業主立案法團主席，大堂漏水"
    designated = _with_reason(breach(), person, occasion=Occasion.MAJOR_COMPLAINT)
    assert _reason_line(designated, "zh-Hant") == "原因（系統記錄原文）：" + person
    assert _reason_line(designated, "en") == "Why: " + person
    other = "clear-answer clock breached (escalation level 3); deadline was 2026-12-01T13:20+00:00"
    assert _reason_line(_with_reason(breach(), other), "zh-Hant") == "原因（系統記錄原文）：" + other
    assert _reason_line(_with_reason(told, said.replace("40 complaints", "41 complaints")), "en") == (
        "Why: " + said.replace("40 complaints", "41 complaints")
    )


@settings(max_examples=100, deadline=None)
@given(
    language=st.sampled_from(["en", "zh-Hant", "zh-Hans"]),
    occasion=st.sampled_from([*Occasion, None]),
    reason=st.text(min_size=1, max_size=80).filter(lambda t: t.strip() and "\n" not in t and "\r" not in t),
)
def test_a_reason_that_is_not_the_system_s_sentence_is_never_rewritten(
    language: str, occasion: Occasion | None, reason: str
) -> None:
    event = _with_reason(breach(), reason, occasion=occasion)
    assert _reason_line(event, language).endswith("：" + reason if language != "en" else ": " + reason)
