import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from linli.accounts.demo import DEMO_PASSWORD
from linli.accounts.models import Role, RoleAssignment, User
from linli.registry.models import Community, Grid

pytestmark = pytest.mark.django_db


def test_demo_loads_every_role_and_is_idempotent(rf):
    call_command("demo", verbosity=0)
    counts = (User.objects.count(), RoleAssignment.objects.count(), Community.objects.count(),
              Grid.objects.count())
    call_command("demo", verbosity=0)
    assert (User.objects.count(), RoleAssignment.objects.count(), Community.objects.count(),
            Grid.objects.count()) == counts
    assert Community.objects.count() == 3
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    request = rf.post("/accounts/login/")
    assert authenticate(request, username="13900000011", password=DEMO_PASSWORD) is not None


def test_the_demo_ends_with_every_reference_row():
    """Every demo community starts with the default award rules, and dispatch has its skills,
    as a community created after migrate in production gets them from the loaders."""
    from linli.points.models import AwardRule
    from linli.points.reference import DEFAULT_AWARD_RULES
    from linli.volunteers.models import Skill
    from linli.volunteers.reference import DEFAULT_SKILLS

    call_command("demo", verbosity=0)
    codes = {str(d.code) for d in DEFAULT_AWARD_RULES}
    for community in Community.objects.all():
        assert codes <= set(AwardRule.objects.filter(community=community)
                            .values_list("code", flat=True)), community.name
    assert {code for code, _name in DEFAULT_SKILLS} <= set(Skill.objects.values_list("code",
                                                                                      flat=True))
