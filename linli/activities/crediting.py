"""Crediting: points to a participant's household through the points service (an award by the
rule `activity_attendance`: rankings count it and the rule's cap applies), minutes to a serving
volunteer through the time bank; each keyed by the attendance record, so that a retry (or a
second click) credits once."""

from __future__ import annotations

from linli.activities.models import Attendance

#: The points rule (linli.points) under which attending an activity awards its points.
POINTS_RULE = "activity_attendance"


def points_source_reference(attendance: Attendance) -> str:
    """One award per attendance (at most 50 characters, as the points app requires)."""
    return f"attendance:{attendance.uuid}"


def credit_points(*, attendance: Attendance, points: int, actor=None):
    """The activity's points to the participant's household, through the points service: an
    award row (rankings count it, the rule's cap applies), idempotent per attendance. Returns
    the award, or None when the community has switched the rule off."""
    from django.utils.translation import gettext as _

    from linli.points import services as points_services
    from linli.points.models import AwardRule

    household = attendance.resident.household
    rule = AwardRule.objects.filter(community_id=household.community_id,
                                    code=POINTS_RULE).first()
    if rule is None:
        points_services.award_rule_set(community=household.community, code=POINTS_RULE,
                                       title=_("Taking part in community activities"),
                                       points_per_unit=1, unit_label=_("points"))
    elif not rule.active:
        return None
    return points_services.award_for_source(
        household=household, rule_code=POINTS_RULE,
        source_reference=points_source_reference(attendance), quantity=points, actor=actor,
        resident=attendance.resident)


def credit_minutes(*, attendance: Attendance, minutes: int, actor=None):
    from linli.ledger.services import earning_create

    return earning_create(
        resident=attendance.resident, minutes=minutes,
        reference=f"activity:{attendance.activity.uuid}", idempotency_key=attendance.minutes_key,
        memo=attendance.activity.title[:255], actor=actor)


def household_points_account(*, user):
    """The points account of the user's own household (None before its first credit)."""
    from linli.ledger.models import AccountKind, Unit
    from linli.ledger.selectors import account_list_for_user

    return (account_list_for_user(user=user, unit=Unit.POINTS, kind=AccountKind.HOUSEHOLD)
            .filter(household__residents__user=user).first())


def recent_points(*, account, limit: int = 5):
    from linli.ledger.selectors import statement_rows, transfer_list_for_account

    return statement_rows(account=account,
                          transfers=transfer_list_for_account(account=account)[:limit])
