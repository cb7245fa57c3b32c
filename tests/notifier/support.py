"""Real receivers for the notifier's tests: an SMTP server (aiosmtpd) and an HTTP server (stdlib), both
on loopback in threads of the test process, so a worker in another process reaches them too."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from aiosmtpd.controller import Controller

from shared.contracts import Actor, derived_id
from shared.contracts.common import Explanation, Severity
from shared.contracts.intake import ComplaintRegistered, ComplaintRegisteredPayload, RegistrationForm
from shared.contracts.notifications import NotificationRequested, NotificationRequestedPayload, Recipient
from shared.keyring import Keyring
from shared.personal import clear_form, seal_form
from tests.fixtures.ports import free_port
from tests.support import form

HOOK_SECRET = "a-test-secret-of-some-length"


class _Mailbox:
    def __init__(self, refuse: set[str]) -> None:
        self.refuse = refuse
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted"


def shown_subject(mail: Message) -> str:
    """The Subject as a mail client shows it: unfolded and its encoded words decoded, per RFC 5322 and
    RFC 2047 (the modern parser: `email.header.decode_header` drops the space a fold leaves before an
    encoded word)."""
    return str(email.policy.default.header_fetch_parse("Subject", mail["Subject"]))


class SmtpSink:
    """A real SMTP server; `messages` are the parsed emails it accepted."""

    def __init__(self, refuse: set[str] | None = None) -> None:
        self.port = free_port()
        self.mailbox = _Mailbox(refuse or set())
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Message]:
        with self.mailbox.lock:
            return list(self.mailbox.messages)

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


class HookReceiver:
    """A real HTTP server: records every request; paths in `failing` answer 500, `answers` any status;
    a request to a path in `held` waits for `released` before it is answered (a slow recipient)."""

    def __init__(self, failing: set[str] | None = None) -> None:
        self.failing = failing or set()
        self.answers: dict[str, int] = {}
        self.held: set[str] = set()
        self.released = threading.Event()
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append((self.path, dict(self.headers.items()), body))
                if self.path in receiver.held:
                    receiver.released.wait(60)
                status = receiver.answers.get(self.path, 500 if self.path in receiver.failing else 204)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> HookReceiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def to(self, path: str) -> list[tuple[str, dict[str, str], bytes]]:
        return [r for r in list(self.requests) if r[0] == path]


def directory(hooks: HookReceiver | None = None, offices: tuple[str, ...] = ("office-a", "office-b")) -> dict[str, Any]:
    """Two offices, each with a supervisor, two leaders (leader-1 also on a webhook) and a manager;
    a company leader for the group."""
    staff: list[dict[str, Any]] = []
    for office in offices:
        staff += [
            {
                "id": f"{office}/sup",
                "name": "Sup",
                "office_id": office,
                "roles": ["supervisor"],
                "email": f"sup@{office}.test",
            },
            {
                "id": f"{office}/leader-1",
                "name": "Lee One",
                "office_id": office,
                "roles": ["leader"],
                "email": f"leader1@{office}.test",
                "webhook": {"endpoint": "sms", "to": "+85290000001"},
            },
            {
                "id": f"{office}/leader-2",
                "name": "Lee Two",
                "office_id": office,
                "roles": ["leader", "supervisor"],
                "email": f"leader2@{office}.test",
            },
            {
                "id": f"{office}/manager",
                "name": "Man",
                "office_id": office,
                "roles": ["manager"],
                "email": f"manager@{office}.test",
            },
        ]
    staff.append(
        {"id": "group/ceo", "name": "Chief", "office_id": None, "roles": ["company-leader"], "email": "ceo@group.test"}
    )
    url = hooks.url("/sms") if hooks else "http://127.0.0.1:9/sms"
    return {
        "offices": [{"id": o, "name": o.title()} for o in offices],
        "endpoints": {"sms": {"url": url, "secret": HOOK_SECRET}},
        "staff": staff,
    }


def write_directory(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data))
    return path


def major(
    office: str = "office-a",
    roles: tuple[str, ...] = ("leader",),
    complaint_id: UUID | None = None,
    group_roles: tuple[str, ...] = (),
) -> NotificationRequested:
    """A major complaint's notification, as triage publishes it."""
    complaint = complaint_id or uuid4()
    return NotificationRequested(
        event_id=derived_id("test-notification", complaint),
        complaint_id=complaint,
        office_id=office,
        occurred_at=datetime(2026, 11, 29, 8, 30, tzinfo=UTC),
        actor=Actor.system("triage"),
        correlation_id=complaint,
        payload=NotificationRequestedPayload(
            subject=f"Major complaint {complaint} at {office}: tell the leaders now",
            severity=Severity.MAJOR,
            level=1,
            recipients=[Recipient(role=r, office_id=office) for r in roles]
            + [Recipient(role=r, office_id=None) for r in group_roles],
            explanation=Explanation(reason="a safety hazard", rule="severity.major.safety@v1"),
        ),
    )


Predicate = Callable[[Message], bool]


def registered(
    contact: str | None,
    registered_at: datetime | None = None,
    office: str = "office-a",
    keyring: Keyring | None = None,
    name: str = "Chan Tai Man",
    language: str | None = None,
) -> ComplaintRegistered:
    """Intake's ComplaintRegistered for a complainant reached at `contact` (sealed with `keyring` as
    intake seals it; without one, as an event from before sealing reads)."""

    complaint = uuid4()
    at = registered_at or datetime.now(UTC)
    data = form(f"REF-{complaint.hex[:8]}", complainant={"name": name, "contact": contact})
    data |= {"received_at": at.isoformat(), "occurred_at": at.isoformat(), "language": language}
    return ComplaintRegistered(
        event_id=derived_id("test-registered", complaint),
        complaint_id=complaint,
        office_id=office,
        occurred_at=at,
        actor=Actor(id=f"{office}/reception", role="receptionist"),
        correlation_id=complaint,
        payload=ComplaintRegisteredPayload(
            sequence_number=42,
            form=(
                seal_form(RegistrationForm.model_validate(data), keyring, at)
                if keyring is not None
                else clear_form(RegistrationForm.model_validate(data))
            ),
            registered_at=at,
        ),
    )
