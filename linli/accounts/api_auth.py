"""How an API request signs in: a bearer token (mobile and mini-program clients) or the
browser's session cookie with its CSRF token. `linli.api` uses `AUTH` for every operation."""

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from linli.accounts import services as account_services


def _sent_bearer(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` for mobile and mini-program clients."""

    def authenticate(self, request: HttpRequest, token: str):
        user = account_services.api_token_authenticate(token)
        if user is not None:
            request.user = user
        else:
            request.linli_invalid_token = True
        return user


class Session(SessionAuth):
    """The browser's session cookie; unsafe methods need the CSRF token as on every page."""

    def __call__(self, request: HttpRequest):
        # A client that sent a bearer token authenticates with it alone: a wrong or expired
        # token answers 401 invalid_token, instead of falling through to the cookie check and
        # failing its CSRF test with a 403 that tells a mobile app nothing useful.
        if _sent_bearer(request):
            return None
        # Without a signed-in session there is nothing for the CSRF check to protect: the
        # request is simply unauthenticated (401), not a forged one (403).
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


AUTH = [BearerToken(), Session()]
