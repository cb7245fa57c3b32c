"""The notifier's failed deliveries for an operator: the fold of its dead letters and the operators'
decisions (pure, hypothesis), the CLI's rules, and the application's retry of one failed delivery
against a real SMTP server and a real HTTP receiver (no broker: a memory ledger)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from services.notifier.adapters.operator_log import RetryDesk, operator_record
from services.notifier.application import Notifier, Origin
from services.notifier.domain import messages
from services.notifier.domain.directory import Channel
from services.notifier.domain.failures import (
    SENT,
    Dismissed,
    OperatorRecord,
    RefusedRecord,
    RetryFinished,
    RetryRequested,
    fold,
    read_record,
    write_record,
)
from services.notifier.entrypoints import operator
from services.notifier.entrypoints.operator import describe, line, retry_refusal
from shared.attention import Refused, dismiss_refusal
from shared.bus.authors import AuthorCheck, signed
from shared.clock import utc_now
from shared.contracts import DeadLetter
from shared.contracts.deadletter import value_digest
from shared.contracts.topics import NOTIFIER_OPERATOR
from shared.contracts.wire import WireMessage
from shared.signing import ServiceSigningKeys
from tests.fixtures.signing import SIGNERS

from .support import HookReceiver, SmtpSink, major
from .test_application import ORIGIN, Letters, notifier, wire

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
LETTER = uuid4()


def letter(at: datetime, error: str = "DeliveryFailed: email to staff 'a/leader-1' (leader): 451 busy") -> DeadLetter:
    return DeadLetter(
        consumer="notifier", origin_topic="complaints.notifications", origin_partition=2, origin_offset=40,
        key="c-1", headers={}, value="{}", value_sha256=value_digest("{}"), value_size=2, value_withheld=None,
        error=error, attempts=5, dead_lettered_at=at,
    )  # fmt: skip


def request(n: int) -> RetryRequested:
    return RetryRequested(
        letter_id=LETTER, request_id=UUID(int=n), origin_topic="complaints.notifications", origin_partition=2,
        origin_offset=40, by="ops/alice", reason="mailbox fixed", at=T0 + timedelta(hours=n),
    )  # fmt: skip


def finished(n: int, outcome: str) -> RetryFinished:
    return RetryFinished(
        letter_id=LETTER, request_id=UUID(int=n), outcome=outcome, at=T0 + timedelta(hours=n, minutes=1)
    )


def test_a_failure_retried_in_vain_then_sent_reads_as_its_history() -> None:
    letters = [(LETTER, letter(T0)), (LETTER, letter(T0)), (LETTER, letter(T0 + timedelta(hours=1, seconds=30)))]
    records: list[OperatorRecord] = [request(1), finished(1, "DeliveryFailed: … 451 busy"), request(2)]
    [failure] = fold(letters, records)
    assert failure.status == "retry pending" and failure.needs_attention
    assert len(failure.failures) == 2 and failure.attempts == 10  # the duplicate publication counts once
    with pytest.raises(Refused, match="already has a retry pending"):
        retry_refusal(failure, "ops/bob", "again")
    [failure] = fold(letters, [*records, finished(2, SENT)])
    assert failure.status == "sent on retry" and not failure.needs_attention
    with pytest.raises(Refused, match="sent on a retry already"):
        retry_refusal(failure, "ops/bob", "again")
    with pytest.raises(Refused, match="nothing left to dismiss"):
        dismiss_refusal(failure, "ops/bob", "done")
    row = line(failure)
    assert row.startswith(f"{LETTER}\tsent on retry\tstaff notification\t") and "2 failure(s), 10 attempt(s)" in row
    shown = describe(failure)
    assert [r["outcome"] for r in shown["retries"]] == ["DeliveryFailed: … 451 busy", SENT]
    assert shown["complaint"] == "c-1" and shown["origin"] == "complaints.notifications[2]@40"


def test_a_dismissal_is_kept_with_who_and_why_and_is_final() -> None:
    dismissal = Dismissed(letter_id=LETTER, by="ops/carol", reason="leader told by phone", at=T0 + timedelta(hours=3))
    [failure] = fold([(LETTER, letter(T0))], [dismissal, dismissal.model_copy(update={"by": "ops/dave"})])
    assert failure.status == "dismissed" and not failure.needs_attention
    assert failure.dismissal is not None and failure.dismissal.by == "ops/carol"
    assert "[dismissed by ops/carol at 2026-11-30T12:00:00+00:00: leader told by phone]" in line(failure)
    with pytest.raises(Refused, match="already dismissed by ops/carol"):
        dismiss_refusal(failure, "ops/dave", "me too")
    with pytest.raises(Refused, match="a dismissal is final"):
        retry_refusal(failure, "ops/dave", "fixed")


def test_only_a_delivery_given_up_on_can_be_retried_and_every_request_says_who_and_why() -> None:
    [unfilled] = fold([(LETTER, letter(T0, "NoRecipient: nobody holds the role 'leader' in office 'a'"))], [])
    with pytest.raises(Refused, match="a NoRecipient letter is not a delivery that failed"):
        retry_refusal(unfilled, "ops/alice", "directory fixed")
    dismiss_refusal(unfilled, "ops/alice", "office closed")  # it may be dismissed
    [failed] = fold([(LETTER, letter(T0))], [])
    with pytest.raises(Refused, match="who"):
        retry_refusal(failed, "", "why")
    with pytest.raises(Refused, match="why"):
        dismiss_refusal(failed, "ops/alice", "  ")
    assert fold([], [request(1)]) == []  # a decision about a letter not seen is no failure


def test_an_operator_record_reads_back_and_nothing_else_reads_as_one() -> None:
    for record in (request(1), finished(1, SENT), Dismissed(letter_id=LETTER, by="a", reason="b", at=T0)):
        assert read_record(write_record(record)) == record
    with pytest.raises(ValueError):
        read_record(b'{"kind": "deleted", "letter_id": "x"}')


# Histories as the topic holds them: each retry's outcome after its request, at-least-once repeats.
@st.composite
def histories(draw: st.DrawFn) -> tuple[list[OperatorRecord], list[str | None]]:
    outcomes = draw(st.lists(st.sampled_from(["DeliveryFailed: 451", SENT, None]), max_size=4))
    if SENT in outcomes:
        outcomes = outcomes[: outcomes.index(SENT) + 1]  # the CLI asks for no retry after a send
    if None in outcomes:
        outcomes = outcomes[: outcomes.index(None) + 1]  # nor while one is pending
    records: list[OperatorRecord] = []
    for n, outcome in enumerate(outcomes):
        records.append(request(n))
        if outcome is not None:
            records.append(finished(n, outcome))
            if draw(st.booleans()):  # a request taken twice: the second finds the delivery sent, or fails again
                records.append(finished(n, SENT if outcome == SENT else outcome))
        if draw(st.booleans()):
            records.append(request(n))  # the CLI's append repeated
    return records, outcomes


@given(histories(), st.randoms(use_true_random=False))
def test_the_fold_depends_on_each_request_s_fate_not_on_repeats_or_where_the_records_landed(
    history: tuple[list[OperatorRecord], list[str | None]], rnd: object
) -> None:
    records, outcomes = history
    shuffled = list(records)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    for order in (records, shuffled):
        [failure] = fold([(LETTER, letter(T0))], order)
        assert [r.outcome for r in failure.retries] == outcomes
        assert failure.needs_attention == (SENT not in outcomes)


# -- the application's retry, against real receivers -------------------------------------------------


async def test_a_failed_webhook_retried_by_an_operator_is_sent_once(smtp: SmtpSink, hooks: HookReceiver) -> None:
    hooks.failing.add("/sms")
    letters = Letters()
    service = notifier(smtp, hooks, letters, attempts=2)
    event = major("office-a", roles=("leader",))
    message = wire(event)
    await service.handle(message, ORIGIN)
    [(_, letter_id)] = letters.letters
    assert letter_id == messages.delivery_id(event.event_id, "office-a/leader-1", Channel.WEBHOOK)
    assert len(hooks.to("/sms")) == 2 and len(smtp.messages) == 2

    await service.handle(message, ORIGIN)  # a redelivery does not retry what was given up on
    assert len(hooks.to("/sms")) == 2

    hooks.failing.discard("/sms")  # the gateway is back; an operator retries
    assert await service.retry(message, ORIGIN, letter_id, service.handle) == SENT
    assert len(hooks.to("/sms")) == 3 and len(smtp.messages) == 2  # that one delivery, nobody else again
    key = messages.delivery_key(event.event_id, "office-a/leader-1", Channel.WEBHOOK)
    assert service.ledger.outcome(key) == SENT
    # The same request taken again (a crash before it was remembered): sent already, nothing sent.
    assert await service.retry(message, ORIGIN, letter_id, service.handle) == SENT
    assert len(hooks.to("/sms")) == 3
    assert service.counts.retries_sent == 2 and len(letters.letters) == 1


async def test_a_retry_that_fails_again_is_a_new_failure_of_the_same_letter(hooks: HookReceiver) -> None:
    with SmtpSink(refuse={"manager@office-a.test"}) as smtp:  # 550: refused for good
        letters = Letters()
        service = notifier(smtp, hooks, letters, attempts=2)
        message = wire(major("office-a", roles=("manager",)))
        await service.handle(message, ORIGIN)
        await _fails_again(service, message, letters)


async def _fails_again(service: Notifier, message: WireMessage, letters: Letters) -> None:
    [(first, letter_id)] = letters.letters
    outcome = await service.retry(message, ORIGIN, letter_id, service.handle)
    assert outcome.startswith("DeliveryFailed: email to staff 'office-a/manager'") and "550" in outcome
    [_, (again, again_id)] = letters.letters
    assert again_id == letter_id and again.dead_lettered_at >= first.dead_lettered_at
    assert service.counts.retries_failed == 1
    # A letter this record does not lead to (another notification's) is not retried: it says why.
    other = await service.retry(message, ORIGIN, uuid4(), service.handle)
    assert other.startswith("not retried: the record no longer asks for this delivery")


# -- the worker's desk: each request taken once, and every way it cannot be says why ----------------


async def test_the_worker_takes_each_retry_request_once_and_says_why_when_it_cannot(hooks: HookReceiver) -> None:
    with SmtpSink() as smtp:
        hooks.failing.add("/sms")
        letters = Letters()
        service = notifier(smtp, hooks, letters, attempts=1)
        event = major("office-a", roles=("leader",))
        original = wire(event)
        await service.handle(original, ORIGIN)
        [(_, letter_id)] = letters.letters
        hooks.failing.discard("/sms")
        on_topic: dict[tuple[str, int, int], WireMessage] = {(ORIGIN.topic, ORIGIN.partition, ORIGIN.offset): original}
        written: list[tuple[OperatorRecord, int]] = []

        async def fetch(topic: str, partition: int, offset: int) -> WireMessage | None:
            if topic == "broken":
                raise ConnectionError("broker away")
            return on_topic.get((topic, partition, offset))

        async def publish(record: OperatorRecord, partition: int) -> None:
            written.append((record, partition))

        desk = RetryDesk(service, {ORIGIN.topic: service.handle, "broken": service.handle}, fetch, publish, utc_now)
        ask = request(1).model_copy(update={"letter_id": letter_id, "origin_partition": 0, "origin_offset": 7})
        here = Origin("complaints.notifier.operator", 0, 3)
        await desk.take(WireMessage(None, write_record(ask), []), here)
        await desk.take(WireMessage(None, write_record(ask), []), here)  # redelivered: taken once
        assert [(r.outcome, p) for r, p in written] == [(SENT, 0)]  # type: ignore[union-attr]
        assert len(hooks.to("/sms")) == 2  # the failed try, then the retry

        outcomes = []
        for n, changes in enumerate(
            [{"origin_offset": 8}, {"origin_topic": "complaints.unknown"}, {"origin_topic": "broken"}], start=2
        ):
            other = request(n).model_copy(update={"letter_id": letter_id, "origin_partition": 0} | changes)
            await desk.take(WireMessage(None, write_record(other), []), here)
            outcomes.append(written[-1][0].outcome)  # type: ignore[union-attr]
        assert outcomes[0] == "not retried: complaints.notifications[0]@8 is no longer on the topic"
        assert outcomes[1].startswith("not retried: this worker does not read complaints.unknown")
        assert outcomes[2] == "not retried: the original record could not be read (ConnectionError: broker away)"
        assert (service.counts.retries_sent, service.counts.retries_failed) == (1, 3)
        # A request older than the ledger's age rule (its `operator-retry/` entry may be forgotten): not
        # taken again, nothing written, nothing tried.
        aged = Origin(here.topic, 0, 4, appended_at=utc_now() - service.age_rule.window - timedelta(minutes=1))
        await desk.take(
            WireMessage(None, write_record(request(9).model_copy(update={"letter_id": letter_id})), []), aged
        )
        assert len(written) == 4 and service.counts.stale == 1
        await desk.take(WireMessage(None, b"not json", []), here)  # not an operator record: skipped
        await desk.take(WireMessage(None, write_record(finished(1, SENT)), []), here)  # outcomes need nothing
        assert len(written) == 4


def test_retry_all_open_asks_for_each_retryable_one_and_says_what_it_leaves_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = [UUID(int=100 + n) for n in range(4)]
    nobody = "NoRecipient: nobody holds the role 'leader' in office 'a'"
    failures = fold(
        [(ids[0], letter(T0)), (ids[1], letter(T0, nobody)), (ids[2], letter(T0)), (ids[3], letter(T0))],
        [
            request(1).model_copy(update={"letter_id": ids[2]}),  # pending
            Dismissed(letter_id=ids[3], by="ops/carol", reason="told by phone", at=T0),
        ],
    )
    asked: list[UUID] = []
    monkeypatch.setattr(operator, "_failures", lambda: failures)
    monkeypatch.setattr(operator, "_ask_retry", lambda failure, by, reason, signer: asked.append(failure.id))
    runner = CliRunner()
    answer = runner.invoke(operator.cli, ["retry", "--all-open", "--by", "ops/alice", "--reason", "relay back"])
    assert answer.exit_code == 0, answer.output
    assert asked == [ids[0]]
    assert f"left out {ids[1]}: only a failed delivery (DeliveryFailed) can be retried" in answer.output
    assert f"left out {ids[2]}: it already has a retry pending" in answer.output
    assert str(ids[3]) not in answer.output  # dismissed: nothing to say
    both = runner.invoke(operator.cli, ["retry", str(ids[0]), "--all-open", "--by", "a", "--reason", "b"])
    neither = runner.invoke(operator.cli, ["retry", "--by", "a", "--reason", "b"])
    assert both.exit_code == neither.exit_code == 2 and "give one id, or --all-open" in neither.output
    assert asked == [ids[0]]


# -- only what the notifier signed counts: the operator topic's records are signed -------------------


def _authors() -> AuthorCheck:
    return AuthorCheck(ServiceSigningKeys([signer.record for signer in SIGNERS.values()]))


def _on_topic(record: OperatorRecord, service: str | None = "notifier") -> WireMessage:
    unsigned = WireMessage(str(record.letter_id).encode(), write_record(record), [])
    return signed(SIGNERS[service], NOTIFIER_OPERATOR.name, unsigned) if service else unsigned


def test_records_the_notifier_did_not_sign_are_shown_and_count_for_nothing() -> None:
    authors = _authors()
    forged_dismissal = Dismissed(letter_id=LETTER, by="mallory", reason="hide it", at=T0)
    forged_outcome = finished(1, SENT)
    altered = _on_topic(request(1))
    altered = WireMessage(altered.key, altered.value.replace(b"mailbox fixed", b"mailbox fixes"), altered.headers)
    found = [
        operator_record(authors, "2@1", _on_topic(request(1))),
        operator_record(authors, "2@2", _on_topic(forged_dismissal, None)),  # unsigned
        operator_record(authors, "2@3", _on_topic(forged_outcome, "intake")),  # another service's key
        operator_record(authors, "2@4", altered),  # signed, then changed
        operator_record(authors, "2@5", WireMessage(None, b"not json", [])),
    ]
    records = [r for r in found if not isinstance(r, RefusedRecord)]
    refused = [r for r in found if isinstance(r, RefusedRecord)]
    assert records == [request(1)] and [r.where for r in refused] == ["2@2", "2@3", "2@4", "2@5"]
    [failure] = fold([(LETTER, letter(T0))], records, refused)
    # the forged dismissal hides nothing, the forged outcome sends nothing: a retry is still pending
    assert failure.dismissal is None and failure.status == "retry pending" and not failure.redriven
    assert len(failure.refused) == 3  # the unreadable one names no letter: `list` shows it on its own
    assert "unsigned record on complaints.notifier.operator" in refused[0].why
    assert "signed by intake" in refused[1].why and "altered" in refused[2].why
    assert "dismissed of" in refused[0].describe() and "'mallory'" in refused[0].describe()
    assert "3 unsigned operator record(s) refused" in line(failure)
    assert len(describe(failure)["refused"]) == 3


async def test_the_worker_takes_a_signed_retry_and_refuses_an_unsigned_or_forged_one(hooks: HookReceiver) -> None:
    with SmtpSink() as smtp:
        hooks.failing.add("/sms")
        letters = Letters()
        service = notifier(smtp, hooks, letters, attempts=1)
        original = wire(major("office-a", roles=("leader",)))
        await service.handle(original, ORIGIN)
        [(_, letter_id)] = letters.letters
        hooks.failing.discard("/sms")
        written: list[tuple[OperatorRecord, int]] = []

        async def fetch(topic: str, partition: int, offset: int) -> WireMessage | None:
            return original if (topic, partition, offset) == (ORIGIN.topic, ORIGIN.partition, ORIGIN.offset) else None

        async def publish(record: OperatorRecord, partition: int) -> None:
            written.append((record, partition))

        desk = RetryDesk(service, {ORIGIN.topic: service.handle}, fetch, publish, utc_now, _authors())
        here = {"letter_id": letter_id, "origin_partition": ORIGIN.partition, "origin_offset": ORIGIN.offset}
        unsigned = _on_topic(request(1).model_copy(update=here), None)
        as_intake = _on_topic(request(2).model_copy(update=here), "intake")
        for n, message in enumerate([unsigned, as_intake, unsigned]):  # the last: the reconciler re-reading it
            await desk.take(message, Origin(NOTIFIER_OPERATOR.name, 0, n % 2))
        assert written == [] and len(hooks.to("/sms")) == 1  # only the first, failed, try: nothing resent
        assert service.counts.operator_refused == 2  # each refused record counted once

        await desk.take(_on_topic(request(3).model_copy(update=here)), Origin(NOTIFIER_OPERATOR.name, 0, 5))
        assert [(r.outcome, p) for r, p in written] == [(SENT, ORIGIN.partition)]  # type: ignore[union-attr]
        assert len(hooks.to("/sms")) == 2 and service.counts.retries_sent == 1
