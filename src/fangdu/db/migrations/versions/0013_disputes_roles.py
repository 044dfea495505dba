"""Two roles of the disputes context (issue 16): the supervisor, who may override a failed
title check or the abuse monitor, and the market office, which reads the abuse monitor.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ("applicant", "reviewer", "mediator", "judge", "bank_officer", "admin", "planner", "trader")
NEW = (*OLD, "supervisor", "market_office")


def _roles(roles: tuple[str, ...]) -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint(op.f("ck_accounts_role"), type_="check")
        batch.create_check_constraint(
            op.f("ck_accounts_role"), "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"
        )


def upgrade() -> None:
    _roles(NEW)


def downgrade() -> None:
    gone = "('supervisor', 'market_office')"
    op.execute(f"UPDATE accounts SET disabled = true WHERE role IN {gone}")
    op.execute(f"UPDATE accounts SET role = 'applicant' WHERE role IN {gone}")
    _roles(OLD)
