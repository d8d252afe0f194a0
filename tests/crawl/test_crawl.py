"""Every demo role follows every link it is shown, and no page fails or speaks English.

The demo street (`linli demo`) is loaded once for the module inside a transaction that is rolled
back at the end. Each role is signed in, starts from its home page and workbench, and follows
every same-site link with GET only (never logout or the language and elder-mode switches); at
most four URLs per URL name keep the crawl fast however much data the demo has. Downloads
(.xlsx, .pdf, .ics) are fetched once per URL name and must be served with their content type."""

import time
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from tests.crawl.crawler import DEMO_ROLES, crawl, untranslated

ROLES = list(DEMO_ROLES)
#: The mark makes pytest-django create the test database (it sets up only the databases the
#: collected tests ask for); each test then runs inside the module's transaction.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def crawls(django_db_setup, django_db_blocker):
    """role -> CrawlResult, over the demo street in a transaction rolled back afterwards."""
    from linli.accounts.models import User

    with django_db_blocker.unblock(), transaction.atomic():
        assert "test" in connection.settings_dict["NAME"], connection.settings_dict["NAME"]
        began = time.monotonic()
        call_command("demo", verbosity=0)
        loaded = time.monotonic() - began
        results, downloads = {}, set()
        for role, mobile in DEMO_ROLES.items():
            client = Client(raise_request_exception=False)
            client.force_login(User.objects.get(mobile=mobile))
            results[role] = crawl(client, role, downloads=downloads)
        crawled = time.monotonic() - began - loaded
        pages = sum(len(r.visits) for r in results.values())
        print(f"\ndemo loaded in {loaded:.1f} s; {pages} pages crawled in {crawled:.1f} s")
        transaction.set_rollback(True)
    return results


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_answers_without_a_server_error(crawls, role):
    result = crawls[role]
    assert len(result.visits) > 5, f"{role} reached only {[v.url for v in result.visits]}"
    failures = [f"{v.role} → {v.url} ({v.name}) → {v.status} {v.error} [linked from {v.referrer}]"
                for v in result.failures]
    assert not failures, f"{len(failures)} of {len(result.visits)} pages failed:\n" \
        + "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_no_link_a_role_is_shown_is_broken(crawls, role):
    broken = [f"{v.url} ({v.name}) → 404 [linked from {v.referrer}]"
              for v in crawls[role].visits if v.status == 404]
    assert not broken, f"{role}: links to missing pages:\n" + "\n".join(broken)


@pytest.mark.parametrize("role", ROLES)
def test_chinese_pages_show_no_english_or_internal_codes(crawls, role):
    found = defaultdict(list)
    for url, html in crawls[role].pages.items():
        for text in untranslated(html):
            found[text].append(url)
    lines = [f"{text!r} on {len(urls)} page(s), e.g. {urls[0]}" for text, urls in sorted(found.items())]
    assert not lines, f"{role}: untranslated text or internal codes:\n" + "\n".join(lines)


def test_the_crawl_reaches_every_capability(crawls):
    """A crawl that silently stopped at the home page would pass everything above."""
    names = {v.name.split(":")[0] for r in crawls.values() for v in r.visits if v.status == 200}
    assert {"accounts", "common", "registry", "ledger", "volunteers", "orders", "points",
            "store", "activities", "notifications"} <= names, names
