"""Applicants: the application form, an application's status page, the portfolio; and the
images of works, served only with a sniffed raster type to those who may see them."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError

from fangdu.accounts import Account
from fangdu.errors import ImageRejected
from fangdu.registry.application import MAX_TEXT, ApplicationIn
from fangdu.registry.filing import ImageOnFile
from fangdu.registry.schemas import PriorArtInfo, WorkInfo
from fangdu.web import records
from fangdu.web.i18n import N_
from fangdu.web.pages.common import redirect, render
from fangdu.web.policy import Action
from fangdu.web.security import verify_csrf
from fangdu.web.state import (
    RecordId,
    app_state,
    authorize_work,
    current_account,
    require,
)
from fangdu.web.uploads import read_upload

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

# Only a bound on what is read: the limits people see are the application schema's.
Text = Annotated[str, Form(max_length=4 * MAX_TEXT)]
_NAMES = re.compile(r"[,，、;；\n]+")
FIELDS = (
    "title",
    "owner",
    "designers",
    "created_on",
    "published_on",
    "category",
    "colourways",
    "description",
    "originality_statement",
)

# The schema's first complaint, as a sentence for the person at the form (first match wins:
# (field or None for any, error type or None for any, msgid)).
FORM_ERRORS = (
    (
        None,
        "hidden_characters",
        N_("A field contains invisible control or text-direction characters: retype it."),
    ),
    (None, "future_date", N_("Dates cannot lie in the future.")),
    (None, "published_before_created", N_("A design cannot be published before it was created.")),
    ("created_on", "missing", N_("Give the date the design was created.")),
    (None, "date_format", N_("Dates look like 2026-03-01.")),
    ("title", "string_too_long", N_("The title is too long: at most 200 characters.")),
    ("title", None, N_("A title and an owner are required.")),
    ("owner", "string_too_long", N_("A name is too long: at most 200 characters.")),
    ("owner", None, N_("A title and an owner are required.")),
    ("designers", None, N_("A name is too long: at most 200 characters.")),
    ("colourways", None, N_("A colourway is too long: at most 100 characters.")),
    ("category", None, N_("Choose a category from the list.")),
    ("originality_statement", "string_too_short", N_("The originality statement is required.")),
    (None, "string_too_long", N_("A text is too long: at most 4000 characters.")),
)


def split_names(text: str) -> list[str]:
    """Names typed into one field, separated by commas (either width), 、 or new lines."""
    return list(dict.fromkeys(n.strip() for n in _NAMES.split(text) if n.strip()))


def form_error(exc: ValidationError) -> str:
    """The msgid that explains the first thing wrong with a filled-in form."""
    for error in exc.errors():
        field = error["loc"][0] if error["loc"] else None
        for wanted_field, wanted_type, message in FORM_ERRORS:
            if wanted_field in (None, field) and wanted_type in (None, error["type"]):
                return message
    return N_("The form has an invalid value.")


def _form_page(
    request: Request,
    values: dict[str, str],
    error: str | None = None,
    refused: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request, "apply.html", {"values": values, "error": error, "refused": refused}, status=status
    )


@router.get("/apply")
def apply_form(
    request: Request, account: Annotated[Account, Depends(require(Action.APPLY))]
) -> Response:
    values = dict.fromkeys(FIELDS, "")
    values["owner"] = account.party_claim or account.display_name
    return _form_page(request, values)


@router.post("/apply")
def apply(
    request: Request,
    account: Annotated[Account, Depends(require(Action.APPLY))],
    image: Annotated[UploadFile | None, File()] = None,
    title: Text = "",
    owner: Text = "",
    designers: Text = "",
    created_on: Text = "",
    published_on: Text = "",
    category: Text = "",
    colourways: Text = "",
    description: Text = "",
    originality_statement: Text = "",
) -> Response:
    state = app_state(request)
    values = {
        "title": title,
        "owner": owner,
        "designers": designers,
        "created_on": created_on,
        "published_on": published_on,
        "category": category,
        "colourways": colourways,
        "description": description,
        "originality_statement": originality_statement,
    }
    try:
        filled = {key: value for key, value in values.items() if value.strip()}
        filled.update(designers=split_names(designers), colourways=split_names(colourways))
        filed = ApplicationIn.model_validate(filled)
    except ValidationError as exc:
        return _form_page(request, values, error=form_error(exc), status=400)
    try:
        data = read_upload(image, state.core.settings.max_image_bytes)
        application = filed.to_request(account.subject)
        outcome = state.filing.register(
            data,
            application,
            review_required=True,
            channel="web",
            submitter=state.accounts.signer(account.id),
        )
    except ImageRejected as exc:
        return _form_page(request, values, refused=exc.reason, status=422)
    except ImageOnFile:  # perhaps someone else's: say no more than that
        return _form_page(
            request, values, error=N_("This exact image has already been filed."), status=409
        )
    return redirect(f"/applications/{outcome.work.id}")


def _work(request: Request, work_id: int) -> WorkInfo:
    record = app_state(request).queries.show(str(work_id))
    assert isinstance(record, WorkInfo)  # a plain number names a work
    return record


@router.get("/applications/{work_id}")
def application(
    request: Request,
    work_id: RecordId,
    account: Annotated[Account, Depends(require(Action.PORTFOLIO))],
) -> Response:
    work = _work(request, work_id)
    authorize_work(account, Action.VIEW_APPLICATION, work)
    return render(request, "application.html", {"work": work})


@router.get("/portfolio")
def portfolio(
    request: Request, account: Annotated[Account, Depends(require(Action.PORTFOLIO))]
) -> Response:
    """What the account filed, and the works registered to the party it acts for once an
    administrator has verified it: listed with their public records only; originals and
    evidence stay with whoever filed them."""
    queries = app_state(request).queries
    filed = queries.list_applications(account.subject)
    mine = {work.id for work in filed}
    party_works = (
        [w for w in queries.registered_works_of(account.verified_party) if w.id not in mine]
        if account.verified_party
        else []
    )
    return render(request, "portfolio.html", {"works": filed, "party_works": party_works})


# -- images ----------------------------------------------------------------------------------


@router.get("/works/{work_id}/preview.jpg")
def work_preview(request: Request, work_id: RecordId) -> Response:
    """A small rendition: public for registered works (the certificate shows it anyway)."""
    work = _work(request, work_id)
    authorize_work(current_account(request), Action.VIEW, work)
    public = work.status == "registered"
    data = app_state(request).previews.get(work.sha256)
    return Response(
        data,
        media_type="image/jpeg",
        headers={"cache-control": "public, max-age=86400" if public else "private, max-age=600"},
    )


@router.get("/works/{work_id}/original")
def work_original(request: Request, work_id: RecordId) -> Response:
    """The original file, to its applicant and the people who handle applications or evidence:
    full resolution is what a copier would want, so the public gets the preview only."""
    work = _work(request, work_id)
    authorize_work(current_account(request), Action.VIEW_ORIGINAL, work)
    image = records.served_original(app_state(request).core, work.sha256)
    return Response(
        image.data,
        media_type=image.media_type,
        headers={
            # The name is ours (the record's label), never the one the browser sent; a format
            # the browser cannot show (TIFF) is downloaded rather than shown as a broken page.
            "content-disposition": f'{image.disposition}; filename="{work.label}{image.extension}"',
            "cache-control": "private, max-age=600",
        },
    )


@router.get("/works/{work_id}/original.png")
def work_rendition(request: Request, work_id: RecordId) -> Response:
    """The original as a PNG any browser shows, for those who may see the original."""
    work = _work(request, work_id)
    authorize_work(current_account(request), Action.VIEW_ORIGINAL, work)
    data = records.png_rendition(app_state(request).core, work.sha256)
    return Response(
        data,
        media_type="image/png",
        headers={
            "content-disposition": f'inline; filename="{work.label}.png"',
            "cache-control": "private, max-age=600",
        },
    )


@router.get("/prior-art/{prior_art_id}/preview.jpg")
def prior_art_preview(
    request: Request,
    prior_art_id: RecordId,
    account: Annotated[Account, Depends(require(Action.REVIEW))],
) -> Response:
    record = app_state(request).queries.show(f"P-{prior_art_id}")
    assert isinstance(record, PriorArtInfo)
    data = app_state(request).previews.get(record.sha256)
    return Response(
        data, media_type="image/jpeg", headers={"cache-control": "private, max-age=600"}
    )
