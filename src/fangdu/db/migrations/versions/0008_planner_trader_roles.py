"""Two roles of the industry contexts: dye-house planners (印染排缸, issue 17) and trade-company
clerks (市场采购, issue 18).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ("applicant", "reviewer", "mediator", "judge", "bank_officer", "admin")
NEW = (*OLD, "planner", "trader")


def _roles(roles: tuple[str, ...]) -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint(op.f("ck_accounts_role"), type_="check")
        batch.create_check_constraint(
            op.f("ck_accounts_role"), "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"
        )


def upgrade() -> None:
    _roles(NEW)


def downgrade() -> None:
    op.execute("UPDATE accounts SET disabled = true WHERE role IN ('planner', 'trader')")
    op.execute("UPDATE accounts SET role = 'applicant' WHERE role IN ('planner', 'trader')")
    _roles(OLD)
