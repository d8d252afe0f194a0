import pytest
from django.db import transaction
from django.test.utils import override_settings
from django.urls import reverse

from linli.notifications.models import Delivery, Notification
from linli.notifications.services import notify
from tests.factories import UserFactory

SENT: list[str] = []


class RecordingChannel:
    """A real channel class (configured through NOTIFY_CHANNELS) that keeps what it sends."""

    def __init__(self, name):
        self.name = name

    def send(self, *, notification):
        SENT.append(f"{self.name}:{notification.title}")
        return "ok"


CHANNELS = {"sms": "tests.notifications.test_notify.RecordingChannel"}


@pytest.fixture(autouse=True)
def _clear():
    SENT.clear()
    from linli.notifications import channels

    channels._channel.cache_clear()
    yield
    channels._channel.cache_clear()


@pytest.mark.django_db(transaction=True)
@override_settings(NOTIFY_CHANNELS=CHANNELS)
def test_outside_channels_are_called_only_after_commit():
    user = UserFactory()
    with transaction.atomic():
        notify(user=user, title="派单通知", channels=("inbox", "sms"))
        assert SENT == []  # not yet: the transaction may still roll back
    assert SENT == ["sms:派单通知"]
    assert Delivery.objects.get().status == "sent"


@pytest.mark.django_db(transaction=True)
@override_settings(NOTIFY_CHANNELS=CHANNELS)
def test_a_rolled_back_transaction_sends_nothing():
    user = UserFactory()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            notify(user=user, title="不会发送", channels=("inbox", "sms"))
            raise RuntimeError("boom")
    assert SENT == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_unconfigured_channels_are_skipped_and_default_only_logs(caplog):
    user = UserFactory()
    notify(user=user, title="提醒", channels=("inbox", "sms", "fax"))
    assert list(Delivery.objects.values_list("channel", "detail")) == [("sms", "logged")]


@pytest.mark.django_db
def test_inbox_shows_own_messages_with_unread_badge_and_mark_read(client):
    me, other = UserFactory(), UserFactory()
    mine = notify(user=me, title="您的志愿者注册已通过", url="/volunteer/")
    notify(user=other, title="别人的消息")
    client.force_login(me)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "您的志愿者注册已通过" in page and "别人的消息" not in page
    assert 'badge-count' in page and '>1</span>' in page
    response = client.post(reverse("notifications:read", kwargs={"uuid": mine.uuid}))
    assert response.status_code == 302 and response["Location"] == "/volunteer/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "badge-count" not in page


@pytest.mark.django_db
def test_api_lists_counts_and_marks_only_own_messages(client):
    me, other = UserFactory(), UserFactory()
    notify(user=me, title="一")
    theirs = notify(user=other, title="二")
    client.force_login(me)
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    items = client.get("/api/v1/notifications").json()["items"]
    assert [i["title"] for i in items] == ["一"]
    assert client.post(f"/api/v1/notifications/{theirs.uuid}/read").status_code == 404
    assert client.post("/api/v1/notifications/read-all").json() == {"unread": 0}
