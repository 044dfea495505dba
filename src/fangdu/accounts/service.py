"""Accounts: passwords, login throttling, browser sessions, API tokens, custodial signing keys.

The web service is the only caller that faces the public; the command line uses the same
service to create the first admin. Every secret handed out (session cookie, API token) is random
and shown once; the database keeps only its SHA-256, so a leaked backup lets nobody sign in.
"""

from __future__ import annotations

import builtins
import datetime as dt
import functools
import hashlib
import logging
import math
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fangdu.accounts.models import (
    PARTY_STATES,
    ROLES,
    AccountRow,
    ApiTokenRow,
    LoginAlert,
    LoginThrottle,
    SessionRow,
    TrustedDevice,
)
from fangdu.db.base import utcnow
from fangdu.errors import Conflict, FangduError, InputError, NotFound
from fangdu.ledger.keys import load_or_create_signer
from fangdu.ledger.note import Signer

USERNAME = re.compile(r"[a-z0-9_.-]{3,32}")
MIN_PASSWORD, MAX_PASSWORD = 10, 1024
MAX_NAME = 200  # display name and party, as the columns allow
MAX_LABEL = 100
API_TOKEN_PREFIX = "fdt_"  # lets secret scanners and log filters recognise a leaked token

# What an API token may be used for; the web service maps routes to scopes. A token never
# does more than its account's role allows.
TOKEN_SCOPES = ("check", "apply", "review", "rights", "read", "schedule", "trade")
TOKEN_LIFETIME = dt.timedelta(days=90)
MAX_TOKEN_LIFETIME = dt.timedelta(days=366)

# Throttling, per (username, client): a few free attempts, then each waits twice as long as
# the last. Keyed by client so that a stranger's guesses slow down only the stranger: nobody
# can lock another person out (OWASP, "Blocking Brute Force Attacks"). A browser that signed
# in before (device cookie) is its own client, whatever its address. An address also has a
# larger allowance across all usernames, against trying one password on many accounts.
FREE_ATTEMPTS = 5
ADDRESS_FREE_ATTEMPTS = 20
FIRST_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(minutes=15)
THROTTLE_RESET = dt.timedelta(hours=24)  # a counter left alone this long starts again
ANY_USERNAME = "*"
DEVICE_LIFETIME = dt.timedelta(days=180)
MAX_CLIENT = 64

log = logging.getLogger(__name__)

BAD_LOGIN = "wrong username or password"  # one message: it must not tell which was wrong


class AuthError(FangduError):
    """Login refused: wrong username or password, or the account is disabled."""


