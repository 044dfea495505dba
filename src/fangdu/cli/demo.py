"""`fangdu demo`: generate a small library, import it, check copies and strangers, show results.

Runs in its own SQLite home, never in the user's registry, and finishes in well under a
minute on two cores.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fangdu.cli.render import VERDICT_STYLES
from fangdu.config import load_settings
from fangdu.registry.files import expand
from fangdu.registry.filing import RegistrationRefused
from fangdu.registry.schemas import RegistrationRequest
from fangdu.registry.services import Registry
from fangdu.synth import make_print, make_variant, stock_pattern

PRINTS = 30
SIZE = 768  # the size the bench draws at; a photographed 512 px print is too coarse
# (query name, how it was made, seed of the print it copies or None for a stranger)
CASES = [
    ("recoloured", "colourway", 3),
    ("cropped", "crop", 7),
    ("rotated", "rotate90", 11),
    ("photographed", "photo", 15),
    ("mirrored", "mirror", 21),
    ("unrelated", "another print", None),
    ("stripes", "stock stripes", None),
]


def run_demo(keep: Path | None, out: Console, err: Console) -> None:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        _demo(keep, out, err)
        return
    with tempfile.TemporaryDirectory(prefix="fangdu-demo-") as tmp:
        _demo(Path(tmp), out, err)


def _demo(root: Path, out: Console, err: Console) -> None:
    started = time.perf_counter()
    library, queries = root / "library", root / "queries"
    library.mkdir(exist_ok=True)
    queries.mkdir(exist_ok=True)
    with err.status(f"drawing {PRINTS} prints"):
        # Procedural art: same pixels on every machine, and no clip art to rasterise.
        prints = {seed: make_print(seed, size=SIZE, real_art=False) for seed in range(PRINTS)}
        for seed, p in prints.items():
            Image.fromarray(p.rgb).save(library / f"print-{seed:02d}.png")
        rng = np.random.default_rng(2026)
        for name, kind, seed in CASES:
            if seed is not None:
                rgb = make_variant(prints[seed], kind, rng)
            elif kind == "stock stripes":
                rgb = stock_pattern("stripes", rng, size=SIZE).rgb
            else:
                rgb = make_print(10_000, size=SIZE).rgb  # other motifs (clip art if installed)
            Image.fromarray(rgb).save(queries / f"{name}.jpg", quality=85)
    # The demo's own SQLite registry, whatever FANGDU_DATABASE_URL says.
    settings = load_settings(root / "home").model_copy(
        update={"database_url": None, "blob_dir": None, "index_dir": None}
    )
    with Registry.open(settings) as registry:
        with err.status("importing the library"):
            summary = registry.filing.import_files([path for _, path in expand([library])])
        out.print(f"imported {summary.imported} prints ({summary.present} already present)")
        table = Table(title="duplicate check of the queries", title_justify="left")
        for column in ("query", "made from", "best match", "score", "verdict", "as expected"):
            table.add_column(column, no_wrap=True)
        right = 0
        cases = {name: (kind, seed) for name, kind, seed in CASES}
        results = registry.checking.check_files(expand(sorted(queries.iterdir())), top_k=3)
        for result in results:
            name = Path(result.query).stem
            kind, seed = cases[name]
            best = result.matches[0] if result.matches else None
            source = f"print-{seed:02d} ({kind})" if seed is not None else kind
            if seed is None:
                ok = best is None or best.verdict == "none"
            else:
                ok = (
                    best is not None
                    and best.title == f"print-{seed:02d}"
                    and (best.verdict == "copy")
                )
            right += ok
            table.add_row(
                name,
                source,
                f"{best.label} {best.title}" if best else "-",
                f"{best.score:.3f}" if best else "-",
                Text(best.verdict, style=VERDICT_STYLES[best.verdict]) if best else "-",
                Text("yes", style="green") if ok else Text("no", style="red"),
            )
        out.print(table)
        out.print(f"{right} of {len(CASES)} judged as expected")
        try:
            registry.filing.register(
                (queries / "recoloured.jpg").read_bytes(),
                RegistrationRequest(title="new colourway", owner="Copycat Textiles"),
            )
            out.print("registering the recoloured copy: accepted (unexpected)")
        except RegistrationRefused as refused:
            out.print(f"registering the recoloured copy as new: {refused}", soft_wrap=True)
    out.print(
        f"demo finished in {time.perf_counter() - started:.1f} s (files in {root})", soft_wrap=True
    )
