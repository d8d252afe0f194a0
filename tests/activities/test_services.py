"""Activities: states, sign-up and waiting list, QR check-in, crediting, notices, classes."""

import datetime
import io
import time

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linli.accounts.models import Role
from linli.activities import selectors, services
from linli.activities.models import (
    ActivityEvent,
    ActivityStatus,
    Attendance,
    CreditStatus,
    SignupStatus,
)
from linli.common.exceptions import Conflict, PermissionDenied, ValidationError
from linli.notifications.models import Notification as Notice
from tests.factories import activity_make, activity_resident, culture_class_make, user_with_role

pytestmark = pytest.mark.django_db


def _resident_user(world, *, household=None, birth_date=None, name=""):
    user = user_with_role(Role.RESIDENT, world.community)
    resident = activity_resident(world.community, user=user, household=household,
                                 birth_date=birth_date, name=name)
    return user, resident


def _household_points(household):
    from linli.ledger.models import Account, Unit

    account = Account.objects.filter(household=household, unit=Unit.POINTS).first()
    return account.balance if account else 0


# --- states ---------------------------------------------------------------------------------


def test_each_transition_writes_an_event_and_illegal_ones_are_refused(world):
    staff = world.users["community_staff"]
    activity = activity_make(world.community, publish=False, actor=staff)
    with pytest.raises(Conflict) as err:
        services.activity_start(activity=activity, actor=staff)
    assert err.value.code == "illegal_transition"
    services.activity_publish(activity=activity, actor=staff)
    with pytest.raises(Conflict):
        services.activity_summarise(activity=activity, actor=staff, summary="x")
    with pytest.raises(Conflict):
        services.activity_publish(activity=activity, actor=staff)
    services.activity_start(activity=activity, actor=staff)
    assert list(ActivityEvent.objects.filter(activity=activity).values_list(
        "from_status", "to_status")) == [("", "draft"), ("draft", "published"),
                                         ("published", "ongoing")]
    assert ActivityEvent.objects.filter(activity=activity).last().actor == staff


def test_events_name_the_action_taken(world):
    staff = world.users["community_staff"]
    activity = activity_make(world.community, actor=staff, starts_in=datetime.timedelta(0))
    services.activity_start(activity=activity, actor=staff)
    services.activity_end(activity=activity, actor=staff)
    services.activity_summarise(activity=activity, actor=staff, summary="圆满结束")
    assert list(ActivityEvent.objects.filter(activity=activity).values_list(
        "action", "from_status", "to_status")) == [
        ("create", "", "draft"), ("publish", "draft", "published"),
        ("start", "published", "ongoing"), ("end", "ongoing", "ended"),
        ("summarise", "ended", "summarised")]


def test_a_decision_taken_on_a_stale_page_changes_nothing(world):
    """Two organisers have the published activity open; one starts it, then the other, still
    seeing "published", cancels. The cancel is refused and nothing is written: no cancelled
    activity, no event claiming it left "published", no notices. Reloaded, the cancel works and
    its event records the state the activity really left."""
    staff = world.users["community_staff"]
    activity = activity_make(world.community, actor=staff)
    user, _resident = _resident_user(world)
    services.signup_create(activity=activity, actor=user)
    seen_by_second = type(activity).objects.get(pk=activity.pk)
    services.activity_start(activity=activity, actor=staff)
    events = ActivityEvent.objects.filter(activity=activity).count()

    with pytest.raises(Conflict) as err:
        services.activity_cancel(activity=seen_by_second, actor=staff, reason="下雨")

    assert err.value.code == "illegal_transition"
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.ONGOING and activity.cancel_reason == ""
    assert ActivityEvent.objects.filter(activity=activity).count() == events
    assert not Notice.objects.filter(user=user).exists()
    assert seen_by_second.status == ActivityStatus.ONGOING

    services.activity_cancel(activity=seen_by_second, actor=staff, reason="下雨")
    last = ActivityEvent.objects.filter(activity=activity).last()
    assert (last.action, last.from_status, last.to_status) == ("cancel", "ongoing", "cancelled")


