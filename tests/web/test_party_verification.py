"""A party named at self-registration is a claim, not an identity: the account acts for it (in
the rights register, in disputes, over the API, in "My works") only once an administrator has
verified it, and no longer once revoked. The hole this closes: anyone could sign up naming an
owner's party and then license the owner's works or bring cases as the owner."""

from __future__ import annotations

import re

import pytest
from webtools import HTML, PASSWORD, Site

from fangdu.rights.services import keqiao_today

OWNER = "Keqiao Prints Co."  # the library's prints' owner (tests/web/conftest.py)
LICENSEE = "Shaoxing Weaving"
PDF = b"%PDF-1.4\n% a contract\n%%EOF\n"


def register(site: Site, username: str, party: str) -> int:
    """Self-registration through the public form; the new account is signed in."""
    response = site.post_form(
        "/register-account",
        "/register-account",
        {
            "username": username,
            "display_name": "冒名者",
            "party": party,
            "password": PASSWORD,
            "password2": PASSWORD,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return site.state.accounts.by_username(username).id


def license_on_page(site: Site):
    """The owner's licence form on the work's rights page, as a browser submits it."""
    today = keqiao_today().isoformat()
    return site.post_form(
        "/",
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


def api_licence(site: Site, token: str):
    import base64

    today = keqiao_today().isoformat()
    return site.client.post(
        "/api/v1/rights/works/1/licence",
        headers={"authorization": f"Bearer {token}"},
        json={
            "licensee": LICENSEE,
            "exclusive": False,
            "right": "reproduction",
            "territory": "PRC",
            "starts_on": today,
            "ends_on": "2099-12-31",
            "fee": "1 CNY",
            "liability": "contract",
            "documents": [
                {"role": "licence_contract", "content_base64": base64.b64encode(PDF).decode()}
            ],
            "declared_signatories": [LICENSEE],
        },
    )


def decide(site: Site, user_id: int, claim: str, decision: str):
    return site.post_form(
        "/",
        f"/admin/users/{user_id}/party",
        {"claim": claim, "decision": decision},
        follow_redirects=False,
    )


def may_act_as_owner(site: Site) -> bool:
    """Whether the signed-in account acts as the owner: rights page and disputes watchlist."""
    rights = site.client.get("/works/1/rights", headers=HTML)
    watch = site.post_form("/", "/disputes/watch", {"work": "W-1"}, follow_redirects=False)
    assert (rights.status_code == 200) == (watch.status_code in (200, 303)), (rights, watch)
    return rights.status_code == 200 and 'id="licence-form"' in rights.text


def test_a_self_registered_owner_party_grants_nothing(library_site: Site):
    """The exploit, at the HTTP level: sign up naming the owner's party, then try to license
    the owner's work (page and API) and to act as claimant in disputes."""
    site = library_site
    register(site, "impostor", OWNER)
    token = site.state.accounts.issue_api_token(site.state.accounts.by_username("impostor").id, "t")

    assert site.client.get("/works/1/rights", headers=HTML).status_code == 403
    assert license_on_page(site).status_code == 403
    assert api_licence(site, token).status_code == 403
    assert site.client.get("/disputes", headers=HTML).status_code == 403
    watch = site.post_form("/", "/disputes/watch", {"work": "W-1"}, follow_redirects=False)
    assert watch.status_code == 403
    # "My works" lists the owner's works only for a verified party.
    assert 'id="party"' not in site.client.get("/portfolio", headers=HTML).text
    # Nothing was recorded in the owner's name.
    assert not site.state.core.rights.show("1").records
    # The account page says the claim waits (Chinese first).
    page = site.client.get("/account", headers=HTML).text
    assert "待核验" in page and OWNER in page


def test_verification_grants_and_revocation_removes(library_site: Site):
    site = library_site
    site.account("root", "admin")
    impostor = register(site, "studio-clerk", OWNER)
    token = site.state.accounts.issue_api_token(impostor, "erp")
    assert not may_act_as_owner(site)
    site.logout()

    # The administrator sees the claim waiting, and verifies it (after the documents).
    site.login("root")
    users = site.client.get("/admin/users", headers=HTML).text
    claims = users.split('id="party-claims"')[1].split("</section>")[0]
    assert "studio-clerk" in claims and OWNER in claims
    # A claim changed since the administrator looked is not decided.
    assert decide(site, impostor, "Another Name", "verify").status_code == 409
    assert decide(site, impostor, OWNER, "verify").status_code == 303
    account = site.state.accounts.get(impostor)
    root = site.state.accounts.by_username("root")
    assert account.verified_party == OWNER and account.party_decided_by == root.subject
    assert account.party_decided_at is not None
    assert (
        "studio-clerk"
        not in site.client.get("/admin/users", headers=HTML)
        .text.split('id="party-claims"')[1]
        .split("</section>")[0]
    )
    site.logout()

    site.login("studio-clerk")
    assert "已核验" in site.client.get("/account", headers=HTML).text
    assert may_act_as_owner(site)
    assert license_on_page(site).status_code == 303
    assert 'id="party"' in site.client.get("/portfolio", headers=HTML).text
    site.logout()

    # Revoked: the session and the API token lose it at once.
    site.login("root")
    assert decide(site, impostor, OWNER, "reject").status_code == 303
    assert site.state.accounts.get(impostor).verified_party is None
    site.logout()
    site.login("studio-clerk")
    assert not may_act_as_owner(site)
    assert api_licence(site, token).status_code == 403


def test_a_new_name_on_the_account_page_must_be_verified_again(library_site: Site):
    site = library_site
    site.account("owner", "applicant", party=OWNER)  # the operator vouched for it
    site.login("owner")
    assert may_act_as_owner(site)
    changed = site.post_form("/account", "/account/party", {"party": "Keqiao Prints Co. Ltd"})
    assert changed.status_code == 200 and "待核验" in changed.text
    assert not may_act_as_owner(site)


def test_nobody_verifies_their_own_claim_and_only_admins_decide(library_site: Site):
    site = library_site
    site.account("root", "admin")
    site.account("reviewer", "reviewer")
    impostor = register(site, "impostor", OWNER)
    # The applicant cannot verify themselves, nor can a reviewer.
    assert decide(site, impostor, OWNER, "verify").status_code == 403
    site.logout()
    site.login("reviewer")
    assert decide(site, impostor, OWNER, "verify").status_code == 403
    site.logout()
    site.login("root")
    site.post_form("/account", "/account/party", {"party": OWNER})
    root = site.state.accounts.by_username("root")
    assert decide(site, root.id, OWNER, "verify").status_code == 400
    assert site.state.accounts.get(root.id).verified_party is None
    assert site.state.accounts.get(impostor).verified_party is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_admins_vouch_for_the_parties_they_give(site: Site, lang: str):
    site.account("root", "admin")
    site.login("root")
    site.client.get(f"/lang/{lang}", follow_redirects=False)
    created = site.post_form(
        "/admin/users",
        "/admin/users",
        {
            "username": "bank-1",
            "party": "柯桥农商银行",
            "role": "bank_officer",
            "password": PASSWORD,
        },
    )
    assert created.status_code == 200
    bank = site.state.accounts.by_username("bank-1")
    root = site.state.accounts.by_username("root")
    assert bank.verified_party == "柯桥农商银行" and bank.party_decided_by == root.subject
    heading = "等待核验的当事方声明" if lang == "zh" else "Party claims waiting for verification"
    assert heading in created.text
    assert re.search(r"柯桥农商银行 <span class=\"badge party-verified\">", created.text)
