"""The home / away table of issue 14: the home accuracy bench (``fangdu.synth``) and the away
bench side by side, with home's classes pooled into the away (and issue) columns."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from fangdu.bench.shortlist import CUTOFFS

# Column -> home classes pooled into it (None: home has no such class).
COLUMNS: dict[str, tuple[tuple[str, ...] | None, str]] = {
    "jpeg": (("jpeg",), "jpeg"),
    "recolour": (("hue_shift", "colourway", "greyscale"), "recolour"),
    "rescale": (("scale_down", "scale_up"), "rescale"),
    "crop": (("crop",), "crop"),
    "rotate/mirror": (("rotate90", "rotate_small", "mirror"), "rotate_mirror"),
    "repeat shift": (("repeat_shift",), "repeat_shift"),
    "motifs re-arranged": (("rearranged",), "rearranged"),
    "fabric photo": (("photo",), "fabric_photo"),
    "combo": (("combo",), "combo"),
    "one motif reused": (None, "motif_reused"),
    "simple design exact": (None, "simple_exact"),
}


def _f(x: float | None) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"


def _pooled(per_class: dict[str, dict], classes: tuple[str, ...] | None, key: str) -> float | None:
    """n-weighted mean of ``key`` over ``classes`` (rows carry their count in ``n``)."""
    if classes is None:
        return None
    rows = [per_class[c] for c in classes if c in per_class]
    n = sum(r["n"] for r in rows)
    return sum(r[key] * r["n"] for r in rows) / n if n else None


def home_figures(out: Path) -> dict | None:
    """Home figures from ``accuracy.json`` and ``predictions.csv`` in ``out`` (fangdu only)."""
    path = out / "accuracy.json"
    if not path.exists():
        return None
    results = json.loads(path.read_text())
    fangdu = results["systems"].get("fangdu")
    if fangdu is None:
        return None
    counts: dict[str, int] = {}
    neg_best: dict[str, float] = {}
    with (out / "predictions.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["system"] != "fangdu":
                continue
            if row["group"] == "variant" and row["rank"] == "1":
                counts[row["kind"]] = counts.get(row["kind"], 0) + 1
            if row["group"] == "hard_negative":
                q = row["query_id"]
                neg_best[q] = max(neg_best.get(q, 0.0), float(row["score"]))
    per_class = {
        k: {"n": counts.get(k, 0), "top1": v}
        for k, v in fangdu["top1_by_class"].items()
        if v is not None and not (isinstance(v, float) and math.isnan(v))
    }
    from fangdu.similarity import COPY_THRESHOLD, SIMILAR_THRESHOLD

    n_neg = max(len(neg_best), 1)
    return {
        "micro_ap": fangdu["micro_ap"],
        "recall_at_p90": fangdu["recall_at_p90"],
        "threshold_at_p90": fangdu["threshold_at_p90"],
        "top1": fangdu["top1"],
        "per_class": per_class,
        "shortlist": fangdu.get("shortlist", {}),
        # Verdicts follow the score thresholds; unranked negatives had no candidate at all.
        "negatives_any_similar": sum(s >= SIMILAR_THRESHOLD for s in neg_best.values()) / n_neg,
        "negatives_any_copy": sum(s >= COPY_THRESHOLD for s in neg_best.values()) / n_neg,
    }


def away_figures(out: Path) -> dict | None:
    path = out / "away.json"
    if not path.exists():
        return None
    r = json.loads(path.read_text())
    return {
        "micro_ap": r["micro_ap"],
        "recall_at_p90": r["recall_at_p90"],
        "threshold_at_p90": r["threshold_at_p90"],
        "top1": r["top1"],
        "per_class": r["by_class"],
        "shortlist": r["shortlist"],
        "negatives_any_similar": r["negatives_any_similar"],
        "negatives_any_copy": r["negatives_any_copy"],
    }


def render_table(home: dict | None, away: dict | None) -> str:
    """Two markdown tables: μAP / recall / top-1 per class, then shortlist recall per class."""
    head = ["benchmark", "μAP", "recall @ P90", "threshold @ P90", "top-1", *COLUMNS]
    head += ["negatives any `similar`", "negatives any `copy`"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, fig, home_side in (("home", home, True), ("away", away, False)):
        if fig is None:
            continue
        cells = [name, _f(fig["micro_ap"]), _f(fig["recall_at_p90"])]
        cells += [_f(fig["threshold_at_p90"]), _f(fig["top1"])]
        for home_classes, away_class in COLUMNS.values():
            classes = home_classes if home_side else (away_class,)
            cells.append(_f(_pooled(fig["per_class"], classes, "top1")))
        cells += [_f(fig["negatives_any_similar"]), _f(fig["negatives_any_copy"])]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Shortlist recall: share of copies whose source is among the first k global "
        "candidates (@10 / @20 / @50 / @200).",
        "",
        "| benchmark | all | " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * (len(COLUMNS) + 2),
    ]
    for name, fig, home_side in (("home", home, True), ("away", away, False)):
        if fig is None or not fig["shortlist"]:
            continue
        short = fig["shortlist"]

        def cell(classes: tuple[str, ...] | None, short: dict = short) -> str:
            if classes is None:
                return "—"
            vals = [_pooled(short, classes, f"@{k}") for k in CUTOFFS]
            return " / ".join(_f(v) for v in vals)

        cells = [name, cell(("all",))]
        for home_classes, away_class in COLUMNS.values():
            cells.append(cell(home_classes if home_side else (away_class,)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_home_away(home_out: Path, away_out: Path, target: Path) -> str:
    text = "# Home and away\n\n" + render_table(home_figures(home_out), away_figures(away_out))
    target.write_text(text)
    return text
