"""Disputes (issue 16, docs/DISPUTES.md) in the browser: the owner's monitor upload and leads,
the case page both sides read (every state change with its log entry), the reviewer's decision
with its reason code, the warning letter, the respondent's answer by case token, closing, and
the court package. Everything goes through the disputes service; who may do what is asked of
``fangdu.web.policy.case_allowed``."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from fangdu.accounts import Account
from fangdu.disputes.court import build_court_package, zip_court_package
from fangdu.disputes.services import (
    OUTCOMES,
    RESPONSES,
    REVIEW_REASONS,
    CaptureContext,
    CaseInfo,
    DisputeService,
)
from fangdu.disputes.services import Capture as DisputeCapture
from fangdu.errors import InputError, NotFound
from fangdu.web.i18n import N_
from fangdu.web.pages.common import attachment, redirect, render
from fangdu.web.policy import CaseAction, CaseFacts, case_allowed, has_cases
from fangdu.web.problems import LoginRequired, forbidden
from fangdu.web.security import verify_csrf
from fangdu.web.state import RecordId, app_state, current_account
from fangdu.web.uploads import display_name, read_upload

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

MAX_BATCH = 20  # photos in one monitor upload
REASON_LABELS = {
    "proceed": N_("Proceed: a copy, the notice may go out"),
    "not_copy": N_("Not a copy"),
    "licensed": N_("Licensed"),
    "prior_art": N_("Prior art"),
    "de_minimis": N_("De minimis"),
}
ANSWER_LABELS = {
    "licence": N_("Show a licence"),
    "invoice": N_("Show a supplier's invoice (legal source)"),
    "dispute": N_("Dispute the claim, with reasons"),
    "accept_mediation": N_("Accept mediation"),
    "accept_licence_offer": N_("Accept the licence offer"),
}
CASE_STATE_LABELS = {
    "draft": N_("Draft: waiting for review"),
    "reviewed": N_("Reviewed: the notice may go out"),
    "notice_sent": N_("Notice sent"),
    "responded": N_("The respondent answered"),
    "licensed": N_("Closed: licensed"),
    "paid_and_removed": N_("Closed: paid and removed"),
    "mediation": N_("In mediation"),
    "litigation": N_("In litigation"),
    "withdrawn": N_("Withdrawn"),
    "rejected": N_("Rejected at review"),
}
LEAD_STATUS_LABELS = {
    "open": N_("Open"),
    "licensed": N_("Closed: licensed"),
    "case": N_("Case opened"),
    "dismissed": N_("Dismissed"),
}
FLAG_LABELS = {
    "prior_use": N_("Prior use: the design was on sale before the registration"),
    "own_purchase": N_("Only the claimant's own purchase"),
    "independent_sighting_first": N_("An independent sighting came first"),
    "after_notice": N_("Seen after a notice"),
}
OUTCOME_LABELS = {
    "licensed": N_("Licensed"),
    "paid_and_removed": N_("Paid and removed"),
    "litigation": N_("Litigation"),
    "withdrawn": N_("Withdrawn"),
}
LABELS = {
    "REASON_LABELS": REASON_LABELS,
    "ANSWER_LABELS": ANSWER_LABELS,
    "CASE_STATE_LABELS": CASE_STATE_LABELS,
    "LEAD_STATUS_LABELS": LEAD_STATUS_LABELS,
    "FLAG_LABELS": FLAG_LABELS,
    "OUTCOME_LABELS": OUTCOME_LABELS,
    "REVIEW_REASONS": REVIEW_REASONS,
    "RESPONSES": RESPONSES,
    "OUTCOMES": tuple(OUTCOMES),
}


def _disputes(request: Request) -> DisputeService:
    return app_state(request).core.disputes


def _signed_in(request: Request) -> Account:
    account = current_account(request)
    if account is None:
        raise LoginRequired()
    return account


SignedIn = Annotated[Account, Depends(_signed_in)]


def _claimant(request: Request) -> Account:
    """An owner acting for their party (checked before the form is read)."""
    account = _signed_in(request)
    if not case_allowed(account, CaseAction.CLAIM):
        raise forbidden()
    assert account.verified_party is not None
    return account


def _case_person(request: Request) -> Account:
    """Anyone whose role or party has some business with cases."""
    account = _signed_in(request)
    if not has_cases(account):
        raise forbidden()
    return account


Claimant = Annotated[Account, Depends(_claimant)]
CasePerson = Annotated[Account, Depends(_case_person)]


def _case(request: Request, account: Account, case_id: int, action: CaseAction) -> CaseInfo:
    """The case, if ``account`` may do ``action`` on it. A case they may not see is not found
    (its existence is not confirmed); one they see but may not act on is 403."""
    disputes = _disputes(request)
    try:
        case = next(c for c in disputes.cases() if c.id == case_id)
    except StopIteration:
        raise NotFound(f"no case C-{case_id}") from None
    facts = _facts(request, case)
    if case_allowed(account, action, facts):
        return case
    if not case_allowed(account, CaseAction.VIEW_CASE, facts):
        raise NotFound(f"no case C-{case_id}")
    raise forbidden()


def _facts(request: Request, case: CaseInfo) -> CaseFacts:
    court = case.details.get("court") or {}
    return CaseFacts(case.claimant, case.agent, _mediator(request, case), court.get("judge"))


def _mediator(request: Request, case: CaseInfo) -> str | None:
    """The mediator assigned to the case (none before mediation)."""
    record = _disputes(request).mediation.record(case.id)
    return record["mediator"] if record else None


def _today(request: Request) -> dt.date:
    return _disputes(request).today()


# -- the owner's page: watchlist, monitor upload, leads, own cases -----------------------------


def _dashboard(
    request: Request,
    account: Account,
    *,
    imported: list[Any] | None = None,
    new_leads: int | None = None,
    error: str | None = None,
    detail: str | None = None,
    status: int = 200,
) -> Response:
    disputes = _disputes(request)
    claims = case_allowed(account, CaseAction.CLAIM)
    party = account.verified_party
    overrides = case_allowed(account, CaseAction.OVERRIDE)
    if claims and party is not None:
        leads = disputes.leads_of(party)
        cases = disputes.cases_of(party)
    else:
        sees_leads = overrides or case_allowed(account, CaseAction.DECIDE_CASE)
        leads = disputes.leads() if sees_leads else []
        # Each case asked of the policy: a mediator or judge sees only those assigned to them.
        cases = [
            c
            for c in disputes.cases()
            if case_allowed(account, CaseAction.VIEW_CASE, _facts(request, c))
        ]
    return render(
        request,
        "disputes.html",
        {
            **LABELS,
            "claims": claims,
            "overrides": overrides,
            "abuse_report": case_allowed(account, CaseAction.ABUSE_REPORT),
            "leads": leads,
            "cases": cases,
            "imported": imported,
            "new_leads": new_leads,
            "error": error,
            "detail": detail,
            "today": _today(request),
        },
        status=status,
    )


@router.get("/disputes")
def dashboard(request: Request, account: CasePerson) -> Response:
    return _dashboard(request, account)


@router.post("/disputes/watch")
def watch(
    request: Request,
    account: Claimant,
    work: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        _disputes(request).watch(work.strip(), account.verified_party)
    except (InputError, NotFound) as exc:
        return _dashboard(
            request, account, error=N_("The work was not put on the watchlist."), detail=str(exc),
            status=409,
        )  # fmt: skip
    return redirect("/disputes")


@router.post("/disputes/monitor")
def monitor(
    request: Request,
    account: Claimant,
    photos: Annotated[list[UploadFile], File()],
    source: Annotated[str, Form(max_length=300)] = "",
    merchant: Annotated[str, Form(max_length=200)] = "",
    seen: Annotated[str, Form(max_length=10)] = "",
    device: Annotated[str, Form(max_length=100)] = "",
    own_purchase: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """A batch of market photos → sightings (each logged), then a monitor run → leads."""
    disputes = _disputes(request)
    limit = app_state(request).core.settings.max_image_bytes
    try:
        seen_on = dt.date.fromisoformat(seen)
    except ValueError:
        return _dashboard(
            request, account, error=N_("Give the day the photos were taken."), status=400
        )
    if len(photos) > MAX_BATCH:
        return _dashboard(request, account, error=N_("At most 20 photos in one batch."), status=400)
    captures = [DisputeCapture(display_name(p), read_upload(p, limit)) for p in photos]
    try:
        lines = disputes.import_sightings(
            captures,
            CaptureContext(
                source=source,
                merchant=merchant,
                seen_on=seen_on,
                captured_by=account.verified_party,
                device=device.strip() or None,
                own_purchase=own_purchase == "on",
            ),
            channel="web",
        )
    except InputError as exc:
        return _dashboard(
            request, account, error=N_("The batch was refused."), detail=str(exc), status=400
        )
    report = disputes.run()
    return _dashboard(request, account, imported=lines, new_leads=len(report.leads))


@router.post("/disputes/leads/{lead_id}/case")
def open_case(request: Request, lead_id: RecordId, account: Claimant) -> Response:
    """The owner opens a case on their open lead; the title check comes first."""
    return _open_case(request, account, lead_id)


@router.post("/disputes/agent-case")
def open_agent_case(
    request: Request,
    account: Claimant,
    lead: Annotated[str, Form(max_length=12)] = "",
    agent: Annotated[str, Form(max_length=200)] = "",
    authorisation: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """The owner opens a case that their agent pursues: the agent acts only with the
    authorisation document, which the respondent sees (kept with the case)."""
    if not lead.strip().removeprefix("L-").isdigit():
        return _dashboard(request, account, error=N_("Choose a lead."), status=400)
    return _open_case(request, account, int(lead.strip().removeprefix("L-")), agent, authorisation)


def _open_case(
    request: Request,
    account: Account,
    lead_id: int,
    agent: str = "",
    authorisation: UploadFile | None = None,
) -> Response:
    disputes = _disputes(request)
    if lead_id not in {lead.id for lead in disputes.leads_of(account.verified_party)}:
        raise NotFound(f"no lead L-{lead_id}")
    document = None
    if authorisation is not None and (authorisation.filename or authorisation.size):
        document = read_upload(authorisation, app_state(request).core.settings.max_image_bytes)
    try:
        case = disputes.open_case(
            lead_id,
            account.verified_party,
            agent=agent.strip() or None,
            authorisation=document,
            channel="web",
        )
    except InputError as exc:
        return _dashboard(
            request, account, error=N_("No case was opened."), detail=str(exc), status=409
        )
    return redirect(f"/disputes/cases/{case.id}")


@router.post("/disputes/leads/{lead_id}/override")
def override(
    request: Request,
    lead_id: RecordId,
    account: SignedIn,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """A supervisor opens the case the title check or the abuse monitor held back, for the
    owner who watches the work; the override and its reason are in the opening entry."""
    if not case_allowed(account, CaseAction.OVERRIDE):
        raise forbidden()
    disputes = _disputes(request)
    try:
        claimant = disputes.claimant_of(lead_id)
        case = disputes.open_case(
            lead_id,
            claimant,
            override_by=_person(account),
            override_reason=reason.strip() or None,
            channel="web",
        )
    except InputError as exc:
        return _dashboard(
            request, account, error=N_("No case was opened."), detail=str(exc), status=409
        )
    return redirect(f"/disputes/cases/{case.id}")


@router.get("/disputes/abuse")
def abuse(request: Request, account: SignedIn) -> Response:
    """The market office's abuse monitor: per claimant, notices a week, the share withdrawn
    or lost, prior-art warnings, near-identical registrations; who needs a supervisor."""
    if not case_allowed(account, CaseAction.ABUSE_REPORT):
        raise forbidden()
    disputes = _disputes(request)
    return render(
        request,
        "dispute_abuse.html",
        {"profiles": disputes.abuse_report(), "limits": disputes.abuse_thresholds},
    )


# -- the case page ------------------------------------------------------------------------------


def _case_page(
    request: Request,
    account: Account | None,
    case: CaseInfo,
    *,
    token: str | None = None,
    respondent: bool = False,
    supplier_token: str | None = None,
    error: str | None = None,
    detail: str | None = None,
    status: int = 200,
) -> Response:
    facts = _facts(request, case)

    def may(action: str) -> bool:
        return not respondent and case_allowed(account, CaseAction(action), facts)

    record = _disputes(request).mediation.record(case.id)
    return render(
        request,
        "dispute_case.html",
        {
            **LABELS,
            "mediation": record,
            "board": _disputes(request).mediation.board(case.id) if record and respondent else None,
            "case": case,
            "token": token,
            "respondent": respondent,
            "supplier_token": supplier_token,
            "may_case": may,
            "error": error,
            "detail": detail,
            "notice_pdf": any(role == "notice" for role, _ in case.documents),
        },
        status=status,
    )


@router.get("/disputes/cases/{case_id}")
def case_page(request: Request, case_id: RecordId, account: SignedIn) -> Response:
    case = _case(request, account, case_id, CaseAction.VIEW_CASE)
    shown = _disputes(request).show(case.id, actor=f"web:{account.subject}")
    return _case_page(request, account, shown)


@router.post("/disputes/cases/{case_id}/review")
def review(
    request: Request,
    case_id: RecordId,
    account: SignedIn,
    reason: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The review gate: a named reviewer's decision with a reason code."""
    case = _case(request, account, case_id, CaseAction.DECIDE_CASE)
    if reason not in REVIEW_REASONS:
        return _case_page(request, account, case, error=N_("Choose a reason code."), status=400)
    try:
        _disputes(request).review(case.id, _person(account), reason, note)
    except InputError as exc:
        return _case_page(request, account, case, error=N_("Refused."), detail=str(exc), status=409)
    return redirect(f"/disputes/cases/{case.id}")


