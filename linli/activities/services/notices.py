"""In-app notices to the people of a sign-up (through the shared inbox)."""

from __future__ import annotations

from linli.activities.models import (
    Activity,
    Signup,
)


def notice_send(*, user, title: str, body: str = "", url: str = ""):
    """An in-app notice to one account, through the shared inbox."""
    from linli.notifications.services import notify

    return notify(user=user, title=str(title), body=str(body), url=url)


def activity_url(activity: Activity) -> str:
    from django.urls import reverse

    return reverse("activities:detail", kwargs={"uuid": activity.uuid})


def signup_recipients(signup: Signup) -> list:
    users = []
    for u in (signup.user, signup.signed_up_by,
              signup.resident.user if signup.resident_id else None):
        if u is not None and u not in users:
            users.append(u)
    return users
