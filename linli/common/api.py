"""Shared API pieces: the one error body, throttling, role checks, pagination, and the
strict input types every request body uses.

Input rules (one place, used by every app's API):

- Integers in a JSON body are JSON integers (`BodyInt`, `body_int(low, high)`): `"5"`, `5.5`
  and `true` are refused with the field named (`5.0` is the integer 5, as in JSON Schema).
  Booleans in a body are JSON `true`/`false` (pydantic's `StrictBool`), never `0` or `"yes"`.
  A body is a JSON object where one is declared; `null` or a list is refused. Query parameters are text by nature and keep
  `StrictInt` (a string of digits is fine there, a boolean is not).
- Date-times are ISO 8601 strings with a year from 2000 to 2099 (`IsoDateTime`); a naive one
  is read in the community's time zone (Asia/Shanghai). Dates are `YYYY-MM-DD` strings in the
  same range (`IsoDate`). Numbers, bare dates where a time is asked for, and impossible dates
  (month 13) are refused with the field named.
- Times of day (class times, volunteers' weekly availability) are wall-clock times in the
  community's time zone: sent as `HH:MM` or `HH:MM:SS` without an offset, returned as
  `HH:MM:SS`, and declared in the OpenAPI schema as a string with that `pattern`, never as
  `format: time` (RFC 3339's `time` requires an offset, which a weekly "09:00" does not have,
  so what is returned would break what is declared). `WallTime` does this.
- Text goes through `linli.common.text` (`CleanStr`, `NameStr`, `CodeStr`).
"""


import json
import re
import threading
import time
from datetime import date, datetime
from datetime import time as TimeOfDay
from typing import Annotated, Any

from annotated_types import Ge, Le
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.parser import Parser
from ninja.throttling import BaseThrottle
from pydantic import (
    AfterValidator,
    AllowInfNan,
    BeforeValidator,
    PlainSerializer,
    WithJsonSchema,
)

from linli.common.audit import client_ip
from linli.common.exceptions import PermissionDenied
from linli.common.text import clean_name, clean_text, fold_code


class FieldError(Schema):
    field: str
    message: str


class ErrorDetail(Schema):
    code: str
    message: str
    fields: list[FieldError] = []


class Error(Schema):
    """Every error response has this body: `{"error": {"code", "message", "fields"}}`."""

    error: ErrorDetail


def error_body(code: str, message: str, fields: list[dict] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or []}}


#: The error statuses every authenticated operation may answer with.
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 413: Error, 415: Error,
          422: Error, 429: Error}


def reject_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be an integer, not a boolean")
    return value


StrictInt = Annotated[int, BeforeValidator(reject_bool)]


def _iso_date_only(value: Any) -> Any:
    # pydantic's lax mode would read `0` as 1970-01-01; only YYYY-MM-DD text means a date here.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(gettext("must be a date in YYYY-MM-DD form"))
    if not 2000 <= int(value[:4]) <= 2099:
        raise ValueError(gettext("must be a date between the years 2000 and 2099"))
    return value


#: A date in a body or a query: `YYYY-MM-DD` text, years 2000–2099 (stated in the schema as a
#: pattern; the validator accepts every real date in the range and refuses month 13).
IsoDate = Annotated[date, BeforeValidator(_iso_date_only), WithJsonSchema({
    "type": "string", "format": "date",
    "pattern": r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$",
    "description": "YYYY-MM-DD, years 2000–2099"})]


class RateThrottle(BaseThrottle):
    """Requests per client and period, counted in the cache in fixed windows.

    The rate comes from `settings.API_THROTTLE_RATES[scope]` ("60/min", "600/min"; empty
    turns the scope off), read on every request so it can change without a restart (and
    under `override_settings` in tests). ninja's SimpleRateThrottle keeps a list of every
    request time in one cache entry and rewrites it on each request (600 floats for the user
    scope, in a database cache) and keeps per-request state on the shared instance; a counter
    per window is one small `incr`, and the wait is kept per thread.
    """

    scope = ""

    def __init__(self) -> None:
        self._local = threading.local()

    def ident(self, request: HttpRequest) -> str | None:
        """Whom to count, or None to leave this request to another throttle."""
        raise NotImplementedError

    def allow_request(self, request: HttpRequest) -> bool:
        self._local.wait = None
        rate = settings.API_THROTTLE_RATES.get(self.scope)
        ident = self.ident(request) if rate else None
        if ident is None:
            return True
        limit, period = self.parse_rate(rate)
        now = time.time()
        window = int(now // period)
        key = f"throttle:{self.scope}:{ident}:{window}"
        cache.add(key, 0, period + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # the entry expired between add and incr
            cache.set(key, 1, period + 1)
            count = 1
        if count <= limit:
            return True
        self._local.wait = (window + 1) * period - now
        return False

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)

    @staticmethod
    def parse_rate(rate: str) -> tuple[int, int]:
        count, _, unit = rate.partition("/")
        periods = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400,
                   "day": 86400}
        if not count.isascii() or not count.isdigit() or int(count) < 1 or unit not in periods:
            raise ImproperlyConfigured(
                f"API throttle rate {rate!r}: expected <requests>/<s|min|hour|day>, e.g. 60/min")
        return int(count), periods[unit]


