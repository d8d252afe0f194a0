from django.conf import settings


class StaffIdleTimeoutMiddleware:
    """Staff sessions end after 30 idle minutes: each request pushes the expiry forward, so
    only idleness ends the session. Residents keep the default (long) session on their phone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and (
            user.is_staff_member or user.is_superuser
        ):
            request.session.set_expiry(settings.STAFF_IDLE_TIMEOUT_SECONDS)
        return self.get_response(request)
