"""The web service's certificates (issue 12, finding 14): the issuer is FANGDU_ISSUER, a demo
installation's certificates say so across the page, and they carry the registration's date."""

from __future__ import annotations

import io
from datetime import UTC

import pypdf
import pytest

from fangdu.certificates.model import DEFAULT_ISSUER
from fangdu.web.config import WebSettings


def certificate(site) -> tuple[str, pypdf.PdfReader]:
    work = next(site.state.registry.queries.list_works("registered"))
    response = site.client.get(f"/works/{work.registration_no}/certificate.pdf")
    assert response.status_code == 200
    return work, pypdf.PdfReader(io.BytesIO(response.content))


def test_the_issuer_is_a_setting(monkeypatch: pytest.MonkeyPatch, library_site, make_site):
    monkeypatch.setenv("FANGDU_ISSUER", "示例花样办公室 Example Pattern Office")
    assert WebSettings().issuer == "示例花样办公室 Example Pattern Office"
    site = make_site(web=WebSettings(issuer="示例花样办公室 Example Pattern Office"))
    work, pdf = certificate(site)
    text = pdf.pages[0].extract_text()
    assert "示例花样办公室 Example Pattern Office" in text and "登记中心" not in text
    assert "DEMO" not in text  # not a demo installation
    # PDF dates are to the second.
    registered = work.registered_at.replace(tzinfo=UTC, microsecond=0)
    assert pdf.metadata.creation_date == registered


def test_a_demo_installation_marks_its_certificates(make_site):
    site = make_site(demo=True)
    work, pdf = certificate(site)
    text = pdf.pages[0].extract_text()
    assert "演示" in text and "DEMO" in text
    assert DEFAULT_ISSUER.split()[-1] in text and "登记中心" not in text
    assert pdf.metadata.creation_date.year == work.registered_at.year != 2000