def test_a_stale_page_asking_for_an_impossible_move_names_the_current_state(world):
    staff = world.users["community_staff"]
    activity = activity_make(world.community, publish=False, actor=staff)
    stale = type(activity).objects.get(pk=activity.pk)
    services.activity_publish(activity=activity, actor=staff)
    with pytest.raises(Conflict) as err:
        services.activity_publish(activity=stale, actor=staff)
    assert err.value.code == "illegal_transition"
    assert str(ActivityStatus.PUBLISHED.label) in err.value.message
    assert ActivityEvent.objects.filter(activity=activity, action="publish").count() == 1


def test_invalid_times_are_refused(world):
    now = timezone.now()
    with pytest.raises(ValidationError) as err:
        activity_make(world.community, ends_at=now - datetime.timedelta(days=3))
    assert err.value.field == "ends_at"


# --- sign-up, waiting list, notices ---------------------------------------------------------


def test_signup_waitlist_and_promotion_with_notice(world):
    activity = activity_make(world.community, capacity=1)
    (u1, _r1), (u2, _r2) = _resident_user(world), _resident_user(world)
    first = services.signup_create(activity=activity, actor=u1)
    second = services.signup_create(activity=activity, actor=u2)
    assert (first.status, second.status) == (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)
    assert selectors.waitlist_position(second) == 1

    services.signup_cancel(signup=first, actor=u1)

    second.refresh_from_db()
    activity.refresh_from_db()
    assert second.status == SignupStatus.CONFIRMED and second.promoted_at is not None
    assert activity.seats_taken == 1
    assert Notice.objects.filter(user=u2, title__contains=activity.title).count() == 1
    with pytest.raises(Conflict):
        services.signup_cancel(signup=first, actor=u1)


def test_duplicates_are_refused_but_signing_up_again_after_cancelling_works(world):
    activity = activity_make(world.community)
    user, _resident = _resident_user(world)
    signup = services.signup_create(activity=activity, actor=user)
    with pytest.raises(Conflict) as err:
        services.signup_create(activity=activity, actor=user)
    assert err.value.code == "duplicate"
    services.signup_cancel(signup=signup, actor=user)
    again = services.signup_create(activity=activity, actor=user)
    assert again.status == SignupStatus.CONFIRMED


def test_family_member_signs_up_an_elder_of_the_same_household_only(world):
    son, son_record = _resident_user(world, birth_date=datetime.date(1985, 5, 1))
    from linli.registry.models import Resident

    mother = Resident.objects.create(household=son_record.household, name="王奶奶",
                                     birth_date=datetime.date(1948, 2, 1))
    stranger = activity_resident(world.community, name="别家老人",
                                 birth_date=datetime.date(1945, 1, 1))
    activity = activity_make(world.community, audience="elders")

    signup = services.signup_create(activity=activity, actor=son, resident=mother)
    assert signup.name == "王奶奶" and signup.signed_up_by == son
    assert signup.status == SignupStatus.CONFIRMED
    with pytest.raises(PermissionDenied):
        services.signup_create(activity=activity, actor=son, resident=stranger)
    with pytest.raises(ValidationError, match="60"):  # the son himself is not an elder
        services.signup_create(activity=activity, actor=son)


def test_signup_window_and_volunteer_role(world):
    user, _r = _resident_user(world)
    closed = activity_make(world.community,
                           signup_opens_at=timezone.now() + datetime.timedelta(hours=2))
    with pytest.raises(Conflict) as err:
        services.signup_create(activity=closed, actor=user)
    assert err.value.code == "signup_closed"
    activity = activity_make(world.community)
    with pytest.raises(PermissionDenied):
        services.signup_create(activity=activity, actor=user, role="volunteer")
    volunteer = world.users["volunteer"]
    assert services.signup_create(activity=activity, actor=volunteer,
                                  role="volunteer").status == SignupStatus.CONFIRMED


