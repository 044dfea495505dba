"""Locust users for `python -m fangdu.bench load`: each checks copies of the library's prints
through the JSON API, as a merchant's system would. The queries are in FANGDU_LOAD_QUERIES."""

from __future__ import annotations

import os
import random
from pathlib import Path

from locust import HttpUser, constant, task

QUERIES = sorted(Path(os.environ["FANGDU_LOAD_QUERIES"]).glob("*.jpg"))


class Checker(HttpUser):
    wait_time = constant(0)

    @task
    def check(self) -> None:
        query = random.choice(QUERIES)
        with self.client.post(
            "/api/v1/check?top_k=10",
            files={"file": (query.name, query.read_bytes(), "image/jpeg")},
            name="/api/v1/check",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or not response.json()["matches"]:
                response.failure(f"{response.status_code}: {response.text[:200]}")
