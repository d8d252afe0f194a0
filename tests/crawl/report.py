"""Crawl the demo street as every demo role and print the findings as Markdown.

    LINLI_DATA_DIR=var/h-crawl .venv/bin/linli migrate && .venv/bin/linli demo
    LINLI_DATA_DIR=var/h-crawl LINLI_TESTING=1 .venv/bin/python -m tests.crawl.report > findings.md

It reads the database it is pointed at and only sends GET requests."""

from __future__ import annotations

import os
import sys
import time
from collections import defaultdict


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from linli.accounts.models import User
    from tests.crawl.crawler import DEMO_ROLES, crawl, untranslated

    setup_test_environment()
    began = time.monotonic()
    server_errors, broken, forbidden, texts = [], [], [], defaultdict(set)
    seconds = defaultdict(float)
    total, downloads = 0, set()
    for role, mobile in DEMO_ROLES.items():
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(mobile=mobile))
        result = crawl(client, role, downloads=downloads)
        total += len(result.visits)
        for v in result.visits:
            seconds[v.name] += v.seconds
            if v.status == 403:
                forbidden.append(v)
            if v.status >= 500 or v.error:
                server_errors.append(v)
            elif v.status == 404:
                broken.append(v)
        for url, html in result.pages.items():
            for text in untranslated(html):
                texts[text].add(f"{role} {url}")
    out = sys.stdout
    out.write(f"Crawled {total} pages in {time.monotonic() - began:.0f} s.\n\n")
    out.write("## Server errors (5xx) and wrong content types\n\n")
    for v in server_errors:
        out.write(f"- {v.role} → `{v.url}` ({v.name}) → {v.status} {v.error} (linked from `{v.referrer}`)\n")
    out.write("\n## Broken links (404)\n\n")
    for v in broken:
        out.write(f"- {v.role} → `{v.url}` ({v.name}) linked from `{v.referrer}`\n")
    out.write("\n## Links that answer 403 (shown to a role that may not open them)\n\n")
    for v in forbidden:
        out.write(f"- {v.role} → `{v.url}` ({v.name}) linked from `{v.referrer}`\n")
    out.write("\n## Slowest URL names (seconds, all roles)\n\n")
    for name, total in sorted(seconds.items(), key=lambda kv: -kv[1])[:12]:
        out.write(f"- {name}: {total:.1f}\n")
    out.write("\n## Untranslated or internal text on Chinese pages\n\n")
    for text, where in sorted(texts.items()):
        sample = sorted(where)[:3]
        out.write(f"- {text!r} — {len(where)} page(s), e.g. {'; '.join(sample)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
