"""The log's tables, kept in the registry's database so an event and its entry commit together.

``log_state`` is one row: ``next_index`` is bumped (under the row lock) by every append, inside
the caller's transaction, so an index is durable as soon as the event is; ``integrated_size``
moves only by compare-and-swap when the integrator has stored the tiles and signed a checkpoint
of that size, so two integrators can never publish two different trees.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from fangdu.db.base import Base, UTCDateTime, utcnow


class LogState(Base):
    __tablename__ = "log_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    next_index: Mapped[int] = mapped_column(BigInteger)
    integrated_size: Mapped[int] = mapped_column(BigInteger)


class LogEntry(Base):
    """One event, as the canonical JSON bytes that are the Merkle leaf."""

    __tablename__ = "log_entries"
    __table_args__ = (Index("ix_log_entries_subject_idx", "subject", "idx"),)

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    # What the event is about ("work:12"), so each entry can point at the previous one.
    subject: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LogOpening(Base):
    """The opening of a sealed entry's commitment (salt and facts): private, never exported.

    It goes only into the evidence bundle of the record the entry is about, for its owner.
    """

    __tablename__ = "log_openings"

    idx: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("log_entries.idx"), primary_key=True, autoincrement=False
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)  # salt, then the RFC 8785 facts


class LogTile(Base):
    """The newest version of each hash tile (a partial tile grows in place until full)."""

    __tablename__ = "log_tiles"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class LogCheckpoint(Base):
    """Every checkpoint the log has signed, with its RFC 3161 timestamp once obtained."""

    __tablename__ = "log_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[bytes] = mapped_column(LargeBinary)  # the signed note, as published
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    timestamp_token: Mapped[bytes | None] = mapped_column(LargeBinary)
    timestamp_chain: Mapped[bytes | None] = mapped_column(LargeBinary)  # PEM


class LogCosignature(Base):
    """A witness's cosignature line on one checkpoint."""

    __tablename__ = "log_cosignatures"
    __table_args__ = (UniqueConstraint("checkpoint_size", "witness"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkpoint_size: Mapped[int] = mapped_column(ForeignKey("log_checkpoints.size"))
    witness: Mapped[str] = mapped_column(String(200))  # the witness key's name
    line: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
