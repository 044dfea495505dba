"""Issue 12 #2, #4 and #16 in the browser: no lockout of the owner, device cookies, sign-in
alerts for the admin, the token list and the password change on the account page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from webtools import HTML, PASSWORD, Site


def in_english(site: Site) -> None:
    site.client.get("/lang/en", headers=HTML)  # the language switch sets its cookie


def attack(site: Site, username: str, times: int) -> list[int]:
    """A stranger's browser, on the same address as the owner's, guessing passwords."""
    stranger = Site(TestClient(site.client.app), site.settings)
    return [
        stranger.post_form(
            "/login", "/login", {"username": username, "password": "guess-guess-guess"}
        ).status_code
        for _ in range(times)
    ]


def test_strangers_guesses_never_lock_a_known_browser_out(site: Site):
    site.account("reviewer", "reviewer")
    site.login("reviewer")  # the owner's browser signed in before: it has a device cookie
    assert site.client.cookies["fd_device"]
    site.logout()
    assert site.client.cookies["fd_device"]  # kept at sign-out: it is not a session

    statuses = attack(site, "reviewer", 8)
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    site.login("reviewer")  # the right password from the known browser still works

    # A fresh browser of the owner is slowed down with the stranger (same address) but not
    # locked: the wait grows per client, and after it the right password works.
    fresh = Site(TestClient(site.client.app), site.settings)
    response = fresh.post_form("/login", "/login", {"username": "reviewer", "password": PASSWORD})
    assert response.status_code == 429 and 0 < int(response.headers["retry-after"]) <= 15 * 60


def test_the_admin_sees_sign_in_alerts(site: Site):
    site.account("admin-1", "admin")
    site.account("judge-2", "judge")
    attack(site, "judge-2", 5)
    site.login("admin-1")
    in_english(site)
    page = site.client.get("/admin/users", headers=HTML).text
    assert "Sign-in alerts" in page
    row = re.search(r'<table class="alerts">.*?</table>', page, re.S).group(0)
    assert "judge-2" in row and "ip:testclient" in row
    site.client.get("/lang/zh", headers=HTML)
    assert "登录警报" in site.client.get("/admin/users", headers=HTML).text


def test_tokens_are_created_with_scopes_listed_and_revoked(site: Site):
    site.account("bank-1", "bank_officer")
    site.login("bank-1")
    in_english(site)
    assert "You have no API tokens." in site.client.get("/account", headers=HTML).text
    page = site.post_form(
        "/account",
        "/account/tokens",
        {"label": "core banking", "scope": ["rights", "read"], "days": "30"},
    )
    assert page.status_code == 200
    token = re.search(r'<code class="token">(fdt_[^<]+)</code>', page.text).group(1)
    assert site.state.accounts.token_account(token).scopes == {"rights", "read"}

    listed = site.client.get("/account", headers=HTML).text
    row = re.search(r'<table class="tokens">.*?</table>', listed, re.S).group(0)
    assert "core banking" in row and "<code>rights</code>" in row and "Active" in row
    assert token not in listed
    (created,) = site.state.accounts.api_tokens(site.state.accounts.by_username("bank-1").id)
    assert (created.expires_at - created.created_at).days == 30

    for refused in (
        {"label": "x", "days": "30"},  # no scope
        {"label": "x", "scope": "read", "days": "10000"},
        {"label": "x", "scope": "root", "days": "30"},
    ):
        assert site.post_form("/account", "/account/tokens", refused).status_code == 400

    revoke = f"/account/tokens/{created.id}/revoke"
    assert site.client.post(revoke, headers=HTML).status_code == 403  # CSRF as everywhere
    done = site.post_form("/account", revoke)
    assert done.status_code == 200 and "The token is revoked" in done.text
    assert site.state.accounts.token_account(token) is None
    assert "Revoked" in site.client.get("/account", headers=HTML).text

    # Nobody revokes another's token: it looks like no token at all.
    other = site.account("bank-2", "bank_officer")
    theirs = site.state.accounts.issue_api_token(other.id, "theirs")
    (their_row,) = site.state.accounts.api_tokens(other.id)
    refused = site.post_form("/account", f"/account/tokens/{their_row.id}/revoke")
    assert refused.status_code == 404
    assert site.state.accounts.token_account(theirs) is not None


def test_changing_ones_password(site: Site):
    merchant = site.account("merchant", "applicant")
    token = site.state.accounts.issue_api_token(merchant.id, "script")
    elsewhere = site.state.accounts.start_session(merchant.id)
    form = {"current": PASSWORD, "password": "a-new-password-1", "password2": "a-new-password-1"}
    site.login("merchant")
    in_english(site)
    page = site.client.get("/account", headers=HTML).text
    assert "Change your password" in page and 'name="current"' in page

    assert site.client.post("/account/password", data=form, headers=HTML).status_code == 403
    wrong = site.post_form("/account", "/account/password", {**form, "current": "not my password"})
    assert wrong.status_code == 400 and "The current password is wrong." in wrong.text
    differ = site.post_form("/account", "/account/password", {**form, "password2": "x" * 12})
    assert differ.status_code == 400
    weak = site.post_form(
        "/account", "/account/password", {**form, "password": "short", "password2": "short"}
    )
    assert weak.status_code == 400 and "too short" in weak.text

    changed = site.post_form("/account", "/account/password", {**form, "revoke_tokens": "1"})
    assert changed.status_code == 200 and "Your password is changed" in changed.text
    assert site.state.accounts.session_account(elsewhere) is None  # other sessions end
    assert site.state.accounts.token_account(token) is None  # as asked
    assert site.client.get("/account", headers=HTML).status_code == 200  # this one stays
    site.logout()
    site.login("merchant", "a-new-password-1")


def test_the_account_page_speaks_chinese(site: Site):
    site.account("merchant", "applicant")
    site.login("merchant")
    page = site.client.get("/account", headers=HTML).text
    for text in ("修改密码", "当前密码", "API 令牌", "到期"):
        assert text in page, text
