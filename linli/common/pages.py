"""The one way pages turn selectors and domain errors into responses.

A page that acts reads: look the record up through its selector (`object_or_404`), call the
service, and on a domain error show its message — on the form (`form_add_domain_error`) or as
a flash message before the redirect (`post_action`). The service decides who may act; a page
never repeats that rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from linli.common.exceptions import DomainError
from linli.common.text import is_uuid


def object_or_404(queryset: QuerySet, **lookup) -> Model:
    """The one record of a (scoped) selector queryset matching `lookup`, else 404 — also
    when a `uuid` lookup is not a UUID at all, which would otherwise be a database error."""
    for key, value in lookup.items():
        if key == "uuid" or key.endswith("__uuid"):
            if not is_uuid(value):
                raise Http404(_("Not found."))
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, queryset.model.MultipleObjectsReturned):
        raise Http404(_("Not found.")) from None


def form_add_domain_error(form, exc: DomainError, *,
                          field_names: dict[str, str] | None = None) -> None:
    """Show a service's refusal on the form: on the field it names when the form has that
    field, otherwise above the form. `field_names` maps a service's field to the form's
    where they differ (the service counts `minutes`, the form asks for `hours`)."""
    field = (field_names or {}).get(exc.field, exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


def refusal_of(check: Callable[[], Any]) -> str:
    """The message of the domain error `check` raises, or "" when it passes: a confirm page
    says why the step would be refused before anyone presses the button."""
    try:
        check()
    except DomainError as exc:
        return exc.message
    return ""


def flash_domain_error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)


def post_action(request: HttpRequest, action: Callable[[], Any], *,
                success: str | Callable[[Any], str] | None,
                next: str | Callable[[Any], str],
                failure_next: str | None = None) -> HttpResponse:
    """Run a POST's service call and redirect (post/redirect/get): on success with the
    `success` message (a string, or built from the result), on a domain error with the
    error's message, to `failure_next` when given, else to `next`. Nothing of the action is
    kept on a refusal: services are atomic."""
    try:
        result = action()
    except DomainError as exc:
        flash_domain_error(request, exc)
        target = failure_next if failure_next is not None else next
        return redirect(target(None) if callable(target) else target)
    if success:
        messages.success(request, success(result) if callable(success) else success)
    return redirect(next(result) if callable(next) else next)
