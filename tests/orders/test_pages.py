"""Order pages as a browser without JavaScript sees them: no inline handlers (the CSP blocks
them), the board's filter button is there, the rating is chosen and then confirmed, meals are
named in Chinese, and a photo can be sent through the API as on the page."""

import re
from pathlib import Path

import pytest
from django.utils import timezone

from linli.orders.models import Order, OrderStatus
from tests.factories import orders_meal, orders_order, points_png

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "linli" / "orders" / "templates" / "orders"
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_no_order_template_has_an_inline_handler():
    offenders = [p.name for p in TEMPLATES.glob("*.html") if INLINE_HANDLER.search(p.read_text())]
    assert offenders == []


def test_the_board_filter_works_without_javascript(client, world):
    from django.contrib.staticfiles import finders

    orders_order(world, "a")
    client.force_login(world.users["community_staff"])
    page = client.get("/workbench/orders/").content.decode()
    assert not INLINE_HANDLER.search(page)
    form = re.search(r'<form method="get" class="row">.*?</form>', page, re.S).group(0)
    assert "<noscript>" not in form and 'type="submit"' in form and "筛选" in form
    assert "data-autosubmit" in form
    assert "linli/orders.js" in page and finders.find("linli/orders.js")


def test_a_star_tap_only_chooses_and_the_rating_is_sent_by_an_explicit_button(client, world):
    order = orders_order(world, "a", state="completed")
    client.force_login(world.users["resident"])
    page = client.get(f"/orders/{order.uuid}/").content.decode()
    assert 'href="?stars=4#rate"' in page
    assert "提交评价" not in page and f"/orders/{order.uuid}/rate/" not in page
    chosen = client.get(f"/orders/{order.uuid}/", {"stars": 4}).content.decode()
    assert "您选择了 4 星" in chosen and "提交评价" in chosen
    assert 'name="stars" value="4"' in chosen
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED  # choosing changed nothing
    # another choice is one tap away; nonsense is ignored
    assert "您选择了 2 星" in client.get(f"/orders/{order.uuid}/", {"stars": 2}).content.decode()
    assert "提交评价" not in client.get(f"/orders/{order.uuid}/",
                                      {"stars": "9"}).content.decode()
    response = client.post(f"/orders/{order.uuid}/rate/", {"stars": "4", "comment": "好"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.rating == 4 and order.status == OrderStatus.SETTLED


def test_meals_are_named_in_chinese_on_every_page(client, world):
    meal = orders_meal(world, "a")
    client.force_login(world.users["community_staff"])
    prep = client.get("/workbench/orders/meals/").content.decode()
    table = re.search(r"<table.*?</table>", prep, re.S).group(0)
    assert "午餐" in table and ">lunch<" not in table
    client.force_login(world.users["volunteer"])
    tasks = client.get("/orders/volunteer/").content.decode()
    assert "午餐" in tasks and "配送中" in tasks
    client.force_login(world.users["resident"])
    meals = client.get("/orders/meals/", {"household": meal.household.uuid}).content.decode()
    assert '<option value="lunch">午餐</option>' in meals
    assert '<option value="dinner">晚餐</option>' in meals


# --- the service photo through the API ---------------------------------------------------------


def _photo_post(client, order, photo):
    return client.post(f"/api/v1/orders/{order.uuid}/photo", {"photo": photo} if photo else {})


def test_the_volunteer_adds_the_service_photo_through_the_api(client, world):
    order = orders_order(world, "a", state="in_service")
    client.force_login(world.users["volunteer"])
    r = _photo_post(client, order, points_png())
    assert r.status_code == 200, r.content
    assert r.json()["has_photo"] is True
    order.refresh_from_db()
    assert order.photo.name.endswith(".png")
    assert order.events.filter(action="photo").count() == 1


def test_the_service_photo_is_stored_without_its_gps_position(client, world):
    """A photo taken in someone's home keeps no trace of where the home is."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import ExifTags, Image

    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (30.0, 27.0, 36.0), 3: "E", 4: (106.0, 37.0, 48.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 140, 60)).save(buffer, "JPEG", exif=exif)
    upload = SimpleUploadedFile("home.jpg", buffer.getvalue(), content_type="image/jpeg")
    order = orders_order(world, "a", state="in_service")
    client.force_login(world.users["volunteer"])
    assert _photo_post(client, order, upload).status_code == 200
    order.refresh_from_db()
    with order.photo.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
        stored.load()
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "home" not in order.photo.name


def test_the_photo_api_refuses_clearly(client, world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    order = orders_order(world, "a", state="in_service")
    client.force_login(world.users["resident"])
    r = _photo_post(client, order, points_png())
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    client.force_login(world.users["volunteer"])
    # A service's refusal of well-formed input answers 409 across the API.
    r = _photo_post(client, order, SimpleUploadedFile("x.png", b"not a picture"))
    assert r.status_code == 409 and r.json()["error"]["fields"][0]["field"] == "photo"
    r = _photo_post(client, order, None)
    assert r.status_code == 409
    big = SimpleUploadedFile("big.png", b"\0" * (5 * 1024 * 1024 + 1), content_type="image/png")
    r = _photo_post(client, order, big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    waiting = orders_order(world, "a", state="accepted")
    r = _photo_post(client, waiting, points_png())
    assert r.status_code == 409
    other = orders_order(world, "b", state="in_service")
    assert _photo_post(client, other, points_png()).status_code == 404
    order.refresh_from_db()
    assert not order.photo


def test_the_completion_photo_on_the_page_is_checked_too(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    order = orders_order(world, "a", state="in_service")
    client.force_login(world.users["volunteer"])
    response = client.post(f"/orders/{order.uuid}/complete/", {
        "minutes": "30", "photo": SimpleUploadedFile("x.jpg", b"not a picture")}, follow=True)
    assert "请选择一张照片" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.IN_SERVICE
    client.post(f"/orders/{order.uuid}/complete/", {"minutes": "30", "photo": points_png()})
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED and order.photo
    assert order.checked_out_at <= timezone.now()
