"""The rights register's authorisation matrix (issue 15), route by route, for the people a
register names: the owner and a co-owner of one work, its licensee, the bank holding its
pledge, another bank, a reviewer, a stranger and nobody signed in. The expected answers are
written out here, not derived from the policy, so a wrong rule in either fails.

Each request is one a person is refused for or one the register itself refuses (a future
date, an empty form): the authorised get past the door and are stopped by a rule, so nothing
is written, which the end checks."""

from __future__ import annotations

import datetime as dt

import pytest
from test_authorisation import app_routes

from fangdu.rights.services import Document, keqiao_today
from fangdu.web.security import CSRF_COOKIE
from fangdu.web.state import SESSION_COOKIE

OWNER = "Keqiao Prints Co."  # work 1's registered owner (tests/web/conftest.py)
CO_OWNER = "Shaoxing Prints Co."
LICENSEE = "Shaoxing Weaving"
BANK = "柯桥农商银行"
PEOPLE = {
    # username: (role, party)
    "owner": ("applicant", OWNER),
    "co_owner": ("applicant", CO_OWNER),
    "licensee": ("applicant", LICENSEE),
    "pledgee": ("bank_officer", BANK),
    "other_bank": ("bank_officer", "Other Bank"),
    "reviewer": ("reviewer", None),
    "stranger": ("applicant", "Someone Else Ltd"),
    "anonymous": (None, None),
}
NAMED = frozenset({"owner", "co_owner", "licensee", "pledgee"})  # the register names them
VIEWERS = NAMED | {"other_bank", "reviewer"}  # banks and reviewers see any register
OWNERS = frozenset({"owner", "co_owner"})  # either co-owner records (with the other's consent)
BANKS = frozenset({"pledgee", "other_bank"})  # any bank may apply for a pledge...
PLEDGE_FILERS = BANKS | OWNERS  # ...and an owner, naming the bank
PLEDGEE = frozenset({"pledgee"})  # only the bank holding the pledge acts on it

# (method, path): who gets past authorisation.
MATRIX = {
    ("GET", "/works/{key}/rights"): VIEWERS,
    ("GET", "/works/{key}/rights/report"): VIEWERS,
    ("POST", "/works/{key}/rights/licence"): OWNERS,
    ("POST", "/works/{key}/rights/transfer"): OWNERS,
    ("POST", "/works/{key}/rights/pledge"): PLEDGE_FILERS,
    ("POST", "/works/{key}/rights/pledge-registration"): PLEDGEE,
    ("POST", "/works/{key}/rights/consent"): PLEDGEE,
    ("POST", "/works/{key}/rights/release"): PLEDGEE,
    ("GET", "/rights/pledges"): BANKS,  # each its own bank's
    ("GET", "/rights/watch"): BANKS,
    ("GET", "/api/v1/rights/works/{key}"): VIEWERS,
    ("GET", "/api/v1/rights/works/{key}/report"): VIEWERS,
    ("POST", "/api/v1/rights/works/{key}/licence"): OWNERS,
    ("POST", "/api/v1/rights/works/{key}/transfer"): OWNERS,
    ("POST", "/api/v1/rights/works/{key}/pledge"): PLEDGE_FILERS,
    ("POST", "/api/v1/rights/works/{key}/pledge-registration"): PLEDGEE,
    ("POST", "/api/v1/rights/works/{key}/consent"): PLEDGEE,
    ("POST", "/api/v1/rights/works/{key}/release"): PLEDGEE,
    ("GET", "/api/v1/rights/pledges"): BANKS,
    ("GET", "/api/v1/rights/watch"): BANKS,
}
DENIED = {401, 403, 404}
# What an authorised request gets: the page or data, or the register's own refusal.
PAST_THE_DOOR = {200, 400, 409, 422}
CSRF = "r" * 43


def _bodies(today: dt.date) -> dict[str, dict]:
    """Complete requests but for a date in the future, which the register refuses after the
    caller's rights were checked (the pledgee's own pledge included)."""
    later = (today + dt.timedelta(days=30)).isoformat()
    pdf = "JVBERi0xLjQK"  # %PDF-1.4
    document = [{"role": "licence_contract", "content_base64": pdf}]
    return {
        "licence": {
            "licensee": "Hangzhou Silk",
            "exclusive": False,
            "right": "all",
            "starts_on": later,
            "ends_on": later,
            "fee": "1",
            "liability": "1",
            "documents": document,
        },
        "transfer": {
            "to": ["Hangzhou Silk"],
            "on": later,
            "price": "1",
            "payment": "1",
            "liability": "1",
            "proceeds": "escrow",
        },
        "pledge": {
            "applied_on": later,
            "secured_claim": "loan",
            "amount": "1",
            "debtor_term_ends": later,
            "scope": "all",
            "security_term": "1 year",
        },
        "pledge-registration": {
            "national_no": "2026-Z-1",
            "registered_on": later,
            "certificate_base64": pdf,
        },
        "consent": {"purpose": "transfer", "counterparties": ["Hangzhou Silk"], "given_on": later},
        "release": {"released_on": later},
    }


