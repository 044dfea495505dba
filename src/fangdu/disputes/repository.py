"""All SQL of the disputes context, over one session (the unit of work commits)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangdu.disputes.errors import Refused
from fangdu.disputes.models import (
    Case,
    CaseDocument,
    CaseEvent,
    Custody,
    Lead,
    Mediation,
    Mediator,
    Sighting,
    Watch,
)
from fangdu.errors import NotFound


class DisputesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    # -- monitoring --------------------------------------------------------------------------

    def watch_of(self, work_id: int) -> Watch | None:
        return self.session.scalar(select(Watch).where(Watch.work_id == work_id))

    def watches(self) -> list[Watch]:
        return list(self.session.scalars(select(Watch).order_by(Watch.id)))

    def sighting_by_hash(self, sha256: str, merchant: str, source: str) -> Sighting | None:
        return self.session.scalar(
            select(Sighting).where(
                Sighting.sha256 == sha256, Sighting.merchant == merchant, Sighting.source == source
            )
        )

    def unchecked_sightings(self) -> list[Sighting]:
        return list(
            self.session.scalars(
                select(Sighting).where(Sighting.checked.is_(False)).order_by(Sighting.id)
            )
        )

    def sighting(self, sighting_id: int) -> Sighting:
        row = self.session.get(Sighting, sighting_id)
        if row is None:
            raise NotFound(f"no sighting S-{sighting_id}")
        return row

    def sightings_of_work(self, work_id: int) -> list[Sighting]:
        """Every sighting that matched the work (through its leads)."""
        return list(
            self.session.scalars(
                select(Sighting)
                .join(Lead, Lead.sighting_id == Sighting.id)
                .where(Lead.work_id == work_id)
                .order_by(Sighting.id)
            )
        )

    def lead(self, lead_id: int) -> Lead:
        row = self.session.get(Lead, lead_id)
        if row is None:
            raise NotFound(f"no lead L-{lead_id}")
        return row

    def leads(self, status: str | None = None) -> list[Lead]:
        query = select(Lead).order_by(Lead.id)
        if status is not None:
            query = query.where(Lead.status == status)
        return list(self.session.scalars(query))

    def leads_of_work(self, work_id: int) -> list[Lead]:
        return list(self.session.scalars(select(Lead).where(Lead.work_id == work_id)))

    # -- cases -------------------------------------------------------------------------------

    def case(self, case_id: int) -> Case:
        row = self.session.get(Case, case_id)
        if row is None:
            raise NotFound(f"no case C-{case_id}")
        return row

    def case_by_token(self, token_sha256: str) -> Case | None:
        return self.session.scalar(select(Case).where(Case.token_sha256 == token_sha256))

    def cases(self) -> list[Case]:
        return list(self.session.scalars(select(Case).order_by(Case.id)))

    def open_case_of_lead(self, lead_id: int) -> Case | None:
        return self.session.scalar(select(Case).where(Case.lead_id == lead_id))

    def cases_against(self, work_id: int, respondent_id: int) -> list[Case]:
        return list(
            self.session.scalars(
                select(Case).where(Case.work_id == work_id, Case.respondent_id == respondent_id)
            )
        )

    def events(self, case_id: int) -> list[CaseEvent]:
        return list(
            self.session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        )

    def documents(self, case_id: int) -> list[CaseDocument]:
        return list(
            self.session.scalars(
                select(CaseDocument)
                .where(CaseDocument.case_id == case_id)
                .order_by(CaseDocument.role, CaseDocument.sha256)
            )
        )

    def add_document(self, case_id: int, role: str, sha256: str, size: int) -> None:
        if self.session.get(CaseDocument, (case_id, role, sha256)) is None:
            self.add(CaseDocument(case_id=case_id, role=role, sha256=sha256, size=size))

    def custody(self, case_id: int) -> list[Custody]:
        return list(
            self.session.scalars(
                select(Custody).where(Custody.case_id == case_id).order_by(Custody.id)
            )
        )

    # -- mediation ---------------------------------------------------------------------------

    def mediator(self, name: str) -> Mediator:
        row = self.session.scalar(select(Mediator).where(Mediator.name == name.strip()))
        if row is None:
            raise Refused(f"{name} is not on the mediator roster (`fangdu mediation roster-add`)")
        return row

    def mediator_by_id(self, mediator_id: int) -> Mediator:
        row = self.session.get(Mediator, mediator_id)
        assert row is not None
        return row

    def mediators(self) -> list[Mediator]:
        return list(self.session.scalars(select(Mediator).order_by(Mediator.name)))

    def mediation(self, case_id: int) -> Mediation:
        row = self.session.get(Mediation, case_id)
        if row is None:
            raise Refused(f"case C-{case_id} has no mediation: `fangdu mediation intake` first")
        return row

    def mediations(self) -> list[Mediation]:
        return list(self.session.scalars(select(Mediation).order_by(Mediation.case_id)))

    def has_mediation(self, case_id: int) -> bool:
        return self.session.get(Mediation, case_id) is not None
