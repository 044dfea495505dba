"""The bank's due-diligence report: signed, tied to one checkpoint, verified offline, and the
same checkpoint regenerates byte-identical JSON and PDF."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
import rfc8785

from fangdu.errors import VerificationError
from fangdu.ledger.note import generate_signer, verifier_key_string
from fangdu.rights.report import REPORT_CONTEXT, build_report, findings, verify_report
from fangdu.rights.report_pdf import render_report_pdf
from fangdu.rights.services import Document

from .helpers import BANK, OWNER, pdf, pledge_documents

D = dt.date


def test_report_verifies_offline_and_regenerates_byte_identically(core, register):
    rights = core.rights
    key = f"W-{register(31, D(2025, 1, 10))}"
    rights.license(
        key,
        licensee="绍兴印染厂",
        exclusive=False,
        right="reproduction",
        territory="CN",
        starts_on=D(2025, 3, 1),
        ends_on=D(2026, 2, 28),
        fee="2000 yuan a year",
        liability="double",
        documents=[Document("licence_contract", pdf())],
        signed_by=[OWNER, "绍兴印染厂"],
    )
    pledge = rights.pledge(
        [key],
        pledgee=BANK,
        applied_on=D(2025, 5, 1),
        secured_claim="loan",
        amount="500000",
        debtor_term_ends=D(2027, 4, 30),
        scope="principal",
        security_term="two years",
        documents=pledge_documents("prior_licences"),
        signed_by=[OWNER, BANK],
    )
    rights.register_pledge(
        pledge.id,
        national_no="2025-Z-1",
        registered_on=D(2025, 5, 20),
        certificate=Document("national_certificate", pdf("cert")),
        signed_by=[BANK],
    )
    log_key = verifier_key_string(core.ledger.signer)
    report = build_report(rights, key, maturity=D(2027, 4, 30))
    size = json.loads(report)["report"]["entries"][-1]["index"] + 1
    checks = verify_report(report, log_key)
    assert len(checks) == 4
    found = json.loads(report)["report"]["findings"]
    assert [p["status"] for p in found["pledges_in_order"]] == ["in_force"]
    assert found["protection_outlasts_maturity"] is True
    assert found["licence_income_on_record"][0]["fee"] == "2000 yuan a year"
    names = json.loads(report)["report"]["names"]
    assert sorted(names.values()) == sorted([OWNER, BANK, "绍兴印染厂"])
    assert len(found["licences_before_first_pledge"]) == 1

    # Later records do not change a report tied to the same checkpoint.
    checkpoint = core.ledger.checkpoint().checkpoint.size
    rights.release(pledge.id, released_on=D(2025, 10, 1), signed_by=[BANK])
    rights.license(
        key,
        licensee="后来的厂",
        exclusive=False,
        right="reproduction",
        territory="CN",
        starts_on=D(2025, 10, 2),
        ends_on=D(2026, 2, 28),
        fee="1",
        liability="1",
        documents=[Document("licence_contract", pdf())],
        signed_by=[OWNER, "后来的厂"],
    )
    again = build_report(rights, key, maturity=D(2027, 4, 30), checkpoint_size=checkpoint)
    assert again == report and size <= checkpoint
    assert render_report_pdf(again) == render_report_pdf(report)
    assert render_report_pdf(report).startswith(b"%PDF-")
    later = build_report(rights, key, maturity=D(2027, 4, 30))
    assert json.loads(later)["report"]["findings"]["standing"]["pledges"] == []

    # Altered findings, or another key, fail.
    forged = json.loads(report)
    forged["report"]["findings"]["pledges_in_order"] = []
    with pytest.raises(VerificationError, match="signature"):
        verify_report(rfc8785.dumps(forged), log_key)
    with pytest.raises(VerificationError):
        verify_report(report, verifier_key_string(generate_signer(core.ledger.origin)))
    # Even signed by the log key, findings the entries do not give are refused.
    body = forged["report"]
    signature = core.ledger.signer.private_key.sign(REPORT_CONTEXT + rfc8785.dumps(body))
    resigned = rfc8785.dumps({"report": body, "signature": base64.b64encode(signature).decode()})
    with pytest.raises(VerificationError, match="not what the entries give"):
        verify_report(resigned, log_key)


def test_a_report_leaving_out_an_entry_fails_even_when_signed(core, register):
    rights = core.rights
    key = f"W-{register(32, D(2025, 1, 10))}"
    for month in (3, 4):
        rights.license(
            key,
            licensee=f"厂{month}",
            exclusive=False,
            right="reproduction",
            territory="CN",
            starts_on=D(2025, month, 1),
            ends_on=D(2025, 12, 31),
            fee="1",
            liability="1",
            documents=[Document("licence_contract", pdf())],
            signed_by=[OWNER, f"厂{month}"],
        )
    log_key = verifier_key_string(core.ledger.signer)
    report = json.loads(build_report(rights, key, maturity=D(2026, 1, 1)))["report"]
    del report["entries"][1]  # the first licence
    report["licence_terms"].pop(min(report["licence_terms"], key=int))
    report["findings"] = findings(report, protection_kind="company")
    signature = core.ledger.signer.private_key.sign(REPORT_CONTEXT + rfc8785.dumps(report))
    resigned = rfc8785.dumps({"report": report, "signature": base64.b64encode(signature).decode()})
    with pytest.raises(VerificationError, match="does not follow"):
        verify_report(resigned, log_key)
