"""Who may act on activities and classes is decided inside the services: each action refused
for a role that may not take it, called directly, through the page and through the API."""

import datetime

import pytest
from django.utils import timezone

from linli.accounts.models import Role
from linli.activities import policies, services
from linli.activities.models import (
    ActivityStatus,
    ClassFollow,
    ClassSession,
    Enrolment,
    EnrolmentStatus,
    Signup,
    SignupStatus,
)
from linli.common.exceptions import PermissionDenied
from tests.factories import (
    activity_make,
    activity_resident,
    culture_class_make,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def _resident(world, community=None):
    community = community or world.community
    user = user_with_role(Role.RESIDENT, community)
    activity_resident(community, user=user)
    return user


def _future_class(world, community=None, **kwargs):
    today = timezone.localdate()
    values = {"name": f"声乐队{timezone.now().timestamp()}", "weekdays": list(range(7)),
              "term_start": today + datetime.timedelta(days=1),
              "term_end": today + datetime.timedelta(days=14)}
    values.update(kwargs)
    return culture_class_make(community or world.community, **values)


# --- activities: staff actions --------------------------------------------------------------


def test_only_the_communitys_staff_create_edit_and_move_activities(world):
    staff, other_staff = world.users["community_staff"], world.other["community_staff"]
    for who in ("resident", "volunteer", "grid_worker", "store_clerk", "auditor"):
        with pytest.raises(PermissionDenied):
            activity_make(world.community, actor=world.users[who], publish=False)
    with pytest.raises(PermissionDenied):
        activity_make(world.community, actor=other_staff, publish=False)
    draft = activity_make(world.community, actor=staff, publish=False)
    with pytest.raises(PermissionDenied):
        services.activity_update(activity=draft, actor=world.users["grid_worker"], capacity=5)
    with pytest.raises(PermissionDenied):
        services.activity_publish(activity=draft, actor=world.users["resident"])
    with pytest.raises(PermissionDenied):
        services.activity_publish(activity=draft, actor=other_staff)
    # The street administrator runs every community of the street.
    services.activity_publish(activity=draft, actor=world.users["street_admin"])
    with pytest.raises(PermissionDenied):
        services.activity_start(activity=draft, actor=world.users["volunteer"])
    with pytest.raises(PermissionDenied):
        services.activity_end(activity=draft, actor=world.users["store_clerk"])
    with pytest.raises(PermissionDenied):
        services.activity_credit(activity=draft, actor=world.users["auditor"])
    draft.refresh_from_db()
    assert draft.status == ActivityStatus.PUBLISHED


def test_cancelling_needs_a_person_of_the_community_staff(world):
    activity = activity_make(world.community)
    for actor in (world.users["resident"], world.users["grid_worker"],
                  world.other["community_staff"], None):
        with pytest.raises(PermissionDenied):
            services.activity_cancel(activity=activity, actor=actor, reason="暴雨预警")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PUBLISHED
    services.activity_cancel(activity=activity, actor=world.users["community_staff"],
                             reason="暴雨预警")


def test_summary_head_count_and_photos_are_for_staff(world):
    staff = world.users["community_staff"]
    activity = activity_make(world.community, starts_in=-datetime.timedelta(minutes=10))
    services.activity_end(activity=activity, actor=staff)
    with pytest.raises(PermissionDenied):
        services.activity_summarise(activity=activity, actor=world.users["resident"],
                                    summary="很好")
    with pytest.raises(PermissionDenied):
        services.activity_beneficiaries_set(activity=activity, actor=world.users["auditor"],
                                            count=3, reason="上门")
    with pytest.raises(PermissionDenied):
        services.activity_photo_add(activity=activity, actor=world.users["volunteer"],
                                    image=None)


# --- sign-ups and check-in --------------------------------------------------------------------


def test_residents_of_another_community_cannot_sign_up_and_strangers_cannot_cancel(world):
    activity = activity_make(world.community)
    outsider = _resident(world, world.other_community)
    with pytest.raises(PermissionDenied):
        services.signup_create(activity=activity, actor=outsider)
    user = _resident(world)
    signup = services.signup_create(activity=activity, actor=user)
    neighbour = _resident(world)
    with pytest.raises(PermissionDenied):
        services.signup_cancel(signup=signup, actor=neighbour)
    with pytest.raises(PermissionDenied):
        services.signup_cancel(signup=signup, actor=world.users["store_clerk"])
    signup.refresh_from_db()
    assert signup.status == SignupStatus.CONFIRMED
    # The organiser may cancel on the person's behalf (they phoned in).
    services.signup_cancel(signup=signup, actor=world.users["community_staff"])


def test_only_organisers_check_others_in_and_out(world):
    activity = activity_make(world.community, starts_in=-datetime.timedelta(minutes=10))
    user = _resident(world)
    signup = services.signup_create(activity=activity, actor=user)
    for who in ("resident", "volunteer", "grid_worker"):
        with pytest.raises(PermissionDenied):
            services.checkin_by_staff(signup=signup, actor=world.users[who])
        with pytest.raises(PermissionDenied):
            services.checkin_by_ticket(token=services.ticket_token(signup=signup),
                                       actor=world.users[who])
        with pytest.raises(PermissionDenied):
            services.walkin_record(activity=activity, actor=world.users[who], name="路人")
    walkin = services.walkin_record(activity=activity, actor=world.users["community_staff"],
                                    name="刘阿姨", role="volunteer")
    with pytest.raises(PermissionDenied):
        services.attendance_checkout(attendance=walkin, actor=world.users["grid_worker"])
    outsider = _resident(world, world.other_community)
    with pytest.raises(PermissionDenied):
        services.checkin_record(activity=activity, actor=outsider,
                                token=services.checkin_token(activity=activity))


def test_a_family_member_signs_up_an_elder_of_a_household_they_are_bound_to(world):
    from tests.factories import activity_door_household

    son = user_with_role(Role.RESIDENT, world.community)  # lives elsewhere, no record here
    household = activity_door_household(world.community, users=[son], members=["王奶奶"])
    mother = household.residents.get()
    activity = activity_make(world.community)
    assert policies.can_sign_up(son, activity, mother)
    signup = services.signup_create(activity=activity, actor=son, resident=mother)
    assert (signup.name, signup.signed_up_by) == ("王奶奶", son)
    stranger = _resident(world)
    assert not policies.can_sign_up(stranger, activity, mother)
    with pytest.raises(PermissionDenied):
        services.signup_cancel(signup=signup, actor=stranger)
    services.signup_cancel(signup=signup, actor=son)


def test_signup_through_the_api_for_someone_elses_family_is_refused(client, world):
    activity = activity_make(world.community)
    stranger_record = activity_resident(world.community, name="别家老人")
    client.force_login(_resident(world))
    response = client.post(f"/api/v1/activities/{activity.uuid}/signups",
                           {"resident": str(stranger_record.uuid)},
                           content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not Signup.objects.filter(activity=activity).exists()


def test_a_stranger_cannot_cancel_someone_elses_signup_through_the_api(client, world):
    activity = activity_make(world.community)
    signup = services.signup_create(activity=activity, actor=_resident(world))
    client.force_login(_resident(world))
    response = client.post(f"/api/v1/activities/{activity.uuid}/signups/cancel",
                           {"signup": str(signup.uuid)}, content_type="application/json")
    assert response.status_code == 404  # not theirs: they cannot even see it
    signup.refresh_from_db()
    assert signup.status == SignupStatus.CONFIRMED


# --- classes -----------------------------------------------------------------------------------


def test_class_actions_are_refused_to_roles_that_may_not_take_them(world):
    resident = _resident(world)
    with pytest.raises(PermissionDenied):
        culture_class_make(world.community, actor=resident)
    with pytest.raises(PermissionDenied):
        culture_class_make(world.community, actor=world.other["community_staff"])
    klass = _future_class(world)
    with pytest.raises(PermissionDenied):
        services.class_sessions_generate(culture_class=klass, actor=resident)
    outsider = _resident(world, world.other_community)
    with pytest.raises(PermissionDenied):
        services.enrolment_create(culture_class=klass, actor=outsider)
    with pytest.raises(PermissionDenied):
        services.class_follow_set(culture_class=klass, user=outsider, follow=True)
    enrolment = services.enrolment_create(culture_class=klass, actor=resident)
    with pytest.raises(PermissionDenied):
        services.enrolment_withdraw(enrolment=enrolment, actor=_resident(world))
    session = klass.sessions.first()
    with pytest.raises(PermissionDenied):
        services.session_cancel(session=session, actor=resident, note="老师生病")
    with pytest.raises(PermissionDenied):
        services.session_cancel(session=session, actor=world.users["grid_worker"], note="x")
    with pytest.raises(PermissionDenied):
        services.session_attendance_set(session=session, actor=resident, present=[enrolment])
    assert not ClassFollow.objects.filter(user=outsider).exists()
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.ENROLLED
    assert not ClassSession.objects.get(pk=session.pk).cancelled


def test_the_system_may_run_the_demo_but_not_act_for_a_person(world):
    activity = activity_make(world.community, actor=None)  # demo loader: create and publish
    assert activity.status == ActivityStatus.PUBLISHED
    with pytest.raises(PermissionDenied):
        services.activity_cancel(activity=activity, actor=None, reason="x")
    klass = _future_class(world)
    with pytest.raises(PermissionDenied):
        services.session_cancel(session=klass.sessions.first(), actor=None, note="x")
