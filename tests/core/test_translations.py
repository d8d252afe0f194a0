"""Every Chinese catalogue is complete and its compiled .mo matches the .po."""

import gettext
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "linli"
CATALOGUES = sorted(PACKAGE.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))
ENTRY = re.compile(
    r'^(?P<flags>#,[^\n]*\n)?msgid (?P<id>(?:"(?:[^"\\]|\\.)*"\n)+)'
    r'(?:msgid_plural (?:"(?:[^"\\]|\\.)*"\n)+)?'
    r'(?P<strs>(?:msgstr(?:\[\d\])? (?:"(?:[^"\\]|\\.)*"\n?)+)+)',
    re.M,
)


def _text(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).encode("latin-1", "backslashreplace").decode("unicode_escape")


def _entries(po: Path):
    for m in ENTRY.finditer(po.read_text(encoding="utf-8")):
        msgid = _text(m.group("id"))
        if msgid:
            yield msgid, m.group("flags") or "", m.group("strs")


def test_catalogues_exist():
    assert len(CATALOGUES) >= 4


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.parent.parent.parent.parent.name))
def test_catalogue_is_complete_and_compiled(po):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run msgfmt"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    untranslated, stale = [], []
    for msgid, flags, strs in _entries(po):
        first = re.search(r'msgstr(?:\[0\])? ((?:"(?:[^"\\]|\\.)*"\n?)+)', strs)
        msgstr = first and _text(first.group(1))
        if "fuzzy" in flags or not msgstr:
            untranslated.append(msgid)
        elif compiled.gettext(msgid) == msgid and msgstr != msgid:
            stale.append(msgid)
    assert not untranslated, f"{po}: untranslated or fuzzy: {untranslated[:10]}"
    assert not stale, f"{mo} is older than {po.name}: {stale[:10]}"
