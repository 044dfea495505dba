"""Load: N concurrent users checking images against a library, through `fangdu serve`.

Builds a home of ``references`` (``rendered`` real prints, the rest synthetic fingerprints as in
the speed benchmark), starts the service with ``workers`` processes on loopback, and runs Locust
headless for ``seconds``; reports errors, p50/p95 and throughput from Locust's own statistics.
"""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def load_benchmark(
    references: int = 100_000,
    rendered: int = 200,
    users: int = 20,
    seconds: int = 60,
    workers: int = 2,
    seed: int = 0,
    say=print,
) -> dict[str, float]:
    from fangdu.app import Fangdu
    from fangdu.bench.speed import _add_synthetic_refs
    from fangdu.config import Settings
    from fangdu.synth import VARIANT_KINDS, make_print, make_variant

    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        prints_dir, queries = root / "prints", root / "queries"
        prints_dir.mkdir()
        queries.mkdir()
        say(f"rendering {rendered} prints")
        for i in range(rendered):
            pattern = make_print(seed * 100_000 + i, size=768)
            cv2.imwrite(str(prints_dir / f"print-{i:04d}.png"), pattern.rgb[:, :, ::-1])
            if i < 40:  # the users check copies of these
                copy = make_variant(pattern, VARIANT_KINDS[i % len(VARIANT_KINDS)], rng)
                cv2.imwrite(
                    str(queries / f"q{i:03d}.jpg"), copy[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90]
                )
        home = root / "home"
        with Fangdu.build(Settings(home=home)) as core:
            core.registry.filing.import_files(sorted(prints_dir.iterdir()))
            say(f"adding {references - rendered} synthetic references")
            _add_synthetic_refs(core.registry, references - rendered, rng)
            core.registry.references.rebuild_index()
        port = _free_port()
        env = {
            **os.environ,
            "FANGDU_HOME": str(home),
            "FANGDU_ALLOWED_HOSTS": '["127.0.0.1"]',
            "FANGDU_CHECK_PER_MINUTE": "1000000",
            "FANGDU_LOAD_QUERIES": str(queries),
        }
        fangdu = Path(sys.executable).with_name("fangdu")
        server = subprocess.Popen(
            [str(fangdu), "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(base + "/api/v1/log/checkpoint", timeout=5)
                    break
                except OSError:
                    time.sleep(1)
            say(f"{users} users for {seconds} s against {references} references, {workers} workers")
            locust = Path(sys.executable).with_name("locust")
            subprocess.run(
                [
                    str(locust),
                    "-f",
                    str(Path(__file__).with_name("locustfile.py")),
                    "--headless",
                    "-u",
                    str(users),
                    "-r",
                    str(users),
                    "-t",
                    f"{seconds}s",
                    "-H",
                    base,
                    "--csv",
                    str(root / "load"),
                    "--only-summary",
                ],
                env=env,
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=seconds + 120,
            )
        finally:
            server.terminate()
            server.wait(30)
        with open(root / "load_stats.csv", newline="") as handle:
            rows = {row["Name"]: row for row in csv.DictReader(handle)}
        total = rows["Aggregated"]
    return {
        "references": references,
        "users": users,
        "seconds": seconds,
        "workers": workers,
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "requests_per_s": round(float(total["Requests/s"]), 2),
    }
