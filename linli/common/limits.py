"""Refusals of a limit per household or per person, shared by the apps that count them (the
points bank's claims and award caps, the store's exchanges and counter)."""

from __future__ import annotations

from linli.common.exceptions import Conflict, DomainError


class RateLimited(DomainError):
    """Too many of one action in a rolling window (per household, per clerk): 429."""

    status = 429
    code = "rate_limited"


class CapReached(Conflict):
    """A per-household cap for the period is used up: 409."""

    code = "cap_reached"
