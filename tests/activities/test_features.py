"""Points through the points service (and the migration for points credited the old way),
cancelling one class session, signing up from the door plate, photos through the API."""

import datetime
import io

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from linli.accounts.models import Role
from linli.activities import services
from linli.activities.models import ActivityPhoto, Attendance, CreditStatus, Signup
from linli.notifications.models import Notification
from tests.factories import (
    activity_door_household,
    activity_make,
    activity_resident,
    culture_class_make,
    user_with_role,
)

pytestmark = pytest.mark.django_db

MIGRATION = "linli.activities.migrations.0003_award_rows_for_activity_points"


def _resident(world, community=None):
    community = community or world.community
    user = user_with_role(Role.RESIDENT, community)
    return user, activity_resident(community, user=user)


def _attended(world, *, points: int, who):
    """A finished activity worth `points` that `who` (user, resident) attended."""
    staff = world.users["community_staff"]
    activity = activity_make(world.community, points=points,
                             starts_in=-datetime.timedelta(minutes=10))
    user, _record = who
    services.signup_create(activity=activity, actor=user)
    services.checkin_record(activity=activity, actor=user,
                            token=services.checkin_token(activity=activity))
    services.activity_end(activity=activity, actor=staff)
    return activity


def _balance(household) -> int:
    from linli.ledger.models import Account, Unit

    account = Account.objects.filter(household=household, unit=Unit.POINTS).first()
    return account.balance if account else 0


def _ledger_ok() -> str:
    out = io.StringIO()
    call_command("ledger_verify", stdout=out)
    return out.getvalue()


# --- points through the points service -------------------------------------------------------


def test_activity_points_are_an_award_counted_in_the_ranking_and_capped_by_the_rule(world):
    from linli.points import services as points
    from linli.points.models import Award
    from linli.points.selectors import ranking_for

    points.award_rule_set(community=world.community, code="activity_attendance",
                          title="参加社区活动", points_per_unit=1, unit_label="分", cap_points=10)
    who = _resident(world)
    household = who[1].household
    first = _attended(world, points=8, who=who)
    second = _attended(world, points=8, who=who)  # only 2 left under this month's cap of 10

    awards = Award.objects.filter(household=household).order_by("id")
    assert [a.points for a in awards] == [8, 2]
    assert _balance(household) == 10
    att = Attendance.objects.get(activity=second)
    assert (att.credit_status, att.points_credited) == (CreditStatus.CREDITED, 2)
    assert "2" in att.credit_note
    ranking = ranking_for(community=world.community, month=timezone.localdate())
    assert [(r.points, r.address) for r in ranking] == [(10, household.address)]

    # Crediting again (a retry after a failure, a second click) awards nothing more.
    Attendance.objects.filter(activity=first).update(credit_status=CreditStatus.PENDING)
    services.activity_credit(activity=first, actor=world.users["community_staff"])
    assert Award.objects.filter(household=household).count() == 2
    assert _balance(household) == 10
    assert "Ledger OK" in _ledger_ok()


def test_a_switched_off_rule_credits_no_points_and_says_so(world):
    from linli.points import services as points

    points.award_rule_set(community=world.community, code="activity_attendance",
                          title="参加社区活动", points_per_unit=1, active=False)
    who = _resident(world)
    activity = _attended(world, points=5, who=who)
    att = Attendance.objects.get(activity=activity)
    assert att.points_credited == 0 and att.credit_status == CreditStatus.NONE
    assert att.credit_note
    assert _balance(who[1].household) == 0


def _old_way_credit(attendance, points, *, actor=None):
    """What activities did before: a transfer straight to the ledger, no award row."""
    from linli.ledger.models import AccountKind, TransferKind, Unit
    from linli.ledger.services import (
        household_account_ensure,
        system_account_ensure,
        transfer_create,
    )

    household = attendance.resident.household
    return transfer_create(
        unit=Unit.POINTS, debit=system_account_ensure(
            street=household.community.street, kind=AccountKind.ISSUER, unit=Unit.POINTS),
        credit=household_account_ensure(household=household), amount=points,
        kind=TransferKind.AWARD, reference=f"activity:{attendance.activity.uuid}",
        idempotency_key=f"activity-points:{attendance.uuid}", memo="长者生日会", actor=actor)


