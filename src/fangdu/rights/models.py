"""Tables of the rights register. Portable types only, as the registry's.

A record (transfer, licence, pledge, consent...) is one row in ``rights_records`` and one log
entry per work it concerns; what it does to the title is kept as dated holdings, so "as of"
is a range query. Parties are kept as their id and their log hash (SHA-256 of salt and name),
which is what the log shows and what a rebuild from the log can compare.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from fangdu.db.base import Base, UTCDateTime, one_of, utcnow

ACTIONS = (
    "transfer",
    "licence",
    "pledge",
    "pledge_registration",
    "consent",
    "pledge_release",
    "pledge_withdrawal",
    "pledge_change",
    "pledge_transfer",
)
ROLES = ("owner", "exclusive_licensee", "non_exclusive_licensee", "pledgee")
HOLDING_STATUSES = ("in_force", "pending_legal_registration", "ended", "released", "withdrawn")


class RightsRecord(Base):
    """One signed record about one or more works (several: a pledged collection)."""

    __tablename__ = "rights_records"
    __table_args__ = (CheckConstraint(one_of("action", ACTIONS), name="action"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(32))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    # The record a consent, registration, release or withdrawal is about (a pledge).
    refers_to_id: Mapped[int | None] = mapped_column(ForeignKey("rights_records.id"), index=True)
    # The public facts as logged (party hashes, dates, public terms, signatures).
    facts: Mapped[dict] = mapped_column(JSON)
    # Opening of the commitment to the private terms (price, fee, amount): the bank's copy.
    opening: Mapped[bytes | None] = mapped_column(LargeBinary)
    # A consent is used once: by the transfer or licence it allowed.
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("rights_records.id"))
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordWork(Base):
    """A work a record concerns, with the log entry written about it."""

    __tablename__ = "rights_record_works"

    record_id: Mapped[int] = mapped_column(ForeignKey("rights_records.id"), primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id"), primary_key=True, index=True)
    log_index: Mapped[int] = mapped_column(BigInteger)
    leaf_hash: Mapped[str] = mapped_column(String(64))


class Holding(Base):
    """A party's dated relation to a work: owner (with share), licensee, pledgee.

    Dates are inclusive: ``starts_on`` is the first day in force, ``ends_on`` the last (None:
    open). A pledge has ``applied_on`` and no ``starts_on`` until the national register's
    number is entered: before that it is pending, never in force.
    """

    __tablename__ = "rights_holdings"
    __table_args__ = (
        CheckConstraint(one_of("role", ROLES), name="role"),
        CheckConstraint(one_of("status", HOLDING_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    party_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    share: Mapped[int | None] = mapped_column(Integer)  # owners: basis points of 10000
    right: Mapped[str | None] = mapped_column(String(64))  # licences: the right licensed
    territory: Mapped[str | None] = mapped_column(String(64))
    applied_on: Mapped[dt.date | None] = mapped_column(Date)
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32))
    rank: Mapped[int | None] = mapped_column(Integer)  # pledges: order by date on the work
    # None: the title as registered (the registry's own entry created it).
    record_id: Mapped[int | None] = mapped_column(ForeignKey("rights_records.id"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("rights_records.id"))


class RecordDocument(Base):
    """A contract document, content-addressed in the blob store like originals."""

    __tablename__ = "rights_documents"

    record_id: Mapped[int] = mapped_column(ForeignKey("rights_records.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(32))


class RecordSignature(Base):
    """A party's Ed25519 signature over the record's public facts (also in the log entry)."""

    __tablename__ = "rights_signatures"

    record_id: Mapped[int] = mapped_column(ForeignKey("rights_records.id"), primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))  # base64


class WatchEvent(Base):
    """Something a pledgee must hear about a pledged work (collateral watch): an attempt to
    transfer or license it without consent, any record on it, or an event another context
    reports (a dispute). Delivered in the app and, if the pledgee has one, by webhook."""

    __tablename__ = "rights_watch_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("rights_records.id"), index=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id"))
    pledgee_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("rights_records.id"))
    detail: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Webhook(Base):
    """Where a pledgee's bank wants its watch events posted (one URL per party)."""

    __tablename__ = "rights_webhooks"

    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
