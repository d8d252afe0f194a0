"""The whole points loop on a phone: a household member reports a good deed with a photo, the
grid worker approves it, the household exchanges the points for rice, the clerk hands it over."""

import os
import re
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from linli.ledger.models import Account, Unit
from linli.store.models import Goods, Redemption, RedemptionStatus
from tests.conftest_helpers import DESKTOP, PHONE
from tests.factories import PASSWORD, points_convention, points_member, store_goods

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("LINLI_SCREENSHOTS", "var/screenshots"))


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"points-{name}.png"), full_page=True)


def _log_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("手机号").fill(user.mobile)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").last.click()
    page.wait_for_url(f"{live_server.url}/**")


def _png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (40, 160, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def _fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]


def test_claim_approve_redeem_and_hand_over(browser, live_server, world):
    # Given a household in grid A, the convention in force and 3 bags of rice at 10 points
    home = points_member(community=world.community, user=world.users["resident"],
                         grid=world.grid, name="王秀英")
    points_convention(world.community)
    rice = store_goods(world.community, stock=3, price=10, photo=True, name="大米5斤")

    # When the household member reports a clean doorway with a photo from their phone
    resident = browser.new_context(**PHONE).new_page()
    _log_in(resident, live_server, world.users["resident"])
    resident.goto(f"{live_server.url}/points/")
    assert resident.get_by_test_id("points-balance").inner_text().startswith("0")
    _shot(resident, "household-phone")
    resident.get_by_role("link", name="申报积分").click()
    resident.get_by_label("您做了什么？").select_option(label="门前三包环境整洁（+10）")
    resident.get_by_label("备注").fill("清扫了楼道和门前")
    resident.get_by_label("照片").set_input_files(
        files=[{"name": "doorway.png", "mimeType": "image/png", "buffer": _png()}])
    _shot(resident, "claim-form-phone")
    button = resident.get_by_role("button", name="提交申报")
    assert button.bounding_box()["height"] >= 44
    button.click()
    resident.wait_for_url(re.compile(r".*/points/claims/[0-9a-f-]{36}/$"))
    assert resident.get_by_text("待审核").first.is_visible()
    assert resident.locator("img.pt-photo").evaluate("img => img.naturalWidth") == 64
    _fits_the_phone(resident)
    _shot(resident, "claim-sent-phone")

    # And the grid worker approves it from the review queue on their phone
    worker = browser.new_context(**PHONE).new_page()
    _log_in(worker, live_server, world.users["grid_worker"])
    worker.goto(f"{live_server.url}/workbench/points/queue/")
    assert worker.get_by_text(home.address).is_visible()
    _shot(worker, "queue-phone")
    worker.get_by_role("button", name="通过", exact=True).first.click()
    worker.wait_for_url("**/points/queue/")
    assert worker.get_by_text("已通过：").is_visible()
    assert worker.get_by_text("这里没有内容").is_visible()

    # Then the household sees its 10 points and exchanges them for a bag of rice
    resident.goto(f"{live_server.url}/points/")
    assert resident.get_by_test_id("points-balance").inner_text().startswith("10")
    assert resident.get_by_text("已通过").first.is_visible()
    resident.goto(f"{live_server.url}/store/")
    _shot(resident, "store-phone")
    resident.get_by_role("link", name="大米5斤").click()
    resident.get_by_role("button", name="兑换").click()
    assert resident.get_by_role("heading", name="确认兑换").is_visible()
    _shot(resident, "redeem-confirm-phone")
    resident.get_by_role("button", name="确认兑换").click()
    resident.wait_for_url("**/store/redemptions/**")
    code = resident.get_by_test_id("pickup-code").inner_text().strip()
    assert len(code) == 8 and resident.locator(".pt-qr svg").count() == 1
    _fits_the_phone(resident)
    _shot(resident, "pickup-code-phone")

    # And the clerk types the code at the counter (desktop) and hands the rice over
    context = browser.new_context(**DESKTOP)
    clerk = context.new_page()
    _log_in(clerk, live_server, world.users["store_clerk"])
    clerk.goto(f"{live_server.url}/workbench/store/counter/")
    clerk.get_by_label("取货码").fill(code.lower())
    clerk.get_by_role("button", name="查找").click()
    assert clerk.get_by_text(home.address).first.is_visible()
    _shot(clerk, "counter-desktop")
    clerk.get_by_role("button", name="确认发放").click()
    assert clerk.get_by_text("已发放：大米5斤 × 1").is_visible()
    assert clerk.get_by_text("已领取").first.is_visible()
    clerk.goto(f"{live_server.url}/workbench/store/goods/")
    assert clerk.get_by_role("cell", name="大米5斤").is_visible()
    _shot(clerk, "goods-desktop")

    # Balances and stock are right
    account = Account.objects.get(household=home, unit=Unit.POINTS)
    assert (account.balance, account.reserved) == (0, 0)
    assert Goods.objects.get(pk=rice.pk).stock == 2
    assert Redemption.objects.get().status == RedemptionStatus.HANDED_OVER
    context.close()
