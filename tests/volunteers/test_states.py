"""The volunteer's status table (linli/volunteers/states.py) is what the services follow: each
decision is one row of it, recorded as an event an auditor can read, and a decision the table
does not allow, or one that lost to another staff member, changes nothing."""

import pytest

from linli.common.exceptions import Conflict
from linli.volunteers import services
from linli.volunteers.models import Volunteer, VolunteerEvent, VolunteerStatus
from linli.volunteers.states import VOLUNTEER_MACHINE
from tests.factories import volunteer_make

pytestmark = pytest.mark.django_db

S = VolunteerStatus


def test_the_table_states_every_decision_and_who_takes_it():
    table = {t.action: (set(t.sources), t.targets) for t in VOLUNTEER_MACHINE.transitions}
    assert table == {
        "register": ({S.REJECTED, S.WITHDRAWN}, (S.PENDING,)),
        "approve": ({S.PENDING}, (S.ACTIVE,)),
        "reject": ({S.PENDING}, (S.REJECTED,)),
        "suspend": ({S.ACTIVE}, (S.SUSPENDED,)),
        "reinstate": ({S.SUSPENDED}, (S.ACTIVE,)),
        "withdraw": ({S.PENDING, S.ACTIVE, S.SUSPENDED}, (S.WITHDRAWN,)),
    }
    assert all(str(t.who) for t in VOLUNTEER_MACHINE.transitions)


def test_each_decision_is_an_event_naming_the_action_the_actor_and_both_statuses(world):
    staff = world.users["community_staff"]
    volunteer = volunteer_make(community=world.community, status=S.PENDING)
    services.volunteer_approve(volunteer=volunteer, actor=staff, note="资料齐全")
    services.volunteer_suspend(volunteer=volunteer, actor=staff, reason="多次爽约")
    services.volunteer_reinstate(volunteer=volunteer, actor=staff, note="已沟通")
    services.volunteer_withdraw(volunteer=volunteer, actor=volunteer.user, reason="搬家")
    events = list(VolunteerEvent.objects.filter(volunteer=volunteer)
                  .values_list("action", "from_status", "to_status", "actor", "note"))
    assert events == [
        ("approve", "pending", "active", staff.pk, "资料齐全"),
        ("suspend", "active", "suspended", staff.pk, "多次爽约"),
        ("reinstate", "suspended", "active", staff.pk, "已沟通"),
        ("withdraw", "active", "withdrawn", volunteer.user.pk, "搬家"),
    ]
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.status_reason) == (S.WITHDRAWN, "搬家")
    assert volunteer.events.last().to_label == S.WITHDRAWN.label


def test_a_decision_the_table_does_not_allow_is_refused_and_writes_nothing(world):
    staff = world.users["community_staff"]
    volunteer = volunteer_make(community=world.community, status=S.PENDING)
    with pytest.raises(Conflict) as exc:
        services.volunteer_suspend(volunteer=volunteer, actor=staff, reason="测试")
    assert exc.value.code == "illegal_transition"
    assert str(S.PENDING.label) in exc.value.message  # the status it is in, named
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.status_reason) == (S.PENDING, "")
    assert not VolunteerEvent.objects.filter(volunteer=volunteer, action="suspend").exists()


def test_a_decision_that_lost_to_another_staff_member_changes_nothing(world):
    """Two staff members open the same active volunteer; the first suspends, the second (on a
    page loaded before) suspends too: one suspension, one event, the first reason kept."""
    staff, other = world.users["community_staff"], world.users["street_admin"]
    volunteer = volunteer_make(community=world.community)
    stale = Volunteer.objects.get(pk=volunteer.pk)
    services.volunteer_suspend(volunteer=volunteer, actor=staff, reason="第一位")
    with pytest.raises(Conflict) as exc:
        services.volunteer_suspend(volunteer=stale, actor=other, reason="第二位")
    assert exc.value.code == "illegal_transition"
    volunteer.refresh_from_db()
    assert volunteer.status_reason == "第一位"
    assert VolunteerEvent.objects.filter(volunteer=volunteer, action="suspend").count() == 1
