"""The JSON API: /api/v1/…, OpenAPI at /api/openapi.json, docs at /api/docs."""


import logging
import math
import re
from functools import wraps
from typing import get_type_hints
from uuid import UUID

from axes.exceptions import AxesBackendPermissionDenied
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse, RawPostDataException
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern, re_path
from django.urls import path as django_path
from django.urls.resolvers import RoutePattern
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.utils import normalize_path, replace_path_param_notation

from linli.accounts.api_auth import AUTH
from linli.common.api import (
    AnonThrottle,
    BodyRefused,
    RateThrottle,
    StrictJSONParser,
    UserThrottle,
    error_body,
)
from linli.common.exceptions import DomainError
from linli.common.exceptions import ValidationError as DomainValidationError

logger = logging.getLogger(__name__)

# A mistyped rate stops the server at start-up, not every request.
for _rate in settings.API_THROTTLE_RATES.values():
    if _rate:
        RateThrottle.parse_rate(_rate)

class LinliAPI(NinjaAPI):
    """NinjaAPI whose every answer is the JSON error body: also for a method the path does
    not take (ninja answers that one with a bare text 405) and for an address no operation
    has (Django would answer with the HTML page; the last pattern catches it, so the answer
    is the same with DEBUG on). No operation path ends with a slash, so the catch-all hides
    no APPEND_SLASH redirect."""

    def _get_urls(self):
        typed = self._typed_routes()
        urls = []
        for pattern in super()._get_urls():
            if isinstance(pattern, URLPattern):
                route = str(pattern.pattern)
                view = _json_method_not_allowed(pattern.callback)
                if route in typed and isinstance(pattern.pattern, RoutePattern):
                    pattern = django_path(typed[route], view, name=pattern.name)
                else:
                    pattern.callback = view
            urls.append(pattern)
        urls.append(re_path(r"^[\s\S]*$", csrf_exempt(not_found), name="not-found"))
        return urls

    def _typed_routes(self) -> dict[str, str]:
        """{route: the same route with `<uuid:…>`} for every path parameter that all the
        path's operations declare as a UUID: `/registry/residents/not-a-uuid` is then an
        address no operation has (404), not a 422 on GET and a 405 on POST."""
        typed = {}
        for bound in self._get_bound_routers():
            prefix = replace_path_param_notation(bound.prefix)
            for path, path_view in bound.path_operations.items():
                route = normalize_path("/".join(
                    i for i in (prefix, replace_path_param_notation(path)) if i)).lstrip("/")
                new = re.sub(r"<(\w+)>", lambda m, v=path_view: (
                    f"<uuid:{m[1]}>" if _all_uuid(v, m[1]) else m[0]), route)
                if new != route:
                    typed[route] = new
        return typed


def _all_uuid(path_view, name: str) -> bool:
    try:
        hints = [get_type_hints(op.view_func).get(name) for op in path_view.operations]
    except Exception:  # an annotation that cannot be resolved: leave the route as it is
        return False
    return bool(hints) and all(h is UUID for h in hints)


def _json_method_not_allowed(view):
    @wraps(view)  # keeps csrf_exempt and the other marks ninja sets on its views
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
                "application/json"):
            allowed = response.get("Allow", "")
            message = _("This address does not take %(method)s; it takes: %(allowed)s.") % {
                "method": request.method, "allowed": allowed}
            answer = api.create_response(request, error_body("method_not_allowed", message),
                                         status=405)
            answer["Allow"] = allowed
            return answer
        return response

    return wrapped


