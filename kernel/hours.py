"""The agents' working hours: the one rule of when people answer (the bot itself answers 24/7, S11).

The assistant (actions/), the phone line (ivr/), the escalations (agents/) and the widget (web/, through
the assistant's handoff message) all ask this module, so "open now?" and "back when?" have one answer.
Pure standard library (``zoneinfo``; the time-zone data comes from the system or the ``tzdata`` package).

Settings (documented defaults in .env.example)::

    AGENTS_HOURS     "mon-fri 08:00-18:00"   groups separated by ";" or ",": <days> <HH:MM>-<HH:MM>;
                                             days: mon tue wed thu fri sat sun, ranges (mon-fri),
                                             lists (mon,wed); a closing time of 24:00 is the day's end;
                                             "always": people answer around the clock
    AGENTS_HOLIDAYS  ISO dates, e.g. "2026-12-25,2026-12-26": closed the whole (local) day
    AGENTS_TIMEZONE  "Europe/Budapest"       the hours are wall-clock times there (DST included)

``WorkingHours.from_env(env).status(now)`` says whether people answer now and, when not, the next
opening (an aware datetime in the zone); :func:`describe` words that opening for a person, in
Hungarian or English ("hétfőn 8 órától", "on Monday from 8 am").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Dict, FrozenSet, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DEFAULT_HOLIDAYS", "DEFAULT_HOURS", "DEFAULT_TIMEZONE", "Availability", "HoursError", "WorkingHours",
           "describe", "describe_both"]

DEFAULT_HOURS = "mon-fri 08:00-18:00"
DEFAULT_TIMEZONE = "Europe/Budapest"
# Hungary's public holidays (Mt. 102. § (1)) that fall on a working day, 2026-2027; the rest days of each
# year's bridging decree are added to AGENTS_HOLIDAYS by the operator (docs/agents.md, "Working hours").
DEFAULT_HOLIDAYS = ("2026-01-01,2026-04-03,2026-04-06,2026-05-01,2026-05-25,2026-08-20,2026-10-23,"
                    "2026-12-25,2027-01-01,2027-03-15,2027-03-26,2027-03-29,2027-05-17,2027-08-20,"
                    "2027-11-01")
SEARCH_DAYS = 400  # the next opening is looked for this far ahead (a year of holidays and more)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_GROUP = re.compile(r"^(?P<days>[a-z, \-]+?)\s+(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})$")


class HoursError(ValueError):
    """Working-hours settings that cannot be used; one line per bad value."""


@dataclass(frozen=True)
class Availability:
    """Whether people answer at ``at``; when not, ``back_at`` is the next opening (None: none is set)."""

    at: datetime
    open: bool
    back_at: Optional[datetime]


Interval = Tuple[int, int]  # minutes from local midnight: [start, end), end <= 1440


@dataclass(frozen=True)
class WorkingHours:
    zone: ZoneInfo
    week: Mapping[int, Tuple[Interval, ...]]  # weekday (Monday 0) -> its intervals, sorted
    holidays: FrozenSet[date] = field(default_factory=frozenset)
    always: bool = False

    # ------------------------------------------------------------------ reading the settings

    @classmethod
    def parse(cls, hours: str = DEFAULT_HOURS, holidays: str = DEFAULT_HOLIDAYS,
              zone: str = DEFAULT_TIMEZONE) -> "WorkingHours":
        """The rule from the three settings' texts; raises :class:`HoursError` naming each bad part."""
        errors: list = []
        tz = _zone(zone, errors)
        spec = (hours or "").strip().lower()
        always = spec in ("always", "24/7")
        week: Dict[int, list] = {day: [] for day in range(7)}
        if not always:
            _parse_week(spec, week, errors)
        days_off = _parse_holidays(holidays or "", errors)
        if errors:
            raise HoursError("bad working hours:\n  " + "\n  ".join(errors))
        return cls(zone=tz, week={d: tuple(sorted(v)) for d, v in week.items()}, holidays=days_off, always=always)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "WorkingHours":
        """From AGENTS_HOURS, AGENTS_HOLIDAYS and AGENTS_TIMEZONE (unset or empty: the defaults)."""
        def value(name: str, default: str) -> str:
            text = str(env.get(name) or "").strip()
            return text or default

        try:
            return cls.parse(value("AGENTS_HOURS", DEFAULT_HOURS), value("AGENTS_HOLIDAYS", DEFAULT_HOLIDAYS),
                             value("AGENTS_TIMEZONE", DEFAULT_TIMEZONE))
        except HoursError as exc:  # the same lines, under the variables' names
            lines = str(exc).splitlines()[1:]
            raise HoursError("bad working hours (AGENTS_HOURS, AGENTS_HOLIDAYS, AGENTS_TIMEZONE):\n"
                             + "\n".join(lines)) from None

    # ------------------------------------------------------------------ the rule

    def is_open(self, at: datetime) -> bool:
        """Whether people answer at the instant ``at`` (an aware datetime; naive means UTC)."""
        if self.always:
            return True
        local = _aware(at).astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        second = local.hour * 3600 + local.minute * 60 + local.second
        return any(start * 60 <= second < end * 60 for start, end in self.week[local.weekday()])

    def next_open(self, at: datetime) -> Optional[datetime]:
        """``at`` itself when open, else the first instant after it when people answer again (aware, in
        the zone); None when no opening comes within :data:`SEARCH_DAYS`."""
        at = _aware(at)
        if self.is_open(at):
            return at.astimezone(self.zone)
        first = at.astimezone(self.zone).date()
        for offset in range(SEARCH_DAYS + 1):
            day = first + timedelta(days=offset)
            if day in self.holidays:
                continue
            for start, _end in self.week[day.weekday()]:
                candidate = _instant(day, start, self.zone)
                if candidate > at and self.is_open(candidate):
                    return candidate
        return None

    def status(self, at: datetime) -> Availability:
        """Open now, or when people are back."""
        at = _aware(at)
        if self.is_open(at):
            return Availability(at=at, open=True, back_at=None)
        return Availability(at=at, open=False, back_at=self.next_open(at))


