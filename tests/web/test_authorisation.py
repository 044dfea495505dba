"""The authorisation matrix: every route × every role × own / other's work × pending /
registered / rejected, against the table in src/fangdu/web/README.md (written out here, not
derived from the policy module, so a wrong rule in either fails)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Route
from webtools import PASSWORD

from fangdu.web.security import CSRF_COOKIE
from fangdu.web.state import SESSION_COOKIE

PEOPLE = (
    "anonymous",
    "owner",
    "applicant",
    "reviewer",
    "mediator",
    "judge",
    "bank_officer",
    "admin",
    "planner",
    "trader",
    "supervisor",
    "market_office",
)
SIGNED_IN = frozenset(PEOPLE) - {"anonymous"}
EVERYONE = frozenset(PEOPLE)
FILERS = frozenset({"owner", "applicant", "admin"})
REVIEWERS = frozenset({"reviewer", "admin"})
CASE_HANDLERS = frozenset({"mediator", "judge", "bank_officer"})
PLANNERS = frozenset({"planner", "admin"})  # a dye house's own vat plans
TRADERS = frozenset({"trader", "admin"})  # a trade company's own goods lists
STATES = ("pending", "registered", "rejected")

# An unpublished application: its filer and the reviewers. A registered work: its record is
# public; its original and evidence go to its owner, reviewers and case handlers.
PRIVATE = frozenset({"owner"}) | REVIEWERS
RECORD = {"pending": PRIVATE, "registered": EVERYONE, "rejected": PRIVATE}
FILE = {"pending": PRIVATE, "registered": PRIVATE | CASE_HANDLERS, "rejected": PRIVATE}
REGISTERED_ONLY = {"registered": EVERYONE}
REGISTERED_FILE = {"registered": PRIVATE | CASE_HANDLERS}
REVIEW_ANY = dict.fromkeys(STATES, REVIEWERS)
OWN_PORTFOLIO = {"pending": PRIVATE, "registered": PRIVATE, "rejected": PRIVATE}
# Disputes (issue 16): the world's case is the owner's against a market stall. The owner (an
# applicant acting for the claimant party) pursues it; reviewers decide it; the judge the court
# assigned it to reads it, takes its court package and uses the judge's tools; a mediator sees
# only cases assigned to them (none here); a supervisor reads cases and overrides a held-back
# lead; the market office reads the abuse monitor only; the respondent holds the case token,
# not an account (tests/web/test_disputes_web.py, tests/web/test_disputes_roles_web.py).
JUDGE = "法官 王"
CLAIMANT = frozenset({"owner"})
CASE_VIEWERS = frozenset({"owner", "reviewer", "judge", "admin", "supervisor"})
CASE_PEOPLE = CASE_VIEWERS | {"market_office"}
CASE_DECIDERS = REVIEWERS
CASE_COURT = frozenset({"owner", "judge", "admin"})
ABUSE_MONITOR = frozenset({"supervisor", "market_office", "admin"})
# Mediation: the parties and the mediation centre (the administrator) see its board; the
# centre takes in and assigns; only the mediator assigned (none in this world) accepts and drafts.
MEDIATION = frozenset({"owner", "admin"})
MEDIATION_DESK = frozenset({"admin"})
NOBODY: frozenset[str] = frozenset()
# The rights register (issue 15), of registered works only: the parties named in it (the owner
# here), reviewers and case handlers see it; the owner records licences and transfers; a bank
# officer records its pledge and, on a work pledged to its bank (the world's), the rest; either
# files a pledge application (the owner naming the bank).
RIGHTS_VIEW = {"registered": frozenset({"owner"}) | REVIEWERS | CASE_HANDLERS}
RIGHTS_OWNER = {"registered": frozenset({"owner"})}
RIGHTS_BANK = {"registered": frozenset({"bank_officer"})}
RIGHTS_PLEDGE = {"registered": frozenset({"owner", "bank_officer"})}
BANK = "柯桥农商银行"

# (method, path): who may, either a set of people or a {state: people} map for routes about a
# work. Over the API, people use tokens with every scope.
MATRIX: dict[tuple[str, str], frozenset[str] | dict[str, frozenset[str]]] = {
    ("GET", "/"): EVERYONE,
    ("GET", "/lang/{code}"): EVERYONE,
    ("GET", "/check"): EVERYONE,
    ("POST", "/check"): EVERYONE,
    ("GET", "/api"): EVERYONE,
    ("GET", "/openapi.json"): EVERYONE,
    ("GET", "/docs"): EVERYONE,
    ("GET", "/login"): EVERYONE,
    ("POST", "/login"): EVERYONE,
    ("POST", "/logout"): EVERYONE,
    ("GET", "/register-account"): EVERYONE,
    ("POST", "/register-account"): EVERYONE,
    ("GET", "/account"): SIGNED_IN,
    ("POST", "/account/tokens"): SIGNED_IN,
    ("POST", "/account/tokens/{token_id}/revoke"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    ("POST", "/account/party"): SIGNED_IN,
    ("GET", "/admin/users"): frozenset({"admin"}),
    ("POST", "/admin/users"): frozenset({"admin"}),
    ("POST", "/admin/users/{user_id}/disabled"): frozenset({"admin"}),
    ("POST", "/admin/users/{user_id}/party"): frozenset({"admin"}),
    ("GET", "/apply"): FILERS,
    ("POST", "/apply"): FILERS,
    ("GET", "/portfolio"): SIGNED_IN,
    ("GET", "/applications/{work_id}"): OWN_PORTFOLIO,
    ("GET", "/works/{work_id}/preview.jpg"): RECORD,
    ("GET", "/works/{work_id}/original"): FILE,
    ("GET", "/works/{work_id}/original.png"): FILE,
    ("GET", "/prior-art/{prior_art_id}/preview.jpg"): REVIEWERS,
    ("GET", "/review"): REVIEWERS,
    ("GET", "/review/{work_id}"): REVIEW_ANY,
    ("POST", "/review/{work_id}/decision"): REVIEW_ANY,
    ("GET", "/verify"): EVERYONE,
    ("GET", "/verify/{number}"): REGISTERED_ONLY,
    ("GET", "/verify/{number}/evidence.zip"): REGISTERED_FILE,
    ("GET", "/works/{number}/certificate.pdf"): REGISTERED_ONLY,
    ("POST", "/api/v1/check"): EVERYONE,
    ("POST", "/api/v1/works"): FILERS,
    ("GET", "/api/v1/works"): SIGNED_IN,
    ("GET", "/api/v1/works/{key}"): RECORD,
    ("POST", "/api/v1/works/{work_id}/decision"): REVIEW_ANY,
    ("GET", "/api/v1/works/{key}/evidence"): FILE,
    ("GET", "/api/v1/proofs/inclusion"): EVERYONE,
    ("GET", "/api/v1/proofs/consistency"): EVERYONE,
    ("GET", "/api/v1/log/checkpoint"): EVERYONE,
    ("GET", "/log/checkpoint"): EVERYONE,
    ("GET", "/log/tile/{path:path}"): EVERYONE,
    ("GET", "/api/v1/openapi.json"): EVERYONE,
    ("GET", "/disputes"): CASE_PEOPLE,
    ("POST", "/disputes/watch"): CLAIMANT,
    ("POST", "/disputes/monitor"): CLAIMANT,
    ("POST", "/disputes/leads/{lead_id}/case"): CLAIMANT,
    ("POST", "/disputes/agent-case"): CLAIMANT,
    ("POST", "/disputes/leads/{lead_id}/override"): frozenset({"supervisor"}),
    ("GET", "/disputes/abuse"): ABUSE_MONITOR,
    ("GET", "/disputes/cases/{case_id}"): CASE_VIEWERS,
    ("POST", "/disputes/cases/{case_id}/review"): CASE_DECIDERS,
    ("POST", "/disputes/cases/{case_id}/notice"): CLAIMANT,
    ("GET", "/disputes/cases/{case_id}/notice.pdf"): CASE_VIEWERS,
    ("POST", "/disputes/cases/{case_id}/judge"): frozenset({"admin"}),
    ("GET", "/disputes/cases/{case_id}/court"): frozenset({"judge"}),
    ("POST", "/disputes/cases/{case_id}/hold"): frozenset({"judge"}),
    ("POST", "/disputes/cases/{case_id}/judgement"): frozenset({"judge"}),
    ("POST", "/disputes/cases/{case_id}/mediation/extend"): NOBODY,
    ("POST", "/disputes/cases/{case_id}/mediation/performed"): CLAIMANT,
    ("POST", "/respond/mediation/performed"): EVERYONE,
    ("POST", "/disputes/cases/{case_id}/close"): CASE_DECIDERS,
    ("GET", "/disputes/cases/{case_id}/court-package.zip"): CASE_COURT,
    # The respondent's pages: the case token is the authority (given here to everyone).
    ("GET", "/disputes/cases/{case_id}/mediation"): MEDIATION,
    ("POST", "/disputes/cases/{case_id}/mediation/intake"): MEDIATION_DESK,
    ("POST", "/disputes/cases/{case_id}/mediation/assign"): MEDIATION_DESK,
    ("POST", "/disputes/cases/{case_id}/mediation/accept"): NOBODY,
    ("POST", "/disputes/cases/{case_id}/mediation/agreement"): NOBODY,
    ("POST", "/disputes/cases/{case_id}/mediation/sign"): MEDIATION,
    ("GET", "/disputes/cases/{case_id}/mediation/confirm-package.zip"): MEDIATION,
    ("POST", "/respond/mediation/sign"): EVERYONE,
    ("GET", "/respond"): EVERYONE,
    ("POST", "/respond"): EVERYONE,
    ("POST", "/respond/answer"): EVERYONE,
    ("GET", "/schedule"): PLANNERS,
    ("POST", "/schedule"): PLANNERS,
    ("GET", "/schedule/{job_id}"): PLANNERS,
    ("GET", "/schedule/{job_id}/tables.xlsx"): PLANNERS,
    ("GET", "/schedule/{job_id}/plan.json"): PLANNERS,
    ("GET", "/schedule/{job_id}/plan.xlsx"): PLANNERS,
    ("GET", "/schedule/{job_id}/plan.pdf"): PLANNERS,
    ("POST", "/schedule/{job_id}/rush"): PLANNERS,
    ("POST", "/schedule/{job_id}/event"): PLANNERS,
    ("POST", "/api/v1/schedule/solve"): PLANNERS,
    ("GET", "/api/v1/schedule/jobs/{job_id}"): PLANNERS,
    ("POST", "/api/v1/schedule/validate"): PLANNERS,
    ("GET", "/trade"): TRADERS,
    ("POST", "/trade"): TRADERS,
    ("GET", "/trade/{job_id}"): TRADERS,
    ("POST", "/trade/{job_id}/plan"): TRADERS,
    ("GET", "/trade/{job_id}/documents.zip"): TRADERS,
    ("GET", "/trade/{job_id}/lines/{row}"): TRADERS,
    ("POST", "/trade/{job_id}/lines/{row}"): TRADERS,
    ("POST", "/api/v1/trade/check"): TRADERS,
    ("POST", "/api/v1/trade/plan"): TRADERS,
    ("GET", "/api/v1/trade/jobs/{job_id}"): TRADERS,
    ("GET", "/api/v1/trade/jobs/{job_id}/documents.zip"): TRADERS,
    ("GET", "/api/v1/rights/works/{key}"): RIGHTS_VIEW,
    ("GET", "/api/v1/rights/works/{key}/report"): RIGHTS_VIEW,
    ("POST", "/api/v1/rights/works/{key}/licence"): RIGHTS_OWNER,
    ("POST", "/api/v1/rights/works/{key}/transfer"): RIGHTS_OWNER,
    ("POST", "/api/v1/rights/works/{key}/pledge"): RIGHTS_PLEDGE,
    ("POST", "/api/v1/rights/works/{key}/pledge-registration"): RIGHTS_BANK,
    ("POST", "/api/v1/rights/works/{key}/consent"): RIGHTS_BANK,
    ("POST", "/api/v1/rights/works/{key}/release"): RIGHTS_BANK,
    ("GET", "/works/{key}/rights"): RIGHTS_VIEW,
    ("GET", "/works/{key}/rights/report"): RIGHTS_VIEW,
    ("POST", "/works/{key}/rights/licence"): RIGHTS_OWNER,
    ("POST", "/works/{key}/rights/transfer"): RIGHTS_OWNER,
    ("POST", "/works/{key}/rights/pledge"): RIGHTS_PLEDGE,
    ("POST", "/works/{key}/rights/pledge-registration"): RIGHTS_BANK,
    ("POST", "/works/{key}/rights/consent"): RIGHTS_BANK,
    ("POST", "/works/{key}/rights/release"): RIGHTS_BANK,
    ("GET", "/rights/watch"): frozenset({"bank_officer"}),
    ("GET", "/api/v1/rights/watch"): frozenset({"bank_officer"}),
    ("GET", "/rights/pledges"): frozenset({"bank_officer"}),
    ("GET", "/api/v1/rights/pledges"): frozenset({"bank_officer"}),
}


def app_routes(routes, prefix: str = "") -> set[tuple[str, str]]:
    """(method, path) of every route, included routers' too (FastAPI keeps those nested)."""
    found = set()
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            found |= app_routes(included.routes, prefix + route.include_context.prefix)
        elif isinstance(route, APIRoute | Route):
            found |= {(m, prefix + route.path) for m in route.methods or () if m != "HEAD"}
    return found


