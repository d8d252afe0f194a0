"""The access matrix for every button of the order page (`orders:transition`), not only
cancel: each action on an order in the state it starts from, posted by every role. Refused roles
get 403 (or the login page) and the order stays as it was; allowed roles get through. The rules
live in tests/access/rules_orders.py (PAGE_ACTIONS); the API operations are covered by the main
matrix (tests/test_access_matrix.py) through API_RULES."""

import pytest
from django.urls import reverse

from tests.access.rules import ROLES
from tests.access.rules_orders import ORDER_ROLES, PAGE_ACTIONS

pytestmark = pytest.mark.django_db


def test_every_transition_action_of_the_view_has_a_rule():
    import inspect

    from linli.orders import views

    source = inspect.getsource(views.transition)
    handled = {line.split('"')[1] for line in source.splitlines()
               if line.strip().startswith(("if action ==", "elif action =="))}
    assert handled == set(PAGE_ACTIONS)


@pytest.mark.parametrize("action", sorted(PAGE_ACTIONS))
def test_transition_action_access(client, world, action):
    from linli.orders import selectors
    from linli.orders.models import Order
    from tests.factories import orders_order

    state, allowed, data = PAGE_ACTIONS[action]
    wrong = []
    # refused roles first, each on a fresh order, so nothing an allowed role did hides a leak
    for role in sorted(("anonymous", *ROLES), key=lambda r: (r != "anonymous", r in allowed)):
        order = orders_order(world, "a", state=state)
        client.logout()
        if role != "anonymous":
            client.force_login(world.users[role])
        url = reverse("orders:transition", kwargs={"uuid": order.uuid, "action": action})
        response = client.post(url, data(world) if data else {})
        after = Order.objects.get(pk=order.pk)
        if role in allowed:
            ok = response.status_code == 302 and response["Location"] == (
                f"/orders/{order.uuid}/") and (after.status != state
                                               or action == "confirm_early")
            if action == "confirm_early":
                ok = ok and after.early_confirmed_at is not None
        elif role == "anonymous":
            ok = response.status_code == 302 and "/accounts/login/" in response["Location"]
        elif role in ORDER_ROLES and selectors.order_get_for_user(
                user=world.users[role], uuid=order.uuid) is None:
            ok = response.status_code == 404  # they cannot even see the order
        else:
            ok = response.status_code == 403
        unchanged = role in allowed or (after.status == state
                                        and after.early_confirmed_at is None)
        if not (ok and unchanged):
            wrong.append((role, response.status_code, after.status))
    assert not wrong, f"{action}: unexpected answers {wrong}"


@pytest.mark.parametrize("action", sorted(PAGE_ACTIONS))
def test_transition_action_on_another_communitys_order_is_not_found(client, world, action):
    from tests.factories import orders_order

    state, allowed, data = PAGE_ACTIONS[action]
    order = orders_order(world, "b", state=state)
    for role in sorted(allowed - {"street_admin"}):
        client.force_login(world.users[role])
        url = reverse("orders:transition", kwargs={"uuid": order.uuid, "action": action})
        assert client.post(url, data(world) if data else {}).status_code == 404, role
