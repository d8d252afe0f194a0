"""Login lockout with two thresholds: one account, and one network (client address).

Families share a phone, so the phone (IP + browser) cannot be what is locked after five wrong
passwords: one resident's mistakes would lock out her husband typing his correct password.
The account is locked after `AXES_FAILURE_LIMIT` (5) failures; the client address only after
`LOGIN_NETWORK_FAILURE_LIMIT` (50) failures across any accounts, which stops password spraying
without catching a family or a community office behind one address.

django-axes compares a single failure count with a single limit, so this handler keeps axes'
recording (one `AccessAttempt` row per account + address + browser) and decides both
thresholds itself from those rows; `get_failures` reports the account's count, raised to the
limit when the network threshold is crossed, so axes' own comparison locks for either reason.
The reason and the time the lock lifts are left on the request for `lockout_response`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone

ACCOUNT = "account"
NETWORK = "network"


@dataclass(frozen=True)
class Lockout:
    reason: str  # ACCOUNT or NETWORK
    until: datetime

    @property
    def retry_after(self) -> int:
        """Whole seconds until the lock lifts (at least 1), for the Retry-After header."""
        return max(1, math.ceil((self.until - timezone.now()).total_seconds()))


def _failures(attempts) -> tuple[int, datetime | None]:
    row = attempts.aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    return row["n"] or 0, row["last"]


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        account, account_last = (
            _failures(recent.filter(username=username)) if username else (0, None)
        )
        network, network_last = _failures(recent.filter(ip_address=request.axes_ip_address))
        limit = get_failure_limit(request, credentials)
        cool_off = get_cool_off(request)
        if account >= limit:
            request.linli_lockout = Lockout(ACCOUNT, account_last + cool_off)
            return account
        if network >= settings.LOGIN_NETWORK_FAILURE_LIMIT:
            request.linli_lockout = Lockout(NETWORK, network_last + cool_off)
            return limit
        request.linli_lockout = None
        return account

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful login clears that account's failures only. axes would also clear the
        address's (it is a lockout parameter), which would let one resident's login unlock
        another's account on the same phone, and let a sprayer reset the network count by
        signing in to an account of their own between guesses."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_of(request) -> Lockout | None:
    return getattr(request, "linli_lockout", None)
