"""What every app's pages share and that needs nothing of any app: the error pages and the
POST-only action decorator."""

from functools import wraps

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _


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


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_404(request, exception=None):
    # Whatever reaches the project's 404 under /api/ (a path the API's own catch-all cannot
    # match, e.g. with a control character in it) still answers the API's JSON error body.
    if _is_api(request):
        from linli.common.api import error_body

        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return render(request, "404.html", status=404)


def error_500(request):
    # No context processors: the database or session may be what failed.
    from django.http import HttpResponseServerError

    if _is_api(request):
        from linli.common.api import error_body

        return JsonResponse(error_body("server_error", _("Something went wrong on our side.")),
                            status=500)
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render())
