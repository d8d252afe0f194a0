"""Every page each demo role reaches, opened once per URL name in headless Chromium: no script
error, no console error and nothing the Content-Security-Policy blocks (an inline `onchange=`
does nothing for the person who taps it). The links are found with the Django test client, which
is much faster than the browser; the browser then opens one page per (role, URL name)."""

import time

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest_helpers import DESKTOP, PHONE
from tests.crawl.crawler import DEMO_ROLES, HTML, crawl

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

#: Residents and volunteers use phones; staff use the workbench on a desktop.
PHONE_ROLES = {"resident", "volunteer", "grid_worker"}


def test_each_page_of_each_role_runs_in_chromium_without_errors(signed_in_page, live_server,
                                                                browser_errors):
    from linli.accounts.models import User
    from linli.common.middleware import SecurityHeadersMiddleware

    # Pages carry no inline style (tests/browser/test_shared_templates.py) and the policy
    # says so: an inline style anywhere is reported as a CSP violation here.
    assert "style-src 'self';" in SecurityHeadersMiddleware.CSP
    began = time.monotonic()
    call_command("demo", verbosity=0)
    problems, opened, downloads = [], 0, set()
    for role, mobile in DEMO_ROLES.items():
        user = User.objects.get(mobile=mobile)
        client = Client(raise_request_exception=False)
        client.force_login(user)
        found = crawl(client, role, per_name=1, downloads=downloads)
        pages = [v.url for v in found.visits if v.status == 200 and v.content_type == HTML]
        page = signed_in_page(user, PHONE if role in PHONE_ROLES else DESKTOP, at=None)
        for url in pages:
            page.goto(live_server.url + url, wait_until="load")
            opened += 1
            problems += [f"{role} → {url}: {p}" for p in browser_errors.take()]
        page.context.close()
        problems += [f"{role} (after leaving): {p}" for p in browser_errors.take()]
    print(f"\n{opened} pages opened in Chromium in {time.monotonic() - began:.0f} s")
    assert opened > 50
    assert not problems, f"{len(problems)} browser problem(s):\n" + "\n".join(problems)
