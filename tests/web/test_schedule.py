"""The dye-house planner's pages and /api/v1/schedule (issue 17): tables in, plan out, row-level
errors, Gantt chart, re-plan after a rush order, one dye house's plans hidden from another."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from webtools import HTML

from fangdu.dyehouse import Plan, generate, load_instance, validate
from fangdu.dyehouse.tables import read_workbook, sample_tables, tables_csv, tables_xlsx

SAMPLE = sample_tables(8, 2, 3, seed=1)


def wait_for_plan(site, job_url: str, api_headers: dict | None = None) -> str:
    """The page (or the API's JSON) once the background job is no longer running."""
    for _ in range(300):
        if api_headers is not None:
            body = site.client.get(job_url, headers=api_headers).json()
            if body["state"] not in ("new", "queued", "running"):
                return body
        else:
            page = site.client.get(job_url, headers=HTML)
            assert page.status_code == 200, page.text
            if "refresh" not in page.headers:
                return page.text
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


@pytest.fixture
def planner(site):
    site.account("dyer", "planner", party="柯桥一号印染厂")
    site.login("dyer")
    return site


def upload(site, files: dict, seconds: str = "2"):
    return site.post_form(
        "/schedule",
        "/schedule",
        {"action": "solve", "seconds": seconds},
        files=files,
        follow_redirects=False,
    )


def test_csv_tables_are_solved_into_a_gantt_chart(planner):
    csv = tables_csv(SAMPLE)
    response = upload(
        planner,
        {
            "lots": ("lots.csv", csv["lots"], "text/csv"),
            "vats": ("vats.csv", csv["vats"], "text/csv"),
            "washes": ("washes.csv", csv["washes"], "text/csv"),
        },
    )
    assert response.status_code == 303
    url = response.headers["location"]
    page = wait_for_plan(planner, url)
    assert "<svg" in page and 'class="gantt"' in page
    # Every vat has a row and every lot is drawn in some run.
    for vat in SAMPLE.vats:
        assert f'data-vat="{vat}"' in page
    drawn = " ".join(re.findall(r'data-lots="([^"]*)"', page))
    assert sorted(drawn.split()) == sorted(SAMPLE.lots)
    for kpi in ("kpi-late", "kpi-washes", "kpi-wash-cost", "kpi-run-hours", "kpi-utilisation"):
        assert f'id="{kpi}"' in page
    # The plan downloaded from the page passes the independent validator.
    plan = Plan.model_validate_json(planner.client.get(url + "/plan.json").content)
    assert validate(SAMPLE.instance, plan) == []
    # The run sheet for the shop floor: every run of the plan, as Excel and as a PDF.
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(planner.client.get(url + "/plan.xlsx").content)).active
    assert sheet.max_row == 1 + len(plan.batches)
    lots_in_sheet = " ".join(str(row[8].value) for row in sheet.iter_rows(min_row=2))
    assert all(lot in lots_in_sheet for lot in SAMPLE.lots)
    pdf = planner.client.get(url + "/plan.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert planner.client.get(url + "/plan.pdf").content == pdf.content  # stable bytes
    # The tables come back as a workbook that reads as the same instance.
    book = planner.client.get(url + "/tables.xlsx")
    assert read_workbook(book.content).instance.jobs == SAMPLE.instance.jobs


def test_late_lots_are_marked_in_the_chart_and_the_table(planner):
    # A lot due before it can possibly finish is late whatever the plan.
    inst = SAMPLE.instance
    jobs = list(inst.jobs)
    jobs[0] = jobs[0].model_copy(update={"due": jobs[0].release})
    tables = SAMPLE.model_copy(update={"instance": inst.model_copy(update={"jobs": tuple(jobs)})})
    response = upload(planner, {"workbook": ("day.xlsx", tables_xlsx(tables), "application/zip")})
    page = wait_for_plan(planner, response.headers["location"])
    late_run = re.search(r'<g class="run late" data-lots="([^"]*)"', page)
    assert late_run and SAMPLE.lots[0] in late_run.group(1).split()
    assert re.search(rf'<tr class="late"><td>{SAMPLE.lots[0]}</td>', page)
    assert re.search(r'id="kpi-late"><span class="value">[1-9]', page)


def test_bad_tables_are_refused_row_by_row_and_nothing_is_planned(planner):
    csv = tables_csv(SAMPLE)
    lots = csv["lots"].decode("utf-8-sig").splitlines()
    cells = lots[2].split(",")
    cells[3] = "九十"  # weight: not a number
    lots[2] = ",".join(cells)
    cells = lots[3].split(",")
    cells[4] = "荧光 neon"  # a recipe class the wash table does not know
    lots[3] = ",".join(cells)
    response = upload(
        planner,
        {
            "lots": ("lots.csv", "\n".join(lots).encode(), "text/csv"),
            "vats": ("vats.csv", csv["vats"], "text/csv"),
            "washes": ("washes.csv", csv["washes"], "text/csv"),
        },
    )
    assert response.status_code == 422
    rows = re.findall(
        r'<tr class="row-error"><td>(.*?)</td><td class="num">(\d*)</td>', response.text
    )
    assert ("缸卡", "3") in rows and ("缸卡", "4") in rows
    assert "荧光 neon" in response.text
    assert (
        "Your dye house" not in response.text
        and "/schedule/" not in response.text.split("table-errors")[1].split("</div>")[0]
    )


def test_a_sample_day_and_a_rush_order_replan(planner):
    response = planner.post_form(
        "/schedule",
        "/schedule",
        {"action": "sample", "sample_lots": "10", "sample_seed": "3", "seconds": "2"},
        follow_redirects=False,
    )
    first = response.headers["location"]
    page = wait_for_plan(planner, first)
    assert "<svg" in page
    classes = re.findall(r'<option value="([^"]+)">', page)
    response = planner.post_form(
        first,
        first + "/rush",
        {
            "lot": "急单-001",
            "weight": "100",
            "recipe_class": classes[0],
            "min_time": "60",
            "max_time": "120",
            "due": "2000",
            "now": "0",
            "seconds": "3",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = wait_for_plan(planner, response.headers["location"])
    assert 'id="replan"' in page
    assert "急单-001" in re.findall(r'data-lots="([^"]*)"', page).__str__()


def test_a_breakdown_and_a_failed_shade_replan(planner):
    response = planner.post_form(
        "/schedule",
        "/schedule",
        {"action": "sample", "sample_lots": "10", "sample_seed": "5", "seconds": "2"},
        follow_redirects=False,
    )
    first = response.headers["location"]
    wait_for_plan(planner, first)
    tables = sample_tables(10, 2, 3, seed=5)
    down_until = tables.instance.horizon // 2
    response = planner.post_form(
        first,
        first + "/event",
        {"event": "breakdown", "vat": tables.vats[0], "start": "0", "end": str(down_until)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = wait_for_plan(planner, response.headers["location"])
    assert 'id="replan"' in page, page
    plan = Plan.model_validate_json(
        planner.client.get(response.headers["location"] + "/plan.json").content
    )
    assert all(bt.start >= down_until for bt in plan.batches if bt.machine == 1)
    # A vat down for the whole horizon has no window left: refused, named.
    response = planner.post_form(
        first,
        first + "/event",
        {"event": "breakdown", "vat": tables.vats[0], "start": "0", "end": "999999"},
        follow_redirects=False,
    )
    assert response.status_code == 422 and "no availability window" in response.text
    # A failed shade: the lot is dyed again as a new lot, planned from now.
    response = planner.post_form(
        first,
        first + "/event",
        {"event": "redye", "lot": tables.lots[2], "now": "0"},
        follow_redirects=False,
    )
    page = wait_for_plan(planner, response.headers["location"])
    drawn = " ".join(re.findall(r'data-lots="([^"]*)"', page)).split()
    assert f"{tables.lots[2]}-复染" in drawn and tables.lots[2] in drawn


def test_one_dye_house_never_sees_anothers_plan(site):
    site.account("dyer", "planner", party="一号厂")
    site.account("rival", "planner", party="二号厂")
    site.login("dyer")
    response = site.post_form(
        "/schedule", "/schedule", {"action": "sample", "seconds": "1"}, follow_redirects=False
    )
    url = response.headers["location"]
    wait_for_plan(site, url)
    site.logout()
    site.login("rival")
    assert site.client.get(url, headers=HTML).status_code == 404
    assert site.client.get(url + "/plan.json").status_code == 404
    assert url not in site.client.get("/schedule", headers=HTML).text


def test_the_api_solves_in_the_background_and_validates(site):
    account = site.account("mes", "planner", party="一号厂")
    token = site.state.accounts.issue_api_token(account.id, "mes")
    headers = {"authorization": f"Bearer {token}"}
    inst = generate(10, 2, 2, seed=4)
    response = site.client.post(
        "/api/v1/schedule/solve",
        headers=headers,
        json={"instance": inst.model_dump(mode="json"), "time_limit": 2},
    )
    assert response.status_code == 202, response.text
    body = wait_for_plan(site, response.headers["location"], api_headers=headers)
    assert body["state"] == "done"
    plan = Plan.model_validate(body["plan"])
    assert validate(inst, plan) == []
    checked = site.client.post(
        "/api/v1/schedule/validate",
        headers=headers,
        json={"instance": inst.model_dump(mode="json"), "plan": plan.model_dump(mode="json")},
    ).json()
    assert checked["valid"] and checked["objective"]["integer"] == plan.objective.integer
    # A broken plan: a run moved before its lots are released.
    first = plan.batches[0]
    broken = plan.model_copy(
        update={"batches": (first.model_copy(update={"start": -5, "end": -1}), *plan.batches[1:])}
    )
    checked = site.client.post(
        "/api/v1/schedule/validate",
        headers=headers,
        json={"instance": inst.model_dump(mode="json"), "plan": broken.model_dump(mode="json")},
    ).json()
    assert not checked["valid"] and checked["objective"] is None
    assert {"release"} <= {v["rule"] for v in checked["violations"]}
    # In the OpenAPI spec.
    paths = site.client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/schedule/solve", "/api/v1/schedule/jobs/{job_id}"} <= set(paths)


def test_the_schedule_scope_is_needed(site):
    account = site.account("mes", "planner")
    token = site.state.accounts.issue_api_token(account.id, "mes", scopes=["read"])
    response = site.client.post(
        "/api/v1/schedule/validate",
        headers={"authorization": f"Bearer {token}"},
        json={},
    )
    assert response.status_code == 403


def test_a_job_whose_worker_is_gone_says_so(planner):
    """After a restart a job that was running is reported failed, not running for ever."""
    import json
    import subprocess

    response = planner.post_form(
        "/schedule", "/schedule", {"action": "sample", "seconds": "1"}, follow_redirects=False
    )
    url = response.headers["location"]
    wait_for_plan(planner, url)
    folder = next((planner.settings.resolved_home() / "workspaces" / "schedule").glob("*/*"))
    dead = subprocess.Popen(["true"])
    dead.wait()
    (folder / "status.json").write_text(json.dumps({"state": "running", "pid": dead.pid}))
    page = planner.client.get(url, headers=HTML)
    assert "refresh" not in page.headers
    assert 'id="failed"' in page.text and "interrupted" in page.text


TINY = Path(__file__).resolve().parents[1] / "dyehouse" / "data"


@pytest.mark.parametrize("name", ["tiny.dat", "tiny.dzn"])
def test_an_osp_instance_file_is_planned_too(planner, name):
    response = upload(planner, {"workbook": (name, (TINY / name).read_bytes(), "text/plain")})
    assert response.status_code == 303, response.text
    page = wait_for_plan(planner, response.headers["location"])
    plan = Plan.model_validate_json(
        planner.client.get(response.headers["location"] + "/plan.json").content
    )
    assert validate(load_instance(TINY / name), plan) == []
    assert "<svg" in page


def test_a_malformed_dat_names_its_line_and_field(planner):
    text = (
        (TINY / "tiny.dat").read_text().replace("JobSize=[4, 5, 3, 2, 6];", "JobSize=[4, 5, 3, 2];")
    )
    response = upload(planner, {"workbook": ("mine.dat", text.encode(), "text/plain")})
    assert response.status_code == 422
    assert "mine.dat line 19: field JobSize: expected 5 values, got 4" in response.text