def not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Any method on an address under /api/ that no operation answers: 404 with the JSON
    error body, as every other API error."""
    return api.create_response(request, error_body("not_found", _(
        "There is no API operation at this address.")), status=404)


api = LinliAPI(
    title="Linli API",
    version="1",
    description="邻里 — time bank, points bank, grid registry and activities. "
    "Authenticate with a session cookie (plus CSRF token) or `Authorization: Bearer <token>` "
    "from `POST /api/v1/auth/token`.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=AUTH,
    # Rates in settings.API_THROTTLE_RATES; the token route has its own stricter one.
    throttle=[AnonThrottle(), UserThrottle()],
    parser=StrictJSONParser(),
)


def domain_error_status(exc: DomainError) -> int:
    """The one mapping of a domain error to an HTTP status. Input the schema rejects never
    reaches a service (422 above), so a service's `ValidationError` is well-formed input that
    breaks one of its rules (a slot in the past, too few hours, a full activity): 409, as every
    other refusal of the current state. Everything else answers its own `status`
    (403, 404, 409, 429)."""
    if isinstance(exc, DomainValidationError):
        return 409
    return exc.status


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    fields = [{"field": exc.field, "message": exc.message}] if exc.field else []
    return api.create_response(request, error_body(exc.code, exc.message, fields),
                               status=domain_error_status(exc))


def _loc_name(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form")]
    return ".".join(parts) or "request"


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    fields = [{"field": _loc_name(e.get("loc", [])), "message": e.get("msg", "")}
              for e in exc.errors]
    return api.create_response(
        request, error_body("validation_error", _("Some fields are invalid."), fields), status=422
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    if getattr(request, "linli_invalid_token", False):
        body = error_body("invalid_token",
                          _("The sign-in token is wrong or has expired. Please sign in again."))
    else:
        body = error_body("unauthenticated", _("Please sign in first."))
    return api.create_response(request, body, status=401)


@api.exception_handler(Throttled)
def _throttled(request, exc: Throttled):
    # ninja adds the Retry-After header to this response.
    seconds = max(1, math.ceil(exc.wait or 1))
    message = _("Too many requests. Please try again in %(seconds)d seconds.") % {
        "seconds": seconds}
    return api.create_response(request, error_body("throttled", message), status=429)


@api.exception_handler(AxesBackendPermissionDenied)
def _locked(request, exc):
    from linli.accounts.views import lockout

    return lockout(request)


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request, exc):
    return api.create_response(
        request, error_body("forbidden", _("You do not have permission to do this.")), status=403
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, BodyRefused):  # from StrictJSONParser, through ninja
        refused = exc.__cause__
        return api.create_response(request, error_body(refused.code, refused.message),
                                   status=refused.status)
    return api.create_response(request, error_body("error", str(exc)), status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    # RequestHygieneMiddleware answers these first; kept so a body read some other way
    # still answers 413 and never the generic 500 below.
    return api.create_response(
        request, error_body("payload_too_large", _("The request is too large.")), status=413)


@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def _too_many(request, exc):
    return api.create_response(
        request, error_body("payload_too_large", _("The request has too many fields or files.")),
        status=413)


@api.exception_handler(MultiPartParserError)
def _bad_multipart(request, exc):
    return api.create_response(
        request, error_body("bad_multipart", _(
            "The uploaded form could not be read: a multipart/form-data body needs a boundary "
            "and complete parts.")), status=400)


@api.exception_handler(RawPostDataException)
def _form_sent_for_json(request, exc):
    # A form body was parsed, then the operation asked for a JSON body.
    return api.create_response(
        request, error_body("unsupported_media_type", _(
            "This operation takes a JSON body: send it with Content-Type: application/json.")),
        status=415)


@api.exception_handler(Exception)
def _server_error(request, exc):
    logger.exception("API error on %s", request.path)
    return api.create_response(
        request, error_body("server_error", _("Something went wrong on our side.")), status=500
    )


def _register_routers() -> None:
    from linli.accounts.api import auth_router
    from linli.accounts.api import router as accounts_router
    from linli.activities.api import router as activities_router
    from linli.ledger.api import router as ledger_router
    from linli.notifications.api import router as notifications_router
    from linli.orders.api import router as orders_router
    from linli.points.api import router as points_router
    from linli.portal.api import router as portal_router
    from linli.registry.api import router as registry_router
    from linli.registry.import_api import router as registry_import_router
    from linli.store.api import router as store_router
    from linli.volunteers.api import router as volunteers_router

    api.add_router("/v1/auth/", auth_router)
    api.add_router("/v1/", accounts_router)
    api.add_router("/v1/", activities_router)
    api.add_router("/v1/", portal_router)
    api.add_router("/v1/", notifications_router)
    api.add_router("/v1/", volunteers_router)
    api.add_router("/v1/", ledger_router)
    api.add_router("/v1/", orders_router)
    api.add_router("/v1/", registry_router)
    api.add_router("/v1/", registry_import_router)
    api.add_router("/v1/", points_router)
    api.add_router("/v1/", store_router)


_register_routers()
