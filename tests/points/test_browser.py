"""The whole points loop on a phone: a household member reports a good deed with a photo, the
grid worker approves it, the household exchanges the points for rice, the clerk hands it over."""

import re
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from linli.ledger.models import Account, Unit
from linli.store.models import Goods, Redemption, RedemptionStatus
from tests.conftest_helpers import DESKTOP, PHONE, login_cookie, shot
from tests.factories import points_convention, points_member, store_goods

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (40, 160, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def _fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]


def test_claim_approve_redeem_and_hand_over(signed_in_page, live_server, world):
    # Given a household in grid A, the convention in force and 3 bags of rice at 10 points
    home = points_member(community=world.community, user=world.users["resident"],
                         grid=world.grid, name="王秀英")
    points_convention(world.community)
    rice = store_goods(world.community, stock=3, price=10, photo=True, name="大米5斤")

    # When the household member reports a clean doorway with a photo from their phone
    resident = signed_in_page(world.users["resident"], at="/points/")
    assert resident.get_by_test_id("points-balance").inner_text().startswith("0")
    shot(resident, "points-household-phone")
    resident.get_by_role("link", name="申报积分").click()
    resident.get_by_label("您做了什么？").select_option(label="门前三包环境整洁（+10）")
    resident.get_by_label("备注").fill("清扫了楼道和门前")
    resident.get_by_label("照片").set_input_files(
        files=[{"name": "doorway.png", "mimeType": "image/png", "buffer": _png()}])
    shot(resident, "points-claim-form-phone")
    button = resident.get_by_role("button", name="提交申报")
    assert button.bounding_box()["height"] >= 44
    button.click()
    resident.wait_for_url(re.compile(r".*/points/claims/[0-9a-f-]{36}/$"))
    assert resident.get_by_text("待审核").first.is_visible()
    assert resident.locator("img.pt-photo").evaluate("img => img.naturalWidth") == 64
    _fits_the_phone(resident)
    shot(resident, "points-claim-sent-phone")

    # And the grid worker approves it from the review queue on their phone
    worker = signed_in_page(world.users["grid_worker"], at="/workbench/points/queue/")
    assert worker.get_by_text(home.address).is_visible()
    shot(worker, "points-queue-phone")
    worker.get_by_role("button", name="通过", exact=True).first.click()
    worker.wait_for_url("**/points/queue/")
    assert worker.get_by_text("已通过：").is_visible()
    assert worker.get_by_text("这里没有内容").is_visible()

    # Then the household sees its 10 points and exchanges them for a bag of rice
    resident.goto(f"{live_server.url}/points/")
    assert resident.get_by_test_id("points-balance").inner_text().startswith("10")
    assert resident.get_by_text("已通过").first.is_visible()
    resident.goto(f"{live_server.url}/store/")
    shot(resident, "points-store-phone")
    resident.get_by_role("link", name="大米5斤").click()
    resident.get_by_role("button", name="兑换").click()
    assert resident.get_by_role("heading", name="确认兑换").is_visible()
    shot(resident, "points-redeem-confirm-phone")
    resident.get_by_role("button", name="确认兑换").click()
    resident.wait_for_url("**/store/redemptions/**")
    code = resident.get_by_test_id("pickup-code").inner_text().strip()
    assert len(code) == 8 and resident.locator(".pt-qr svg").count() == 1
    _fits_the_phone(resident)
    shot(resident, "points-pickup-code-phone")

    # And the clerk at the counter (desktop) sees nobody's code until the household shows it
    clerk = signed_in_page(world.users["store_clerk"], DESKTOP, at="/workbench/store/counter/")
    assert code not in clerk.content() and home.address not in clerk.content()
    # A wrong code is refused with the number of tries left
    clerk.get_by_label("取货码").fill("zzzz2222")
    clerk.get_by_role("button", name="查找").click()
    assert clerk.get_by_text("本社区没有取货码为 ZZZZ2222 的兑换").is_visible()
    assert clerk.get_by_text("还可尝试 9 次").is_visible()
    # The right code (typed in small letters) shows that one exchange
    clerk.get_by_label("取货码").fill(code.lower())
    clerk.get_by_role("button", name="查找").click()
    found = clerk.get_by_test_id("counter-found")
    assert found.get_by_text(home.address).is_visible()
    assert found.get_by_text("大米5斤 × 1").is_visible()
    shot(clerk, "points-counter-desktop")
    clerk.reload()  # post/redirect/get: reload shows the same exchange
    assert clerk.get_by_test_id("counter-found").get_by_text(home.address).is_visible()
    # Handing over asks first; declining changes nothing
    clerk.once("dialog", lambda dialog: dialog.dismiss())
    clerk.get_by_role("button", name="确认发放").click()
    assert Redemption.objects.get().status == RedemptionStatus.RESERVED
    clerk.once("dialog", lambda dialog: dialog.accept())
    clerk.get_by_role("button", name="确认发放").click()
    assert clerk.get_by_text("已发放：大米5斤 × 1").is_visible()
    assert clerk.get_by_text("已领取").first.is_visible()
    clerk.goto(f"{live_server.url}/workbench/store/goods/")
    assert clerk.get_by_role("cell", name="大米5斤").is_visible()
    shot(clerk, "points-goods-desktop")

    # Balances and stock are right
    account = Account.objects.get(household=home, unit=Unit.POINTS)
    assert (account.balance, account.reserved) == (0, 0)
    assert Goods.objects.get(pk=rice.pk).stock == 2
    assert Redemption.objects.get().status == RedemptionStatus.HANDED_OVER


