"""Test-only pages: one breaks the CSP and throws, one uses the shared `data-autosubmit`."""

from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import path

from linli.urls import urlpatterns as project_patterns

BROKEN = """<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"><title>boom</title>
<script src="/csp-test/throws.js"></script>
<script>window.inlineRan = true;</script></head><body>
<select id="pick" onchange="window.changed = true"><option>1</option><option>2</option></select>
</body></html>"""
THROWS = 'console.error("deliberate console error");\n' \
         'window.setTimeout(function () { throw new Error("deliberate page error"); }, 0);\n'
AUTOSUBMIT = """<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"><title>ok</title>
<script src="{app}" defer></script></head><body>
<form method="get" action=""><label for="s">状态</label>
<select id="s" name="status" data-autosubmit><option value="">全部</option>
<option value="done">已完成</option></select></form><p id="got">{got}</p></body></html>"""


def broken(request):
    return HttpResponse(BROKEN)


def throws(request):
    return HttpResponse(THROWS, content_type="text/javascript")


def autosubmit(request):
    return HttpResponse(AUTOSUBMIT.format(app=static("linli/app.js"),
                                          got=request.GET.get("status", "")))


urlpatterns = [
    path("csp-test/broken/", broken),
    path("csp-test/throws.js", throws),
    path("csp-test/autosubmit/", autosubmit),
    *project_patterns,
]
