from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from linli.accounts.permissions import signed_in
from linli.common.exceptions import NotFound
from linli.notifications import selectors, services


@signed_in
def inbox(request):
    page = Paginator(selectors.notification_list_for_user(user=request.user), 20).get_page(
        request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@signed_in
@require_POST
def read(request, uuid):
    try:
        notification = services.notification_mark_read(user=request.user, uuid=uuid)
    except NotFound:
        # Someone else's (or a deleted) message: nothing to mark, back to one's own inbox.
        return redirect("notifications:inbox")
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@signed_in
@require_POST
def read_all(request):
    services.notification_mark_all_read(user=request.user)
    return redirect("notifications:inbox")
