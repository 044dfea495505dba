"""The rights register (issue 15): records, dated holdings, contract documents, signatures.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rights_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("refers_to_id", sa.Integer(), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("opening", sa.LargeBinary(), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN ('transfer', 'licence', 'pledge', 'pledge_registration', 'consent', "
            "'pledge_release', 'pledge_withdrawal')",
            name=op.f("ck_rights_records_action"),
        ),
        sa.ForeignKeyConstraint(
            ["refers_to_id"],
            ["rights_records.id"],
            name=op.f("fk_rights_records_refers_to_id_rights_records"),
        ),
        sa.ForeignKeyConstraint(
            ["used_by_id"],
            ["rights_records.id"],
            name=op.f("fk_rights_records_used_by_id_rights_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_records")),
    )
    with op.batch_alter_table("rights_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rights_records_refers_to_id"), ["refers_to_id"], unique=False
        )

    op.create_table(
        "rights_documents",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["rights_records.id"],
            name=op.f("fk_rights_documents_record_id_rights_records"),
        ),
        sa.PrimaryKeyConstraint("record_id", "role", "sha256", name=op.f("pk_rights_documents")),
    )
    op.create_table(
        "rights_signatures",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("key_sha256", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_rights_signatures_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["rights_records.id"],
            name=op.f("fk_rights_signatures_record_id_rights_records"),
        ),
        sa.PrimaryKeyConstraint("record_id", "party_id", "role", name=op.f("pk_rights_signatures")),
    )
    op.create_table(
        "rights_holdings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("party_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("share", sa.Integer(), nullable=True),
        sa.Column("right", sa.String(length=64), nullable=True),
        sa.Column("territory", sa.String(length=64), nullable=True),
        sa.Column("applied_on", sa.Date(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "role IN ('owner', 'exclusive_licensee', 'non_exclusive_licensee', 'pledgee')",
            name=op.f("ck_rights_holdings_role"),
        ),
        sa.CheckConstraint(
            "status IN ('in_force', 'pending_legal_registration', 'ended', 'released', "
            "'withdrawn')",
            name=op.f("ck_rights_holdings_status"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"],
            ["rights_records.id"],
            name=op.f("fk_rights_holdings_ended_by_id_rights_records"),
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_rights_holdings_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["rights_records.id"],
            name=op.f("fk_rights_holdings_record_id_rights_records"),
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_rights_holdings_work_id_works")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_holdings")),
    )
    with op.batch_alter_table("rights_holdings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rights_holdings_party_id"), ["party_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rights_holdings_work_id"), ["work_id"], unique=False)

    op.create_table(
        "rights_record_works",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["rights_records.id"],
            name=op.f("fk_rights_record_works_record_id_rights_records"),
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_rights_record_works_work_id_works")
        ),
        sa.PrimaryKeyConstraint("record_id", "work_id", name=op.f("pk_rights_record_works")),
    )
    with op.batch_alter_table("rights_record_works", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rights_record_works_work_id"), ["work_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rights_record_works", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_record_works_work_id"))

    op.drop_table("rights_record_works")
    with op.batch_alter_table("rights_holdings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_holdings_work_id"))
        batch_op.drop_index(batch_op.f("ix_rights_holdings_party_id"))

    op.drop_table("rights_holdings")
    op.drop_table("rights_signatures")
    op.drop_table("rights_documents")
    with op.batch_alter_table("rights_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_records_refers_to_id"))

    op.drop_table("rights_records")