@router.post("/disputes/cases/{case_id}/notice")
def notice(
    request: Request,
    case_id: RecordId,
    account: SignedIn,
    metres: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """The claimant sends the warning letter (in the app); its token is shown once, here."""
    case = _case(request, account, case_id, CaseAction.CLAIM)
    try:
        sent, _letter = _disputes(request).send_notice(
            case.id, _person(account), metres=float(metres) if metres.strip() else None
        )
    except ValueError:
        return _case_page(
            request, account, case, error=N_("Give the metres sold as a number."), status=400
        )
    except InputError as exc:
        return _case_page(request, account, case, error=N_("Refused."), detail=str(exc), status=409)
    return _case_page(request, account, sent, token=sent.token)


@router.get("/disputes/cases/{case_id}/notice.pdf")
def notice_pdf(request: Request, case_id: RecordId, account: SignedIn) -> Response:
    case = _case(request, account, case_id, CaseAction.VIEW_CASE)
    digest = next((sha for role, sha in case.documents if role == "notice"), None)
    if digest is None:
        raise NotFound(f"C-{case.id} has no notice yet")
    return attachment(
        app_state(request).blobs.get(digest), "application/pdf", f"notice-C-{case.id}.pdf"
    )


@router.post("/disputes/cases/{case_id}/close")
def close(
    request: Request,
    case_id: RecordId,
    account: SignedIn,
    outcome: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    case = _case(request, account, case_id, CaseAction.DECIDE_CASE)
    try:
        _disputes(request).close(case.id, outcome, _person(account), reason)
    except InputError as exc:
        return _case_page(request, account, case, error=N_("Refused."), detail=str(exc), status=409)
    return redirect(f"/disputes/cases/{case.id}")


@router.get("/disputes/cases/{case_id}/court-package.zip")
def court_package(request: Request, case_id: RecordId, account: SignedIn) -> Response:
    """The BagIt court package as one zip (without-prejudice items never reach it)."""
    case = _case(request, account, case_id, CaseAction.COURT_PACKAGE)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / f"court-C-{case.id}"
        build_court_package(_disputes(request), case.id, folder, actor=f"web:{account.subject}")
        zip_court_package(folder, Path(tmp) / "court.zip")
        data = (Path(tmp) / "court.zip").read_bytes()
    return attachment(data, "application/zip", f"court-C-{case.id}.zip")


def _person(account: Account) -> str:
    """The name a decision is logged under: the party the account acts for, else its name."""
    return account.verified_party or account.display_name


# -- the respondent, by case token ----------------------------------------------------------


def _by_token(request: Request, case_id: str, token: str) -> CaseInfo:
    """The respondent's own case; a wrong token or case number opens nothing (404)."""
    if not case_id.strip().removeprefix("C-").isdigit() or not token.strip():
        raise NotFound("no case for that number and token")
    number = int(case_id.strip().removeprefix("C-"))
    try:
        return _disputes(request).show(number, token=token.strip(), actor="respondent")
    except InputError:
        raise NotFound("no case for that number and token") from None


def _respondent_only(request: Request, info: CaseInfo, token: str) -> None:
    """Signing and confirming performance are the respondent's, never a linked supplier's."""
    if _disputes(request).token_holder(info.id, token.strip()) != "respondent":
        raise forbidden()


@router.get("/respond")
def respond_form(request: Request) -> Response:
    """Where the respondent types the case number and token printed in the letter."""
    return render(request, "dispute_respond.html", {})


@router.post("/respond")
def respond_case(
    request: Request,
    case: Annotated[str, Form(max_length=24)] = "",
    token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """The case as the respondent sees it (the token stays in forms, never in an address)."""
    info = _by_token(request, case, token)
    return _case_page(request, None, info, token=token.strip(), respondent=True)


@router.post("/respond/answer")
def respond_answer(
    request: Request,
    case: Annotated[str, Form(max_length=24)] = "",
    token: Annotated[str, Form(max_length=100)] = "",
    answer: Annotated[str, Form(max_length=30)] = "",
    supplier: Annotated[str, Form(max_length=200)] = "",
    reasons: Annotated[str, Form(max_length=4000)] = "",
    document: Annotated[UploadFile | None, File()] = None,
) -> Response:
    info = _by_token(request, case, token)
    data = None
    if document is not None and (document.filename or document.size):
        data = read_upload(document, app_state(request).core.settings.max_image_bytes)
    try:
        answered = _disputes(request).respond(
            info.id,
            token.strip(),
            answer,
            document=data,
            supplier=supplier.strip() or None,
            reasons=reasons.strip() or None,
        )
    except InputError as exc:
        return _case_page(
            request, None, info, token=token.strip(), respondent=True,
            error=N_("Refused."), detail=str(exc), status=409,
        )  # fmt: skip
    return _case_page(
        request, None, answered, token=token.strip(), respondent=True,
        supplier_token=answered.supplier_token,
    )  # fmt: skip


# -- mediation (调解) -------------------------------------------------------------------------
# The board with its without-prejudice transcript (在线调解规则 Art 18) is shown here only: to
# the parties, the mediator assigned and the mediation centre; never on the case page, never
# to the reviewer or the judge.

ART29_LABELS = {
    "facts": N_("Facts"),
    "disputed_items": N_("Disputed items"),
    "responsibilities": N_("Responsibilities"),
    "terms": N_("Terms"),
    "performance_manner": N_("Manner of performance"),
    "performance_deadline": N_("Time of performance (a date)"),
    "performance_place": N_("Place of performance"),
}
MEDIATION_OUTCOME_LABELS = {
    "stop_selling": N_("Stop selling"),
    "destroy_stock": N_("Destroy the stock"),
    "pay_instalments": N_("Pay in instalments"),
    "apologise": N_("Apologise"),
    "convert_to_licence": N_("Convert to a licence"),
}


def _mediation_context(request: Request, case: CaseInfo) -> dict[str, Any]:
    mediation = _disputes(request).mediation
    record = mediation.record(case.id)
    return {
        "mediation": record,
        "board": mediation.board(case.id) if record else None,
        "status": mediation.status(case.id, _today(request)) if record else None,
        # The 司法确认 pre-check, shown before the package is asked for (人民调解法 Art 33).
        "precheck": (
            mediation.precheck(case.id, _today(request))
            if record and record["effective_on"]
            else None
        ),
        "roster": mediation.roster(),
        "ART29_LABELS": ART29_LABELS,
        "MEDIATION_OUTCOME_LABELS": MEDIATION_OUTCOME_LABELS,
    }


def _mediation_page(
    request: Request,
    account: Account,
    case: CaseInfo,
    *,
    error: str | None = None,
    detail: str | None = None,
    status: int = 200,
) -> Response:
    facts = _facts(request, case)
    return render(
        request,
        "dispute_mediation.html",
        {
            **LABELS,
            **_mediation_context(request, case),
            "case": case,
            "may_case": lambda action: case_allowed(account, CaseAction(action), facts),
            "party": account.verified_party,
            "error": error,
            "detail": detail,
        },
        status=status,
    )


def _mediation_step(
    request: Request, account: Account, case_id: int, action: CaseAction, step: Any
) -> Response:
    case = _case(request, account, case_id, action)
    try:
        step(case)
    except (InputError, NotFound) as exc:
        return _mediation_page(
            request, account, case, error=N_("Refused."), detail=str(exc), status=409
        )
    return redirect(f"/disputes/cases/{case.id}/mediation")


def _respondent_step(request: Request, case: str, token: str, step: Any) -> Response:
    """One of the respondent's mediation steps, by case token: the case page again, with the
    refusal when the step is refused."""
    info = _by_token(request, case, token)
    _respondent_only(request, info, token)
    try:
        step(info)
    except InputError as exc:
        return _case_page(
            request, None, info, token=token.strip(), respondent=True,
            error=N_("Refused."), detail=str(exc), status=409,
        )  # fmt: skip
    return _case_page(
        request, None, _by_token(request, case, token), token=token.strip(), respondent=True
    )


@router.get("/disputes/cases/{case_id}/mediation")
def mediation_page(request: Request, case_id: RecordId, account: SignedIn) -> Response:
    case = _case(request, account, case_id, CaseAction.MEDIATION)
    return _mediation_page(request, account, case)


@router.post("/disputes/cases/{case_id}/mediation/intake")
def mediation_intake(
    request: Request,
    case_id: RecordId,
    account: SignedIn,
    claimant_address: Annotated[str, Form(max_length=200)] = "",
    respondent_address: Annotated[str, Form(max_length=200)] = "",
    claimant_consents: Annotated[str, Form(max_length=4)] = "",
    identities_checked: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """The mediation centre's intake: both consents, service addresses, identities checked."""
    checked = ["claimant", "respondent"] if identities_checked == "on" else []
    return _mediation_step(
        request,
        account,
        case_id,
        CaseAction.MEDIATION_DESK,
        lambda case: _disputes(request).mediation.intake(
            case.id,
            on=_today(request),
            addresses={"claimant": claimant_address, "respondent": respondent_address},
            consents=["claimant"] if claimant_consents == "on" else [],
            identities_checked=checked,
        ),
    )


@router.post("/disputes/cases/{case_id}/mediation/assign")
def mediation_assign(
    request: Request,
    case_id: RecordId,
    account: SignedIn,
    mediator: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    return _mediation_step(
        request,
        account,
        case_id,
        CaseAction.MEDIATION_DESK,
        lambda case: _disputes(request).mediation.assign(
            case.id, mediator.strip(), _today(request)
        ),
    )


@router.post("/disputes/cases/{case_id}/mediation/accept")
def mediation_accept(
    request: Request,
    case_id: RecordId,
    account: SignedIn,
    conflicts: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The mediator assigned discloses conflicts (a disclosed one sets them aside) or accepts."""
    return _mediation_step(
        request,
        account,
        case_id,
        CaseAction.MEDIATE,
        lambda case: _disputes(request).mediation.accept(
            case.id,
            account.verified_party or "",
            _today(request),
            conflicts=conflicts.strip() or None,
        ),
    )


@router.post("/disputes/cases/{case_id}/mediation/agreement")
async def mediation_agreement(request: Request, case_id: RecordId, account: SignedIn) -> Response:
    """The mediator drafts the agreement: every 人民调解法 Art 29 field and an outcome."""
    form = await request.form()
    fields = {name: str(form.get(name, ""))[:4000] for name in ART29_LABELS}
    outcome = str(form.get("outcome", ""))[:30]
    instalments = []
    for line in str(form.get("instalments", ""))[:4000].splitlines():
        due, _, amount = line.strip().partition(" ")
        if not line.strip():
            continue
        try:
            instalments.append((dt.date.fromisoformat(due), amount.strip()))
        except ValueError:
            instalments.append((dt.date.min, ""))  # refused below, with the others
    if any(due == dt.date.min or not amount for due, amount in instalments):
        case = await run_in_threadpool(_case, request, account, case_id, CaseAction.MEDIATE)
        return await run_in_threadpool(
            _mediation_page, request, account, case,
            error=N_("Each instalment is a line: the date due, a space, the amount."), status=400,
        )  # fmt: skip
    return await run_in_threadpool(
        _mediation_step,
        request,
        account,
        case_id,
        CaseAction.MEDIATE,
        lambda case: _disputes(request).mediation.agree(case.id, fields, outcome, instalments),
    )


@router.post("/disputes/cases/{case_id}/mediation/sign")
def mediation_sign(request: Request, case_id: RecordId, account: SignedIn) -> Response:
    """The claimant or the mediator signs the agreement with their key (under their party)."""
    return _mediation_step(
        request,
        account,
        case_id,
        CaseAction.MEDIATION,
        lambda case: _disputes(request).mediation.sign(
            case.id, account.verified_party or account.display_name, _today(request)
        ),
    )


@router.post("/respond/mediation/sign")
def respondent_signs(
    request: Request,
    case: Annotated[str, Form(max_length=24)] = "",
    token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """The respondent signs the agreement, by case token."""
    return _respondent_step(
        request,
        case,
        token,
        lambda info: _disputes(request).mediation.sign(info.id, info.respondent, _today(request)),
    )


@router.get("/disputes/cases/{case_id}/mediation/confirm-package.zip")
def confirmation_package(request: Request, case_id: RecordId, account: SignedIn) -> Response:
    """The 司法确认 application package, written only when its pre-check passes (人民调解法
    Art 33); otherwise the mediation page names each failed check."""
    case = _case(request, account, case_id, CaseAction.MEDIATION)
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / f"confirm-C-{case.id}.zip"
        try:
            _disputes(request).mediation.confirmation_package(case.id, _today(request), output)
        except (InputError, NotFound) as exc:
            return _mediation_page(
                request, account, case, error=N_("Refused."), detail=str(exc), status=409
            )
        data = output.read_bytes()
    return attachment(data, "application/zip", f"confirm-C-{case.id}.zip")


@router.post("/disputes/cases/{case_id}/mediation/extend")
def mediation_extend(
    request: Request,
    case_id: RecordId,
    account: SignedIn,
    days: Annotated[str, Form(max_length=4)] = "",
    claimant_consents: Annotated[str, Form(max_length=4)] = "",
    respondent_consents: Annotated[str, Form(max_length=4)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The mediator assigned records an extension, only with both parties' consent."""
    consents = [
        role
        for role, given in (("claimant", claimant_consents), ("respondent", respondent_consents))
        if given == "on"
    ]
    return _mediation_step(
        request,
        account,
        case_id,
        CaseAction.MEDIATE,
        lambda case: _disputes(request).mediation.extend(
            case.id, int(days) if days.strip().isdigit() else 0, consents, reason.strip()
        ),
    )


@router.post("/disputes/cases/{case_id}/mediation/performed")
def mediation_performed(
    request: Request,
    case_id: RecordId,
    account: SignedIn,
    instalment: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """The claimant confirms an instalment was paid (logged once both sides have)."""
    return _mediation_step(
        request,
        account,
        case_id,
        CaseAction.CLAIM,
        lambda case: _disputes(request).mediation.performed(
            case.id, int(instalment) if instalment.isdigit() else 0, case.claimant
        ),
    )


@router.post("/respond/mediation/performed")
def respondent_performed(
    request: Request,
    case: Annotated[str, Form(max_length=24)] = "",
    token: Annotated[str, Form(max_length=100)] = "",
    instalment: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """The respondent confirms an instalment was paid, by case token."""
    return _respondent_step(
        request,
        case,
        token,
        lambda info: _disputes(request).mediation.performed(
            info.id, int(instalment) if instalment.isdigit() else 0, info.respondent
        ),
    )


# -- the court (司法): the judge assigned to the case, and the desk that enters assignments ----


@router.post("/disputes/cases/{case_id}/judge")
def assign_judge(
    request: Request,
    case_id: RecordId,
    account: SignedIn,
    judge: Annotated[str, Form(max_length=200)] = "",
    court: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The court's assignment of the case to a judge, entered from its notice."""
    case = _case(request, account, case_id, CaseAction.COURT_DESK)
    try:
        _disputes(request).assign_judge(case.id, judge, court, _person(account))
    except InputError as exc:
        return _case_page(request, account, case, error=N_("Refused."), detail=str(exc), status=409)
    return redirect(f"/disputes/cases/{case.id}")


def _judge_page(
    request: Request,
    account: Account,
    case: CaseInfo,
    *,
    error: str | None = None,
    detail: str | None = None,
    status: int = 200,
) -> Response:
    disputes = _disputes(request)
    return render(
        request,
        "dispute_judge.html",
        {
            **LABELS,
            "case": case,
            "rerun": disputes.rerun(case.id, actor=f"web:{account.subject}"),
            "worksheet": disputes.damages_worksheet(case.id),
            "error": error,
            "detail": detail,
        },
        status=status,
    )


@router.get("/disputes/cases/{case_id}/court")
def judge_page(request: Request, case_id: RecordId, account: SignedIn) -> Response:
    """The judge's read-only tools: the comparison run again with the recorded model version
    beside it, and the advisory damages worksheet (著作权法 Art 54)."""
    case = _case(request, account, case_id, CaseAction.JUDGE)
    return _judge_page(request, account, case)


@router.post("/disputes/cases/{case_id}/hold")
def hold(
    request: Request,
    case_id: RecordId,
    account: SignedIn,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """A litigation hold: the records concerned are frozen until the judgement."""
    case = _case(request, account, case_id, CaseAction.JUDGE)
    try:
        held = _disputes(request).hold(case.id, _person(account), reason.strip())
    except InputError as exc:
        return _judge_page(
            request, account, case, error=N_("Refused."), detail=str(exc), status=409
        )
    return _judge_page(request, account, held)


@router.post("/disputes/cases/{case_id}/judgement")
def judgement(
    request: Request,
    case_id: RecordId,
    account: SignedIn,
    number: Annotated[str, Form(max_length=100)] = "",
    outcome: Annotated[str, Form(max_length=2000)] = "",
    damages: Annotated[str, Form(max_length=20)] = "",
    document: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """The judgement, entered by the judge assigned; logged as ``judgement``."""
    case = _case(request, account, case_id, CaseAction.JUDGE)
    data = None
    if document is not None and (document.filename or document.size):
        data = read_upload(document, app_state(request).core.settings.max_image_bytes)
    try:
        if data is None:
            raise InputError("the judgement's document is needed")
        entered = _disputes(request).judgement(
            case.id,
            court=(case.details.get("court") or {}).get("court", ""),
            number=number,
            on=_today(request),
            outcome=outcome,
            damages_yuan=float(damages) if damages.strip() else None,
            document=data,
            by=_person(account),
        )
    except ValueError:
        return _judge_page(
            request, account, case, error=N_("Give the damages as a number."), status=400
        )
    except InputError as exc:
        return _judge_page(
            request, account, case, error=N_("Refused."), detail=str(exc), status=409
        )
    return _judge_page(request, account, entered)
