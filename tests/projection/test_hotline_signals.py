"""Hotline reconciliation in the projection's domain: a call is matched to a registration of its office
exactly (never a reference that merely contains it), and an unregistered call is a signal with its age."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from services.projection.domain.policy import Policy
from services.projection.domain.signals import HotlineReport, hotline_signals, quotes
from services.projection.domain.view import ComplaintView
from tests.projection.scenario import START

POLICY = Policy()  # a day to register a hotline call


def registration(
    reference: str = "KE-0001", office_id: str = "kln-east", description: str = "", request: str = "", at=START
) -> ComplaintView:
    return ComplaintView(
        complaint_id=uuid4(),
        office_id=office_id,
        registered=True,
        sequence_number=1,
        office_reference=reference,
        registered_at=at,
        description=description or "The lift stopped.",
        customer_request=request or "Repair it.",
    )


def report(reference: str, office_id: str = "kln-east", at=START) -> HotlineReport:
    return HotlineReport(f"report-{reference}", office_id, reference, at, f"event-{reference}")


def kinds(signals) -> dict[str, str]:
    return {s.reference: s.kind for s in signals}


def test_hl_1_is_not_registered_by_a_registration_quoting_hl_10() -> None:
    views = [registration("HL-10"), registration(description="Hotline call HL-10, lift stopped.")]
    now = START + timedelta(days=3)

    signals = hotline_signals([report("HL-1"), report("HL-10")], views, now, POLICY)

    assert kinds(signals) == {"HL-1": "hotline-unregistered"}


def test_an_unregistered_call_is_a_signal_with_its_age() -> None:
    now = START + timedelta(days=3, hours=5)

    [signal] = hotline_signals([report("HL-7")], [], now, POLICY)

    assert signal.kind == "hotline-unregistered"
    assert signal.age_hours == 77.0
    assert "3 day(s) 5 hour(s) old" in signal.detail
    assert signal.since == START + POLICY.hotline_registration_within
    assert signal.as_dict()["age_hours"] == 77.0


def test_a_call_is_not_yet_a_signal_within_the_time_to_register_it() -> None:
    assert hotline_signals([report("HL-7")], [], START + timedelta(hours=23), POLICY) == []


def test_a_call_registered_late_says_how_late() -> None:
    late = registration("HL-7", at=START + timedelta(days=2))

    [signal] = hotline_signals([report("HL-7")], [late], START + timedelta(days=3), POLICY)

    assert (signal.kind, signal.complaint_id, signal.age_hours) == (
        "hotline-registered-late",
        str(late.complaint_id),
        48.0,
    )


def test_another_offices_registration_does_not_register_the_call() -> None:
    views = [registration("HL-7", office_id="hk-central")]

    signals = hotline_signals([report("HL-7")], views, START + timedelta(days=2), POLICY)

    assert kinds(signals) == {"HL-7": "hotline-unregistered"}


def test_a_registration_quotes_the_reference_exactly() -> None:
    assert quotes(registration("HL-7"), "HL-7")
    assert quotes(registration("hl-7"), "HL-7")  # letter case aside
    assert quotes(registration(description="Hotline ref:HL-7, lift stopped."), "HL-7")
    assert quotes(registration(request="Call back about HL-7."), "HL-7")
    assert quotes(registration(description="熱線HL-7投訴"), "HL-7")
    assert not quotes(registration("HL-70"), "HL-7")
    assert not quotes(registration(description="see HL-70"), "HL-7")
    assert not quotes(registration(description="see HL-7/2"), "HL-7")
    assert not quotes(registration(description="see XHL-7"), "HL-7")
    assert not quotes(registration(description="see HL-7.5"), "HL-7")


references = st.from_regex(r"[A-Z]{2}-[0-9]{1,4}", fullmatch=True)


@given(references, st.sampled_from(["0", "1", "9", "-2", "/3", ".4", "A"]), st.sampled_from(["", "x ", "(", "熱線"]))
def test_a_longer_reference_never_quotes_a_shorter_one(reference: str, suffix: str, before: str) -> None:
    longer = reference + suffix

    assert not quotes(registration(longer), reference)
    assert not quotes(registration(description=f"{before}{longer} again"), reference)
    assert quotes(registration(description=f"{before}{reference} again"), reference)
