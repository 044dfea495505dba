"""Command line: ``python -m fangdu.bench accuracy|all --out DIR [--n-originals N] [--seed S]``."""

from __future__ import annotations

from pathlib import Path

import typer

from fangdu.bench.accuracy import run_accuracy
from fangdu.bench.systems import SYSTEMS

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Fangdu benchmarks on synthetic textile prints.")

OUT = typer.Option(..., "--out", help="Directory for the report, JSON and examples.")
N_ORIGINALS = typer.Option(300, "--n-originals", min=1, help="Original prints in the library.")
SEED = typer.Option(0, "--seed", help="Seed of the whole dataset.")
SYSTEMS_OPT = typer.Option(",".join(SYSTEMS), "--systems", help="Comma-separated systems.")
VARIANTS = typer.Option(5, "--variants-per-original", min=1, max=15,
                        help="Copies queried per original (classes cycle).")
SIZE = typer.Option(768, "--size", min=128, help="Side of the drawn prints in pixels.")


@app.command()
def accuracy(out: Path = OUT, n_originals: int = N_ORIGINALS, seed: int = SEED,
             systems: str = SYSTEMS_OPT, variants_per_original: int = VARIANTS,
             size: int = SIZE) -> None:
    """Accuracy of Fangdu and the baselines: μAP, recall@P90, FPR on hard negatives, top-1."""
    run_accuracy(out, n_originals=n_originals, seed=seed,
                 systems=tuple(s.strip() for s in systems.split(",") if s.strip()),
                 variants_per_original=variants_per_original, size=size)


@app.command("all")
def all_benchmarks(out: Path = OUT, n_originals: int = N_ORIGINALS, seed: int = SEED) -> None:
    """Every benchmark (for now: accuracy)."""
    run_accuracy(out, n_originals=n_originals, seed=seed)


if __name__ == "__main__":
    app()
