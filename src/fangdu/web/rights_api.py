"""``/api/v1/rights``: the rights register (docs/RIGHTS.md) for banks' and owners' systems.

``works/{key}`` answers owners, licences and pledges on a day (``as_of``) and the history; the
owner records a licence or a transfer; a bank officer records its pledge, enters the national
register's number, consents to a transfer or licence of the pledged work and releases it; the
due-diligence report comes as signed JSON or PDF. A token needs the ``rights`` scope. Contract
documents travel in the JSON as base64 (PDF or image). A record the law refuses is 409 (the
rule cited), unusable input 422; a refused record writes nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from fangdu.accounts import Account
from fangdu.errors import InputError, NotFound
from fangdu.rights.law import DOCUMENT_ROLES, PROCEEDS, RIGHTS, WORLDWIDE
from fangdu.rights.report import build_report
from fangdu.rights.report_pdf import render_report_pdf
from fangdu.rights.services import RecordInfo, RightsView
from fangdu.web import rights as web_rights
from fangdu.web.i18n import N_
from fangdu.web.policy import Action
from fangdu.web.problems import PROBLEM_RESPONSES, WebProblem
from fangdu.web.rights import RightsAccess, access, signers
from fangdu.web.state import require_token

router = APIRouter(prefix="/api/v1/rights", tags=["rights"], responses=PROBLEM_RESPONSES)

Viewer = Annotated[RightsAccess, Depends(access(Action.VIEW_RIGHTS, api=True))]
Owner = Annotated[RightsAccess, Depends(access(Action.RECORD_RIGHTS, api=True))]
Bank = Annotated[RightsAccess, Depends(access(Action.PLEDGE, api=True))]
PledgeFiler = Annotated[
    RightsAccess, Depends(access(Action.PLEDGE, Action.RECORD_RIGHTS, api=True))
]

MAX_NAME = 200
MAX_TERM = 2000
# base64 of one document at most (web.rights.MAX_DOCUMENT_BYTES, 4/3 larger)
MAX_BASE64 = web_rights.MAX_DOCUMENT_BYTES * 4 // 3 + 4


# -- models (prefixed: the OpenAPI components share one namespace) -----------------------------


class RightsHoldingOut(BaseModel):
    """A party's holding: owner (share in basis points of 10000), licensee or pledgee."""

    role: str
    party: str = Field(description="the party's salted hash, as the log names it")
    name: str | None = None
    record: int | None = Field(description="the record that created it; null: as registered")
    share: int | None = None
    right: str | None = None
    territory: str | None = None
    applied_on: dt.date | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    status: str
    rank: int | None = None


class RightsHistoryOut(BaseModel):
    record: int
    action: str
    effective_on: dt.date
    log_indices: list[int] = Field(description="the record's entries in the evidence log")


class RightsShowOut(BaseModel):
    """As ``fangdu rights show --json`` prints it, with each record's log entries."""

    work: str
    work_id: int
    title: str
    as_of: dt.date
    owners: list[RightsHoldingOut]
    licences: list[RightsHoldingOut]
    pledges: list[RightsHoldingOut] = Field(description="registered nationally and in force")
    pending_pledges: list[RightsHoldingOut] = Field(
        description="applied for, not yet registered nationally: not pledges in law"
    )
    protection_ends: dt.date | None
    prior_art_conflicts: list[str]
    records: list[RightsHistoryOut]


class RightsRecordOut(BaseModel):
    """A record as written, as ``fangdu rights ... --json`` prints it."""

    record: int
    action: str
    effective_on: dt.date
    works: list[int]
    log_indices: list[int]
    documents: list[dict[str, str]]
    notes: list[str]


class RightsWatchEventOut(BaseModel):
    """Something that touched a work pledged to the caller's bank (collateral watch)."""

    id: int
    kind: str = Field(description="a record's action, an attempt refused, or another context's")
    pledge: int
    work_id: int
    record: int | None
    detail: dict[str, Any]
    at: str = Field(description="UTC, ISO 8601")


class RightsPledgedWorkOut(BaseModel):
    work_id: int
    work: str = Field(description="registration number")
    title: str
    status: str = Field(
        description="pending_legal_registration, in_force, released, withdrawn or ended "
        "(carried to another pledgee)"
    )
    ended_on: dt.date | None


class RightsPledgeLineOut(BaseModel):
    """One pledge of the caller's bank: a work or a collection, each work with its status."""

    pledge: int
    applied_on: dt.date
    national_no: str | None = Field(description="null until the national register records it")
    registered_on: dt.date | None
    debtor_term_ends: str | None
    works: list[RightsPledgedWorkOut]


class RightsDocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal[DOCUMENT_ROLES]  # type: ignore[valid-type]
    content_base64: str = Field(max_length=MAX_BASE64, description="PDF or image, base64")


class _RecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documents: list[RightsDocumentIn] = Field(default=[], max_length=12)
    declared_signatories: list[Annotated[str, Field(max_length=MAX_NAME)]] = Field(
        default=[],
        max_length=20,
        description="the other parties the caller declares signed the uploaded contract. The "
        "caller's party signs as itself; these signatures the registry has not seen made, and "
        "the log marks them `declared` by the caller (docs/RIGHTS.md)",
    )


class RightsLicenceIn(_RecordIn):
    licensee: str = Field(max_length=MAX_NAME)
    exclusive: bool
    right: Literal[RIGHTS]  # type: ignore[valid-type]
    territory: str = Field(default=WORLDWIDE, max_length=MAX_NAME)
    starts_on: dt.date
    ends_on: dt.date
    fee: str = Field(max_length=MAX_TERM)
    liability: str = Field(max_length=MAX_TERM)


class RightsTransferIn(_RecordIn):
    to: list[Annotated[str, Field(max_length=MAX_NAME)]] = Field(
        min_length=1, max_length=20, description="transferees: the share is split equally"
    )
    on: dt.date
    price: str = Field(max_length=MAX_TERM)
    payment: str = Field(max_length=MAX_TERM, description="date and manner of payment")
    liability: str = Field(max_length=MAX_TERM)
    territory: str = Field(default=WORLDWIDE, max_length=MAX_NAME)
    proceeds: Literal[PROCEEDS] | None = Field(  # type: ignore[valid-type]
        default=None, description="required for a pledged work: where the price goes"
    )


class RightsPledgeIn(_RecordIn):
    pledgee: str | None = Field(
        default=None,
        max_length=MAX_NAME,
        description="an owner filing names the bank; a bank officer's is its own bank",
    )
    applied_on: dt.date
    secured_claim: str = Field(max_length=MAX_TERM)
    amount: str = Field(max_length=MAX_NAME)
    debtor_term_ends: dt.date
    scope: str = Field(max_length=MAX_TERM)
    security_term: str = Field(max_length=MAX_TERM)
    valuation_required: bool = False
    pledgors: list[Annotated[str, Field(max_length=MAX_NAME)]] = Field(
        default=[], max_length=20, description="default: the owners on the day"
    )
    also: list[Annotated[str, Field(max_length=40)]] = Field(
        default=[], max_length=100, description="other works of a pledged collection"
    )


class RightsPledgeRegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pledge: int | None = Field(default=None, ge=1, description="default: the bank's one pledge")
    national_no: str = Field(max_length=MAX_NAME)
    registered_on: dt.date
    certificate_base64: str = Field(max_length=MAX_BASE64, description="PDF or image")


class RightsConsentIn(_RecordIn):
    pledge: int | None = Field(default=None, ge=1, description="default: the bank's one pledge")
    purpose: Literal["transfer", "licence"]
    counterparties: list[Annotated[str, Field(max_length=MAX_NAME)]] = Field(
        min_length=1, max_length=20, description="the transferee(s) or the licensee"
    )
    given_on: dt.date


class RightsReleaseIn(_RecordIn):
    pledge: int | None = Field(default=None, ge=1, description="default: the bank's one pledge")
    released_on: dt.date
    works: list[Annotated[str, Field(max_length=40)]] | None = Field(
        default=None, description="a partial release: these works of the collection only"
    )


# -- shapes ------------------------------------------------------------------------------------


def show_out(view: RightsView, history: list[RightsHistoryOut]) -> RightsShowOut:
    data: dict[str, Any] = view.as_json()
    data["work_id"] = view.work.id
    data["records"] = history
    return RightsShowOut.model_validate(data)


def history(request: Request, view: RightsView) -> list[RightsHistoryOut]:
    service = web_rights.rights(request)
    out = []
    for record, action, on in view.records:
        info = service.record(record)
        out.append(
            RightsHistoryOut(
                record=record, action=action, effective_on=on, log_indices=list(info.log_indices)
            )
        )
    return out


def record_out(info: RecordInfo) -> RightsRecordOut:
    return RightsRecordOut.model_validate(info.as_json())


