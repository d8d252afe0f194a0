"""The points pages cost the same whatever a street has stored: the household page, the
statement, the ranking, the review queue and the inspection form run the same number of
queries with a handful of rows or with many, and the inspection form does not build a model
object for every household and resident it offers."""

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.points import services
from linli.points.models import Claim
from linli.registry.models import Household, Resident
from tests.factories import points_claim, points_convention, points_member

pytestmark = pytest.mark.django_db


def _queries(client, url) -> tuple[int, str]:
    client.get(url)  # warm per-process caches (translations, templates)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


@pytest.fixture
def convention(world):
    return points_convention(world.community, cap=None)


@pytest.fixture
def home(world, convention):
    return points_member(community=world.community, user=world.users["resident"],
                         grid=world.grid)


def _approved_claims(home, world, n):
    for _ in range(n):
        claim = points_claim(home, user=world.users["resident"])
        services.claim_approve(claim=claim, actor=world.users["grid_worker"])


def _households(world, n, convention):
    homes = [points_member(community=world.community, grid=world.grid, name=f"李{i}")
             for i in range(n)]
    for h in homes:
        points_claim(h)
    return homes


@pytest.mark.parametrize("page", ["points:household", "points:statement"])
def test_household_pages_do_not_grow_with_the_claims_and_transfers(client, world, home, page):
    client.force_login(world.users["resident"])
    _approved_claims(home, world, 3)
    few, _ = _queries(client, reverse(page))
    _approved_claims(home, world, 30)
    many, html = _queries(client, reverse(page))
    assert many == few
    assert "下一页" in html  # 33 transfers/claims do not fit on one page


def test_the_ranking_does_not_grow_with_the_households_ranked(client, world, home, convention):
    client.force_login(world.users["resident"])
    _approved_claims(home, world, 1)
    few, _ = _queries(client, reverse("points:rankings"))
    for h in _households(world, 20, convention):
        claim = Claim.objects.get(household=h)
        services.claim_approve(claim=claim, actor=world.users["grid_worker"])
    many, html = _queries(client, reverse("points:rankings"))
    assert many == few
    assert html.count('<span class="pt-rank">') == 21


def test_the_review_queue_does_not_grow_with_the_claims_waiting(client, world, convention):
    client.force_login(world.users["community_staff"])
    _households(world, 3, convention)
    few, _ = _queries(client, reverse("points:queue"))
    _households(world, 30, convention)
    many, html = _queries(client, reverse("points:queue"))
    assert many == few
    assert "下一页" in html  # 33 pending claims, 20 a page


def test_the_inspection_form_does_not_build_a_model_per_household_or_member(client, world,
                                                                            convention):
    client.force_login(world.users["grid_worker"])
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    url = reverse("points:inspection_new")
    _households(world, 3, convention)
    post_init.connect(count, sender=Household)
    post_init.connect(count, sender=Resident)
    try:
        few, _ = _queries(client, url)
        built_few = len(built)
        homes = _households(world, 30, convention)
        built.clear()
        many, html = _queries(client, url)
        built_many = len(built)
        # Choosing a household (the link from a claim) still preselects it
        chosen = homes[7]
        _, preselected = _queries(client, f"{url}?household={chosen.uuid}")
    finally:
        post_init.disconnect(count, sender=Household)
        post_init.disconnect(count, sender=Resident)
    assert many == few
    assert built_many <= built_few + 2 * 2  # two GETs measured; nothing per option
    # Every household and member in the grid is offered, the household is required
    for h in homes:
        assert f'<option value="{h.uuid}">{h.address}</option>' in html
        head = h.residents.get()
        assert f'<option value="{head.uuid}">{head.name}</option>' in html
    assert '<select name="household" required id="id_household">' in html
    assert '<option value="" selected>全家</option>' in html
    assert f'<option value="{chosen.uuid}" selected>{chosen.address}</option>' in preselected
