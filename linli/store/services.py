"""Writes for the points store.

A redemption is one transaction: the household's points row is locked, the rate limit and the
per-household limit are counted, stock is taken with a guarded conditional update
(`stock >= n`, row count checked), and the points move to the street's store account through
the ledger's guarded balance update. Any refusal rolls all of it back. Cancellation and expiry
give the stock back and refund the points with a reversing transfer, exactly once: the status
change is `REDEMPTION_MACHINE.move` (states.py), one conditional UPDATE from `reserved` (plus
the pickup deadline for hand-over and expiry), so of a concurrent hand-over, cancellation and
expiry exactly one changes the row and the others write nothing and refund nothing; the
reversal's own idempotency key (`redemption-refund:<uuid>`) would refuse a second one anyway.

An exchange reads each thing once: who may exchange is decided once, the locked points row
gives the balance, and the guarded stock update stands in for reading the stock first (only a
refusal reads everything again, to name the same first reason as the confirm page). The
transfer is posted before the exchange row is written, so no row is updated twice; the street's
store-account row (every exchange of the street credits it) is locked only for the last few
statements of the transaction (bench/redemption_bench.py measures the wait)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.common.exceptions import Conflict, DomainError, NotFound, require
from linli.common.exceptions import ValidationError as DomainValidationError
from linli.common.limits import CapReached, RateLimited
from linli.common.numbers import whole_number
from linli.common.periods import Period, period_range
from linli.common.photos import photo_save
from linli.common.text import clean_name, clean_text
from linli.ledger.models import Account, AccountKind, TransferKind, Unit
from linli.ledger.services import (
    InsufficientFunds,
    household_account_lock,
    system_account_ensure,
    transfer_create,
    transfer_reverse,
)
from linli.store import policies
from linli.store.codes import new_pickup_code, normalise_code
from linli.store.models import (
    Donor,
    Goods,
    Redemption,
    RedemptionEvent,
    RedemptionStatus,
    Restock,
)
from linli.store.policies import CLERK_ROLES  # noqa: F401 - re-exported for views and API
from linli.store.selectors import redemption_by_code
from linli.store.states import REDEMPTION_MACHINE

MAX_QUANTITY = 20


class SoldOut(Conflict):
    code = "sold_out"


def pickup_days() -> int:
    return int(getattr(settings, "STORE_PICKUP_DAYS", 7))


def redemptions_per_day() -> int:
    return int(getattr(settings, "STORE_REDEMPTIONS_PER_DAY", 5))


def counter_misses() -> int:
    return int(getattr(settings, "STORE_COUNTER_MISSES", 10))


#: Seconds over which a clerk's wrong pickup codes are counted.
COUNTER_WINDOW = 15 * 60


def _goods_keeper(actor, community) -> None:
    require(policies.can_manage_goods(actor, community),
            _("Only the store clerk or staff of this community may change its goods."))


# --- goods ------------------------------------------------------------------------------


def donor_ensure(*, street, name: str, contact: str = "") -> Donor | None:
    # Typed on a page or sent through the API alike: one cleaning rule (linli.common.text).
    name = clean_name(name or "", field="donor_name")[:100]
    if not name:
        return None
    donor, _created = Donor.objects.get_or_create(
        street=street, name=name, defaults={"contact": clean_text(contact or "")[:100]})
    return donor


def _check_goods_fields(*, name: str, price, limit_per_household, available_from,
                        available_until, limit_period) -> str:
    # The same cleaning as the API's NameStr, so a page and the API store the same name: no
    # control characters (openpyxl refuses them in exports), bidi overrides refused.
    name = clean_name(name or "", field="name")
    if not name or len(name) > 100:
        raise DomainValidationError(_("Enter a name of up to 100 characters."), field="name")
    whole_number(price, low=1, high=1_000_000, field="price", message=_(
        "The price must be a whole number of points from 1 to 1,000,000."))
    if limit_per_household is not None:
        whole_number(limit_per_household, low=1, high=1000, field="limit_per_household",
                     message=_("The limit must be from 1 to 1,000."))
    if limit_period not in Period.values:
        raise DomainValidationError(_("Choose a period."), field="limit_period")
    if available_from and available_until and available_until <= available_from:
        raise DomainValidationError(_("The end of the availability window must be after its "
                                      "start."), field="available_until")
    return name


@transaction.atomic
def goods_create(*, community, name: str, price: int, stock: int = 0, description: str = "",
                 limit_per_household: int | None = None, limit_period: str = Period.MONTH,
                 available_from: datetime | None = None,
                 available_until: datetime | None = None, donor_name: str = "",
                 photo=None, active: bool = True, actor=None) -> Goods:
    name = _check_goods_fields(name=name, price=price, limit_per_household=limit_per_household,
                               available_from=available_from, available_until=available_until,
                               limit_period=limit_period)
    _goods_keeper(actor, community)
    whole_number(stock, low=0, high=100_000, field="stock",
                 message=_("Stock must be from 0 to 100,000."))
    donor = donor_ensure(street=community.street, name=donor_name)
    description = clean_text(description or "", multiline=True)[:500]
    goods = Goods(community=community, name=name, description=description,
                  price=price, stock=0, limit_per_household=limit_per_household,
                  limit_period=limit_period, available_from=available_from,
                  available_until=available_until, donor=donor, active=active)
    if photo is not None:
        photo_save(goods.photo, photo)
    goods.save()
    if stock:
        goods_restock(goods=goods, quantity=stock, donor_name=donor_name,
                      note=_("Initial stock"), actor=actor)
        goods.refresh_from_db()
    return goods


@transaction.atomic
def goods_update(*, goods: Goods, actor, name: str, price: int, description: str = "",
                 limit_per_household: int | None = None, limit_period: str = Period.MONTH,
                 available_from=None, available_until=None, donor_name: str = "",
                 active: bool = True, photo=None) -> Goods:
    """Change what is on offer; stock changes only by restocking and redemptions."""
    _goods_keeper(actor, goods.community)
    name = _check_goods_fields(name=name, price=price, limit_per_household=limit_per_household,
                               available_from=available_from, available_until=available_until,
                               limit_period=limit_period)
    description = clean_text(description or "", multiline=True)[:500]
    fields = {"name": name, "price": price, "description": description,
              "limit_per_household": limit_per_household, "limit_period": limit_period,
              "available_from": available_from, "available_until": available_until,
              "donor": donor_ensure(street=goods.community.street, name=donor_name),
              "active": active, "updated_at": timezone.now()}
    if photo is not None:
        photo_save(goods.photo, photo)
        fields["photo"] = goods.photo.name
    Goods.objects.filter(pk=goods.pk).update(**fields)
    goods.refresh_from_db()
    return goods


@transaction.atomic
def goods_restock(*, goods: Goods, quantity: int, donor_name: str = "", note: str = "",
                  actor=None) -> Restock:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= 100_000:
        raise DomainValidationError(_("The quantity must be from 1 to 100,000."),
                                    field="quantity")
    _goods_keeper(actor, goods.community)
    donor = donor_ensure(street=goods.community.street, name=donor_name) or goods.donor
    Goods.objects.filter(pk=goods.pk).update(stock=F("stock") + quantity,
                                             updated_at=timezone.now())
    return Restock.objects.create(goods=goods, quantity=quantity, donor=donor,
                                  note=(note or "")[:255], actor=actor)


# --- redemptions ------------------------------------------------------------------------


def _replay(*, household, key: str, goods: Goods, quantity: int) -> Redemption | None:
    original = Redemption.objects.filter(household=household, idempotency_key=key).first()
    if original is None:
        return None
    if (original.goods_id, original.quantity) != (goods.pk, quantity):
        raise Conflict(_("This idempotency key was already used for a different exchange."),
                       field="idempotency_key", code="idempotency_conflict")
    return original


def _check_quantity(quantity) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or \
            not 0 < quantity <= MAX_QUANTITY:
        raise DomainValidationError(_("Choose a quantity from 1 to %(n)s.") % {"n": MAX_QUANTITY},
                                    field="quantity")


@dataclass(frozen=True)
class Quote:
    """What an exchange would do, once every rule has passed."""

    goods: Goods
    quantity: int
    price: int
    available: int

    @property
    def after(self) -> int:
        return self.available - self.price


def redemption_check(*, household, goods: Goods, quantity: int, actor,
                     now: datetime | None = None) -> Quote:
    """Every rule an exchange must pass, in the order a household would want to hear them:
    who may exchange, the goods' community and window, the household's daily number of
    exchanges, the per-household limit, stock, and points. The confirm page (preview) and
    `redemption_create` both call this, so the preview never promises what the exchange
    then refuses. Raises the first refusal; returns the quote otherwise."""
    _check_quantity(quantity)
    require(policies.can_redeem(actor, household),
            _("You can only exchange points for your own household."))
    if goods.community_id != household.community_id:
        raise NotFound(_("Goods not found."))
    return _check_rules(household=household, goods=goods, quantity=quantity,
                        now=now or timezone.now())


def _check_rules(*, household, goods: Goods, quantity: int, now: datetime,
                 account: Account | None = None, stock_by_update: bool = False) -> Quote:
    """The rules of `redemption_check` after who may exchange. `account`: the household's
    points row already read (locked). `stock_by_update`: the caller takes the stock next with
    the guarded update, which refuses goods off sale or short, so they are not read here."""
    if stock_by_update:
        current = {"stock": quantity, "active": True}
    else:
        current = Goods.objects.filter(pk=goods.pk).values("stock", "active").first() or {}
    if not goods.is_available(now) or not current.get("active"):
        raise Conflict(_("“%(name)s” is not available for exchange now.") % {"name": goods.name},
                       code="not_available")
    limit = redemptions_per_day()
    recent = Redemption.objects.filter(household=household,
                                       created_at__gte=now - timedelta(days=1)).count()
    if recent >= limit:
        raise RateLimited(_("Your household has made %(n)s exchanges in the last 24 hours, the "
                            "most allowed. Please try again tomorrow.") % {"n": limit})
    if goods.limit_per_household:
        start, end = period_range(goods.limit_period, timezone.localdate(now))
        taken = Redemption.objects.filter(
            household=household, goods=goods, created_at__gte=start, created_at__lt=end,
            status__in=(RedemptionStatus.RESERVED, RedemptionStatus.HANDED_OVER),
        ).aggregate(n=Sum("quantity"))["n"] or 0
        if taken + quantity > goods.limit_per_household:
            raise CapReached(
                _("Each household can exchange at most %(n)s of “%(name)s” %(period)s; "
                  "your household can take %(left)s more.") % {
                    "n": goods.limit_per_household, "name": goods.name,
                    "period": goods.get_limit_period_display(),
                    "left": max(goods.limit_per_household - taken, 0)},
                field="quantity")
    stock = current.get("stock", 0)
    if stock < quantity:
        if stock <= 0:
            raise SoldOut(_("Sorry, “%(name)s” is sold out.") % {"name": goods.name})
        raise SoldOut(_("Only %(n)s of “%(name)s” are left; choose a smaller quantity.") % {
            "n": stock, "name": goods.name}, field="quantity")
    price = goods.price * quantity
    if account is None:
        account = Account.objects.filter(household=household, unit=Unit.POINTS).first()
    available = account.available if account is not None else 0
    if available < price:
        raise InsufficientFunds(_("Not enough points: this needs %(price)s points and your "
                                  "household has %(have)s.") % {"price": price,
                                                                "have": available})
    return Quote(goods=goods, quantity=quantity, price=price, available=available)


def redemption_create(*, household, goods: Goods, quantity: int, idempotency_key: str,
                      actor) -> Redemption:
    """Exchange points for goods: stock reserved and points debited together, or neither."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > 100:
        raise DomainValidationError(_("An idempotency key of 1 to 100 characters is required."),
                                    field="idempotency_key")
    _check_quantity(quantity)
    require(policies.can_redeem(actor, household),
            _("You can only exchange points for your own household."))
    previous = _replay(household=household, key=key, goods=goods, quantity=quantity)
    if previous is not None:
        return previous
    if goods.community_id != household.community_id:
        raise NotFound(_("Goods not found."))
    try:
        with transaction.atomic():
            return _redeem(household=household, goods=goods, quantity=quantity, key=key,
                           actor=actor)
    except IntegrityError:
        previous = _replay(household=household, key=key, goods=goods, quantity=quantity)
        if previous is None:
            raise
        return previous


