"""Accounts hardening: scoped, expiring API tokens; per-(account, client) login throttle
counters; trusted devices; sign-in alerts. Replaces the failure log ``login_failures``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
# Tokens issued before scopes existed could do everything: they keep that, but now expire.
ALL_SCOPES = "check apply review rights read"
LEGACY_TOKEN_LIFETIME = dt.timedelta(days=90)


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("scopes", sa.String(64), nullable=True))
        batch.add_column(sa.Column("expires_at", TIMESTAMP, nullable=True))
    tokens = sa.table(
        "api_tokens", sa.column("scopes", sa.String), sa.column("expires_at", TIMESTAMP)
    )
    op.execute(
        tokens.update().values(
            scopes=ALL_SCOPES, expires_at=dt.datetime.now(dt.UTC) + LEGACY_TOKEN_LIFETIME
        )
    )
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("scopes", existing_type=sa.String(64), nullable=False)
        batch.alter_column("expires_at", existing_type=TIMESTAMP, nullable=False)

    op.create_table(
        "login_throttles",
        sa.Column("username_sha256", sa.String(64), nullable=False),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("username_sha256", "client", name=op.f("pk_login_throttles")),
    )
    op.create_index(op.f("ix_login_throttles_updated_at"), "login_throttles", ["updated_at"])
    op.create_table(
        "trusted_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_trusted_devices_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trusted_devices")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_trusted_devices_token_sha256")),
    )
    op.create_index(op.f("ix_trusted_devices_account_id"), "trusted_devices", ["account_id"])
    op.create_table(
        "login_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_login_alerts_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_alerts")),
    )
    op.create_index(op.f("ix_login_alerts_account_id"), "login_alerts", ["account_id"])
    op.create_index(op.f("ix_login_alerts_created_at"), "login_alerts", ["created_at"])
    op.drop_table("login_failures")  # its indexes go with it


def downgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username_sha256", sa.String(64), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("failed_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index(op.f("ix_login_failures_failed_at"), "login_failures", ["failed_at"])
    op.create_index(
        "ix_login_failures_username_sha256_failed_at",
        "login_failures",
        ["username_sha256", "failed_at"],
    )
    op.create_index("ix_login_failures_client_failed_at", "login_failures", ["client", "failed_at"])
    op.drop_table("login_alerts")
    op.drop_table("trusted_devices")
    op.drop_table("login_throttles")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("scopes")
