"""Tables of the accounts context: people who sign in, their sessions, API tokens, trusted
devices, login throttle counters and sign-in alerts.

Secrets are never stored: passwords as Argon2id hashes, session, API and device tokens as
SHA-256 of the random token (they carry 256 bits of entropy, so a fast hash is enough), and the
usernames typed into failed logins as SHA-256 too (people type their password into the username
field).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fangdu.db.base import Base, UTCDateTime, one_of, utcnow

ROLES = (
    "applicant",
    "reviewer",
    "mediator",
    "judge",
    "bank_officer",
    "admin",
    "planner",  # a dye house's vat planner (印染排缸)
    "trader",  # a trade company's clerk (市场采购 1039)
    "supervisor",  # overrides a failed title check or the abuse monitor (issue 16)
    "market_office",  # the market office: reads the abuse monitor (issue 16)
)
# A party an account states is a claim until an administrator has checked the person's
# identity documents offline and verified it; only a verified party grants authority.
PARTY_STATES = ("pending", "verified", "rejected")


class AccountRow(Base):
    """A person who signs in. Never deleted, only disabled: its id is stored elsewhere
    (``works.submitted_by``, key file names), so it must never be handed out again."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(one_of("role", ROLES), name="role"),
        CheckConstraint(one_of("party_status", PARTY_STATES), name="party_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    # The registry party (person or company) this account says it acts for, if any: a claim
    # until ``party_status`` is "verified" (``Account.verified_party``).
    party_claim: Mapped[str | None] = mapped_column("party", String(200))
    # None without a claim; who decided last ("account:<id>", "command line", ...) and when.
    party_status: Mapped[str | None] = mapped_column(String(16))
    party_decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    party_decided_by: Mapped[str | None] = mapped_column(String(64))
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
    """A token for scripts and other systems, limited to ``scopes`` (space-separated) and
    ``expires_at``; kept after revocation for the record."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(Base):
    """Login attempts of one client against one username, and when the next one may start.

    One row per (username, client), updated in place by a single UPDATE so that parallel
    attempts are counted one after another. ``client`` is ``ip:<address>`` for an untrusted
    client, ``device:<token hash>`` for a trusted device; the username ``*`` counts one
    address's attempts against every account.
    """

    __tablename__ = "login_throttles"

    username_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    client: Mapped[str] = mapped_column(String(100), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class TrustedDevice(Base):
    """A browser that has signed in to the account before (OWASP's device cookie): it is
    throttled on its own, so strangers' failed guesses never keep it out."""

    __tablename__ = "trusted_devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class LoginAlert(Base):
    """A client began to be slowed down: an administrator should look (instead of a lockout).

    ``account_id`` is None when the client guessed against many accounts or unknown names.
    """

    __tablename__ = "login_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    client: Mapped[str] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
