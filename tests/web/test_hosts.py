"""The Host header and X-Forwarded-* decide nothing unless configured (issue 12, #5 and #6)."""

from __future__ import annotations

import pytest
from tests.qr import pdf_qr_text

from fangdu.web.config import WebSettings


def _registered_number(site) -> str:
    return site.state.registry.queries.show("1").registration_no


@pytest.fixture
def hosted_site(make_site, write_prints, tmp_path):
    site = make_site(web=WebSettings(public_url="https://fangdu.example.cn", check_per_minute=1000))
    site.import_prints(write_prints(tmp_path / "library", [0]), owner="Keqiao Prints Co.")
    return site


def test_a_foreign_host_header_is_refused_and_the_qr_names_the_public_url(hosted_site):
    number = _registered_number(hosted_site)
    client = hosted_site.client
    evil = client.get(f"/works/{number}/certificate.pdf", headers={"host": "evil.example"})
    assert evil.status_code == 400
    good = client.get(f"/works/{number}/certificate.pdf", headers={"host": "fangdu.example.cn"})
    assert good.status_code == 200
    assert good.headers["cache-control"].startswith("private")
    assert pdf_qr_text(good.content, scale=3) == f"https://fangdu.example.cn/verify/{number}"


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(make_site, print_png):
    png = print_png(3)

    def checks(site, forwarded: list[str]) -> list[int]:
        return [
            site.client.post(
                "/api/v1/check",
                headers={"x-forwarded-for": ip},
                files={"file": ("q.png", png, "image/png")},
            ).status_code
            for ip in forwarded
        ]

    # One check a minute per client: a new X-Forwarded-For does not make a new client...
    plain = make_site(web=WebSettings(check_per_minute=1))
    assert checks(plain, ["203.0.113.1", "203.0.113.2"]) == [200, 429]
    # ...unless the request came through a configured proxy (the test client's peer name).
    proxied = make_site(web=WebSettings(check_per_minute=1, trusted_proxies=["testclient"]))
    assert checks(proxied, ["203.0.113.1", "203.0.113.2", "203.0.113.1"]) == [200, 200, 429]
