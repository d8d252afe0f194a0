"""Collects what goes wrong inside a browser page: console errors, uncaught exceptions and
Content-Security-Policy violations.

The root conftest attaches one collector to every browser context a test opens (through the
`page`/`context` fixtures or `browser.new_context()` / `browser.new_page()`) and fails the test at
teardown if anything was collected, so an inline `onchange=` that the CSP silently blocks, or a
script that throws, can no longer go unnoticed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Runs in every document before the page's own scripts. Scripts that Playwright injects are not
#: subject to the page's CSP, so this listener works even under `script-src 'self'`.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("[csp] " + e.effectiveDirective + " blocked "
    + (e.blockedURI || "inline code") + " at " + (e.sourceFile || document.URL)
    + ":" + e.lineNumber + (e.sample ? " (" + e.sample + ")" : ""));
}, true);
"""
#: Chromium's own wording of a CSP violation in the console (older and current versions).
CSP_MESSAGE = re.compile(r"^\[csp\] |Refused to (?:execute|load|apply|connect|frame|evaluate)"
                         r"|violates the following Content Security Policy directive")
#: Browsers ask for /favicon.ico on their own; its absence is not the page's error.
IMPLICIT_REQUESTS = re.compile(r"/favicon\.ico$")


@dataclass
class BrowserProblem:
    kind: str  # "console", "pageerror" or "csp"
    text: str
    url: str

    def __str__(self):
        return f"{self.kind}: {self.text} (on {self.url})"


@dataclass
class BrowserErrors:
    """What went wrong in the pages of one test. `allow(pattern)` accepts an expected problem
    (a test that visits a missing page on purpose); `take()` hands the problems to a test that
    checks them itself."""

    problems: list[BrowserProblem] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)
    contexts: list = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def take(self) -> list[BrowserProblem]:
        taken, self.problems = self.problems, []
        return taken

    def unexpected(self) -> list[BrowserProblem]:
        return [p for p in self.problems if not any(a.search(p.text) for a in self.allowed)]

    # --- attaching ---------------------------------------------------------------------------

    def attach_context(self, context) -> None:
        context.add_init_script(CSP_LISTENER)
        context.on("page", self.attach_page)
        for page in context.pages:
            self.attach_page(page)
        self.contexts.append(context)

    def attach_page(self, page) -> None:
        if getattr(page, "_linli_errors", None) is self:
            return
        page._linli_errors = self
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self._record("pageerror", str(error), page))

    def _console(self, page, message) -> None:
        if message.type != "error":
            return
        kind = "csp" if CSP_MESSAGE.search(message.text) else "console"
        location = message.location or {}
        url = location.get("url") or page.url
        if message.text.startswith("Failed to load resource") and IMPLICIT_REQUESTS.search(url):
            return
        self._record(kind, message.text, page, url)

    def _record(self, kind: str, text: str, page, url: str | None = None) -> None:
        try:
            url = url or page.url
        except Exception:  # a closed page has no URL any more
            url = "?"
        problem = BrowserProblem(kind, text.strip(), url)
        if all((p.kind, p.text, p.url) != (kind, problem.text, url) for p in self.problems):
            self.problems.append(problem)

    def report(self, problems=None) -> str:
        problems = self.unexpected() if problems is None else problems
        return "\n".join(f"  - {p}" for p in problems)


def install(monkeypatch, collector: BrowserErrors) -> None:
    """Make every context and page the test's browser opens report to `collector`."""
    from playwright.sync_api import Browser

    new_context, new_page = Browser.new_context, Browser.new_page

    def _new_context(self, *args, **kwargs):
        context = new_context(self, *args, **kwargs)
        collector.attach_context(context)
        return context

    def _new_page(self, *args, **kwargs):
        page = new_page(self, *args, **kwargs)
        collector.attach_context(page.context)
        collector.attach_page(page)
        return page

    monkeypatch.setattr(Browser, "new_context", _new_context)
    monkeypatch.setattr(Browser, "new_page", _new_page)
