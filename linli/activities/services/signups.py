"""Sign-ups and the waiting list.

Seats: `Activity.seats_taken` (participants) and `volunteer_seats_taken` change only through
guarded conditional updates whose row count is checked (`_take_seat`), so concurrent sign-ups
admit exactly `capacity` people on SQLite and PostgreSQL alike. A cancellation frees its seat
and promotes the first person waiting inside the same transaction; on PostgreSQL the row lock
taken by the decrement is held until the promotion has re-taken the seat.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.activities import policies, selectors
from linli.activities.models import (
    Activity,
    ActivityStatus,
    Signup,
    SignupRole,
    SignupStatus,
)
from linli.activities.services.eligibility import check_audience
from linli.activities.services.notices import activity_url, notice_send, signup_recipients
from linli.common.exceptions import Conflict, ValidationError, require

_SEAT_FIELDS = {
    SignupRole.PARTICIPANT: ("seats_taken", "capacity"),
    SignupRole.VOLUNTEER: ("volunteer_seats_taken", "volunteers_needed"),
}


def _take_seat(activity_id: int, role: str) -> bool:
    taken, limit = _SEAT_FIELDS[role]
    return Activity.objects.filter(pk=activity_id, **{f"{taken}__lt": F(limit)}).update(
        **{taken: F(taken) + 1}) == 1


def _free_seat(activity_id: int, role: str) -> None:
    taken, _limit = _SEAT_FIELDS[role]
    Activity.objects.filter(pk=activity_id, **{f"{taken}__gt": 0}).update(
        **{taken: F(taken) - 1})


def promote_waitlist(*, activity: Activity, role: str) -> list[Signup]:
    """Give free places to those waiting, first come first served."""
    promoted = []
    while True:
        nxt = (Signup.objects.filter(activity=activity, role=role,
                                     status=SignupStatus.WAITLISTED)
               .order_by("created_at", "id").first())
        if nxt is None or not _take_seat(activity.pk, role):
            return promoted
        if Signup.objects.filter(pk=nxt.pk, status=SignupStatus.WAITLISTED).update(
                status=SignupStatus.CONFIRMED, promoted_at=timezone.now()) != 1:
            _free_seat(activity.pk, role)  # they left the list meanwhile; try the next
            continue
        nxt.refresh_from_db()
        promoted.append(nxt)
        for user in signup_recipients(nxt):
            notice_send(
                user=user, title=_("You have a place: %(title)s") % {"title": activity.title},
                body=_("A place came free and %(name)s moved up from the waiting list for "
                       "“%(title)s” on %(when)s.") % {
                    "name": nxt.name, "title": activity.title,
                    "when": timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M")},
                url=activity_url(activity))


def signup_create(*, activity: Activity, actor, resident=None,
                  role: str = SignupRole.PARTICIPANT) -> Signup:
    """Sign up the actor (or a member of their household). A place if one is free, else the
    waiting list; the same person twice is refused."""
    if role not in SignupRole.values:
        raise ValidationError(_("Unknown role."), field="role")
    if actor is None:
        raise ValidationError(_("Please sign in to sign up."))
    activity.refresh_from_db()
    if activity.status != ActivityStatus.PUBLISHED:
        raise Conflict(_("This activity is not open for sign-up."), code="signup_closed")
    now = timezone.now()
    if now < activity.signup_opens_at:
        raise Conflict(_("Sign-up opens on %(when)s.") % {
            "when": timezone.localtime(activity.signup_opens_at).strftime("%Y-%m-%d %H:%M")},
            code="signup_closed")
    if now > activity.signup_closes_at:
        raise Conflict(_("Sign-up has closed."), code="signup_closed")
    if role == SignupRole.VOLUNTEER:
        require(policies.can_sign_up(actor, activity, resident, role),
                _("Only registered volunteers can sign up to serve, and only themselves."))
        if activity.volunteers_needed == 0:
            raise ValidationError(_("This activity does not need volunteers."), field="role")
    else:
        require(policies.can_sign_up(actor, activity, resident, role),
                _("You can only sign up yourself or members of your household."))
    person = resident if resident is not None else selectors.resident_for_user(actor)
    if role != SignupRole.VOLUNTEER:
        check_audience(activity=activity, resident=person, actor=actor)
    name = person.name if person is not None else (actor.name or actor.mobile)
    user = (person.user if person is not None else actor)
    try:
        with transaction.atomic():
            seated = _take_seat(activity.pk, role)
            signup = Signup.objects.create(
                activity=activity, role=role, resident=person, user=user, name=name,
                signed_up_by=actor,
                status=SignupStatus.CONFIRMED if seated else SignupStatus.WAITLISTED)
    except IntegrityError:
        raise Conflict(_("%(name)s has already signed up for this activity.") % {"name": name},
                       code="duplicate") from None
    return signup


@transaction.atomic
def signup_cancel(*, signup: Signup, actor) -> Signup:
    """Give up a place (or leave the waiting list); the first person waiting moves up."""
    activity = Activity.objects.get(pk=signup.activity_id)
    signup = Signup.objects.select_related("activity", "resident").get(pk=signup.pk)
    require(policies.can_cancel_signup(actor, signup),
            _("Only the person, whoever signed them up, their household or the organisers may "
              "cancel this sign-up."))
    if activity.status not in (ActivityStatus.PUBLISHED, ActivityStatus.DRAFT):
        raise Conflict(_("Sign-ups can no longer be cancelled: the activity has started."))
    was = Signup.objects.filter(pk=signup.pk).values_list("status", flat=True).get()
    rows = Signup.objects.filter(pk=signup.pk, status=was).filter(
        status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]).update(
        status=SignupStatus.CANCELLED, cancelled_at=timezone.now())
    if rows != 1:
        raise Conflict(_("This sign-up is already cancelled."), code="already_cancelled")
    if was == SignupStatus.CONFIRMED:
        _free_seat(activity.pk, signup.role)
        promote_waitlist(activity=activity, role=signup.role)
    signup.refresh_from_db()
    return signup
