"""Tables of the accounts context: people who sign in, their sessions, API tokens, failed logins.

Secrets are never stored: passwords as Argon2id hashes, session and API tokens as SHA-256 of
the random token (they carry 256 bits of entropy, so a fast hash is enough), and the usernames
typed into failed logins as SHA-256 too (people type their password into the username field).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fangdu.storage import Base, UTCDateTime, one_of, utcnow

ROLES = ("applicant", "reviewer", "mediator", "judge", "bank_officer", "admin")


class AccountRow(Base):
    """A person who signs in. Never deleted, only disabled: its id is stored elsewhere
    (``works.submitted_by``, key file names), so it must never be handed out again."""

    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint(one_of("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    # The registry party (person or company) this account acts for, if any.
    party: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SessionRow(Base):
    """A signed-in browser: the SHA-256 of its cookie token, valid until ``expires_at``."""

    __tablename__ = "account_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ApiTokenRow(Base):
    """A long-lived token for scripts and other systems; kept after revocation for the record."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    """One failed login, counted per username and per client within the throttling window."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_sha256_failed_at", "username_sha256", "failed_at"),
        Index("ix_login_failures_client_failed_at", "client", "failed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username_sha256: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))  # an IP address (IPv6: up to 45 chars)
    failed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
