"""Meal delivery (在家点餐 → 中心配餐 → 上门送餐): ordering, cancelling, assigning a building's
deliveries to a volunteer and recording the outcome."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.common.exceptions import Conflict, ValidationError, require
from linli.common.numbers import whole_number
from linli.orders import policies
from linli.orders.models import (
    Meal,
    MealOrder,
    MealStatus,
    ProjectKind,
    ServiceProject,
)
from linli.orders.services.eligibility import volunteer_eligibility_problem
from linli.orders.services.notifications import _notify, _staff_of


@transaction.atomic
def meal_order_create(*, project: ServiceProject, household, actor, date: date,
                      meal: str = Meal.LUNCH, portions: int = 1, diet: str = "") -> MealOrder:
    if project.kind != ProjectKind.MEAL or project.community_id != household.community_id:
        raise ValidationError(_("This is not a meal service of this community."),
                              field="project")
    require(policies.can_order_meal(actor, household),
            _("Only the household, its grid worker or community staff may order meals for "
              "this household."))
    if meal not in Meal.values:
        raise ValidationError(_("Unknown meal."), field="meal")
    today = timezone.localdate()
    if date < today or date > today + timedelta(days=14):
        raise ValidationError(_("Meals can be ordered for today and the next 14 days."),
                              field="date")
    whole_number(portions, low=1, high=6, field="portions", message=_("Order 1 to 6 portions."))
    if MealOrder.objects.filter(household=household, date=date, meal=meal).exclude(
            status=MealStatus.CANCELLED).exists():
        raise Conflict(_("This meal is already ordered for that day."), field="date")
    return MealOrder.objects.create(project=project, community_id=household.community_id,
                                    household=household, requested_by=actor, date=date,
                                    meal=meal, portions=portions, diet=(diet or "")[:64])


@transaction.atomic
def meal_order_cancel(*, meal_order: MealOrder, actor) -> MealOrder:
    require(policies.can_cancel_meal(actor, meal_order),
            _("Only the household or community staff may cancel this meal."))
    if MealOrder.objects.filter(pk=meal_order.pk, status=MealStatus.ORDERED).update(
            status=MealStatus.CANCELLED, updated_at=timezone.now()) != 1:
        raise Conflict(_("This meal is already on its way and cannot be cancelled."),
                       code="illegal_transition")
    meal_order.refresh_from_db()
    return meal_order


@transaction.atomic
def meal_assign(*, community, date: date, meal: str, actor, volunteer,
                building=None) -> int:
    """Give one building's deliveries (or those without a building) to a volunteer."""
    require(policies.can_assign_meals(actor, community),
            _("Only community staff of this community may assign meal deliveries."))
    if volunteer is None or volunteer_eligibility_problem(
            volunteer=volunteer, project=ServiceProject(community=community,
                                                        volunteer_min_age=16)):
        raise ValidationError(_("Choose an active volunteer of this street."), field="volunteer")
    rows = MealOrder.objects.filter(community=community, date=date, meal=meal,
                                    status__in=(MealStatus.ORDERED, MealStatus.ASSIGNED))
    rows = rows.filter(household__building=building) if building is not None else rows.filter(
        household__building__isnull=True)
    count = rows.update(status=MealStatus.ASSIGNED, volunteer=volunteer,
                        updated_at=timezone.now())
    if count:
        _notify(volunteer.user, _("Meal deliveries for you"),
                _("%(count)s households on %(date)s.") % {"count": count, "date": date})
    return count


@transaction.atomic
def meal_deliver(*, meal_order: MealOrder, actor, delivered: bool, note: str = "") -> MealOrder:
    meal_order.refresh_from_db()
    require(policies.can_record_meal_outcome(actor, meal_order),
            _("Only the volunteer delivering this meal or community staff may record the "
              "outcome."))
    to = MealStatus.DELIVERED if delivered else MealStatus.NOT_HOME
    if MealOrder.objects.filter(pk=meal_order.pk, status=MealStatus.ASSIGNED).update(
            status=to, delivered_at=timezone.now(), outcome_note=(note or "")[:255],
            updated_at=timezone.now()) != 1:
        raise Conflict(_("This meal is not out for delivery."), code="illegal_transition")
    meal_order.refresh_from_db()
    if not delivered:
        for user in _staff_of(meal_order.community_id):
            _notify(user, _("Nobody answered for a meal delivery"), str(meal_order.household))
    return meal_order
