"""Every service checks a whole number the same way: an int in range, never a bool, never a
number typed as text (which once reached a comparison and failed with a server error)."""

import pytest

from linli.common.exceptions import ValidationError
from linli.common.numbers import whole_number


@pytest.mark.parametrize("value", [True, False, "5", 5.0, None, 0, 11])
def test_anything_but_an_int_in_range_is_refused_on_its_field(value):
    with pytest.raises(ValidationError) as refused:
        whole_number(value, low=1, high=10, field="portions")
    assert refused.value.field == "portions"


def test_the_bounds_are_inclusive_and_an_open_top_has_no_bound():
    assert whole_number(1, low=1, high=10, field="x") == 1
    assert whole_number(10, low=1, high=10, field="x") == 10
    assert whole_number(10**9, low=0, high=None, field="x") == 10**9


@pytest.mark.django_db
def test_a_service_given_points_as_text_refuses_them_clearly(world):
    from linli.points import services

    with pytest.raises(ValidationError) as refused:
        services.award_rule_set(community=world.community, code="tidy", title="Tidy yard",
                                points_per_unit="5", unit_label="times")
    assert refused.value.field == "points_per_unit"
