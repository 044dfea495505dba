"""The trade company's pages and /api/v1/trade (issue 18): upload, findings by rule ID inline,
unreadable cells named, plan and documents in the background, one company's lists hidden from
another's."""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile

import pytest
from webtools import HTML

from fangdu.trade.reader import COLUMNS
from fangdu.trade.sample import sample_rows
from fangdu.web.pages.trade import sample_with_mistakes


def goods_csv(rows) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[c.zh for c in COLUMNS], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def wait_until_planned(site, url: str, headers: dict | None = None):
    for _ in range(600):
        if headers is not None:
            body = site.client.get(url, headers=headers).json()
            if body["state"] not in ("queued", "running"):
                return body
        else:
            page = site.client.get(url, headers=HTML)
            assert page.status_code == 200, page.text
            if "refresh" not in page.headers:
                return page.text
        time.sleep(0.1)
    raise AssertionError("planning did not finish")


@pytest.fixture
def clerk(site):
    site.account("clerk", "trader", party="绍兴柯桥华纺进出口有限公司")
    site.login("clerk")
    return site


def upload(site, data: bytes, name: str = "day.csv"):
    return site.post_form(
        "/trade",
        "/trade",
        {"action": "check"},
        files={"goods": (name, data, "text/csv")},
        follow_redirects=False,
    )


def test_findings_are_shown_inline_under_their_rule_ids(clerk):
    rows = sample_rows(12, seed=3)
    rows[2]["成分"] = "天丝100%"  # a market name, not the standard fibre name
    rows[5]["净重"] = str(float(rows[5]["毛重"]) + 10)  # net above gross
    response = upload(clerk, goods_csv(rows))
    assert response.status_code == 303, response.text
    page = clerk.client.get(response.headers["location"], headers=HTML).text
    rules = re.findall(
        r'<tr class="finding finding-(\w+)" data-rule="([A-Z0-9-]+)"><td><a [^>]*>([^<]*)', page
    )
    errors = {(rule, where) for severity, rule, where in rules if severity == "error"}
    assert ("CLS-FIBRE-ALIAS", "csv!4") in errors
    assert ("CON-NET-GROSS", "csv!7") in errors
    # Only the two broken lines have error findings.
    assert {where for _, where in errors} == {"csv!4", "csv!7"}
    assert 'id="classification"' in page and "申报要素" in page


def test_a_line_is_fixed_in_the_page_and_the_list_checked_again(clerk):
    rows = sample_rows(8, seed=4)
    gross = rows[3]["毛重"]
    rows[3]["净重"] = str(float(gross) + 10)  # row 5 of the sheet: net above gross
    first = upload(clerk, goods_csv(rows)).headers["location"]
    page = clerk.client.get(first, headers=HTML).text
    assert f'href="{first}/lines/5"' in page
    form = clerk.client.get(f"{first}/lines/5", headers=HTML).text
    assert "CON-NET-GROSS" in form  # the line's findings above its cells
    cells = dict(
        (label, (i, value))
        for i, label, value in re.findall(
            r'<label for="c(\d+)">([^<]*)</label>\s*<input id="c\d+" name="c\d+" value="([^"]*)"',
            form,
        )
    )
    data = {f"c{i}": value for i, value in cells.values()}
    data[f"c{cells['净重'][0]}"] = str(float(gross) - 5)
    response = clerk.post_form(f"{first}/lines/5", f"{first}/lines/5", data, follow_redirects=False)
    assert response.status_code == 303, response.text
    second = response.headers["location"]
    assert second != first
    fixed = clerk.client.get(second, headers=HTML).text
    assert 'data-rule="CON-NET-GROSS"' not in fixed and "finding-error" not in fixed
    # The original is kept as it was.
    assert 'data-rule="CON-NET-GROSS"' in clerk.client.get(first, headers=HTML).text
    # A line added in the page: the next row, blank, then checked with the rest.
    added = clerk.client.get(f"{first}/lines/10", headers=HTML)
    assert added.status_code == 200 and 'value=""' in added.text
    assert clerk.client.get(f"{first}/lines/11", headers=HTML).status_code == 404
    response = clerk.post_form(
        f"{first}/lines/10", f"{first}/lines/10", data, follow_redirects=False
    )
    third = clerk.client.get(response.headers["location"], headers=HTML).text
    assert "csv!10" in third and third.count("<td><code>") > page.count("<td><code>")
    # A cell that cannot be read: the form again, the cell named, no new list.
    data[f"c{cells['净重'][0]}"] = "很重"
    response = clerk.post_form(f"{first}/lines/5", f"{first}/lines/5", data, follow_redirects=False)
    assert response.status_code == 422 and "净重" in response.text


