"""Accounts store ASCII mobiles, whatever digits or separators were typed (issue 11)."""

import pytest

from linli.accounts.services import user_create
from linli.common.exceptions import ValidationError

pytestmark = pytest.mark.django_db
PASSWORD = "Linli@2026demo-x"


def test_full_width_mobile_is_stored_ascii_and_logs_in_either_way(client):
    user = user_create(mobile="１３７ ０８５７-９２６９", password=PASSWORD, name="周桂兰")
    user.refresh_from_db()
    assert user.mobile == "13708579269"
    # The same number typed the other way is the same account.
    with pytest.raises(Exception) as caught:
        user_create(mobile="13708579269", password=PASSWORD)
    assert getattr(caught.value, "field", None) == "mobile"
    # Page login with the number as printed on a card (spaces, full-width).
    response = client.post("/accounts/login/", {"username": "１３７ 0857 9269",
                                                "password": PASSWORD})
    assert response.status_code == 302
    # API token with dashes.
    token = client.post("/api/v1/auth/token", {"mobile": "137-0857-9269", "password": PASSWORD},
                        content_type="application/json")
    assert token.status_code == 201, token.content


def test_digits_of_other_scripts_are_refused():
    arabic = "1" + "".join(chr(0x0660 + int(d)) for d in "3708579269")
    with pytest.raises(ValidationError) as caught:
        user_create(mobile=arabic, password=PASSWORD)
    assert caught.value.field == "mobile"
