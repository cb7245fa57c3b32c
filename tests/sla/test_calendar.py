"""Office calendars shift deadlines across weekends and holidays; without one, time is calendar time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.sla.domain.calendar import add_time, deadline, end_of_day, point, working_between
from services.sla.domain.clocks import ComplaintClocks
from services.sla.domain.policy import Allowance
from tests.sla.scenario import Story, office_calendar

FRIDAY_5PM = datetime(2026, 11, 6, 17, 0, tzinfo=UTC)
ONE_DAY = Allowance(unit="days", amount=1)
HALF_DAY = Allowance(unit="days", amount=0.5)


def test_without_a_calendar_a_day_is_24_hours_even_over_a_weekend() -> None:
    assert deadline(FRIDAY_5PM, ONE_DAY, None) == FRIDAY_5PM + timedelta(days=1)


def test_a_working_day_received_friday_evening_runs_into_monday() -> None:
    # One hour left on Friday (17-18), seven more from Monday 09:00.
    assert deadline(FRIDAY_5PM, ONE_DAY, office_calendar()) == datetime(2026, 11, 9, 16, 0, tzinfo=UTC)


def test_a_holiday_monday_moves_the_deadline_to_tuesday() -> None:
    calendar = office_calendar(holidays=[date(2026, 11, 9)])
    assert deadline(FRIDAY_5PM, ONE_DAY, calendar) == datetime(2026, 11, 10, 16, 0, tzinfo=UTC)


def test_received_on_saturday_starts_at_monday_opening() -> None:
    saturday = datetime(2026, 11, 7, 11, 0, tzinfo=UTC)
    assert deadline(saturday, HALF_DAY, office_calendar()) == datetime(2026, 11, 9, 13, 0, tzinfo=UTC)
    assert deadline(saturday, Allowance(unit="minutes", amount=10), office_calendar()) == datetime(
        2026, 11, 9, 9, 10, tzinfo=UTC
    )


def test_working_time_is_counted_only_in_working_hours() -> None:
    calendar = office_calendar()
    monday_noon = datetime(2026, 11, 9, 12, 0, tzinfo=UTC)
    assert working_between(FRIDAY_5PM, monday_noon, calendar) == timedelta(hours=4)
    assert add_time(FRIDAY_5PM, timedelta(hours=4), calendar) == monday_noon
    # Half of the working time from Friday 17:00 to Monday 16:00 is 4 hours: Monday 12:00.
    assert point(FRIDAY_5PM, datetime(2026, 11, 9, 16, 0, tzinfo=UTC), 0.5, calendar) == monday_noon


def test_the_same_day_ends_at_the_close_or_the_next_working_close() -> None:
    calendar = office_calendar()
    assert end_of_day(FRIDAY_5PM, calendar, "UTC") == datetime(2026, 11, 6, 18, 0, tzinfo=UTC)
    friday_night = datetime(2026, 11, 6, 20, 0, tzinfo=UTC)
    assert end_of_day(friday_night, calendar, "UTC") == datetime(2026, 11, 9, 18, 0, tzinfo=UTC)
    assert end_of_day(friday_night, None, "UTC") == datetime(2026, 11, 7, 0, 0, tzinfo=UTC)


def test_a_clock_under_an_office_calendar_warns_and_breaches_in_working_time() -> None:
    story = Story(calendar=office_calendar(holidays=[date(2026, 11, 9)]))
    story.registered(FRIDAY_5PM)
    story.triaged("important", at=FRIDAY_5PM + timedelta(minutes=1))
    (started,) = story.of(ComplaintClocks.ClockStarted, "resolution#0")
    assert started.calendar["name"] == "weekdays-9-18"
    tuesday_4pm = datetime(2026, 11, 10, 16, 0, tzinfo=UTC)
    assert started.deadline == tuesday_4pm

    story.tick(datetime(2026, 11, 9, 23, 0, tzinfo=UTC))  # the holiday passes: only Friday's hour counted
    assert story.of(ComplaintClocks.WarningIssued, "resolution#0") == []
    story.tick(tuesday_4pm)
    warnings = story.of(ComplaintClocks.WarningIssued, "resolution#0")
    # 50% = 4 working hours = Friday's 1 + Tuesday 09:00-12:00; 80% = 6.4 h = Tuesday 14:24.
    assert [w.at for w in warnings] == [
        datetime(2026, 11, 10, 12, 0, tzinfo=UTC),
        datetime(2026, 11, 10, 14, 24, tzinfo=UTC),
    ]
    assert [b.at for b in story.of(ComplaintClocks.BreachRecorded, "resolution#0")] == [tuesday_4pm]
