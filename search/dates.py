"""Dates: reading an article's publication date, and the date bounds of a search."""
from __future__ import annotations

import calendar
import datetime as dt
import email.utils
import re

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
_RELATIVE = re.compile(r"^\d{1,6}[dwmy]$")
_REUTERS = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})")
_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


def parse_article_date(text: str) -> dt.date:
    """The UTC calendar day of a date or timestamp as articles write it.

    Accepts ISO 8601 (`2024-10-19`, `2024-10-19T08:30:00+02:00`, `20241019`) and
    RFC 2822 (`Sat, 19 Oct 2024 08:30:00 GMT`). Raises ValueError saying what is wrong.
    """
    value = text.strip()
    if not value:
        raise ValueError("empty date")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            raise ValueError(f"not a date: {value!r} (expected YYYY-MM-DD or an ISO 8601 timestamp)") from None
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(dt.timezone.utc)
        except (OverflowError, ValueError):
            raise ValueError(f"{value!r} falls outside the years 1 to 9999 in UTC") from None
    return parsed.date()


def parse_reuters_date(text: str) -> dt.date:
    """The day of a Reuters-21578 DATE such as ` 26-FEB-1987 15:01:01.79`.

    Only the day is read, so the leading spaces, trailing junk and malformed
    times the corpus has do not matter.
    """
    match = _REUTERS.search(text)
    if not match or match.group(2).lower() not in _MONTHS:
        raise ValueError(f"not a Reuters date: {text.strip()[:40]!r}")
    day, month, year = int(match.group(1)), _MONTHS[match.group(2).lower()], int(match.group(3))
    try:
        return dt.date(year, month, day)
    except ValueError as error:
        raise ValueError(f"impossible date {match.group(0)!r}: {error}") from None


def parse_date_bound(text: str, *, end: bool, today: dt.date | None = None) -> dt.date:
    """The first (or, with `end`, the last) day of a `YYYY`, `YYYY-MM` or `YYYY-MM-DD` value; or the
    day `today`, `yesterday`, or `7d`, `2w`, `3m`, `1y` stand for, counted back from `today` (the
    local date when not given): the first day of that many days, weeks, months or years up to today,
    today included (`7d`: six days ago)."""
    value = text.strip().lower()
    if value in ("today", "yesterday") or _RELATIVE.match(value):
        return _relative_day(value, today or dt.date.today())
    match = _PARTIAL.match(value)
    if not match:
        raise ValueError(f"{text!r} is not a date: use YYYY, YYYY-MM, YYYY-MM-DD, today, yesterday, "
                         "or a count of days, weeks, months or years back (7d, 2w, 3m, 1y)")
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if month is None:
            return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
        if day is None:
            return dt.date(year, month, calendar.monthrange(year, month)[1] if end else 1)
        return dt.date(year, month, day)
    except ValueError as error:
        raise ValueError(f"{text!r} is not a real date: {error}") from None


def _relative_day(value: str, today: dt.date) -> dt.date:
    if value == "today":
        return today
    if value == "yesterday":
        return today - dt.timedelta(days=1)
    count, unit = int(value[:-1]), value[-1]
    if count < 1:
        raise ValueError(f"{value!r} counts no time back; use 1{unit} or more")
    try:
        if unit in "dw":
            return today - dt.timedelta(days=count * (7 if unit == "w" else 1) - 1)
        months = today.year * 12 + today.month - 1 - count * (12 if unit == "y" else 1)
        year, month = divmod(months, 12)
        day = min(today.day, calendar.monthrange(year, month + 1)[1])
        return dt.date(year, month + 1, day) + dt.timedelta(days=1)
    except (ValueError, OverflowError):
        raise ValueError(f"{value!r} reaches back before the year 1") from None


def day_number(day: dt.date | None) -> int:
    """The date as the integer YYYYMMDD (0 for none): sortable, and month = number // 100."""
    return day.year * 10000 + day.month * 100 + day.day if day else 0


def from_day_number(number: int) -> dt.date | None:
    return dt.date(number // 10000, number // 100 % 100, number % 100) if number else None