def _redeem(*, household, goods: Goods, quantity: int, key: str, actor) -> Redemption:
    """After `redemption_create` decided who may exchange: the rules, the stock, the points."""
    now = timezone.now()
    # The rules are counted after the household's points row is locked, so two exchanges of
    # one household cannot both pass them; stock is still taken by a guarded update, since
    # other households compete for it.
    account = household_account_lock(household=household)
    try:
        quote = _check_rules(household=household, goods=goods, quantity=quantity, now=now,
                             account=account, stock_by_update=True)
    except DomainError:
        # Name the first reason the confirm page names (it may be the stock, read now).
        _check_rules(household=household, goods=goods, quantity=quantity, now=now,
                     account=account)
        raise
    taken = Goods.objects.filter(pk=goods.pk, active=True, stock__gte=quantity).update(
        stock=F("stock") - quantity, updated_at=now)
    if taken != 1:
        _check_rules(household=household, goods=goods, quantity=quantity, now=now,
                     account=account)
        raise SoldOut(_("Sorry, “%(name)s” is sold out.") % {"name": goods.name})
    redemption = Redemption(
        goods=goods, household=household, quantity=quantity, points=quote.price,
        pickup_code=new_pickup_code(), idempotency_key=key, requested_by=actor,
        expires_at=now + timedelta(days=pickup_days()))
    store = system_account_ensure(street=household.community.street, kind=AccountKind.STORE,
                                  unit=Unit.POINTS)
    # The transfer first (it names the exchange by its reference), then the exchange row
    # pointing at it: the store-account row stays locked only for the last two inserts.
    redemption.transfer = transfer_create(
        unit=Unit.POINTS, debit=account, credit=store, amount=quote.price,
        kind=TransferKind.REDEMPTION, reference=redemption.reference,
        idempotency_key=redemption.reference, memo=f"{goods.name}×{quantity}"[:255],
        actor=actor)
    redemption.save(force_insert=True)
    # Born reserved: the first event has no state to leave (see states.py).
    RedemptionEvent.objects.create(redemption=redemption, actor=actor, action="reserve",
                                   from_status="", to_status=RedemptionStatus.RESERVED)
    return redemption


