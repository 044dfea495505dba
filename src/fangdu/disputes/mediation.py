"""Mediation (调解): intake, the mediator, deadlines in working days, the agreement and the
司法确认 (judicial confirmation) package.

Rules and where they come from:
- 人民调解法 Art 3, Art 17: mediation is voluntary; a party who refuses is not mediated, so
  intake needs both parties' consent. Intake also records each party's electronic-service
  address and that their identity was checked (人民法院在线调解规则, identity and service).
- 人民法院在线调解规则: a mediator is assigned within 3 working days and accepts within 3;
  the mediator discloses conflicts and a party may ask for another; pre-filing mediation
  lasts 30 days, longer only with both parties' consent.
- 人民调解法 Art 29: what an agreement states: the parties; the facts, disputed items and
  responsibilities; the terms with the manner, time and place of performance. It binds once
  parties and mediator sign; 在线调解规则 Art 19: signed electronically, effective when all
  have signed.
- 人民调解法 Art 33: both parties may apply for judicial confirmation within 30 days of the
  agreement taking effect; 民事诉讼法 Art 205-206 and 司法解释 list refusal grounds: unclear
  or unenforceable terms, a conflicted mediator, coercion, harm to others.
- 在线调解规则 Art 23: a guard against staged (fake) mediation: parties sharing an address.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from fangdu.disputes import registry_port as registry
from fangdu.disputes.errors import Refused
from fangdu.disputes.models import Mediation, Mediator
from fangdu.disputes.services import DisputeService, _sha
from fangdu.disputes.workdays import Calendar
from fangdu.errors import InputError

SIGNING_CONTEXT = b"fangdu-mediation/v1\n"
# 人民调解法 Art 29: every one of these is stated, none left empty.
ART29_FIELDS = (
    "facts",
    "disputed_items",
    "responsibilities",
    "terms",
    "performance_manner",
    "performance_deadline",
    "performance_place",
)
OUTCOMES = {
    "stop_selling": "停止销售 stop selling the copies",
    "destroy_stock": "销毁库存 destroy the remaining stock",
    "pay_instalments": "分期付款 pay in instalments",
    "apologise": "赔礼道歉 apologise",
    "convert_to_licence": "转为许可 convert to a licence",
}
ASSIGN_WITHIN, ACCEPT_WITHIN = 3, 3  # working days (在线调解规则)
MEDIATION_DAYS, CONFIRMATION_DAYS = 30, 30  # calendar days (在线调解规则; 人民调解法 Art 33)


@dataclass(frozen=True)
class Deadline:
    name: str
    due: dt.date
    done_on: dt.date | None
    overdue: bool
    provisional: bool = False  # the holiday table does not cover the period yet

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "due": self.due.isoformat(),
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "overdue": self.overdue,
            "provisional": self.provisional,
        }


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    rule: str

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def signed_part(agreement: Mapping[str, Any]) -> bytes:
    return SIGNING_CONTEXT + rfc8785.dumps(dict(agreement))


class MediationService:
    """Mediation of a case over the disputes context's tables and the evidence log."""

    def __init__(self, disputes: DisputeService, calendar: Calendar | None = None) -> None:
        self.disputes = disputes
        self.calendar = calendar or Calendar.load()

    # -- roster ------------------------------------------------------------------------------

    def add_mediator(self, name: str, profile: str) -> None:
        if not name.strip() or not profile.strip():
            raise InputError("a mediator needs a name and a profile the parties can read")
        with self.disputes.unit() as (_, repo):
            repo.add(Mediator(name=name.strip(), profile=profile.strip()))

    def roster(self) -> list[tuple[str, str]]:
        with self.disputes.unit() as (_, repo):
            return [(m.name, m.profile) for m in repo.mediators()]

    # -- intake, mediator --------------------------------------------------------------------

    def intake(
        self,
        case_id: int,
        *,
        on: dt.date,
        addresses: Mapping[str, str],
        consents: Sequence[str],
        identities_checked: Sequence[str],
        contacts: Mapping[str, Sequence[str]] | None = None,
    ) -> dict[str, Any]:
        """Both parties consent (人民调解法 Art 17), give electronic-service addresses, and
        are identified; the case moves to mediation. ``contacts`` (role -> ID numbers, phone
        numbers) are kept only as SHA-256, for the staged-mediation guard."""
        with self.disputes.unit() as (session, repo):
            case = repo.case(case_id)
            consent = {**case.details.get("consent", {}), **{r: True for r in consents}}
            missing = [r for r in ("claimant", "respondent") if not consent.get(r)]
            if missing:
                raise Refused(
                    f"mediation needs both parties' consent; missing: {', '.join(missing)} "
                    "(人民调解法 Art 17: a party who refuses is not mediated)"
                )
            for role in ("claimant", "respondent"):
                if not addresses.get(role, "").strip():
                    raise Refused(f"the {role} gives an electronic-service address at intake")
                if role not in identities_checked:
                    raise Refused(f"the {role}'s identity is checked at intake")
            if repo.has_mediation(case.id):
                raise Refused(f"case C-{case.id} is already in mediation")
            repo.add(Mediation(case_id=case.id, intake_on=on, addresses=dict(addresses)))
            hashed = {
                role: sorted(_sha(v.strip().encode()) for v in values if v.strip())
                for role, values in (contacts or {}).items()
            }
            case.details = {**case.details, "consent": consent, "contacts": hashed}
            actor = registry.party(session, "调解中心 mediation centre")
            self.disputes._event(
                session,
                case,
                "mediation_intake",
                "mediate",
                actor,
                {
                    "intake_on": on.isoformat(),
                    "consents": sorted(consent),
                    "addresses": {r: _sha(a.encode()) for r, a in sorted(addresses.items())},
                    "identities_checked": sorted(identities_checked),
                    "assign_by": self.calendar.add_working_days(on, ASSIGN_WITHIN).isoformat(),
                },
            )
        self.disputes._after_write()
        return self.status(case_id, on)

    def assign(self, case_id: int, mediator: str, on: dt.date) -> dict[str, Any]:
        with self.disputes.unit() as (session, repo):
            case, row = self._mediation(repo, case_id)
            person = repo.mediator(mediator)
            if person.id in row.rejected_mediators:
                raise Refused(f"{person.name} was set aside in this mediation: assign another")
            if row.accepted_on is not None:
                raise Refused(f"C-{case_id} already has an accepting mediator")
            row.mediator_id, row.assigned_on, row.disclosure = person.id, on, None
            actor = registry.party(session, "调解中心 mediation centre")
            self.disputes._event(
                session,
                case,
                "mediator_assigned",
                None,
                actor,
                {"mediator": registry.party(session, person.name).hash, "on": on.isoformat()},
            )
        self.disputes._after_write()
        return self.status(case_id, on)

    def ask_for_another(self, case_id: int, party: str, reason: str) -> dict[str, Any]:
        """A party's right to ask for another mediator (在线调解规则)."""
        with self.disputes.unit() as (session, repo):
            case, row = self._mediation(repo, case_id)
            who = self._role(session, case, party)
            if who not in ("claimant", "respondent"):
                raise Refused(f"{party} is not a party to C-{case_id}")
            if row.mediator_id is None:
                raise Refused(f"C-{case_id} has no mediator to replace")
            row.rejected_mediators = [*row.rejected_mediators, row.mediator_id]
            row.mediator_id = row.assigned_on = row.accepted_on = None
            self.disputes._event(
                session,
                case,
                "mediator_objected",
                None,
                registry.party(session, party),
                {"by": who, "reason": reason},
            )
        self.disputes._after_write()
        return self.status(case_id, self.disputes.today())

    def accept(
        self, case_id: int, mediator: str, on: dt.date, *, conflicts: str | None = None
    ) -> dict[str, Any]:
        """The mediator discloses conflicts and accepts; a disclosed conflict sets them aside
        (a conflicted mediator is a ground to refuse judicial confirmation)."""
        with self.disputes.unit() as (session, repo):
            case, row = self._mediation(repo, case_id)
            person = repo.mediator(mediator)
            if row.mediator_id != person.id:
                raise Refused(f"{person.name} is not the mediator assigned to C-{case_id}")
            if row.accepted_on is not None:
                raise Refused(f"{person.name} has already accepted C-{case_id}")
            actor = registry.party(session, person.name)
            if conflicts and conflicts.strip():
                row.rejected_mediators = [*row.rejected_mediators, person.id]
                row.mediator_id = row.assigned_on = None
                facts = {"accepted": False, "disclosure": conflicts, "on": on.isoformat()}
            else:
                row.accepted_on, row.disclosure = on, "none"
                facts = {
                    "accepted": True,
                    "disclosure": "none",
                    "on": on.isoformat(),
                    "mediation_ends": self.calendar.add_days(on, MEDIATION_DAYS).isoformat(),
                }
            self.disputes._event(session, case, "mediator_accepts", None, actor, facts)
        self.disputes._after_write()
        return self.status(case_id, on)

    # -- agreement ---------------------------------------------------------------------------

    def agree(
        self,
        case_id: int,
        fields: Mapping[str, str],
        outcome: str,
        instalments: Sequence[tuple[dt.date, str]] = (),
    ) -> dict[str, Any]:
        """Draft the agreement: every 人民调解法 Art 29 field, an outcome template, and the
        instalments (due date, amount) whose performance both sides confirm later."""
        missing = [f for f in ART29_FIELDS if not str(fields.get(f, "")).strip()]
        if missing:
            raise Refused(
                f"the agreement lacks {', '.join(missing)} (人民调解法 Art 29 states the parties; "
                "facts, disputed items and responsibilities; terms, manner, time and place)"
            )
        if outcome not in OUTCOMES:
            raise InputError(f"the outcome must be one of {', '.join(OUTCOMES)}")
        try:
            dt.date.fromisoformat(fields["performance_deadline"])
        except ValueError:
            raise Refused(
                "performance_deadline must be a date (YYYY-MM-DD): unclear terms cannot be "
                "confirmed by a court"
            ) from None
        with self.disputes.unit() as (session, repo):
            case, row = self._mediation(repo, case_id)
            if row.accepted_on is None:
                raise Refused(f"C-{case_id} has no accepting mediator yet")
            if row.signatures:
                raise Refused(f"the agreement of C-{case_id} is being signed: it cannot change")
            parties = registry.parties(session, [case.claimant_id, case.respondent_id])
            mediator = repo.mediator_by_id(row.mediator_id)  # type: ignore[arg-type]
            row.agreement = {
                "case": case.id,
                "parties": {
                    "claimant": {
                        "name": parties[case.claimant_id].name,
                        "address": row.addresses["claimant"],
                    },
                    "respondent": {
                        "name": parties[case.respondent_id].name,
                        "address": row.addresses["respondent"],
                    },
                },
                "mediator": mediator.name,
                "outcome": outcome,
                "outcome_text": OUTCOMES[outcome],
                **{f: str(fields[f]).strip() for f in ART29_FIELDS},
                "instalments": [
                    {"n": n, "due": due.isoformat(), "amount": amount}
                    for n, (due, amount) in enumerate(sorted(instalments), start=1)
                ],
            }
            return dict(row.agreement)

    def sign(self, case_id: int, signer: str, on: dt.date) -> dict[str, Any]:
        """A party or the mediator signs with their Ed25519 key; the agreement takes effect at
        the last signature (在线调解规则 Art 19) and is logged as ``mediation_agreement``."""
        with self.disputes.unit() as (session, repo):
            case, row = self._mediation(repo, case_id)
            if row.agreement is None:
                raise Refused(f"C-{case_id} has no agreement to sign: `fangdu mediation agree`")
            role = self._role(session, case, signer, row)
            if role is None:
                raise Refused(f"{signer} is neither a party nor the mediator of C-{case_id}")
            if any(s["role"] == role for s in row.signatures):
                raise Refused(f"the {role} has already signed")
            person = registry.party(session, signer)
            key = self.disputes.party_signer(person)
            public = key.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            signature = {
                "role": role,
                "party": person.hash,
                "public_key": base64.b64encode(public).decode(),
                "value": base64.b64encode(
                    key.private_key.sign(signed_part(row.agreement))
                ).decode(),
                "on": on.isoformat(),
            }
            row.signatures = [*row.signatures, signature]
            if {s["role"] for s in row.signatures} == {"claimant", "respondent", "mediator"}:
                row.effective_on = on
                trigger = (
                    "close_licensed"
                    if row.agreement["outcome"] == "convert_to_licence"
                    else "close_paid"
                )
                if trigger == "close_licensed":
                    # The outcome drafts a licence; the rights register records it once signed
                    # there (著作权法 Art 26).
                    case.details = {
                        **case.details,
                        "licence_draft": {"terms": row.agreement["terms"]},
                    }
                self.disputes._event(
                    session,
                    case,
                    "mediation_agreement",
                    trigger,
                    person,
                    {
                        "agreement": row.agreement,
                        "signatures": row.signatures,
                        "effective_on": on.isoformat(),
                    },
                    entry_type="mediation_agreement",
                )
            result = {
                "signed_by": [s["role"] for s in row.signatures],
                "effective_on": row.effective_on.isoformat() if row.effective_on else None,
            }
        self.disputes._after_write()
        return result

    # -- extension, transcript, evidence board -----------------------------------------------

    def extend(
        self, case_id: int, days: int, consents: Sequence[str], reason: str
    ) -> dict[str, Any]:
        """Mediation beyond its 30 days only with both parties' consent (在线调解规则)."""
        missing = [r for r in ("claimant", "respondent") if r not in consents]
        if missing:
            raise Refused(
                f"an extension needs both parties' consent; missing: {', '.join(missing)}"
            )
        if days <= 0:
            raise InputError("--days must be positive")
        with self.disputes.unit() as (session, repo):
            case, row = self._mediation(repo, case_id)
            if row.accepted_on is None or row.effective_on is not None:
                raise Refused(f"C-{case_id} is not in a running mediation")
            extensions = [*case.details.get("extensions", []), {"days": days, "reason": reason}]
            case.details = {**case.details, "extensions": extensions}
            self.disputes._event(
                session,
                case,
                "mediation_extended",
                None,
                registry.party(session, "调解中心 mediation centre"),
                {"days": days, "consents": sorted(consents), "reason": reason},
            )
        self.disputes._after_write()
        return self.status(case_id, self.disputes.today())

    def note(self, case_id: int, by: str, text: str, *, fact: bool = False) -> dict[str, Any]:
        """A transcript item. Without prejudice by default: it stays in the mediation, never
        in the log or any export (在线调解规则 Art 18). ``fact``: a fact one party states for
        the other to confirm; once both confirm it is an undisputed fact, logged on the case."""
        if not text.strip():
            raise InputError("the note is empty")
        with self.disputes.unit() as (session, repo):
            case, row = self._mediation(repo, case_id)
            role = self._role(session, case, by, row)
            if role is None:
                raise Refused(f"{by} is neither a party nor the mediator of C-{case_id}")
            items = list(case.details.get("transcript", []))
            items.append(
                {
                    "n": len(items) + 1,
                    "by": role,
                    "text": text.strip(),
                    "kind": "fact_proposed" if fact else "without_prejudice",
                    "confirmed_by": [role] if fact else [],
                }
            )
            case.details = {**case.details, "transcript": items}
            return items[-1]

    def confirm_fact(self, case_id: int, n: int, by: str) -> dict[str, Any]:
        """The other party confirms a proposed fact: it becomes undisputed and is logged."""
        with self.disputes.unit() as (session, repo):
            case, row = self._mediation(repo, case_id)
            role = self._role(session, case, by, row)
            if role not in ("claimant", "respondent"):
                raise Refused(f"{by} is not a party to C-{case_id}: only parties confirm facts")
            items = [dict(i) for i in case.details.get("transcript", [])]
            item = next((i for i in items if i["n"] == n), None)
            if item is None or item["kind"] == "without_prejudice":
                raise Refused(f"item {n} of C-{case_id} is not a proposed fact")
            if role in item["confirmed_by"]:
                raise Refused(f"the {role} has already confirmed item {n}")
            item["confirmed_by"] = [*item["confirmed_by"], role]
            if {"claimant", "respondent"} <= set(item["confirmed_by"]):
                item["kind"] = "undisputed_fact"
            case.details = {**case.details, "transcript": items}
            if item["kind"] == "undisputed_fact":
                self.disputes._event(
                    session,
                    case,
                    "undisputed_fact",
                    None,
                    registry.party(session, by),
                    {"fact": item["text"], "item": n},
                )
        self.disputes._after_write()
        return item

    def board(self, case_id: int, *, court: bool = False) -> dict[str, Any]:
        """The evidence board: both sides' items with their hashes, and the transcript;
        ``court=True`` (what may leave the mediation) drops without-prejudice items."""
        with self.disputes.unit() as (_, repo):
            case, _ = self._mediation(repo, case_id)
            lead = repo.lead(case.lead_id)
            sighting = repo.sighting(lead.sighting_id)
            claimant = [
                {"item": f"sighting S-{sighting.id}", "sha256": sighting.sha256},
                {"item": f"lead L-{lead.id} {lead.verdict} {lead.score:.2f}", "sha256": None},
            ]
            respondent = []
            for doc in repo.documents(case.id):
                entry = {"item": doc.role, "sha256": doc.sha256}
                (respondent if doc.role in ("licence", "invoice") else claimant).append(entry)
            transcript = [
                i
                for i in case.details.get("transcript", [])
                if not (court and i["kind"] != "undisputed_fact")
            ]
        return {
            "case": case_id,
            "claimant": claimant,
            "respondent": respondent,
            "transcript": transcript,
        }

    def record(self, case_id: int) -> dict[str, Any] | None:
        """The mediation as its pages show it (None before intake): the mediator assigned and
        whether they accepted, the agreement, who has signed and when it took effect."""
        with self.disputes.unit() as (_, repo):
            case = repo.case(case_id)
            if not repo.has_mediation(case.id):
                return None
            _, row = self._mediation(repo, case_id)
            mediator = repo.mediator_by_id(row.mediator_id).name if row.mediator_id else None
            return {
                "mediator": mediator,
                "accepted_on": row.accepted_on,
                "agreement": dict(row.agreement) if row.agreement else None,
                "signed": [s["role"] for s in row.signatures],
                "effective_on": row.effective_on,
            }

    # -- deadlines ---------------------------------------------------------------------------

    def deadlines(self, case_id: int, today: dt.date) -> list[Deadline]:
        with self.disputes.unit() as (_, repo):
            case, row = self._mediation(repo, case_id)
            extension = sum(e["days"] for e in case.details.get("extensions", []))
            cal = self.calendar
            items = [
                (
                    "assign mediator",
                    cal.add_working_days(row.intake_on, ASSIGN_WITHIN),
                    row.assigned_on,
                )
            ]
            if row.assigned_on:
                items.append(
                    (
                        "mediator accepts",
                        cal.add_working_days(row.assigned_on, ACCEPT_WITHIN),
                        row.accepted_on,
                    )
                )
            if row.accepted_on:
                items.append(
                    (
                        "mediation ends",
                        cal.add_days(row.accepted_on, MEDIATION_DAYS + extension),
                        row.effective_on,
                    )
                )
            if row.effective_on:
                items.append(
                    (
                        "apply for judicial confirmation",
                        cal.add_days(row.effective_on, CONFIRMATION_DAYS),
                        None,
                    )
                )
            return [
                Deadline(name, due, done, overdue=(done or today) > due)
                for name, due, done in items
            ]

    def status(self, case_id: int, today: dt.date) -> dict[str, Any]:
        with self.disputes.unit() as (_, repo):
            case, row = self._mediation(repo, case_id)
            mediator = repo.mediator_by_id(row.mediator_id).name if row.mediator_id else None
            state = case.state
            confirmed = case.details.get("performance", {})
            performance = [
                {
                    **item,
                    "confirmed_by": confirmed.get(str(item["n"]), []),
                    "overdue": len(confirmed.get(str(item["n"]), [])) < 2
                    and dt.date.fromisoformat(item["due"]) < today,
                }
                for item in (row.agreement or {}).get("instalments", [])
            ]
        return {
            "case": case_id,
            "state": state,
            "mediator": mediator,
            "deadlines": [d.as_json() for d in self.deadlines(case_id, today)],
            "performance": performance,
        }

    def performed(self, case_id: int, n: int, by: str) -> dict[str, Any]:
        """A party confirms instalment ``n`` was performed; once both have, it is logged."""
        with self.disputes.unit() as (session, repo):
            case, row = self._mediation(repo, case_id)
            if row.effective_on is None:
                raise Refused(f"the agreement of C-{case_id} is not in effect")
            if not any(i["n"] == n for i in row.agreement.get("instalments", [])):
                raise Refused(f"the agreement of C-{case_id} has no instalment {n}")
            role = self._role(session, case, by)
            if role is None:
                raise Refused(f"{by} is not a party to C-{case_id}")
            performance = {k: list(v) for k, v in case.details.get("performance", {}).items()}
            if role in performance.get(str(n), []):
                raise Refused(f"the {role} has already confirmed instalment {n}")
            performance[str(n)] = [*performance.get(str(n), []), role]
            case.details = {**case.details, "performance": performance}
            if len(performance[str(n)]) == 2:
                self.disputes._event(
                    session,
                    case,
                    "instalment_performed",
                    None,
                    registry.party(session, by),
                    {"instalment": n},
                )
        self.disputes._after_write()
        return self.status(case_id, self.disputes.today())

    # -- 司法确认 ----------------------------------------------------------------------------

    def precheck(self, case_id: int, today: dt.date) -> list[Check]:
        """The refusal grounds of judicial confirmation that Fangdu can see."""
        with self.disputes.unit() as (_, repo):
            _, row = self._mediation(repo, case_id)
            agreement = dict(row.agreement or {})
            signatures = list(row.signatures)
            effective, disclosure, addresses = row.effective_on, row.disclosure, row.addresses
        checks = []
        missing = [f for f in ART29_FIELDS if not agreement.get(f)]
        checks.append(
            Check(
                "art29_fields",
                bool(agreement) and not missing,
                "all stated" if agreement and not missing else f"missing {missing or 'agreement'}",
                "人民调解法 Art 29",
            )
        )
        roles = {s["role"] for s in signatures}
        valid = _verify(agreement, signatures) if agreement else False
        checks.append(
            Check(
                "signatures",
                roles == {"claimant", "respondent", "mediator"} and valid,
                f"signed by {sorted(roles)}; signatures {'verify' if valid else 'do not verify'}",
                "人民调解法 Art 29; 在线调解规则 Art 19",
            )
        )
        checks.append(
            Check(
                "mediator_conflict",
                disclosure == "none",
                f"mediator's disclosure: {disclosure or 'none made'}",
                "a conflicted mediator is a refusal ground",
            )
        )
        due = self.calendar.add_days(effective, CONFIRMATION_DAYS) if effective else None
        checks.append(
            Check(
                "within_30_days",
                due is not None and today <= due,
                f"apply by {due}" if due else "the agreement is not in effect",
                "人民调解法 Art 33",
            )
        )
        deadline_ok = False
        if agreement.get("performance_deadline"):
            deadline_ok = dt.date.fromisoformat(agreement["performance_deadline"]) >= (
                effective or today
            )
        checks.append(
            Check(
                "clear_terms",
                deadline_ok and len(agreement.get("terms", "")) >= 4,
                "terms stated, performance date on or after the agreement"
                if deadline_ok
                else "performance date missing or before the agreement",
                "unclear or unenforceable terms are a refusal ground",
            )
        )
        with self.disputes.unit() as (_, repo):
            twins = [
                m.case_id
                for m in repo.mediations()
                if m.case_id != case_id
                and m.agreement
                and {f: m.agreement.get(f) for f in ART29_FIELDS}
                == {f: agreement.get(f) for f in ART29_FIELDS}
            ]
        checks.append(
            Check(
                "no_identical_agreements",
                not twins,
                f"the same agreement as C-{twins[0]}" if twins else "no other agreement like it",
                "在线调解规则 Art 23: a guard against staged mediation",
            )
        )
        with self.disputes.unit() as (_, repo):
            contacts = repo.case(case_id).details.get("contacts", {})
        common = set(contacts.get("claimant", [])) & set(contacts.get("respondent", []))
        shared = len(set(addresses.values())) < len(addresses) or bool(common)
        checks.append(
            Check(
                "no_shared_contact",
                not shared,
                "parties share a service address, ID or phone number"
                if shared
                else "distinct addresses, IDs and phone numbers",
                "在线调解规则 Art 23: a guard against staged mediation",
            )
        )
        return checks

    def confirmation_package(self, case_id: int, today: dt.date, output: Path) -> list[Check]:
        """The 司法确认 application package, written only if every pre-check passes."""
        checks = self.precheck(case_id, today)
        failed = [c for c in checks if not c.ok]
        if failed:
            raise Refused(
                "judicial confirmation pre-check failed: "
                + "; ".join(f"{c.name}: {c.detail} ({c.rule})" for c in failed)
            )
        with self.disputes.unit() as (_, repo):
            case, row = self._mediation(repo, case_id)
            agreement, signatures = dict(row.agreement or {}), list(row.signatures)
            effective, addresses = row.effective_on, dict(row.addresses)
            events = [
                e.log_index for e in repo.events(case.id) if e.action == "mediation_agreement"
            ]
        application = (
            "司法确认申请书 Application for judicial confirmation\n\n"
            f"申请人 Applicants: {agreement['parties']['claimant']['name']}, "
            f"{agreement['parties']['respondent']['name']} (共同申请 jointly, 人民调解法 Art 33)\n"
            f"调解员 Mediator: {agreement['mediator']}\n"
            f"协议生效 Agreement effective: {effective}\n"
            f"证据日志 Evidence log entry: {events}\n"
            "请求 Request: 确认调解协议有效 confirm that the mediation agreement is valid.\n"
        )
        members = {
            "application.txt": application.encode(),
            "agreement.json": _json(agreement),
            "signatures.json": _json(signatures),
            "parties.json": _json(
                {
                    "parties": agreement["parties"],
                    "identities_checked": True,
                    "service_addresses": addresses,
                }
            ),
            "precheck.json": _json([c.as_json() for c in checks]),
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name in sorted(members):
                archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), members[name])
        output.write_bytes(buffer.getvalue())
        return checks

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _mediation(repo: Any, case_id: int) -> tuple[Any, Mediation]:
        return repo.case(case_id), repo.mediation(case_id)

    @staticmethod
    def _role(session: Any, case: Any, name: str, row: Mediation | None = None) -> str | None:
        parties = registry.parties(session, [case.claimant_id, case.respondent_id])
        if name == parties[case.claimant_id].name:
            return "claimant"
        if name == parties[case.respondent_id].name:
            return "respondent"
        if row is not None and row.agreement and name == row.agreement["mediator"]:
            return "mediator"
        return None


def _verify(agreement: Mapping[str, Any], signatures: Sequence[Mapping[str, Any]]) -> bool:
    message = signed_part(agreement)
    try:
        for s in signatures:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(s["public_key"]))
            key.verify(base64.b64decode(s["value"]), message)
    except (InvalidSignature, KeyError, ValueError):
        return False
    return True


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
