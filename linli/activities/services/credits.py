"""Crediting a finished activity: points to participants' households, served minutes to
volunteers' time accounts, through the ledger with keys derived from each attendance, so a
retry never credits twice."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from linli.activities import policies
from linli.activities.models import (
    Activity,
    Attendance,
    CreditStatus,
    SignupRole,
)
from linli.common.exceptions import Conflict, require


def activity_credit(*, activity: Activity, actor=None) -> list[Attendance]:
    """Credit every pending or failed attendance of a finished activity (safe to repeat)."""
    require(policies.can_credit_activity(actor, activity),
            _("Only the community's staff may credit points and hours."))
    if not activity.is_finished:
        raise Conflict(_("Points and hours are credited after the activity has ended."))
    done = []
    for attendance in Attendance.objects.filter(
            activity=activity,
            credit_status__in=[CreditStatus.PENDING, CreditStatus.FAILED]).order_by("id"):
        done.append(attendance_credit(attendance=attendance, actor=actor))
    return done


def attendance_credit(*, attendance: Attendance, actor=None) -> Attendance:
    """Credit one attendance once: the participant's household gets the activity's points,
    a serving volunteer the minutes actually served (up to the activity's limit), both from
    the street's issuer through the ledger with keys derived from this record."""
    from linli.activities import crediting
    from linli.common.exceptions import DomainError

    attendance = Attendance.objects.select_related(
        "activity__community", "resident__household__community").get(pk=attendance.pk)
    require(policies.can_credit_activity(actor, attendance.activity),
            _("Only the community's staff may credit points and hours."))
    if attendance.credit_status == CreditStatus.CREDITED:
        return attendance
    activity = attendance.activity
    if not activity.is_finished:
        raise Conflict(_("Points and hours are credited after the activity has ended."))
    points = minutes = 0
    note = ""
    if attendance.resident_id is None:
        note = _("No resident record, so there is no account to credit.")
    elif attendance.role == SignupRole.PARTICIPANT:
        points = activity.points
    else:
        if attendance.minutes_served is None:
            Attendance.objects.filter(pk=attendance.pk).update(
                credit_status=CreditStatus.PENDING,
                credit_note=_("Waiting for the volunteer's check-out."))
            attendance.refresh_from_db()
            return attendance
        limit = activity.volunteer_minutes or activity.duration_minutes
        minutes = min(attendance.minutes_served, limit)
    try:
        with transaction.atomic():
            if points:
                award = crediting.credit_points(attendance=attendance, points=points,
                                                actor=actor)
                if award is None:
                    points = 0
                    note = _("The community has switched off points for activities.")
                else:
                    if award.points < award.quantity * award.rule.points_per_unit:
                        note = _("%(points)s points credited: the household reached the "
                                 "limit for activities in this period.") % {
                            "points": award.points}
                    points = award.points
            if minutes:
                crediting.credit_minutes(attendance=attendance, minutes=minutes, actor=actor)
            status = CreditStatus.CREDITED if (points or minutes) else CreditStatus.NONE
            Attendance.objects.filter(pk=attendance.pk).exclude(
                credit_status=CreditStatus.CREDITED).update(
                credit_status=status, points_credited=points, minutes_credited=minutes,
                credit_note=note)
    except DomainError as exc:
        Attendance.objects.filter(pk=attendance.pk).exclude(
            credit_status=CreditStatus.CREDITED).update(
            credit_status=CreditStatus.FAILED, credit_note=exc.message[:255])
    attendance.refresh_from_db()
    return attendance