class Throttled(AuthError):
    """Too many failed logins; ``retry_after`` is how many seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class ApiToken:
    """An API token as its owner sees it: everything but the secret."""

    id: int
    label: str
    scopes: tuple[str, ...]  # in TOKEN_SCOPES order
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    status: str  # "active", "expired" or "revoked"


@dataclass(frozen=True)
class SignInAlert:
    """A client that began to be slowed down; ``username`` is None for many or unknown names."""

    created_at: dt.datetime
    username: str | None
    client: str
    attempts: int


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    role: str
    # The party (person or company) the account says it acts for: a claim, which proves
    # nothing until an administrator verifies it. Authority comes from ``verified_party``.
    party_claim: str | None
    party_status: str | None  # None without a claim, else one of PARTY_STATES
    disabled: bool
    created_at: dt.datetime
    # Who last verified, rejected or revoked the claim ("account:<id>", "command line"), when.
    party_decided_by: str | None = None
    party_decided_at: dt.datetime | None = None
    # What the API token in use may do; None for a browser session: all the role allows.
    scopes: frozenset[str] | None = None

    @property
    def subject(self) -> str:
        """The opaque id the registry stores for who filed or decided (``works.submitted_by``)."""
        return f"account:{self.id}"

    @property
    def verified_party(self) -> str | None:
        """The party this account acts for, once an administrator has verified the claim;
        else None. The one check: whatever a party grants (acting as owner, licensee,
        pledgee, claimant, mediator or judge; its works; its folders) asks this, never the
        claim."""
        return self.party_claim if self.party_status == "verified" else None


class Accounts:
    """The accounts service over the shared database; ``keys_dir`` holds the custodial keys.

    ``hasher`` and ``clock`` are for tests (cheap Argon2 parameters, time travel).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        keys_dir: Path,
        *,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._keys_dir = Path(keys_dir)
        self._hasher = hasher or PasswordHasher()  # Argon2id, RFC 9106 low-memory profile
        self._clock = clock

    # -- accounts ------------------------------------------------------------------------

    def create(
        self,
        username: str,
        password: str,
        role: str,
        *,
        display_name: str | None = None,
        party: str | None = None,
        vouched_by: str | None = None,
    ) -> Account:
        """A new account. Usernames are case-insensitive: stored in lower case.

        ``party`` is only a claim, pending an administrator's verification, unless
        ``vouched_by`` names who vouches for it at creation (an administrator's subject,
        "command line"): then it is verified at once.
        """
        name = _valid_username(username)
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}; one of: {', '.join(ROLES)}")
        _check_password(password, name)
        display = _optional_text(display_name, "display name") or name
        claim = _optional_text(party, "party")
        now = self._clock()
        row = AccountRow(
            username=name,
            display_name=display,
            role=role,
            password_hash=self._hasher.hash(password),
            disabled=False,
            created_at=now,
        )
        if claim is not None:
            _claim(row, claim)
            if vouched_by:
                _decide(row, "verified", vouched_by, now)
        try:
            with self._sessions.begin() as session:
                session.add(row)
                session.flush()
                account = _account(row)
        except IntegrityError:  # the unique username, also when two requests race
            raise Conflict(f"username {name!r} is taken") from None
        return account

    def get(self, account_id: int) -> Account | None:
        with self._sessions() as session:
            row = session.get(AccountRow, account_id)
            return None if row is None else _account(row)

    def by_username(self, username: str) -> Account | None:
        with self._sessions() as session:
            row = _row_by_username(session, username)
            return None if row is None else _account(row)

    def set_password(self, account_id: int, password: str, *, revoke_tokens: bool = False) -> None:
        """Change the password; signs the account out everywhere and lifts its login throttle.

        ``revoke_tokens`` also revokes its API tokens (a leaked password may have made some).
        """
        with self._sessions.begin() as session:
            row = _existing(session, account_id)
            _check_password(password, row.username)
            row.password_hash = self._hasher.hash(password)
            session.execute(delete(SessionRow).where(SessionRow.account_id == account_id))
            session.execute(
                delete(LoginThrottle).where(LoginThrottle.username_sha256 == _sha256(row.username))
            )
            if revoke_tokens:
                _revoke(session, ApiTokenRow.account_id == account_id, self._clock())

    def change_password(
        self, account_id: int, current: str, new: str, *, client: str, revoke_tokens: bool
    ) -> None:
        """The account's own change: ``current`` must be right (AuthError), throttled like a
        login so that a stolen session cannot be used to guess the password."""
        account = self.get(account_id)
        if account is None:
            raise NotFound(f"no account {account_id}")
        _check_password(new, account.username)  # before spending an attempt
        self.authenticate(account.username, current, client=client)
        self.set_password(account_id, new, revoke_tokens=revoke_tokens)

    # -- the party an account acts for ---------------------------------------------------

    def claim_party(self, account_id: int, party: str | None) -> Account:
        """The account states the party it acts for (its own page): a new name is a claim
        pending verification, and stops any verified party counting; the same name again
        changes nothing, except that a rejected claim is asked for again. Empty: none."""
        claim = _optional_text(party, "party")
        with self._sessions.begin() as session:
            row = _existing(session, account_id)
            if claim != row.party_claim or row.party_status == "rejected":
                _claim(row, claim)
            return _account(row)

    def verify_party(self, account_id: int, claim: str, *, by: str) -> Account:
        """An administrator has checked the person's identity documents and verifies the
        claim. ``claim`` is the name the administrator saw: if the account has changed it
        meanwhile, Conflict (they must look again)."""
        return self._decide_party(account_id, claim, "verified", by)

    def reject_party(self, account_id: int, claim: str, *, by: str) -> Account:
        """An administrator rejects a pending claim, or revokes a verified one: the account no
        longer acts for that party (until a claim is verified again)."""
        return self._decide_party(account_id, claim, "rejected", by)

    def _decide_party(self, account_id: int, claim: str, status: str, by: str) -> Account:
        with self._sessions.begin() as session:
            row = _existing(session, account_id)
            if row.party_claim is None or row.party_claim != claim.strip():
                raise Conflict(f"account {account_id} claims another party now; look again")
            _decide(row, status, by, self._clock())
            account = _account(row)
        log.info("party %s of account %d %s by %s", claim, account_id, status, by)
        return account

    def party_claims(self) -> builtins.list[Account]:
        """Accounts whose party claim waits for verification, oldest account first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(AccountRow)
                .where(AccountRow.party_status == "pending")
                .order_by(AccountRow.id)
            )
            return [_account(row) for row in rows]

    def set_disabled(self, account_id: int, disabled: bool) -> None:
        """Disable (ending its sessions; its API tokens stop working) or enable an account."""
        with self._sessions.begin() as session:
            row = _existing(session, account_id)
            row.disabled = disabled
            if disabled:
                session.execute(delete(SessionRow).where(SessionRow.account_id == account_id))

    # -- login ---------------------------------------------------------------------------

    def authenticate(
        self, username: str, password: str, *, client: str, device: str | None = None
    ) -> Account:
        """The account whose password this is, or AuthError (Throttled when slowed down).

        ``client`` identifies the caller for throttling, normally its IP address; ``device`` is
        the token of its device cookie, if it sent one (see ``trust_device``).
        """
        now = self._clock()
        name = _normalise(username)
        user_key = _sha256(name)
        if device and self._device_owner(device, now) == name:
            counters = [(user_key, "device:" + _sha256(device), FREE_ATTEMPTS)]
        else:
            address = "ip:" + client[:MAX_CLIENT]
            counters = [
                (user_key, address, FREE_ATTEMPTS),
                (ANY_USERNAME, address, ADDRESS_FREE_ATTEMPTS),
            ]
        attempts = self._reserve_attempt(counters, now)
        with self._sessions() as session:
            row = _row_by_username(session, name)
        # Unknown usernames cost one verification too, so timing does not tell which exist.
        # No transaction is held meanwhile: Argon2 is slow on purpose.
        ok = self._verify(self._dummy_hash if row is None else row.password_hash, password)
        if row is None or not ok:
            self._alert_if_slowed(counters, attempts, None if row is None else row.id, now)
            raise AuthError(BAD_LOGIN)
        # Only someone who knows the password learns that the account is disabled.
        if row.disabled:
            raise AuthError("account disabled")
        # Parameters raised since this hash was made: upgrade it while the password is at hand.
        rehashed = (
            self._hasher.hash(password)
            if self._hasher.check_needs_rehash(row.password_hash)
            else None
        )
        with self._sessions.begin() as session:
            # Every attempt was counted up front: the right password gives this one back.
            user_counter = counters[0]
            session.execute(delete(LoginThrottle).where(_counter_is(*user_counter[:2])))
            for key, client_key, _ in counters[1:]:
                session.execute(
                    update(LoginThrottle)
                    .where(_counter_is(key, client_key), LoginThrottle.attempts > 0)
                    .values(attempts=LoginThrottle.attempts - 1)
                )
            if rehashed is not None:
                session.execute(
                    update(AccountRow).where(AccountRow.id == row.id).values(password_hash=rehashed)
                )
        return _account(row)

    def _reserve_attempt(
        self, counters: builtins.list[tuple[str, str, int]], now: dt.datetime
    ) -> builtins.list[int]:
        """Count one attempt on each counter, or raise Throttled if one says to wait.

        Atomic on SQLite and PostgreSQL: the UPDATE … RETURNING both checks that the attempt
        may start and counts it, and the row stays locked (PostgreSQL: row lock; SQLite: the
        database write lock) until the delay it sets is committed. Parallel attempts therefore
        see each other's counts: a burst gets FREE_ATTEMPTS password checks, not more.
        """
        counts = []
        with self._sessions.begin() as session:
            for key, client_key, free in counters:
                _insert_counter(session, key, client_key, now)
                count = session.scalar(
                    update(LoginThrottle)
                    .where(_counter_is(key, client_key), LoginThrottle.next_attempt_at <= now)
                    .values(
                        attempts=case(
                            (LoginThrottle.updated_at <= now - THROTTLE_RESET, 1),
                            else_=LoginThrottle.attempts + 1,
                        ),
                        updated_at=now,
                    )
                    .returning(LoginThrottle.attempts)
                )
                if count is None:
                    # Raising rolls back the counters already counted in this transaction.
                    wait = session.scalar(
                        select(LoginThrottle.next_attempt_at).where(_counter_is(key, client_key))
                    )
                    raise Throttled(max(1, math.ceil((wait - now).total_seconds())))
                session.execute(
                    update(LoginThrottle)
                    .where(_counter_is(key, client_key))
                    .values(next_attempt_at=now + _delay(count, free))
                )
                counts.append(count)
        return counts

    def _alert_if_slowed(
        self,
        counters: builtins.list[tuple[str, str, int]],
        attempts: builtins.list[int],
        account_id: int | None,
        now: dt.datetime,
    ) -> None:
        """Record an alert when a counter's delays begin (once per episode), instead of a lock;
        and forget counters nobody has used for a day."""
        with self._sessions.begin() as session:
            for (key, client_key, free), count in zip(counters, attempts, strict=True):
                if count != free:
                    continue
                who = account_id if key != ANY_USERNAME else None
                session.add(
                    LoginAlert(account_id=who, client=client_key, attempts=count, created_at=now)
                )
                log.warning(
                    "sign-in alert: %d failed attempts from %s against %s",
                    count,
                    client_key,
                    f"account {who}" if who else "several or unknown names",
                )
            session.execute(
                delete(LoginThrottle).where(LoginThrottle.updated_at <= now - THROTTLE_RESET)
            )

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @functools.cached_property
    def _dummy_hash(self) -> str:
        """A hash of a password nobody knows, with this hasher's parameters."""
        return self._hasher.hash(secrets.token_urlsafe(16))

    def alerts(self, limit: int = 100) -> builtins.list[SignInAlert]:
        """The most recent sign-in alerts, newest first."""
        with self._sessions() as session:
            rows = session.execute(
                select(LoginAlert, AccountRow.username)
                .outerjoin(AccountRow, AccountRow.id == LoginAlert.account_id)
                .order_by(LoginAlert.created_at.desc(), LoginAlert.id.desc())
                .limit(limit)
            )
            return [
                SignInAlert(alert.created_at, username, alert.client, alert.attempts)
                for alert, username in rows
            ]

    # -- trusted devices -----------------------------------------------------------------

    def trust_device(self, account_id: int, device: str | None = None) -> str:
        """The device token for a browser that just signed in: ``device`` if it is already
        this account's, else a new one. Only its hash is stored."""
        now = self._clock()
        with self._sessions.begin() as session:
            row = _existing(session, account_id)
            if device and self._device_owner(device, now) == row.username:
                return device
            token = secrets.token_urlsafe(32)
            session.execute(
                delete(TrustedDevice).where(
                    TrustedDevice.account_id == account_id, TrustedDevice.expires_at <= now
                )
            )
            session.add(
                TrustedDevice(
                    token_sha256=_sha256(token),
                    account_id=account_id,
                    created_at=now,
                    expires_at=now + DEVICE_LIFETIME,
                )
            )
        return token

    def _device_owner(self, device: str, now: dt.datetime) -> str | None:
        """The username whose trusted device this token is, if it is one and unexpired."""
        with self._sessions() as session:
            return session.scalar(
                select(AccountRow.username)
                .join(TrustedDevice, TrustedDevice.account_id == AccountRow.id)
                .where(
                    TrustedDevice.token_sha256 == _sha256(device), TrustedDevice.expires_at > now
                )
            )

    # -- browser sessions ----------------------------------------------------------------

    def start_session(
        self, account_id: int, *, lifetime: dt.timedelta = dt.timedelta(hours=12)
    ) -> str:
        """A new session token for a cookie; it expires after ``lifetime`` (no sliding)."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._sessions.begin() as session:
            _existing(session, account_id)
            # Expired sessions are removed here and when looked up, so none pile up.
            session.execute(
                delete(SessionRow).where(
                    SessionRow.account_id == account_id, SessionRow.expires_at <= now
                )
            )
            session.add(
                SessionRow(
                    token_sha256=_sha256(token),
                    account_id=account_id,
                    created_at=now,
                    expires_at=now + lifetime,
                )
            )
        return token

    def session_account(self, token: str) -> Account | None:
        """The signed-in account, or None if the token is unknown, expired or disabled."""
        with self._sessions.begin() as session:
            row = session.scalar(
                select(SessionRow).where(SessionRow.token_sha256 == _sha256(token))
            )
            if row is None:
                return None
            if row.expires_at <= self._clock():
                session.delete(row)
                return None
            account = session.get_one(AccountRow, row.account_id)
            return None if account.disabled else _account(account)

    def end_session(self, token: str) -> None:
        """Sign out; an unknown or already ended token is not an error."""
        with self._sessions.begin() as session:
            session.execute(delete(SessionRow).where(SessionRow.token_sha256 == _sha256(token)))

    # -- API tokens ----------------------------------------------------------------------

    def issue_api_token(
        self,
        account_id: int,
        label: str,
        *,
        scopes: Iterable[str] = TOKEN_SCOPES,
        lifetime: dt.timedelta = TOKEN_LIFETIME,
    ) -> str:
        """A new API token for the account, returned once: only its hash is stored."""
        label = label.strip()
        if not 1 <= len(label) <= MAX_LABEL:
            raise InputError(f"token label: 1 to {MAX_LABEL} characters")
        wanted = set(scopes)
        if not wanted or not wanted <= set(TOKEN_SCOPES):
            raise InputError(f"token scopes: one or more of {', '.join(TOKEN_SCOPES)}")
        if not dt.timedelta(days=1) <= lifetime <= MAX_TOKEN_LIFETIME:
            raise InputError(f"token lifetime: 1 to {MAX_TOKEN_LIFETIME.days} days")
        token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        with self._sessions.begin() as session:
            _existing(session, account_id)
            session.add(
                ApiTokenRow(
                    token_sha256=_sha256(token),
                    account_id=account_id,
                    label=label,
                    scopes=" ".join(s for s in TOKEN_SCOPES if s in wanted),
                    created_at=now,
                    expires_at=now + lifetime,
                )
            )
        return token

    def token_account(self, token: str) -> Account | None:
        """The token's account with the token's scopes, or None if the token is unknown,
        expired or revoked, or the account disabled."""
        if not token.startswith(API_TOKEN_PREFIX):
            return None
        with self._sessions() as session:
            found = session.execute(
                select(AccountRow, ApiTokenRow.scopes)
                .join(ApiTokenRow, ApiTokenRow.account_id == AccountRow.id)
                .where(
                    ApiTokenRow.token_sha256 == _sha256(token),
                    ApiTokenRow.revoked_at.is_(None),
                    ApiTokenRow.expires_at > self._clock(),
                )
            ).one_or_none()
            if found is None or found[0].disabled:
                return None
            return _account(found[0], scopes=frozenset(found[1].split()))

    def api_tokens(self, account_id: int) -> builtins.list[ApiToken]:
        """The account's tokens, newest first, revoked and expired ones included."""
        now = self._clock()
        with self._sessions() as session:
            rows = session.scalars(
                select(ApiTokenRow)
                .where(ApiTokenRow.account_id == account_id)
                .order_by(ApiTokenRow.created_at.desc(), ApiTokenRow.id.desc())
            )
            return [_api_token(row, now) for row in rows]

    def revoke_api_token(self, token: str) -> None:
        """Revoke for good; an unknown or already revoked token is not an error."""
        with self._sessions.begin() as session:
            _revoke(session, ApiTokenRow.token_sha256 == _sha256(token), self._clock())

    def revoke_api_token_id(self, account_id: int, token_id: int) -> None:
        """Revoke the account's token ``token_id`` (NotFound if the account has no such one)."""
        with self._sessions.begin() as session:
            row = session.get(ApiTokenRow, token_id)
            if row is None or row.account_id != account_id:
                raise NotFound(f"no token {token_id}")
            _revoke(session, ApiTokenRow.id == token_id, self._clock())

    # -- custodial keys ------------------------------------------------------------------

    def signer(self, account_id: int) -> Signer:
        """The account's Ed25519 key for signing its log entries, created on first use (0600)."""
        with self._sessions() as session:
            _existing(session, account_id)
        folder = self._keys_dir / "accounts"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return load_or_create_signer(folder / f"{account_id}.key", f"account-{account_id}")

    # Last: inside the class body, ``list`` names this method from here on.
    def list(self) -> builtins.list[Account]:
        with self._sessions() as session:
            rows = session.scalars(select(AccountRow).order_by(AccountRow.id))
            return [_account(row) for row in rows]


