"""Printable door plates: one QR code per household, a sheet per building (A4 PDF), or the
single plate of one household (for the household itself, or staff replacing one plate)."""

from __future__ import annotations

import segno
from django.template.loader import render_to_string
from django.urls import reverse

from linli.registry.models import Building, Household
from linli.registry.selectors import grid_workers


def plate_qr_svg(url: str) -> str:
    # Error correction "q" survives a scratched or dirty plate. A viewBox without a fixed size,
    # so the page and the PDF scale the code to the box they give it.
    return segno.make(url, error="q").svg_inline(scale=4, border=2, omitsize=True)


def plate_address(household: Household) -> str:
    """The address printed on the plate, from whatever the household has: its address, else
    its building, unit and room, else its household number."""
    if household.address.strip():
        return household.address.strip()
    parts = []
    if household.building_id:
        parts.append(household.building.address or household.building.name)
    if household.unit_id:
        parts.append(household.unit.name)
    if household.room:
        parts.append(household.room)
    return " ".join(parts) or household.number


def door_url(household: Household, base_url: str) -> str:
    return base_url + reverse("registry:door", kwargs={"token": household.door_token})


def plates_context(*, households, base_url: str) -> list[dict]:
    items = []
    workers_by_grid: dict[int, list] = {}
    for household in households:
        url = door_url(household, base_url)
        if household.grid_id not in workers_by_grid:
            workers_by_grid[household.grid_id] = grid_workers(household.grid)
        items.append({
            "household": household, "url": url, "qr": plate_qr_svg(url),
            "address": plate_address(household),
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


def household_plate_pdf(*, household: Household, base_url: str) -> bytes:
    """One plate on an A4 page, the same look as the building sheet. Works for every household,
    with or without a building."""
    from weasyprint import HTML

    html = render_to_string("registry/plates.html", {
        "building": None, "household": household, "community": household.community,
        "plates": plates_context(households=[household], base_url=base_url),
    })
    return HTML(string=html, base_url=base_url).write_pdf()
