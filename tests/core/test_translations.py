"""Every Chinese catalogue is complete, its compiled .mo matches the .po, and all catalogues
translate a shared msgid the same way."""

import ast
import gettext
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "linli"
CATALOGUES = sorted(PACKAGE.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))
ENTRY = re.compile(
    r'^(?P<flags>#,[^\n]*\n)?(?:#\|[^\n]*\n)*(?:msgctxt (?P<ctx>(?:"(?:[^"\\]|\\.)*"\n)+))?'
    r'msgid (?P<id>(?:"(?:[^"\\]|\\.)*"\n)+)'
    r'(?:msgid_plural (?:"(?:[^"\\]|\\.)*"\n)+)?'
    r'(?P<strs>(?:msgstr(?:\[\d\])? (?:"(?:[^"\\]|\\.)*"\n?)+)+)',
    re.M,
)


def _text(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).encode("latin-1", "backslashreplace").decode("unicode_escape")


def _entries(po: Path):
    """(msgctxt, msgid, flags, msgstr block) of every translated entry; msgctxt is "" if none."""
    for m in ENTRY.finditer(po.read_text(encoding="utf-8")):
        msgid = _text(m.group("id"))
        if msgid:
            yield _text(m.group("ctx") or ""), msgid, m.group("flags") or "", m.group("strs")


def _msgstrs(strs: str) -> tuple[str, ...]:
    """Every msgstr (or msgstr[n]) of an entry, in order."""
    return tuple(_text(b) for b in re.findall(r'msgstr(?:\[\d\])? ((?:"(?:[^"\\]|\\.)*"\n?)+)', strs))


def test_catalogues_exist():
    assert len(CATALOGUES) >= 4


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.parent.parent.parent.parent.name))
def test_catalogue_is_complete_and_compiled(po):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run msgfmt"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    untranslated, stale = [], []
    for msgctxt, msgid, flags, strs in _entries(po):
        first = re.search(r'msgstr(?:\[0\])? ((?:"(?:[^"\\]|\\.)*"\n?)+)', strs)
        msgstr = first and _text(first.group(1))
        if "fuzzy" in flags or not msgstr:
            untranslated.append(msgid)
        elif (compiled.pgettext(msgctxt, msgid) if msgctxt else compiled.gettext(msgid)) == msgid \
                and msgstr != msgid:
            stale.append(msgid)
    assert not untranslated, f"{po}: untranslated or fuzzy: {untranslated[:10]}"
    assert not stale, f"{mo} is older than {po.name}: {stale[:10]}"


def test_catalogues_agree_on_every_shared_msgid():
    """Django merges all catalogues of a language into one, so a msgid translated differently in
    two apps shows one of the translations everywhere. A word that means different things in two
    places needs a context (pgettext / {% translate ... context ... %}) on one side."""
    seen: dict[tuple[str, str], dict[tuple[str, ...], list[str]]] = {}
    for po in CATALOGUES:
        app = po.parents[3].relative_to(PACKAGE.parent).as_posix()
        for msgctxt, msgid, flags, strs in _entries(po):
            msgstrs = _msgstrs(strs)
            if "fuzzy" in flags or not any(msgstrs):
                continue
            seen.setdefault((msgctxt, msgid), {}).setdefault(msgstrs, []).append(app)
    clashes = [f"{ctx + ' | ' if ctx else ''}{msgid!r}: "
               + "; ".join(f"{' / '.join(msgstrs)} ({', '.join(apps)})" for msgstrs, apps in variants.items())
               for (ctx, msgid), variants in sorted(seen.items()) if len(variants) > 1]
    assert not clashes, "Same msgid, different Chinese in different catalogues:\n" + "\n".join(clashes)


# --- Every msgid the code and templates use has a Chinese translation ---------------------

GETTEXT_FUNCTIONS = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy",
                     "pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}
TEMPLATE_CALL = re.compile(
    r"\b(n?p?gettext)\(\s*((?:u?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\s*,?\s*)+)")
PY_STRING = re.compile(r"u?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")")


def _literal(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _python_msgids(path: Path):
    """(msgctxt, msgid, line) of each gettext call with literal arguments in a module."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in GETTEXT_FUNCTIONS or not node.args:
            continue
        contextual = name.lstrip("n").startswith("pgettext")
        args = [_literal(a) for a in node.args[:2]]
        ctx, msgid = (args[0], args[1] if len(args) > 1 else None) if contextual else ("", args[0])
        if msgid and ctx is not None:
            yield ctx, msgid, node.lineno


def _template_msgids(path: Path):
    from django.utils.translation.template import templatize

    source = path.read_text(encoding="utf-8")
    for match in TEMPLATE_CALL.finditer(templatize(source, origin=str(path))):
        strings = [ast.literal_eval(s) for s in PY_STRING.findall(match.group(2))]
        contextual = match.group(1).lstrip("n").startswith("pgettext")
        ctx, msgid = (strings[0], strings[1]) if contextual else ("", strings[0])
        yield ctx, msgid, source.count("\n", 0, source.find(msgid.split("%(")[0][:20])) + 1


def _used_msgids():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            for ctx, msgid, line in _python_msgids(path):
                yield ctx, msgid, f"{path.relative_to(PACKAGE.parent)}:{line}"
    for path in sorted(PACKAGE.rglob("*")):
        if "templates" in path.parts and path.suffix in (".html", ".txt") and path.is_file():
            for ctx, msgid, line in _template_msgids(path):
                yield ctx, msgid, f"{path.relative_to(PACKAGE.parent)}:{line}"


def test_every_msgid_in_code_and_templates_has_a_chinese_translation():
    """`makemessages` was run and the new entries translated: a string marked for translation
    that no catalogue translates shows in English on a Chinese page."""
    translated = {(ctx, msgid) for po in CATALOGUES for ctx, msgid, flags, strs in _entries(po)
                  if "fuzzy" not in flags and all(_msgstrs(strs))}
    missing = sorted({f"{where}: {ctx + ' | ' if ctx else ''}{msgid!r}"
                      for ctx, msgid, where in _used_msgids() if (ctx, msgid) not in translated})
    assert not missing, f"{len(missing)} msgid(s) without a Chinese translation " \
        "(run makemessages in the app and translate):\n" + "\n".join(missing)


def test_the_msgid_finder_reads_templates_and_code(tmp_path):
    """The check above is only as good as what it finds: every form of marking a string."""
    template = tmp_path / "page.html"
    template.write_text(
        '{% load i18n %}<h1>{% translate "Plain" %}</h1>{% translate "Word" context "grammar" %}'
        '{% blocktranslate with n=count %}{{ n }} left{% endblocktranslate %}'
        '{% blocktranslate count n=count %}one item{% plural %}{{ n }} items{% endblocktranslate %}'
        "<p title=\"{% translate 'Quoted' %}\">", encoding="utf-8")
    module = tmp_path / "code.py"
    module.write_text(
        "from django.utils.translation import gettext_lazy as _, pgettext, ngettext\n"
        "A = _('Lazy')\nB = pgettext('unit', 'Bag')\nC = ngettext('%(n)s bag', '%(n)s bags', 2)\n"
        "D = _(some_variable)\n", encoding="utf-8")
    found = {(ctx, msgid) for ctx, msgid, _line in _template_msgids(template)}
    assert found == {("", "Plain"), ("grammar", "Word"), ("", "%(n)s left"), ("", "one item"),
                     ("", "Quoted")}
    assert {(ctx, msgid) for ctx, msgid, _line in _python_msgids(module)} == {
        ("", "Lazy"), ("unit", "Bag"), ("", "%(n)s bag")}
