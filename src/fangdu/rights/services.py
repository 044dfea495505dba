"""The rights register's use cases: transfer, licence, pledge and its lifecycle, consent, "as of".

Every record checks its rules on the title as it stands on its date, then, in one transaction,
writes its rows and one signed log entry per work it concerns; contract documents go to the
blob store only once the rules have passed (an orphan blob after a failed commit is harmless:
content-addressed, referenced by nothing). A refused record leaves nothing behind.

Each log entry carries the record's public facts (party hashes, dates, public terms), a hiding
commitment to its private terms (price, fee, secured amount), the parties' Ed25519 signatures
over those facts, and the changes it makes to the holdings, so the register can be rebuilt
from the public log alone (``fangdu.rights.rebuild``).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fangdu.db.base import utcnow
from fangdu.errors import Conflict, InputError, NotFound
from fangdu.ledger.entries import Event, FileRef, commit
from fangdu.ledger.keys import load_or_create_signer
from fangdu.ledger.models import LogEntry
from fangdu.ledger.note import Signer
from fangdu.ledger.store import LogStore
from fangdu.rights import registry_port as registry
from fangdu.rights.history import (
    LICENSEES,
    Holding,
    Standing,
    change_close,
    change_open,
    change_register,
    standing,
)
from fangdu.rights.law import (
    DOCUMENT_ROLES,
    PLEDGE_DOCUMENTS,
    PROCEEDS,
    RIGHTS,
    WHOLE,
    WORLDWIDE,
    RuleRefused,
    document_kind,
    overlaps,
    protection_ends,
    require_fields,
    same_scope,
    sign,
    verify_signatures,
)
from fangdu.rights.models import Holding as HoldingRow
from fangdu.rights.models import (
    RecordDocument,
    RecordSignature,
    RightsRecord,
    WatchEvent,
    Webhook,
)
from fangdu.rights.registry_port import BlobStore, PartyRef, WorkRef
from fangdu.rights.repository import RightsRepository, to_holding
from fangdu.rights.watch import http_post, signed_post

# The log's entry types (fangdu.ledger.entries.EVENT_TYPES) for each record.
ENTRY_TYPES = {
    "transfer": "transfer",
    "licence": "licence",
    "pledge": "pledge",
    "pledge_registration": "pledge",
    "consent": "pledge",
    "pledge_withdrawal": "pledge",
    "pledge_change": "pledge",
    "pledge_transfer": "pledge",
    "pledge_release": "pledge_release",
}
ACTIVE_PLEDGE = ("in_force", "pending_legal_registration")


@dataclass(frozen=True)
class Document:
    """A contract document as filed: its role (``law.DOCUMENT_ROLES``) and bytes."""

    role: str
    data: bytes


@dataclass(frozen=True)
class Signatures:
    """Who signed a record, and what the registry's word on each signature rests on.

    Every signature is made by the registry with the party's custodial key, so the log must
    say why the registry made it. On the command line (a plain list of names) the operator
    states who signed the contract it holds: basis ``operator``. On the web the signed-in
    account's own party signs (``account``); the other parties it names are only ``declared``
    by it: the registry has not seen them sign, and the entry says so (docs/RIGHTS.md).
    """

    names: tuple[str, ...]
    account_party: str | None = None

    def basis(self, name: str) -> str:
        if self.account_party is None:
            return "operator"
        return "account" if name == self.account_party else "declared"


SignedBy = Sequence[str] | Signatures


@dataclass(frozen=True)
class PledgeLine:
    """One pledge in a pledgee's portfolio: its works with their status, and its numbers."""

    pledge: int
    applied_on: dt.date
    national_no: str | None
    registered_on: dt.date | None
    debtor_term_ends: str | None
    works: tuple[tuple[WorkRef, str, dt.date | None], ...]  # (work, status, ended on)

    def as_json(self) -> dict[str, Any]:
        return {
            "pledge": self.pledge,
            "applied_on": self.applied_on.isoformat(),
            "national_no": self.national_no,
            "registered_on": self.registered_on.isoformat() if self.registered_on else None,
            "debtor_term_ends": self.debtor_term_ends,
            "works": [
                {
                    "work_id": w.id,
                    "work": w.label,
                    "title": w.title,
                    "status": status,
                    "ended_on": ended.isoformat() if ended else None,
                }
                for w, status, ended in self.works
            ],
        }


@dataclass(frozen=True)
class RecordInfo:
    id: int
    action: str
    effective_on: dt.date
    works: tuple[int, ...]
    facts: Mapping[str, Any]
    log_indices: tuple[int, ...]
    documents: tuple[tuple[str, str], ...]  # (role, sha256)
    notes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "record": self.id,
            "action": self.action,
            "effective_on": self.effective_on.isoformat(),
            "works": list(self.works),
            "log_indices": list(self.log_indices),
            "documents": [{"role": r, "sha256": s} for r, s in self.documents],
            "notes": list(self.notes),
            "facts": dict(self.facts),
        }


@dataclass(frozen=True)
class RightsView:
    """``rights show``: the standing on a day, with names, and what a lender checks."""

    work: WorkRef
    standing: Standing
    names: Mapping[str, str]  # party hash -> name
    protection_ends: dt.date | None
    prior_art_conflicts: tuple[str, ...]
    records: tuple[tuple[int, str, dt.date], ...]  # (record, action, effective on)

    def as_json(self) -> dict[str, Any]:
        return {
            "work": self.work.label,
            "title": self.work.title,
            **self.standing.as_json(self.names),
            "protection_ends": self.protection_ends.isoformat() if self.protection_ends else None,
            "prior_art_conflicts": list(self.prior_art_conflicts),
            "records": [
                {"record": r, "action": a, "effective_on": d.isoformat()}
                for r, a, d in self.records
            ],
        }


@dataclass
class _Plan:
    """What one record will write: checked first, written only if every rule passed."""

    action: str
    works: list[WorkRef]
    effective_on: dt.date
    parties: list[tuple[PartyRef, str]]
    terms: dict[str, Any]
    private: dict[str, Any]
    signers: list[tuple[PartyRef, str]]
    documents: list[Document]
    refers_to: RightsRecord | None = None
    opens: dict[int, list[tuple[Holding, int]]] | None = None  # work -> (holding, party id)
    closes: dict[int, list[tuple[Holding, dt.date, str]]] | None = None
    registers: dict[int, list[tuple[Holding, dt.date]]] | None = None
    consents: list[RightsRecord] | None = None
    notes: tuple[str, ...] = ()


class PledgedWithoutConsent(RuleRefused):
    """A transfer or licence of a pledged work without the pledgee's consent: refused, and the
    pledgees hear of the attempt (collateral watch)."""

    def __init__(
        self,
        message: str,
        rule: str,
        *,
        work: WorkRef,
        pledges: list[tuple[int, int]],
        purpose: str,
        counterparties: list[str],
    ) -> None:
        super().__init__(message, rule)
        self.work, self.pledges = work, pledges  # (pledge id, pledgee party id)
        self.purpose, self.counterparties = purpose, counterparties


