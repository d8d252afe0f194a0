"""The iCalendar (RFC 5545) text of a community's calendar, written directly: a handful of
properties, escaped and folded as the RFC requires."""

from __future__ import annotations

from datetime import UTC, date

from django.urls import reverse
from django.utils import timezone

from linli.activities.selectors import CalendarItem
from linli.common.text import clean_text


def _escape(text: str) -> str:
    # Control characters are not allowed in iCalendar text, and a bidi override would show
    # reversed in the phone's calendar: dropped before escaping.
    text = clean_text(text, multiline=True)
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets continue on the next line after a space."""
    out, current = [], ""
    for ch in line:
        limit = 75 if not out else 74
        if len((current + ch).encode("utf-8")) > limit:
            out.append(current)
            current = ch
        else:
            current += ch
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def _utc(value) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_text(*, community, items: dict[date, list[CalendarItem]], base_url: str) -> str:
    base = base_url.rstrip("/")
    stamp = _utc(timezone.now())
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Linli//Activities//ZH",
        "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(community.name)}", "X-WR-TIMEZONE:Asia/Shanghai",
    ]
    for day in sorted(items):
        for item in items[day]:
            kind = "class" if item.is_class else "activity"
            url = base + reverse(item.url_name, kwargs={"uuid": item.uuid})
            lines += [
                "BEGIN:VEVENT",
                f"UID:{kind}-{item.uuid}-{day:%Y%m%d}@linli",
                f"DTSTAMP:{stamp}",
                f"DTSTART:{_utc(item.starts_at)}",
                f"DTEND:{_utc(item.ends_at)}",
                f"SUMMARY:{_escape(item.title)}",
                f"LOCATION:{_escape(item.place)}",
                f"CATEGORIES:{_escape(item.kind_label)}",
                f"URL:{url}",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    folded = [part for line in lines for part in _fold(line)]
    return "\r\n".join(folded) + "\r\n"
