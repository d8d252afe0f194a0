from tests.access.rules import EVERYONE, Rule

LEDGER_STAFF = frozenset({"community_staff", "street_admin"})


def _account(community):
    from tests.factories import ledger_funded_account

    return ledger_funded_account(community=community, minutes=120)


def _account_kwargs(community):
    return lambda w: {"uuid": _account(getattr(w, community)).uuid}


def _transfer_kwargs(community):
    def build(w):
        from linli.ledger.models import Transfer

        account = _account(getattr(w, community))
        return {"uuid": Transfer.objects.filter(credit=account).get().uuid}

    return build


def _allocation(w) -> dict:
    """A real allocation: 30 minutes from community A's funded fund to an elder of A (built
    once per world), so allowed roles exercise the service's own permission check."""
    import datetime

    from linli.ledger.services import donation_create
    from tests.factories import UserFactory, ledger_resident

    if not hasattr(w, "ledger_elder"):
        donor = _account(w.community).resident
        user = UserFactory()
        type(donor).objects.filter(pk=donor.pk).update(user=user)
        donor.refresh_from_db()
        donation_create(donor=donor, minutes=60, idempotency_key="access-fund", actor=user)
        w.ledger_elder = ledger_resident(community=w.community,
                                         birth_date=datetime.date(1930, 1, 1))
    return {"recipient": str(w.ledger_elder.uuid), "minutes": 30,
            "idempotency_key": "access-allocation"}


def _community_kwargs(community):
    return lambda w: {"community_uuid": getattr(w, community).uuid}


ADJUST = {"direction": "credit", "amount": "1", "reason": "录入错误更正"}

PAGE_RULES = {
    "ledger:timebank": Rule(EVERYONE),
    "ledger:statement": Rule(EVERYONE),
    "ledger:statement_export": Rule(EVERYONE),
    "ledger:gift": Rule(EVERYONE),
    "ledger:gift_confirm": Rule(EVERYONE),
    "ledger:donate": Rule(EVERYONE),
    "ledger:donate_confirm": Rule(EVERYONE),
    "ledger:accounts": Rule(LEDGER_STAFF),
    "ledger:account": Rule(LEDGER_STAFF, kwargs=_account_kwargs("community"),
                           foreign=_account_kwargs("other_community")),
    "ledger:account_export": Rule(LEDGER_STAFF, kwargs=_account_kwargs("community"),
                                  foreign=_account_kwargs("other_community")),
    "ledger:adjust": Rule(LEDGER_STAFF, method="POST", data=lambda w: ADJUST,
                          kwargs=_account_kwargs("community"),
                          foreign=_account_kwargs("other_community")),
    "ledger:adjust_confirm": Rule(LEDGER_STAFF, kwargs=_account_kwargs("community"),
                                  foreign=_account_kwargs("other_community")),
    "ledger:reverse": Rule(LEDGER_STAFF, kwargs=_transfer_kwargs("community"),
                           foreign=_transfer_kwargs("other_community")),
    "ledger:funds": Rule(LEDGER_STAFF),
    "ledger:allocate": Rule(LEDGER_STAFF, kwargs=_community_kwargs("community"),
                            foreign=_community_kwargs("other_community")),
    "ledger:allocate_confirm": Rule(LEDGER_STAFF, kwargs=_community_kwargs("community"),
                                    foreign=_community_kwargs("other_community")),
}

API_RULES = {
    ("GET", "/api/v1/timebank/me"): Rule(EVERYONE),
    ("GET", "/api/v1/timebank/me/statement"): Rule(EVERYONE),
    ("POST", "/api/v1/timebank/gifts"): Rule(EVERYONE, data=lambda w: {
        "recipient": "00000000-0000-4000-8000-000000000000", "minutes": 30,
        "idempotency_key": "access-gift"}),
    ("POST", "/api/v1/timebank/donations"): Rule(EVERYONE, data=lambda w: {
        "minutes": 30, "idempotency_key": "access-donation"}),
    ("GET", "/api/v1/timebank/funds"): Rule(LEDGER_STAFF),
    ("GET", "/api/v1/timebank/funds/{community_uuid}/priority"): Rule(
        LEDGER_STAFF, kwargs=_community_kwargs("community"),
        foreign=_community_kwargs("other_community")),
    ("POST", "/api/v1/timebank/funds/{community_uuid}/allocations"): Rule(
        LEDGER_STAFF, kwargs=_community_kwargs("community"),
        foreign=_community_kwargs("other_community"),
        data=_allocation),
    ("GET", "/api/v1/ledger/accounts"): Rule(LEDGER_STAFF),
    ("GET", "/api/v1/ledger/accounts/{uuid}"): Rule(
        EVERYONE, kwargs=_account_kwargs("community"),
        foreign=_account_kwargs("other_community")),
    ("GET", "/api/v1/ledger/accounts/{uuid}/statement"): Rule(
        EVERYONE, kwargs=_account_kwargs("community"),
        foreign=_account_kwargs("other_community")),
    ("GET", "/api/v1/ledger/accounts/{uuid}/reservations"): Rule(
        EVERYONE, kwargs=_account_kwargs("community"),
        foreign=_account_kwargs("other_community")),
    ("POST", "/api/v1/ledger/accounts/{uuid}/adjustments"): Rule(
        LEDGER_STAFF, kwargs=_account_kwargs("community"),
        foreign=_account_kwargs("other_community"),
        data=lambda w: {**ADJUST, "amount": 1, "idempotency_key": "access-adjust"}),
    ("POST", "/api/v1/ledger/transfers/{uuid}/reversal"): Rule(
        LEDGER_STAFF, kwargs=_transfer_kwargs("community"),
        foreign=_transfer_kwargs("other_community"),
        data=lambda w: {"reason": "录入错误", "idempotency_key": "access-reversal"}),
}