def _close(redemption: Redemption, action: str, *, actor, note: str = "",
           extra_filter: Q | None = None) -> Redemption:
    """Reserved → closed by REDEMPTION_MACHINE's guarded update: of a concurrent hand-over,
    cancellation and expiry exactly one wins, so stock and points come back at most once.
    Relations loaded with the exchange (its transfer, for the refund) stay loaded: `move`
    reloads the row, which would forget them."""
    loaded = {name: value for name, value in redemption._state.fields_cache.items()
              if name != "closed_by"}
    REDEMPTION_MACHINE.move(redemption, action, actor=actor, note=note,
                            extra_filter=extra_filter, closed_at=timezone.now(),
                            closed_by=actor)
    redemption._state.fields_cache.update(loaded)
    return redemption


def _refund(redemption: Redemption, *, actor, reason: str) -> None:
    Goods.objects.filter(pk=redemption.goods_id).update(
        stock=F("stock") + redemption.quantity, updated_at=timezone.now())
    refund = transfer_reverse(transfer=redemption.transfer,
                              idempotency_key=f"redemption-refund:{redemption.uuid}",
                              reason=reason, actor=actor)
    Redemption.objects.filter(pk=redemption.pk).update(refund=refund)
    redemption.refund = refund


# --- the counter ------------------------------------------------------------------------


