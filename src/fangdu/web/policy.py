"""Who may do what: the one authorisation policy that every page, API route and file route asks.

A rule grants an action to a role, either outright (``ALWAYS``) or for a work in some states
(registered works are public records; pending and rejected applications are their filer's
business secret). Whoever filed a work may always see it, its original and its evidence. An API
token also needs the scope its action belongs to; a browser session has every scope its role
allows. ``src/fangdu/web/README.md`` shows the same table for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fangdu.accounts import Account


class Action(StrEnum):
    CHECK = "check"  # the AI duplicate check
    VIEW = "view"  # a work's record, its preview, its certificate, its verification page
    VIEW_APPLICATION = "view_application"  # statements, the filed check, reasons
    VIEW_ORIGINAL = "view_original"  # the full-resolution original file
    GET_EVIDENCE = "get_evidence"  # the offline-verifiable evidence bundle
    APPLY = "apply"  # file an application
    PORTFOLIO = "portfolio"  # one's own applications and works
    REVIEW = "review"  # the review queue, an application under review, prior-art photos
    DECIDE = "decide"  # approve or reject (never one's own application)
    OWN_ACCOUNT = "own_account"  # one's password, tokens, sign-out
    MANAGE_USERS = "manage_users"
    SCHEDULE = "schedule"  # the dye house's vat plans (印染排缸), its own party's only
    TRADE = "trade"  # market-procurement goods lists, plans and documents (市场采购 1039)
    # The rights register (docs/RIGHTS.md), about registered works only:
    VIEW_RIGHTS = "view_rights"  # owners, licences, pledges, history, the due-diligence report
    RECORD_RIGHTS = "record_rights"  # the owner records a licence or a transfer
    PLEDGE = "pledge"  # a bank records, registers, consents to or releases its pledge


ANONYMOUS = "anonymous"
ALWAYS = frozenset({"*"})  # not about a work
ALL_STATES = frozenset({"pending", "registered", "rejected"})
PUBLIC = frozenset({"registered"})

_SIGNED_IN = {
    Action.CHECK: ALWAYS,
    Action.VIEW: PUBLIC,
    Action.PORTFOLIO: ALWAYS,
    Action.OWN_ACCOUNT: ALWAYS,
}
# Mediators, judges and bank officers handle disputes and loans over registered works only.
_CASE_HANDLER = {
    **_SIGNED_IN,
    Action.VIEW_ORIGINAL: PUBLIC,
    Action.GET_EVIDENCE: PUBLIC,
    Action.VIEW_RIGHTS: PUBLIC,
}
_REVIEWER = {
    **_SIGNED_IN,
    Action.VIEW_RIGHTS: PUBLIC,
    Action.VIEW: ALL_STATES,
    Action.VIEW_APPLICATION: ALL_STATES,
    Action.VIEW_ORIGINAL: ALL_STATES,
    Action.GET_EVIDENCE: ALL_STATES,
    Action.REVIEW: ALWAYS,
    Action.DECIDE: ALL_STATES,
}

RULES: dict[str, dict[Action, frozenset[str]]] = {
    ANONYMOUS: {Action.CHECK: ALWAYS, Action.VIEW: PUBLIC},
    "applicant": {**_SIGNED_IN, Action.APPLY: ALWAYS},
    "reviewer": _REVIEWER,
    "mediator": _CASE_HANDLER,
    "judge": _CASE_HANDLER,
    "bank_officer": {**_CASE_HANDLER, Action.PLEDGE: PUBLIC},
    # Dye-house planners and trade-company clerks work in contexts of their own; they may
    # check patterns like anyone signed in.
    "planner": {**_SIGNED_IN, Action.SCHEDULE: ALWAYS},
    "trader": {**_SIGNED_IN, Action.TRADE: ALWAYS},
    # The disputes supervisor and the market office work on cases (CASE_RULES below).
    "supervisor": _SIGNED_IN,
    "market_office": _SIGNED_IN,
    "admin": {
        **_REVIEWER,
        Action.APPLY: ALWAYS,
        Action.MANAGE_USERS: ALWAYS,
        Action.SCHEDULE: ALWAYS,
        Action.TRADE: ALWAYS,
    },
}
# What the filer of a work may always do with it, whatever its state and their role.
FILER_ACTIONS = frozenset(
    {Action.VIEW, Action.VIEW_APPLICATION, Action.VIEW_ORIGINAL, Action.GET_EVIDENCE}
)

# The API token scope each action needs; None: never with a token (a person at the page only).
SCOPES: dict[Action, str | None] = {
    Action.CHECK: "check",
    Action.VIEW: "read",
    Action.VIEW_APPLICATION: "read",
    Action.VIEW_ORIGINAL: "read",
    Action.GET_EVIDENCE: "read",
    Action.PORTFOLIO: "read",
    Action.APPLY: "apply",
    Action.REVIEW: "review",
    Action.DECIDE: "review",
    Action.OWN_ACCOUNT: None,
    Action.MANAGE_USERS: None,
    Action.SCHEDULE: "schedule",
    Action.TRADE: "trade",
    Action.VIEW_RIGHTS: "rights",
    Action.RECORD_RIGHTS: "rights",
    Action.PLEDGE: "rights",
}
# What a party to a work's rights may do with it, whatever its role: anyone named in the
# register (owner, co-owner, licensee, pledgee) sees it; an owner on the day records.
PARTY_ACTIONS = frozenset({Action.VIEW_RIGHTS})
OWNER_ACTIONS = frozenset({Action.VIEW_RIGHTS, Action.RECORD_RIGHTS})


@dataclass(frozen=True)
class RightsFacts:
    """What the policy needs to know of a work's rights: the parties' names (as accounts name
    the party they act for) in the register, and the owners' on the day."""

    parties: frozenset[str]
    owners: frozenset[str]


