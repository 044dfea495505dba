"""The public verification page checks the record live: witnesses counted, tampering shown."""

from __future__ import annotations

import threading
import time

from sqlalchemy import update
from webtools import HTML

from fangdu.config import WitnessConfig
from fangdu.ledger.models import LogEntry
from fangdu.ledger.note import cosigner_verifier_key_string, verifier_key_string
from fangdu.ledger.witness import init_witness_dir, make_server, open_witness, trust_log
from fangdu.registry.services import Registry
from fangdu.web.config import WebSettings
from fangdu.web.pages import verify

EN = {**HTML, "accept-language": "en"}


def test_a_witnessed_checkpoint_shows_its_cosigners(
    make_site, web_settings, tmp_path, write_prints
):
    directory = tmp_path / "witness"
    init_witness_dir(directory, "court.example/witness")
    with Registry.open(web_settings) as registry:  # creates the log's key
        trust_log(directory, verifier_key_string(registry.ledger.signer))
    witness = open_witness(directory)
    server = make_server(witness, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        site = make_site(
            witnesses=[
                WitnessConfig(
                    url=f"http://127.0.0.1:{server.server_address[1]}",
                    key=cosigner_verifier_key_string(witness.cosigner),
                )
            ]
        )
        site.import_prints(write_prints(tmp_path / "p", [1]), owner="Keqiao")
        # The service's publisher asks the witness in the background, after the import.
        deadline = time.monotonic() + 30
        while not site.state.ledger.published() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.shutdown()
        server.server_close()
    number = site.state.registry.queries.show("1").registration_no
    html = site.client.get(f"/verify/{number}", headers=EN).text
    assert 'class="verdict-box ok"' in html
    assert "Independent witnesses that cosigned the checkpoint: 1." in html
    assert "court.example/witness" in html
    assert site.client.get("/api/v1/log/checkpoint").json()["cosignatures"] == 1
    assert "— court.example/witness " in site.client.get("/log/checkpoint").text


def test_a_tampered_entry_is_shown_as_not_verified(library_site):
    site = library_site
    number = site.state.registry.queries.show("2").registration_no
    assert 'class="verdict-box ok"' in site.client.get(f"/verify/{number}", headers=EN).text
    [(index, data)] = site.state.registry.ledger.entries_about("work:2")
    forged = data.replace(b'"status":"registered"', b'"status":"transferred"')
    assert forged != data
    with site.state.registry.unit_of_work() as repo:
        repo.session.execute(update(LogEntry).where(LogEntry.idx == index).values(data=forged))
    html = site.client.get(f"/verify/{number}", headers=EN).text
    assert 'class="verdict-box bad"' in html and "Not verified" in html
    assert "✘" in html


def test_unknown_numbers_are_not_found(site):
    for path in (
        "/verify/FD-2026-0000099",
        "/verify/FD-2026-0000099/evidence.zip",
        "/works/FD-2026-0000099/certificate.pdf",
    ):
        assert site.client.get(path).status_code in (401, 404), path
    assert site.client.get("/verify/FD-2026-0000099", headers=HTML).status_code == 404


def test_the_lookup_form_goes_to_the_record(library_site):
    number = library_site.state.registry.queries.show("1").registration_no
    response = library_site.client.get(
        "/verify", params={"no": f" {number.lower()} "}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == f"/verify/{number}"
    assert library_site.client.get("/verify?no=12", headers=HTML).status_code == 400


def test_evidence_bundles_are_for_those_entitled(library_site):
    site = library_site
    number = site.state.registry.queries.show("1").registration_no
    assert (
        site.client.get(
            f"/verify/{number}/evidence.zip", headers=HTML, follow_redirects=False
        ).status_code
        == 303
    )  # sign in first
    site.account("merchant", "applicant")
    site.login("merchant")
    assert site.client.get(f"/verify/{number}/evidence.zip").status_code == 403
    site.logout()
    for role in ("judge", "bank_officer", "mediator"):
        site.account(f"{role}-1", role)
        site.login(f"{role}-1")
        response = site.client.get(f"/verify/{number}/evidence.zip")
        assert response.status_code == 200 and response.content[:2] == b"PK", role
        site.logout()


def test_the_certificate_points_at_the_public_address(
    make_site, write_prints, tmp_path, monkeypatch
):
    captured = []
    monkeypatch.setattr(
        verify, "render_certificate", lambda data: captured.append(data) or b"%PDF-1.4 stub"
    )
    site = make_site(web=WebSettings(public_url="https://fangdu.example/"))
    site.import_prints(write_prints(tmp_path / "p", [3]), owner="柯桥")
    number = site.state.registry.queries.show("1").registration_no
    assert (
        site.client.get(
            f"/works/{number}/certificate.pdf", headers={"host": "fangdu.example"}
        ).status_code
        == 200
    )
    [data] = captured
    assert data.verify_url == f"https://fangdu.example/verify/{number}"
    assert data.log_index == 0 and data.checkpoint_size == 1 and data.owner == "柯桥"
    assert data.registered_at.tzinfo is not None