def _miss_key(actor) -> str:
    return f"store:counter-misses:{actor.pk}"


def counter_lookup(*, actor, code: str) -> Redemption:
    """The one exchange a pickup code opens, in the clerk's communities. Wrong codes are
    counted per clerk; after `STORE_COUNTER_MISSES` in 15 minutes the counter refuses every
    lookup for the rest of the window, so codes cannot be guessed."""
    require(policies.can_use_counter(actor), _("Only store clerks and staff use the counter."))
    limit = counter_misses()
    if (cache.get(_miss_key(actor)) or 0) >= limit:
        raise RateLimited(_("Too many wrong pickup codes: the counter is paused for 15 "
                            "minutes. Ask the household to show the code or QR code on their "
                            "phone."))
    code = normalise_code(code)
    if not code:
        raise DomainValidationError(_("Enter the pickup code (8 letters and digits)."),
                                    field="code")
    found = redemption_by_code(user=actor, code=code)
    if found is None:
        key = _miss_key(actor)
        cache.add(key, 0, COUNTER_WINDOW)
        try:
            misses = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, COUNTER_WINDOW)
            misses = 1
        left = max(limit - misses, 0)
        raise NotFound(_("No exchange with pickup code %(code)s in your community. Check the "
                         "code and try again (%(left)s tries left).") % {"code": code,
                                                                         "left": left},
                       field="code")
    return found