def test_the_matrix_names_every_route(site):
    assert app_routes(site.client.app.routes) == set(MATRIX)


@dataclass
class World:
    site: object
    works: dict[str, object]  # state -> WorkInfo
    prior_art_id: int
    spare_user_id: int
    case_id: int = 0  # the owner's case, its notice delivered
    lead_id: int = 0  # the owner's open lead on the registered work
    case_token: str = ""  # the respondent's


@pytest.fixture
def world(library_site, print_png) -> World:
    site = library_site
    owner = site.account("owner", "applicant", party="柯桥花样工作室")
    for role in PEOPLE[2:]:
        party = {"bank_officer": BANK, "judge": JUDGE}.get(role)
        site.account(role, role, **({"party": party} if party else {}))
    deciding = site.account("reviewer-2", "reviewer")
    registry = site.state.registry
    works = {}
    for seed, state in zip((41, 42, 43), STATES, strict=True):
        work_id = site.file_application(print_png(seed), owner, title=f"work {state}")
        if state != "pending":
            registry.filing.decide(
                work_id,
                approve=state == "registered",
                reviewer=deciding.subject,
                reason=None if state == "registered" else "not original",
            )
        works[state] = registry.queries.show(str(work_id))
    _pledge(site, works["registered"].id)
    prior_art = registry.queries.show("P-1")  # the library's one prior-art photo
    spare = site.account("spare", "applicant")
    dispute = _dispute(site, works["registered"].id)
    return World(site, works, prior_art.id, spare.id, *dispute)


