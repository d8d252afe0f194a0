"""Pages: elder mode that persists, role-aware navigation, languages, friendly error pages."""

import pytest
from django.test import Client

from linli.accounts.models import User

pytestmark = pytest.mark.django_db


def test_anonymous_home_offers_login_and_elder_mode(client):
    page = client.get("/").content.decode()
    assert "欢迎使用邻里" in page and "登录" in page and "长辈版" in page


def test_elder_mode_persists_on_the_account(client, world):
    resident = world.users["resident"]
    client.force_login(resident)
    assert 'class="elder' not in client.get("/").content.decode()
    response = client.post("/accounts/elder-mode/", {"enabled": "1", "next": "/accounts/me/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/me/"
    assert User.objects.get(pk=resident.pk).elder_mode
    # A new session on another phone still gets large type.
    other_phone = Client()
    other_phone.force_login(resident)
    assert '<body class="elder' in other_phone.get("/").content.decode()
    client.post("/accounts/elder-mode/", {"enabled": "0"})
    assert not User.objects.get(pk=resident.pk).elder_mode


def test_elder_mode_for_visitors_is_remembered_by_cookie(client):
    client.post("/accounts/elder-mode/", {"enabled": "1"})
    assert '<body class="elder' in client.get("/").content.decode()


def test_elder_mode_redirect_stays_on_this_site(client):
    response = client.post("/accounts/elder-mode/", {"enabled": "1",
                                                     "next": "https://evil.example.com/"})
    assert response["Location"] == "/"


def test_navigation_depends_on_role(client, world):
    client.force_login(world.users["resident"])
    page = client.get("/").content.decode()
    assert "/workbench/" not in page and "/audit/" not in page
    client.force_login(world.users["auditor"])
    page = client.get("/workbench/").content.decode()
    assert "/audit/" in page and "/accounts/people/" not in page
    client.force_login(world.users["community_staff"])
    page = client.get("/workbench/").content.decode()
    assert "/accounts/people/" in page and "/audit/" not in page
    assert "紫轩社区" in page and "观湖社区" not in page  # own community only


def test_street_admin_workbench_covers_every_community(client, world):
    client.force_login(world.users["street_admin"])
    page = client.get("/workbench/").content.decode()
    assert "紫轩社区" in page and "观湖社区" in page


def test_people_list_is_scoped_masked_and_searchable(client, world):
    client.force_login(world.users["community_staff"])
    page = client.get("/accounts/people/").content.decode()
    volunteer = world.users["volunteer"]
    assert volunteer.name in page
    assert volunteer.mobile not in page
    assert world.other["resident"].name not in page  # community B
    page = client.get("/accounts/people/", {"q": volunteer.mobile[-4:]}).content.decode()
    assert volunteer.name in page
    page = client.get("/accounts/people/", {"q": "不存在的人"}).content.decode()
    assert "没有找到符合条件的账号" in page


def test_english_is_available(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Welcome to Linli" in page


def test_friendly_404_in_chinese(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_friendly_403_in_chinese(client, world):
    client.force_login(world.users["volunteer"])
    response = client.get("/workbench/")
    assert response.status_code == 403
    assert "您没有查看此页面的权限" in response.content.decode()


def test_friendly_500_in_chinese(settings):
    settings.ROOT_URLCONF = "tests.core.urls_boom"
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统暂时出了点问题" in page and "Traceback" not in page


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_no_template_carries_code_the_csp_would_block():
    """`script-src 'self'` refuses inline event handlers (`onchange=`) and inline <script>: they
    silently do nothing in the browser. Use `data-autosubmit`, `data-confirm` or a static file."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "linli"
    handler = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)
    inline_script = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
    javascript_url = re.compile(r"""href\s*=\s*["']\s*javascript:""", re.I)
    found = []
    for path in sorted(root.rglob("templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (handler, inline_script, javascript_url):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(root)}:{line}: {match.group(0)[:80]!r}")
    assert not found, "inline code the CSP blocks:\n" + "\n".join(found)


def test_a_post_only_action_sends_a_reload_back_to_a_page(rf):
    from django.http import HttpResponse

    from linli.common.views import post_only

    @post_only("accounts:person")
    def act(request, uuid):
        return HttpResponse("done")

    @post_only("home")
    def act_elsewhere(request, uuid):
        return HttpResponse("done")

    uuid = "4f1c6a3e-0000-4000-8000-000000000001"
    # The fallback takes the action's own URL kwargs when it can, else none.
    assert act(rf.get("/"), uuid=uuid)["Location"] == f"/accounts/people/{uuid}/"
    assert act_elsewhere(rf.get("/"), uuid=uuid)["Location"] == "/"
    assert act(rf.post("/"), uuid=uuid).content == b"done"


def test_a_confirm_page_reads_a_refusal_without_catching_it_itself():
    from linli.common.exceptions import Conflict
    from linli.common.pages import refusal_of

    def refuse():
        raise Conflict("余额不足。")

    assert refusal_of(refuse) == "余额不足。"
    assert refusal_of(lambda: None) == ""


def test_a_refusal_lands_on_the_form_field_that_asks_for_it():
    from django import forms

    from linli.common.exceptions import ValidationError
    from linli.common.pages import form_add_domain_error

    class HoursForm(forms.Form):
        hours = forms.IntegerField()

    form = HoursForm({"hours": "3"})
    assert form.is_valid()
    form_add_domain_error(form, ValidationError("超过上限。", field="minutes"),
                          field_names={"minutes": "hours"})
    assert form.errors == {"hours": ["超过上限。"]}
    other = HoursForm({"hours": "3"})
    other.is_valid()
    form_add_domain_error(other, ValidationError("不行。", field="unknown"))
    assert other.non_field_errors() == ["不行。"]
