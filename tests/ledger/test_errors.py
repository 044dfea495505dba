"""One error tree (issue 13, item 8): every public error of the evidence log is a LedgerError,
and what fails to verify is a VerificationError, so callers catch one root."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import fangdu.ledger
from fangdu.errors import FangduError, LedgerError, VerificationError


def ledger_errors() -> list[type[BaseException]]:
    found = []
    for module in pkgutil.iter_modules(fangdu.ledger.__path__):
        loaded = importlib.import_module(f"fangdu.ledger.{module.name}")
        for name, value in vars(loaded).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Exception)
                and value.__module__ == loaded.__name__
                and not name.startswith("_")
            ):
                found.append(value)
    return found


def test_every_public_ledger_error_is_under_one_root():
    errors = ledger_errors()
    assert len(errors) >= 10
    outside = [e.__qualname__ for e in errors if not issubclass(e, LedgerError)]
    assert not outside
    assert issubclass(LedgerError, FangduError)


@pytest.mark.parametrize(
    "name", ["EntryError", "CheckpointError", "ProofError", "NoteError", "TileError", "BundleError"]
)
def test_what_does_not_verify_is_a_verification_error(name):
    [error] = [e for e in ledger_errors() if e.__name__ == name]
    assert issubclass(error, VerificationError) and issubclass(error, ValueError)
