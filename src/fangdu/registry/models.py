"""Tables of the registry. Portable types only, so SQLite and PostgreSQL share one schema.

Enumerations are short strings with named CHECK constraints rather than native enums: adding a
status is then a one-line migration on both databases.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fangdu.db.base import Base, UTCDateTime, utcnow
from fangdu.db.base import one_of as _one_of

WORK_STATUSES = ("pending", "registered", "rejected")
PARTY_KINDS = ("person", "company")
REF_KINDS = ("work", "prior_art")
VERDICTS = ("copy", "similar", "none")


class Party(Base):
    """A person or company that owns or designs works."""

    __tablename__ = "parties"
    __table_args__ = (CheckConstraint(_one_of("kind", PARTY_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="person")
    # Log entries name a party only as SHA-256(salt || name): no personal data in the public
    # log, yet the party can prove the entry is theirs by revealing the salt.
    salt: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImageColumns:
    """The original upload: bytes live in the blob store under their SHA-256."""

    image_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    image_format: Mapped[str] = mapped_column(String(16))
    image_width: Mapped[int] = mapped_column(Integer)
    image_height: Mapped[int] = mapped_column(Integer)
    image_size: Mapped[int] = mapped_column(BigInteger)  # bytes


class Work(ImageColumns, Base):
    """A pattern submitted for registration."""

    __tablename__ = "works"
    __table_args__ = (
        CheckConstraint(_one_of("status", WORK_STATUSES), name="status"),
        # A registration number exists exactly when the work is registered.
        CheckConstraint(
            "(status = 'registered') = (registration_no IS NOT NULL)", name="registration_no"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_no: Mapped[str | None] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    created_on: Mapped[dt.date | None] = mapped_column(Date)  # claimed creation date
    published_on: Mapped[dt.date | None] = mapped_column(Date)  # first publication
    category: Mapped[str | None] = mapped_column(String(100))
    colourways: Mapped[list[str]] = mapped_column(JSON, default=list)
    repeat_width_mm: Mapped[float | None] = mapped_column(Float)
    repeat_height_mm: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    registered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The application: what the applicant declared, and the reviewer's decision.
    description: Mapped[str | None] = mapped_column(Text)  # how the design was created
    originality_statement: Mapped[str | None] = mapped_column(Text)
    # Opaque account ids from whichever front end filed or decided (web accounts, API tokens).
    submitted_by: Mapped[str | None] = mapped_column(String(64), index=True)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)

    owner: Mapped[Party | None] = relationship(lazy="joined")
    designer_links: Mapped[list[WorkDesigner]] = relationship(
        order_by="WorkDesigner.position", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def designers(self) -> list[Party]:
        return [link.party for link in self.designer_links]


class WorkDesigner(Base):
    """Designers of a work, in the order given."""

    __tablename__ = "work_designers"

    work_id: Mapped[int] = mapped_column(ForeignKey("works.id"), primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    party: Mapped[Party] = relationship(lazy="joined")


class PriorArt(ImageColumns, Base):
    """An image known to have existed by ``first_seen`` without being registered."""

    __tablename__ = "prior_art"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str | None] = mapped_column(Text)  # catalogue, stall photo, court exhibit
    first_seen: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchRef(Base):
    """One searchable image: its id is the vector index id, so the index is rebuildable."""

    __tablename__ = "search_refs"
    __table_args__ = (
        CheckConstraint(_one_of("kind", REF_KINDS), name="kind"),
        CheckConstraint(
            "(kind = 'work' AND work_id IS NOT NULL AND prior_art_id IS NULL)"
            " OR (kind = 'prior_art' AND prior_art_id IS NOT NULL AND work_id IS NULL)",
            name="target",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    work_id: Mapped[int | None] = mapped_column(ForeignKey("works.id"), unique=True)
    prior_art_id: Mapped[int | None] = mapped_column(ForeignKey("prior_art.id"), unique=True)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint_version: Mapped[str] = mapped_column(String(32))
    # Original pixels per fingerprint pixel: huge JPEGs are fingerprinted from a reduced
    # decode, and match boxes are reported in the original's coordinates.
    scale: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    work: Mapped[Work | None] = relationship(lazy="joined")
    prior_art: Mapped[PriorArt | None] = relationship(lazy="joined")


class RegistrationCounter(Base):
    """Last registration number issued per year: numbers are dense and never reused."""

    __tablename__ = "registration_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class ReviewMatch(Base):
    """A match found when a work was submitted for review despite resembling a reference."""

    __tablename__ = "review_matches"
    __table_args__ = (
        CheckConstraint(_one_of("verdict", VERDICTS), name="verdict"),
        UniqueConstraint("work_id", "ref_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id"))
    ref_id: Mapped[int] = mapped_column(ForeignKey("search_refs.id"))
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(16))
    query_box: Mapped[list[int] | None] = mapped_column(JSON)  # [x0, y0, x1, y1]
    match_box: Mapped[list[int] | None] = mapped_column(JSON)
    # The whole of a simple design found again (shown as "same design (simple)").
    same_design: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    ref: Mapped[SearchRef] = relationship(lazy="joined")
