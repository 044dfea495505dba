"""schemathesis against the generated OpenAPI of /api/v1: no request it makes from the spec
gets a server error (its ``not_a_server_error`` check, on every operation).

In process (ASGI), with an applicant's API token, over a small registry: two registered
works, a prior-art record, a pending application of the applicant's and one of someone
else's, so the ids, keys and proof indices generated from the spec sometimes name real
records. A reviewer's token goes through the decision operation as well, the one the
applicant's token only ever gets a 403 from.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import numpy as np
import pytest
import schemathesis
from argon2 import PasswordHasher
from e2etools import new_print, write_png
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation

from fangdu.accounts import Accounts
from fangdu.config import Settings
from fangdu.db.engine import session_factory
from fangdu.registry.schemas import PriorArtSource, RegistrationRequest
from fangdu.registry.services import Registry
from fangdu.web import create_app
from fangdu.web.config import WebSettings

# Argon2 at its cheapest, as in tests/web: nobody signs in here, accounts are only created.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery"
EXAMPLES = 30  # per operation, valid and invalid requests together: ~10 s for the lot
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    database=None,  # examples are not kept between runs: a failure prints its request
    deadline=None,  # a check decodes and fingerprints an image: slow on a loaded machine
    # Uploads are large examples on purpose; every call goes through the whole app.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
ENV_SETTINGS = (
    "FANGDU_HOME",
    "FANGDU_DATABASE_URL",
    "FANGDU_BLOB_DIR",
    "FANGDU_INDEX_DIR",
    "FANGDU_KEYS_DIR",
    "FANGDU_PUBLIC_URL",
    "FANGDU_SECURE_COOKIES",
)


@dataclass(frozen=True)
class Seeded:
    settings: Settings
    applicant_token: str
    reviewer_token: str
    # Path parameters that name real records, by name: random ones almost never do.
    known: dict[str, tuple[object, ...]]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    root = tmp_path_factory.mktemp("fangdu-api")
    with pytest.MonkeyPatch.context() as env:
        # The developer's own FANGDU_* settings must not reach this registry.
        for name in ENV_SETTINGS:
            env.delenv(name, raising=False)
        settings = Settings(home=root / "home", database_url=f"sqlite:///{root / 'api.sqlite3'}")
        prints = [write_png(new_print(2000 + i), root / f"print-{i}.png") for i in range(5)]
        registry = Registry.open(settings)
        try:
            registry.filing.import_files(prints[:2], owner="Keqiao Prints Co.", jobs=1)
            registry.filing.import_files(
                prints[2:3], jobs=1, prior_art=PriorArtSource("2025 market", dt.date(2025, 9, 1))
            )
            accounts = Accounts(
                session_factory(registry.engine), settings.keys_path, hasher=CHEAP_HASHER
            )
            applicant = accounts.create(
                "merchant", PASSWORD, "applicant", party="柯桥花样工作室", vouched_by="test"
            )
            other = accounts.create("other", PASSWORD, "applicant")
            reviewer = accounts.create("reviewer-1", PASSWORD, "reviewer")
            for account, path in ((applicant, prints[3]), (other, prints[4])):
                registry.filing.register(
                    path.read_bytes(),
                    RegistrationRequest(
                        title="pending",
                        owner="someone",
                        submitted_by=account.subject,
                        originality_statement="mine",
                    ),
                    review_required=True,
                    channel="api",
                )
            tokens = (
                accounts.issue_api_token(applicant.id, "schemathesis"),
                accounts.issue_api_token(reviewer.id, "schemathesis"),
            )
            works = list(registry.queries.list_works())
            latest = registry.ledger.checkpoint()
            size = latest.checkpoint.size if latest else 0
        finally:
            registry.close()
        known: dict[str, tuple[object, ...]] = {
            # registered, the applicant's pending one, someone else's, prior art, unknown
            "key": (
                *(str(w.id) for w in works),
                *(f"W-{w.id}" for w in works),
                *(w.registration_no for w in works if w.registration_no),
                "P-1",
                "FD-2026-9999999",
            ),
            "work_id": tuple(w.id for w in works if w.status == "pending"),
            # the published tiles, one past the tree, and names that are not tile paths
            "path": (
                f"0/000.p/{size}",
                f"entries/000.p/{size}",
                "0/000.p/1",
                f"entries/000.p/{size + 1}",
                "0/000",
                "../keys/log.key",
                "0/../../x",
            ),
        }
        yield Seeded(settings, *tokens, known)


@pytest.fixture(scope="module")
def api_app(seeded: Seeded) -> FastAPI:
    # The check's rate limit is for people; a fuzzer would only ever see 429s.
    return create_app(
        seeded.settings, web=WebSettings(check_per_minute=1_000_000), password_hasher=CHEAP_HASHER
    )


def openapi_document() -> dict[str, Any]:
    """/api/v1/openapi.json as the app serves it, made from its routes alone: collection opens
    no registry."""
    return create_app(Settings()).openapi()


SCHEMA = schemathesis.openapi.from_dict(openapi_document())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
UPLOADS = {"/api/v1/check", "/api/v1/works"}
DECISIONS = [operation for operation in OPERATIONS if operation.path.endswith("/decision")]


def with_image(case: schemathesis.Case, seed: int) -> schemathesis.Case:
    """The case with a small, valid and new PNG as its file (the registry refuses the same
    bytes twice): the rest of the request, metadata included, stays generated."""
    if isinstance(case.body, dict) and "file" in case.body:
        blocks = np.random.default_rng(seed).integers(0, 256, (8, 8, 3), dtype=np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(np.kron(blocks, np.ones((8, 8, 1), dtype=np.uint8))).save(buffer, "PNG")
        case.body = {**case.body, "file": buffer.getvalue()}
    return case


def fuzz(
    operation: APIOperation, app: FastAPI, token: str, known: dict[str, tuple[object, ...]]
) -> None:
    """Valid and invalid requests made from the operation's definition, some of them with
    path parameters that name real records; none may get a server error.

    Plain Hypothesis over schemathesis's strategies rather than its pytest plugin
    (``schema.parametrize``): under pytest 9.2 the plugin gives every operation's test the
    same node id (and its fixture-based loader fails on the missing ``node._nodeid``).
    """
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    for name in re.findall(r"\{(\w+)", operation.path):
        strategies += [
            operation.as_strategy(path_parameters={name: value}) for value in known.get(name, ())
        ]
    if operation.path in UPLOADS:  # random bytes never get past the decoder: real images do
        strategies.append(
            st.builds(
                with_image,
                operation.as_strategy(GenerationMode.POSITIVE),
                st.integers(0, 2**32 - 1),
            )
        )
    cases = st.one_of(strategies)

    @FUZZ_SETTINGS
    @given(case=cases)
    def requests_get_no_server_error(case: schemathesis.Case) -> None:
        # In process; the app's lifespan (the registry) starts with the first call and is
        # stopped by schemathesis's plugin when the test ends.
        case.call_and_validate(
            app=app, headers={"authorization": f"Bearer {token}"}, checks=[not_a_server_error]
        )

    requests_get_no_server_error()


@pytest.mark.parametrize("operation", OPERATIONS, ids=attrgetter("label"))
def test_no_server_error(operation: APIOperation, api_app: FastAPI, seeded: Seeded) -> None:
    fuzz(operation, api_app, seeded.applicant_token, seeded.known)


@pytest.mark.parametrize("operation", DECISIONS, ids=attrgetter("label"))
def test_no_server_error_in_reviewers_decisions(
    operation: APIOperation, api_app: FastAPI, seeded: Seeded
) -> None:
    fuzz(operation, api_app, seeded.reviewer_token, seeded.known)


def test_the_fuzzed_document_is_the_served_one(api_app: FastAPI) -> None:
    """The fuzzer reads what /api/v1/openapi.json serves, and it holds every API route."""
    assert {
        "/api/v1/check",
        "/api/v1/works",
        "/api/v1/works/{key}",
        "/api/v1/works/{work_id}/decision",
        "/api/v1/works/{key}/evidence",
        "/api/v1/proofs/inclusion",
        "/api/v1/proofs/consistency",
        "/api/v1/log/checkpoint",
        "/log/checkpoint",
        "/log/tile/{path}",
    } <= set(SCHEMA.raw_schema["paths"])
    with TestClient(api_app) as client:
        assert client.get("/api/v1/openapi.json").json() == SCHEMA.raw_schema
