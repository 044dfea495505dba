"""Initial schema: parties, works, prior art, search references, counters, review matches.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def image_columns() -> list[sa.Column]:
    return [
        sa.Column("image_sha256", sa.String(64), nullable=False),
        sa.Column("image_format", sa.String(16), nullable=False),
        sa.Column("image_width", sa.Integer(), nullable=False),
        sa.Column("image_height", sa.Integer(), nullable=False),
        sa.Column("image_size", sa.BigInteger(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("kind IN ('person', 'company')", name=op.f("ck_parties_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
        sa.UniqueConstraint("name", name=op.f("uq_parties_name")),
    )
    op.create_table(
        "prior_art",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("first_seen", sa.Date(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        *image_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prior_art")),
        sa.UniqueConstraint("image_sha256", name=op.f("uq_prior_art_image_sha256")),
    )
    op.create_table(
        "works",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_no", sa.String(20), nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("category", sa.String(100), nullable=True),
        sa.Column("colourways", sa.JSON(), nullable=False),
        sa.Column("repeat_width_mm", sa.Float(), nullable=True),
        sa.Column("repeat_height_mm", sa.Float(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("registered_at", TIMESTAMP, nullable=True),
        *image_columns(),
        sa.CheckConstraint(
            "(status = 'registered') = (registration_no IS NOT NULL)",
            name=op.f("ck_works_registration_no"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'registered', 'rejected')", name=op.f("ck_works_status")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["parties.id"], name=op.f("fk_works_owner_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_works")),
        sa.UniqueConstraint("image_sha256", name=op.f("uq_works_image_sha256")),
        sa.UniqueConstraint("registration_no", name=op.f("uq_works_registration_no")),
    )
    op.create_table(
        "search_refs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=True),
        sa.Column("prior_art_id", sa.Integer(), nullable=True),
        sa.Column("fingerprint", sa.LargeBinary(), nullable=False),
        sa.Column("fingerprint_version", sa.String(32), nullable=False),
        sa.Column("scale", sa.Float(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "(kind = 'work' AND work_id IS NOT NULL AND prior_art_id IS NULL)"
            " OR (kind = 'prior_art' AND prior_art_id IS NOT NULL AND work_id IS NULL)",
            name=op.f("ck_search_refs_target"),
        ),
        sa.CheckConstraint("kind IN ('work', 'prior_art')", name=op.f("ck_search_refs_kind")),
        sa.ForeignKeyConstraint(
            ["prior_art_id"],
            ["prior_art.id"],
            name=op.f("fk_search_refs_prior_art_id_prior_art"),
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_search_refs_work_id_works")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_refs")),
        sa.UniqueConstraint("prior_art_id", name=op.f("uq_search_refs_prior_art_id")),
        sa.UniqueConstraint("work_id", name=op.f("uq_search_refs_work_id")),
    )
    op.create_table(
        "work_designers",
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_work_designers_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_work_designers_work_id_works")
        ),
        sa.PrimaryKeyConstraint("work_id", "party_id", name=op.f("pk_work_designers")),
    )
    op.create_table(
        "registration_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_registration_counters")),
    )
    op.create_table(
        "review_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("query_box", sa.JSON(), nullable=True),
        sa.Column("match_box", sa.JSON(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "verdict IN ('copy', 'similar', 'none')", name=op.f("ck_review_matches_verdict")
        ),
        sa.ForeignKeyConstraint(
            ["ref_id"], ["search_refs.id"], name=op.f("fk_review_matches_ref_id_search_refs")
        ),
        sa.ForeignKeyConstraint(
            ["work_id"], ["works.id"], name=op.f("fk_review_matches_work_id_works")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_matches")),
        sa.UniqueConstraint("work_id", "ref_id", name=op.f("uq_review_matches_work_id_ref_id")),
    )


def downgrade() -> None:
    op.drop_table("review_matches")
    op.drop_table("registration_counters")
    op.drop_table("work_designers")
    op.drop_table("search_refs")
    op.drop_table("works")
    op.drop_table("prior_art")
    op.drop_table("parties")
