"""The rights register's pledge lifecycle: a change of terms and a transfer of the pledge.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = (
    "transfer",
    "licence",
    "pledge",
    "pledge_registration",
    "consent",
    "pledge_release",
    "pledge_withdrawal",
)
NEW = (*OLD, "pledge_change", "pledge_transfer")


def _actions(actions: tuple[str, ...]) -> None:
    with op.batch_alter_table("rights_records") as batch:
        batch.drop_constraint(op.f("ck_rights_records_action"), type_="check")
        batch.create_check_constraint(
            op.f("ck_rights_records_action"),
            "action IN (" + ", ".join(f"'{a}'" for a in actions) + ")",
        )


def upgrade() -> None:
    _actions(NEW)


def downgrade() -> None:
    # Changed or transferred pledges cannot be kept under the old constraint: refuse rather
    # than drop signed records.
    found = op.get_bind().execute(
        sa.text(
            "SELECT count(*) FROM rights_records "
            "WHERE action IN ('pledge_change', 'pledge_transfer')"
        )
    )
    if found.scalar():
        raise RuntimeError("the rights register holds pledge changes or transfers: not undone")
    _actions(OLD)
