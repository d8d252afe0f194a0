"""Printable door plates: one QR code per household, a sheet per building (A4 PDF)."""

from __future__ import annotations

import segno
from django.template.loader import render_to_string
from django.urls import reverse

from linli.registry.models import Building, Household
from linli.registry.selectors import grid_workers


def plate_qr_svg(url: str) -> str:
    # Error correction "q" survives a scratched or dirty plate.
    return segno.make(url, error="q").svg_inline(scale=4, border=2)


def plates_context(*, households, base_url: str) -> list[dict]:
    items = []
    workers_by_grid: dict[int, list] = {}
    for household in households:
        url = base_url + reverse("registry:door", kwargs={"token": household.door_token})
        if household.grid_id not in workers_by_grid:
            workers_by_grid[household.grid_id] = grid_workers(household.grid)
        items.append({
            "household": household, "url": url, "qr": plate_qr_svg(url),
            "workers": workers_by_grid[household.grid_id],
        })
    return items


def building_plates_pdf(*, building: Building, base_url: str) -> bytes:
    from weasyprint import HTML

    households = (Household.objects.filter(building=building)
                  .select_related("community", "grid", "unit").order_by("unit__name", "room",
                                                                        "number"))
    html = render_to_string("registry/plates.html", {
        "building": building, "community": building.estate.community,
        "plates": plates_context(households=households, base_url=base_url),
    })
    return HTML(string=html, base_url=base_url).write_pdf()
