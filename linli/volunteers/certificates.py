"""The proof of volunteer service (志愿服务证明) as a PDF, with a QR code that opens the
public verification page."""

from __future__ import annotations

import segno
from django.template.loader import render_to_string
from django.urls import reverse

from linli.volunteers.models import Certificate


def verification_url(certificate: Certificate, request=None) -> str:
    path = reverse("volunteers:verify", kwargs={"token": certificate.token})
    return request.build_absolute_uri(path) if request is not None else path


def verification_qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=3, border=2)


def certificate_pdf(*, certificate: Certificate, request=None) -> bytes:
    from weasyprint import HTML

    url = verification_url(certificate, request)
    content = certificate.content
    html = render_to_string("volunteers/certificate_pdf.html", {
        "certificate": certificate, "content": content, "verify_url": url,
        "qr": verification_qr_svg(url),
        "hours": f"{int(content.get('service_minutes', 0)) / 60:.1f}",
    })
    return HTML(string=html, base_url="/").write_pdf()
