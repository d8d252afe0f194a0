"""An elder volunteer, on a phone in elder mode, changes their details and withdraws: the text
is at least 18 px and every control at least 60 px tall; reloading the pages never re-posts."""

import datetime as dt

import pytest

from tests.factories import volunteer_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Visible text and controls of the page's main content: (tag, text, font px, height px).
MEASURE = """() => [...document.querySelectorAll(
    'main label, main button, main .btn, main input:not([type=hidden]), main textarea,'
    + ' main select, main p, main li, main dd')]
  .filter(e => e.offsetParent !== null)
  .map(e => {
    const box = (e.type === 'checkbox' || e.type === 'radio') ? e.closest('label') || e : e;
    return [e.tagName + (e.type ? ':' + e.type : ''), (e.innerText || e.value || '').slice(0, 30),
            parseFloat(getComputedStyle(e).fontSize), box.getBoundingClientRect().height];
  })"""


def _elder_sized(page):
    items = page.evaluate(MEASURE)
    assert items, "nothing measured"
    small_text = [i for i in items if i[2] < 18]
    # What a finger hits: buttons and links styled as buttons, fields, and the label around
    # each checkbox or radio (a caption above a field is not a target: the field is).
    controls = [i for i in items if i[0].startswith(("BUTTON", "INPUT", "TEXTAREA", "SELECT",
                                                    "A"))]
    short = [i for i in controls if i[3] < 60]
    assert not small_text, f"text under 18px: {small_text[:5]}"
    assert not short, f"tap targets under 60px: {short[:5]}"


def test_elder_volunteer_changes_details_and_withdraws(signed_in_page, live_server, world):
    volunteer = volunteer_make(community=world.community, name="孙阿姨",
                               birth_date=dt.date(1958, 2, 3))
    base = live_server.url
    page = signed_in_page(volunteer.user, elder=True, at=None)

    # The record offers a big button to change the details
    page.goto(f"{base}/volunteer/")
    page.get_by_role("link", name="修改我的信息").click()
    page.wait_for_url(f"{base}/volunteer/profile/")
    _elder_sized(page)
    page.get_by_label("陪伴聊天").check()
    page.get_by_label("周日 上午").check()
    page.get_by_role("button", name="保存我的信息").click()
    page.wait_for_url(f"{base}/volunteer/")
    assert page.get_by_text("您的志愿者信息已保存。").is_visible()
    assert volunteer.skills.filter(code="companion").exists()
    assert volunteer.availability.filter(weekday=6).exists()

    # Withdrawing explains what happens and asks for a reason and a confirmation
    page.get_by_role("link", name="退出志愿者").click()
    page.wait_for_url(f"{base}/volunteer/withdraw/")
    _elder_sized(page)
    page.get_by_label("退出原因").fill("年纪大了，想多休息")
    page.get_by_text("我已了解").click()
    page.get_by_role("button", name="确认退出志愿者").click()
    page.wait_for_url(f"{base}/volunteer/")
    assert page.get_by_text("您已退出志愿者").is_visible()
    page.reload()  # a reload after the redirect is a GET: nothing is re-posted
    assert page.get_by_text("已退出").first.is_visible()
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.status_reason) == ("withdrawn", "年纪大了，想多休息")
