"""Command line: ``python -m fangdu.bench accuracy|away|all --out DIR [--seed S] ...``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from fangdu.bench.accuracy import run_accuracy
from fangdu.bench.speed import check_benchmark, index_benchmark, render_markdown
from fangdu.bench.systems import SYSTEMS
from fangdu.similarity import DESCRIPTOR_DIM

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Fangdu benchmarks on synthetic textile prints.",
)

OUT = typer.Option(..., "--out", help="Directory for the report, JSON and examples.")
N_ORIGINALS = typer.Option(300, "--n-originals", min=1, help="Original prints in the library.")
SEED = typer.Option(0, "--seed", help="Seed of the whole dataset.")
SYSTEMS_OPT = typer.Option(",".join(SYSTEMS), "--systems", help="Comma-separated systems.")
VARIANTS = typer.Option(
    5, "--variants-per-original", min=1, max=15, help="Copies queried per original (classes cycle)."
)
SIZE = typer.Option(768, "--size", min=128, help="Side of the drawn prints in pixels.")


@app.command()
def accuracy(
    out: Path = OUT,
    n_originals: int = N_ORIGINALS,
    seed: int = SEED,
    systems: str = SYSTEMS_OPT,
    variants_per_original: int = VARIANTS,
    size: int = SIZE,
) -> None:
    """Accuracy of Fangdu and the baselines: μAP, recall@P90, FPR on hard negatives, top-1."""
    run_accuracy(
        out,
        n_originals=n_originals,
        seed=seed,
        systems=tuple(s.strip() for s in systems.split(",") if s.strip()),
        variants_per_original=variants_per_original,
        size=size,
    )


@app.command()
def speed(
    out: Path = OUT,
    references: int = typer.Option(
        100_000, "--references", min=1000, help="Library size for the check latency."
    ),
    rendered: int = typer.Option(
        200, "--rendered", min=10, help="Real prints rendered and imported (import speed)."
    ),
    index_references: int = typer.Option(
        1_000_000, "--index-references", min=1000, help="Library size for the index alone."
    ),
    seed: int = SEED,
) -> None:
    """Import throughput, check latency and the index at a million references."""
    out.mkdir(parents=True, exist_ok=True)
    check = check_benchmark(n_refs=references, n_real=rendered, seed=seed)
    index = index_benchmark(index_references, DESCRIPTOR_DIM, seed=seed)
    (out / "speed.json").write_text(json.dumps({"check": check, "index": index}, indent=2))
    (out / "speed.md").write_text(render_markdown(index, check))
    print(f"wrote {out / 'speed.md'}")


@app.command()
def load(
    out: Path = OUT,
    references: int = typer.Option(100_000, "--references", min=1000),
    users: int = typer.Option(20, "--users", min=1),
    seconds: int = typer.Option(60, "--seconds", min=5),
    workers: int = typer.Option(2, "--workers", min=1),
    seed: int = SEED,
) -> None:
    """Concurrent users checking images through `fangdu serve --workers N` (Locust)."""
    from fangdu.bench.load import load_benchmark

    out.mkdir(parents=True, exist_ok=True)
    result = load_benchmark(
        references=references, users=users, seconds=seconds, workers=workers, seed=seed
    )
    (out / "load.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


@app.command()
def ledger(
    out: Path = OUT,
    events: int = typer.Option(20_000, "--events", min=100, help="Signed events appended."),
    size: int = typer.Option(1_000_000, "--size", min=1000, help="Entries for the proofs."),
) -> None:
    """Evidence log: signed appends per second on SQLite; proofs at a million entries."""
    from fangdu.bench import ledger as bench

    out.mkdir(parents=True, exist_ok=True)
    appends = bench.append_benchmark(events)
    proofs = bench.proof_benchmark(size)
    (out / "ledger.json").write_text(json.dumps({"appends": appends, "proofs": proofs}, indent=2))
    (out / "ledger.md").write_text(bench.render_markdown(appends, proofs))
    print(f"wrote {out / 'ledger.md'}")


@app.command()
def dyehouse(
    out: Path = OUT,
    instances: Path | None = typer.Option(None, "--instances", help="OSP .dat/.dzn folder."),
) -> None:
    """Dye-house vat scheduler (fangdu.dyehouse.bench): 60 s per instance, 300 s from n = 250."""
    from fangdu.dyehouse.bench import main as run_dyehouse

    extra = ["--instances", str(instances)] if instances else []
    run_dyehouse(["--generated", "--out", str(out / "dyehouse.jsonl"), *extra])


@app.command()
def away(
    out: Path = OUT,
    size: str = typer.Option(
        "full",
        "--size",
        help="full (5,000 references, 1,200 queries), quick (500 / 240) or tiny (40 / 30).",
    ),
    seed: int = SEED,
    jobs: int = typer.Option(2, "--jobs", min=1, help="Processes drawing the images."),
    rescore: bool = typer.Option(
        False, "--rescore", help="Score the last import and check again (no product run)."
    ),
) -> None:
    """The away benchmark (other art, layouts and photos; never tuned on) through
    `fangdu import` and `fangdu check --json`; writes away.md and away.json."""
    from fangdu.bench.away.dataset import SIZES
    from fangdu.bench.away.run import run_away

    if size not in SIZES:
        raise typer.BadParameter(f"--size must be one of {', '.join(SIZES)}")
    run_away(out, size=size, seed=seed, jobs=jobs, rescore=rescore)


@app.command("all")
def all_benchmarks(out: Path = OUT, n_originals: int = N_ORIGINALS, seed: int = SEED) -> None:
    """Accuracy at home (with the baselines) and away, then speed, ledger, dye-house."""
    run_accuracy(out, n_originals=n_originals, seed=seed)
    away(out, size="full", seed=seed, jobs=2, rescore=False)
    from fangdu.bench.homeaway import write_home_away

    write_home_away(out, out, out / "home-away.md")
    speed(out, seed=seed, references=100_000, rendered=200, index_references=1_000_000)
    ledger(out, events=20_000, size=1_000_000)
    dyehouse(out, instances=None)


if __name__ == "__main__":
    app()