# ---------------------------------------------------------------------- parsing

def _zone(name: str, errors: list) -> ZoneInfo:
    try:
        return ZoneInfo((name or DEFAULT_TIMEZONE).strip())
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(f"time zone: unknown {name!r} (an IANA name such as Europe/Budapest; "
                      "the system's tzdata or the tzdata package must be installed)")
        return ZoneInfo("UTC")


def _minutes(text: str, errors: list, what: str, closing: bool) -> Optional[int]:
    hours, _, minutes = text.partition(":")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > (1440 if closing else 1439):
        errors.append(f"hours: {what} {text!r} is not a time of day (00:00-{'24:00' if closing else '23:59'})")
        return None
    return value


def _days(text: str, errors: list) -> list:
    out: list = []
    for part in (p.strip() for p in text.replace(" ", ",").split(",")):
        if not part:
            continue
        first, dash, last = part.partition("-")
        if first not in DAYS or (dash and last not in DAYS):
            errors.append(f"hours: {part!r} is not a day or a range of days (mon tue wed thu fri sat sun)")
            continue
        start, end = DAYS.index(first), DAYS.index(last) if dash else DAYS.index(first)
        span = range(start, end + 1) if start <= end else list(range(start, 7)) + list(range(0, end + 1))
        out.extend(d for d in span if d not in out)
    return out


def _parse_week(spec: str, week: Dict[int, list], errors: list) -> None:
    # Groups are separated by ";" — or by "," right after a closing time, so that
    # "mon-fri 08:00-18:00, sat 09:00-12:00" reads as two groups and "mon,wed 08:00-12:00" as one.
    groups = [g.strip() for g in re.split(r";|(?<=\d)\s*,", spec) if g.strip()]
    if not groups:
        errors.append("hours: empty (e.g. 'mon-fri 08:00-18:00', or 'always')")
    for group in groups:
        match = _GROUP.match(group)
        if not match:
            errors.append(f"hours: {group!r} is not '<days> HH:MM-HH:MM' (e.g. 'mon-fri 08:00-18:00')")
            continue
        days = _days(match["days"], errors)
        start = _minutes(match["open"], errors, "opening", closing=False)
        end = _minutes(match["close"], errors, "closing", closing=True)
        if start is None or end is None or not days:
            continue
        if end <= start:
            errors.append(f"hours: {group!r} closes before it opens (an interval ends the same day; "
                          "split a night into two groups)")
            continue
        for day in days:
            if any(start < e and s < end for s, e in week[day]):
                errors.append(f"hours: {group!r} overlaps another group on {DAYS[day]}")
            else:
                week[day].append((start, end))


def _parse_holidays(text: str, errors: list) -> FrozenSet[date]:
    out = set()
    for part in (p.strip() for p in re.split(r"[,;\s]+", text)):
        if not part:
            continue
        try:
            out.add(date.fromisoformat(part))
        except ValueError:
            errors.append(f"holidays: {part!r} is not an ISO date (YYYY-MM-DD)")
    return frozenset(out)