class AnonThrottle(RateThrottle):
    """Requests without an account (the few operations open to everyone), per address."""

    scope = "anon"

    def ident(self, request):
        if getattr(request, "auth", None) is not None:
            return None
        return client_ip(request) or "unknown"


class UserThrottle(RateThrottle):
    """Signed-in requests, per account (one account's phone and browser share the budget)."""

    scope = "user"

    def ident(self, request):
        user = getattr(request, "auth", None)
        return str(user.pk) if user is not None else None


class TokenThrottle(RateThrottle):
    """Password exchanges for a token, per address: stricter than anything else, on top of
    the login lockout."""

    scope = "token"

    def ident(self, request):
        return client_ip(request) or "unknown"


def require_roles(request: HttpRequest, *roles: str) -> None:
    from linli.common.audit import audit_record
    from linli.common.models import AuditAction, AuditResult

    user = request.auth
    if not user.has_role(*roles):
        audit_record(action=AuditAction.PERMISSION_DENIED, result=AuditResult.DENIED,
                     actor=user, request=request, reason="role")
        raise PermissionDenied("You do not have permission to do this.")


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: StrictInt = Field(20, ge=1, le=100)
        offset: StrictInt = Field(0, ge=0, le=1_000_000)


def _text_validator(clean):
    from linli.common.exceptions import ValidationError as DomainValidationError

    def validate(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            cleaned = clean(value)
        except DomainValidationError as exc:
            raise ValueError(exc.message) from None
        if value and not cleaned:
            raise ValueError(gettext("must contain visible characters, not only spaces or "
                                     "control characters"))
        return cleaned

    return AfterValidator(validate)


# The OpenAPI schema states what the validators refuse, so a client (and the fuzzer) knows
# that a value of only spaces or control characters, or a name with bidi overrides, is
# invalid: at least one visible character, and for names no U+202A–U+202E / U+2066–U+2069.
_VISIBLE = r"[^\s\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]"
_NO_BIDI = r"[^\u202a-\u202e\u2066-\u2069]*"
_TEXT_SCHEMA = Field(json_schema_extra={"pattern": _VISIBLE})
_NAME_SCHEMA = Field(json_schema_extra={"pattern": f"^{_NO_BIDI}{_VISIBLE}{_NO_BIDI}$"})

#: Single-line text: control characters and bidi marks dropped, ends trimmed
#: (linli.common.text.clean_text). Use with Field(min_length=…, max_length=…) as before.
CleanStr = Annotated[str, _text_validator(clean_text), _TEXT_SCHEMA]
#: Names of people and things: as CleanStr, and bidi overrides refused with a field error.
NameStr = Annotated[str, _text_validator(clean_name), _NAME_SCHEMA]
#: Codes and numbers: NFKC-folded (full-width digits become ASCII), then cleaned.
CodeStr = Annotated[str, _text_validator(fold_code), _TEXT_SCHEMA]


# --- Strict JSON bodies --------------------------------------------------------------------


class BodyRefused(Exception):
    """Raised by StrictJSONParser; ninja wraps it in an HttpError(400) whose cause this is,
    and linli.api answers with this status, code and (translated) message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class StrictJSONParser(Parser):
    """JSON bodies only as `application/json` (or a `+json` type), and only an object where
    the operation declares one: ninja's default parser reads any body as JSON whatever its
    Content-Type, and `[null, null]` then passes as an empty object and changes state."""

    def parse_body(self, request: HttpRequest):
        from ninja.params.models import _HttpRequest  # ninja's stand-in for a form field

        if isinstance(request, _HttpRequest):
            return super().parse_body(request)
        content_type = (request.content_type or "").lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise BodyRefused(415, "unsupported_media_type", gettext(
                "This operation takes a JSON body: send it with Content-Type: "
                "application/json."))
        try:
            data = json.loads(request.body)
        except ValueError:
            raise BodyRefused(400, "invalid_json", gettext(
                "The request body is not valid JSON.")) from None
        # `null` is not an object either: taken as "no body", it passed every optional field's
        # default and changed state (cancel, approve, follow). An optional body is sent as no
        # body at all, which ninja handles before calling the parser.
        if not isinstance(data, dict):
            raise BodyRefused(422, "validation_error", gettext(
                "The request body must be a JSON object ({…}), not a list or a single value."))
        return data


def _json_int(value: Any) -> Any:
    # Query strings are text, JSON is not: in a body, "5" is a mistake, not a number.
    if isinstance(value, (bool, str)):
        raise ValueError(gettext("must be a number"))
    return value


#: An integer in a JSON body: refuses booleans and numbers sent as text ("5"). For a required
#: field `BodyInt = Field(…, ge=…, le=…)` keeps the bounds in the schema; for an optional one
#: use `body_int(low, high) | None`.
BodyInt = Annotated[int, BeforeValidator(_json_int)]


def body_int(low: int, high: int):
    """A JSON-body integer from `low` to `high`: the bounds and the validator in ONE
    Annotated, so `body_int(1, 5) | None` still publishes `minimum`/`maximum` (a bounded
    BodyInt nested in another Annotated lost them, and schema-valid fuzzing failed)."""
    return Annotated[int, Ge(low), Le(high), BeforeValidator(_json_int)]


def body_number(low: float, high: float):
    """A JSON-body number (integer or decimal) from `low` to `high`; text, booleans, NaN and
    infinities refused."""
    return Annotated[float, Ge(low), Le(high), AllowInfNan(False), BeforeValidator(_json_int)]


def _iso_datetime(value: Any) -> Any:
    # pydantic's lax mode reads 0 as 1970-01-01T00:00Z; only ISO 8601 text means a time here.
    if not isinstance(value, str) or not re.fullmatch(
            r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?",
            value.strip()):
        raise ValueError(gettext("must be a date and time in ISO 8601 form, "
                                 "e.g. 2026-05-01T09:00:00+08:00"))
    year = int(value.strip()[:4])
    if not 2000 <= year <= 2099:
        raise ValueError(gettext("must be a date between the years 2000 and 2099"))
    return value


def _aware(value: datetime) -> datetime:
    # A time sent without an offset is a local time in the community (Asia/Shanghai).
    return timezone.make_aware(value) if timezone.is_naive(value) else value


#: A date-time in a JSON body: ISO 8601 text with a year from 2000 to 2099. The OpenAPI
#: schema states the range as a pattern (a plain `format: date-time` would promise that year
#: 0001 is accepted); the validator accepts every real date in the range.
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime), AfterValidator(_aware),
                        WithJsonSchema({
    "type": "string", "format": "date-time",
    "pattern": r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3])"
               r":[0-5][0-9]:[0-5][0-9](Z|[+-](0[0-9]|1[0-2]):00)$",
    "description": "ISO 8601 date and time, years 2000–2099"})]


_WALL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _wall_time(value: Any) -> Any:
    if isinstance(value, TimeOfDay):
        return value
    if not isinstance(value, str) or not re.fullmatch(_WALL_TIME, value):
        raise ValueError(gettext("must be a time of day in HH:MM form, e.g. 09:30"))
    return value


def _whole_seconds(value: TimeOfDay) -> TimeOfDay:
    # What is returned must fit the pattern: no offset, no fraction of a second.
    return value.replace(tzinfo=None, microsecond=0)


#: A time of day in the community (see the module docstring): `HH:MM` or `HH:MM:SS` in,
#: `HH:MM:SS` out, declared as a string with a pattern in the schema, no offset.
WallTime = Annotated[TimeOfDay, BeforeValidator(_wall_time), AfterValidator(_whole_seconds),
                     PlainSerializer(lambda t: t.strftime("%H:%M:%S"), return_type=str,
                                     when_used="json"),
                     WithJsonSchema({"type": "string", "pattern": _WALL_TIME,
                                     "description": "Time of day in the community, HH:MM or "
                                                    "HH:MM:SS, no offset",
                                     "examples": ["09:00:00"]})]
