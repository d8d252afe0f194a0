"""A same-site crawler for the Django test client, and checks of what a Chinese page shows.

Used by the crawl tests (every demo role follows every link) and by `python -m tests.crawl.report`,
which writes the findings file for the other engineers.
"""

from __future__ import annotations

import re
import time
import traceback
from collections import defaultdict, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from django.core.signals import got_request_exception
from django.test import Client
from django.urls import Resolver404, resolve

#: The demo logins of the README, one per role (password `Linli@2026demo`).
DEMO_ROLES = {
    "street_admin": "13900000001",
    "auditor": "13900000002",
    "community_staff": "13900000011",
    "store_clerk": "13900000012",
    "grid_worker": "13900000013",
    "volunteer": "13900000014",
    "resident": "13900000015",
}

#: URL names never followed: they end the session or change state on GET by design.
NEVER_FOLLOW = {"accounts:logout", "set_language", "accounts:elder_mode"}
#: Paths never followed: Django's admin is for the superuser only; static files are not pages.
SKIP_PREFIXES = ("/static/", "/admin/", "/__debug__/")
#: What a download must be served as (by the URL's file extension or the view's name).
DOWNLOADS = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".ics": "text/calendar",
    ".csv": "text/csv",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
HTML = "text/html"


@dataclass
class Visit:
    role: str
    url: str
    name: str
    status: int
    content_type: str
    referrer: str
    error: str = ""
    seconds: float = 0.0


@dataclass
class CrawlResult:
    role: str
    visits: list[Visit] = field(default_factory=list)
    pages: dict[str, str] = field(default_factory=dict)  # url -> HTML of the pages that answered 200

    @property
    def failures(self) -> list[Visit]:
        return [v for v in self.visits if v.status >= 500 or v.error]


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _same_site(base: str, href: str) -> str | None:
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:", "sms:")):
        return None
    absolute, _frag = urldefrag(urljoin("http://testserver" + base, href))
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client: Client, role: str, *, start: tuple[str, ...] = ("/",), per_name: int = 4,
          max_pages: int = 2000, downloads: set[str] | None = None) -> CrawlResult:
    """Breadth-first over every same-site link a signed-in `client` is shown, GET only.

    At most `per_name` distinct URLs per resolved URL name are visited (ids and query strings
    differ, the view is the same), so the crawl stays fast however much data there is. A URL
    name that answers with a file (an Excel export, a PDF of door plates) is fetched once; pass
    the same `downloads` set to the crawls of several roles to fetch each file type only once."""
    result = CrawlResult(role)
    errors: list[str] = []

    def _record(sender, request=None, **kwargs):
        errors.append(traceback.format_exc(limit=-3).strip().splitlines()[-1])

    got_request_exception.connect(_record, weak=False)
    try:
        seen: set[str] = set()
        per: dict[str, int] = defaultdict(int)
        downloads = set() if downloads is None else downloads  # names that answered with a file
        queue = deque((url, "(start)") for url in start)
        while queue and len(result.visits) < max_pages:
            url, referrer = queue.popleft()
            if url in seen or url.startswith(SKIP_PREFIXES):
                continue
            seen.add(url)
            name = url_name(urlsplit(url).path) or "(unresolved)"
            if name in NEVER_FOLLOW or "logout" in name:
                continue
            if name in downloads or per[name] >= per_name:
                continue
            per[name] += 1
            errors.clear()
            began = time.monotonic()
            response = client.get(url)
            visit = Visit(role, url, name, response.status_code,
                          response.get("Content-Type", "").split(";")[0].strip(), referrer,
                          seconds=time.monotonic() - began)
            if errors:
                visit.error = errors[-1]
            result.visits.append(visit)
            if response.status_code in (301, 302, 303, 307, 308):
                target = _same_site(url, response["Location"])
                if target:
                    queue.append((target, url))
                continue
            if response.status_code != 200:
                continue
            expected = _expected_type(url)
            if expected and visit.content_type != expected:
                visit.error = f"served as {visit.content_type!r}, expected {expected!r}"
            if visit.content_type != HTML or getattr(response, "streaming", False):
                downloads.add(name)
                continue
            html = response.content.decode("utf-8", "replace")
            result.pages[url] = html
            for href in links(html):
                target = _same_site(url, href)
                if target and target not in seen:
                    queue.append((target, url))
    finally:
        got_request_exception.disconnect(_record)
    return result


