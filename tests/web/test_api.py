"""The JSON API: the CLI's shapes, tokens, privacy, proofs that verify, problem details."""

from __future__ import annotations

import base64

import pytest

from fangdu.ledger.checkpoint import open_checkpoint
from fangdu.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from fangdu.ledger.note import parse_verifier_key
from fangdu.ledger.verify import verify_bundle_bytes
from fangdu.web.problems import PROBLEM_JSON


def b64(text: str) -> bytes:
    return base64.b64decode(text)


def token_for(site, username: str, role: str) -> dict[str, str]:
    account = site.account(username, role)
    return {"authorization": f"Bearer {site.state.accounts.issue_api_token(account.id, 'test')}"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"]
    return body


def test_check_answers_like_the_command_line(library_site, print_png):
    response = library_site.client.post(
        "/api/v1/check?top_k=3", files={"file": ("q.png", print_png(1), "image/png")}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "q.png" and 1 <= len(body["matches"]) <= 3
    top = body["matches"][0]
    assert set(top) == {
        "work_id",
        "registration_no",
        "title",
        "kind",
        "score",
        "verdict",
        "query_box",
        "match_box",
    }
    assert top["verdict"] == "copy" and top["registration_no"].startswith("FD-")


def test_check_refuses_what_is_not_an_image(site):
    body = assert_problem(
        site.client.post("/api/v1/check", files={"file": ("a.png", b"<html></html>", "image/png")}),
        422,
    )
    assert body["type"].endswith("image-rejected") and "not a supported raster" in body["detail"]
    svg = site.client.post("/api/v1/check", files={"file": ("a.svg", b"<svg/>", "image/svg+xml")})
    assert "SVG" in assert_problem(svg, 422)["detail"]


def test_validation_errors_are_problems(site):
    body = assert_problem(site.client.post("/api/v1/check"), 422)
    assert body["errors"] and body["errors"][0]["loc"]
    assert_problem(site.client.get("/api/v1/proofs/inclusion?index=-1"), 422)


def test_not_found_and_wrong_method_are_problems(site):
    assert_problem(site.client.get("/api/v1/nothing"), 404)
    assert_problem(site.client.get("/api/v1/works/FD-2026-9999999"), 404)
    assert_problem(site.client.get("/api/v1/works/not-a-key"), 400)
    response = site.client.delete("/api/v1/check")
    assert_problem(response, 405)
    assert "POST" in response.headers["allow"]


def test_tokens_are_required_and_checked(site, print_png):
    assert_problem(site.client.get("/api/v1/works"), 401)
    bad = site.client.get("/api/v1/works", headers={"authorization": "Bearer fdt_nonsense"})
    assert assert_problem(bad, 401)["type"].endswith("unauthorised")
    assert "www-authenticate" in bad.headers
    # A session cookie is no API credential (so the API needs no CSRF token).
    site.account("merchant", "applicant")
    site.login("merchant")
    assert_problem(site.client.get("/api/v1/works"), 401)
    judge = token_for(site, "judge-1", "judge")
    assert_problem(
        site.client.post(
            "/api/v1/works",
            headers=judge,
            data={"title": "x"},
            files={"file": ("a.png", print_png(1))},
        ),
        403,
    )


def test_apply_list_show_decide_and_evidence(library_site, print_png):
    site = library_site
    applicant = token_for(site, "merchant", "applicant")
    reviewer = token_for(site, "reviewer-1", "reviewer")
    other = token_for(site, "someone", "applicant")
    filed = site.client.post(
        "/api/v1/works",
        headers=applicant,
        data={
            "title": "牡丹",
            "designers": ["王芳", "李明"],
            "created_on": "2026-01-05",
            "colourways": ["蓝"],
            "originality_statement": "mine",
        },
        files={"file": ("d.png", print_png(60), "image/png")},
    )
    assert filed.status_code == 201, filed.text
    body = filed.json()
    work_id = body["work"]["id"]
    assert body["status"] == "pending" and body["work"]["designers"] == ["王芳", "李明"]
    assert body["work"]["owner"] == "merchant"  # no party: the display name

    mine = site.client.get("/api/v1/works", headers=applicant).json()
    assert [w["id"] for w in mine] == [work_id]
    assert site.client.get("/api/v1/works", headers=other).json() == []
    queue = site.client.get("/api/v1/works?status=pending", headers=reviewer).json()
    assert [w["id"] for w in queue] == [work_id]

    # Pending: private to the applicant and reviewers.
    assert_problem(site.client.get(f"/api/v1/works/{work_id}"), 404)
    assert_problem(site.client.get(f"/api/v1/works/{work_id}", headers=other), 404)
    own_view = site.client.get(f"/api/v1/works/W-{work_id}", headers=applicant).json()
    assert own_view["originality_statement"] == "mine"

    # The applicant cannot decide; a reviewer can.
    assert_problem(
        site.client.post(
            f"/api/v1/works/{work_id}/decision", headers=applicant, json={"approve": True}
        ),
        403,
    )
    decided = site.client.post(
        f"/api/v1/works/{work_id}/decision", headers=reviewer, json={"approve": True}
    )
    assert decided.status_code == 200 and decided.json()["status"] == "registered"
    number = decided.json()["registration_no"]

    # Registered: a public record, without the application's private details.
    public = site.client.get(f"/api/v1/works/{number}").json()
    assert public["title"] == "牡丹" and public["originality_statement"] is None

    # Evidence: the owner yes, another applicant no; the bundle verifies offline.
    assert_problem(site.client.get(f"/api/v1/works/{number}/evidence", headers=other), 403)
    bundle = site.client.get(f"/api/v1/works/{number}/evidence", headers=applicant)
    assert bundle.status_code == 200 and verify_bundle_bytes(bundle.content).ok
    assert_problem(site.client.get(f"/api/v1/works/{number}/evidence"), 401)


def test_reviewers_cannot_decide_their_own_application_over_the_api(site, print_png):
    admin = token_for(site, "admin-1", "admin")
    filed = site.client.post(
        "/api/v1/works",
        headers=admin,
        data={"title": "x", "created_on": "2026-01-05", "originality_statement": "mine"},
        files={"file": ("d.png", print_png(61), "image/png")},
    ).json()
    response = site.client.post(
        f"/api/v1/works/{filed['work']['id']}/decision", headers=admin, json={"approve": True}
    )
    assert "own application" in assert_problem(response, 403)["detail"]


def test_proofs_verify_against_the_signed_checkpoint(library_site):
    client = library_site.client
    checkpoint = client.get("/api/v1/log/checkpoint").json()
    size = checkpoint["size"]
    assert size == 5 and checkpoint["cosignatures"] == 0 and not checkpoint["timestamped"]
    opened, _ = open_checkpoint(
        checkpoint["note"].encode(), [parse_verifier_key(checkpoint["log_key"])]
    )
    assert base64.b64encode(opened.root).decode() == checkpoint["root"]
    assert client.get("/log/checkpoint").content == checkpoint["note"].encode()
    for index in range(size):
        proof = client.get(f"/api/v1/proofs/inclusion?index={index}").json()
        entry = library_site.state.registry.ledger.entry(index)
        assert b64(proof["leaf_hash"]) == leaf_hash(entry)
        verify_inclusion(
            b64(proof["leaf_hash"]), index, size, [b64(h) for h in proof["proof"]], opened.root
        )
    old_root = library_site.state.registry.ledger.tree_root(2)
    consistency = client.get("/api/v1/proofs/consistency?old=2").json()
    verify_consistency(2, size, old_root, opened.root, [b64(h) for h in consistency["proof"]])
    assert_problem(client.get(f"/api/v1/proofs/inclusion?index={size}"), 400)
    assert_problem(client.get(f"/api/v1/proofs/consistency?old=1&size={size + 1}"), 400)


def test_an_empty_log_serves_its_signed_size_0_checkpoint(site):
    # Published when the log is created (issue 12 #11), so monitors can start from it.
    api = site.client.get("/api/v1/log/checkpoint").json()
    assert api["size"] == 0 and api["root"] == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    static = site.client.get("/log/checkpoint")
    assert static.status_code == 200 and static.text == api["note"]
    checkpoint, _ = open_checkpoint(static.content, [parse_verifier_key(api["log_key"])])
    assert checkpoint.size == 0


def test_openapi_documents_every_operation_and_its_problems(site):
    spec = site.client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/v1/check",
        "/api/v1/works",
        "/api/v1/works/{key}",
        "/api/v1/works/{key}/evidence",
        "/api/v1/works/{work_id}/decision",
        "/api/v1/proofs/inclusion",
        "/api/v1/proofs/consistency",
        "/api/v1/log/checkpoint",
        "/log/checkpoint",
        "/log/tile/{path}",
    ):
        assert path in paths, path
        for operation in paths[path].values():
            assert operation["summary"]
            assert "application/problem+json" in operation["responses"]["4XX"]["content"]
    assert "/apply" not in paths and "/login" not in paths  # pages are not the API
    schemas = spec["components"]["schemas"]
    assert {"CheckOut", "WorkOut", "ApplicationOut", "Problem"} <= set(schemas)


def test_no_page_loads_scripts_from_a_cdn(site):
    """The stock /docs and /redoc pages load scripts from a CDN: /docs leads to /api instead."""
    assert site.client.get("/redoc").status_code == 404
    docs = site.client.get("/docs")
    assert docs.url.path == "/api" and "cdn" not in docs.text.lower()


HOSTILE = [
    ("GET", "/api/v1/works/99999999999999999999999"),
    ("GET", "/api/v1/works/W-99999999999999999999"),
    ("GET", "/api/v1/works/%00"),
    ("GET", "/api/v1/works/FD-9999-9999999/evidence"),
    ("GET", "/api/v1/proofs/inclusion?index=99999999999999999999999&size=1"),
    ("GET", "/api/v1/proofs/inclusion?index=0&size=99999999999999999999999"),
    ("GET", "/api/v1/proofs/consistency?old=99999999999999999999999"),
    ("GET", "/log/tile/0/x999/x999/x999/x999/x999/x999/x999/999"),
    ("GET", "/log/tile/entries/x999/x999/x999/x999/x999/x999/x999/999.p/255"),
    ("GET", "/log/tile/63/000.p/1"),
    ("POST", "/api/v1/works/99999999999999999999999/decision"),
    ("GET", "/works/99999999999999999999999/preview.jpg"),
    ("GET", "/applications/99999999999999999999999"),
    ("GET", "/review/-1"),
]


@pytest.mark.parametrize("method, path", HOSTILE)
def test_hostile_input_is_a_client_error(library_site, method, path):
    headers = token_for(library_site, "reviewer-1", "reviewer")
    response = library_site.client.request(method, path, headers=headers, json={"approve": True})
    assert 400 <= response.status_code < 500, (path, response.text)
