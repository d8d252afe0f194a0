"""Spreadsheet import limits (issue 12 item 5): upload size, unpacked size and row count are
checked before parsing; a sheet without a dimension stops at the row cap; failed uploads are
deleted. The hostile files are built here with zipfile and stay a few kilobytes on disk."""

import io
import re
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook

from linli.registry.imports import COLUMNS
from linli.registry.models import ImportJob, ImportRow

pytestmark = pytest.mark.django_db

HEADERS = [h for _k, h, _r in COLUMNS]


def _workbook(rows: int = 2) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for n in range(rows):
        ws.append(["1-1-101", "01", "某路1号", "", "", "", "", f"居民{n}"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _rewrite_sheet(data: bytes, change, extra: dict | None = None) -> bytes:
    """The same package with sheet1.xml passed through `change` (and extra members)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(item.filename, content)
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def _post(client, world, content: bytes):
    return client.post(reverse("registry:import_start"), {
        "community": world.community.uuid,
        "file": SimpleUploadedFile("residents.xlsx", content)})


@pytest.fixture
def staff(client, world):
    client.force_login(world.users["community_staff"])
    return client


def test_the_form_states_the_limits(staff):
    page = staff.get(reverse("registry:import_start")).content.decode()
    assert "10 MB" in page and "200,000" in page


def test_a_sheet_claiming_thirty_million_rows_is_refused_before_parsing(staff, world):
    bomb = _rewrite_sheet(_workbook(), lambda xml: re.sub(
        rb'<dimension ref="[^"]+"', b'<dimension ref="A1:V30000000"', xml))
    assert len(bomb) < 20_000
    response = _post(staff, world, bomb)
    assert response.status_code == 200  # the form again, with the reason
    assert "200,000" in response.content.decode() and "行" in response.content.decode()
    assert not ImportJob.objects.exists()  # nothing stored


@override_settings(REGISTRY_IMPORT_MAX_UNPACKED_BYTES=200_000)
def test_a_package_that_inflates_past_the_cap_is_refused(staff, world):
    inflated = _rewrite_sheet(_workbook(), lambda xml: xml,
                              extra={"xl/media/padding.bin": b"\0" * 1_000_000})
    assert len(inflated) < 20_000
    response = _post(staff, world, inflated)
    assert response.status_code == 200
    assert "解压" in response.content.decode()
    assert not ImportJob.objects.exists()


@override_settings(REGISTRY_IMPORT_MAX_BYTES=4096)
def test_an_upload_over_the_size_cap_is_refused(staff, world):
    response = _post(staff, world, _workbook(rows=400))
    assert response.status_code == 200
    assert "文件过大" in response.content.decode()
    assert not ImportJob.objects.exists()


@override_settings(REGISTRY_IMPORT_MAX_ROWS=50)
def test_a_sheet_without_a_dimension_stops_at_the_row_cap_and_is_deleted(staff, world):
    no_dimension = _rewrite_sheet(_workbook(rows=120), lambda xml: re.sub(
        rb"<dimension [^>]*/>", b"", xml))
    response = _post(staff, world, no_dimension)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "failed"
    assert "50" in job.message
    assert not ImportRow.objects.filter(job=job).exists()
    assert not default_storage.exists(job.storage_name)  # a failed upload is not kept


def test_a_file_that_is_not_a_zip_is_refused_and_not_kept(staff, world):
    response = _post(staff, world, b"not an xlsx at all")
    assert response.status_code == 200
    assert not ImportJob.objects.exists()
