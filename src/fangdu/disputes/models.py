"""Tables of the disputes context (维权 · 调解 · 司法). Portable types only, as the registry's.

Every row that records a fact a party may later contest (a sighting, a lead, a case
transition, a mediation step) also has a signed evidence-log entry; ``log_index`` points at it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from fangdu.db.base import Base, UTCDateTime, one_of, utcnow

LEAD_STATUSES = ("open", "licensed", "dismissed", "case")
CASE_STATES = (
    "draft",
    "reviewed",
    "notice_sent",
    "responded",
    "licensed",
    "paid_and_removed",
    "mediation",
    "litigation",
    "withdrawn",
    "rejected",
)


class Watch(Base):
    """A registered work its owner watches for copies in the market."""

    __tablename__ = "dispute_watches"
    __table_args__ = (UniqueConstraint("work_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Sighting(Base):
    """One capture from the market: the bytes (blob store), who, when, where, with what."""

    __tablename__ = "dispute_sightings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(300))  # stall/floor, URL or catalogue
    merchant: Mapped[str] = mapped_column(String(200), index=True)
    seen_on: Mapped[dt.date] = mapped_column(Date)
    captured_by: Mapped[str] = mapped_column(String(200))
    device: Mapped[str | None] = mapped_column(String(200))
    # The claimant's own (trap) purchase: 知产证据规定 Art 7.
    own_purchase: Mapped[bool] = mapped_column(Boolean, default=False)
    checked: Mapped[bool] = mapped_column(Boolean, default=False)  # monitor runs: incremental
    log_index: Mapped[int] = mapped_column(BigInteger)
    captured_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Lead(Base):
    """A sighting that matched a watched work above the ``similar`` threshold."""

    __tablename__ = "dispute_leads"
    __table_args__ = (
        UniqueConstraint("sighting_id", "work_id"),
        CheckConstraint(one_of("status", LEAD_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sighting_id: Mapped[int] = mapped_column(ForeignKey("dispute_sightings.id"), index=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(16))
    query_box: Mapped[list | None] = mapped_column(JSON)
    match_box: Mapped[list | None] = mapped_column(JSON)
    model_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")
    flags: Mapped[list] = mapped_column(JSON, default=list)  # prior_use, own_purchase, ...
    note: Mapped[str | None] = mapped_column(Text)
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Case(Base):
    """A dispute about one lead: claimant against the merchant where it was sighted."""

    __tablename__ = "dispute_cases"
    __table_args__ = (CheckConstraint(one_of("state", CASE_STATES), name="state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("dispute_leads.id"), index=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id"), index=True)
    claimant_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    respondent_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    agent: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(24), default="draft")
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)  # respondent's access
    # What the case holds as it goes: review, notice, response, override (all also logged).
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseEvent(Base):
    """One signed transition of a case (or a fact added to it), in order."""

    __tablename__ = "dispute_case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dispute_cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(200))
    facts: Mapped[dict] = mapped_column(JSON)
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseDocument(Base):
    """A file of a case (authorisation, notice, licence, invoice, agreement), in the blobs."""

    __tablename__ = "dispute_documents"

    case_id: Mapped[int] = mapped_column(ForeignKey("dispute_cases.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)


class Mediator(Base):
    """The roster: a mediator and the profile parties read before accepting them."""

    __tablename__ = "dispute_mediators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    profile: Mapped[str] = mapped_column(Text)


class Mediation(Base):
    """A case's mediation: consents, addresses, mediator, dates, agreement and signatures."""

    __tablename__ = "dispute_mediations"

    case_id: Mapped[int] = mapped_column(ForeignKey("dispute_cases.id"), primary_key=True)
    intake_on: Mapped[dt.date] = mapped_column(Date)
    addresses: Mapped[dict] = mapped_column(JSON)  # role -> electronic-service address
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("dispute_mediators.id"))
    assigned_on: Mapped[dt.date | None] = mapped_column(Date)
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    disclosure: Mapped[str | None] = mapped_column(Text)
    rejected_mediators: Mapped[list] = mapped_column(JSON, default=list)
    agreement: Mapped[dict | None] = mapped_column(JSON)
    signatures: Mapped[list] = mapped_column(JSON, default=list)
    effective_on: Mapped[dt.date | None] = mapped_column(Date)


class Custody(Base):
    """Chain of custody: every view and export of a case's evidence."""

    __tablename__ = "dispute_custody"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dispute_cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
