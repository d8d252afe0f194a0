"""Reference data of the points bank: the award rules every community starts with.

Other apps award by these codes (`award_for_source(rule_code=…)`); the rule rows belong to
the points app, so the defaults are declared here once instead of being created by whichever
app happens to award first. A community's staff may change a rule's figures or switch it off
(`award_rule_set`); loading the defaults again never touches a rule that exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from linli.points.models import AwardRule, AwardSource


@dataclass(frozen=True)
class DefaultAwardRule:
    code: str
    title: str | Promise
    points_per_unit: int
    unit_label: str | Promise


#: What a community's rule looks like before its staff change it. The titles are stored
#: translated (the rule's title is the ledger memo residents read).
DEFAULT_AWARD_RULES: tuple[DefaultAwardRule, ...] = (
    DefaultAwardRule(AwardSource.SERVICE_ORDER, _("Completed service orders"), 1, _("points")),
    DefaultAwardRule(AwardSource.ACTIVITY_ATTENDANCE, _("Taking part in community activities"),
                     1, _("points")),
)

DEFAULTS_BY_CODE: dict[str, DefaultAwardRule] = {str(d.code): d for d in DEFAULT_AWARD_RULES}


def default_rule_ensure(*, community_id: int, code: str) -> AwardRule | None:
    """The community's rule `code`, created from its default when missing; None when `code`
    has no default and the community has no such rule. An existing rule is returned as it is
    (switched off or changed by staff)."""
    rule = AwardRule.objects.filter(community_id=community_id, code=code).first()
    if rule is not None or code not in DEFAULTS_BY_CODE:
        return rule
    default = DEFAULTS_BY_CODE[code]
    # A savepoint: a concurrent first award in the same community may insert the row first
    # (unique community+code), and get_or_create then reads that row.
    with transaction.atomic():
        rule, _created = AwardRule.objects.get_or_create(
            community_id=community_id, code=code,
            defaults={"title": str(default.title)[:100],
                      "points_per_unit": default.points_per_unit,
                      "unit_label": str(default.unit_label)[:16]})
    return rule


def award_rules_ensure(*, community) -> list[AwardRule]:
    """Every default rule for `community`, creating the missing ones (idempotent)."""
    return [default_rule_ensure(community_id=community.pk, code=code) for code in DEFAULTS_BY_CODE]


def load() -> int:
    """Ensure the default award rules of every existing community; the number created."""
    from linli.registry.models import Community

    before = AwardRule.objects.count()
    with translation.override(settings.LANGUAGE_CODE):
        for community in Community.objects.order_by("pk"):
            award_rules_ensure(community=community)
    return AwardRule.objects.count() - before