def _account(row: AccountRow, scopes: frozenset[str] | None = None) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        party_claim=row.party_claim,
        party_status=row.party_status,
        disabled=row.disabled,
        created_at=row.created_at,
        party_decided_by=row.party_decided_by,
        party_decided_at=row.party_decided_at,
        scopes=scopes,
    )


def _claim(row: AccountRow, claim: str | None) -> None:
    """A new claim (or none): pending, no decision yet."""
    row.party_claim = claim
    row.party_status = None if claim is None else "pending"
    row.party_decided_at = row.party_decided_by = None


def _decide(row: AccountRow, status: str, by: str, now: dt.datetime) -> None:
    assert status in PARTY_STATES
    row.party_status = status
    row.party_decided_by = by[:64]
    row.party_decided_at = now


def _api_token(row: ApiTokenRow, now: dt.datetime) -> ApiToken:
    if row.revoked_at is not None:
        status = "revoked"
    elif row.expires_at <= now:
        status = "expired"
    else:
        status = "active"
    return ApiToken(
        id=row.id,
        label=row.label,
        scopes=tuple(row.scopes.split()),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        status=status,
    )


def _revoke(session: Session, which: ColumnElement[bool], now: dt.datetime) -> None:
    session.execute(
        update(ApiTokenRow).where(which, ApiTokenRow.revoked_at.is_(None)).values(revoked_at=now)
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _row_by_username(session: Session, username: str) -> AccountRow | None:
    return session.scalar(select(AccountRow).where(AccountRow.username == _normalise(username)))


def _existing(session: Session, account_id: int) -> AccountRow:
    row = session.get(AccountRow, account_id)
    if row is None:
        raise NotFound(f"no account {account_id}")
    return row


def _normalise(username: str) -> str:
    return username.strip().lower()


def _valid_username(username: str) -> str:
    name = _normalise(username)
    if not USERNAME.fullmatch(name):
        raise InputError(
            f"username {username!r}: 3 to 32 characters, letters a-z, digits, '_', '.' or '-'"
        )
    return name


def _check_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"password too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InputError(f"password too long: at most {MAX_PASSWORD} characters")
    if password.isdigit():
        raise InputError("password is only digits: add letters or symbols")
    if password.strip().lower() == username:
        raise InputError("password must not be the username")


def _optional_text(value: str | None, what: str) -> str | None:
    value = (value or "").strip()
    if len(value) > MAX_NAME:
        raise InputError(f"{what}: at most {MAX_NAME} characters")
    return value or None


def _counter_is(username_key: str, client_key: str) -> ColumnElement[bool]:
    return (LoginThrottle.username_sha256 == username_key) & (LoginThrottle.client == client_key)


def _insert_counter(session: Session, username_key: str, client_key: str, now: dt.datetime) -> None:
    """The counter row, unless it exists; parallel first attempts must not fail on the key."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(LoginThrottle)
        .values(
            username_sha256=username_key,
            client=client_key,
            attempts=0,
            next_attempt_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing()
    )


def _delay(attempts: int, free: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th attempt: none for the first few, then
    doubling from FIRST_DELAY up to MAX_DELAY."""
    if attempts < free:
        return dt.timedelta(0)
    return min(MAX_DELAY, FIRST_DELAY * 2 ** min(attempts - free, 20))
