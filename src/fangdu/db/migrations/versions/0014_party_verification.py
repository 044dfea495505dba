"""Party verification: the party an account names is a claim until an administrator verifies
it (who and when are kept); only a verified party grants authority in the rights register and
in disputes.

Existing parties: an applicant's was stated at self-registration and never checked, so it
becomes a pending claim; any other role's was given by an administrator or at the command
line, so it stays verified (by "migration 0014").

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
STATES = "party_status IN ('pending', 'verified', 'rejected')"


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("party_status", sa.String(16), nullable=True))
        batch.add_column(sa.Column("party_decided_at", TIMESTAMP, nullable=True))
        batch.add_column(sa.Column("party_decided_by", sa.String(64), nullable=True))
        batch.create_check_constraint(op.f("ck_accounts_party_status"), STATES)
    accounts = sa.table(
        "accounts",
        sa.column("role", sa.String),
        sa.column("party", sa.String),
        sa.column("party_status", sa.String),
        sa.column("party_decided_at", TIMESTAMP),
        sa.column("party_decided_by", sa.String),
    )
    claimed = accounts.c.party.is_not(None)
    op.execute(
        accounts.update()
        .where(claimed, accounts.c.role == "applicant")
        .values(party_status="pending")
    )
    op.execute(
        accounts.update()
        .where(claimed, accounts.c.role != "applicant")
        .values(
            party_status="verified",
            party_decided_at=dt.datetime.now(dt.UTC),
            party_decided_by="migration 0014",
        )
    )


def downgrade() -> None:
    # Before 0014 every stated party counted: only verified ones are kept.
    op.execute(
        "UPDATE accounts SET party = NULL WHERE party_status IS NULL OR party_status != 'verified'"
    )
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint(op.f("ck_accounts_party_status"), type_="check")
        batch.drop_column("party_decided_by")
        batch.drop_column("party_decided_at")
        batch.drop_column("party_status")
