"""Service projects and the 5-order loop (点单 → 派单 → 接单 → 圆单 → 评单), and meal delivery.

An order's `status` only ever changes through one service per transition, each a guarded
conditional UPDATE on the status column, and each transition leaves an `OrderEvent`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.common.models import TimeStampedModel, TransitionEvent


class Funding(models.TextChoices):
    COMMUNITY = "community", _("Community-funded (hours issued to the volunteer)")
    REQUESTER = "requester", _("Paid with the requester's banked hours")


class ProjectKind(models.TextChoices):
    VISIT = "visit", _("Home service")
    MEAL = "meal", _("Meal delivery")


class ServiceProject(TimeStampedModel):
    """One service a community offers (爱心理发, 助餐送餐 …) with who may do it and how it pays."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT,
                                  related_name="service_projects", verbose_name=_("community"))
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(pgettext_lazy("project", "name"), max_length=64)
    description = models.CharField(_("description"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=ProjectKind.choices,
                            default=ProjectKind.VISIT)
    team = models.ForeignKey("volunteers.Team", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="service_projects", verbose_name=_("responsible team"))
    skill = models.ForeignKey("volunteers.Skill", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="service_projects",
                              verbose_name=_("skill needed"))
    default_minutes = models.PositiveIntegerField(_("default duration (minutes)"), default=60)
    funding = models.CharField(_("funding"), max_length=16, choices=Funding.choices,
                               default=Funding.COMMUNITY)
    points = models.PositiveIntegerField(
        _("points for the volunteer's household"), default=0,
        help_text=_("0: no points are awarded."))
    # Art. 15: assignments fit the volunteer's age and health.
    volunteer_min_age = models.PositiveSmallIntegerField(_("volunteer minimum age"), default=16)
    volunteer_max_age = models.PositiveSmallIntegerField(_("volunteer maximum age"), null=True,
                                                         blank=True)
    needs_good_health = models.BooleanField(_("needs good health (physical work)"),
                                            default=False)
    # Who may order it: nobody is excluded unless an age or tags are set.
    requester_min_age = models.PositiveSmallIntegerField(_("requester minimum age"), null=True,
                                                         blank=True)
    requester_tags = models.ManyToManyField("registry.Tag", blank=True, related_name="+",
                                            verbose_name=_("requester tags (any of)"))
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["community_id", "order", "id"]
        verbose_name = _("service project")
        verbose_name_plural = _("service projects")
        constraints = [
            models.UniqueConstraint(fields=["community", "code"],
                                    name="orders_serviceproject_unique_code"),
            models.CheckConstraint(name="orders_serviceproject_minutes_positive",
                                   condition=Q(default_minutes__gt=0)),
        ]

    def __str__(self) -> str:
        return self.name


class OrderStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for dispatch")
    REFUSED = "refused", _("Refused")
    DISPATCHED = "dispatched", _("Offered to volunteers")
    ACCEPTED = "accepted", _("Accepted")
    IN_SERVICE = "in_service", _("In service")
    COMPLETED = "completed", _("Completed, waiting for rating")
    RATED = "rated", _("Rated")
    AUTO_CONFIRMED = "auto_confirmed", _("Confirmed automatically")
    DISPUTED = "disputed", _("Disputed")
    RESOLVED = "resolved", _("Dispute resolved")
    SETTLED = "settled", _("Hours settled")
    CANCELLED = "cancelled", _("Cancelled")


#: States from which hours are due to the volunteer.
CONFIRMED_STATES = (OrderStatus.RATED, OrderStatus.AUTO_CONFIRMED, OrderStatus.RESOLVED)
#: States in which the requester (or staff) may still cancel.
CANCELLABLE_STATES = (OrderStatus.SUBMITTED, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED)
#: Closed states.
FINAL_STATES = (OrderStatus.REFUSED, OrderStatus.SETTLED, OrderStatus.CANCELLED)
#: States in which the service is still to be done: a second order for the same household,
#: service and time would be a duplicate.
OPEN_STATES = (OrderStatus.SUBMITTED, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED,
               OrderStatus.IN_SERVICE)


class Channel(models.TextChoices):
    SELF = "self", _("Ordered by the resident")
    PROXY = "proxy", _("Ordered by family (代点单)")
    PHONE = "phone", _("Taken by phone by staff")


class Order(TimeStampedModel):
    project = models.ForeignKey(ServiceProject, on_delete=models.PROTECT, related_name="orders",
                                verbose_name=_("service"))
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("community"))
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT,
                                  related_name="service_orders", verbose_name=_("household"))
    beneficiary = models.ForeignKey("registry.Resident", on_delete=models.PROTECT,
                                    related_name="service_orders",
                                    verbose_name=_("served resident"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("ordered by"))
    channel = models.CharField(pgettext_lazy("order", "channel"), max_length=8, choices=Channel.choices,
                               default=Channel.SELF)
    slot_start = models.DateTimeField(_("time slot start"))
    slot_end = models.DateTimeField(_("time slot end"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=OrderStatus.choices,
                              default=OrderStatus.SUBMITTED, db_index=True)
    funding = models.CharField(_("funding"), max_length=16, choices=Funding.choices)
    expected_minutes = models.PositiveIntegerField(_("expected minutes"))

    volunteer = models.ForeignKey("volunteers.Volunteer", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="service_orders",
                                  verbose_name=_("volunteer"))
    team = models.ForeignKey("volunteers.Team", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("offered to team"))
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accept_by = models.DateTimeField(_("accept by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    acceptances = models.PositiveSmallIntegerField(default=0, editable=False)
    escalations = models.PositiveSmallIntegerField(_("escalations"), default=0)
    checked_in_at = models.DateTimeField(_("check-in"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("check-out"), null=True, blank=True)
    # Where the phone said the volunteer was at check-in (optional), and how far that is from
    # the household's building; a far check-in is flagged for staff, never refused.
    checkin_latitude = models.DecimalField(_("check-in latitude"), max_digits=9,
                                           decimal_places=6, null=True, blank=True)
    checkin_longitude = models.DecimalField(_("check-in longitude"), max_digits=9,
                                            decimal_places=6, null=True, blank=True)
    checkin_distance_m = models.PositiveIntegerField(_("check-in distance (m)"), null=True,
                                                     blank=True)
    checkin_far = models.BooleanField(_("checked in far from the address"), default=False,
                                      db_index=True)
    # Staff confirmed that this visit happens before its booked slot.
    early_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+",
                                           verbose_name=_("early visit confirmed by"))
    early_confirmed_at = models.DateTimeField(_("early visit confirmed at"), null=True,
                                              blank=True)
    actual_minutes = models.PositiveIntegerField(_("actual minutes"), null=True, blank=True)
    completion_note = models.CharField(_("service note"), max_length=500, blank=True)
    photo = models.ImageField(_("photo"), upload_to="orders/photos/%Y/%m/", blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    settled_minutes = models.PositiveIntegerField(_("settled minutes"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True,
                              help_text=_("Why it was refused, cancelled or disputed."))
    resolution = models.CharField(_("resolution"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        indexes = [
            models.Index(fields=["community", "status", "slot_start"],
                         name="orders_order_board_idx"),
            models.Index(fields=["volunteer", "status"], name="orders_order_volunteer_idx"),
            models.Index(fields=["status", "accept_by"], name="orders_order_accept_by_idx"),
            # A household's orders, newest first (the resident's "my orders", the door plate).
            models.Index(fields=["household", "created_at"],
                         name="orders_order_household_created"),
        ]
        constraints = [
            models.CheckConstraint(name="orders_order_slot_order",
                                   condition=Q(slot_end__gt=models.F("slot_start"))),
            models.CheckConstraint(name="orders_order_rating_range",
                                   condition=Q(rating__isnull=True)
                                   | Q(rating__gte=1, rating__lte=5)),
            models.CheckConstraint(
                name="orders_order_assigned_shape",
                condition=~Q(status__in=["accepted", "in_service", "completed", "rated",
                                         "auto_confirmed", "disputed", "resolved", "settled"])
                | Q(volunteer__isnull=False)),
            models.CheckConstraint(
                name="orders_order_completed_has_minutes",
                condition=~Q(status__in=["completed", "rated", "auto_confirmed", "disputed",
                                         "resolved", "settled"])
                | Q(actual_minutes__gt=0)),
            # The same service for the same household and time, still to be done, once.
            models.UniqueConstraint(
                fields=["household", "project", "slot_start", "slot_end"],
                condition=Q(status__in=["submitted", "dispatched", "accepted", "in_service"]),
                name="orders_order_no_open_duplicate"),
        ]

    def __str__(self) -> str:
        return f"{self.project.name} · {self.household}"

    @property
    def reference(self) -> str:
        """The opaque pointer the ledger stores for this order's transfers and holds."""
        return f"order:{self.uuid}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATES


class OrderEvent(TransitionEvent):
    """One transition of one order: who, when, from, to, why (linli.orders.states). Never
    changed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    states = OrderStatus

    class Meta(TransitionEvent.Meta):
        ordering = ["order_id", "at", "id"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")


class Meal(models.TextChoices):
    LUNCH = "lunch", _("Lunch")
    DINNER = "dinner", _("Dinner")


class MealStatus(models.TextChoices):
    ORDERED = "ordered", _("Ordered")
    ASSIGNED = "assigned", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    NOT_HOME = "not_home", _("Nobody at home")
    CANCELLED = "cancelled", _("Cancelled")


class MealOrder(TimeStampedModel):
    """One household's meal for one day (在家点餐 → 中心配餐 → 上门送餐)."""

    project = models.ForeignKey(ServiceProject, on_delete=models.PROTECT,
                                related_name="meal_orders", verbose_name=_("service"))
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT,
                                  related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT,
                                  related_name="meal_orders", verbose_name=_("household"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    date = models.DateField(_("date"))
    meal = models.CharField(_("meal"), max_length=8, choices=Meal.choices, default=Meal.LUNCH)
    portions = models.PositiveSmallIntegerField(_("portions"), default=1)
    diet = models.CharField(_("dietary needs"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=MealStatus.choices,
                              default=MealStatus.ORDERED)
    volunteer = models.ForeignKey("volunteers.Volunteer", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="meal_deliveries",
                                  verbose_name=_("delivered by"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    outcome_note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["date", "meal", "household_id"]
        verbose_name = _("meal order")
        verbose_name_plural = _("meal orders")
        constraints = [
            models.UniqueConstraint(fields=["household", "date", "meal"],
                                    condition=~Q(status="cancelled"),
                                    name="orders_mealorder_one_per_meal"),
            models.CheckConstraint(name="orders_mealorder_portions_range",
                                   condition=Q(portions__gte=1, portions__lte=6)),
        ]
        indexes = [models.Index(fields=["community", "date", "meal"],
                                name="orders_meal_day_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_meal_display()} · {self.household}"
