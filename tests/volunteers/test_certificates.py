"""Records and certificates (Art. 19, 民政部令第67号): PDF, QR verification, revocation."""

import shutil
import subprocess
import tempfile

import pytest
from django.urls import reverse

from linli.ledger.services import earning_create
from linli.volunteers import services
from linli.volunteers.selectors import register_evaluation_provider, volunteer_record
from tests.factories import volunteer_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def served(world):
    volunteer = volunteer_make(community=world.community, name="陈志愿")
    for i, minutes in enumerate((90, 120, 30)):
        earning_create(resident=volunteer.resident, minutes=minutes, reference=f"order:{i}",
                       idempotency_key=f"earn-{volunteer.pk}-{i}", memo="上门理发")
    services.commendation_create(volunteer=volunteer, title="优秀志愿者", awarded_by="锦绣街道",
                                 awarded_on=__import__("datetime").date(2024, 12, 1),
                                 actor=world.users["community_staff"])
    return volunteer


def test_record_reads_hours_from_the_ledger_and_tolerates_no_evaluations(served):
    record = volunteer_record(volunteer=served)
    assert record.service_minutes == 240 and record.service_count == 3
    assert record.evaluations == []
    assert [c.title for c in record.commendations] == ["优秀志愿者"]


def test_evaluation_providers_feed_the_record(served):
    from linli.volunteers import selectors

    def provider(volunteer):
        return [{"date": "2025-01-01", "title": "爱心理发", "rating": 5, "comment": "好"}]

    register_evaluation_provider(provider)
    try:
        assert volunteer_record(volunteer=served).evaluations[0]["rating"] == 5
    finally:
        selectors.EVALUATION_PROVIDERS.remove(provider)


def test_certificate_pdf_contains_the_statement(client, served):
    client.force_login(served.user)
    response = client.post(reverse("volunteers:certificate_request"))
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    # poppler-utils is a test dependency (test.sh installs it): without it this test fails
    # rather than passing without reading the PDF.
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed to read the PDF"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        text = subprocess.run(["pdftotext", f.name, "-"], capture_output=True,
                              text=True, check=True).stdout
    assert "志愿服务证明" in text and "陈志愿" in text
    assert "4.0" in text and served.number in text
    assert "居民委员会" in text and "免费" in text


def test_verification_page_shows_only_the_certificate_and_revocation(client, world, served):
    certificate = services.certificate_issue(volunteer=served, actor=None)
    url = reverse("volunteers:verify", kwargs={"token": certificate.token})
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}  # the verdicts are read in Chinese
    page = client.get(url, **zh).content.decode()
    assert "陈志愿" in page and "4.0" in page and certificate.serial in page
    assert "有效：本证明由以下单位出具。" in page
    # Nothing beyond the statement: no phone, no health note, no address
    assert served.user.mobile not in page
    assert served.resident.household.address not in page
    assert "emergency" not in page.lower()

    # A tampered content no longer verifies
    type(certificate).objects.filter(pk=certificate.pk).update(
        content={**certificate.content, "service_minutes": 99999})
    tampered = client.get(url, **zh).content.decode()
    assert "本证明内容与存档不符，无效。" in tampered
    assert "有效：本证明由以下单位出具。" not in tampered

    services.certificate_revoke(certificate=certificate, actor=world.users["community_staff"],
                                reason="信息有误")
    revoked = client.get(url, **zh).content.decode()
    assert "本证明已撤销，不再有效。" in revoked
    assert "有效：本证明由以下单位出具。" not in revoked
    assert client.get(reverse("volunteers:verify", kwargs={"token": "nope"})).status_code == 404


def test_certificates_are_scoped(client, world, served):
    certificate = services.certificate_issue(volunteer=served, actor=None)
    url = reverse("volunteers:staff_certificate_pdf", kwargs={"token": certificate.token})
    client.force_login(world.users["community_staff"])
    assert client.get(url).status_code == 200
    client.force_login(world.other["community_staff"])
    assert client.get(url).status_code == 404
    client.force_login(world.users["resident"])  # not a volunteer: no certificate, back
    response = client.get(reverse("volunteers:my_certificate"))
    assert response.status_code == 302 and response["Location"] == reverse("volunteers:me")


def test_pending_volunteers_get_no_certificate(world):
    from linli.common.exceptions import Conflict

    with pytest.raises(Conflict):
        services.certificate_issue(volunteer=volunteer_make(community=world.community,
                                                            status="pending"), actor=None)
