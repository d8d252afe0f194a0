"""Every Chinese catalogue is complete, its compiled .mo matches the .po, and all catalogues
translate a shared msgid the same way."""

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
