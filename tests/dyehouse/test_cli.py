"""``fangdu schedule``: solve → plan.json → validate, errors as one line with exit codes."""

import json
from pathlib import Path

from typer.testing import CliRunner

from fangdu.cli.dyehouse import schedule_app
from fangdu.dyehouse.models import Plan

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def test_solve_then_validate_round_trip(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    res = runner.invoke(
        schedule_app, ["solve", str(DATA / "tiny.dzn"), "--time-limit", "5", "-o", str(plan)]
    )
    assert res.exit_code == 0, res.output
    last = res.output.strip().splitlines()[-1]
    data = json.loads(plan.read_text())
    assert data["instance"] == "tiny"
    assert float(last) == data["objective"]["normalised"]
    assert set(data["objective"]) == {
        "runtime",
        "late_jobs",
        "setup_cost",
        "setup_time",
        "integer",
        "normalised",
    }
    assert {"machine", "start", "end", "jobs", "attribute"} <= set(data["batches"][0])
    res = runner.invoke(schedule_app, ["validate", str(DATA / "tiny.dat"), str(plan)])
    assert res.exit_code == 0, res.output
    assert res.output.strip().splitlines()[-1] == last


def test_validate_names_each_broken_rule(tmp_path: Path) -> None:
    plan = Plan.model_validate_json((DATA / "plan.json").read_text())
    moved = plan.batches[1].model_copy(update={"start": 45, "end": 55})
    bad = plan.model_copy(update={"batches": (plan.batches[0], moved, plan.batches[2])})
    (tmp_path / "bad.json").write_text(bad.model_dump_json())
    res = runner.invoke(
        schedule_app, ["validate", str(DATA / "tiny.dat"), str(tmp_path / "bad.json")]
    )
    assert res.exit_code == 1
    assert "[availability]" in res.output


def test_malformed_file_names_line_and_field(tmp_path: Path) -> None:
    text = (DATA / "tiny.dat").read_text().replace("MaxCap=[10, 8];", "MaxCap=[10];")
    (tmp_path / "bad.dat").write_text(text)
    res = runner.invoke(schedule_app, ["solve", str(tmp_path / "bad.dat")])
    assert res.exit_code == 2
    assert "bad.dat line 7: field MaxCap: expected 2 values, got 1" in res.output


def test_generate_writes_a_solvable_dat(tmp_path: Path) -> None:
    out = tmp_path / "g.dat"
    assert (
        runner.invoke(
            schedule_app, ["generate", "8", "2", "2", "--seed", "4", "-o", str(out)]
        ).exit_code
        == 0
    )
    again = tmp_path / "h.dat"
    runner.invoke(schedule_app, ["generate", "8", "2", "2", "--seed", "4", "-o", str(again)])
    assert out.read_text() == again.read_text()
    res = runner.invoke(schedule_app, ["solve", str(out), "--time-limit", "2"])
    assert res.exit_code == 0, res.output
    assert 0 < float(res.output.strip().splitlines()[-1]) <= 1