def _pledge(site, work_id: int) -> None:
    """The bank officer's bank applies for a pledge of the registered work."""
    from fangdu.rights.services import Document, keqiao_today

    today = keqiao_today()
    site.state.core.rights.pledge(
        [str(work_id)],
        pledgee=BANK,
        applied_on=today,
        secured_claim="loan",
        amount="1",
        debtor_term_ends=today + dt.timedelta(days=365),
        scope="all",
        security_term="1 year",
        documents=[
            Document(role, b"%PDF-1.4\n")
            for role in ("main_contract", "pledge_contract", "pledgor_id", "pledgee_id")
        ],
        signed_by=["柯桥花样工作室", BANK],
    )


def _who(site, person: str, api: bool) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, cookies) of ``person``, freshly signed in (a route may sign them out)."""
    if person == "anonymous":
        return {}, {}
    accounts = site.state.accounts
    account = accounts.by_username(person)
    if api:
        token = accounts.issue_api_token(account.id, "matrix")
        return {"authorization": f"Bearer {token}"}, {}
    return {}, {SESSION_COOKIE: accounts.start_session(account.id, lifetime=dt.timedelta(hours=1))}


CSRF = "m" * 43


def _request(world: World, person: str, method: str, path: str, work) -> int:
    site = world.site
    client = site.client
    api = path.startswith("/api/v1/") and "openapi" not in path
    headers, cookies = _who(site, person, api)
    size = site.state.registry.ledger.size()
    values = {
        # A job of the person's own party (other parties' jobs: tests/web/test_schedule.py).
        "job_id": _own_job(site, person, path),
        "row": 2,
        "code": "zh",
        "user_id": world.spare_user_id,
        "prior_art_id": world.prior_art_id,
        "path": f"0/000.p/{size}",
        "work_id": work.id if work else 0,
        "key": work.id if work else 0,
        "number": (work.registration_no if work else None) or "FD-2026-9999999",
        "case_id": world.case_id,
        "lead_id": world.lead_id,
    }
    url = path
    for name, value in values.items():
        url = url.replace(f"{{{name}}}", str(value)).replace(f"{{{name}:path}}", str(value))
    if path == "/api/v1/proofs/inclusion":
        url += "?index=0"
    if path == "/api/v1/proofs/consistency":
        url += "?old=1"
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)
    if method in ("GET", "HEAD"):
        response = client.request(method, url, headers=headers, follow_redirects=False)
        if method == "HEAD":
            assert not response.content, (person, url)
    else:
        client.cookies.set(CSRF_COOKIE, CSRF)
        data: dict[str, str] = {"csrf_token": CSRF}
        files = None
        if path == "/login":
            data |= {"username": "spare" if person == "anonymous" else person, "password": PASSWORD}
        elif path == "/register-account":
            data |= {"username": "newcomer", "password": PASSWORD, "password2": "different"}
        elif path == "/account/party" and person != "anonymous":
            # The same name again: a new one would need verifying and change later answers.
            data |= {"party": site.state.accounts.by_username(person).party_claim or ""}
        elif path.startswith("/respond"):
            data |= {"case": str(world.case_id), "token": world.case_token}
        elif path.endswith("/check"):
            files = {"image" if not api else "file": ("x.png", b"not an image", "image/png")}
        if path.startswith("/api/v1/works/") and path.endswith("/decision"):
            response = client.post(url, headers=headers, json={})  # invalid: 422 if allowed
        else:
            response = client.post(
                url, headers=headers, data=data, files=files, follow_redirects=False
            )
    client.cookies.clear()
    assert response.status_code < 500, (person, method, url, response.text)
    return response.status_code


DENIED = {401, 403, 404}


def _own_job(site, person: str, path: str) -> str:
    """A job in ``person``'s own folder for a route about a job, whatever their role."""
    if "{job_id}" not in path or person == "anonymous":
        return "no-such-job"
    from fangdu.dyehouse.tables import sample_tables
    from fangdu.trade.models import TradeSettings
    from fangdu.web.pages.trade import run_check, sample_with_mistakes
    from fangdu.web.workspace import Workspace, owner_key

    account = site.state.accounts.by_username(person)
    workspace = Workspace(site.settings.resolved_home() / "workspaces")
    owner = owner_key(account)
    if "/trade" not in path:
        files = {"tables.json": sample_tables(4, 2, 2).model_dump_json().encode()}
        return workspace.create("schedule", owner, files, {"label": "matrix"})
    job = workspace.create("trade", owner, {"goods.csv": sample_with_mistakes(3, 1)}, {})
    run_check(workspace.folder("trade", owner, job), TradeSettings())
    return job