def _instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The first instant of ``day`` whose wall-clock time in ``zone`` is ``minute`` past midnight or later.
    A time that occurs twice (the autumn change) is its first occurrence; a time inside the spring
    change's gap never occurs, so the opening is the end of the gap (02:30 on 29 March 2026 in
    Budapest: 03:00 summer time)."""
    wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone)  # fold=0: the first
    real = wall.astimezone(timezone.utc).astimezone(zone)
    if real.replace(tzinfo=None) == wall.replace(tzinfo=None):
        return real
    # In the gap: from the instant the wall time would have had under the later offset, walk forward
    # minute by minute (a gap is an hour or less) to the first one on or after the wall time.
    probe = wall.replace(fold=1).astimezone(timezone.utc)
    for _ in range(24 * 60):
        local = probe.astimezone(zone)
        if local.date() > day or (local.date() == day and local.hour * 60 + local.minute >= minute):
            return local
        probe += timedelta(minutes=1)
    return real


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)


# ---------------------------------------------------------------------- words

HU_DAYS_ON = ("hétfőn", "kedden", "szerdán", "csütörtökön", "pénteken", "szombaton", "vasárnap")
HU_MONTHS = ("január", "február", "március", "április", "május", "június", "július", "augusztus",
             "szeptember", "október", "november", "december")
EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")
# The suffix of a Hungarian day number ("7-én", "2-án", "10-én", "20-án"), by how the number is said.
_HU_DAY_SUFFIX = {1: "én", 2: "án", 3: "án", 4: "én", 5: "én", 6: "án", 7: "én", 8: "án", 9: "én"}


def _hu_day_number(day: int) -> str:
    if day == 1:
        return "1-jén"  # elsején (but 11-én, 21-én: tizenegyedikén, huszonegyedikén)
    if day % 10:
        return f"{day}-{_HU_DAY_SUFFIX[day % 10]}"
    return f"{day}-{'én' if day == 10 else 'án'}"  # tízen; húszan, harmincan


def _hu_time(at: datetime) -> str:
    return f"{at.hour} órától" if at.minute == 0 else f"{at.hour} óra {at.minute} perctől"


def _en_time(at: datetime) -> str:
    hour = at.hour % 12 or 12
    suffix = "am" if at.hour < 12 else "pm"
    if at.hour == 12 and at.minute == 0:
        return "noon"
    return f"{hour} {suffix}" if at.minute == 0 else f"{hour}:{at.minute:02d} {suffix}"


# How an opening is said, per language: today, tomorrow, within a week, later (with its date).
_SAID = {
    "hu": {"today": "ma {clock}", "tomorrow": "holnap {clock}", "week": "{weekday} {clock}",
           "later": "{month} {day}, {weekday} {clock}"},
    "en": {"today": "later today {clock}", "tomorrow": "tomorrow {clock}", "week": "on {weekday} {clock}",
           "later": "on {weekday} {day} {month} {clock}"},
}


def describe(back_at: Optional[datetime], now: datetime, language: str) -> str:
    """When people are back, for a sentence ("Ügyintézőink {} érhetők el." / "Our agents are back {}."):
    "ma 14 órától", "holnap 8 órától", "hétfőn 8 órától" (within a week), "december 28-án, hétfőn 8 órától";
    "later today from 2 pm", "tomorrow from 8 am", "on Monday from 8 am", "on Monday 28 December
    from 8 am". Days are counted in the opening's own time zone. ``back_at`` None: "" (no opening set)."""
    if back_at is None:
        return ""
    zone = back_at.tzinfo or timezone.utc
    ahead = (back_at.date() - _aware(now).astimezone(zone).date()).days
    which = "today" if ahead <= 0 else "tomorrow" if ahead == 1 else "week" if ahead < 7 else "later"
    if language == "en":
        clock = _en_time(back_at)
        words = {"clock": "at noon" if clock == "noon" else f"from {clock}", "weekday": EN_DAYS[back_at.weekday()],
                 "month": EN_MONTHS[back_at.month - 1], "day": str(back_at.day)}
        return _SAID["en"][which].format(**words)
    words = {"clock": _hu_time(back_at), "weekday": HU_DAYS_ON[back_at.weekday()],
             "month": HU_MONTHS[back_at.month - 1], "day": _hu_day_number(back_at.day)}
    return _SAID["hu"][which].format(**words)


def describe_both(back_at: Optional[datetime], now: datetime) -> Dict[str, str]:
    """:func:`describe` in both languages (the widget switches language without asking again)."""
    return {"hu": describe(back_at, now, "hu"), "en": describe(back_at, now, "en")}