def test_cancelling_an_activity_tells_everyone_signed_up(world):
    staff = world.users["community_staff"]
    activity = activity_make(world.community, capacity=1)
    (u1, _), (u2, r2) = _resident_user(world), _resident_user(world)
    from linli.registry.models import Resident

    grandma = Resident.objects.create(household=r2.household, name="李奶奶")
    services.signup_create(activity=activity, actor=u1)
    services.signup_create(activity=activity, actor=u2)  # waiting list
    services.signup_create(activity=activity, actor=u2, resident=grandma)  # proxy, waiting
    with pytest.raises(ValidationError):
        services.activity_cancel(activity=activity, actor=staff, reason=" ")

    services.activity_cancel(activity=activity, actor=staff, reason="暴雨红色预警")

    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED
    notices = Notice.objects.filter(title__contains=activity.title)
    assert notices.filter(user=u1).count() == 1
    assert notices.filter(user=u2).count() == 2  # for themself and for grandma
    assert "暴雨红色预警" in notices.first().body
    with pytest.raises(Conflict):
        services.activity_start(activity=activity, actor=staff)


# --- QR check-in ----------------------------------------------------------------------------


class _OldSigner(signing.TimestampSigner):
    """Signs as if it were `age` seconds ago (a code photographed and used later)."""

    def __init__(self, *args, age, **kwargs):
        super().__init__(*args, **kwargs)
        self.age = age

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - self.age)


def _live(world, **kwargs):
    return activity_make(world.community, starts_in=-datetime.timedelta(minutes=5), **kwargs)


def test_checkin_token_valid_expired_forged_and_foreign(world):
    activity = _live(world)
    other = _live(world)
    token = services.checkin_token(activity=activity)
    services.checkin_token_verify(activity=activity, token=token)

    old = _OldSigner(salt=services.CHECKIN_SALT, age=services.CHECKIN_MAX_AGE_SECONDS + 5)
    with pytest.raises(ValidationError) as err:
        services.checkin_token_verify(activity=activity, token=old.sign(str(activity.uuid)))
    assert err.value.code == "token_expired"
    recent = _OldSigner(salt=services.CHECKIN_SALT, age=services.CHECKIN_ROTATE_SECONDS + 5)
    services.checkin_token_verify(activity=activity, token=recent.sign(str(activity.uuid)))

    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    wrong_key = signing.TimestampSigner(key="x" * 50, salt=services.CHECKIN_SALT)
    for bad in (forged, wrong_key.sign(str(activity.uuid)),
                signing.TimestampSigner(salt="other").sign(str(activity.uuid)),
                str(activity.uuid), ""):
        with pytest.raises(ValidationError) as err:
            services.checkin_token_verify(activity=activity, token=bad)
        assert err.value.code == "token_invalid"
    with pytest.raises(ValidationError) as err:
        services.checkin_token_verify(activity=other, token=token)
    assert err.value.code == "token_invalid"


def test_checkin_is_idempotent_and_covers_family_signed_up_together(world):
    activity = _live(world)
    user, me = _resident_user(world)
    from linli.registry.models import Resident

    grandpa = Resident.objects.create(household=me.household, name="张爷爷")
    services.signup_create(activity=activity, actor=user)
    services.signup_create(activity=activity, actor=user, resident=grandpa)
    token = services.checkin_token(activity=activity)

    first = services.checkin_record(activity=activity, actor=user, token=token)
    again = services.checkin_record(activity=activity, actor=user, token=token)

    assert {a.name for a in first} == {me.name, "张爷爷"}
    assert [a.pk for a in first] == [a.pk for a in again]
    assert Attendance.objects.filter(activity=activity).count() == 2


def test_checkin_refused_without_signup_before_opening_and_after_close(world):
    user, _r = _resident_user(world)
    activity = _live(world)
    with pytest.raises(Conflict) as err:
        services.checkin_record(activity=activity, actor=user,
                                token=services.checkin_token(activity=activity))
    assert err.value.code == "not_signed_up"
    later = activity_make(world.community, starts_in=datetime.timedelta(days=2))
    services.signup_create(activity=later, actor=user)
    with pytest.raises(Conflict) as err:
        services.checkin_record(activity=later, actor=user,
                                token=services.checkin_token(activity=later))
    assert err.value.code == "checkin_closed"


