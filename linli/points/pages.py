"""Small helpers shared by the points and store pages."""

from __future__ import annotations

from functools import wraps

from django.shortcuts import redirect
from django.urls import NoReverseMatch


def post_only(fallback: str):
    """A POST-only action answered on GET with a redirect to `fallback` (a URL name, given the
    action's own URL kwargs when it takes them), so that reload and back always land on a page
    instead of a blank 405."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "POST":
                try:
                    return redirect(fallback, **kwargs)
                except NoReverseMatch:
                    return redirect(fallback)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