def keqiao_today() -> dt.date:
    """Keqiao is UTC+8: "today" there may already be tomorrow in UTC."""
    return (utcnow() + dt.timedelta(hours=8)).date()


class RightsService:
    """The rights register over the shared database, evidence log and blob store."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        ledger: LogStore,
        blobs: BlobStore,
        keys_dir: Path,
        *,
        after_write: Callable[[], None] | None = None,
        allow_second_pledge: bool = False,
        today: Callable[[], dt.date] = keqiao_today,
    ) -> None:
        """``after_write`` folds new entries into a checkpoint (the registry's ``integrate``);
        ``allow_second_pledge`` lets a work carry more than one pledge, ranked by date."""
        self._sessions = sessions
        self.ledger = ledger
        self.blobs = blobs
        self._keys = Path(keys_dir)
        self._after_write = after_write or (lambda: ledger.integrate(publish=False))
        self.allow_second_pledge = allow_second_pledge
        self._today = today
        # Open disputes contesting a work's title (著作权质权登记办法 Art 12 (5)), by the work's
        # label: the application sets it from the disputes context, which this one must not
        # import (that context depends on this one).
        self.title_disputes: Callable[[str], list[str]] = lambda label: []

    @functools.cached_property
    def operator(self) -> Signer:
        """Signs the entries filed from this installation's command line (the registry's key)."""
        return load_or_create_signer(self._keys / "operator.key", "operator")

    def party_signer(self, party: PartyRef) -> Signer:
        """The party's custodial Ed25519 key, created on first use (0600), like accounts'."""
        folder = self._keys / "parties"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return load_or_create_signer(folder / f"{party.id}.key", f"party-{party.id}")

    @contextmanager
    def _unit(self) -> Iterator[tuple[Session, RightsRepository]]:
        try:
            with self._sessions() as session, session.begin():
                yield session, RightsRepository(session)
        except PledgedWithoutConsent as refused:  # rolled back; the pledgees still hear of it
            with self._sessions() as session, session.begin():
                for pledge_id, pledgee_id in refused.pledges:
                    session.add(
                        WatchEvent(
                            pledge_id=pledge_id,
                            work_id=refused.work.id,
                            pledgee_id=pledgee_id,
                            kind=f"{refused.purpose}_attempt_refused",
                            detail={
                                "work": refused.work.label,
                                "counterparties": refused.counterparties,
                                "refused": str(refused),
                            },
                        )
                    )
            raise

    # -- reading -----------------------------------------------------------------------------

    def show(self, key: str, as_of: dt.date | None = None) -> RightsView:
        """Owners, licences and pledges of a work on ``as_of`` (default: today in Keqiao)."""
        day = as_of or self._today()
        with self._unit() as (session, repo):
            work = registry.find_work(session, key)
            holdings = self._holdings(repo, work)
            rows = repo.holding_rows(work.id)
            names = {
                p.hash: p.name
                for p in registry.parties(session, [r.party_id for r in rows]).values()
            }
            if work.owner is not None:
                names.setdefault(work.owner.hash, work.owner.name)
            return RightsView(
                work=work,
                standing=standing(work.id, day, holdings),
                names=names,
                protection_ends=_protection(work),
                prior_art_conflicts=tuple(registry.prior_art_conflicts(session, work.id)),
                records=tuple((r.id, r.action, r.effective_on) for r in repo.records_of(work.id)),
            )

    def standing(self, key: str, as_of: dt.date) -> Standing:
        return self.show(key, as_of).standing

    def record(self, record_id: int) -> RecordInfo:
        with self._unit() as (_, repo):
            return _info(repo, _record(repo, record_id))

    def verify_record(self, record_id: int) -> list[tuple[str, str]]:
        """Check every party signature of a record: (party hash, role) of each, or raise."""
        return verify_signatures(self.record(record_id).facts)

    def opening(self, record_id: int) -> bytes | None:
        """The opening of a record's private terms (for the parties and the bank)."""
        with self._unit() as (_, repo):
            return _record(repo, record_id).opening

    # -- transfer ----------------------------------------------------------------------------

    def transfer(
        self,
        key: str,
        *,
        to: Mapping[str, int] | Sequence[str],
        on: dt.date,
        price: str,
        payment: str,
        liability: str,
        territory: str = WORLDWIDE,
        rights: str = "all",
        transferor: str | None = None,
        share: int | None = None,
        proceeds: str | None = None,
        documents: Sequence[Document] = (),
        signed_by: SignedBy = (),
        channel: str = "cli",
        submitter: Signer | None = None,
    ) -> RecordInfo:
        """Transfer the economic rights (著作权法 Art 10 para 3, Art 27) of a work.

        ``to`` names the transferees, with basis-point shares of the whole (10000) or as a
        list splitting the transferred share equally. ``transferor`` (default: every owner)
        transfers ``share`` (default: all of theirs).
        """
        # 著作权法 Art 27: the transfer contract's main terms.
        require_fields(
            "the transfer contract",
            "著作权法 Art 27",
            {
                "rights": rights,
                "territory": territory,
                "price": price,
                "payment": payment,
                "liability": liability,
            },
        )
        if rights != "all":
            raise InputError(
                "only transfers of all the economic rights are kept in the register; "
                "record a transfer of some rights as an exclusive licence"
            )
        with self._unit() as (session, repo):
            work = self._registered(session, key)
            self._title(session, repo, work)
            self._check_day(repo, work, on, "the transfer date")
            now = standing(work.id, on, repo.holdings(work.id))
            owners = _owners(session, repo, now)
            if transferor is not None:
                source = registry.party(session, transferor)
                mine = [(p, h) for p, h in owners if p.id == source.id]
                if not mine:
                    raise RuleRefused(
                        f"{source.name} is not an owner of {work.label} on {on}",
                        "著作权法 Art 10 para 3: only the copyright owner transfers",
                    )
                sources = mine
            else:
                sources = owners
            held = sum(h.share or 0 for _, h in sources)
            moving = held if share is None else share
            if not 0 < moving <= held:
                raise InputError(f"the share transferred must be 1..{held} basis points")
            if len(sources) > 1 and moving != held:
                raise InputError("a part share is transferred by one named transferor")
            targets = _shares(session, to, moving)
            if {p.id for p, _ in targets} & {p.id for p, _ in sources}:
                raise InputError("a transferor cannot also be a transferee")
            consents, notes = self._pledgee_consent(
                repo, session, work, now, "transfer", [p for p, _ in targets]
            )
            if consents and proceeds not in PROCEEDS:
                raise InputError(
                    "the work is pledged: say where the price goes, --proceeds early_repayment "
                    "or escrow (民法典 Art 444 para 2)"
                )
            # 著作权法 Art 14 para 2: a co-owned work is transferred only with every co-owner.
            signers = [(p, "transferor") for p, _ in sources]
            signers += [
                (p, "co_owner") for p, _ in owners if p.id not in {s.id for s, _ in sources}
            ]
            signers += [(p, "transferee") for p, _ in targets]
            closes, opens = [], []
            for _, h in sources:
                closes.append((h, on - dt.timedelta(days=1), "ended"))
            if moving < held:
                p, h = sources[0]
                opens.append(
                    (Holding("owner", p.hash, None, share=held - moving, starts_on=on), p.id)
                )
            opens += [
                (Holding("owner", p.hash, None, share=s, starts_on=on), p.id) for p, s in targets
            ]
            plan = _Plan(
                action="transfer",
                works=[work],
                effective_on=on,
                parties=[(p, "transferor") for p, _ in sources]
                + [(p, "transferee") for p, _ in targets],
                terms={
                    "title": work.title,
                    "rights": rights,
                    "territory": territory,
                    "shares": {p.hash: s for p, s in targets},
                    "proceeds": proceeds if consents else None,
                },
                private={"price": price, "payment": payment, "liability": liability},
                signers=signers,
                documents=list(documents),
                opens={work.id: opens},
                closes={work.id: closes},
                consents=consents,
                notes=notes,
            )
            info = self._write(session, repo, plan, signed_by, channel, submitter)
        self._after_write()
        return info

    # -- licence -----------------------------------------------------------------------------

    def license(
        self,
        key: str,
        *,
        licensee: str,
        exclusive: bool,
        right: str,
        territory: str,
        starts_on: dt.date,
        ends_on: dt.date,
        fee: str,
        liability: str,
        licensor: str | None = None,
        documents: Sequence[Document] = (),
        signed_by: SignedBy = (),
        channel: str = "cli",
        submitter: Signer | None = None,
    ) -> RecordInfo:
        """A licence (著作权法 Art 26) from the owner(s), or one co-owner for a non-exclusive
        one (Art 14 para 2), for a period that has started."""
        require_fields(
            "the licence contract",
            "著作权法 Art 26",
            {"right": right, "territory": territory, "fee": fee, "liability": liability},
        )
        if right not in RIGHTS:
            raise InputError(
                f"unknown right {right!r}: one of {', '.join(RIGHTS)} (著作权法 Art 10)"
            )
        if ends_on < starts_on:
            raise InputError("a licence cannot end before it starts")
        with self._unit() as (session, repo):
            work = self._registered(session, key)
            self._title(session, repo, work)
            self._check_day(repo, work, starts_on, "the licence's start")
            holdings = repo.holdings(work.id)
            now = standing(work.id, starts_on, holdings)
            owners = _owners(session, repo, now)
            if licensor is not None:
                grantor = registry.party(session, licensor)
                grantors = [(p, h) for p, h in owners if p.id == grantor.id]
                if not grantors:
                    raise RuleRefused(
                        f"{grantor.name} is not an owner of {work.label} on {starts_on}",
                        "著作权法 Art 26: the copyright owner licenses",
                    )
            else:
                grantors = owners
            if exclusive and len(grantors) < len(owners):
                raise RuleRefused(
                    "an exclusive licence of a co-owned work needs every co-owner as licensor",
                    "著作权法 Art 14 para 2",
                )
            for other in holdings:
                if other.role not in LICENSEES or other.starts_on is None:
                    continue
                if not exclusive and other.role != "exclusive_licensee":
                    continue
                if overlaps(starts_on, ends_on, other.starts_on, other.ends_on) and same_scope(
                    right, territory, other.right or "all", other.territory or WORLDWIDE
                ):
                    kind = "exclusive" if other.role == "exclusive_licensee" else "non-exclusive"
                    raise RuleRefused(
                        f"overlaps the {kind} licence R-{other.record} of {other.right} in "
                        f"{other.territory} from {other.starts_on} to {other.ends_on}",
                        "著作权法实施条例 Art 24: an exclusive licence excludes everyone else",
                    )
            party = registry.party(session, licensee)
            consents, notes = self._pledgee_consent(repo, session, work, now, "licence", [party])
            role = "exclusive_licensee" if exclusive else "non_exclusive_licensee"
            plan = _Plan(
                action="licence",
                works=[work],
                effective_on=starts_on,
                parties=[(p, "licensor") for p, _ in grantors] + [(party, "licensee")],
                terms={
                    "right": right,
                    "exclusive": exclusive,
                    "territory": territory,
                    "starts_on": starts_on.isoformat(),
                    "ends_on": ends_on.isoformat(),
                },
                private={"fee": fee, "liability": liability},
                signers=[(p, "licensor") for p, _ in grantors] + [(party, "licensee")],
                documents=list(documents),
                opens={
                    work.id: [
                        (
                            Holding(
                                role,
                                party.hash,
                                None,
                                right=right,
                                territory=territory,
                                starts_on=starts_on,
                                ends_on=ends_on,
                            ),
                            party.id,
                        )
                    ]
                },
                consents=consents,
                notes=notes,
            )
            info = self._write(session, repo, plan, signed_by, channel, submitter)
        self._after_write()
        return info

    # -- pledge ------------------------------------------------------------------------------

    def pledge(
        self,
        keys: Sequence[str],
        *,
        pledgee: str,
        applied_on: dt.date,
        secured_claim: str,
        amount: str,
        debtor_term_ends: dt.date,
        scope: str,
        security_term: str,
        pledgors: Sequence[str] | None = None,
        valuation_required: bool = False,
        documents: Sequence[Document] = (),
        signed_by: SignedBy = (),
        channel: str = "cli",
        submitter: Signer | None = None,
    ) -> RecordInfo:
        """Prepare a pledge of one work or a collection (担保制度解释 Art 53) for the national
        register. It stays ``pending_legal_registration`` until ``register_pledge``: the pledge
        arises only there (民法典 Art 444; 著作权质权登记办法 Art 5; 担保制度解释 Art 63)."""
        if not keys:
            raise InputError("a pledge names at least one work")
        # 著作权质权登记办法 Art 7: the pledge contract's terms.
        require_fields(
            "the pledge contract",
            "著作权质权登记办法 Art 7",
            {
                "secured claim": secured_claim,
                "amount": amount,
                "scope": scope,
                "security term": security_term,
            },
        )
        with self._unit() as (session, repo):
            works = []
            for key in dict.fromkeys(keys):
                work = self._registered(session, key)
                self._title(session, repo, work)
                self._check_day(repo, work, applied_on, "the pledge date")
                works.append(work)
            bank = registry.party(session, pledgee)
            named = [registry.party(session, n) for n in dict.fromkeys(pledgors or ())]
            signers: dict[tuple[int, str], tuple[PartyRef, str]] = {}
            opens: dict[int, list[tuple[Holding, int]]] = {}
            protection: dict[str, str | None] = {}
            co_owned = prior_licences = False
            for work in works:
                holdings = repo.holdings(work.id)
                now = standing(work.id, applied_on, holdings)
                owners = _owners(session, repo, now)
                owner_ids = {p.id for p, _ in owners}
                givers = named or [p for p, _ in owners]
                # 著作权质权登记办法 Art 12 (1): the pledgor is not the owner.
                strangers = [p.name for p in givers if p.id not in owner_ids]
                if strangers or not owners:
                    raise RuleRefused(
                        f"{', '.join(strangers) or 'nobody'} is not the owner of {work.label} "
                        f"on {applied_on}",
                        "著作权质权登记办法 Art 12 (1)",
                    )
                ends = _protection(work)
                protection[str(work.id)] = ends.isoformat() if ends else None
                # Art 12 (3): protection has expired.
                if ends is not None and ends < applied_on:
                    raise RuleRefused(
                        f"the protection of {work.label} ended on {ends}",
                        "著作权质权登记办法 Art 12 (3); 著作权法 Art 23",
                    )
                # Art 12 (4): the debtor's term outlasts the protection.
                if ends is not None and debtor_term_ends > ends:
                    raise RuleRefused(
                        f"the debt runs to {debtor_term_ends}, after the protection of "
                        f"{work.label} ends on {ends}",
                        "著作权质权登记办法 Art 12 (4)",
                    )
                # Art 12 (5): ownership disputed. Fangdu's own evidence: prior art the duplicate
                # check found in the work, and open cases about it that contest the claim.
                disputed = [
                    f"prior art {c}" for c in registry.prior_art_conflicts(session, work.id)
                ]
                disputed += self.title_disputes(work.label)
                if disputed:
                    raise RuleRefused(
                        f"the title to {work.label} is disputed: {'; '.join(disputed)}",
                        "著作权质权登记办法 Art 12 (5)",
                    )
                active = [h for h in holdings if h.role == "pledgee" and h.status in ACTIVE_PLEDGE]
                if active and not self.allow_second_pledge:
                    raise RuleRefused(
                        f"{work.label} is already pledged (R-{active[0].record}); a second "
                        "pledge needs the register's setting for ranked pledges",
                        "民法典 Art 414, 446: pledges rank by registration",
                    )
                co_owned |= len(owners) > 1
                prior_licences |= any(
                    h.role in LICENSEES and h.starts_on is not None and h.starts_on <= applied_on
                    for h in holdings
                )
                for p in givers:
                    signers.setdefault((p.id, "pledgor"), (p, "pledgor"))
                # 著作权法 Art 14 para 2: a co-owned work is pledged only with every co-owner.
                for p, _ in owners:
                    if p.id not in {g.id for g in givers}:
                        signers.setdefault((p.id, "co_owner"), (p, "co_owner"))
                opens[work.id] = [
                    (
                        Holding(
                            "pledgee",
                            bank.hash,
                            None,
                            applied_on=applied_on,
                            status="pending_legal_registration",
                            rank=len(active) + 1,
                        ),
                        bank.id,
                    )
                ]
            # 著作权质权登记办法 Art 6: the documents of the application.
            needed = list(PLEDGE_DOCUMENTS)
            needed += ["co_owner_consent"] if co_owned else []
            needed += ["prior_licences"] if prior_licences else []
            needed += ["valuation_report"] if valuation_required else []
            missing = [r for r in needed if r not in {d.role for d in documents}]
            if missing:
                raise InputError(
                    f"the pledge application lacks {', '.join(missing)} (著作权质权登记办法 Art 6)"
                )
            givers_all = [p for (_, role), (p, _) in signers.items() if role == "pledgor"]
            plan = _Plan(
                action="pledge",
                works=works,
                effective_on=applied_on,
                parties=[(p, "pledgor") for p in givers_all] + [(bank, "pledgee")],
                terms={
                    "content": "economic rights (著作权法 Art 10 (5)-(17))",
                    "protection_ends": protection,
                    "debtor_term_ends": debtor_term_ends.isoformat(),
                    "scope": scope,
                    "security_term": security_term,
                    "valuation_required": valuation_required,
                    "status": "pending_legal_registration",
                },
                private={"secured_claim": secured_claim, "amount": amount},
                signers=[*signers.values(), (bank, "pledgee")],
                documents=list(documents),
                opens=opens,
            )
            info = self._write(session, repo, plan, signed_by, channel, submitter)
        self._after_write()
        return info

    def register_pledge(
        self,
        pledge_id: int,
        *,
        national_no: str,
        registered_on: dt.date,
        certificate: Document,
        signed_by: SignedBy = (),
        channel: str = "cli",
        submitter: Signer | None = None,
    ) -> RecordInfo:
        """The national register recorded the pledge: its number and certificate; in force
        from ``registered_on`` (民法典 Art 444; 著作权质权登记办法 Art 5)."""
        require_fields(
            "the registration", "著作权质权登记办法 Art 5", {"national number": national_no}
        )
        if certificate.role != "national_certificate":
            certificate = replace(certificate, role="national_certificate")
        with self._unit() as (session, repo):
            pledge, rows = _pledge(repo, pledge_id)
            pending = [r for r in rows if r.status == "pending_legal_registration"]
            if not pending:
                raise Conflict(f"pledge R-{pledge_id} is not pending registration")
            works = [registry.work(session, r.work_id) for r in pending]
            for work in works:
                self._check_day(repo, work, registered_on, "the registration date")
            if registered_on < pledge.effective_on:
                raise InputError(
                    "the national register cannot record a pledge before it was applied for"
                )
            bank = _one(registry.parties(session, [pending[0].party_id]))
            plan = _Plan(
                action="pledge_registration",
                works=works,
                effective_on=registered_on,
                parties=[(bank, "pledgee")],
                terms={"national_no": national_no.strip(), "status": "in_force"},
                private={},
                signers=[(bank, "pledgee")],
                documents=[certificate],
                refers_to=pledge,
                registers={r.work_id: [(_holding(r), registered_on)] for r in pending},
            )
            info = self._write(session, repo, plan, signed_by, channel, submitter)
        self._after_write()
        return info

    def consent(
        self,
        pledge_id: int,
        key: str,
        *,
        purpose: str,
        counterparties: Sequence[str],
        given_on: dt.date,
        documents: Sequence[Document] = (),
        signed_by: SignedBy = (),
        channel: str = "cli",
        submitter: Signer | None = None,
    ) -> RecordInfo:
        """The pledgee consents to one transfer or licence of a pledged work (民法典 Art 444
        para 2); used up by the record it allows."""
        if purpose not in ("transfer", "licence"):
            raise InputError("a consent is to a transfer or a licence")
        if not counterparties:
            raise InputError("a consent names the transferee(s) or the licensee")
        with self._unit() as (session, repo):
            pledge, rows = _pledge(repo, pledge_id)
            work = self._registered(session, key)
            self._check_day(repo, work, given_on, "the consent date")
            mine = [r for r in rows if r.work_id == work.id and r.status in ACTIVE_PLEDGE]
            if not mine:
                raise Conflict(f"{work.label} is not under pledge R-{pledge_id}")
            bank = _one(registry.parties(session, [mine[0].party_id]))
            others = [registry.party(session, n) for n in dict.fromkeys(counterparties)]
            plan = _Plan(
                action="consent",
                works=[work],
                effective_on=given_on,
                parties=[(bank, "pledgee")],
                terms={"purpose": purpose, "counterparty": _counterparty(others)},
                private={},
                signers=[(bank, "pledgee")],
                documents=list(documents),
                refers_to=pledge,
            )
            info = self._write(session, repo, plan, signed_by, channel, submitter)
        self._after_write()
        return info

    def release(
        self,
        pledge_id: int,
        *,
        released_on: dt.date,
        works: Sequence[str] | None = None,
        documents: Sequence[Document] = (),
        signed_by: SignedBy = (),
        channel: str = "cli",
        submitter: Signer | None = None,
    ) -> RecordInfo:
        """Release a registered pledge on repayment, of all its works or some of a collection
        (the pledgee gives up its pledge on them: 民法典 Art 435, applied to rights pledges by Art
        446). Only the pledgee releases."""
        with self._unit() as (session, repo):
            pledge, rows = _pledge(repo, pledge_id)
            live = [r for r in rows if r.status == "in_force"]
            if works is not None:
                wanted = {registry.find_work(session, k).id for k in works}
                live = [r for r in live if r.work_id in wanted]
                if len(live) != len(wanted):
                    raise Conflict(
                        f"not every work named is under pledge R-{pledge_id} and in force"
                    )
            if not live:
                if any(r.status == "pending_legal_registration" for r in rows):
                    raise Conflict(
                        f"pledge R-{pledge_id} is not registered yet: withdraw it instead"
                    )
                raise Conflict(f"pledge R-{pledge_id} has nothing in force to release")
            refs = [registry.work(session, r.work_id) for r in live]
            for work in refs:
                self._check_day(repo, work, released_on, "the release date")
            bank = _one(registry.parties(session, [live[0].party_id]))
            plan = _Plan(
                action="pledge_release",
                works=refs,
                effective_on=released_on,
                parties=[(bank, "pledgee")],
                terms={
                    "partial": len(live) < len([r for r in rows if r.status == "in_force"]),
                },
                private={},
                signers=[(bank, "pledgee")],
                documents=list(documents),
                refers_to=pledge,
                closes={r.work_id: [(_holding(r), released_on, "released")] for r in live},
            )
            info = self._write(session, repo, plan, signed_by, channel, submitter)
        self._after_write()
        return info

    def withdraw(
        self,
        pledge_id: int,
        *,
        withdrawn_on: dt.date,
        signed_by: SignedBy = (),
        channel: str = "cli",
        submitter: Signer | None = None,
    ) -> RecordInfo:
        """Withdraw a pledge application before the national register recorded it; pledgor(s)
        and pledgee both sign."""
        with self._unit() as (session, repo):
            pledge, rows = _pledge(repo, pledge_id)
            pending = [r for r in rows if r.status == "pending_legal_registration"]
            if not pending:
                raise Conflict(f"pledge R-{pledge_id} is not pending: release it instead")
            refs = [registry.work(session, r.work_id) for r in pending]
            for work in refs:
                self._check_day(repo, work, withdrawn_on, "the withdrawal date")
            givers, bank = _pledge_parties(session, repo, pledge, pending)
            plan = _Plan(
                action="pledge_withdrawal",
                works=refs,
                effective_on=withdrawn_on,
                parties=[(p, "pledgor") for p in givers] + [(bank, "pledgee")],
                terms={},
                private={},
                signers=[(p, "pledgor") for p in givers] + [(bank, "pledgee")],
                documents=[],
                refers_to=pledge,
                closes={r.work_id: [(_holding(r), withdrawn_on, "withdrawn")] for r in pending},
            )
            info = self._write(session, repo, plan, signed_by, channel, submitter)
        self._after_write()
        return info

    def change_pledge(
        self,
        pledge_id: int,
        *,
        changed_on: dt.date,
        debtor_term_ends: dt.date | None = None,
        amount: str | None = None,
        secured_claim: str | None = None,
        scope: str | None = None,
        security_term: str | None = None,
        documents: Sequence[Document] = (),
        signed_by: SignedBy = (),
        channel: str = "cli",
        submitter: Signer | None = None,
    ) -> RecordInfo:
        """Change a pledge's contract terms (著作权质权登记办法 Art 7 fields); pledgor(s) and
        pledgee sign. A new debtor's term is checked against the protection (Art 12 (4))."""
        public = {"scope": scope, "security_term": security_term}
        private = {"amount": amount, "secured_claim": secured_claim}
        if debtor_term_ends is None and not any((*public.values(), *private.values())):
            raise InputError("a pledge change changes at least one term")
        with self._unit() as (session, repo):
            pledge, rows = _pledge(repo, pledge_id)
            live = [r for r in rows if r.status in ACTIVE_PLEDGE]
            if not live:
                raise Conflict(f"pledge R-{pledge_id} is no longer in force or pending")
            works = [registry.work(session, r.work_id) for r in live]
            for work in works:
                self._check_day(repo, work, changed_on, "the change date")
                ends = _protection(work)
                if debtor_term_ends is not None and ends is not None and debtor_term_ends > ends:
                    raise RuleRefused(
                        f"the debt would run to {debtor_term_ends}, after the protection of "
                        f"{work.label} ends on {ends}",
                        "著作权质权登记办法 Art 12 (4)",
                    )
            pledgors, bank = _pledge_parties(session, repo, pledge, live)
            terms: dict[str, Any] = {k: v for k, v in public.items() if v is not None}
            if debtor_term_ends is not None:
                terms["debtor_term_ends"] = debtor_term_ends.isoformat()
            plan = _Plan(
                action="pledge_change",
                works=works,
                effective_on=changed_on,
                parties=[(p, "pledgor") for p in pledgors] + [(bank, "pledgee")],
                terms=terms,
                private={k: v for k, v in private.items() if v is not None},
                signers=[(p, "pledgor") for p in pledgors] + [(bank, "pledgee")],
                documents=list(documents),
                refers_to=pledge,
            )
            info = self._write(session, repo, plan, signed_by, channel, submitter)
        self._after_write()
        return info

    def transfer_pledge(
        self,
        pledge_id: int,
        *,
        to: str,
        transferred_on: dt.date,
        documents: Sequence[Document] = (),
        signed_by: SignedBy = (),
        channel: str = "cli",
        submitter: Signer | None = None,
    ) -> RecordInfo:
        """The pledgee assigns the secured claim and the pledge follows it (民法典 Art 547);
        old and new pledgee sign. The pledge keeps its status, rank and dates; from
        ``transferred_on`` the new pledgee holds it."""
        with self._unit() as (session, repo):
            pledge, rows = _pledge(repo, pledge_id)
            live = [r for r in rows if r.status in ACTIVE_PLEDGE]
            if not live:
                raise Conflict(f"pledge R-{pledge_id} is no longer in force or pending")
            works = [registry.work(session, r.work_id) for r in live]
            for work in works:
                self._check_day(repo, work, transferred_on, "the transfer date")
            _, bank = _pledge_parties(session, repo, pledge, live)
            new = registry.party(session, to)
            if new.id == bank.id:
                raise InputError(f"{new.name} already holds pledge R-{pledge_id}")
            closes: dict[int, list[tuple[Holding, dt.date, str]]] = {}
            opens: dict[int, list[tuple[Holding, int]]] = {}
            for row in live:
                old = _holding(row)
                closes[row.work_id] = [(old, transferred_on - dt.timedelta(days=1), "ended")]
                carried = replace(
                    old,
                    party=new.hash,
                    starts_on=transferred_on if old.starts_on is not None else None,
                    ends_on=None,
                )
                opens[row.work_id] = [(carried, new.id)]
            plan = _Plan(
                action="pledge_transfer",
                works=works,
                effective_on=transferred_on,
                parties=[(bank, "pledgee"), (new, "new_pledgee")],
                terms={},
                private={},
                signers=[(bank, "pledgee"), (new, "new_pledgee")],
                documents=list(documents),
                refers_to=pledge,
                closes=closes,
                opens=opens,
            )
            info = self._write(session, repo, plan, signed_by, channel, submitter)
        self._after_write()
        return info

    # -- shared steps ------------------------------------------------------------------------

    def _registered(self, session: Session, key: str) -> WorkRef:
        work = registry.find_work(session, key)
        registry.lock_work(session, work.id)  # before reading the title it will change
        if work.status != "registered":
            raise Conflict(
                f"{work.label} is {work.status}, not registered: it has no rights on record"
            )
        if work.owner is None:
            raise Conflict(f"{work.label} was registered without an owner")
        return work

    def _holdings(self, repo: RightsRepository, work: WorkRef) -> list[Holding]:
        held = repo.holdings(work.id)
        if held or work.owner is None or work.status != "registered":
            return held
        return [_registered_title(work)]

    def _title(self, session: Session, repo: RightsRepository, work: WorkRef) -> None:
        """The title as registered becomes the first holding when the work's first record is
        written (the registry's own entry is its evidence: no entry of ours)."""
        if not repo.has_holdings(work.id):
            assert work.owner is not None
            repo.add_holding(work.id, work.owner.id, _registered_title(work))
            repo.flush()

    def _check_day(self, repo: RightsRepository, work: WorkRef, day: dt.date, what: str) -> None:
        registry.lock_work(repo.session, work.id)  # every write checks its dates first
        if day > self._today():
            raise InputError(f"{what} {day} is in the future")
        starts = work.title_starts
        if starts is not None and day < starts:
            raise InputError(f"{what} {day} is before {work.label} was created ({starts})")
        # The register is written in date order: a record never slips in behind a later one
        # (backdated dates were how Keqiao's registry was abused).
        latest = repo.latest_effective_on(work.id)
        if latest is not None and day < latest:
            raise InputError(f"{what} {day} is before the latest record on {work.label} ({latest})")

    def _pledgee_consent(
        self,
        repo: RightsRepository,
        session: Session,
        work: WorkRef,
        now: Standing,
        purpose: str,
        counterparties: Sequence[PartyRef],
    ) -> tuple[list[RightsRecord], tuple[str, ...]]:
        """The consents a pledged work needs for a transfer or licence (民法典 Art 444 para 2:
        a pledged copyright is not transferred or licensed without the pledgee's consent).
        Pending pledges count too: the pledgor would otherwise pledge what it no longer owns."""
        pledges = list(now.pledges) + list(now.pending_pledges)
        consents, notes = [], []
        for h in pledges:
            assert h.record is not None
            root = repo.root_pledge(h.record)
            found = repo.unused_consent(root, work.id, purpose, _counterparty(counterparties))
            if found is None:
                raise PledgedWithoutConsent(
                    f"{work.label} is pledged (R-{root}): a {purpose} needs the pledgee's "
                    "consent on record (`fangdu rights consent`)",
                    "民法典 Art 444 para 2",
                    work=work,
                    pledges=[
                        (repo.root_pledge(p.record or 0), repo.holding_row(work.id, p).party_id)
                        for p in pledges
                    ],
                    purpose=purpose,
                    counterparties=[p.name for p in counterparties],
                )
            consents.append(found)
            notes.append(f"allowed by the pledgee's consent R-{found.id} under pledge R-{root}")
        if consents and purpose == "transfer":
            notes.append("the price goes to early repayment or escrow (民法典 Art 444 para 2)")
        return consents, tuple(notes)

    # -- collateral watch --------------------------------------------------------------------

    def _watch_record(self, repo: RightsRepository, plan: _Plan, record: RightsRecord) -> None:
        """Tell every pledgee of each work about a record on it (its own new pledge aside)."""
        for work in plan.works:
            rows = [
                r
                for r in repo.holding_rows(work.id)
                if r.role == "pledgee"
                and r.record_id != record.id
                and (r.status in ACTIVE_PLEDGE or r.ended_by_id == record.id)
            ]
            self._add_watch(
                repo,
                work,
                rows,
                plan.action,
                record.id,
                {"effective_on": plan.effective_on.isoformat(), "notes": list(plan.notes)},
            )
        if plan.action == "pledge_transfer":  # the new pledgee hears of it too
            for work in plan.works:
                rows = [
                    r
                    for r in repo.holding_rows(work.id)
                    if r.role == "pledgee" and r.record_id == record.id
                ]
                self._add_watch(
                    repo,
                    work,
                    rows,
                    plan.action,
                    record.id,
                    {"effective_on": plan.effective_on.isoformat()},
                )

    def _add_watch(
        self,
        repo: RightsRepository,
        work: WorkRef,
        rows: Sequence[HoldingRow],
        kind: str,
        record_id: int | None,
        detail: Mapping[str, Any],
    ) -> int:
        seen = set()
        for row in rows:
            assert row.record_id is not None
            pledge_id = repo.root_pledge(row.record_id)
            if (pledge_id, row.party_id) in seen:
                continue
            seen.add((pledge_id, row.party_id))
            repo.session.add(
                WatchEvent(
                    pledge_id=pledge_id,
                    work_id=work.id,
                    pledgee_id=row.party_id,
                    kind=kind,
                    record_id=record_id,
                    detail={"work": work.label, **detail},
                )
            )
        return len(seen)

    def watch_event(self, work_id: int, kind: str, detail: Mapping[str, Any]) -> int:
        """For other contexts (a new dispute, a registration challenge, a change of status):
        tell the pledgees of the work, if it is pledged. Returns how many were told."""
        with self._unit() as (session, repo):
            work = registry.work(session, work_id)
            rows = [
                r
                for r in repo.holding_rows(work_id)
                if r.role == "pledgee" and r.status in ACTIVE_PLEDGE
            ]
            return self._add_watch(repo, work, rows, kind, None, dict(detail))

    def watch_feed(self, pledgee: str, *, after: int = 0) -> list[dict[str, Any]]:
        """The pledgee's watch events, oldest first (``after``: the last id already seen)."""
        with self._unit() as (session, _):
            party = registry.find_party(session, pledgee)
            rows = session.scalars(
                select(WatchEvent)
                .where(WatchEvent.pledgee_id == party.id, WatchEvent.id > after)
                .order_by(WatchEvent.id)
            )
            return [_watch_json(row) for row in rows]

    def portfolio(self, pledgee: str) -> list[PledgeLine]:
        """Every pledge the party holds or held, newest first: its works (a collection's
        partly released ones each with its own status), national number, debtor's term."""
        with self._unit() as (session, repo):
            try:
                party = registry.find_party(session, pledgee)
            except NotFound:
                return []
            by_pledge: dict[int, list[HoldingRow]] = {}
            for row in repo.pledgee_rows(party.id):
                assert row.record_id is not None
                by_pledge.setdefault(repo.root_pledge(row.record_id), []).append(row)
            lines = []
            for pledge_id, rows in sorted(by_pledge.items(), reverse=True):
                pledge = _record(repo, pledge_id)
                registration = repo.latest_referring(pledge_id, "pledge_registration")
                change = repo.latest_referring(pledge_id, "pledge_change", "debtor_term_ends")
                terms = (change or pledge).facts["terms"]
                lines.append(
                    PledgeLine(
                        pledge=pledge_id,
                        applied_on=pledge.effective_on,
                        national_no=registration.facts["terms"]["national_no"]
                        if registration
                        else None,
                        registered_on=registration.effective_on if registration else None,
                        debtor_term_ends=terms.get("debtor_term_ends"),
                        works=tuple(
                            (registry.work(session, r.work_id), r.status, r.ends_on) for r in rows
                        ),
                    )
                )
            return lines

    def set_webhook(self, pledgee: str, url: str) -> None:
        """Post the pledgee's watch events to ``url`` (http or https), signed."""
        if not url.startswith(("https://", "http://")) or len(url) > 500:
            raise InputError("a webhook is an http(s) URL of at most 500 characters")
        with self._unit() as (session, _):
            party = registry.find_party(session, pledgee)
            row = session.get(Webhook, party.id)
            if row is None:
                session.add(Webhook(party_id=party.id, url=url))
            else:
                row.url = url

    def deliver(
        self, post: Callable[[str, bytes, Mapping[str, str]], int] = http_post
    ) -> tuple[int, int]:
        """Post every undelivered event to its pledgee's webhook, signed by the operator key;
        (delivered, failed). A failed one stays undelivered and is tried again next time."""
        delivered = failed = 0
        with self._unit() as (session, _):
            hooks = {h.party_id: h.url for h in session.scalars(select(Webhook))}
            rows = session.scalars(
                select(WatchEvent)
                .where(WatchEvent.delivered_at.is_(None), WatchEvent.pledgee_id.in_(list(hooks)))
                .order_by(WatchEvent.id)
            ).all()
            for row in rows:
                body, headers = signed_post(_watch_json(row), self.operator)
                if 200 <= post(hooks[row.pledgee_id], body, headers) < 300:
                    row.delivered_at = utcnow()
                    delivered += 1
                else:
                    failed += 1
        return delivered, failed

    def _write(
        self,
        session: Session,
        repo: RightsRepository,
        plan: _Plan,
        signed_by: SignedBy,
        channel: str,
        submitter: Signer | None,
    ) -> RecordInfo:
        """Signatures checked, then the record's rows and log entries in this transaction."""
        if not isinstance(signed_by, Signatures):
            signed_by = Signatures(tuple(signed_by))
        given = {n.strip() for n in signed_by.names}
        unsigned = [f"{p.name} ({role})" for p, role in plan.signers if p.name not in given]
        if unsigned:
            raise RuleRefused(
                f"not signed by {', '.join(dict.fromkeys(unsigned))}",
                _SIGNATURE_RULES[plan.action],
            )
        files = []
        for doc in plan.documents:
            if doc.role not in DOCUMENT_ROLES:
                raise InputError(
                    f"unknown document role {doc.role!r}: one of {', '.join(DOCUMENT_ROLES)}"
                )
            files.append((doc, document_kind(doc.data)))
        record = repo.add_record(
            RightsRecord(
                action=plan.action,
                effective_on=plan.effective_on,
                refers_to_id=plan.refers_to.id if plan.refers_to else None,
                facts={},
            )
        )
        refs = [
            FileRef(doc.role, hashlib.sha256(doc.data).hexdigest(), len(doc.data))
            for doc, _ in files
        ]
        commitment, opening = commit(plan.private) if plan.private else (None, None)
        facts: dict[str, Any] = {
            "action": plan.action,
            "record": record.id,
            "works": [w.id for w in plan.works],
            "effective_on": plan.effective_on.isoformat(),
            "refers_to": plan.refers_to.id if plan.refers_to else None,
            "parties": [{"party": p.hash, "role": role} for p, role in plan.parties],
            "terms": plan.terms,
            "sealed_terms": commitment,
            "documents": [{"role": f.role, "sha256": f.sha256} for f in refs],
            # Signed with the rest: why the registry made each party's signature.
            "signature_basis": [
                {"party": p.hash, "role": role, "basis": signed_by.basis(p.name)}
                for p, role in plan.signers
            ],
        }
        signatures = [sign(self.party_signer(p), p.hash, role, facts) for p, role in plan.signers]
        # Rules passed, signatures made: only now do documents reach the blob store.
        for doc, _ in files:
            self.blobs.put(doc.data)
        events = []
        for work in plan.works:
            changes = self._apply(repo, record.id, work.id, plan)
            events.append(
                Event(
                    type=ENTRY_TYPES[plan.action],
                    subject=registry.work_subject(work.id),
                    facts={
                        **facts,
                        "work_id": work.id,
                        "changes": changes,
                        "signatures": signatures,
                    },
                    files=tuple(refs),
                    provenance=registry.provenance(channel),
                )
            )
        indices = self.ledger.append_many(session, events, submitter or self.operator)
        leaves = dict(
            session.execute(
                select(LogEntry.idx, LogEntry.leaf_hash).where(LogEntry.idx.in_(indices))
            )
            .tuples()
            .all()
        )
        for work, index in zip(plan.works, indices, strict=True):
            repo.add_record_work(record.id, work.id, index, bytes(leaves[index]).hex())
        repo.add_documents(
            [
                RecordDocument(
                    record_id=record.id, role=f.role, sha256=f.sha256, size=f.size, media_type=kind
                )
                for f, (_, kind) in zip(refs, files, strict=True)
            ]
        )
        repo.add_signatures(
            [
                RecordSignature(
                    record_id=record.id,
                    party_id=p.id,
                    role=role,
                    key_sha256=hashlib.sha256(base64.b64decode(s["public_key"])).hexdigest(),
                    signature=s["value"],
                )
                for (p, role), s in zip(plan.signers, signatures, strict=True)
            ]
        )
        for consent in plan.consents or ():
            consent.used_by_id = record.id
        self._watch_record(repo, plan, record)
        record.facts = {**facts, "signatures": signatures}
        record.opening = opening
        repo.flush()
        return _info(repo, record, plan.notes)

    def _apply(
        self, repo: RightsRepository, record_id: int, work_id: int, plan: _Plan
    ) -> list[dict[str, Any]]:
        """Apply the plan's changes to the work's holdings; the same changes, as logged."""
        changes = []
        for h, ends_on, status in (plan.closes or {}).get(work_id, []):
            row = repo.holding_row(work_id, h)
            row.ends_on, row.status, row.ended_by_id = ends_on, status, record_id
            changes.append(change_close(h, ends_on, status))
        for h, starts_on in (plan.registers or {}).get(work_id, []):
            row = repo.holding_row(work_id, h)
            row.starts_on, row.status = starts_on, "in_force"
            changes.append(change_register(h, starts_on))
        for h, party_id in (plan.opens or {}).get(work_id, []):
            opened = replace(h, record=record_id)
            repo.add_holding(work_id, party_id, opened)
            changes.append(change_open(opened))
        repo.flush()
        return changes