def test_ticket_scan_and_walk_in(world):
    staff, foreign_staff = world.users["community_staff"], world.other["community_staff"]
    activity = _live(world)
    user, _r = _resident_user(world)
    signup = services.signup_create(activity=activity, actor=user)
    ticket = services.ticket_token(signup=signup)
    with pytest.raises(PermissionDenied):
        services.checkin_by_ticket(token=ticket, actor=foreign_staff)
    with pytest.raises(ValidationError):
        services.checkin_by_ticket(token=ticket + "x", actor=staff)
    attendance = services.checkin_by_ticket(token=ticket, actor=staff)
    assert attendance.method == "staff_scan"
    assert services.checkin_by_ticket(token=ticket, actor=staff).pk == attendance.pk
    walkin = services.walkin_record(activity=activity, actor=staff, name="过路的刘阿姨")
    assert walkin.signup is None and walkin.method == "walk_in"


# --- closing and crediting ------------------------------------------------------------------


def test_end_records_no_shows_and_credits_points_and_minutes_once(world):
    from linli.ledger.models import Transfer

    staff, volunteer = world.users["community_staff"], world.users["volunteer"]
    volunteer_record = activity_resident(world.community, user=volunteer, name="青年志愿者")
    activity = _live(world, points=8, volunteer_minutes=90)
    (u1, r1), (u2, _r2) = _resident_user(world), _resident_user(world)
    services.signup_create(activity=activity, actor=u1)
    services.signup_create(activity=activity, actor=u2)  # will not come
    services.signup_create(activity=activity, actor=volunteer, role="volunteer")
    token = services.checkin_token(activity=activity)
    services.checkin_record(activity=activity, actor=u1, token=token)
    served = services.checkin_record(activity=activity, actor=volunteer, token=token)[0]
    Attendance.objects.filter(pk=served.pk).update(
        checked_in_at=timezone.now() - datetime.timedelta(minutes=150))
    services.attendance_checkout(attendance=served, actor=staff)

    services.activity_end(activity=activity, actor=staff)

    activity.refresh_from_db()
    assert activity.status == ActivityStatus.ENDED and activity.attendance_closed_at
    assert (activity.attendee_count, activity.no_show_count) == (1, 1)
    assert activity.signups.filter(status=SignupStatus.NO_SHOW).get().user == u2
    assert _household_points(r1.household) == 8
    from linli.ledger.models import Account

    minutes = Account.objects.get(resident=volunteer_record).balance
    assert minutes == 90  # 150 served, capped at the activity's 90
    served.refresh_from_db()
    assert served.credit_status == CreditStatus.CREDITED

    # Retrying (a second click, a replayed request) credits nothing more.
    services.activity_credit(activity=activity, actor=staff)
    for a in Attendance.objects.filter(activity=activity):
        services.attendance_credit(attendance=a, actor=staff)
        Attendance.objects.filter(pk=a.pk).update(credit_status=CreditStatus.PENDING)
        services.attendance_credit(attendance=a, actor=staff)  # the ledger key still holds
    assert _household_points(r1.household) == 8
    assert Account.objects.get(resident=volunteer_record).balance == 90
    # Minutes go to the time bank as before; the points through one award of the points app.
    assert Transfer.objects.filter(reference=f"activity:{activity.uuid}").count() == 1
    from linli.points.models import Award

    award = Award.objects.get(household=r1.household)
    assert (award.rule.code, award.points, award.transfer.amount) == ("activity_attendance", 8, 8)
    with pytest.raises(Conflict):
        services.activity_end(activity=activity, actor=staff)


def test_volunteer_checked_out_after_the_end_is_credited_then(world, django_capture_on_commit_callbacks):
    staff, volunteer = world.users["community_staff"], world.users["volunteer"]
    record = activity_resident(world.community, user=volunteer)
    activity = _live(world, volunteer_minutes=0)
    services.signup_create(activity=activity, actor=volunteer, role="volunteer")
    att = services.checkin_record(activity=activity, actor=volunteer,
                                  token=services.checkin_token(activity=activity))[0]
    services.activity_end(activity=activity, actor=staff)
    att.refresh_from_db()
    assert att.credit_status == CreditStatus.PENDING  # waiting for the check-out

    with django_capture_on_commit_callbacks(execute=True):
        services.attendance_checkout(attendance=att, actor=staff)

    att.refresh_from_db()
    assert att.credit_status in (CreditStatus.CREDITED, CreditStatus.NONE)
    from linli.ledger.models import Account

    account = Account.objects.filter(resident=record).first()
    assert (account.balance if account else 0) == att.minutes_credited


