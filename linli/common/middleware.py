import json
from urllib.parse import unquote_to_bytes

from django.conf import settings


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set: a Content-Security-Policy that allows
    nothing from outside this server (no CDN, ever) and a Permissions-Policy that keeps the
    camera available only to this site (for QR scanning)."""

    # Linli's pages carry no inline script and no inline style (a test scans every
    # template), so the policy refuses both.
    CSP = (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
        "script-src 'self'; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    # Django's admin (for the few superusers) writes style attributes in its widgets.
    ADMIN_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    # The bundled Swagger UI boots with an inline script and inline styles.
    DOCS_CSP = ADMIN_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/docs"):
            csp = self.DOCS_CSP
        elif request.path.startswith("/admin/"):
            csp = self.ADMIN_CSP
        else:
            csp = self.CSP
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), microphone=(), geolocation=(self), payment=()"
        )
        return response


class RequestHygieneMiddleware:
    """One gate for what no view should ever see, answered before any view runs:

    - a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many fields or files):
      413 / 400 instead of the 500 a view's first `request.POST` or `request.body` would raise;
    - a `multipart/form-data` body the parser cannot read (no boundary, truncated): 400;
    - a NUL character anywhere in the query string, a form field or a JSON body: 400.
      PostgreSQL refuses NUL in text (`psycopg.DataError`, a 500) where SQLite stores it; no
      Linli field means a NUL, so refusing it here fixes every view and both databases at once.

    API paths answer in the JSON error form, pages with a short Chinese error page. Uploaded
    file contents are not inspected (a photo may hold NUL bytes); their names are.
    """

    BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self.check(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    def check(self, request):
        from django.core.exceptions import (
            RequestDataTooBig,
            SuspiciousOperation,
            TooManyFieldsSent,
            TooManyFilesSent,
        )
        from django.http.multipartparser import MultiPartParserError
        from django.utils.translation import gettext as _

        if _has_nul(unquote_to_bytes(request.META.get("QUERY_STRING", ""))):
            return self.refuse(request, 400, "nul_character",
                               _("The address contains a NUL character, which is not allowed."))
        if request.method not in self.BODY_METHODS:
            return None
        content_type = request.content_type or ""
        try:
            if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
                fields = request.POST
                files = request.FILES
                if any(_has_nul(key) or any(_has_nul(v) for v in fields.getlist(key))
                       for key in fields):
                    return self.refuse(request, 400, "nul_character",
                                       _("A form field contains a NUL character, which is "
                                         "not allowed."))
                if any(_has_nul(key) or any(_has_nul(f.name or "") for f in files.getlist(key))
                       for key in files):
                    return self.refuse(request, 400, "nul_character",
                                       _("A file name contains a NUL character, which is "
                                         "not allowed."))
            else:
                body = request.body
                if _json_has_nul(body):
                    return self.refuse(request, 400, "nul_character",
                                       _("The request contains a NUL character, which is "
                                         "not allowed."))
        except RequestDataTooBig:
            limit_mb = max(1, (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) // (1024 * 1024))
            return self.refuse(request, 413, "payload_too_large",
                               _("The request is too large (over %(mb)d MB).") % {"mb": limit_mb})
        except (TooManyFieldsSent, TooManyFilesSent):
            return self.refuse(request, 413, "payload_too_large",
                               _("The request has too many fields or files."))
        except MultiPartParserError:
            return self.refuse(request, 400, "bad_multipart",
                               _("The uploaded form could not be read: a multipart/form-data "
                                 "body needs a boundary and complete parts."))
        except SuspiciousOperation:
            return self.refuse(request, 400, "bad_request", _("The request could not be read."))
        except OSError:  # the client went away mid-upload
            return self.refuse(request, 400, "bad_request", _("The request could not be read."))
        return None

    @staticmethod
    def refuse(request, status: int, code: str, message: str):
        from django.http import HttpResponse, JsonResponse
        from django.template import loader

        if request.path.startswith("/api/"):
            return JsonResponse({"error": {"code": code, "message": message, "fields": []}},
                                status=status)
        # No context processors: this runs before authentication and sessions are read.
        html = loader.get_template("common/request_error.html").render(
            {"status": status, "message": message})
        return HttpResponse(html, status=status)


def _has_nul(value) -> bool:
    if isinstance(value, bytes):
        return b"\x00" in value
    return isinstance(value, str) and "\x00" in value


def _json_has_nul(body: bytes) -> bool:
    """A raw NUL byte, or a JSON string holding an escaped one (`\\u0000`, any case)."""
    if b"\x00" in body:
        return True
    lowered = body.lower()
    if b"\\u0000" not in lowered:
        return False
    try:
        data = json.loads(body)
    except ValueError:
        return False  # not JSON; the view's parser answers for that

    def walk(value) -> bool:
        if isinstance(value, str):
            return "\x00" in value
        if isinstance(value, dict):
            return any(walk(k) or walk(v) for k, v in value.items())
        if isinstance(value, list):
            return any(walk(v) for v in value)
        return False

    return walk(data)


class PrivateNoStoreMiddleware:
    """`Cache-Control: no-store` on every response to a signed-in user (session or bearer
    token): those are the responses that can show personal data (registry pages and API,
    statements, the audit log), and a shared computer's browser cache or a proxy must not
    keep them. Anonymous pages (home, login, the public calendar feed) stay cacheable, and
    static files never get here (WhiteNoise answers them earlier)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            existing = response.headers.get("Cache-Control", "")
            if "no-store" not in existing:
                response.headers["Cache-Control"] = "no-store, private"
        return response
