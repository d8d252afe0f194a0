"""志愿服务条例 Art. 15: assignments fit age, skills and health; weekly availability."""

import datetime as dt

import pytest
from django.test.utils import override_settings
from django.utils import timezone

from linli.volunteers.models import Skill
from linli.volunteers.selectors import is_available, volunteer_list_eligible
from tests.factories import CommunityFactory, volunteer_make


def _haircut():
    return Skill.objects.get(code="haircut")


pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 15)


def _born(years_ago: int, days: int = 0) -> dt.date:
    return TODAY.replace(year=TODAY.year - years_ago) + dt.timedelta(days=days)


def test_only_active_consented_fit_adults_up_to_70_are_eligible():
    community = CommunityFactory()
    ok = volunteer_make(community=community, birth_date=_born(30))
    just_18 = volunteer_make(community=community, birth_date=_born(18))
    almost_71 = volunteer_make(community=community, birth_date=_born(71, days=1))
    volunteer_make(community=community, birth_date=_born(18, days=1))  # 17 years old
    volunteer_make(community=community, birth_date=_born(71))  # 71 today
    volunteer_make(community=community, health_ok=False)
    volunteer_make(community=community, consent=False)
    volunteer_make(community=community, status="pending")
    volunteer_make(community=community, status="suspended")
    volunteer_make(community=CommunityFactory())  # another community
    moved = volunteer_make(community=community)
    moved.resident.moved_out = True
    moved.resident.save()

    eligible = set(volunteer_list_eligible(community=community, on=TODAY))
    assert eligible == {ok, just_18, almost_71}


def test_age_limits_are_configurable():
    community = CommunityFactory()
    senior = volunteer_make(community=community, birth_date=_born(72))
    assert senior not in volunteer_list_eligible(community=community, on=TODAY)
    assert senior in volunteer_list_eligible(community=community, on=TODAY, max_age=75)
    with override_settings(VOLUNTEER_MAX_AGE=75):
        assert senior in volunteer_list_eligible(community=community, on=TODAY)


def test_skill_filter():
    community = CommunityFactory()
    barber = volunteer_make(community=community)
    barber.skills.add(_haircut())
    volunteer_make(community=community)
    assert list(volunteer_list_eligible(community=community,
                                        skills=Skill.objects.filter(code="haircut"))) == [barber]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_is_available_within_a_weekly_window_only():
    volunteer = volunteer_make(community=CommunityFactory(),
                               slots=((0, 8, 12), (2, 14, 18)))
    monday = dt.date(2025, 6, 16)
    wednesday = monday + dt.timedelta(days=2)
    assert is_available(volunteer, _at(monday, 9), _at(monday, 11))
    assert is_available(volunteer, _at(monday, 8), _at(monday, 12))
    assert not is_available(volunteer, _at(monday, 11), _at(monday, 13))
    assert not is_available(volunteer, _at(monday, 14), _at(monday, 15))
    assert is_available(volunteer, _at(wednesday, 15), _at(wednesday, 16, 30))
    assert not is_available(volunteer, _at(wednesday, 16), _at(wednesday, 15))
    assert not is_available(volunteer, _at(monday, 9), _at(wednesday, 15))
