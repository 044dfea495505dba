"""Pages for everyone: home, the AI self-service check, the language switch, the API index."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from fangdu.errors import ImageRejected
from fangdu.registry.schemas import MatchInfo
from fangdu.web import records
from fangdu.web.i18n import BY_CODE
from fangdu.web.pages.common import redirect, render, safe_next, set_cookie
from fangdu.web.security import verify_csrf
from fangdu.web.state import LANG_COOKIE, AppState, app_state, client_address, current_account
from fangdu.web.uploads import display_name, read_upload

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

CHECK_TOP_K = 10
EXPLAINED = 3  # pictures drawn per check: each costs a decode and a drawing


@router.get("/")
def home(request: Request) -> Response:
    state = app_state(request)
    totals = state.queries.totals()
    stats = {
        "works": totals.registered,
        "prior_art": totals.prior_art,
        "log_size": state.ledger.size(),
    }
    return render(request, "home.html", {"stats": stats})


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str | None = None) -> Response:
    if code not in BY_CODE:
        return redirect("/")
    response = redirect(safe_next(next))
    set_cookie(request, response, LANG_COOKIE, code, max_age=365 * 24 * 3600)
    return response


@router.get("/check")
def check_form(request: Request) -> Response:
    return render(request, "check.html", {"results": None, "refused": None})


@router.post("/check")
def check(request: Request, image: UploadFile | None = File(None)) -> Response:
    state = app_state(request)
    account = current_account(request)
    state.check_limiter.hit(account.subject if account else client_address(request))
    try:
        data = read_upload(image, state.core.settings.max_image_bytes)
        results = explained_check(state, data)
    except ImageRejected as exc:
        return render(request, "check.html", {"results": None, "refused": exc.reason}, status=422)
    return render(
        request,
        "check.html",
        {"results": results, "refused": None, "filename": display_name(image)},
    )


def explained_check(state: AppState, data: bytes) -> list[dict[str, object]]:
    """The check's matches worth showing, the best few with their side-by-side picture.

    The upload lives only in this function's memory and the page it makes."""
    matches = state.checking.check_bytes(data, top_k=CHECK_TOP_K)
    shown: list[MatchInfo] = [m for m in matches if m.verdict != "none"]
    return [
        {
            "match": m,
            "picture": records.explanation(state.checking, data, m) if i < EXPLAINED else None,
        }
        for i, m in enumerate(shown)
    ]


@router.get("/api")
def api_index(request: Request) -> Response:
    """The API's operations, listed from the generated OpenAPI document."""
    spec = request.app.openapi()
    operations = [
        {
            "method": method.upper(),
            "path": path,
            "summary": op.get("summary", ""),
            "description": op.get("description", ""),
        }
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
    ]
    return render(
        request, "api.html", {"operations": operations, "openapi_url": request.app.openapi_url}
    )


# Where FastAPI users look first. The stock /docs page loads scripts from a CDN, which the CSP
# forbids: the API index (/api) lists the same operations in the page's language.
@router.get("/openapi.json")
def openapi_alias(request: Request) -> Response:
    return RedirectResponse(request.app.openapi_url, status_code=308)


@router.get("/docs")
def docs_alias() -> Response:
    return RedirectResponse("/api", status_code=308)
