"""The rights register on the web (issue 15): /api/v1/rights for banks' and owners' systems and
the work's rights page with the owner's and the bank officer's forms. The rules themselves are
tested in tests/rights; here: who may do what, the shapes, the refusals as problems."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from webtools import HTML

from fangdu.ledger.note import verifier_key_string
from fangdu.rights.report import verify_report
from fangdu.rights.services import keqiao_today
from fangdu.web.problems import PROBLEM_JSON

OWNER = "Keqiao Prints Co."  # the library's prints' owner (tests/web/conftest.py)
BANK = "柯桥农商银行"
LICENSEE = "Shaoxing Weaving"
BUYER = "Hangzhou Silk"
PDF = b"%PDF-1.4\n% a contract\n%%EOF\n"


def doc(role: str, data: bytes = PDF) -> dict[str, str]:
    return {"role": role, "content_base64": base64.b64encode(data).decode()}


def token(site, username: str, role: str, party: str | None) -> dict[str, str]:
    account = site.account(username, role, party=party) if party else site.account(username, role)
    return {"authorization": f"Bearer {site.state.accounts.issue_api_token(account.id, 't')}"}


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    return response.json()


@pytest.fixture
def people(library_site):
    site = library_site
    return {
        "owner": token(site, "studio", "applicant", OWNER),
        "bank": token(site, "bank", "bank_officer", BANK),
        "stranger": token(site, "stranger", "applicant", "Someone Else Ltd"),
        "reviewer": token(site, "reviewer", "reviewer", None),
    }


def test_the_bank_story_over_the_api(library_site, people):
    site, client = library_site, library_site.client
    today = keqiao_today()
    base = "/api/v1/rights/works/1"

    shown = client.get(base, headers=people["owner"])
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert [o["name"] for o in body["owners"]] == [OWNER] and body["records"] == []
    assert client.get(base, headers=people["bank"]).status_code == 200  # public facts
    assert client.get(base, headers=people["reviewer"]).status_code == 200
    problem(client.get(base, headers=people["stranger"]), 403)
    problem(client.get(base), 401)
    problem(client.get("/api/v1/rights/works/99", headers=people["owner"]), 404)

    licence = {
        "licensee": LICENSEE,
        "exclusive": False,
        "right": "reproduction",
        "territory": "PRC",
        "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=365)).isoformat(),
        "fee": "20000 CNY a year",
        "liability": "as the contract",
        "documents": [doc("licence_contract")],
        "declared_signatories": [LICENSEE],
    }
    # Only the owner licenses; the bank and strangers are refused before anything is read.
    problem(client.post(f"{base}/licence", headers=people["stranger"], json=licence), 403)
    problem(client.post(f"{base}/licence", headers=people["bank"], json=licence), 403)
    # Without the licensee's signature: refused with the rule, nothing written.
    unsigned = client.post(
        f"{base}/licence", headers=people["owner"], json={**licence, "declared_signatories": []}
    )
    assert "not signed by" in problem(unsigned, 409)["detail"]
    not_a_pdf = {**licence, "documents": [doc("licence_contract", b"<html>")]}
    assert (
        "PDF"
        in problem(client.post(f"{base}/licence", headers=people["owner"], json=not_a_pdf), 422)[
            "detail"
        ]
    )
    made = client.post(f"{base}/licence", headers=people["owner"], json=licence)
    assert made.status_code == 201, made.text
    assert made.json()["action"] == "licence" and made.json()["log_indices"]
    # The owner's account signed as itself; the licensee it named is only declared by it.
    basis = site.state.core.rights.record(made.json()["record"]).facts["signature_basis"]
    assert [(b["role"], b["basis"]) for b in basis] == [
        ("licensor", "account"),
        ("licensee", "declared"),
    ]

    pledge = {
        "applied_on": today.isoformat(),
        "secured_claim": "loan 2026-001",
        "amount": "1000000 CNY",
        "debtor_term_ends": (today + dt.timedelta(days=730)).isoformat(),
        "scope": "principal and interest",
        "security_term": "two years",
        "documents": [
            doc(r)
            for r in (
                "main_contract",
                "pledge_contract",
                "pledgor_id",
                "pledgee_id",
                "prior_licences",  # 著作权质权登记办法 Art 6: the licence granted before
            )
        ],
        "declared_signatories": [OWNER],
    }
    problem(client.post(f"{base}/pledge", headers=people["stranger"], json=pledge), 403)
    # The owner may file it too, naming the bank (the next test); without one it is refused.
    assert (
        "pledgee"
        in problem(client.post(f"{base}/pledge", headers=people["owner"], json=pledge), 422)[
            "detail"
        ]
    )
    pledged = client.post(f"{base}/pledge", headers=people["bank"], json=pledge)
    assert pledged.status_code == 201, pledged.text
    pledge_id = pledged.json()["record"]
    # A second pledge of the same work is refused by default (民法典 Art 414, 446).
    second = token(site, "bank3", "bank_officer", "Third Bank")
    again = client.post(f"{base}/pledge", headers=second, json=pledge)
    assert "already pledged" in problem(again, 409)["detail"]

    transfer = {
        "to": [BUYER],
        "on": today.isoformat(),
        "price": "3000000 CNY",
        "payment": "on signing, bank transfer",
        "liability": "as the contract",
        "proceeds": "escrow",
        "documents": [doc("transfer_contract")],
        "declared_signatories": [BUYER],
    }
    refused = client.post(f"{base}/transfer", headers=people["owner"], json=transfer)
    assert "consent" in problem(refused, 409)["detail"]
    # The bank hears of the attempt (collateral watch); nobody else reads its feed.
    feed = client.get("/api/v1/rights/watch", headers=people["bank"])
    assert feed.status_code == 200, feed.text
    assert [e["kind"] for e in feed.json()] == ["transfer_attempt_refused"]
    problem(client.get("/api/v1/rights/watch", headers=people["owner"]), 403)
    consent = {"purpose": "transfer", "counterparties": [BUYER], "given_on": today.isoformat()}
    problem(client.post(f"{base}/consent", headers=people["owner"], json=consent), 403)
    given = client.post(f"{base}/consent", headers=people["bank"], json=consent)
    assert given.status_code == 201, given.text
    moved = client.post(f"{base}/transfer", headers=people["owner"], json=transfer)
    assert moved.status_code == 201, moved.text

    registered = client.post(
        f"{base}/pledge-registration",
        headers=people["bank"],
        json={
            "national_no": "2026-Z-00001",
            "registered_on": today.isoformat(),
            "certificate_base64": base64.b64encode(PDF).decode(),
        },
    )
    assert registered.status_code == 201, registered.text
    now = client.get(base, headers=people["bank"]).json()
    assert [o["name"] for o in now["owners"]] == [BUYER]
    assert [p["record"] for p in now["pledges"]] == [pledge_id]
    assert [h["action"] for h in now["records"]] == [
        "licence",
        "pledge",
        "consent",
        "transfer",
        "pledge_registration",
    ]
    assert all(h["log_indices"] for h in now["records"])
    # The former owner still sees the register it is named in; it records nothing more.
    assert client.get(base, headers=people["owner"]).status_code == 200
    problem(client.post(f"{base}/transfer", headers=people["owner"], json=transfer), 403)
    # As of the day before: the registered owner, nothing else.
    before = client.get(
        f"{base}?as_of={(today - dt.timedelta(days=1)).isoformat()}", headers=people["bank"]
    )
    assert before.status_code == 200
    assert before.json()["licences"] == [] and before.json()["pledges"] == []

    maturity = (today + dt.timedelta(days=730)).isoformat()
    report = client.get(f"{base}/report?maturity={maturity}", headers=people["bank"])
    assert report.status_code == 200, report.text
    assert report.headers["content-type"] == "application/json"
    log_key = verifier_key_string(site.state.ledger.signer)
    assert verify_report(report.content, log_key)
    again = client.get(f"{base}/report?maturity={maturity}", headers=people["bank"])
    assert again.content == report.content  # the same checkpoint, the same bytes
    pdf = client.get(f"{base}/report?maturity={maturity}&format=pdf", headers=people["bank"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    released = client.post(
        f"{base}/release", headers=people["bank"], json={"released_on": today.isoformat()}
    )
    assert released.status_code == 201, released.text
    tomorrow = (today + dt.timedelta(days=1)).isoformat()  # released on today: inclusive
    assert client.get(f"{base}?as_of={tomorrow}", headers=people["bank"]).json()["pledges"] == []
    # Another bank holds no pledge here: it releases nothing, and sees the public facts: the
    # owners by name, the licensee and the pledgee by the hashes the log names them by.
    other = token(site, "bank2", "bank_officer", "Other Bank")
    seen = client.get(base, headers=other).json()
    assert [o["name"] for o in seen["owners"]] == [BUYER]
    assert seen["licences"] and all(h["name"] is None for h in seen["licences"] + seen["pledges"])
    assert [h["name"] for h in now["licences"]] == [LICENSEE]  # its own bank saw them named
    problem(
        client.post(f"{base}/release", headers=other, json={"released_on": today.isoformat()}),
        403,
    )
    # The bank's portfolio: its one pledge, released; nothing for the other bank or the owner.
    portfolio = client.get("/api/v1/rights/pledges", headers=people["bank"])
    assert portfolio.status_code == 200, portfolio.text
    [line] = portfolio.json()
    assert line["pledge"] == pledge_id and line["national_no"] == "2026-Z-00001"
    assert [(w["work_id"], w["status"]) for w in line["works"]] == [(1, "released")]
    assert client.get("/api/v1/rights/pledges", headers=other).json() == []
    problem(client.get("/api/v1/rights/pledges", headers=people["owner"]), 403)


def test_rights_exist_only_for_registered_works(library_site, people, print_png):
    site = library_site
    owner = site.state.accounts.by_username("studio")
    work_id = site.file_application(print_png(77), owner)
    problem(site.client.get(f"/api/v1/rights/works/{work_id}", headers=people["owner"]), 404)


def test_the_openapi_documents_the_rights_operations(site):
    spec = site.client.get("/api/v1/openapi.json").json()
    paths = [p for p in spec["paths"] if p.startswith("/api/v1/rights/")]
    assert len(paths) == 10
    for path in paths:
        for operation in spec["paths"][path].values():
            assert operation["summary"]
            assert "application/problem+json" in operation["responses"]["4XX"]["content"]
    schemas = spec["components"]["schemas"]
    assert {"RightsShowOut", "RightsRecordOut", "RightsLicenceIn", "RightsPledgeIn"} <= set(schemas)


def test_the_rights_page_and_its_forms(library_site):
    site = library_site
    today = keqiao_today().isoformat()
    site.account("studio", "applicant", party=OWNER)
    site.account("bank", "bank_officer", party=BANK)
    site.account("stranger", "applicant", party="Someone Else Ltd")

    assert site.client.get("/works/1/rights", headers=HTML).url.path == "/login"
    site.login("stranger")
    assert site.client.get("/works/1/rights", headers=HTML).status_code == 403
    site.logout()

    site.login("studio")
    page = site.client.get("/works/1/rights", headers=HTML)
    assert page.status_code == 200 and OWNER in page.text
    assert 'id="licence-form"' in page.text and 'id="consent-form"' not in page.text
    assert 'name="pledgee"' in page.text  # the owner's pledge application names its bank
    made = site.post_form(
        "/works/1/rights",
        "/works/1/rights/licence",
        {
            "licensee": LICENSEE,
            "exclusive": "no",
            "right": "all",
            "territory": "worldwide",
            "starts_on": today,
            "ends_on": "2099-12-31",
            "fee": "1 CNY",
            "liability": "contract",
            "declared_signatories": LICENSEE,
        },
        files={"contract": ("c.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    shown = site.client.get(made.headers["location"], headers=HTML)
    assert LICENSEE in shown.text and "/api/v1/proofs/inclusion?index=" in shown.text
    site.logout()

    site.login("bank")
    page = site.client.get("/works/1/rights", headers=HTML)
    assert 'id="pledge-form"' in page.text and 'id="licence-form"' not in page.text
    # A pledge without the Art 6 documents: refused on the page, nothing written.
    refused = site.post_form(
        "/works/1/rights",
        "/works/1/rights/pledge",
        {
            "applied_on": today,
            "secured_claim": "loan",
            "amount": "1",
            "debtor_term_ends": "2030-01-01",
            "scope": "all",
            "security_term": "2y",
            "declared_signatories": OWNER,
        },
    )
    assert refused.status_code == 400 and "Art 6" in refused.text
    watch = site.client.get("/rights/watch", headers=HTML)
    assert watch.status_code == 200 and "<table" not in watch.text  # nothing pledged yet
    report = site.client.get("/works/1/rights/report?maturity=2030-01-01&format=json")
    assert report.status_code == 200 and json.loads(report.content)["signature"]


def test_the_owner_files_the_pledge_application_and_the_bank_registers_it(library_site, people):
    """An owner's application names the bank: the owner signs as itself, the bank's signature
    is declared; the bank then enters the national number of its pledge."""
    client = library_site.client
    today = keqiao_today().isoformat()
    base = "/api/v1/rights/works/1"
    application = {
        "pledgee": BANK,
        "applied_on": today,
        "secured_claim": "loan 2026-002",
        "amount": "500000 CNY",
        "debtor_term_ends": "2030-01-01",
        "scope": "principal and interest",
        "security_term": "until repaid",
        "documents": [
            doc(r) for r in ("main_contract", "pledge_contract", "pledgor_id", "pledgee_id")
        ],
        "declared_signatories": [BANK],
    }
    filed = client.post(f"{base}/pledge", headers=people["owner"], json=application)
    assert filed.status_code == 201, filed.text
    record = library_site.state.core.rights.record(filed.json()["record"])
    assert [(b["role"], b["basis"]) for b in record.facts["signature_basis"]] == [
        ("pledgor", "account"),
        ("pledgee", "declared"),
    ]
    # A bank officer files only for its own bank.
    other = {**application, "pledgee": "Other Bank"}
    assert (
        "own bank"
        in problem(client.post(f"{base}/pledge", headers=people["bank"], json=other), 422)["detail"]
    )
    registered = client.post(
        f"{base}/pledge-registration",
        headers=people["bank"],
        json={
            "national_no": "2026-Z-00002",
            "registered_on": today,
            "certificate_base64": base64.b64encode(PDF).decode(),
        },
    )
    assert registered.status_code == 201, registered.text
    shown = client.get(base, headers=people["bank"]).json()
    assert [p["name"] for p in shown["pledges"]] == [BANK]
