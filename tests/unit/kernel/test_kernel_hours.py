"""kernel.hours: the agents' working hours — open now? back when? — and how the opening is worded.
The bot itself answers 24/7 (S11); only people keep hours."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernel.hours import DEFAULT_HOLIDAYS, DEFAULT_HOURS, HoursError, WorkingHours, describe, describe_both

UTC = timezone.utc
DEFAULT = WorkingHours.from_env({})  # mon-fri 08:00-18:00 Europe/Budapest, Hungary's holidays


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_defaults_are_weekdays_8_to_18_in_budapest_with_the_holidays():
    assert DEFAULT.zone.key == "Europe/Budapest"
    assert DEFAULT.week[0] == ((8 * 60, 18 * 60),) and DEFAULT.week[5] == () and DEFAULT.week[6] == ()
    assert date(2026, 12, 25) in DEFAULT.holidays and len(DEFAULT.holidays) == len(DEFAULT_HOLIDAYS.split(","))


def test_open_during_the_day_in_local_time_not_utc():
    # Wednesday 2 December 2026 (winter: UTC+1): 07:30 UTC is 08:30 in Budapest.
    assert DEFAULT.is_open(utc(2026, 12, 2, 7, 30))
    assert not DEFAULT.is_open(utc(2026, 12, 2, 6, 59))  # 07:59 local
    assert DEFAULT.is_open(utc(2026, 12, 2, 7, 0))  # 08:00 local: open
    status = DEFAULT.status(utc(2026, 12, 2, 3, 0))  # 04:00 local
    assert not status.open and status.back_at == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    assert describe(status.back_at, status.at, "hu") == "ma 8 órától"
    assert describe(status.back_at, status.at, "en") == "later today from 8 am"


def test_the_evening_before_the_weekend_points_at_monday_morning():
    friday_before_close = utc(2026, 12, 4, 16, 59, 59)  # 17:59:59 local
    assert DEFAULT.is_open(friday_before_close)
    closing = utc(2026, 12, 4, 17, 0)  # 18:00 local: closed (the interval is [08:00, 18:00))
    status = DEFAULT.status(closing)
    assert not status.open
    assert status.back_at.astimezone(UTC) == utc(2026, 12, 7, 7, 0)
    assert describe(status.back_at, closing, "hu") == "hétfőn 8 órától"
    assert describe(status.back_at, closing, "en") == "on Monday from 8 am"


def test_weekends_are_closed_and_the_next_day_is_tomorrow():
    assert not DEFAULT.is_open(utc(2026, 12, 5, 11, 0)) and not DEFAULT.is_open(utc(2026, 12, 6, 11, 0))
    sunday_evening = utc(2026, 12, 6, 20, 0)
    back = DEFAULT.next_open(sunday_evening)
    assert describe(back, sunday_evening, "hu") == "holnap 8 órától"
    assert describe(back, sunday_evening, "en") == "tomorrow from 8 am"


def test_a_holiday_is_closed_all_day_and_the_evening_before_skips_it():
    assert not DEFAULT.is_open(utc(2026, 12, 25, 10, 0))  # Christmas Day, a Friday
    thursday_evening = utc(2026, 12, 24, 17, 30)  # 18:30 local
    back = DEFAULT.next_open(thursday_evening)
    assert back.date() == date(2026, 12, 28) and (back.hour, back.minute) == (8, 0)
    # Good Friday and Easter Monday 2026: from Thursday evening to Tuesday.
    back = DEFAULT.next_open(utc(2026, 4, 2, 17, 0))
    assert back.date() == date(2026, 4, 7)


def test_a_long_closure_is_worded_with_its_date():
    hours = WorkingHours.parse("mon-fri 08:00-18:00", "2026-12-24,2026-12-25,2026-12-28,2026-12-29,2026-12-30,"
                               "2026-12-31,2027-01-01", "Europe/Budapest")
    at = utc(2026, 12, 23, 18, 0)
    back = hours.next_open(at)
    assert back.date() == date(2027, 1, 4)
    assert describe(back, at, "hu") == "január 4-én, hétfőn 8 órától"
    assert describe(back, at, "en") == "on Monday 4 January from 8 am"
    assert describe_both(back, at) == {"hu": "január 4-én, hétfőn 8 órától", "en": "on Monday 4 January from 8 am"}


def test_spring_forward_monday_opens_at_8_summer_time():
    # DST starts Sunday 29 March 2026: Friday evening's "back at" is Monday 08:00 CEST = 06:00 UTC.
    back = DEFAULT.next_open(utc(2026, 3, 27, 17, 0))
    assert back.astimezone(UTC) == utc(2026, 3, 30, 6, 0) and back.hour == 8
    assert DEFAULT.is_open(utc(2026, 3, 30, 6, 0)) and not DEFAULT.is_open(utc(2026, 3, 30, 5, 59))


def test_fall_back_monday_opens_at_8_winter_time():
    # DST ends Sunday 25 October 2026: Monday 08:00 CET = 07:00 UTC.
    back = DEFAULT.next_open(utc(2026, 10, 23, 17, 0))  # Friday 23 October is a holiday too
    assert back.astimezone(UTC) == utc(2026, 10, 26, 7, 0)
    assert not DEFAULT.is_open(utc(2026, 10, 26, 6, 30))  # 07:30 CET


def test_an_opening_inside_the_spring_gap_is_the_end_of_the_gap():
    hours = WorkingHours.parse("sun 02:30-04:00", "", "Europe/Budapest")
    back = hours.next_open(utc(2026, 3, 28, 20, 0))
    assert back.astimezone(UTC) == utc(2026, 3, 29, 1, 0)  # 03:00 CEST: the first instant past 02:30
    only_in_gap = WorkingHours.parse("sun 02:15-02:45", "", "Europe/Budapest")
    assert only_in_gap.next_open(utc(2026, 3, 28, 20, 0)).date() == date(2026, 4, 5)


def test_an_opening_in_the_repeated_autumn_hour_is_its_first_occurrence():
    hours = WorkingHours.parse("sun 02:30-02:40", "", "Europe/Budapest")
    back = hours.next_open(utc(2026, 10, 24, 20, 0))
    assert back.astimezone(UTC) == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, an hour before 02:30 CET
    assert hours.is_open(utc(2026, 10, 25, 1, 35))  # the second 02:35 (CET) is inside the wall-clock hours too


def test_groups_lists_and_a_lunch_break():
    hours = WorkingHours.parse("mon-thu 08:00-12:00; mon-thu 13:00-16:30, fri 08:00-13:00; sat,sun 10:00-11:00",
                               "", "Europe/Budapest")
    assert hours.week[0] == ((480, 720), (780, 990)) and hours.week[4] == ((480, 780),)
    assert hours.week[5] == hours.week[6] == ((600, 660),)
    lunch = utc(2026, 12, 2, 11, 15)  # 12:15 local
    assert not hours.is_open(lunch)
    back = hours.next_open(lunch)
    assert (back.hour, back.minute) == (13, 0)
    assert describe(back, lunch, "hu") == "ma 13 órától" and describe(back, lunch, "en") == "later today from 1 pm"
    half_past = hours.next_open(utc(2026, 12, 2, 15, 45))  # Wednesday 16:45 local -> Thursday 08:00
    assert describe(half_past, utc(2026, 12, 2, 15, 45), "hu") == "holnap 8 órától"
    assert WorkingHours.parse("fri-mon 09:00-10:00", "").week[6] == ((540, 600),)  # a range over the week's end


def test_minutes_and_noon_are_worded():
    hours = WorkingHours.parse("mon-fri 08:30-12:00; mon-fri 12:00-12:30", "", "UTC")
    at = utc(2026, 12, 1, 5, 0)
    assert describe(hours.next_open(at), at, "hu") == "ma 8 óra 30 perctől"
    assert describe(hours.next_open(at), at, "en") == "later today from 8:30 am"
    noon = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert describe(noon, at, "en") == "later today at noon" and describe(noon, at, "hu") == "ma 12 órától"


@pytest.mark.parametrize("day,words", [(1, "1-jén"), (2, "2-án"), (3, "3-án"), (4, "4-én"), (5, "5-én"),
                                       (6, "6-án"), (7, "7-én"), (8, "8-án"), (9, "9-én"), (10, "10-én"),
                                       (11, "11-én"), (13, "13-án"), (20, "20-án"), (21, "21-én"), (30, "30-án")])
def test_hungarian_day_numbers_take_the_suffix_they_are_said_with(day, words):
    at = datetime(2027, 3, day, 8, 0, tzinfo=UTC)
    assert describe(at, at - timedelta(days=10), "hu").startswith(f"március {words}, ")


def test_always_is_open_around_the_clock():
    hours = WorkingHours.from_env({"AGENTS_HOURS": "always", "AGENTS_HOLIDAYS": "2026-12-25"})
    assert hours.is_open(utc(2026, 12, 25, 3, 0)) and hours.status(utc(2026, 12, 6, 23, 0)).open


@pytest.mark.parametrize("env,named", [
    ({"AGENTS_HOURS": "mon-fry 08:00-18:00"}, "'mon-fry' is not a day"),
    ({"AGENTS_HOURS": "mon-fri 18:00-08:00"}, "closes before it opens"),
    ({"AGENTS_HOURS": "mon-fri 08:00-24:30"}, "not a time of day"),
    ({"AGENTS_HOURS": "weekdays"}, "is not '<days> HH:MM-HH:MM'"),
    ({"AGENTS_HOURS": "mon 08:00-12:00; mon 11:00-13:00"}, "overlaps"),
    ({"AGENTS_HOLIDAYS": "2026-12-25,25/12/2026"}, "'25/12/2026' is not an ISO date"),
    ({"AGENTS_TIMEZONE": "Europe/Budapset"}, "unknown 'Europe/Budapset'"),
])
def test_bad_settings_are_named(env, named):
    with pytest.raises(HoursError, match="AGENTS_HOURS") as caught:
        WorkingHours.from_env(env)
    assert named in str(caught.value)


def test_env_example_documents_exactly_the_defaults():
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[3]
    lines = (root / ".env.example").read_text(encoding="utf-8").splitlines()
    env = dict(line.split("=", 1) for line in lines if line.startswith(("AGENTS_HOURS=", "AGENTS_HOLIDAYS=",
                                                                         "AGENTS_TIMEZONE=")))
    assert env == {"AGENTS_HOURS": DEFAULT_HOURS, "AGENTS_HOLIDAYS": DEFAULT_HOLIDAYS, "AGENTS_TIMEZONE": "Europe/Budapest"}


def test_naive_times_are_utc():
    assert DEFAULT.is_open(datetime(2026, 12, 2, 7, 30)) is DEFAULT.is_open(utc(2026, 12, 2, 7, 30))


instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                        timezones=st.just(UTC))
rules = st.sampled_from([
    DEFAULT,
    WorkingHours.parse("mon-thu 08:00-12:00; mon-thu 13:00-16:30; fri 08:00-13:00", DEFAULT_HOLIDAYS),
    WorkingHours.parse("sat,sun 02:30-03:30", "", "Europe/Budapest"),  # crosses both DST changes' hours
    WorkingHours.parse("mon-sun 00:00-24:00", "2026-12-24,2026-12-25", "America/New_York"),
])


@settings(max_examples=300, deadline=None)
@given(rules, instants)
def test_back_at_is_open_not_before_now_and_nothing_opens_earlier(hours, at):
    status = hours.status(at)
    assert status.open == hours.is_open(at)
    if status.open:
        assert status.back_at is None
        return
    back = status.back_at
    assert back is not None and back > at and hours.is_open(back)
    # Nothing in between is open: checked at every quarter hour, and just before the opening.
    probe = at
    while probe < back - timedelta(seconds=1):
        assert not hours.is_open(probe), probe
        probe += timedelta(minutes=15)
    assert not hours.is_open(back - timedelta(seconds=1))
    assert describe(back, at, "hu") and describe(back, at, "en")


@settings(max_examples=200, deadline=None)
@given(instants)
def test_holidays_and_weekends_are_never_open_by_default(at):
    local = at.astimezone(DEFAULT.zone)
    if local.date() in DEFAULT.holidays or local.weekday() >= 5:
        assert not DEFAULT.is_open(at)
    else:
        assert DEFAULT.is_open(at) == (8 <= local.hour < 18)
