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
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fangdu.accounts.models import ROLES, AccountRow, ApiTokenRow, LoginFailure, SessionRow
from fangdu.errors import Conflict, FangduError, InputError, NotFound
from fangdu.ledger.keys import load_or_create_signer
from fangdu.ledger.note import Signer
from fangdu.storage import utcnow

USERNAME = re.compile(r"[a-z0-9_.-]{3,32}")
MIN_PASSWORD, MAX_PASSWORD = 10, 1024
MAX_NAME = 200  # display name and party, as the columns allow
MAX_LABEL = 100
API_TOKEN_PREFIX = "fdt_"  # lets secret scanners and log filters recognise a leaked token

# Throttling: at most this many failures in the window, per username and per client address.
# Per username stops guessing one account from many addresses; per client stops one address
# trying a few passwords against many accounts.
THROTTLE_WINDOW = dt.timedelta(minutes=15)
USERNAME_FAILURES = 5
CLIENT_FAILURES = 20
MAX_CLIENT = 64

BAD_LOGIN = "wrong username or password"  # one message: it must not tell which was wrong


class AuthError(FangduError):
    """Login refused: wrong username or password, or the account is disabled."""


class Throttled(AuthError):
    """Too many failed logins; ``retry_after`` is how many seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    role: str
    party: str | None
    disabled: bool
    created_at: dt.datetime

    @property
    def subject(self) -> str:
        """The opaque id the registry stores for who filed or decided (``works.submitted_by``)."""
        return f"account:{self.id}"


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
    ) -> Account:
        """A new account. Usernames are case-insensitive: stored in lower case."""
        name = _valid_username(username)
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}; one of: {', '.join(ROLES)}")
        _check_password(password, name)
        display = _optional_text(display_name, "display name") or name
        row = AccountRow(
            username=name,
            display_name=display,
            role=role,
            party=_optional_text(party, "party"),
            password_hash=self._hasher.hash(password),
            disabled=False,
            created_at=self._clock(),
        )
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

    def set_password(self, account_id: int, password: str) -> None:
        """Change the password; signs the account out everywhere and lifts its login throttle."""
        with self._sessions.begin() as session:
            row = _existing(session, account_id)
            _check_password(password, row.username)
            row.password_hash = self._hasher.hash(password)
            session.execute(delete(SessionRow).where(SessionRow.account_id == account_id))
            session.execute(
                delete(LoginFailure).where(LoginFailure.username_sha256 == _sha256(row.username))
            )

    def set_disabled(self, account_id: int, disabled: bool) -> None:
        """Disable (ending its sessions; its API tokens stop working) or enable an account."""
        with self._sessions.begin() as session:
            row = _existing(session, account_id)
            row.disabled = disabled
            if disabled:
                session.execute(delete(SessionRow).where(SessionRow.account_id == account_id))

    # -- login ---------------------------------------------------------------------------

    def authenticate(self, username: str, password: str, *, client: str) -> Account:
        """The account whose password this is, or AuthError (Throttled when rate-limited).

        ``client`` identifies the caller for throttling, normally its IP address.
        """
        now = self._clock()
        user_key = _sha256(_normalise(username))
        client = client[:MAX_CLIENT]
        # Counting and recording are separate transactions: a burst of parallel guesses can
        # overshoot a limit by a few, which throttling tolerates.
        with self._sessions() as session:
            retry_after = _retry_after(session, user_key, client, now)
            if retry_after:
                raise Throttled(retry_after)
            row = _row_by_username(session, username)
        # Unknown usernames cost one verification too, so timing does not tell which exist.
        # No transaction is held meanwhile: Argon2 is slow on purpose.
        ok = self._verify(self._dummy_hash if row is None else row.password_hash, password)
        if row is None or not ok:
            with self._sessions.begin() as session:
                session.add(LoginFailure(username_sha256=user_key, client=client, failed_at=now))
                session.execute(
                    delete(LoginFailure).where(LoginFailure.failed_at <= now - THROTTLE_WINDOW)
                )
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
            session.execute(delete(LoginFailure).where(LoginFailure.username_sha256 == user_key))
            if rehashed is not None:
                session.execute(
                    update(AccountRow).where(AccountRow.id == row.id).values(password_hash=rehashed)
                )
        return _account(row)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @functools.cached_property
    def _dummy_hash(self) -> str:
        """A hash of a password nobody knows, with this hasher's parameters."""
        return self._hasher.hash(secrets.token_urlsafe(16))

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

    def issue_api_token(self, account_id: int, label: str) -> str:
        """A new API token for the account, returned once: only its hash is stored."""
        label = label.strip()
        if not 1 <= len(label) <= MAX_LABEL:
            raise InputError(f"token label: 1 to {MAX_LABEL} characters")
        token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._sessions.begin() as session:
            _existing(session, account_id)
            session.add(
                ApiTokenRow(
                    token_sha256=_sha256(token),
                    account_id=account_id,
                    label=label,
                    created_at=self._clock(),
                )
            )
        return token

    def token_account(self, token: str) -> Account | None:
        """The token's account, or None if the token is unknown, revoked or disabled."""
        if not token.startswith(API_TOKEN_PREFIX):
            return None
        with self._sessions() as session:
            account = session.scalar(
                select(AccountRow)
                .join(ApiTokenRow, ApiTokenRow.account_id == AccountRow.id)
                .where(ApiTokenRow.token_sha256 == _sha256(token), ApiTokenRow.revoked_at.is_(None))
            )
            return None if account is None or account.disabled else _account(account)

    def revoke_api_token(self, token: str) -> None:
        """Revoke for good; an unknown or already revoked token is not an error."""
        with self._sessions.begin() as session:
            session.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.token_sha256 == _sha256(token), ApiTokenRow.revoked_at.is_(None))
                .values(revoked_at=self._clock())
            )

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


def _account(row: AccountRow) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        party=row.party,
        disabled=row.disabled,
        created_at=row.created_at,
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


def _retry_after(session: Session, user_key: str, client: str, now: dt.datetime) -> int:
    """Seconds until both the username and the client are under their limits (0: now)."""
    since = now - THROTTLE_WINDOW
    wait = 0.0
    for column, value, limit in (
        (LoginFailure.username_sha256, user_key, USERNAME_FAILURES),
        (LoginFailure.client, client, CLIENT_FAILURES),
    ):
        # Once the limit-th most recent failure leaves the window, fewer than limit remain.
        nth = session.scalar(
            select(LoginFailure.failed_at)
            .where(column == value, LoginFailure.failed_at > since)
            .order_by(LoginFailure.failed_at.desc())
            .offset(limit - 1)
            .limit(1)
        )
        if nth is not None:
            wait = max(wait, (nth + THROTTLE_WINDOW - now).total_seconds())
    return math.ceil(wait)
