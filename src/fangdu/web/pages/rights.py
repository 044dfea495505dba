"""A registered work's rights page (docs/RIGHTS.md): owners, licences and pledges in force on a
day, the history with its log entries; the owner's forms for a licence or a transfer, the bank
officer's for its pledge (application, national number, consent, release) and the
due-diligence report. Who sees which form is the policy's answer (``web.rights``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from fangdu.accounts import Account
from fangdu.errors import Conflict, InputError
from fangdu.rights.law import PLEDGE_CONDITIONAL, PLEDGE_DOCUMENTS, PROCEEDS, RIGHTS, WORLDWIDE
from fangdu.rights.services import keqiao_today
from fangdu.web import rights as web_rights
from fangdu.web.i18n import N_
from fangdu.web.pages.common import redirect, render
from fangdu.web.policy import Action
from fangdu.web.rights import RightsAccess, access, day, names, signers
from fangdu.web.rights_api import portfolio, report_bytes, report_response, watch_feed
from fangdu.web.security import verify_csrf
from fangdu.web.state import require

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

Viewer = Annotated[RightsAccess, Depends(access(Action.VIEW_RIGHTS, api=False))]
Owner = Annotated[RightsAccess, Depends(access(Action.RECORD_RIGHTS, api=False))]
Bank = Annotated[RightsAccess, Depends(access(Action.PLEDGE, api=False))]
# A pledge application: the bank's officer, or an owner naming its bank.
PledgeFiler = Annotated[
    RightsAccess, Depends(access(Action.PLEDGE, Action.RECORD_RIGHTS, api=False))
]
Text = Annotated[str, Form(max_length=2000)]
OptionalFile = Annotated[UploadFile | None, File()]

ACTION_LABELS = {
    "transfer": N_("Transfer"),
    "licence": N_("Licence"),
    "pledge": N_("Pledge application"),
    "pledge_registration": N_("Pledge registered nationally"),
    "consent": N_("Pledgee's consent"),
    "pledge_release": N_("Pledge released"),
    "pledge_withdrawal": N_("Pledge withdrawn"),
    "pledge_change": N_("Pledge changed"),
    "pledge_transfer": N_("Pledge transferred"),
}
WATCH_LABELS = {
    **ACTION_LABELS,
    "transfer_attempt_refused": N_("Transfer attempted without consent: refused"),
    "licence_attempt_refused": N_("Licence attempted without consent: refused"),
}
HOLDING_ROLES = {
    "owner": N_("Owner"),
    "exclusive_licensee": N_("Exclusive licensee"),
    "non_exclusive_licensee": N_("Non-exclusive licensee"),
    "pledgee": N_("Pledgee"),
}
PLEDGE_STATUS = {
    "pending_legal_registration": N_("Pending national registration"),
    "in_force": N_("In force"),
    "released": N_("Released"),
    "withdrawn": N_("Withdrawn"),
    "ended": N_("Carried to another pledgee"),
}
SIGNATURE_BASIS = {
    "account": N_("signed in as itself"),
    "operator": N_("stated by the registry's operator from the signed contract"),
    "declared": N_("declared by the submitter; the registry has not seen this signature made"),
}
DOCUMENT_LABELS = {
    "main_contract": N_("Main (loan) contract"),
    "pledge_contract": N_("Pledge contract"),
    "pledgor_id": N_("Pledgor's ID"),
    "pledgee_id": N_("Pledgee's ID"),
    "co_owner_consent": N_("Co-owners' consent"),
    "prior_licences": N_("Licences granted before the pledge"),
    "valuation_report": N_("Valuation report"),
}


def _page(
    request: Request,
    you: RightsAccess,
    *,
    as_of: dt.date | None = None,
    error: str | None = None,
    done: int | None = None,
    status: int = 200,
) -> Response:
    service = web_rights.rights(request)
    view = web_rights.shown(
        you.account, service.show(you.key, as_of) if as_of is not None else you.view
    )
    names_ = view.names
    history = []
    for record, action, on in view.records:
        info = service.record(record)
        signed = [
            (names_.get(s["party"], s["party"][:12] + "…"), s["basis"])
            for s in info.facts.get("signature_basis", ())
        ]
        history.append((record, action, on, info.log_indices, signed))
    own_pledges = [
        h.record
        for h in (*view.standing.pledges, *view.standing.pending_pledges)
        if you.account.verified_party is not None
        and names_.get(h.party) == you.account.verified_party
    ]
    today = keqiao_today()
    return render(
        request,
        "rights.html",
        {
            "work": you.work,
            "view": view,
            "standing": view.standing,
            "names": names_,
            "history": history,
            "as_of": view.standing.on,
            "today": today,
            "error": error,
            "done": done,
            "may_record": web_rights.may(you.account, Action.RECORD_RIGHTS, you.work, you.view),
            "may_pledge": web_rights.may(you.account, Action.PLEDGE, you.work, you.view),
            "own_pledges": own_pledges,
            "pending_ids": [h.record for h in view.standing.pending_pledges],
            "party": you.account.verified_party,
            "RIGHTS": RIGHTS,
            "PROCEEDS": PROCEEDS,
            "WORLDWIDE": WORLDWIDE,
            "PLEDGE_DOCUMENTS": PLEDGE_DOCUMENTS,
            "PLEDGE_CONDITIONAL": PLEDGE_CONDITIONAL,
            "ACTION_LABELS": ACTION_LABELS,
            "HOLDING_ROLES": HOLDING_ROLES,
            "DOCUMENT_LABELS": DOCUMENT_LABELS,
            "SIGNATURE_BASIS": SIGNATURE_BASIS,
        },
        status=status,
    )


def _record(request: Request, you: RightsAccess, call: Callable[[], Any]) -> Response:
    """Write a record; back to the page with its number, or the page again with the refusal
    (the rule, cited in the service's one line), nothing written."""
    try:
        info = call()
    except Conflict as exc:
        return _page(request, you, error=str(exc), status=409)
    except InputError as exc:
        return _page(request, you, error=str(exc), status=400)
    return redirect(f"/works/{you.work.id}/rights?done={info.id}")


def _file(upload: UploadFile | None) -> bytes:
    if upload is None or not upload.filename:
        return b""
    data = upload.file.read(web_rights.MAX_DOCUMENT_BYTES + 1)
    if len(data) > web_rights.MAX_DOCUMENT_BYTES:
        raise InputError(f"a document is larger than {web_rights.MAX_DOCUMENT_BYTES} bytes")
    return data


@router.get("/works/{key}/rights")
def rights_page(
    request: Request,
    you: Viewer,
    as_of: Annotated[str | None, Query(max_length=20)] = None,
    done: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    if as_of:
        try:
            day_ = dt.date.fromisoformat(as_of)
        except ValueError:
            return _page(request, you, error="as of: a date as YYYY-MM-DD", status=400)
        return _page(request, you, as_of=day_, done=done)
    return _page(request, you, done=done)


@router.post("/works/{key}/rights/licence")
def record_licence(
    request: Request,
    you: Owner,
    licensee: Text = "",
    exclusive: Text = "",
    right: Text = "all",
    territory: Text = WORLDWIDE,
    starts_on: Text = "",
    ends_on: Text = "",
    fee: Text = "",
    liability: Text = "",
    declared_signatories: Text = "",
    contract: OptionalFile = None,
) -> Response:
    def call() -> Any:
        party = you.party()
        co_owned = len(you.view.standing.owners) > 1
        return web_rights.rights(request).license(
            you.key,
            licensee=licensee,
            exclusive=exclusive == "yes",
            right=right,
            territory=territory or WORLDWIDE,
            starts_on=day(starts_on, "the licence's start"),
            ends_on=day(ends_on, "the licence's end"),
            fee=fee,
            liability=liability,
            licensor=party if co_owned and exclusive != "yes" else None,
            documents=web_rights.documents([("licence_contract", _file(contract))]),
            signed_by=signers(party, names(declared_signatories)),
            channel="web",
        )

    return _record(request, you, call)


@router.post("/works/{key}/rights/transfer")
def record_transfer(
    request: Request,
    you: Owner,
    to: Text = "",
    on: Text = "",
    price: Text = "",
    payment: Text = "",
    liability: Text = "",
    territory: Text = WORLDWIDE,
    proceeds: Text = "",
    declared_signatories: Text = "",
    contract: OptionalFile = None,
) -> Response:
    def call() -> Any:
        party = you.party()
        return web_rights.rights(request).transfer(
            you.key,
            to=names(to),
            on=day(on, "the transfer date"),
            price=price,
            payment=payment,
            liability=liability,
            territory=territory or WORLDWIDE,
            proceeds=proceeds or None,
            documents=web_rights.documents([("transfer_contract", _file(contract))]),
            signed_by=signers(party, names(declared_signatories)),
            channel="web",
        )

    return _record(request, you, call)


@router.post("/works/{key}/rights/pledge")
def record_pledge(
    request: Request,
    you: PledgeFiler,
    pledgee: Text = "",
    applied_on: Text = "",
    secured_claim: Text = "",
    amount: Text = "",
    debtor_term_ends: Text = "",
    scope: Text = "",
    security_term: Text = "",
    valuation_required: Text = "",
    pledgors: Text = "",
    also: Text = "",
    declared_signatories: Text = "",
    main_contract: OptionalFile = None,
    pledge_contract: OptionalFile = None,
    pledgor_id: OptionalFile = None,
    pledgee_id: OptionalFile = None,
    co_owner_consent: OptionalFile = None,
    prior_licences: OptionalFile = None,
    valuation_report: OptionalFile = None,
) -> Response:
    files = {
        "main_contract": main_contract,
        "pledge_contract": pledge_contract,
        "pledgor_id": pledgor_id,
        "pledgee_id": pledgee_id,
        "co_owner_consent": co_owner_consent,
        "prior_licences": prior_licences,
        "valuation_report": valuation_report,
    }

    def call() -> Any:
        party = you.party()
        return web_rights.rights(request).pledge(
            [you.key, *names(also)],
            pledgee=web_rights.pledgee(you, pledgee),
            pledgors=names(pledgors) or None,
            applied_on=day(applied_on, "the pledge date"),
            secured_claim=secured_claim,
            amount=amount,
            debtor_term_ends=day(debtor_term_ends, "the debtor's term"),
            scope=scope,
            security_term=security_term,
            valuation_required=valuation_required == "yes",
            documents=web_rights.documents([(r, _file(f)) for r, f in files.items()]),
            signed_by=signers(party, names(declared_signatories)),
            channel="web",
        )

    return _record(request, you, call)


@router.post("/works/{key}/rights/pledge-registration")
def record_registration(
    request: Request,
    you: Bank,
    pledge: Text = "",
    national_no: Text = "",
    registered_on: Text = "",
    certificate: OptionalFile = None,
) -> Response:
    def call() -> Any:
        return web_rights.rights(request).register_pledge(
            you.own_pledge(_pledge_id(pledge)),
            national_no=national_no,
            registered_on=day(registered_on, "the registration date"),
            certificate=web_rights.Document("national_certificate", _file(certificate)),
            signed_by=signers(you.party()),
            channel="web",
        )

    return _record(request, you, call)


@router.post("/works/{key}/rights/consent")
def record_consent(
    request: Request,
    you: Bank,
    pledge: Text = "",
    purpose: Text = "",
    counterparties: Text = "",
    given_on: Text = "",
    letter: OptionalFile = None,
) -> Response:
    def call() -> Any:
        return web_rights.rights(request).consent(
            you.own_pledge(_pledge_id(pledge)),
            you.key,
            purpose=purpose,
            counterparties=names(counterparties),
            given_on=day(given_on, "the consent date"),
            documents=web_rights.documents([("consent", _file(letter))]),
            signed_by=signers(you.party()),
            channel="web",
        )

    return _record(request, you, call)


@router.post("/works/{key}/rights/release")
def record_release(
    request: Request,
    you: Bank,
    pledge: Text = "",
    released_on: Text = "",
    letter: OptionalFile = None,
) -> Response:
    def call() -> Any:
        return web_rights.rights(request).release(
            you.own_pledge(_pledge_id(pledge)),
            released_on=day(released_on, "the release date"),
            works=[you.key],
            documents=web_rights.documents([("release", _file(letter))]),
            signed_by=signers(you.party()),
            channel="web",
        )

    return _record(request, you, call)


@router.get("/works/{key}/rights/report")
def report(
    request: Request,
    you: Viewer,
    maturity: Annotated[str, Query(max_length=20)] = "",
    format: Annotated[str, Query(max_length=4)] = "pdf",
) -> Response:
    """The due-diligence report as a download (signed JSON or its PDF)."""
    kind = "json" if format == "json" else "pdf"
    try:
        data = report_bytes(request, you, day(maturity, "the loan's maturity"), kind)
    except Conflict as exc:
        return _page(request, you, error=str(exc), status=409)
    except InputError as exc:
        return _page(request, you, error=str(exc), status=400)
    return report_response(you, data, kind)


@router.get("/rights/pledges")
def pledges(
    request: Request, account: Annotated[Account, Depends(require(Action.PLEDGE))]
) -> Response:
    """The bank officer's portfolio: every pledge of its bank, each work's status in it."""
    lines = portfolio(account, request)
    return render(request, "rights_pledges.html", {"lines": lines, "PLEDGE_STATUS": PLEDGE_STATUS})


@router.get("/rights/watch")
def watch(
    request: Request, account: Annotated[Account, Depends(require(Action.PLEDGE))]
) -> Response:
    """Collateral watch: everything that touched a work pledged to the officer's bank."""
    events = list(reversed(watch_feed(request, account)))
    return render(request, "rights_watch.html", {"events": events, "WATCH_LABELS": WATCH_LABELS})


def _pledge_id(text: str) -> int | None:
    text = text.strip().upper().removeprefix("R-")
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise InputError("a pledge is named by its record number, R-12")
    return int(text)
