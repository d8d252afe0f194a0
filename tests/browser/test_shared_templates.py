"""What every page shares: templates without inline styles (the CSP's style-src is meant to be
'self' only), colours named once in the stylesheet, one field template whose help and errors a
screen reader is pointed at, and one pager that keeps the filters and says "more than N" where
a list is not counted."""

import re
from pathlib import Path

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from linli.common.pagination import CappedPaginator

PACKAGE = Path(__file__).resolve().parents[2] / "linli"
TEMPLATES = sorted(p for p in PACKAGE.rglob("*") if "templates" in p.parts
                   and p.suffix in (".html", ".txt") and p.is_file())
STYLESHEETS = sorted((PACKAGE / "static" / "linli").glob("*.css"))
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
COLOUR = re.compile(r"#[0-9a-f]{3,8}\b|\b(?:rgb|hsl)a?\(", re.I)


def test_the_scan_finds_the_templates_and_what_it_looks_for():
    assert len(TEMPLATES) > 100 and STYLESHEETS
    assert INLINE_STYLE.search('<p style="color: red">') and INLINE_STYLE.search("<STYLE>")
    assert not INLINE_STYLE.search('<p class="style-guide" data-style="x">')


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_template_has_an_inline_style(template):
    """Styles live in linli/static/linli/*.css (a PDF's in a stylesheet file of its own)."""
    found = [f"line {template.read_text(encoding='utf-8').count(chr(10), 0, m.start()) + 1}: "
             f"{m.group(0).strip()}" for m in INLINE_STYLE.finditer(template.read_text(
                 encoding="utf-8"))]
    assert not found, f"{template.relative_to(PACKAGE)}: {found}"


def _outside_custom_properties(css: str) -> list[str]:
    """Colours written anywhere but as the value of a custom property (`--name: #…`)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"url\([^)]*\)", "", css)  # inline SVG icons carry no colour of their own
    return [line.strip() for line in css.splitlines()
            if COLOUR.search(re.sub(r"--[\w-]+\s*:\s*[^;]+;", "", line))]


@pytest.mark.parametrize("sheet", STYLESHEETS, ids=lambda p: p.name)
def test_stylesheets_name_every_colour(sheet):
    """A colour is defined once, as a custom property in app.css's :root (or its elder and
    high-contrast variants); components and app sheets use the names."""
    stray = _outside_custom_properties(sheet.read_text(encoding="utf-8"))
    assert not stray, f"{sheet.name}: colours not taken from a custom property: {stray[:5]}"
    if sheet.name != "app.css":
        assert not re.search(r"--[\w-]+\s*:\s*(?:#|rgb|hsl)", sheet.read_text(encoding="utf-8")), \
            f"{sheet.name} defines a colour; define it in app.css's :root"


def test_colours_are_defined_in_one_root_block():
    css = (PACKAGE / "static" / "linli" / "app.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert len(re.findall(r"(?m)^:root\s*\{", css)) == 1
    root = re.search(r"(?m)^:root\s*\{(.*?)\n\}", css, re.S).group(1)
    for name in ("--red", "--ink", "--muted", "--line", "--card", "--ok-fg", "--danger-fg",
                 "--warn-fg", "--info-fg"):
        assert re.search(rf"{name}\s*:", root), f"{name} is missing from :root"


class _Sample(forms.Form):
    name = forms.CharField(label="Name", help_text="As on the ID card")
    agree = forms.BooleanField(label="I agree")
    skills = forms.MultipleChoiceField(label="Skills", required=False,
                                       choices=[("a", "Haircut"), ("b", "Repairs")],
                                       widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label="Note", required=False)


def test_a_field_says_required_and_points_the_input_at_its_help_and_errors():
    form = _Sample(data={"note": "x"})
    assert not form.is_valid()
    html = str(form["name"].as_field_group())
    assert re.search(r'<label for="id_name">Name <span class="req">[^<]+</span></label>', html)
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'id="id_name_helptext"' in html and 'id="id_name_error"' in html
    assert 'aria-invalid="true"' in html and "field-invalid" in html
    note = str(form["note"].as_field_group())
    assert 'class="req"' not in note and "aria-describedby" not in note
    agree = str(form["agree"].as_field_group())  # the box inside its label, the line the target
    assert re.search(r'<label class="check" for="id_agree"><input type="checkbox"', agree)
    skills = str(form["skills"].as_field_group())  # several choices: a fieldset and a legend
    assert "<fieldset" in skills and "<legend>Skills</legend>" in skills


def test_a_whole_form_says_what_is_wrong_above_the_fields():
    with translation.override("zh-hans"):
        html = str(_Sample(data={}))
    assert html.index('role="alert"') < html.index('id="id_name"')
    assert "（必填）" in html


def _pager(page, query: str = "", **context) -> str:
    request = RequestFactory().get("/list/" + query)
    with translation.override("zh-hans"):
        return render_to_string("includes/pagination.html", {"page": page, **context},
                                request=request)


def test_the_pager_keeps_the_filters_and_counts_pages():
    page = Paginator(list(range(45)), 20).get_page(2)
    html = _pager(page, "?status=pending&tag=a&tag=b&page=2")
    assert 'href="?status=pending&amp;tag=a&amp;tag=b&amp;page=1"' in html
    assert 'href="?status=pending&amp;tag=a&amp;tag=b&amp;page=3"' in html
    assert "第 2 / 3 页 · 共 45 条" in html
    assert "第 2 页，共 3 页" in _pager(page, records=False)  # residents' pages
    assert _pager(Paginator(list(range(5)), 20).get_page(1)).strip() == ""


def test_the_pager_says_more_than_n_past_a_cap(db):
    from linli.accounts.models import User

    page = CappedPaginator(list(range(30)), 10, cap=20).get_page(1)
    assert "超过 20 条" in _pager(page, "?q=wang") and "q=wang&amp;page=2" in _pager(page, "?q=wang")
    uncounted = CappedPaginator(User.objects.none(), 10, cap=None).get_page(1)
    assert _pager(uncounted).strip() == ""


def test_the_pager_takes_a_page_read_one_row_past_its_end():
    page = {"has_previous": True, "has_next": True, "number": 2, "previous": 1, "next": 3}
    html = _pager(page, "?status=submitted&page=2")
    assert 'href="?status=submitted&amp;page=1"' in html and 'rel="next"' in html
    assert 'href="?status=submitted&amp;page=3"' in html and "下一页还有更多结果" in html


def test_widgets_that_include_djangos_own_templates_still_render(client, db):
    """The admin's widgets include Django's widget templates: the project renderer finds both
    (a renderer on the project's engine alone answered the admin's add-user page with a 500)."""
    from django.contrib.admin.widgets import AdminSplitDateTime, AdminURLFieldWidget

    from tests.factories import UserFactory

    class Admin(forms.Form):
        url = forms.URLField(widget=AdminURLFieldWidget, assume_scheme="https")
        when = forms.SplitDateTimeField(widget=AdminSplitDateTime)

    html = str(Admin(initial={"url": "https://example.org/"}))
    assert 'type="url"' in html and 'name="when_0"' in html
    admin = UserFactory(is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/accounts/user/add/").status_code == 200