def _bytes(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"{what} is not base64") from None


def _documents(items: list[RightsDocumentIn]) -> list[web_rights.Document]:
    return web_rights.documents([(d.role, _bytes(d.content_base64, d.role)) for d in items])


def refusals(call: Any) -> Any:
    """Unusable input is 422 over the API (the pages say 400 and show the form again)."""
    try:
        return call()
    except InputError as exc:
        raise WebProblem(422, str(exc), kind="bad-input") from None


# -- routes ------------------------------------------------------------------------------------


@router.get("/works/{key}", summary=N_("A work's owners, licences and pledges on a day"))
def show(
    request: Request,
    you: Viewer,
    as_of: Annotated[dt.date | None, Query(description="default: today (UTC+8)")] = None,
) -> RightsShowOut:
    """The standing on ``as_of`` (inclusive) and every record on the work, with its log
    entries: the same answer `fangdu rights rebuild` gives from the exported log."""
    view = web_rights.shown(you.account, web_rights.rights(request).show(you.key, as_of))
    return show_out(view, history(request, view))


@router.post(
    "/works/{key}/licence",
    status_code=201,
    summary=N_("The owner records a licence (著作权法 Art 26)"),
    responses={409: {"description": "refused by a rule (overlap, pledge without consent)"}},
)
def licence(request: Request, you: Owner, body: RightsLicenceIn) -> RightsRecordOut:
    party = you.party()
    info = refusals(
        lambda: web_rights.rights(request).license(
            you.key,
            licensee=body.licensee,
            exclusive=body.exclusive,
            right=body.right,
            territory=body.territory,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            fee=body.fee,
            liability=body.liability,
            licensor=party if len(you.view.standing.owners) > 1 and not body.exclusive else None,
            documents=_documents(body.documents),
            signed_by=signers(party, body.declared_signatories),
            channel="api",
        )
    )
    return record_out(info)


@router.post(
    "/works/{key}/transfer",
    status_code=201,
    summary=N_("The owner records a transfer (著作权法 Art 27)"),
    responses={409: {"description": "refused by a rule (not the owner, pledged)"}},
)
def transfer(request: Request, you: Owner, body: RightsTransferIn) -> RightsRecordOut:
    party = you.party()
    info = refusals(
        lambda: web_rights.rights(request).transfer(
            you.key,
            to=body.to,
            on=body.on,
            price=body.price,
            payment=body.payment,
            liability=body.liability,
            territory=body.territory,
            proceeds=body.proceeds,
            documents=_documents(body.documents),
            signed_by=signers(party, body.declared_signatories),
            channel="api",
        )
    )
    return record_out(info)


@router.post(
    "/works/{key}/pledge",
    status_code=201,
    summary=N_("A bank or the owner records a pledge application (著作权质权登记办法)"),
    responses={409: {"description": "an Art 12 ground, or already pledged"}},
)
def pledge(request: Request, you: PledgeFiler, body: RightsPledgeIn) -> RightsRecordOut:
    """Filed by a bank officer (its bank is the pledgee) or by an owner naming the bank; the
    pledge stays ``pending_legal_registration`` until the national register's number is
    entered."""
    party = you.party()
    info = refusals(
        lambda: web_rights.rights(request).pledge(
            [you.key, *body.also],
            pledgee=web_rights.pledgee(you, body.pledgee),
            pledgors=body.pledgors or None,
            applied_on=body.applied_on,
            secured_claim=body.secured_claim,
            amount=body.amount,
            debtor_term_ends=body.debtor_term_ends,
            scope=body.scope,
            security_term=body.security_term,
            valuation_required=body.valuation_required,
            documents=_documents(body.documents),
            signed_by=signers(party, body.declared_signatories),
            channel="api",
        )
    )
    return record_out(info)


@router.post(
    "/works/{key}/pledge-registration",
    status_code=201,
    summary=N_("The bank enters the national register's number of its pledge"),
)
def register_pledge(
    request: Request, you: Bank, body: RightsPledgeRegistrationIn
) -> RightsRecordOut:
    party = you.party()
    certificate = web_rights.Document(
        "national_certificate", _bytes(body.certificate_base64, "the certificate")
    )
    info = refusals(
        lambda: web_rights.rights(request).register_pledge(
            you.own_pledge(body.pledge),
            national_no=body.national_no,
            registered_on=body.registered_on,
            certificate=certificate,
            signed_by=signers(party),
            channel="api",
        )
    )
    return record_out(info)