def test_an_unreadable_file_names_each_cell_and_nothing_is_kept(clerk):
    rows = sample_rows(5, seed=1)
    rows[1]["米数"] = "五十"
    response = upload(clerk, goods_csv(rows))
    assert response.status_code == 422
    cells = re.findall(
        r'<tr class="row-error"><td>([^<]*)</td><td class="num">(\d*)</td><td>([^<]*)',
        response.text,
    )
    assert ("csv", "3", "米数") in cells
    assert "/trade/" not in response.text.split('id="read-errors"')[1].split("</div>")[0]
    assert clerk.client.get("/trade", headers=HTML).text.count('href="/trade/') == 0


def test_plan_and_documents_from_the_sample_day(clerk):
    response = clerk.post_form(
        "/trade", "/trade", {"action": "sample", "sample_lines": "20"}, follow_redirects=False
    )
    url = response.headers["location"]
    page = clerk.client.get(url, headers=HTML).text
    found = set(re.findall(r'data-rule="([A-Z0-9-]+)"', page))
    assert {"CLS-FIBRE-ALIAS", "CON-NET-GROSS", "CON-USCC"} <= found
    response = clerk.post_form(url, url + "/plan", follow_redirects=False)
    assert response.status_code == 303
    page = wait_until_planned(clerk, url)
    assert 'id="plan-summary"' in page, page
    held = re.search(r'id="kpi-held"><span class="value">(\d+)', page)
    assert held and int(held.group(1)) == 3  # the three broken lines are held, never planned
    # Each declaration: its lines and its item count (numbers, as the plan has them).
    declarations = re.findall(
        r'<tr><td>(D[\d-]+)</td><td>[^<]*</td><td class="num">([\d.]+)</td>'
        r'<td class="num">(\d+)</td><td class="num">(\d+)</td>',
        page,
    )
    assert declarations and all(int(items) >= 1 for *_, items in declarations)
    assert sum(int(lines) for _, _, lines, _ in declarations) == 20 - 3
    archive = clerk.client.get(url + "/documents.zip")
    assert archive.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert "manifest.json" in names
    assert any(n.endswith(".pdf") for n in names) and any(n.endswith(".xlsx") for n in names)


def test_one_company_never_sees_anothers_list(site):
    site.account("clerk", "trader", party="甲公司")
    site.account("rival", "trader", party="乙公司")
    site.login("clerk")
    response = site.post_form(
        "/trade", "/trade", {"action": "sample", "sample_lines": "5"}, follow_redirects=False
    )
    url = response.headers["location"]
    site.logout()
    site.login("rival")
    assert site.client.get(url, headers=HTML).status_code == 404
    assert site.client.get(url + "/documents.zip").status_code == 404


def test_the_api_checks_at_once_and_plans_in_the_background(site):
    account = site.account("erp", "trader", party="甲公司")
    token = site.state.accounts.issue_api_token(account.id, "erp")
    headers = {"authorization": f"Bearer {token}"}
    data = sample_with_mistakes(10, 7)
    response = site.client.post(
        "/api/v1/trade/check", headers=headers, files={"file": ("day.csv", data, "text/csv")}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert {"CLS-FIBRE-ALIAS", "CON-NET-GROSS", "CON-USCC"} <= set(body["by_rule"])
    assert len(body["lines"]) == 10 and all(ln["elements"] for ln in body["lines"])
    response = site.client.post(
        "/api/v1/trade/plan", headers=headers, files={"file": ("day.csv", data, "text/csv")}
    )
    assert response.status_code == 202, response.text
    body = wait_until_planned(site, response.headers["location"], headers)
    assert body["state"] == "done", body
    assert body["plan"]["summary"]["lines_held"] == 3
    zipped = site.client.get(body["documents"], headers=headers)
    assert zipped.status_code == 200 and zipped.content[:2] == b"PK"
    paths = site.client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/trade/check", "/api/v1/trade/plan"} <= set(paths)


def test_an_unreadable_list_over_the_api_is_a_problem_with_every_cell(site):
    account = site.account("erp", "trader")
    token = site.state.accounts.issue_api_token(account.id, "erp")
    rows = sample_rows(3, seed=2)
    rows[0]["金额"] = "lots"
    response = site.client.post(
        "/api/v1/trade/check",
        headers={"authorization": f"Bearer {token}"},
        files={"file": ("day.csv", goods_csv(rows), "text/csv")},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "金额")]
