"""The points store (积分超市): goods given by caring merchants, exchanged for household
points; a redemption reserves stock and debits points at once and is collected at the counter
with a pickup code."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.common.models import TimeStampedModel, TransitionEvent
from linli.common.periods import Period


class Donor(TimeStampedModel):
    """A caring merchant (爱心商家) or other donor of goods."""

    street = models.ForeignKey("registry.Street", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("street"))
    name = models.CharField(pgettext_lazy("donor", "name"), max_length=100)
    contact = models.CharField(_("contact"), max_length=100, blank=True)

    class Meta:
        ordering = ["street_id", "name"]
        verbose_name = _("donor")
        verbose_name_plural = _("donors")
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="store_donor_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Goods(TimeStampedModel):
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT,
                                  related_name="store_goods", verbose_name=_("community"))
    name = models.CharField(pgettext_lazy("goods", "name"), max_length=100)
    description = models.CharField(_("description"), max_length=500, blank=True)
    photo = models.FileField(_("photo"), upload_to="store/goods/", blank=True)
    price = models.PositiveIntegerField(_("points price"))
    stock = models.IntegerField(_("stock"), default=0)
    limit_per_household = models.PositiveIntegerField(
        _("limit per household"), null=True, blank=True, help_text=_("Empty: no limit."))
    limit_period = models.CharField(_("limit period"), max_length=8, choices=Period.choices,
                                    default=Period.MONTH)
    available_from = models.DateTimeField(_("available from"), null=True, blank=True)
    available_until = models.DateTimeField(_("available until"), null=True, blank=True)
    donor = models.ForeignKey(Donor, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="goods", verbose_name=_("donor"))
    active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["community_id", "name"]
        verbose_name = _("goods")
        verbose_name_plural = _("goods")
        constraints = [
            models.CheckConstraint(name="store_goods_stock_non_negative",
                                   condition=Q(stock__gte=0)),
            models.CheckConstraint(name="store_goods_price_positive", condition=Q(price__gt=0)),
            models.CheckConstraint(
                name="store_goods_window_order",
                condition=Q(available_from__isnull=True) | Q(available_until__isnull=True)
                | Q(available_until__gt=models.F("available_from"))),
        ]

    def __str__(self) -> str:
        return self.name

    def is_available(self, now=None) -> bool:
        now = now or timezone.now()
        if not self.active:
            return False
        if self.available_from and now < self.available_from:
            return False
        return not (self.available_until and now >= self.available_until)


class Restock(models.Model):
    goods = models.ForeignKey(Goods, on_delete=models.PROTECT, related_name="restocks")
    quantity = models.PositiveIntegerField(_("quantity"))
    donor = models.ForeignKey(Donor, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("donor"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(name="store_restock_quantity_positive",
                                   condition=Q(quantity__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.goods_id} +{self.quantity}"


class RedemptionStatus(models.TextChoices):
    RESERVED = "reserved", _("Waiting for pickup")
    HANDED_OVER = "handed_over", _("Collected")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class Redemption(TimeStampedModel):
    goods = models.ForeignKey(Goods, on_delete=models.PROTECT, related_name="redemptions",
                              verbose_name=_("goods"))
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT,
                                  related_name="redemptions", verbose_name=_("household"))
    quantity = models.PositiveIntegerField(_("quantity"))
    points = models.PositiveIntegerField(_("points"))
    status = models.CharField(_("status"), max_length=12, choices=RedemptionStatus.choices,
                              default=RedemptionStatus.RESERVED, db_index=True)
    pickup_code = models.CharField(_("pickup code"), max_length=8, unique=True)
    idempotency_key = models.CharField(max_length=100)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField(_("collect by"))
    transfer = models.OneToOneField("ledger.Transfer", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    refund = models.OneToOneField("ledger.Transfer", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        constraints = [
            models.UniqueConstraint(fields=["household", "idempotency_key"],
                                    name="store_redemption_unique_key"),
            models.CheckConstraint(name="store_redemption_quantity_positive",
                                   condition=Q(quantity__gt=0)),
        ]
        indexes = [models.Index(fields=["household", "created_at"]),
                   models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.pickup_code} {self.goods_id}×{self.quantity}"

    @property
    def reference(self) -> str:
        return f"redemption:{self.uuid}"


class RedemptionEvent(TransitionEvent):
    """One transition of an exchange: who, when, which action, from, to, note."""

    redemption = models.ForeignKey(Redemption, on_delete=models.CASCADE, related_name="events")
    states = RedemptionStatus
