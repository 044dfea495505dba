"""The whole database's tables, for migrations and schema tests.

Each context declares its tables on `fangdu.db.base.Base`; the contexts that own tables are
named here as strings so that this package imports none of them until the whole schema is
wanted (Alembic's environment, the schema tests), and no context's import pulls in another.
"""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from fangdu.db.base import Base

CONTEXT_MODELS = (
    "fangdu.accounts.models",
    "fangdu.disputes.models",
    "fangdu.ledger.models",
    "fangdu.registry.models",
    "fangdu.rights.models",
)


def all_metadata() -> MetaData:
    """Every context's models imported, then the shared metadata."""
    for module in CONTEXT_MODELS:
        importlib.import_module(module)
    return Base.metadata
