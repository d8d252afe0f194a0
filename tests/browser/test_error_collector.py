"""The autouse `browser_errors` collector (root conftest) sees what a person's browser would
refuse or fail on, so browser tests cannot pass over a silently broken page."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.urls("tests.browser.urls_csp")]


def test_collector_catches_csp_violations_console_and_page_errors(page, live_server,
                                                                  browser_errors):
    page.goto(f"{live_server.url}/csp-test/broken/")
    page.select_option("#pick", "2")
    page.wait_for_timeout(200)  # the page error is thrown from a timer
    assert page.evaluate("window.inlineRan === undefined && window.changed === undefined")
    problems = browser_errors.take()  # taken, so this test itself stays green
    kinds = {p.kind for p in problems}
    texts = "\n".join(p.text for p in problems)
    assert kinds == {"csp", "console", "pageerror"}, texts
    assert "inline event handler violates the following Content Security Policy" in texts
    assert "inline script violates the following Content Security Policy" in texts
    assert "[csp] script-src-attr blocked inline" in texts  # the init-script listener
    assert "deliberate console error" in texts and "deliberate page error" in texts
    assert all(p.url.startswith(live_server.url) for p in problems)


def test_collector_also_watches_contexts_a_test_opens_itself(browser, live_server,
                                                            browser_errors):
    from tests.conftest_helpers import DESKTOP

    context = browser.new_context(**DESKTOP)
    mine = context.new_page()
    mine.goto(f"{live_server.url}/csp-test/broken/?from=context")
    other = browser.new_page()
    other.goto(f"{live_server.url}/csp-test/broken/?from=page")
    mine.wait_for_timeout(200)
    urls = {p.url.removeprefix(live_server.url) for p in browser_errors.take()
            if p.kind == "pageerror"}
    assert urls == {"/csp-test/broken/?from=context", "/csp-test/broken/?from=page"}
    context.close()
    other.close()


def test_data_autosubmit_submits_the_form_without_inline_code(page, live_server, browser_errors):
    page.goto(f"{live_server.url}/csp-test/autosubmit/")
    with page.expect_navigation():
        page.get_by_label("状态").select_option("done")
    assert page.locator("#got").inner_text() == "done"
    assert browser_errors.problems == []
