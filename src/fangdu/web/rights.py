"""The rights register (docs/RIGHTS.md) for the pages and the API: who may see or record what on
a work's rights, asked of the one policy (``policy.rights_allowed``), and the service calls
both share. The register is the rights service's (``core.rights``): no SQL here.

Signatures: the registry signs each record with the custodial keys of the parties who signed
it. The account that records signs for the party it acts for (basis ``account``); the other
parties the record needs are named by that account as signatories of the uploaded contract,
and the log says they are only ``declared`` by it: the registry has not seen them sign
(``rights.services.Signatures``). The service refuses a record that lacks any.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from fastapi import Request

from fangdu.accounts import Account
from fangdu.errors import InputError, NotFound
from fangdu.registry.schemas import WorkInfo
from fangdu.rights.services import Document, RightsService, RightsView, Signatures
from fangdu.web import records
from fangdu.web.policy import (
    Action,
    RightsFacts,
    WorkFacts,
    allowed,
    rights_allowed,
    sees_party_names,
)
from fangdu.web.problems import LoginRequired, forbidden
from fangdu.web.state import app_state, bearer_account, current_account

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # one contract document, PDF or image


@dataclass(frozen=True)
class RightsAccess:
    """A work whose rights the caller may act on, its register today and who is asking."""

    account: Account
    work: WorkInfo
    view: RightsView

    @property
    def key(self) -> str:
        return str(self.work.id)

    def party(self) -> str:
        """The party the account acts for: a record is signed in its name."""
        if not self.account.verified_party:
            raise forbidden("this account acts for no verified party: an administrator verifies it")
        return self.account.verified_party

    def own_pledge(self, pledge: int | None) -> int:
        """The pledge (its record) the caller's bank holds on the work: ``pledge`` if it is one
        of them, else the only one. A pledge of another pledgee is not theirs to touch."""
        party = self.party()
        standing = self.view.standing
        held = [
            h.record
            for h in (*standing.pledges, *standing.pending_pledges)
            if self.view.names.get(h.party) == party and h.record is not None
        ]
        if pledge is None and len(held) == 1:
            return held[0]
        if pledge is not None and pledge in held:
            return pledge
        if not held:
            raise forbidden(f"{party} holds no pledge on {self.work.label}")
        raise InputError(f"name the pledge: one of {', '.join(f'R-{r}' for r in held)}")


def pledgee(you: RightsAccess, named: str | None) -> str:
    """To whom a pledge application pledges the work: a bank officer's own bank, or, filed by
    an owner, the bank it names (whose signature is then declared by the owner)."""
    party = you.party()
    named = (named or "").strip()
    if may(you.account, Action.PLEDGE, you.work, you.view):
        if named and named != party:
            raise InputError(f"a bank officer applies for its own bank's pledge ({party})")
        return party
    if not named:
        raise InputError("name the pledgee: the bank the work is pledged to")
    if named == party:
        raise InputError("the owner cannot be its own pledgee")
    return named


def rights(request: Request) -> RightsService:
    return app_state(request).core.rights


def facts(view: RightsView) -> RightsFacts:
    """The parties named in the work's register, and its owners on the view's day."""
    names = view.names
    return RightsFacts(
        parties=frozenset(names.values()),
        owners=frozenset(names[h.party] for h in view.standing.owners if h.party in names),
    )


def authorize(
    account: Account | None, actions: Sequence[Action], work: WorkInfo, view: RightsView
) -> None:
    """Raise unless ``account`` may do one of ``actions`` on the work's rights. Rights exist
    only for registered works: for any other, the answer is not found, whoever asks."""
    facts_ = WorkFacts(work.status, work.submitted_by)
    if any(rights_allowed(account, action, facts_, facts(view)) for action in actions):
        return
    if account is None:
        raise LoginRequired()
    if not allowed(account, Action.VIEW, facts_):
        raise NotFound(f"no work {work.label}")
    raise forbidden()


def access(*actions: Action, api: bool) -> Callable[[Request, str], RightsAccess]:
    """A dependency: the work ``key`` names, if the caller (token or session) may do one of
    ``actions`` on its rights. It runs before the request's fields are read."""

    def dependency(request: Request, key: str) -> RightsAccess:
        account = bearer_account(request) if api else current_account(request)
        if api and account is None:
            raise LoginRequired("this needs an API token: Authorization: Bearer fdt_...")
        work = records.find_work(app_state(request).queries, key)
        if work.status != "registered":
            raise NotFound(f"no rights on record for {work.label}")
        view = rights(request).show(str(work.id))
        authorize(account, actions, work, view)
        assert account is not None
        return RightsAccess(account, work, view)

    return dependency


def shown(account: Account | None, view: RightsView) -> RightsView:
    """The view with the names the policy lets ``account`` see (``sees_party_names``): every
    party's, or the public facts' (the owners on the day, and the caller's own party)."""
    if sees_party_names(account, facts(view)):
        return view
    owners = {h.party for h in view.standing.owners}
    own = account.verified_party if account is not None else None
    names = {h: n for h, n in view.names.items() if h in owners or (own and n == own)}
    return replace(view, names=names)


def may(account: Account | None, action: Action, work: WorkInfo, view: RightsView) -> bool:
    return rights_allowed(account, action, WorkFacts(work.status, work.submitted_by), facts(view))


def signers(party: str, declared: Sequence[str] = ()) -> Signatures:
    """Who signed: the caller's party, and the others it declares signed the contract."""
    names = dict.fromkeys([party, *(n.strip() for n in declared if n.strip())])
    return Signatures(tuple(names), account_party=party)


def names(text: str) -> list[str]:
    """Names typed in one field, separated by commas (either kind) or new lines."""
    for sep in ("，", "\n", "、"):
        text = text.replace(sep, ",")
    return [n.strip() for n in text.split(",") if n.strip()]


def day(value: str | dt.date | None, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise InputError(f"{what}: a date as YYYY-MM-DD") from None


def documents(items: Sequence[tuple[str, bytes]]) -> list[Document]:
    out = []
    for role, data in items:
        if len(data) > MAX_DOCUMENT_BYTES:
            raise InputError(f"the {role} is larger than {MAX_DOCUMENT_BYTES} bytes")
        if data:
            out.append(Document(role, data))
    return out
