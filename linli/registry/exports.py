"""Excel export of a resident search, in the import format (a full export re-imports)."""

from __future__ import annotations

import io

from django.db.models import QuerySet
from openpyxl import Workbook

from linli.common.xlsx import safe_row
from linli.registry.imports import (
    BASIS_LABEL,
    COLUMNS,
    GENDER_LABEL,
    POLITICAL_LABEL,
    RELATION_LABEL,
    RESIDENCE_LABEL,
)
from linli.registry.privacy import decrypt_id_number


def residents_xlsx(qs: QuerySet, *, reveal: bool) -> tuple[bytes, int]:
    """Masked ID numbers and mobiles unless `reveal` (the caller logs the reason)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("居民")
    ws.append([header for _k, header, _r in COLUMNS])
    count = 0
    qs = qs.select_related("household__grid", "household__building__estate", "household__unit",
                           "guardian")
    for r in qs.iterator(chunk_size=1000):
        h = r.household
        guardian = ""
        if r.guardian_id:
            guardian = (decrypt_id_number(r.guardian.id_number_encrypted) if reveal
                        else r.guardian.id_number_masked)
        ws.append(safe_row([
            h.number, h.grid.number, h.address,
            h.building.estate.name if h.building_id else "",
            h.building.name if h.building_id else "", h.unit.name if h.unit_id else "", h.room,
            r.name,
            decrypt_id_number(r.id_number_encrypted) if reveal else r.id_number_masked,
            GENDER_LABEL.get(r.gender, ""),
            r.birth_date.isoformat() if r.birth_date else "",
            r.mobile if reveal else r.mobile_masked,
            r.ethnicity, POLITICAL_LABEL.get(r.political_status, ""),
            RESIDENCE_LABEL.get(r.residence_type, ""), RELATION_LABEL.get(r.relation, ""),
            "、".join(t.name for t in r.tags.all()), BASIS_LABEL.get(r.sensitive_basis, ""),
            r.sensitive_basis_note, guardian,
            r.moved_out_on.isoformat() if r.moved_out_on else "",
            r.deceased_on.isoformat() if r.deceased_on else "",
        ]))
        count += 1
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), count
