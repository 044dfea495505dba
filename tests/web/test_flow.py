"""Apply → review → approve → certificate → verify, through the forms, in both languages; and
the rules on who may do what."""

from __future__ import annotations

import re

import pytest
from webtools import HTML, PASSWORD

from fangdu.ledger.entries import parse_entry
from fangdu.ledger.verify import verify_bundle_bytes
from fangdu.web.pages import account, public, review, verify
from fangdu.web.pages import apply as apply_pages

APPLICATION = {
    "title": "缠枝莲 Lotus scroll",
    "owner": "柯桥花样工作室",
    "designers": "王芳, 李明",
    "created_on": "2026-03-01",
    "published_on": "2026-04-01",
    "category": "floral",
    "colourways": "藏青, 米底红花",
    "description": "手绘草图，Photoshop 分色",
    "originality_statement": "本人原创，未抄袭他人作品。",
}


def apply(site, png: bytes, **changes: str):
    return site.post_form(
        "/apply",
        "/apply",
        {**APPLICATION, **changes},
        files={"image": ("design.png", png, "image/png")},
        follow_redirects=False,
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_apply_review_approve_certificate_verify(any_db_library_site, print_png, lang):
    site = any_db_library_site
    html_lang = f'<html lang="{"zh-Hans" if lang == "zh" else "en"}">'
    site.client.get(f"/lang/{lang}")
    site.account("wangfang", "applicant", display_name="王芳", party="柯桥花样工作室")
    site.account("reviewer-1", "reviewer")

    # The applicant files: a pending application they can follow.
    site.login("wangfang")
    form = site.client.get("/apply", headers=HTML).text
    assert 'value="柯桥花样工作室"' in form  # the owner defaults to the account's party
    filed = apply(site, print_png(40))
    assert filed.status_code == 303, filed.text
    page_url = filed.headers["location"]
    work_id = int(re.fullmatch(r"/applications/(\d+)", page_url).group(1))
    status_page = site.client.get(page_url, headers=HTML).text
    assert html_lang in status_page
    assert 'class="badge status-pending"' in status_page and "缠枝莲 Lotus scroll" in status_page
    portfolio = site.client.get("/portfolio", headers=HTML).text
    assert f"/applications/{work_id}" in portfolio
    work = site.state.registry.queries.show(str(work_id))
    assert work.designers == ("王芳", "李明") and work.colourways == ("藏青", "米底红花")
    assert work.submitted_by == site.state.accounts.by_username("wangfang").subject
    site.logout()

    # The reviewer sees it in the queue, with the image and the check, and approves it.
    site.login("reviewer-1")
    assert f"/review/{work_id}" in site.client.get("/review", headers=HTML).text
    detail = site.client.get(f"/review/{work_id}", headers=HTML).text
    assert html_lang in detail and f"/works/{work_id}/preview.jpg" in detail
    assert "本人原创" in detail
    decided = site.post_form(
        f"/review/{work_id}",
        f"/review/{work_id}/decision",
        {"action": "approve", "reason": ""},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    work = site.state.registry.queries.show(str(work_id))
    assert work.status == "registered" and work.registration_no.startswith("FD-")
    number = work.registration_no
    site.logout()

    # The decision is in the log, signed with the reviewer's own key.
    entries = [
        parse_entry(d)["body"]
        for _, d in site.state.registry.ledger.entries_about(f"work:{work_id}")
    ]
    assert [e["type"] for e in entries] == ["application", "status_change"]
    assert entries[0]["provenance"]["channel"] == "web"
    reviewer = site.state.accounts.by_username("reviewer-1")
    assert entries[1]["submitter"]["key"] != entries[0]["submitter"]["key"]
    assert site.state.accounts.signer(reviewer.id)

    # Anyone downloads the certificate; its QR code points at the verification page.
    pdf = site.client.get(f"/works/{number}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    # Anyone opens the verification page: the record, and its proofs checked live.
    checked = site.client.get(f"/verify/{number}", headers=HTML)
    assert checked.status_code == 200
    html = checked.text
    assert html_lang in html and "✔" in html and 'class="verdict-box ok"' in html
    assert work.sha256 in html and "柯桥花样工作室" in html
    assert html.count('class="ok-mark"') == 2
    assert f"http://testserver/verify/{number}" in html

    # The owner downloads the evidence bundle, and it verifies offline.
    site.login("wangfang")
    bundle = site.client.get(f"/verify/{number}/evidence.zip")
    assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/zip"
    assert verify_bundle_bytes(bundle.content).ok
    portfolio = site.client.get("/portfolio", headers=HTML).text
    assert f"/works/{number}/certificate.pdf" in portfolio


def test_rejection_needs_reasons_and_shows_them(site, print_png):
    applicant = site.account("merchant", "applicant")
    work_id = site.file_application(print_png(41), applicant)
    site.account("reviewer-1", "reviewer")
    site.login("reviewer-1")
    page = f"/review/{work_id}"
    no_reason = site.post_form(page, f"{page}/decision", {"action": "reject", "reason": " "})
    assert no_reason.status_code == 400
    assert site.state.registry.queries.show(str(work_id)).status == "pending"
    rejected = site.post_form(
        page, f"{page}/decision", {"action": "reject", "reason": "copies P-1"}
    )
    assert rejected.status_code == 200  # followed to the decided application
    assert site.state.registry.queries.show(str(work_id)).decision_reason == "copies P-1"
    again = site.post_form(page, f"{page}/decision", {"action": "approve"})
    assert again.status_code == 409
    site.logout()
    site.login("merchant")
    mine = site.client.get(f"/applications/{work_id}", headers=HTML).text
    assert "copies P-1" in mine and 'class="badge status-rejected"' in mine


def test_a_reviewer_cannot_approve_their_own_application(site, print_png):
    admin = site.account("admin-1", "admin")
    site.login("admin-1")
    filed = apply(site, print_png(42))
    assert filed.status_code == 303
    work_id = int(filed.headers["location"].rsplit("/", 1)[1])
    page = site.client.get(f"/review/{work_id}", headers=HTML).text
    assert 'name="action" value="approve"' not in page  # no button to press...
    forced = site.post_form(
        f"/review/{work_id}", f"/review/{work_id}/decision", {"action": "approve"}
    )
    assert forced.status_code == 409  # ...and the server refuses anyway
    assert "own application" in forced.text or "自己" in forced.text
    assert site.state.registry.queries.show(str(work_id)).status == "pending"
    assert admin.subject == site.state.registry.queries.show(str(work_id)).submitted_by


def test_roles_are_enforced_on_the_server(site, print_png):
    site.account("merchant", "applicant")
    site.account("judge-1", "judge")
    # Anonymous: a browser is sent to sign in; a program gets 401.
    to_login = site.client.get("/apply", headers=HTML, follow_redirects=False)
    assert to_login.status_code == 303
    assert to_login.headers["location"] == "/login?next=/apply"
    assert site.client.get("/review").status_code == 401
    # An applicant may not review or administer.
    site.login("merchant")
    for path in ("/review", "/review/1", "/admin/users"):
        response = site.client.get(path, headers=HTML)
        assert response.status_code == 403, path
    site.logout()
    # A judge may not apply.
    site.login("judge-1")
    assert site.client.get("/apply", headers=HTML).status_code == 403
    refused = site.client.post(
        "/apply",
        data={"csrf_token": site.page_token("/check")},
        files={"image": ("a.png", print_png(1), "image/png")},
        headers=HTML,
    )
    assert refused.status_code == 403
    assert list(site.state.registry.queries.list_works()) == []


def test_nobody_sees_another_ones_pending_application(site, print_png):
    alice = site.account("alice", "applicant")
    site.account("bob", "applicant")
    work_id = site.file_application(print_png(43), alice)
    site.login("bob")
    for path in (
        f"/applications/{work_id}",
        f"/works/{work_id}/preview.jpg",
        f"/works/{work_id}/original",
    ):
        assert site.client.get(path).status_code == 404, path
    assert f"/applications/{work_id}" not in site.client.get("/portfolio").text
    site.logout()
    assert site.client.get(f"/works/{work_id}/preview.jpg").status_code == 404
    # The verification page knows registration numbers only, never application ids.
    assert site.client.get(f"/verify/{work_id}").status_code == 404
    site.login("alice")
    assert site.client.get(f"/applications/{work_id}").status_code == 200


def test_application_form_checks_its_fields(site, print_png):
    site.account("merchant", "applicant")
    site.login("merchant")
    assert apply(site, print_png(44), created_on="").status_code == 400
    assert apply(site, print_png(44), created_on="2999-01-01").status_code == 400
    assert apply(site, print_png(44), published_on="2026-01-01").status_code == 400
    assert apply(site, print_png(44), originality_statement="").status_code == 400
    svg = site.post_form(
        "/apply",
        "/apply",
        APPLICATION,
        files={"image": ("a.svg", b"<svg xmlns='x'/>", "image/svg+xml")},
    )
    assert svg.status_code == 422 and ("SVG" in svg.text)
    assert list(site.state.registry.queries.list_works()) == []
    assert apply(site, print_png(44)).status_code == 303
    assert apply(site, print_png(44)).status_code == 409  # the same bytes again


def test_csrf_token_is_required_on_every_form(site, print_png):
    site.account("merchant", "applicant")
    site.client.get("/login", headers=HTML)  # the browser has its CSRF cookie
    missing = site.client.post(
        "/login", data={"username": "merchant", "password": PASSWORD}, headers=HTML
    )
    assert missing.status_code == 403
    wrong = site.client.post(
        "/login", data={"username": "merchant", "password": PASSWORD, "csrf_token": "x" * 43}
    )
    assert wrong.status_code == 403 and wrong.json()["type"].endswith("csrf")
    site.login("merchant")
    no_token = site.client.post(
        "/apply", data=APPLICATION, files={"image": ("a.png", print_png(45), "image/png")}
    )
    assert no_token.status_code == 403
    cross_site = site.client.post(
        "/logout",
        data={"csrf_token": site.client.cookies["fd_csrf"]},
        headers={"origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403
    assert list(site.state.registry.queries.list_works()) == []


def test_every_form_route_checks_csrf(site):
    """Every POST route of the pages refuses a request without the token."""
    site.client.get("/", headers=HTML)
    posts = [
        route.path
        for module in (account, apply_pages, public, review, verify)
        for route in module.router.routes
        if "POST" in route.methods
    ]
    assert len(posts) >= 8
    for path in posts:
        response = site.client.post(path.replace("{work_id}", "1").replace("{user_id}", "1"))
        assert response.status_code == 403, path


def test_sign_in_rotates_the_csrf_token_and_sets_safe_cookies(site):
    site.account("merchant", "applicant")
    before = site.page_token("/login")
    response = site.client.post(
        "/login",
        data={"username": "merchant", "password": PASSWORD, "csrf_token": before},
        follow_redirects=False,
    )
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("fd_session="))
    assert "HttpOnly" in session and "SameSite=lax" in session and "Secure" not in session
    assert site.client.cookies["fd_csrf"] != before
    assert response.headers["location"] == "/portfolio"


def test_cookies_are_secure_when_configured(make_site):
    from fangdu.web.config import WebSettings

    site = make_site(web=WebSettings(secure_cookies=True))
    response = site.client.get("/", headers=HTML)
    assert "Secure" in response.headers["set-cookie"]


def test_logins_are_throttled(site):
    site.account("merchant", "applicant")
    for _ in range(5):
        response = site.post_form(
            "/login", "/login", {"username": "merchant", "password": "wrong password!"}
        )
        assert response.status_code == 401
    throttled = site.post_form("/login", "/login", {"username": "merchant", "password": PASSWORD})
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 0


def test_sign_up_creates_an_applicant(site):
    response = site.post_form(
        "/register-account",
        "/register-account",
        {
            "username": "newdesigner",
            "display_name": "新设计师",
            "party": "新工作室",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/apply"
    account = site.state.accounts.by_username("newdesigner")
    assert account.role == "applicant" and account.party_claim == "新工作室"
    # A stated party is only a claim until an administrator verifies it.
    assert account.party_status == "pending" and account.verified_party is None
    assert site.client.get("/apply", headers=HTML).status_code == 200
    taken = site.post_form(
        "/register-account",
        "/register-account",
        {"username": "newdesigner", "password": PASSWORD, "password2": PASSWORD},
    )
    assert taken.status_code == 400


def test_admin_creates_users_and_disables_them(site):
    site.account("admin-1", "admin")
    site.login("admin-1")
    created = site.post_form(
        "/admin/users",
        "/admin/users",
        {"username": "judge-2", "display_name": "法官", "role": "judge", "password": PASSWORD},
    )
    assert created.status_code == 200 and "judge-2" in created.text
    judge = site.state.accounts.by_username("judge-2")
    assert judge.role == "judge"
    site.post_form("/admin/users", f"/admin/users/{judge.id}/disabled", {"disabled": "1"})
    assert site.state.accounts.get(judge.id).disabled


def test_api_tokens_are_issued_once_on_the_account_page(site):
    site.account("merchant", "applicant")
    site.login("merchant")
    page = site.post_form("/account", "/account/tokens", {"label": "my script", "scope": "read"})
    token = re.search(r'<code class="token">(fdt_[^<]+)</code>', page.text).group(1)
    assert site.state.accounts.token_account(token).username == "merchant"
    assert token not in site.client.get("/account", headers=HTML).text
