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
