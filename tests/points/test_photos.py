"""Photos residents and clerks upload (claim evidence, goods pictures) are stored re-encoded
by the one photo module: no EXIF (so no GPS position) in what is stored, large photos scaled
down rather than refused, a disguised non-image refused with a clear message, the uploaded
name never reaching the storage path."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from linli.common.exceptions import ValidationError
from linli.common.photos import LONGEST_SIDE, photo_prepare
from linli.points import services
from linli.store import services as store_services
from tests.factories import points_convention, points_member, points_png

pytestmark = pytest.mark.django_db

REFUSAL = "请选择一张照片（JPEG、PNG 或 WebP 格式）。"


@pytest.fixture
def home(world):
    return points_member(community=world.community, user=world.users["resident"],
                         grid=world.grid)


def _jpeg(size=(1200, 900), *, gps=True, name="IMG_0001.jpg") -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (30.0, 27.0, 36.0),
                                      3: "E", 4: (106.0, 37.0, 48.0)}
    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 140, 60)).save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _stored(field_file) -> Image.Image:
    with field_file.open("rb") as handle:
        data = handle.read()
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_the_gps_position_is_read_and_gone_from_the_stored_claim_photo(world, home):
    upload = _jpeg()
    assert photo_prepare(upload).gps == (30.46, 106.63)
    item = points_convention(world.community).items.get(code="HW01")
    claim = services.claim_submit(household=home, item=item, actor=world.users["resident"],
                                  photo=_jpeg())
    stored = _stored(claim.photo)
    assert stored.format == "JPEG" and stored.size == (1200, 900)
    assert not stored.getexif() and "exif" not in stored.info
    with claim.photo.open("rb") as handle:
        assert b"PhoneMaker" not in handle.read()


def test_a_6000_by_4000_photo_is_stored_scaled_down(world):
    goods = store_services.goods_create(community=world.community, name="大米", price=10,
                                        photo=_jpeg((6000, 4000), gps=False),
                                        actor=world.users["community_staff"])
    assert _stored(goods.photo).size == (LONGEST_SIDE, 1707)


def test_an_html_file_named_jpg_is_refused_with_the_message(world, home):
    item = points_convention(world.community).items.get(code="HW01")
    fake = SimpleUploadedFile("x.jpg", b"<html><script>alert(1)</script></html>",
                              content_type="image/jpeg")
    with pytest.raises(ValidationError) as refused:
        services.claim_submit(household=home, item=item, actor=world.users["resident"],
                              photo=fake)
    assert (refused.value.field, refused.value.message) == ("photo", REFUSAL)
    assert not item.claims.exists()


def test_a_png_keeps_working_under_a_name_chosen_by_the_server(world, home):
    item = points_convention(world.community).items.get(code="HW01")
    claim = services.claim_submit(household=home, item=item, actor=world.users["resident"],
                                  photo=points_png(name="../../etc/passwd.png", size=(40, 30)))
    assert claim.photo.name.startswith("points/claims/") and ".." not in claim.photo.name
    assert "passwd" not in claim.photo.name and claim.photo.name.endswith(".png")
    stored = _stored(claim.photo)
    assert stored.format == "PNG" and stored.size == (40, 30)