def test_person_times_served_counts_attendees_beneficiaries_and_class_attendance(world):
    staff = world.users["community_staff"]
    activity = _live(world)
    user, _r = _resident_user(world)
    services.signup_create(activity=activity, actor=user)
    services.checkin_record(activity=activity, actor=user,
                            token=services.checkin_token(activity=activity))
    services.walkin_record(activity=activity, actor=staff, name="路人")
    services.activity_end(activity=activity, actor=staff)
    with pytest.raises(ValidationError):
        services.activity_beneficiaries_set(activity=activity, actor=staff, count=5, reason="")
    services.activity_beneficiaries_set(activity=activity, actor=staff, count=5,
                                        reason="上门为5位行动不便老人服务")
    today = timezone.localdate()
    klass = culture_class_make(world.community, term_start=today - datetime.timedelta(days=7),
                               term_end=today, weekdays=list(range(7)))
    enrolment = services.enrolment_create(culture_class=klass, actor=user)
    session = klass.sessions.order_by("date").first()
    services.session_attendance_set(session=session, actor=staff, present=[enrolment])

    communities = [world.community]
    assert selectors.person_times_served(communities=communities) == 2 + 5 + 1
    assert selectors.person_times_served(communities=[world.other_community]) == 0
    assert selectors.person_times_served(communities=communities,
                                         since=today + datetime.timedelta(days=1)) == 0


# --- classes, calendar, feed ----------------------------------------------------------------


def test_weekly_sessions_across_a_month(world):
    klass = culture_class_make(world.community, weekdays=[1, 3],
                               term_start=datetime.date(2026, 3, 1),
                               term_end=datetime.date(2026, 3, 31),
                               start_time=datetime.time(9, 0), end_time=datetime.time(10, 30))
    dates = list(klass.sessions.order_by("date").values_list("date", flat=True))
    assert [d.day for d in dates] == [3, 5, 10, 12, 17, 19, 24, 26, 31]
    assert all(d.weekday() in (1, 3) for d in dates)
    first = klass.sessions.order_by("date").first()
    local = timezone.localtime(first.starts_at)
    assert (local.hour, local.minute) == (9, 0)
    assert services.class_sessions_generate(culture_class=klass) == 0  # idempotent


def test_class_enrolment_capacity_and_duplicates(world):
    klass = culture_class_make(world.community, capacity=1)
    (u1, _), (u2, _) = _resident_user(world), _resident_user(world)
    services.enrolment_create(culture_class=klass, actor=u1)
    with pytest.raises(Conflict) as err:
        services.enrolment_create(culture_class=klass, actor=u1)
    assert err.value.code in ("full", "duplicate")
    with pytest.raises(Conflict) as err:
        services.enrolment_create(culture_class=klass, actor=u2)
    assert err.value.code == "full"


def test_calendar_warns_about_empty_days_and_repeated_types(world):
    tz = timezone.get_current_timezone()
    klass = culture_class_make(world.community, weekdays=[0, 1, 2, 3, 4],
                               term_start=datetime.date(2026, 3, 1),
                               term_end=datetime.date(2026, 3, 31))
    assert klass.sessions.count() == 22
    from linli.activities.services import activity_create

    for day in (7, 8):  # Saturday and Sunday of the week of 2 March
        start = datetime.datetime(2026, 3, day, 9, tzinfo=tz)
        activity_create(community=world.community, actor=None, title=f"文艺演出{day}",
                        kind="culture", organiser="文艺队", place="广场", starts_at=start,
                        ends_at=start + datetime.timedelta(hours=2),
                        signup_opens_at=start - datetime.timedelta(days=5),
                        signup_closes_at=start, capacity=50)
    weeks = selectors.month_grid(community=world.community, year=2026, month=3,
                                 include_drafts=True)
    warnings = selectors.calendar_warnings(weeks=weeks)
    empty = next(w for w in warnings if w.code == "empty_day")
    assert datetime.date(2026, 3, 1) in empty.days and datetime.date(2026, 3, 7) not in empty.days
    assert datetime.date(2026, 3, 14) in empty.days
    repeated = [w for w in warnings if w.code == "repeated_type"]
    assert len(repeated) == 1 and repeated[0].days == [datetime.date(2026, 3, 7),
                                                       datetime.date(2026, 3, 8)]