def test_migration_writes_award_rows_for_points_credited_the_old_way_without_moving_value(world):
    import importlib

    from linli.ledger.models import Transfer
    from linli.ledger.services import transfer_reverse
    from linli.points.models import Award
    from linli.points.selectors import ranking_for

    migration = importlib.import_module(MIGRATION)
    staff = world.users["community_staff"]
    activity = activity_make(world.community, points=0,
                             starts_in=-datetime.timedelta(minutes=10))
    people = [_resident(world) for _ in range(3)]
    attendances = []
    for user, _record in people:
        services.signup_create(activity=activity, actor=user)
        attendances += services.checkin_record(activity=activity, actor=user,
                                               token=services.checkin_token(activity=activity))
    services.activity_end(activity=activity, actor=staff)
    # Given points credited the old way, one of them later corrected (reversed)
    transfers = [_old_way_credit(a, 6, actor=staff) for a in attendances]
    transfer_reverse(transfer=transfers[2], idempotency_key="fix-1", reason="重复登记")
    balances = [_balance(r.household) for _u, r in people]
    before = Transfer.objects.count()
    assert not Award.objects.exists()

    # When the migration's function runs
    made = migration.create_missing_awards(django_apps, None)

    # Then the two standing transfers have an award row each, linked to them; no value moved
    assert made == 2
    awards = Award.objects.order_by("id")
    assert [(a.transfer_id, a.points, a.rule.code) for a in awards] == [
        (transfers[0].pk, 6, "activity_attendance"), (transfers[1].pk, 6, "activity_attendance")]
    assert awards[0].household == people[0][1].household
    assert awards[0].resident == people[0][1]
    assert awards[0].source_reference == f"attendance:{attendances[0].uuid}"
    assert Transfer.objects.count() == before
    assert [_balance(r.household) for _u, r in people] == balances
    # dated when the points were earned, so rankings and caps count them in that month
    assert [a.created_at for a in awards] == [transfers[0].created_at, transfers[1].created_at]
    month = timezone.localtime(transfers[0].created_at).date()
    assert sorted(r.points for r in ranking_for(community=world.community, month=month)) == [6, 6]
    assert "Ledger OK" in _ledger_ok()
    # Running again adds nothing; crediting again through the points service adds nothing
    assert migration.create_missing_awards(django_apps, None) == 0
    assert Award.objects.count() == 2


# --- cancelling one class session -------------------------------------------------------------


def _future_class(world):
    today = timezone.localdate()
    return culture_class_make(world.community, name="舞蹈队", weekdays=list(range(7)),
                              term_start=today + datetime.timedelta(days=1),
                              term_end=today + datetime.timedelta(days=7))


def test_staff_cancel_a_session_from_its_page_with_a_reason_and_enrolled_are_told(client, world):
    staff = world.users["community_staff"]
    klass = _future_class(world)
    enrolled, _r = _resident(world)
    services.enrolment_create(culture_class=klass, actor=enrolled)
    follower, _r2 = _resident(world)
    services.class_follow_set(culture_class=klass, user=follower, follow=True)
    session = klass.sessions.order_by("date").first()
    url = reverse("activities:session_cancel", kwargs={"uuid": session.uuid})
    client.force_login(staff)

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-confirm" in html and 'name="note"' in html and "1" in html

    refused = client.post(url, {"note": "  "})
    assert refused.status_code == 200
    session.refresh_from_db()
    assert not session.cancelled

    done = client.post(url, {"note": "老师生病，暂停一次"})
    assert done.status_code == 302
    assert done["Location"] == reverse("activities:class_admin", kwargs={"uuid": klass.uuid})
    session.refresh_from_db()
    assert session.cancelled and session.note == "老师生病，暂停一次"
    for user in (enrolled, follower):
        notice = Notification.objects.get(user=user)
        assert "舞蹈队" in notice.title and "老师生病" in notice.body
    # A reload of the page afterwards says so instead of failing
    again = client.get(url)
    assert again.status_code == 200 and 'name="note"' not in again.content.decode()
    assert client.post(url, {"note": "再取消"}).status_code == 200
    assert Notification.objects.filter(user=enrolled).count() == 1
    # The calendar no longer shows it
    from linli.activities.selectors import calendar_items

    items = calendar_items(community=world.community, start=session.date, end=session.date)
    assert not items.get(session.date)


def test_session_cancel_page_refuses_other_roles(client, world):
    session = _future_class(world).sessions.first()
    url = reverse("activities:session_cancel", kwargs={"uuid": session.uuid})
    for who in ("resident", "volunteer", "grid_worker"):
        client.force_login(world.users[who])
        assert client.post(url, {"note": "x"}).status_code == 403
    client.force_login(world.other["community_staff"])
    assert client.post(url, {"note": "x"}).status_code == 404
    session.refresh_from_db()
    assert not session.cancelled


# --- signing up from the door plate ------------------------------------------------------------


def test_a_family_member_signs_up_grandma_from_the_door_plate_with_a_confirm_step(client, world):
    son = user_with_role(Role.RESIDENT, world.community, name="王建国")
    household = activity_door_household(world.community, users=[son], members=["王奶奶"])
    grandma = household.residents.get()
    activity = activity_make(world.community, title="长者生日会")
    client.force_login(son)

    # The household home lists the activity with a sign-up button
    home = client.get(reverse("registry:door", kwargs={"token": household.door_token}))
    confirm_url = reverse("activities:door_signup",
                          kwargs={"token": household.door_token, "uuid": activity.uuid})
    assert confirm_url in home.content.decode() and "长者生日会" in home.content.decode()

    # The confirm step names the household member; nothing is signed up by looking
    page = client.get(confirm_url)
    assert page.status_code == 200 and "王奶奶" in page.content.decode()
    assert not Signup.objects.exists()

    missing = client.post(confirm_url, {})
    assert missing.status_code == 400 and not Signup.objects.exists()

    done = client.post(confirm_url, {"resident": str(grandma.uuid)})
    assert done.status_code == 302 and done["Location"] == confirm_url
    signup = Signup.objects.get()
    assert (signup.resident, signup.signed_up_by) == (grandma, son)
    after = client.get(confirm_url).content.decode()
    assert "王奶奶" in after and "已报名成功" in after