def _dispute(site, work_id: int) -> tuple[int, int, str]:
    """The owner watches the registered work; two market copies of it give two leads; one
    becomes a case, reviewed and noticed. (case id, the other lead's id, the case token)."""
    import io

    import numpy as np
    from PIL import Image

    from fangdu.disputes.services import Capture, CaptureContext

    disputes = site.state.core.disputes
    disputes.watch(f"W-{work_id}", "柯桥花样工作室")
    blobs = site.state.blobs
    rgb = np.asarray(
        Image.open(io.BytesIO(blobs.get(site.state.queries.show(str(work_id)).sha256)))
    )
    for merchant, quality in (("某布行", 92), ("新新布行", 90)):
        buffer = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(rgb[:, ::-1, :3])).save(
            buffer, "JPEG", quality=quality
        )
        disputes.import_sightings(
            [Capture("stall.jpg", buffer.getvalue())],
            CaptureContext("轻纺城", merchant, disputes.today(), "柯桥花样工作室"),
        )
    leads = disputes.run().leads
    case = disputes.open_case(leads[0].id, "柯桥花样工作室")
    disputes.review(case.id, "审核员", "proceed")
    sent, _ = disputes.send_notice(case.id, "柯桥花样工作室", metres=10)
    disputes.assign_judge(case.id, JUDGE, "柯桥区人民法院", "立案庭")
    assert sent.token is not None
    return case.id, leads[1].id, sent.token


