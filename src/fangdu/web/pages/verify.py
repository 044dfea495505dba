"""Public records: the verification page a certificate's QR code opens, the certificate PDF,
and the evidence bundle for those entitled to it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from fangdu.accounts import Account
from fangdu.certificates import CertificateData, render_certificate
from fangdu.errors import NotFound
from fangdu.imaging import decode_image
from fangdu.registry.schemas import WorkInfo
from fangdu.web import records
from fangdu.web.i18n import N_
from fangdu.web.pages.common import BEIJING, CATEGORIES, attachment, redirect, render
from fangdu.web.policy import Action
from fangdu.web.security import verify_csrf
from fangdu.web.state import AppState, app_state, authorize_work, require

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

REGISTRATION_NO = re.compile(r"FD-\d{4}-\d{7}")
CERTIFICATE_IMAGE_SIDE = 1600


def registered_work(state: AppState, number: str) -> WorkInfo:
    """The work with this registration number: a public record. Anything else (an id, which
    could name a pending application) is not found."""
    number = number.strip().upper()
    if not REGISTRATION_NO.fullmatch(number):
        raise NotFound(f"not a registration number: {number[:40]!r}")
    record = state.queries.show(number)
    if not isinstance(record, WorkInfo) or record.registration_no is None:
        raise NotFound(f"no work {number}")
    return record


def verify_url(request: Request, number: str) -> str:
    """The absolute address of a record's public page: what the QR code encodes."""
    base = app_state(request).web.public_url or str(request.base_url)
    return f"{base.rstrip('/')}/verify/{number}"


@router.get("/verify")
def lookup(request: Request, no: str | None = None) -> Response:
    if no is not None:
        number = no.strip().upper()
        if REGISTRATION_NO.fullmatch(number):
            return redirect(f"/verify/{number}")
        return render(
            request,
            "verify_lookup.html",
            {"error": N_("A registration number looks like FD-2026-0000012."), "no": no[:40]},
            status=400,
        )
    return render(request, "verify_lookup.html", {"error": None, "no": ""})


@router.get("/verify/{number}")
def verify(request: Request, number: str) -> Response:
    state = app_state(request)
    work = registered_work(state, number)
    check = records.check_record(state.core, work)
    assert work.registered_at is not None
    registered_at = work.registered_at.replace(tzinfo=work.registered_at.tzinfo or dt.UTC)
    return render(
        request,
        "verify.html",
        {
            "work": work,
            "check": check,
            "url": verify_url(request, work.registration_no),
            # The day as the certificate prints it: Beijing time.
            "registered_on": registered_at.astimezone(BEIJING).date(),
        },
    )


@router.get("/verify/{number}/evidence.zip")
def evidence(
    request: Request, number: str, account: Annotated[Account, Depends(require(Action.PORTFOLIO))]
) -> Response:
    state = app_state(request)
    work = registered_work(state, number)
    authorize_work(account, Action.GET_EVIDENCE, work)
    data = records.evidence_zip(state.registry, str(work.id))
    return attachment(data, "application/zip", f"{work.registration_no}.zip")


@router.get("/works/{number}/certificate.pdf")
def certificate(request: Request, number: str) -> Response:
    """A registered work's certificate is a public record: anyone may download it."""
    state = app_state(request)
    work = registered_work(state, number)
    assert work.registration_no is not None and work.registered_at is not None
    latest = state.ledger.checkpoint()
    original = state.blobs.get(work.sha256)
    rgb = decode_image(original, max_pixels=state.core.settings.max_image_pixels).rgb
    registered_at = work.registered_at
    if registered_at.tzinfo is None:
        registered_at = registered_at.replace(tzinfo=dt.UTC)
    zh = state.translations["zh"].gettext
    data = CertificateData(
        registration_no=work.registration_no,
        title=work.title,
        owner=work.owner or "—",
        designers=tuple(work.designers),
        created_on=work.created_on,
        published_on=work.published_on,
        registered_at=registered_at,
        # The certificate is in Chinese: the category's Chinese name.
        category=zh(CATEGORIES[work.category]) if work.category in CATEGORIES else work.category,
        sha256=work.sha256,
        log_index=records.registering_entry(state.ledger, work.id),
        log_origin=state.ledger.origin,
        checkpoint_size=latest.checkpoint.size if latest else None,
        verify_url=verify_url(request, work.registration_no),
        image=records.jpeg_bytes(rgb, max_side=CERTIFICATE_IMAGE_SIDE),
        issuer=state.web.issuer,
        demo=request.app.state.demo,  # a demo installation's certificate must say so
    )
    pdf = render_certificate(data)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "content-disposition": f'inline; filename="{work.registration_no}.pdf"',
            # private: the QR code names this service's address; no shared cache keeps a copy.
            "cache-control": "private, max-age=300",
        },
    )
