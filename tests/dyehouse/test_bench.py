"""The benchmark's bookkeeping on a tiny run (the figures themselves come from long runs)."""

import json
from pathlib import Path

from fangdu.dyehouse.bench import main

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
    assert "| OSP | 5 | 1 | 1 |" in out.with_suffix(".md").read_text()
