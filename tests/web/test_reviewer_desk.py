"""The reviewer's desk (issue 12, finding 13): approving what the check calls a copy takes a
written, logged reason; the page says whose the matched work is; the queue puts copies first;
after a decision the page says what happened."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image
from webtools import HTML

from fangdu.errors import InputError
from fangdu.ledger.entries import COMMITMENT, open_commitment, parse_entry
from fangdu.synth import make_print

COPIED = 2  # a print of the library site, registered to "Keqiao Prints Co."


def mirrored_jpeg(seed: int) -> bytes:
    """A copier's version of a print: mirrored and re-encoded, so not the same bytes."""
    rgb = np.ascontiguousarray(make_print(seed, size=256, real_art=False).rgb[:, ::-1])
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def desk(library_site, print_png):
    """A library site with an original and then a copy of print 2 filed by an applicant, and a
    reviewer signed in."""
    site = library_site
    applicant = site.account("merchant", "applicant")
    site.clean_id = site.file_application(print_png(77), applicant, title="原创 Original")
    site.copy_id = site.file_application(mirrored_jpeg(COPIED), applicant, title="抄袭 Copy")
    filed = site.state.registry.queries.show(str(site.copy_id))
    assert any(m.verdict == "copy" for m in filed.review_matches)
    site.account("reviewer-1", "reviewer")
    site.login("reviewer-1")
    return site


def logged_decisions(site, work_id: int) -> list[dict]:
    """The facts of the decisions about a work in the log, their sealed part opened."""
    store = site.state.registry.ledger
    decisions = []
    for index, data in store.entries_about(f"work:{work_id}"):
        facts = parse_entry(data)["body"]["facts"]
        if parse_entry(data)["body"]["type"] == "status_change":
            opening = store.openings([index])[index]
            decisions.append({**facts, **open_commitment(facts[COMMITMENT], opening)})
    return decisions


def test_approving_a_copy_needs_a_reason_that_is_logged(desk):
    page = f"/review/{desk.copy_id}"
    detail = desk.client.get(page, headers=HTML).text
    assert re.search(r'<textarea id="reason" name="reason"[^>]* required', detail)

    bare = desk.post_form(page, f"{page}/decision", {"action": "approve", "reason": "  "})
    assert bare.status_code == 400
    assert "copy" in bare.text and 'role="alert"' in bare.text
    assert desk.state.registry.queries.show(str(desk.copy_id)).status == "pending"
    assert logged_decisions(desk, desk.copy_id) == []

    reason = "The motif is the applicant's own 2019 sketch; the registered work copied it."
    approved = desk.post_form(
        page, f"{page}/decision", {"action": "approve", "reason": reason}, follow_redirects=False
    )
    assert approved.status_code == 303
    work = desk.state.registry.queries.show(str(desk.copy_id))
    assert work.status == "registered" and work.decision_reason == reason
    [decision] = logged_decisions(desk, desk.copy_id)
    assert decision["reason"] == reason and decision["status"] == "registered"


def test_the_registry_refuses_a_copy_approved_without_reason(desk):
    registry = desk.state.registry
    with pytest.raises(InputError, match="copy"):
        registry.filing.decide(desk.copy_id, approve=True, reviewer="account:999", reason=" ")
    # A clean application still needs no reason to be approved.
    assert (
        registry.filing.decide(desk.clean_id, approve=True, reviewer="account:999").status
        == "registered"
    )


def test_the_page_says_whose_the_matched_work_is_and_its_status(desk):
    html = desk.client.get(f"/review/{desk.copy_id}", headers=HTML).text
    matched = html.split('class="facts matched-work"', 1)[1].split("</dl>", 1)[0]
    assert "Keqiao Prints Co." in matched
    assert 'class="badge status-registered"' in matched


def test_the_queue_shows_the_best_verdict_and_puts_copies_first(desk):
    html = desk.client.get("/review", headers=HTML).text
    rows = re.findall(r'<tr class="queue-(\w+)">\s*<td><a href="/review/(\d+)"', html)
    # The clean application was filed first, yet the copy leads.
    assert rows == [("copy", str(desk.copy_id)), ("none", str(desk.clean_id))]
    copy_row = html.split(f'href="/review/{desk.copy_id}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="badge verdict-copy"' in copy_row and "FD-" in copy_row


def test_after_a_decision_the_page_says_what_happened(desk):
    page = f"/review/{desk.clean_id}"
    approved = desk.post_form(page, f"{page}/decision", {"action": "approve", "reason": ""})
    assert approved.status_code == 200 and approved.url.path == page
    number = desk.state.registry.queries.show(str(desk.clean_id)).registration_no
    said = approved.text.split('class="alert ok" role="status">', 1)[1].split("</p>", 1)[0]
    assert f"W-{desk.clean_id}" in said and number in said

    page = f"/review/{desk.copy_id}"
    rejected = desk.post_form(
        page, f"{page}/decision", {"action": "reject", "reason": "copies FD-2026"}
    )
    said = rejected.text.split('class="alert ok" role="status">', 1)[1].split("</p>", 1)[0]
    assert f"W-{desk.copy_id}" in said
    # A plain visit later says nothing about a decision just made.
    assert 'role="status"' not in desk.client.get(page, headers=HTML).text


def test_the_api_refuses_a_copy_approved_without_reason(desk):
    reviewer = desk.state.accounts.by_username("reviewer-1")
    token = desk.state.accounts.issue_api_token(reviewer.id, "desk")
    headers = {"authorization": f"Bearer {token}"}
    path = f"/api/v1/works/{desk.copy_id}/decision"
    refused = desk.client.post(path, headers=headers, json={"approve": True})
    assert refused.status_code == 400 and "copy" in refused.json()["detail"]
    assert desk.state.registry.queries.show(str(desk.copy_id)).status == "pending"
    approved = desk.client.post(
        path, headers=headers, json={"approve": True, "reason": "the registered work copied it"}
    )
    assert approved.status_code == 200 and approved.json()["status"] == "registered"