_SIGNATURE_RULES = {
    "transfer": "著作权法 Art 27: a written contract of transferor and transferee; Art 14 para 2",
    "licence": "著作权法 Art 26: a written licence contract",
    "pledge": "著作权质权登记办法 Art 7: a written pledge contract; 著作权法 Art 14 para 2",
    "pledge_registration": "the pledgee enters the national register's number",
    "consent": "民法典 Art 444 para 2: the pledgee's consent",
    "pledge_release": "民法典 Art 435, 446: only the pledgee gives up its pledge",
    "pledge_withdrawal": "pledgor and pledgee withdraw the application together",
    "pledge_change": "著作权质权登记办法 Art 7: a change of the pledge contract, signed by both",
    "pledge_transfer": "民法典 Art 547: the pledge follows the secured claim to its assignee",
}


def _registered_title(work: WorkRef) -> Holding:
    assert work.owner is not None
    return Holding("owner", work.owner.hash, None, share=WHOLE, starts_on=work.title_starts)


def _protection(work: WorkRef) -> dt.date | None:
    kind = work.owner.kind if work.owner is not None else "person"
    return protection_ends(kind, work.created_on, work.published_on)


def _owners(
    session: Session, repo: RightsRepository, now: Standing
) -> list[tuple[PartyRef, Holding]]:
    """The owners on the standing's day, as parties with their holdings."""
    rows = [r for r in repo.holding_rows(now.work_id) if r.role == "owner"]
    parties = registry.parties(session, [r.party_id for r in rows])
    by_hash = {r.party_hash: parties[r.party_id] for r in rows}
    return [(by_hash[h.party], h) for h in now.owners]