def test_every_route_every_role_every_state(world):
    wrong = []
    for (method, path), rule in MATRIX.items():
        cases = (
            [(state, world.works[state], people) for state, people in rule.items()]
            if isinstance(rule, dict)
            else [(None, None, rule)]
        )
        if isinstance(rule, dict):
            # A state the route does not serve is denied to all.
            cases += [
                (state, world.works[state], frozenset()) for state in STATES if state not in rule
            ]
        for state, work, people in cases:
            for person in PEOPLE:
                status = _request(world, person, method, path, work)
                if (status not in DENIED) != (person in people):
                    wrong.append(f"{person} {method} {path} [{state}] -> {status}")
    assert not wrong, "\n".join(wrong)


def test_other_applicants_never_learn_of_an_application(world):
    """Denied unpublished records look exactly like missing ones."""
    pending = world.works["pending"]
    for path in (
        f"/works/{pending.id}/original",
        f"/works/{pending.id}/preview.jpg",
        f"/applications/{pending.id}",
        f"/api/v1/works/{pending.id}",
    ):
        for person in ("applicant", "mediator", "judge", "bank_officer"):
            assert _request(world, person, "GET", path, pending) == 404, (person, path)


def test_every_get_route_answers_head_as_it_answers_get(world):
    """Link checkers, monitors and caches use HEAD (issue 12 #12)."""
    for (method, path), rule in MATRIX.items():
        if method != "GET":
            continue
        for work in [world.works[s] for s in STATES] if isinstance(rule, dict) else [None]:
            for person in ("anonymous", "admin"):
                got = _request(world, person, "GET", path, work)
                assert _request(world, person, "HEAD", path, work) == got, (person, path)