@dataclass(frozen=True)
class WorkFacts:
    """What the policy needs to know of a work."""

    status: str
    submitted_by: str | None


def is_filer(account: Account | None, work: WorkFacts) -> bool:
    return (
        account is not None
        and work.submitted_by is not None
        and (work.submitted_by == account.subject)
    )


def allowed(account: Account | None, action: Action, work: WorkFacts | None = None) -> bool:
    """Whether ``account`` (None: anonymous) may do ``action``, on ``work`` if it is about one."""
    scopes = getattr(account, "scopes", None)
    if scopes is not None and SCOPES[action] not in scopes:
        return False
    if action is Action.DECIDE and work is not None and is_filer(account, work):
        return False
    if work is not None and action in FILER_ACTIONS and is_filer(account, work):
        return True
    states = RULES[account.role if account is not None else ANONYMOUS].get(action)
    if states is None:
        return False
    if states is ALWAYS or work is None:  # without a work: may the role do it at all?
        return True
    return work.status in states


def rights_allowed(
    account: Account | None, action: Action, work: WorkFacts, rights: RightsFacts
) -> bool:
    """Whether ``account`` may do a rights ``action`` on a work: only registered works have
    rights on record; a party to them (the verified party its account acts for) may see them,
    an owner record a licence or transfer; a role may (reviewers, case handlers, banks) as
    RULES say."""
    if work.status not in PUBLIC or account is None:
        return False
    scopes = account.scopes
    if scopes is not None and SCOPES[action] not in scopes:
        return False
    party = account.verified_party
    if party is not None and action in OWNER_ACTIONS and party in rights.owners:
        return True
    if party is not None and action in PARTY_ACTIONS and party in rights.parties:
        return True
    return allowed(account, action, work)


# Who sees the names of every party in a work's register: the parties named in it and the
# registry's own staff. Anyone else who may see it (a bank, a mediator or judge not party to
# it) gets its public facts: the owners, named on the public record, and everyone else by the
# salted hash the evidence log names them by; a bank sees its own party's name.
RIGHTS_NAMES_ROLES = frozenset({"reviewer", "admin"})


def sees_party_names(account: Account | None, rights: RightsFacts) -> bool:
    if account is None:
        return False
    return account.role in RIGHTS_NAMES_ROLES or (
        account.verified_party is not None and account.verified_party in rights.parties
    )


# -- disputes (issue 16, docs/DISPUTES.md) ------------------------------------------------------
# A case is about people, not about a work's state: who may act depends on the role and on the
# person's relation to the case (the party its account acts for). The respondent has no account
# here: the case token printed in the warning letter is their authority, and it opens its own
# case and no other (checked by the disputes service). Pages only: no API token reaches a case.