def _shares(
    session: Session, to: Mapping[str, int] | Sequence[str], total: int
) -> list[tuple[PartyRef, int]]:
    if isinstance(to, Mapping):
        pairs = [(registry.party(session, n), int(s)) for n, s in to.items()]
    else:
        names = list(dict.fromkeys(to))
        if not names:
            raise InputError("a transfer names at least one transferee")
        base, extra = divmod(total, len(names))
        pairs = [
            (registry.party(session, n), base + (1 if i < extra else 0))
            for i, n in enumerate(names)
        ]
    if not pairs or any(s <= 0 for _, s in pairs) or sum(s for _, s in pairs) != total:
        raise InputError(f"the transferees' shares must be positive and add up to {total}")
    return pairs


def _counterparty(parties: Sequence[PartyRef]) -> str:
    return ",".join(sorted(p.hash for p in parties))


def _record(repo: RightsRepository, record_id: int) -> RightsRecord:
    record = repo.record(record_id)
    if record is None:
        raise NotFound(f"no rights record R-{record_id}")
    return record


def _pledge(repo: RightsRepository, pledge_id: int) -> tuple[RightsRecord, list[HoldingRow]]:
    record = _record(repo, pledge_id)
    if record.action != "pledge":
        raise InputError(f"R-{pledge_id} is a {record.action}, not a pledge")
    return record, repo.pledge_holdings(pledge_id)


