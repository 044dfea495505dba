"""Applicants: the application form, an application's status page, the portfolio; and the
images of works, served only with a sniffed raster type to those who may see them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from fangdu.accounts import Account
from fangdu.errors import Conflict, ImageRejected
from fangdu.registry.schemas import PriorArtInfo, RegistrationRequest, WorkInfo
from fangdu.web import records
from fangdu.web.i18n import N_
from fangdu.web.pages.common import CATEGORIES, redirect, render
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

Text = Annotated[str, Form(max_length=4000)]
MAX_NAME = 200  # parties' names, as the registry stores them
MAX_TITLE = 200
_NAMES = re.compile(r"[,，、;；\n]+")
FIELDS = ("title", "owner", "designers", "created_on", "published_on", "category",
          "colourways", "description", "originality_statement")


def split_names(text: str) -> tuple[str, ...]:
    """Names typed into one field, separated by commas (either width), 、 or new lines."""
    return tuple(dict.fromkeys(n.strip() for n in _NAMES.split(text) if n.strip()))


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text.strip() else None
    except ValueError:
        return None


def _form_page(request: Request, values: dict[str, str], error: str | None = None,
               refused: str | None = None, status: int = 200) -> Response:
    return render(request, "apply.html", {"values": values, "error": error, "refused": refused},
                  status=status)


@router.get("/apply")
def apply_form(request: Request, account: Annotated[Account, Depends(require(Action.APPLY))]
               ) -> Response:
    values = dict.fromkeys(FIELDS, "")
    values["owner"] = account.party or account.display_name
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
    values = {"title": title, "owner": owner, "designers": designers, "created_on": created_on,
              "published_on": published_on, "category": category, "colourways": colourways,
              "description": description, "originality_statement": originality_statement}
    created, published = _date(created_on), _date(published_on)
    today = dt.date.today()
    error = None
    if not title.strip() or not owner.strip():
        error = N_("A title and an owner are required.")
    elif created is None:
        error = N_("Give the date the design was created.")
    elif created > today or (published is not None and published > today):
        error = N_("Dates cannot lie in the future.")
    elif published is not None and published < created:
        error = N_("A design cannot be published before it was created.")
    elif not originality_statement.strip():
        error = N_("The originality statement is required.")
    elif len(title.strip()) > MAX_TITLE:
        error = N_("The title is too long: at most 200 characters.")
    elif any(len(name) > MAX_NAME for name in (owner.strip(), *split_names(designers))):
        error = N_("A name is too long: at most 200 characters.")
    if error is not None:
        return _form_page(request, values, error=error, status=400)
    try:
        data = read_upload(image, state.registry.settings.max_image_bytes)
        application = RegistrationRequest(
            title=title.strip(),
            owner=owner.strip(),
            designers=split_names(designers),
            created_on=created,
            published_on=published,
            category=category if category in CATEGORIES else None,
            colourways=split_names(colourways),
            description=description.strip() or None,
            originality_statement=originality_statement.strip(),
            submitted_by=account.subject,
        )
        with state.index_lock:
            outcome = state.registry.register(
                data, application, review_required=True, channel="web",
                submitter=state.accounts.signer(account.id),
            )
    except ImageRejected as exc:
        return _form_page(request, values, refused=exc.reason, status=422)
    except Conflict:  # the same bytes were filed before
        return _form_page(request, values, error=N_("This exact image has already been filed."),
                          status=409)
    return redirect(f"/applications/{outcome.work.id}")


def _work(request: Request, work_id: int) -> WorkInfo:
    record = app_state(request).registry.show(str(work_id))
    assert isinstance(record, WorkInfo)  # a plain number names a work
    return record


@router.get("/applications/{work_id}")
def application(request: Request, work_id: RecordId,
                account: Annotated[Account, Depends(require(Action.PORTFOLIO))]) -> Response:
    work = _work(request, work_id)
    authorize_work(account, Action.VIEW_APPLICATION, work)
    return render(request, "application.html", {"work": work})


@router.get("/portfolio")
def portfolio(request: Request, account: Annotated[Account, Depends(require(Action.PORTFOLIO))]
              ) -> Response:
    works = app_state(request).registry.list_applications(account.subject)
    return render(request, "portfolio.html", {"works": works})


# -- images ----------------------------------------------------------------------------------


@router.get("/works/{work_id}/preview.jpg")
def work_preview(request: Request, work_id: RecordId) -> Response:
    """A small rendition: public for registered works (the certificate shows it anyway)."""
    work = _work(request, work_id)
    authorize_work(current_account(request), Action.VIEW, work)
    public = work.status == "registered"
    data = app_state(request).previews.get(work.sha256)
    return Response(data, media_type="image/jpeg", headers={
        "cache-control": "public, max-age=86400" if public else "private, max-age=600"})


@router.get("/works/{work_id}/original")
def work_original(request: Request, work_id: RecordId) -> Response:
    """The original file, to its applicant and the people who handle applications or evidence:
    full resolution is what a copier would want, so the public gets the preview only."""
    work = _work(request, work_id)
    authorize_work(current_account(request), Action.VIEW_ORIGINAL, work)
    image = records.served_original(app_state(request).registry, work.sha256)
    return Response(image.data, media_type=image.media_type, headers={
        # The name is ours (the record's label), never the one the browser sent.
        "content-disposition": f'inline; filename="{work.label}{image.extension}"',
        "cache-control": "private, max-age=600",
    })


@router.get("/prior-art/{prior_art_id}/preview.jpg")
def prior_art_preview(
    request: Request, prior_art_id: RecordId,
    account: Annotated[Account, Depends(require(Action.REVIEW))],
) -> Response:
    record = app_state(request).registry.show(f"P-{prior_art_id}")
    assert isinstance(record, PriorArtInfo)
    data = app_state(request).previews.get(record.sha256)
    return Response(data, media_type="image/jpeg",
                    headers={"cache-control": "private, max-age=600"})