def _expected_type(url: str) -> str | None:
    path = urlsplit(url).path.lower().rstrip("/")
    for ext, content_type in DOWNLOADS.items():
        if path.endswith(ext):
            return content_type
    return None


# --- Untranslated text on Chinese pages -------------------------------------------------------

PACKAGE = Path(__file__).resolve().parents[2] / "linli"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: English words a Chinese page may show: product and format names, units, abbreviations.
ALLOWED_WORDS = {
    "qr", "pdf", "excel", "xlsx", "csv", "ics", "api", "openapi", "id", "ok", "sms", "wechat",
    "linli", "http", "https", "www", "url", "app", "ai", "vip", "km", "kg", "cm", "mm", "ml",
    "am", "pm", "min", "h", "m", "g", "a", "b", "c", "d", "x", "ios", "android", "html", "json",
    "swagger", "redoc", "docs", "utc", "gb", "mb", "kb", "no", "jpeg", "jpg", "png", "webp",
    "gif", "heic", "svg",
    # pinyin, as the registry search explains it takes (如 zs、zhangsan、5678)
    "zs", "zhangsan",
}
#: Internal codes: model labels ("accounts.user") and snake_case rule or state codes.
INTERNAL_CODE = re.compile(r"\b(?:[a-z]+_[a-z_]+|(?:accounts|registry|ledger|orders|points|store|"
                           r"volunteers|activities|notifications|common|auth|admin)\.[a-z_]+)\b")
WORD = re.compile(r"(?<![A-Za-z0-9_@./-])[A-Za-z]{2,}(?![A-Za-z0-9_@/-])")
SKIP_TEXT_TAGS = {"script", "style", "noscript", "template", "code", "kbd", "samp", "pre"}
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


class _Text(HTMLParser):
    """Visible text nodes and the attributes a person sees or hears (placeholder, title, …)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = tag in SKIP_TEXT_TAGS or "hidden" in attrs or attrs.get("aria-hidden") == "true" \
            or "data-no-i18n" in attrs or attrs.get("translate") == "no"
        if tag in self.VOID:
            if not self._hidden and not hidden and attrs.get("type") != "hidden":
                self.texts.extend(attrs[a] for a in SHOWN_ATTRIBUTES if attrs.get(a))
                if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                    self.texts.append(attrs["value"])
            return
        self._stack.append(tag)
        if hidden or self._hidden:
            self._hidden += 1
        elif not self._hidden:
            self.texts.extend(attrs[a] for a in SHOWN_ATTRIBUTES if attrs.get(a))

    def handle_endtag(self, tag):
        if tag in self.VOID or tag not in self._stack:
            return
        while self._stack:
            top = self._stack.pop()
            if self._hidden:
                self._hidden -= 1
            if top == tag:
                break

    def handle_data(self, data):
        if not self._hidden:
            text = " ".join(data.split())
            if text:
                self.texts.append(text)


def visible_texts(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.texts


def _po_entries():
    from tests.core.test_translations import CATALOGUES, _entries, _msgstrs

    for po in CATALOGUES:
        for _ctx, msgid, _flags, strs in _entries(po):
            yield msgid, _msgstrs(strs)


_ENGLISH: set[str] | None = None


def english_msgids() -> set[str]:
    """Msgids whose Chinese translation differs from the English: shown as-is, they are untranslated."""
    global _ENGLISH
    if _ENGLISH is None:
        _ENGLISH = {msgid for msgid, msgstrs in _po_entries()
                    if "%" not in msgid and "{" not in msgid and not CJK.search(msgid)
                    and msgstrs and msgstrs[0] != msgid and WORD.search(msgid)}
    return _ENGLISH


def untranslated(html: str) -> list[str]:
    """Text a Chinese reader sees in English or as an internal code."""
    found = []
    msgids = english_msgids()
    for text in visible_texts(html):
        if text in msgids:
            found.append(text)
            continue
        if INTERNAL_CODE.search(text):
            found.append(text)
            continue
        # Capitals only are codes a person reads out or types (pickup codes such as KMNPQRST,
        # volunteer numbers) or abbreviations, not untranslated wording.
        words = [w for w in WORD.findall(text)
                 if w.lower() not in ALLOWED_WORDS and not w.isupper()]
        # A lone capitalised word in a Chinese sentence may be a name (a merchant, a brand);
        # English wording has two or more words, is the whole text, or is a lowercase code.
        if words and (len(words) >= 2 or not CJK.search(text) or words[0][0].islower()):
            found.append(text)
    return found
