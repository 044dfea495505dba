"""The form and the API file applications through one schema, with one set of limits (issue 12
#8), and neither tells an applicant about someone else's application (#7)."""

from __future__ import annotations

import pytest

from fangdu.registry.application import CATEGORIES as CATEGORY_IDS
from fangdu.web.pages.common import CATEGORIES

FILING = {
    "title": "缠枝莲",
    "owner": "柯桥花样工作室",
    "created_on": "2026-03-01",
    "originality_statement": "本人原创。",
}


def token_for(site, username: str, role: str = "applicant") -> dict[str, str]:
    account = site.account(username, role)
    return {"authorization": f"Bearer {site.state.accounts.issue_api_token(account.id, 't')}"}


def api_file(site, headers, png: bytes, **fields):
    data = {k: v for k, v in {**FILING, **fields}.items() if v is not None}
    return site.client.post(
        "/api/v1/works", headers=headers, data=data, files={"file": ("d.png", png, "image/png")}
    )


def form_file(site, png: bytes, **fields):
    data = {k: v for k, v in {**FILING, **fields}.items() if v is not None}
    return site.post_form(
        "/apply",
        "/apply",
        data,
        files={"image": ("d.png", png, "image/png")},
        follow_redirects=False,
    )


@pytest.mark.parametrize(
    "change",
    [
        {"created_on": None},  # no creation date
        {"originality_statement": None},
        {"originality_statement": "   "},
        {"category": "wallpaper"},  # not one of ours
        {"created_on": "1700000000"},  # a timestamp is not a date
        {"created_on": "2999-01-01"},
        {"published_on": "2026-01-01"},  # before creation
        {"title": "x" * 201},
        {"description": "x" * 4001},
        {"designers": "x" * 201},
        {"title": "evil\u202etxt.png"},
    ],
)
def test_what_the_form_refuses_the_api_refuses(site, print_png, change):
    site.account("merchant", "applicant")
    site.login("merchant")
    assert form_file(site, print_png(70), **change).status_code == 400
    api = api_file(site, token_for(site, "program"), print_png(71), **change)
    assert api.status_code == 422, api.text
    assert api.json()["errors"][0]["loc"][0] == "body"
    assert not list(site.state.registry.queries.list_works())  # nothing was filed either way


def test_both_take_the_same_good_filing_at_the_limits(site, print_png):
    site.account("merchant", "applicant")
    site.login("merchant")
    longest = {"title": "t" * 200, "description": "d" * 4000, "category": "floral"}
    assert form_file(site, print_png(72), **longest).status_code == 303
    assert api_file(site, token_for(site, "program"), print_png(73), **longest).status_code == 201


def test_a_decision_is_a_real_boolean(site, print_png):
    applicant = token_for(site, "merchant")
    work = api_file(site, applicant, print_png(74)).json()["work"]
    reviewer = token_for(site, "reviewer-1", "reviewer")
    for body in (
        {"approve": "yes"},
        {"approve": 1},
        {"approve": "true"},
        {"approve": True, "extra": 1},
    ):
        response = site.client.post(
            f"/api/v1/works/{work['id']}/decision", headers=reviewer, json=body
        )
        assert response.status_code == 422, body
    assert site.state.registry.queries.show(str(work["id"])).status == "pending"


def test_the_forms_categories_are_the_schemas(site):
    assert tuple(CATEGORIES) == CATEGORY_IDS


def test_filing_a_copy_of_someone_elses_file_does_not_reveal_it(site, print_png):
    png = print_png(75)
    first = api_file(site, token_for(site, "first"), png).json()["work"]
    again = api_file(site, token_for(site, "second"), png)
    assert again.status_code == 409
    detail = again.json()["detail"]
    assert detail == "this image is already on file"
    assert str(first["id"]) not in detail and "pending" not in detail
    site.account("third", "applicant")
    site.login("third")
    page = form_file(site, png)
    assert page.status_code == 409
    assert f"W-{first['id']}" not in page.text and "pending" not in page.text.lower()
