import time

from django.conf import settings

from linli.accounts.selectors import scopes_cached

#: Session key holding when the staff idle expiry was last pushed forward (Unix seconds).
IDLE_REFRESHED_KEY = "linli_idle_refreshed"


class StaffIdleTimeoutMiddleware:
    """Staff sessions end after 30 idle minutes (STAFF_IDLE_TIMEOUT_SECONDS): requests push the
    expiry forward, so only idleness ends the session. Residents keep the default (long)
    session on their phone.

    The expiry is pushed at most once per STAFF_IDLE_REFRESH_SECONDS (a minute): a staff
    request within that minute leaves the session untouched, so it writes nothing to the
    database. A session therefore ends between 29 and 30 idle minutes after the last request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and (
            user.is_staff_member or user.is_superuser
        ):
            session = request.session
            now = int(time.time())
            refreshed = session.get(IDLE_REFRESHED_KEY)
            if not isinstance(refreshed, int) or not (
                0 <= now - refreshed < settings.STAFF_IDLE_REFRESH_SECONDS
            ):
                session[IDLE_REFRESHED_KEY] = now
                session.set_expiry(settings.STAFF_IDLE_TIMEOUT_SECONDS)
        return self.get_response(request)


class ScopeCacheMiddleware:
    """A page's selectors ask for the user's communities and grids several times (policy
    checks, lists, filters); within one request the ids are read once
    (linli.accounts.selectors.scopes_cached)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with scopes_cached():
            return self.get_response(request)