@router.post(
    "/works/{key}/consent",
    status_code=201,
    summary=N_("The pledgee consents to a transfer or licence (民法典 Art 444)"),
)
def consent(request: Request, you: Bank, body: RightsConsentIn) -> RightsRecordOut:
    party = you.party()
    info = refusals(
        lambda: web_rights.rights(request).consent(
            you.own_pledge(body.pledge),
            you.key,
            purpose=body.purpose,
            counterparties=body.counterparties,
            given_on=body.given_on,
            documents=_documents(body.documents),
            signed_by=signers(party, body.declared_signatories),
            channel="api",
        )
    )
    return record_out(info)


@router.post(
    "/works/{key}/release",
    status_code=201,
    summary=N_("The pledgee releases its pledge (民法典 Art 435, 446)"),
)
def release(request: Request, you: Bank, body: RightsReleaseIn) -> RightsRecordOut:
    party = you.party()
    info = refusals(
        lambda: web_rights.rights(request).release(
            you.own_pledge(body.pledge),
            released_on=body.released_on,
            works=body.works,
            documents=_documents(body.documents),
            signed_by=signers(party, body.declared_signatories),
            channel="api",
        )
    )
    return record_out(info)


@router.get(
    "/works/{key}/report",
    summary=N_("The due-diligence report: signed JSON or PDF, verifiable offline"),
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {}, "application/pdf": {}},
            "description": "the report; the same checkpoint gives the same bytes",
        }
    },
)
def report(
    request: Request,
    you: Viewer,
    maturity: Annotated[dt.date, Query(description="the loan's maturity date")],
    format: Annotated[Literal["json", "pdf"], Query()] = "json",
    as_of: Annotated[dt.date | None, Query()] = None,
    checkpoint: Annotated[int | None, Query(ge=1, description="tree size to tie it to")] = None,
) -> Response:
    """Check it with `fangdu verify report.json`."""
    data = refusals(lambda: report_bytes(request, you, maturity, format, as_of, checkpoint))
    return report_response(you, data, format)


def report_bytes(
    request: Request,
    you: RightsAccess,
    maturity: dt.date,
    format: str,
    as_of: dt.date | None = None,
    checkpoint: int | None = None,
) -> bytes:
    data = build_report(
        web_rights.rights(request),
        you.key,
        maturity=maturity,
        as_of=as_of,
        checkpoint_size=checkpoint,
    )
    return render_report_pdf(data) if format == "pdf" else data


def report_response(you: RightsAccess, data: bytes, format: str) -> Response:
    name = f"{you.work.label}-report.{format}"
    media = "application/pdf" if format == "pdf" else "application/json"
    return Response(
        data,
        media_type=media,
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "private, no-store",
        },
    )


def watch_feed(request: Request, account: Account, after: int = 0) -> list[dict[str, Any]]:
    """The collateral watch of the bank the account acts for (nothing yet: an empty feed)."""
    if not account.verified_party:
        raise WebProblem(403, "this account acts for no party", kind="forbidden")
    try:
        return web_rights.rights(request).watch_feed(account.verified_party, after=after)
    except NotFound:
        return []


def portfolio(account: Account, request: Request) -> list[dict[str, Any]]:
    """The pledges of the bank the account acts for, newest first."""
    if not account.verified_party:
        raise WebProblem(403, "this account acts for no verified party", kind="forbidden")
    return [line.as_json() for line in web_rights.rights(request).portfolio(account.verified_party)]


@router.get("/pledges", summary=N_("The pledges your bank holds or held, with their works"))
def pledges(
    request: Request, account: Annotated[Account, Depends(require_token(Action.PLEDGE))]
) -> list[RightsPledgeLineOut]:
    """Pending ones (not pledges in law until the national number is entered) included; a
    collection lists each work with its own status after a partial release."""
    return [RightsPledgeLineOut.model_validate(line) for line in portfolio(account, request)]


@router.get("/watch", summary=N_("Collateral watch: what touched the works pledged to your bank"))
def watch(
    request: Request,
    account: Annotated[Account, Depends(require_token(Action.PLEDGE))],
    after: Annotated[int, Query(ge=0, le=2**63 - 1, description="the last id seen")] = 0,
) -> list[RightsWatchEventOut]:
    """Oldest first; attempts to transfer or license a pledged work without consent included.
    The same events go to the bank's webhook, signed (`fangdu rights webhook`)."""
    return [RightsWatchEventOut.model_validate(e) for e in watch_feed(request, account, after)]
