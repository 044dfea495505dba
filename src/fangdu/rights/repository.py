"""All SQL of the rights register, over one session (the unit of work commits)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangdu.rights.history import Holding
from fangdu.rights.models import (
    Holding as HoldingRow,
)
from fangdu.rights.models import (
    RecordDocument,
    RecordSignature,
    RecordWork,
    RightsRecord,
)


class RightsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- holdings ----------------------------------------------------------------------------

    def holding_rows(self, work_id: int) -> list[HoldingRow]:
        return list(
            self.session.scalars(
                select(HoldingRow).where(HoldingRow.work_id == work_id).order_by(HoldingRow.id)
            )
        )

    def holdings(self, work_id: int) -> list[Holding]:
        return [to_holding(row) for row in self.holding_rows(work_id)]

    def has_holdings(self, work_id: int) -> bool:
        return bool(
            self.session.scalar(
                select(func.count()).select_from(HoldingRow).where(HoldingRow.work_id == work_id)
            )
        )

    def holding_row(self, work_id: int, h: Holding) -> HoldingRow:
        row = self.session.scalar(
            select(HoldingRow).where(
                HoldingRow.work_id == work_id,
                HoldingRow.record_id.is_(None)
                if h.record is None
                else HoldingRow.record_id == h.record,
                HoldingRow.party_hash == h.party,
                HoldingRow.role == h.role,
            )
        )
        assert row is not None, f"no holding {h.key} on W-{work_id}"
        return row

    def add_holding(self, work_id: int, party_id: int, h: Holding) -> HoldingRow:
        row = HoldingRow(
            work_id=work_id,
            party_id=party_id,
            party_hash=h.party,
            role=h.role,
            share=h.share,
            right=h.right,
            territory=h.territory,
            applied_on=h.applied_on,
            starts_on=h.starts_on,
            ends_on=h.ends_on,
            status=h.status,
            rank=h.rank,
            record_id=h.record,
        )
        self.session.add(row)
        return row

    def pledge_holdings(self, pledge_id: int) -> list[HoldingRow]:
        """The pledgee holdings of a pledge: its own, and those of its transfers to another
        pledgee (which carry the pledge on under the transfer's record)."""
        transfers = select(RightsRecord.id).where(
            RightsRecord.action == "pledge_transfer", RightsRecord.refers_to_id == pledge_id
        )
        return list(
            self.session.scalars(
                select(HoldingRow)
                .where(
                    (HoldingRow.record_id == pledge_id) | HoldingRow.record_id.in_(transfers),
                    HoldingRow.role == "pledgee",
                )
                .order_by(HoldingRow.work_id, HoldingRow.id)
            )
        )

    def pledgee_rows(self, party_id: int) -> list[HoldingRow]:
        """The party's pledgee holdings, on every work, whatever their status."""
        return list(
            self.session.scalars(
                select(HoldingRow)
                .where(HoldingRow.party_id == party_id, HoldingRow.role == "pledgee")
                .order_by(HoldingRow.work_id, HoldingRow.id)
            )
        )

    def latest_referring(
        self, record_id: int, action: str, term: str | None = None
    ) -> RightsRecord | None:
        """The latest record of ``action`` about ``record_id`` (that sets ``term``, if named)."""
        rows = self.session.scalars(
            select(RightsRecord)
            .where(RightsRecord.refers_to_id == record_id, RightsRecord.action == action)
            .order_by(RightsRecord.id.desc())
        )
        return next((r for r in rows if term is None or term in r.facts["terms"]), None)

    def root_pledge(self, record_id: int) -> int:
        """The pledge a pledgee holding belongs to (its record, or the pledge it transfers)."""
        record = self.session.get(RightsRecord, record_id)
        if record is not None and record.action == "pledge_transfer":
            assert record.refers_to_id is not None
            return record.refers_to_id
        return record_id

    # -- records -----------------------------------------------------------------------------

    def add_record(self, record: RightsRecord) -> RightsRecord:
        self.session.add(record)
        self.session.flush()
        return record

    def record(self, record_id: int) -> RightsRecord | None:
        return self.session.get(RightsRecord, record_id)

    def records_of(self, work_id: int) -> list[RightsRecord]:
        return list(
            self.session.scalars(
                select(RightsRecord)
                .join(RecordWork, RecordWork.record_id == RightsRecord.id)
                .where(RecordWork.work_id == work_id)
                .order_by(RightsRecord.id)
            )
        )

    def latest_effective_on(self, work_id: int) -> dt.date | None:
        return self.session.scalar(
            select(func.max(RightsRecord.effective_on))
            .join(RecordWork, RecordWork.record_id == RightsRecord.id)
            .where(RecordWork.work_id == work_id)
        )

    def unused_consent(
        self, pledge_id: int, work_id: int, purpose: str, counterparty: str
    ) -> RightsRecord | None:
        """A consent of the pledgee to this purpose with this counterparty, not used yet."""
        rows = self.session.scalars(
            select(RightsRecord)
            .join(RecordWork, RecordWork.record_id == RightsRecord.id)
            .where(
                RightsRecord.action == "consent",
                RightsRecord.refers_to_id == pledge_id,
                RightsRecord.used_by_id.is_(None),
                RecordWork.work_id == work_id,
            )
            .order_by(RightsRecord.id)
        )
        for row in rows:
            terms = row.facts["terms"]
            if terms["purpose"] == purpose and terms["counterparty"] == counterparty:
                return row
        return None

    def add_record_work(self, record_id: int, work_id: int, log_index: int, leaf: str) -> None:
        self.session.add(
            RecordWork(record_id=record_id, work_id=work_id, log_index=log_index, leaf_hash=leaf)
        )

    def record_works(self, record_id: int) -> list[RecordWork]:
        return list(
            self.session.scalars(
                select(RecordWork)
                .where(RecordWork.record_id == record_id)
                .order_by(RecordWork.work_id)
            )
        )

    def add_documents(self, docs: Sequence[RecordDocument]) -> None:
        self.session.add_all(docs)

    def documents(self, record_id: int) -> list[RecordDocument]:
        return list(
            self.session.scalars(
                select(RecordDocument).where(RecordDocument.record_id == record_id)
            )
        )

    def add_signatures(self, rows: Sequence[RecordSignature]) -> None:
        self.session.add_all(rows)

    def signatures(self, record_id: int) -> list[RecordSignature]:
        return list(
            self.session.scalars(
                select(RecordSignature).where(RecordSignature.record_id == record_id)
            )
        )

    def flush(self) -> None:
        self.session.flush()


def to_holding(row: HoldingRow) -> Holding:
    return Holding(
        role=row.role,
        party=row.party_hash,
        record=row.record_id,
        share=row.share,
        right=row.right,
        territory=row.territory,
        applied_on=row.applied_on,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        status=row.status,
        rank=row.rank,
    )
