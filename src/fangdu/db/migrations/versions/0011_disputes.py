"""The disputes context (issue 16): watchlists, sightings, leads, cases and their signed
transitions, case documents, the mediator roster, mediations, the chain of custody.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispute_mediators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_mediators")),
        sa.UniqueConstraint("name", name=op.f("uq_dispute_mediators_name")),
    )
    op.create_table(
        "dispute_sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("merchant", sa.String(length=200), nullable=False),
        sa.Column("seen_on", sa.Date(), nullable=False),
        sa.Column("captured_by", sa.String(length=200), nullable=False),
        sa.Column("device", sa.String(length=200), nullable=True),
        sa.Column("own_purchase", sa.Boolean(), nullable=False),
        sa.Column("checked", sa.Boolean(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_sightings")),
    )
    with op.batch_alter_table("dispute_sightings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispute_sightings_merchant"), ["merchant"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dispute_sightings_sha256"), ["sha256"], unique=False)

    op.create_table(
        "dispute_leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sighting_id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("query_box", sa.JSON(), nullable=True),
        sa.Column("match_box", sa.JSON(), nullable=True),
        sa.Column("model_version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'licensed', 'dismissed', 'case')",
            name=op.f("ck_dispute_leads_status"),
        ),
        sa.ForeignKeyConstraint(
            ["sighting_id"],
            ["dispute_sightings.id"],
            name=op.f("fk_dispute_leads_sighting_id_dispute_sightings"),
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_dispute_leads_work_id_works")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_leads")),
        sa.UniqueConstraint(
            "sighting_id", "work_id", name=op.f("uq_dispute_leads_sighting_id_work_id")
        ),
    )
    with op.batch_alter_table("dispute_leads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispute_leads_sighting_id"), ["sighting_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dispute_leads_work_id"), ["work_id"], unique=False)

    op.create_table(
        "dispute_watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["parties.id"], name=op.f("fk_dispute_watches_owner_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_dispute_watches_work_id_works")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_watches")),
        sa.UniqueConstraint("work_id", name=op.f("uq_dispute_watches_work_id")),
    )
    op.create_table(
        "dispute_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("claimant_id", sa.Integer(), nullable=False),
        sa.Column("respondent_id", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('draft', 'reviewed', 'notice_sent', 'responded', 'licensed', "
            "'paid_and_removed', 'mediation', 'litigation', 'withdrawn', 'rejected')",
            name=op.f("ck_dispute_cases_state"),
        ),
        sa.ForeignKeyConstraint(
            ["claimant_id"], ["parties.id"], name=op.f("fk_dispute_cases_claimant_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["dispute_leads.id"], name=op.f("fk_dispute_cases_lead_id_dispute_leads")
        ),
        sa.ForeignKeyConstraint(
            ["respondent_id"], ["parties.id"], name=op.f("fk_dispute_cases_respondent_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_dispute_cases_work_id_works")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_cases")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_dispute_cases_token_sha256")),
    )
    with op.batch_alter_table("dispute_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispute_cases_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_cases_work_id"), ["work_id"], unique=False)

    op.create_table(
        "dispute_case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=24), nullable=True),
        sa.Column("to_state", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["dispute_cases.id"],
            name=op.f("fk_dispute_case_events_case_id_dispute_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_case_events")),
    )
    with op.batch_alter_table("dispute_case_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispute_case_events_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "dispute_custody",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["dispute_cases.id"], name=op.f("fk_dispute_custody_case_id_dispute_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_custody")),
    )
    with op.batch_alter_table("dispute_custody", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispute_custody_case_id"), ["case_id"], unique=False)

    op.create_table(
        "dispute_documents",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["dispute_cases.id"],
            name=op.f("fk_dispute_documents_case_id_dispute_cases"),
        ),
        sa.PrimaryKeyConstraint("case_id", "role", "sha256", name=op.f("pk_dispute_documents")),
    )
    op.create_table(
        "dispute_mediations",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("intake_on", sa.Date(), nullable=False),
        sa.Column("addresses", sa.JSON(), nullable=False),
        sa.Column("mediator_id", sa.Integer(), nullable=True),
        sa.Column("assigned_on", sa.Date(), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("disclosure", sa.Text(), nullable=True),
        sa.Column("rejected_mediators", sa.JSON(), nullable=False),
        sa.Column("agreement", sa.JSON(), nullable=True),
        sa.Column("signatures", sa.JSON(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["dispute_cases.id"],
            name=op.f("fk_dispute_mediations_case_id_dispute_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["mediator_id"],
            ["dispute_mediators.id"],
            name=op.f("fk_dispute_mediations_mediator_id_dispute_mediators"),
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_dispute_mediations")),
    )


def downgrade() -> None:
    op.drop_table("dispute_mediations")
    op.drop_table("dispute_documents")
    with op.batch_alter_table("dispute_custody", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_custody_case_id"))

    op.drop_table("dispute_custody")
    with op.batch_alter_table("dispute_case_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_case_events_case_id"))

    op.drop_table("dispute_case_events")
    with op.batch_alter_table("dispute_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_cases_work_id"))
        batch_op.drop_index(batch_op.f("ix_dispute_cases_lead_id"))

    op.drop_table("dispute_cases")
    op.drop_table("dispute_watches")
    with op.batch_alter_table("dispute_leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_leads_work_id"))
        batch_op.drop_index(batch_op.f("ix_dispute_leads_sighting_id"))

    op.drop_table("dispute_leads")
    with op.batch_alter_table("dispute_sightings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_sightings_sha256"))
        batch_op.drop_index(batch_op.f("ix_dispute_sightings_merchant"))

    op.drop_table("dispute_sightings")
    op.drop_table("dispute_mediators")