@pytest.fixture
def world(library_site):
    """Work 1 owned half each by its registered owner and a co-owner, licensed (not
    exclusively) to the licensee, and pledged (pending) to the pledgee's bank."""
    site = library_site
    for username, (role, party) in PEOPLE.items():
        if role is not None:
            site.account(username, role, **({"party": party} if party else {}))
    rights = site.state.core.rights
    today = keqiao_today()
    pdf = b"%PDF-1.4\n"
    rights.transfer(
        "1",
        to={CO_OWNER: 5000},
        transferor=OWNER,
        share=5000,
        on=today,
        price="1",
        payment="1",
        liability="1",
        signed_by=[OWNER, CO_OWNER],
    )
    rights.license(
        "1",
        licensee=LICENSEE,
        exclusive=False,
        right="all",
        territory="worldwide",
        starts_on=today,
        ends_on=today + dt.timedelta(days=365),
        fee="1",
        liability="1",
        signed_by=[OWNER, CO_OWNER, LICENSEE],
    )
    rights.pledge(
        ["1"],
        pledgee=BANK,
        applied_on=today,
        secured_claim="loan",
        amount="1",
        debtor_term_ends=today + dt.timedelta(days=365),
        scope="all",
        security_term="1 year",
        documents=[
            Document(role, pdf)
            for role in (
                "main_contract",
                "pledge_contract",
                "pledgor_id",
                "pledgee_id",
                "co_owner_consent",
                "prior_licences",
            )
        ],
        signed_by=[OWNER, CO_OWNER, BANK],
    )
    return site


def _request(site, person: str, method: str, path: str, bodies: dict[str, dict]) -> int:
    client = site.client
    accounts = site.state.accounts
    api = path.startswith("/api/")
    url = path.replace("{key}", "1")
    headers: dict[str, str] = {}
    client.cookies.clear()
    if person != "anonymous":
        account = accounts.by_username(person)
        if api:
            token = accounts.issue_api_token(account.id, "matrix")
            headers["authorization"] = f"Bearer {token}"
        else:
            session = accounts.start_session(account.id, lifetime=dt.timedelta(hours=1))
            client.cookies.set(SESSION_COOKIE, session)
    if method == "GET":
        if url.endswith("/report"):
            url += f"?maturity={keqiao_today() + dt.timedelta(days=365)}&format=json"
        response = client.get(url, headers=headers, follow_redirects=False)
    elif api:
        body = bodies[url.rsplit("/", 1)[1]]
        response = client.post(url, headers=headers, json=body)
    else:
        client.cookies.set(CSRF_COOKIE, CSRF)
        form = {k: v for k, v in bodies[url.rsplit("/", 1)[1]].items() if isinstance(v, str)}
        response = client.post(
            url, headers=headers, data={"csrf_token": CSRF, **form}, follow_redirects=False
        )
    client.cookies.clear()
    assert response.status_code < 500, (person, method, url, response.text)
    return response.status_code


def test_the_matrix_names_every_rights_route(site):
    rights = {
        (m, p)
        for m, p in app_routes(site.client.app.routes)
        if "/rights" in p and not p.startswith("/disputes")
    }
    assert rights == set(MATRIX)


def test_every_rights_route_for_everyone_the_register_names(world):
    site = world
    records = len(site.state.core.rights.show("1").records)
    bodies = _bodies(keqiao_today())
    wrong = []
    for (method, path), allowed in MATRIX.items():
        for person in PEOPLE:
            status = _request(site, person, method, path, bodies)
            if person in allowed and status not in PAST_THE_DOOR:
                wrong.append(f"{person} {method} {path}: {status}, expected past the door")
            if person not in allowed and status not in DENIED:
                wrong.append(f"{person} {method} {path}: {status}, expected denied")
    assert not wrong, "\n".join(wrong)
    # Every request was refused somewhere: the register is as it was.
    assert len(site.state.core.rights.show("1").records) == records == 3


def test_who_sees_the_names_behind_the_hashes(world):
    """The parties named in the register see every party's name; another bank sees the owners
    and the hashes the log names the rest by."""
    site = world
    for person, named in (("licensee", True), ("pledgee", True), ("other_bank", False)):
        token = site.state.accounts.issue_api_token(site.state.accounts.by_username(person).id, "t")
        shown = site.client.get(
            "/api/v1/rights/works/1", headers={"authorization": f"Bearer {token}"}
        ).json()
        assert sorted(o["name"] for o in shown["owners"]) == sorted([OWNER, CO_OWNER])
        names = [h["name"] for h in shown["licences"] + shown["pending_pledges"]]
        assert names == ([LICENSEE, BANK] if named else [None, None]), person