def _holding(row: HoldingRow) -> Holding:
    return to_holding(row)


def _pledge_parties(
    session: Session, repo: RightsRepository, pledge: RightsRecord, rows: Sequence[HoldingRow]
) -> tuple[list[PartyRef], PartyRef]:
    """The pledge's pledgors (who signed it as such) and its pledgee now."""
    ids = [r.party_id for r in repo.signatures(pledge.id) if r.role == "pledgor"]
    pledgors = list(registry.parties(session, ids).values())
    return pledgors, _one(registry.parties(session, [rows[0].party_id]))


def _watch_json(row: WatchEvent) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "pledge": row.pledge_id,
        "work_id": row.work_id,
        "record": row.record_id,
        "detail": row.detail,
        "at": row.created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _one(parties: Mapping[int, PartyRef]) -> PartyRef:
    return next(iter(parties.values()))


def _info(repo: RightsRepository, record: RightsRecord, notes: tuple[str, ...] = ()) -> RecordInfo:
    links = repo.record_works(record.id)
    return RecordInfo(
        id=record.id,
        action=record.action,
        effective_on=record.effective_on,
        works=tuple(link.work_id for link in links),
        facts=record.facts,
        log_indices=tuple(link.log_index for link in links),
        documents=tuple((d.role, d.sha256) for d in repo.documents(record.id)),
        notes=notes,
    )