@transaction.atomic
def redemption_hand_over(*, redemption: Redemption, actor, code: str) -> Redemption:
    """The clerk gives the goods out at the counter against the pickup code: the code the
    household shows must be this exchange's."""
    require(policies.can_hand_over(actor, redemption),
            _("Only the store clerk or staff of this community may hand goods over, and not "
              "to their own household."))
    if normalise_code(code) != redemption.pickup_code:
        raise DomainValidationError(_("The pickup code does not match this exchange; enter "
                                      "the code the household shows."), field="code")
    if redemption.status == RedemptionStatus.RESERVED and redemption.expires_at <= timezone.now():
        raise Conflict(_("This pickup code has expired; the points are refunded to the "
                         "household."), code="expired")
    return _close(redemption, "hand_over", actor=actor,
                  extra_filter=Q(expires_at__gt=timezone.now()))


@transaction.atomic
def redemption_cancel(*, redemption: Redemption, actor, reason: str = "") -> Redemption:
    """Cancel before pickup (the household, or the clerk): stock back, points refunded."""
    require(policies.can_cancel_redemption(actor, redemption),
            _("Only the household or the store clerk may cancel this exchange."))
    reason = (reason or "").strip() or _("Cancelled before pickup")
    _close(redemption, "cancel", actor=actor, note=reason)
    _refund(redemption, actor=actor, reason=reason)
    return redemption


@transaction.atomic
def redemption_expire(*, redemption: Redemption, now: datetime | None = None,
                      actor=None) -> Redemption:
    """An uncollected reservation past its pickup deadline: stock back, points refunded.
    Only the system's periodic task expires exchanges."""
    require(policies.can_expire(actor, redemption),
            _("Exchanges expire by themselves; nobody can expire one by hand."))
    now = now or timezone.now()
    if redemption.expires_at > now:
        raise Conflict(_("This exchange can still be collected."), code="not_expired")
    _close(redemption, "expire", actor=None, note=_("Not collected in time"),
           extra_filter=Q(expires_at__lte=now))
    _refund(redemption, actor=None, reason=_("Not collected in time"))
    return redemption


def redemption_expire_due(*, now: datetime | None = None, batch: int = 500) -> int:
    """Expire every uncollected reservation past its deadline; returns how many."""
    now = now or timezone.now()
    done = 0
    due = Redemption.objects.filter(status=RedemptionStatus.RESERVED, expires_at__lte=now
                                    ).select_related("transfer").order_by("expires_at")[:batch]
    for redemption in due:
        try:
            redemption_expire(redemption=redemption, now=now)
        except Conflict:
            continue  # collected or cancelled meanwhile
        done += 1
    return done
