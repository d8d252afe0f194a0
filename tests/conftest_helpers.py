"""Browser settings, the signed-in page fixture and helpers shared by the browser tests."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}

#: Measures a page against the elder-mode rules (BRIEF.md, after MIIT's aging-friendly rules):
#: every visible text at least `minFont` px, every link, button and field at least `minTap`
#: px in both directions, and the elements named in `noWrap` on one line. Returns a list of
#: problems, each a short description naming the element and what it measured.
_ELDER_AUDIT_JS = """
({minFont, minTap, noWrap, scope}) => {
  const problems = [];
  const root = document.querySelector(scope) || document.body;
  const visible = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || +style.opacity === 0)
      return false;
    if (el.closest('[aria-hidden="true"]')) return false;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    return r.right > 0 && r.left < document.documentElement.scrollWidth;
  };
  const label = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 24);
    return `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className)
      .trim().split(/\\s+/).join('.') : ''} "${text}"`;
  };
  for (const el of [root, ...root.querySelectorAll('*')]) {
    if (['SCRIPT', 'STYLE', 'svg', 'path', 'rect', 'TEMPLATE'].includes(el.tagName)) continue;
    if (el.closest('svg')) continue;
    const ownText = [...el.childNodes].some(
      (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!ownText || !visible(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < minFont) problems.push(`text ${size}px < ${minFont}px: ${label(el)}`);
  }
  const targets = root.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]');
  for (const el of targets) {
    if (!visible(el)) continue;
    let r = el.getBoundingClientRect();
    if (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label'))
      r = el.closest('label').getBoundingClientRect();  // the label is the target
    if (r.width < minTap - 0.5 || r.height < minTap - 0.5)
      problems.push(`target ${Math.round(r.width)}x${Math.round(r.height)} < ${minTap}px: ` +
                    label(el));
  }
  for (const selector of noWrap) {
    for (const el of document.querySelectorAll(selector)) {
      if (!visible(el)) continue;
      // Each run of text on one line: "邻/里" or "刘师/傅" broken over two lines fails.
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.textContent.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const lines = new Set([...range.getClientRects()]
          .filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) problems.push(`wraps over ${lines.size} lines: ${label(el)}`);
      }
    }
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth}px wide`);
  return problems;
}
"""

#: Text that must stay on one line in the top bar (brand, user name, buttons).
NO_WRAP = (".brand", ".topbar-user", ".btn-elder", ".topbar-inbox", ".tab")


def elder_problems(page, *, min_font: float = 18, min_tap: float = 60,
                   no_wrap=NO_WRAP, scope: str = "body") -> list[str]:
    """Problems of the page shown in `page` (Playwright) against the elder-mode rules; an empty
    list when it meets them. Usage: `assert not elder_problems(page), "\\n".join(...)`."""
    return page.evaluate(_ELDER_AUDIT_JS, {"minFont": min_font, "minTap": min_tap,
                                           "noWrap": list(no_wrap), "scope": scope})


def login_cookie(context, live_server, user) -> None:
    """Sign `user` in for a Playwright browser context without typing (the session cookie of a
    Django test client's login)."""
    from urllib.parse import urlparse

    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    host = urlparse(live_server.url).hostname
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "domain": host, "path": "/"}])


@pytest.fixture
def signed_in_page(browser, live_server):
    """Opens pages signed in without typing: `signed_in_page(user, DESKTOP)` is a new page in a
    browser context of its own (PHONE unless told; extra keyword arguments go to
    `new_context`, e.g. `permissions=["camera"]`), signed in as `user` (`None`: anonymous), at
    the home page unless `at` names a path (`None`: nowhere yet). `elder=True` turns elder mode
    on first: on the account, or for an anonymous visitor with the phone's elder-mode cookie.
    Tests about the login form itself type into it; every other test signs in here. The
    contexts close at teardown."""
    contexts = []

    def open_page(user=None, viewport=PHONE, *, at: str | None = "/", elder: bool = False,
                  **options):
        from urllib.parse import urlparse

        from linli.accounts.context_processors import ELDER_COOKIE
        from linli.accounts.services import user_set_elder_mode

        context = browser.new_context(**{**viewport, **options})
        contexts.append(context)
        if user is not None:
            if elder:
                user_set_elder_mode(user=user, enabled=True)
            login_cookie(context, live_server, user)
        elif elder:
            context.add_cookies([{"name": ELDER_COOKIE, "value": "1", "path": "/",
                                  "domain": urlparse(live_server.url).hostname}])
        page = context.new_page()
        if at is not None:
            page.goto(live_server.url + at)
        return page

    yield open_page
    for context in contexts:
        try:
            context.close()
        except Exception:  # closed by the test, or the browser is gone
            pass


#: Where browser tests save the screenshots a person looks at (not compared by the tests).
SHOTS = Path(os.environ.get("LINLI_SCREENSHOTS", "var/screenshots"))


def shot(page, name: str) -> None:
    """A full-page screenshot of `page` as SHOTS/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