def test_ics_feed_lists_activities_and_sessions(client, world):
    activity = activity_make(world.community, title="趣味运动会, 全家参与; 欢迎报名参加本次社区趣味运动会")
    culture_class_make(world.community, term_start=timezone.localdate(),
                       term_end=timezone.localdate() + datetime.timedelta(days=14))
    response = client.get(f"/activities/feed/{world.community.uuid}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert f"UID:activity-{activity.uuid}" in text
    assert "剪纸班" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:趣味运动会\\, 全家参与\\; 欢迎报名参加本次社区趣味运动会" in unfolded


def test_photos_must_be_real_images():
    from PIL import Image

    with pytest.raises(ValidationError):
        services.image_validate(SimpleUploadedFile("x.jpg", b"not an image",
                                                   content_type="image/jpeg"))
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    services.image_validate(SimpleUploadedFile("x.png", buf.getvalue(), content_type="image/png"))
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "BMP")
    with pytest.raises(ValidationError, match="JPEG"):
        services.image_validate(SimpleUploadedFile("x.bmp", buf.getvalue()))


def _jpeg_with_gps(name="IMG_0001.jpg", size=(1200, 900)) -> SimpleUploadedFile:
    from PIL import ExifTags, Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (30.0, 27.0, 36.0), 3: "E", 4: (106.0, 37.0, 48.0)}
    buf = io.BytesIO()
    Image.new("RGB", size, (90, 140, 60)).save(buf, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def test_activity_photos_and_covers_are_stored_without_the_phone_s_metadata(world):
    """A photo taken at the activity carries where the phone was; what is stored does not,
    and its name is the server's, not the uploaded one."""
    from PIL import Image

    staff = world.users["community_staff"]
    activity = activity_make(world.community, actor=staff, cover=_jpeg_with_gps("家门口.jpg"),
                             starts_in=datetime.timedelta(0))
    services.activity_start(activity=activity, actor=staff)
    photo = services.activity_photo_add(activity=activity, actor=staff,
                                        image=_jpeg_with_gps("../我家/IMG_0002.jpg"))
    for stored in (activity.cover, photo.image):
        assert "家门口" not in stored.name and "IMG_000" not in stored.name
        assert stored.name.endswith(".jpg") and ".." not in stored.name
        with stored.open("rb") as handle:
            data = handle.read()
        assert b"PhoneMaker" not in data
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG" and image.size == (1200, 900)
        assert not image.getexif()


def test_photo_kinds_and_size_are_as_before():
    """JPEG, PNG and WebP only (a GIF is refused although it is a picture), at most 5 MB, the
    refusal naming the field it came from."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "GIF")
    with pytest.raises(ValidationError, match="JPEG") as err:
        services.image_validate(SimpleUploadedFile("x.gif", buf.getvalue()), field="photo")
    assert err.value.field == "photo"
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "WEBP")
    services.image_validate(SimpleUploadedFile("x.webp", buf.getvalue()))
    huge = SimpleUploadedFile("x.jpg", b"\xff" * (services.MAX_IMAGE_BYTES + 1))
    with pytest.raises(ValidationError, match="5 MB") as err:
        services.image_validate(huge, field="photos")
    assert err.value.field == "photos"


def test_a_file_that_is_no_picture_is_named_as_such():
    """A script named .jpg is not 'the wrong kind of photo': the organiser is told the file is
    not a photo at all, while a picture of another kind is told which kinds are taken."""
    script = SimpleUploadedFile("cover.jpg", b"<script>alert(1)</script>")
    with pytest.raises(ValidationError, match="不是可识别的照片") as err:
        services.image_validate(script, field="cover")
    assert err.value.field == "cover"
