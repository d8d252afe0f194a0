"""Shared cases for the strict-input tests of each app's API (linli.common.api): what a
date-time, a date, a time of day and a body integer must refuse, and one assertion that the
refusal is a 422 JSON error naming the field and that nothing changed."""

import json

#: Not ISO 8601 date-time text, or outside 2000–2099, or not a real date.
BAD_DATETIMES = [0, "0", 1.5, True, "1970-01-01T00:00:00", "1999-12-31T23:00:00+08:00",
                 "2100-01-01T00:00:00+08:00", "2026-13-01T09:00:00+08:00",
                 "2026-05-01", "tomorrow"]
#: Not YYYY-MM-DD text, outside 2000–2099, or not a real date.
BAD_DATES = [0, "0", 1.5, 20260501, "1970-01-01", "0001-01-01", "2100-01-01", "2026-13-01",
             "2026-02-30", "2026-05-01T09:00:00"]
#: A time of day: HH:MM or HH:MM:SS text only, no offset.
BAD_TIMES = [0, 900, "9", "9:00", "24:00", "09:60", "09:00:00+08:00", "09:00Z", True]
#: A JSON integer only: no text, no booleans, no fractions.
BAD_INTS = ["5", "1", True, False, 1.5, "five", None]


def post(client, method, url, body):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def assert_refused(response, field: str) -> None:
    """422 (or 400) with the JSON error body, and `field` named among the field errors."""
    assert response.status_code in (400, 422), (response.status_code, response.content)
    error = response.json()["error"]
    named = [f["field"].split(".")[-1] for f in error["fields"]]
    assert field in named, (field, error)
    assert error["message"]
