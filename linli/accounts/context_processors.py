from django.conf import settings

from linli.accounts.navigation import items_for

ELDER_COOKIE = "linli_elder"


def elder_mode_on(request) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.elder_mode
    return request.COOKIES.get(ELDER_COOKIE) == "1"


def navigation(request):
    user = getattr(request, "user", None)
    items = items_for(user) if user is not None else []
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    return {
        "nav_items": [i for i in items if i.tab],
        "home_buttons": [i for i in items
                         if not i.staff and i.url_name not in ("home", "accounts:me")],
        "staff_nav_items": [i for i in items if i.staff],
        "current_view": current,
        "elder_mode": elder_mode_on(request),
        "is_staff_member": bool(user and user.is_authenticated and user.is_staff_member),
        "staff_idle_minutes": settings.STAFF_IDLE_TIMEOUT_SECONDS // 60,
    }
