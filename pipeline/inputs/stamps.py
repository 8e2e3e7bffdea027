"""Dates and capture times as records and archives write them, made uniform (ISO 8601)."""

from __future__ import annotations

import datetime as dt
import re

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def calendar_date(value) -> dt.date | None:
    """A date from a record field: a date, a datetime, ``2024-03-05``, ``2024年3月5日``, an epoch."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        stamp = _epoch(value)
        return stamp.date() if stamp else None
    m = _DATE.search(str(value or ""))
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def timestamp(value) -> str | None:
    """ISO 8601 text of a capture time (UTC with ``Z`` when the zone is known), else None."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        stamp = _epoch(value)
    elif isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, dt.date):
        return value.isoformat()
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d{14}", text):  # a WARC/Wayback 14-digit stamp
            text = f"{text[:4]}-{text[4:6]}-{text[6:8]}T{text[8:10]}:{text[10:12]}:{text[12:14]}Z"
        try:
            stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            day = calendar_date(text)
            return day.isoformat() if day else None
    if stamp is None:
        return None
    if stamp.tzinfo is not None:
        return stamp.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    return stamp.isoformat(timespec="seconds")


def _epoch(value: float) -> dt.datetime | None:
    seconds = value / 1000 if value > 1e11 else value  # milliseconds, as JavaScript writes them
    try:
        return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