class CaseAction(StrEnum):
    CLAIM = "claim"  # watch works, upload a monitor batch, open a case on a lead, send its notice
    DECIDE_CASE = "decide_case"  # the review gate's decision and closing a case
    VIEW_CASE = "view_case"  # the case record: every state change with its log entry
    COURT_PACKAGE = "court_package"  # the BagIt court package of a case
    # Mediation (在线调解规则 Art 18: without-prejudice items never leave it): its board and the
    # agreement for the parties and the mediator assigned; intake and assignment for the
    # mediation centre (the administrator); accepting and drafting for the mediator.
    MEDIATION = "mediation"
    MEDIATION_DESK = "mediation_desk"
    MEDIATE = "mediate"
    # A supervisor opens a case the title check or the abuse monitor holds back (logged).
    OVERRIDE = "override"
    ABUSE_REPORT = "abuse_report"  # the market office's abuse monitor
    COURT_DESK = "court_desk"  # enter the court's assignment of a case to its judge
    JUDGE = "judge"  # the judge assigned: re-run, damages worksheet, hold, judgement


@dataclass(frozen=True)
class CaseFacts:
    """What the policy needs to know of a case: the claimant's and agent's party names, the
    mediator assigned and the judge assigned (each sees that case, never another)."""

    claimant: str
    agent: str | None = None
    mediator: str | None = None
    judge: str | None = None


# What a role may do with any case; an owner (an applicant acting for a party) with their own.
CASE_RULES: dict[str, frozenset[CaseAction]] = {
    "applicant": frozenset({CaseAction.CLAIM}),
    "reviewer": frozenset({CaseAction.DECIDE_CASE, CaseAction.VIEW_CASE}),
    "supervisor": frozenset({CaseAction.OVERRIDE, CaseAction.VIEW_CASE, CaseAction.ABUSE_REPORT}),
    "market_office": frozenset({CaseAction.ABUSE_REPORT}),
    "admin": frozenset(
        {
            CaseAction.CLAIM,
            CaseAction.DECIDE_CASE,
            CaseAction.VIEW_CASE,
            CaseAction.COURT_PACKAGE,
            CaseAction.MEDIATION,
            CaseAction.MEDIATION_DESK,
            CaseAction.ABUSE_REPORT,
            CaseAction.COURT_DESK,
        }
    ),
    "mediator": frozenset(),  # the cases assigned to them only
    "judge": frozenset(),  # the cases assigned to them only
}
# What the claimant (or their agent) may do with their own case, whatever the role.
CLAIMANT_CASE_ACTIONS = frozenset(
    {CaseAction.CLAIM, CaseAction.VIEW_CASE, CaseAction.COURT_PACKAGE, CaseAction.MEDIATION}
)
MEDIATOR_CASE_ACTIONS = frozenset({CaseAction.VIEW_CASE, CaseAction.MEDIATION, CaseAction.MEDIATE})
# The judge never sees the mediation's board (without-prejudice items, 在线调解规则 Art 18).
JUDGE_CASE_ACTIONS = frozenset({CaseAction.VIEW_CASE, CaseAction.COURT_PACKAGE, CaseAction.JUDGE})
# Roles that reach cases only through an assignment under the party their account acts for.
ASSIGNED = {"mediator": MEDIATOR_CASE_ACTIONS, "judge": JUDGE_CASE_ACTIONS}


def case_allowed(
    account: Account | None, action: CaseAction, case: CaseFacts | None = None
) -> bool:
    """Whether ``account`` may do ``action``, on ``case`` if it is about one. Without a case:
    may the role (an owner: with a party to act for) do it at all? With a case, an owner acts
    on their own cases only, a mediator or judge on the cases assigned to them, and nobody
    decides a case they bring."""
    if account is None or account.scopes is not None:
        return False
    party = account.verified_party
    if case is not None:
        own = party is not None and party in {case.claimant, case.agent}
        if action is CaseAction.DECIDE_CASE and own:
            return False
        if own and action in CLAIMANT_CASE_ACTIONS:
            return True
        assigned = {"mediator": case.mediator, "judge": case.judge}.get(account.role)
        if party is not None and party == assigned and action in ASSIGNED[account.role]:
            return True
        if action is CaseAction.CLAIM:
            return False  # only the claimant pursues their own case
    elif action is CaseAction.CLAIM and party is None:
        return False  # an owner acts for the party on record
    elif account.role in ASSIGNED and action in ASSIGNED[account.role]:
        return party is not None  # in general: whoever has an assignment under that name
    return action in CASE_RULES.get(account.role, frozenset())


def has_cases(account: Account | None) -> bool:
    """Whether ``account`` has any business with cases (the disputes page): an owner acting
    for a party, a reviewer, a supervisor, the market office, the administrator, a mediator or
    judge acting under their name."""
    if account is None or account.scopes is not None:
        return False
    if account.role in ASSIGNED:
        return account.verified_party is not None
    return any(case_allowed(account, action) for action in CaseAction)