def test_door_signup_is_for_members_of_that_household_only(client, world):
    household = activity_door_household(world.community, members=["李爷爷"])
    activity = activity_make(world.community)
    url = reverse("activities:door_signup",
                  kwargs={"token": household.door_token, "uuid": activity.uuid})
    assert client.get(url).status_code == 302  # sign in first
    stranger, _r = _resident(world)
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.post(url, {"resident": str(household.residents.get().uuid)}
                       ).status_code == 404
    assert not Signup.objects.exists()


# --- photos through the API ------------------------------------------------------------------


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    return buf.getvalue()


def test_photo_upload_through_the_api(client, world):
    staff = world.users["community_staff"]
    later = activity_make(world.community)
    live = activity_make(world.community, starts_in=-datetime.timedelta(minutes=10))
    services.activity_start(activity=live, actor=staff)
    client.force_login(staff)

    too_early = client.post(f"/api/v1/activities/{later.uuid}/photos",
                            {"photo": SimpleUploadedFile("a.png", _png(), "image/png")})
    assert too_early.status_code == 409 and too_early.json()["error"]["code"] == "wrong_state"

    not_a_photo = client.post(f"/api/v1/activities/{live.uuid}/photos",
                              {"photo": SimpleUploadedFile("a.png", b"hello", "image/png")})
    assert not_a_photo.status_code == 409
    assert not_a_photo.json()["error"]["fields"][0]["field"] == "photo"

    made = client.post(f"/api/v1/activities/{live.uuid}/photos",
                       {"photo": SimpleUploadedFile("a.png", _png(), "image/png"),
                        "caption": "合影"})
    assert made.status_code == 201 and made.json()["caption"] == "合影"
    listed = client.get(f"/api/v1/activities/{live.uuid}/photos").json()
    assert [p["caption"] for p in listed] == ["合影"]

    client.force_login(world.users["resident"])
    refused = client.post(f"/api/v1/activities/{live.uuid}/photos",
                          {"photo": SimpleUploadedFile("b.png", _png(), "image/png")})
    assert refused.status_code == 403
    assert ActivityPhoto.objects.filter(activity=live).count() == 1


# --- refusals through the API keep the service's code -------------------------------------------


def test_api_refusals_answer_409_with_the_service_code_and_field(client, world):
    """A well-formed request that breaks a rule answers 409 with the code the service chose
    (a client can tell an expired check-in code from a forged one) and the field it names."""
    activity = activity_make(world.community, starts_in=-datetime.timedelta(minutes=10))
    user, _r = _resident(world)
    services.signup_create(activity=activity, actor=user)
    client.force_login(user)

    forged = client.post(f"/api/v1/activities/{activity.uuid}/checkins",
                         {"token": "not-a-code"}, content_type="application/json")
    assert forged.status_code == 409
    error = forged.json()["error"]
    assert error["code"] == "token_invalid" and error["fields"][0]["field"] == "token"
    assert not Attendance.objects.filter(activity=activity).exists()

    client.force_login(world.users["community_staff"])
    backwards = client.patch(f"/api/v1/activities/{activity.uuid}",
                             {"ends_at": "2000-01-01T00:00:00+08:00"},
                             content_type="application/json")
    assert backwards.status_code == 409
    assert backwards.json()["error"]["code"] == "invalid"
    assert backwards.json()["error"]["fields"][0]["field"] == "ends_at"


# --- post/redirect/get: a reload never shows a blank 405 --------------------------------------


def test_action_urls_opened_with_get_lead_to_their_page_and_checkin_redirects(client, world):
    activity = activity_make(world.community, starts_in=-datetime.timedelta(minutes=10))
    user, _r = _resident(world)
    client.force_login(user)
    for name in ("activities:signup", "activities:signup_cancel"):
        response = client.get(reverse(name, kwargs={"uuid": activity.uuid}))
        assert response.status_code == 302
        assert response["Location"] == reverse("activities:detail",
                                               kwargs={"uuid": activity.uuid})
    assert Signup.objects.count() == 0  # a GET changes nothing
    services.signup_create(activity=activity, actor=user)
    url = reverse("activities:checkin", kwargs={"uuid": activity.uuid})
    done = client.post(url, {"t": services.checkin_token(activity=activity)})
    assert done.status_code == 302 and done["Location"] == url + "?done=1"
    again = client.get(done["Location"])  # what a reload shows
    assert again.status_code == 200 and "act-done" in again.content.decode()
    client.force_login(world.users["community_staff"])
    page = client.get(reverse("activities:transition", kwargs={"uuid": activity.uuid}))
    assert page.status_code == 302
