"""The composition root: settings → engine → evidence log and keys → blob store → vector index
→ the registry's use cases (checking, filing, queries, index maintenance) → accounts, built once
per process and used by the command line, the web service and the benchmarks. Callers take the
service they need from here instead of reaching through one service into another's internals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import Engine

from fangdu.accounts import Accounts
from fangdu.config import Settings
from fangdu.db.engine import session_factory
from fangdu.disputes import DisputeService
from fangdu.disputes.machine import FINAL
from fangdu.ledger.store import LogStore
from fangdu.registry.blobs import BlobStore
from fangdu.registry.checking import CheckService
from fangdu.registry.filing import FilingService
from fangdu.registry.indexing import ReferenceIndex
from fangdu.registry.queries import QueryService
from fangdu.registry.services import Registry
from fangdu.rights import RightsService
from fangdu.similarity.index import VectorIndex


@dataclass
class Fangdu:
    """One process's Fangdu. ``read_only`` (the reading commands) writes nothing at all."""

    settings: Settings
    engine: Engine
    ledger: LogStore
    blobs: BlobStore
    index: VectorIndex
    registry: Registry
    accounts: Accounts
    rights: RightsService
    disputes: DisputeService

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        read_only: bool = False,
        password_hasher: PasswordHasher | None = None,
    ) -> Fangdu:
        """``password_hasher`` is for tests (cheap Argon2 parameters)."""
        registry = Registry.open(settings, read_only=read_only)
        accounts = Accounts(
            session_factory(registry.engine), settings.keys_path, hasher=password_hasher
        )
        # Ownership, licences and pledges: writes through the same log, integrated alike.
        rights = RightsService(
            session_factory(registry.engine),
            registry.ledger,
            registry.blobs,
            settings.keys_path,
            after_write=registry.integrate,
        )
        # Disputes: the registry's duplicate check finds leads, the rights register's
        # licences stop demands.
        disputes = DisputeService(
            session_factory(registry.engine),
            registry.ledger,
            registry.blobs,
            settings,
            rights,
            check=registry.checking.check_bytes,
            explain=registry.checking.explain,
            after_write=registry.integrate,
        )
        rights.title_disputes = _contested_titles(disputes)
        return cls(
            settings,
            registry.engine,
            registry.ledger,
            registry.blobs,
            registry.index,
            registry,
            accounts,
            rights,
            disputes,
        )

    @property
    def checking(self) -> CheckService:
        return self.registry.checking

    @property
    def filing(self) -> FilingService:
        return self.registry.filing

    @property
    def queries(self) -> QueryService:
        return self.registry.queries

    @property
    def references(self) -> ReferenceIndex:
        return self.registry.references

    def close(self) -> None:
        self.registry.close()

    def __enter__(self) -> Fangdu:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _contested_titles(disputes: DisputeService) -> Callable[[str], list[str]]:
    """For the pledge pre-check (著作权质权登记办法 Art 12 (5)): the open cases about a work
    whose respondent disputes the claim, or that went to court. A claim only notified, not
    contested, leaves the owner's title where it was."""

    def contested(label: str) -> list[str]:
        return [
            f"case C-{case.id} ({case.state})"
            for case in disputes.cases()
            if case.work == label
            and (
                case.state == "litigation"  # final for the case machine, open in court
                or (case.state not in FINAL and "dispute" in case.details.get("answers", ()))
            )
        ]

    return contested
