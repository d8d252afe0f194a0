"""Capacity holds under concurrent sign-ups and cancellations: real threads released together
by a barrier, on the file database (SQLite) or PostgreSQL."""

import threading

import pytest
from django.db import connection

from linli.accounts.models import Role
from linli.activities.models import Activity, Signup, SignupStatus
from linli.activities.services import signup_cancel, signup_create
from tests.factories import activity_make, activity_resident, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)


def _run_together(functions):
    barrier = threading.Barrier(len(functions))
    results, errors = [None] * len(functions), []

    def worker(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, fn)) for i, fn in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def _residents(world, n):
    people = []
    for i in range(n):
        user = user_with_role(Role.RESIDENT, world.community)
        activity_resident(world.community, user=user, name=f"居民{i}")
        people.append(user)
    return people


def test_concurrent_signups_admit_exactly_capacity(world):
    # Given an activity with 5 places and 12 residents pressing "sign up" at the same moment
    activity = activity_make(world.community, capacity=5)
    people = _residents(world, 12)

    # When they all sign up together
    results, errors = _run_together(
        [lambda u=u: signup_create(activity=activity, actor=u) for u in people])

    # Then exactly 5 have a place, the other 7 wait, and the counter agrees with the rows
    assert errors == []
    statuses = sorted(s.status for s in results)
    assert statuses.count(SignupStatus.CONFIRMED) == 5
    assert statuses.count(SignupStatus.WAITLISTED) == 7
    activity.refresh_from_db()
    assert activity.seats_taken == 5
    assert Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count() == 5


def test_concurrent_cancellations_promote_one_waiting_person_each(world):
    # Given a full activity (4 places) with 6 people waiting
    activity = activity_make(world.community, capacity=4)
    people = _residents(world, 10)
    signups = [signup_create(activity=activity, actor=u) for u in people]
    confirmed = [s for s in signups if s.status == SignupStatus.CONFIRMED]
    assert len(confirmed) == 4

    # When three confirmed people cancel at the same moment as two newcomers sign up
    newcomers = _residents(world, 2)
    jobs = [lambda s=s, u=u: signup_cancel(signup=s, actor=u)
            for s, u in zip(confirmed[:3], people[:3], strict=True)]
    jobs += [lambda u=u: signup_create(activity=activity, actor=u) for u in newcomers]
    _results, errors = _run_together(jobs)

    # Then the three freed places went to the first three waiting (not the newcomers),
    # and the activity is still exactly full
    assert errors == []
    activity = Activity.objects.get(pk=activity.pk)
    assert activity.seats_taken == 4
    rows = Signup.objects.filter(activity=activity)
    assert rows.filter(status=SignupStatus.CONFIRMED).count() == 4
    promoted = {s.pk for s in signups[4:7]}
    assert set(rows.filter(promoted_at__isnull=False).values_list("pk", flat=True)) == promoted
    assert rows.filter(user__in=newcomers, status=SignupStatus.WAITLISTED).count() == 2


def test_the_same_person_twice_at_once_gets_one_signup(world):
    activity = activity_make(world.community, capacity=3)
    user = _residents(world, 1)[0]
    results, errors = _run_together([lambda: signup_create(activity=activity, actor=user)] * 4)
    assert len([r for r in results if r is not None]) == 1
    assert len(errors) == 3 and all(e.code == "duplicate" for e in errors)
    activity.refresh_from_db()
    assert activity.seats_taken == 1


def test_start_and_cancel_at_once_one_wins_and_the_events_chain(world):
    """Two organisers act on the same published activity at the same moment, one starting it,
    one cancelling it. Exactly one succeeds; the other is refused, and each event's "from"
    is the state the previous event left (no event claims the activity left "published"
    twice)."""
    from linli.activities.models import ActivityEvent, ActivityStatus
    from linli.activities.services import activity_cancel, activity_start
    from linli.common.exceptions import Conflict

    staff = world.users["community_staff"]
    activity = activity_make(world.community, actor=staff)
    first_page = Activity.objects.get(pk=activity.pk)
    second_page = Activity.objects.get(pk=activity.pk)

    results, errors = _run_together([
        lambda: activity_start(activity=first_page, actor=staff),
        lambda: activity_cancel(activity=second_page, actor=staff, reason="场地临时占用"),
    ])

    assert len([r for r in results if r is not None]) == 1
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
    assert errors[0].code == "illegal_transition"
    events = list(ActivityEvent.objects.filter(activity=activity).values_list(
        "from_status", "to_status"))
    assert [e[0] for e in events[1:]] == [e[1] for e in events[:-1]]
    assert len(events) == 3
    activity.refresh_from_db()
    assert activity.status == events[-1][1]
    assert activity.status in (ActivityStatus.ONGOING, ActivityStatus.CANCELLED)
