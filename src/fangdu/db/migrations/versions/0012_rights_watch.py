"""The rights register's collateral watch: events a pledgee must hear of, and webhooks.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rights_webhooks",
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_rights_webhooks_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("party_id", name=op.f("pk_rights_webhooks")),
    )
    op.create_table(
        "rights_watch_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("pledgee_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["rights_records.id"],
            name=op.f("fk_rights_watch_events_pledge_id_rights_records"),
        ),
        sa.ForeignKeyConstraint(
            ["pledgee_id"], ["parties.id"], name=op.f("fk_rights_watch_events_pledgee_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["rights_records.id"],
            name=op.f("fk_rights_watch_events_record_id_rights_records"),
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_rights_watch_events_work_id_works")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_watch_events")),
    )
    with op.batch_alter_table("rights_watch_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rights_watch_events_pledge_id"), ["pledge_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rights_watch_events_pledgee_id"), ["pledgee_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rights_watch_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_watch_events_pledgee_id"))
        batch_op.drop_index(batch_op.f("ix_rights_watch_events_pledge_id"))

    op.drop_table("rights_watch_events")
    op.drop_table("rights_webhooks")
