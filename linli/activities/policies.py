"""Who may act on activities and classes: pure predicates (they may query, never write).

Pages use them to show or hide a button; the services (`linli.activities.services`) enforce
them with `require(...)`, so pages, the API and tasks cannot drift apart.

`actor=None` means the system (demo loaders, management commands, a crediting retry after a
check-out). It is allowed only where the system genuinely acts: creating and moving activities
along for the demo, closing attendance and crediting, counting people served from a paper
register, creating classes and their sessions. Anything a person does (sign-up, check-in,
cancelling, enrolling) needs a person.
"""

from __future__ import annotations

from linli.accounts.models import Role
from linli.activities import selectors
from linli.activities.models import (
    ActivityStatus,
    SignupRole,
)


def _person(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active


def manages_community(actor, community_id: int | None) -> bool:
    """Community staff of the community, or a street administrator of its street."""
    if not _person(actor) or community_id is None:
        return False
    return selectors.managed_communities_for(actor).filter(pk=community_id).exists()


def _system_or_manager(actor, community_id: int | None) -> bool:
    return actor is None or manages_community(actor, community_id)


def _sees_community(actor, community_id: int) -> bool:
    return _person(actor) and (
        selectors.member_communities_for(actor).filter(pk=community_id).exists()
        or manages_community(actor, community_id))


# --- activities -------------------------------------------------------------------------


def can_create_activity(actor, community) -> bool:
    return _system_or_manager(actor, getattr(community, "pk", None))


def can_edit_activity(actor, activity) -> bool:
    return manages_community(actor, activity.community_id)


def can_publish_activity(actor, activity) -> bool:
    return _system_or_manager(actor, activity.community_id)


def can_start_activity(actor, activity) -> bool:
    return _system_or_manager(actor, activity.community_id)


def can_end_activity(actor, activity) -> bool:
    return _system_or_manager(actor, activity.community_id)


def can_credit_activity(actor, activity) -> bool:
    """Crediting points and hours (also the retry after a failure)."""
    return _system_or_manager(actor, activity.community_id)


def can_cancel_activity(actor, activity) -> bool:
    return manages_community(actor, activity.community_id)


def can_summarise_activity(actor, activity) -> bool:
    return manages_community(actor, activity.community_id)


def can_add_photos(actor, activity) -> bool:
    return manages_community(actor, activity.community_id)


def can_set_beneficiaries(actor, activity) -> bool:
    return _system_or_manager(actor, activity.community_id)


# --- sign-ups ---------------------------------------------------------------------------


def signable_residents(actor) -> list:
    """Residents the actor may sign up besides themself: the current members of their own
    household and of households they are confirmed as family of (door-plate binding)."""
    from linli.registry.models import Resident
    from linli.registry.selectors import household_ids_of_member

    if not _person(actor):
        return []
    return list(Resident.objects.filter(
        household_id__in=household_ids_of_member(actor), moved_out=False, deceased=False,
        anonymised_at__isnull=True).select_related("household").order_by("household_id", "id"))


def can_sign_up_resident(actor, activity, resident) -> bool:
    """The actor may sign up `resident` (None: themself) as a participant."""
    if not _sees_community(actor, activity.community_id):
        return False
    if resident is None or resident.user_id == actor.pk:
        return True
    if any(r.pk == resident.pk for r in signable_residents(actor)):
        return True
    return (manages_community(actor, activity.community_id)
            and resident.household.community_id == activity.community_id)


def can_sign_up(actor, activity, resident=None, role: str = SignupRole.PARTICIPANT) -> bool:
    if role == SignupRole.VOLUNTEER:
        return (_sees_community(actor, activity.community_id)
                and actor.has_role(Role.VOLUNTEER)
                and (resident is None or resident.user_id == actor.pk))
    return can_sign_up_resident(actor, activity, resident)


def can_cancel_signup(actor, signup) -> bool:
    """The person, whoever signed them up, their household, or the organisers."""
    if not _person(actor):
        return False
    if actor.pk in (signup.user_id, signup.signed_up_by_id):
        return True
    if signup.resident_id is not None and (
            signup.resident.user_id == actor.pk
            or any(r.pk == signup.resident_id for r in signable_residents(actor))):
        return True
    return manages_community(actor, signup.activity.community_id)


# --- check-in and attendance ------------------------------------------------------------


def can_check_in_self(actor, activity) -> bool:
    """Self check-in with the organiser's code (whether they signed up is a state question,
    answered by the service)."""
    return _sees_community(actor, activity.community_id)


def can_check_in_others(actor, activity) -> bool:
    """Scanning an attendee's ticket, ticking a sign-up, recording a walk-in."""
    return manages_community(actor, activity.community_id)


def can_check_out(actor, attendance) -> bool:
    return manages_community(actor, attendance.activity.community_id)


# --- culture classes --------------------------------------------------------------------


def can_create_class(actor, community) -> bool:
    return _system_or_manager(actor, getattr(community, "pk", None))


def can_generate_sessions(actor, culture_class) -> bool:
    return _system_or_manager(actor, culture_class.community_id)


def can_cancel_session(actor, session) -> bool:
    return manages_community(actor, session.culture_class.community_id)


def can_take_attendance(actor, session) -> bool:
    return manages_community(actor, session.culture_class.community_id)


def can_enrol(actor, culture_class, resident=None) -> bool:
    if not _sees_community(actor, culture_class.community_id):
        return False
    if resident is None or resident.user_id == actor.pk:
        return True
    return any(r.pk == resident.pk for r in signable_residents(actor))


def can_withdraw(actor, enrolment) -> bool:
    if not _person(actor):
        return False
    if actor.pk == enrolment.user_id:
        return True
    if enrolment.resident_id is not None and (
            enrolment.resident.user_id == actor.pk
            or any(r.pk == enrolment.resident_id for r in signable_residents(actor))):
        return True
    return manages_community(actor, enrolment.culture_class.community_id)


def can_follow_class(actor, culture_class) -> bool:
    return _sees_community(actor, culture_class.community_id)


# --- for templates ----------------------------------------------------------------------


def activity_is_editable(activity) -> bool:
    return activity.status in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)
