"""The benchmark's bookkeeping on a tiny run (the figures themselves come from long runs)."""

import json
import os
from pathlib import Path

from fangdu.dyehouse.bench import main, report

DATA = Path(__file__).parent / "data"


def test_bench_writes_rows_and_summary(tmp_path: Path) -> None:
    best = tmp_path / "best.csv"
    best.write_text("file_stem,norm_constant,best_known_norm\ntiny,12600,0.0266666666666667\n")
    inst = tmp_path / "inst"
    inst.mkdir()
    (inst / "tiny.dat").write_text((DATA / "tiny.dat").read_text())
    out = tmp_path / "b.jsonl"
    args = ["--instances", str(inst), "--generated", "--sizes", "6", "--per-size", "1"]
    args += ["--time-limit", "1", "--long-from", "6", "--long-limit", "2"]
    assert main([*args, "--best-known", str(best), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["instance"], r["time_limit"]) for r in rows] == [
        ("tiny", 1.0),
        ("gen-n6-k2-a2-s0", 1.0),
        ("gen-n6-k2-a2-s0", 2.0),
    ]
    assert rows[0]["ratio_best"] is not None and abs(rows[0]["ratio_best"] - 1) < 1e-9
    assert all(r["violations"] == 0 for r in rows)
    # What the solver got of the machine, beside the wall clock: never more than all cores.
    cores = os.cpu_count() or 1
    assert all(0 <= r["cpu_seconds"] <= (r["seconds"] + 0.1) * cores + 0.5 for r in rows)
    assert "| OSP | 5 | 1 | 1 |" in out.with_suffix(".md").read_text()


def test_use_cases_reweigh_the_uc1_files_and_the_report_lists_each_run(tmp_path: Path) -> None:
    # The UC-2/3 files differ from UC-1 only in weights and normaliser (data README §1).
    cols = "use_case,instance,file_stem,w_runtime,w_tardy,w_setupcost,w_setuptime"
    cols += ",norm_constant,best_known_norm,best_lb_norm,proven_optimal"
    best = tmp_path / "best.csv"
    best.write_text(
        f"{cols}\n1,7,tiny,12,2400,8,0,12600,0.0266666666666667,0.0266666666666667,True\n"
        "3,7,other-name,1,10,5,0,1000,0.041,,False\n"
    )
    inst = tmp_path / "inst"
    inst.mkdir()
    (inst / "tiny.dat").write_text((DATA / "tiny.dat").read_text())
    out = tmp_path / "osp.jsonl"
    args = ["--instances", str(inst), "--use-cases", "1,2,3", "--time-limit", "1"]
    assert main([*args, "--best-known", str(best), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["instance"], r["use_case"], r["osp_instance"]) for r in rows] == [
        ("UC1-007", 1, 7),
        ("UC3-007", 3, 7),
    ]
    # UC-3 weights: runtime 26·1 + wash cost 3·5 = 41 (no lot late) over 1000.
    assert abs(rows[1]["objective"] - 0.041) < 1e-12 and rows[1]["ratio_best"] is not None
    # --resume skips what is done; --report prints one line per run and a summary.
    assert main([*args, "--best-known", str(best), "--out", str(out), "--resume"]) == 0
    assert len(out.read_text().splitlines()) == 2
    table = report([json.loads(line) for line in out.read_text().splitlines()])
    assert "| UC-3 | 07 | 5 | 2 | 2 | 1 |" in table and "| UC-1 | 5 | 1 | 1 |" in table
