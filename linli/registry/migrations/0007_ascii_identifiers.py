"""Fold identifiers stored with full-width characters to ASCII (issue 11).

Before the fix, an ID number typed as `５１１６…` was accepted and stored as typed: its keyed
hash was the hash of the full-width text, so searching the number found nobody. The same held
for mobiles, household numbers, rooms and grid numbers (`\\d` and `str.isdigit()` take
full-width digits). This migration rewrites such rows in their ASCII form:

- ID numbers are stored encrypted with a keyed hash and a masked copy: each is decrypted,
  folded (NFKC, spaces removed, upper case), and when that changes it, encrypted, hashed and
  masked again with the keys in force (`linli.registry.privacy`, the storage format itself).
- Mobiles: NFKC, spaces and dashes removed. Household numbers, rooms, grid numbers: NFKC,
  ends trimmed.

A folded value that would clash with another row (two residents with the same ID hash, two
households with the same number in a community, two grids with the same number) is not
written: the later row (higher primary key) keeps its old value and a warning naming its
primary key (never the number) is logged, for a person to resolve. Rows are read in
primary-key chunks and only changed ones are written, one plain UPDATE each (no save(), no
history row). The folding rules are copied here so the migration keeps meaning what it meant
when it ran. Reversing does nothing: the full-width form carried no meaning.
"""

import logging
import re
import unicodedata

from django.db import migrations

logger = logging.getLogger("linli.registry.migrations")

_SPACES = re.compile(r"\s+")
_MOBILE_SEPARATORS = re.compile(r"[\s-]+")


def fold_id_number(value: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", value)).upper()


def fold_mobile(value: str) -> str:
    return _MOBILE_SEPARATORS.sub("", unicodedata.normalize("NFKC", value))


def fold_code(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def _fold_residents(apps) -> None:
    from linli.registry.privacy import decrypt_id_number, protect_id_number

    model = apps.get_model("registry", "Resident")
    manager = model._base_manager
    rows = manager.values_list("pk", "id_number_encrypted", "mobile").order_by("pk")
    for pk, encrypted, mobile in rows.iterator(chunk_size=2000):
        changes = {}
        if mobile and not mobile.isascii():
            folded = fold_mobile(mobile)
            if folded != mobile:
                changes["mobile"] = folded
        if encrypted:
            number = decrypt_id_number(encrypted)
            folded = fold_id_number(number) if number else ""
            if folded and folded != number:
                protected = protect_id_number(folded)
                clash = manager.filter(id_number_hash=protected["id_number_hash"]).exclude(pk=pk)
                if clash.exists():
                    logger.warning(
                        "resident %s: its ID number folded to ASCII is already held by "
                        "resident %s; left unchanged for a person to resolve",
                        pk, clash.values_list("pk", flat=True).first())
                else:
                    changes.update(protected)
        if changes:
            manager.filter(pk=pk).update(**changes)


def _fold_unique(apps, model_name: str, field: str, scope: str, extra: tuple = ()) -> None:
    """Fold `field` (unique within `scope`) and the `extra` fields of every row of a model."""
    model = apps.get_model("registry", model_name)
    manager = model._base_manager
    rows = manager.values_list("pk", scope, field, *extra).order_by("pk")
    for pk, scope_id, value, *others in rows.iterator(chunk_size=2000):
        changes = {}
        for name, old in zip(extra, others, strict=True):
            if old and not old.isascii():
                new = fold_code(old)
                if new != old:
                    changes[name] = new
        if value and not value.isascii():
            folded = fold_code(value)
            if folded and folded != value:
                clash = manager.filter(**{scope: scope_id, field: folded}).exclude(pk=pk)
                if clash.exists():
                    logger.warning(
                        "%s %s: its %s folded to ASCII is already used by %s %s in the same "
                        "%s; left unchanged for a person to resolve",
                        model_name, pk, field, model_name, clash.values_list(
                            "pk", flat=True).first(), scope.removesuffix("_id"))
                else:
                    changes[field] = folded
        if changes:
            manager.filter(pk=pk).update(**changes)


def fold_identifiers(apps, schema_editor):
    _fold_residents(apps)
    _fold_unique(apps, "Household", "number", "community_id", extra=("room",))
    _fold_unique(apps, "Grid", "number", "community_id")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_clean_stored_names"),
    ]

    operations = [migrations.RunPython(fold_identifiers, migrations.RunPython.noop)]