def _qr_video(path: Path, text: str) -> Path:
    """A Y4M clip of a QR code on white, played by Chromium's fake camera."""
    import segno

    buffer = BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=6, border=4)
    qr = Image.open(BytesIO(buffer.getvalue())).convert("RGB")
    frame = Image.new("RGB", (640, 480), (255, 255, 255))
    frame.paste(qr, ((640 - qr.width) // 2, (480 - qr.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (320, 240)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _frame in range(10):
            out.write(b"FRAME\n" + planes)
    return path


def test_the_clerk_scans_the_pickup_qr_code_with_the_camera(browser_type, live_server, world,
                                                           tmp_path):
    # Given an exchange waiting for pickup, and a phone whose camera sees its QR code
    import uuid as _uuid

    from linli.store.services import redemption_create
    from tests.conftest_helpers import CHROMIUM
    from tests.factories import points_fund

    home = points_member(community=world.community, user=world.users["resident"],
                         grid=world.grid, name="王秀英")
    points_fund(home, 50)
    redemption = redemption_create(household=home, goods=store_goods(world.community),
                                   quantity=1, idempotency_key=_uuid.uuid4().hex,
                                   actor=world.users["resident"])
    clip = _qr_video(tmp_path / "qr.y4m", f"{live_server.url}/workbench/store/counter/"
                                          f"?code={redemption.pickup_code}")
    browser = browser_type.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-dev-shm-usage", "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={clip}"])
    try:
        # A browser of its own (a fake camera): its context signs in as signed_in_page does.
        context = browser.new_context(**PHONE, permissions=["camera"])
        login_cookie(context, live_server, world.users["store_clerk"])
        clerk = context.new_page()
        clerk.goto(f"{live_server.url}/workbench/store/counter/")
        assert redemption.pickup_code not in clerk.content()
        scan = clerk.get_by_role("button", name="用摄像头扫描二维码")
        scan.wait_for(state="visible")
        assert scan.bounding_box()["height"] >= 44
        _fits_the_phone(clerk)
        shot(clerk, "points-counter-phone")

        # When the clerk scans it
        scan.click()
        found = clerk.get_by_test_id("counter-found")
        found.wait_for(state="visible", timeout=20_000)

        # Then that one exchange is shown, ready to hand over
        assert found.get_by_text(home.address).is_visible()
        assert found.get_by_text(redemption.pickup_code).is_visible()
        assert clerk.get_by_role("button", name="确认发放").is_visible()
        _fits_the_phone(clerk)
        shot(clerk, "points-counter-found-phone")
        context.close()
    finally:
        browser.close()
