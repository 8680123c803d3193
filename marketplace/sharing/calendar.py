"""An iCalendar (RFC 5545) file for one joined service. No well-kept ics
library is installable here, and one event needs only escaping, folding
and UTC times, so the text is written here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# An event with no end is put in the calendar for an hour.
DEFAULT_LENGTH = timedelta(hours=1)
MAX_OCTETS = 75


@dataclass(frozen=True)
class Event:
    uid: str
    starts_at: datetime
    ends_at: datetime | None
    summary: str
    location: str
    description: str
    url: str
    stamp: datetime
    tentative: bool = False


def utc_stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape(text: str) -> str:
    """TEXT values: backslash, semicolon, comma and newlines are escaped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a leading space; a UTF-8
    character is never cut in two (Chinese is three octets)."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = MAX_OCTETS if not parts else MAX_OCTETS - 1  # the space counts
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def ics_text(event: Event) -> str:
    ends = event.ends_at or event.starts_at + DEFAULT_LENGTH
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Wangtao//Sharing//ZH",
        "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:{event.uid}", f"DTSTAMP:{utc_stamp(event.stamp)}",
        f"DTSTART:{utc_stamp(event.starts_at)}", f"DTEND:{utc_stamp(ends)}",
        f"SUMMARY:{escape(event.summary)}", f"LOCATION:{escape(event.location)}",
        f"DESCRIPTION:{escape(event.description)}", f"URL:{event.url}",
        f"STATUS:{'TENTATIVE' if event.tentative else 'CONFIRMED'}",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
