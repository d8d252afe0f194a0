"""Shared API pieces: the one error body, authentication, role checks, pagination."""


import re
from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.security import HttpBearer, SessionAuth
from pydantic import BeforeValidator

from linli.accounts import services as account_services
from linli.common.exceptions import PermissionDenied


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
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error, 429: Error}


def reject_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be an integer, not a boolean")
    return value


StrictInt = Annotated[int, BeforeValidator(reject_bool)]


def _iso_date_only(value: Any) -> Any:
    # pydantic's lax mode would read `0` as 1970-01-01; only YYYY-MM-DD means a date here.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date in YYYY-MM-DD form")
    if isinstance(value, (int, float, bool)):
        raise ValueError("must be a date in YYYY-MM-DD form")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` for mobile and mini-program clients."""

    def authenticate(self, request: HttpRequest, token: str):
        user = account_services.api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class Session(SessionAuth):
    """The browser's session cookie; unsafe methods need the CSRF token as on every page."""

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


AUTH = [BearerToken(), Session()]


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
