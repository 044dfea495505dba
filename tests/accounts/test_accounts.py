"""Accounts: creation rules, login and its throttling, sessions, API tokens, custodial keys."""

from __future__ import annotations

import datetime as dt
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from fangdu.accounts import ROLES, Account, Accounts, AuthError, Throttled
from fangdu.errors import Conflict, InputError, NotFound
from fangdu.ledger.note import verifier_key_string
from fangdu.registry.db import make_engine, session_factory, upgrade
from fangdu.storage import all_metadata

PASSWORD = "牡丹-peony-2026"
START = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


def fast_hasher(time_cost: int = 1) -> PasswordHasher:
    """Argon2id with the smallest parameters: the tests check logic, not hashing cost."""
    return PasswordHasher(time_cost=time_cost, memory_cost=8, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def accounts(engine: Engine, keys_dir: Path, clock: Clock) -> Accounts:
    return Accounts(session_factory(engine), keys_dir, hasher=fast_hasher(), clock=clock)


@pytest.fixture
def alice(accounts: Accounts) -> Account:
    return accounts.create(
        "alice", PASSWORD, "applicant", display_name="王丽", party="柯桥花样工作室"
    )


def row_count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return len(connection.execute(select(all_metadata().tables[table])).all())


def database_text(engine: Engine) -> str:
    """Every value in every table, as one string to search for secrets."""
    with engine.connect() as connection:
        return "\n".join(
            repr(tuple(row))
            for table in all_metadata().sorted_tables
            for row in connection.execute(select(table))
        )


# -- creating accounts -----------------------------------------------------------------------


def test_create_and_look_up(accounts: Accounts, alice: Account):
    assert alice == Account(
        id=alice.id,
        username="alice",
        display_name="王丽",
        role="applicant",
        party="柯桥花样工作室",
        disabled=False,
        created_at=START,
    )
    assert alice.subject == f"account:{alice.id}"
    assert accounts.get(alice.id) == alice
    assert accounts.by_username("  Alice ") == alice  # usernames are case-insensitive
    assert accounts.get(alice.id + 1) is None
    assert accounts.by_username("bob") is None

    bob = accounts.create("Bob.Chen", PASSWORD, "reviewer")
    assert (bob.username, bob.display_name, bob.party) == ("bob.chen", "bob.chen", None)
    assert [a.username for a in accounts.list()] == ["alice", "bob.chen"]


def test_every_role_is_accepted(accounts: Accounts):
    created = [accounts.create(f"user_{role}", PASSWORD, role) for role in ROLES]
    assert [a.role for a in accounts.list()] == [a.role for a in created] == list(ROLES)


def test_a_username_is_taken_once_whatever_its_case(accounts: Accounts, alice: Account):
    with pytest.raises(Conflict, match="taken"):
        accounts.create("ALICE", "another-password-1", "judge")
    assert accounts.list() == [alice]


def test_bad_usernames_roles_and_weak_passwords_are_refused(accounts: Accounts):
    for username in ("ab", "a" * 33, "with space", "王丽abc", "slash/name", "at@sign", ""):
        with pytest.raises(InputError, match="username"):
            accounts.create(username, PASSWORD, "applicant")
    with pytest.raises(InputError, match="role"):
        accounts.create("carol", PASSWORD, "superuser")
    for password, reason in [
        ("short-pw", "too short"),
        ("12345678901234", "digits"),
        ("carol.smith", "username"),
        ("CAROL.SMITH", "username"),
        ("x" * 1025, "too long"),
    ]:
        with pytest.raises(InputError, match=reason):
            accounts.create("carol.smith", password, "applicant")
    assert accounts.list() == []


# -- authentication --------------------------------------------------------------------------


def test_authenticate(accounts: Accounts, alice: Account):
    assert accounts.authenticate("alice", PASSWORD, client="10.0.0.1") == alice
    assert accounts.authenticate(" ALICE", PASSWORD, client="10.0.0.1") == alice


def test_wrong_password_and_unknown_user_get_the_same_answer(accounts: Accounts, alice: Account):
    with pytest.raises(AuthError) as wrong:
        accounts.authenticate("alice", PASSWORD + "x", client="10.0.0.1")
    with pytest.raises(AuthError) as unknown:
        accounts.authenticate("nobody", PASSWORD, client="10.0.0.1")
    assert str(wrong.value) == str(unknown.value) == "wrong username or password"


def test_unknown_users_cost_a_verification_too(engine: Engine, keys_dir: Path, clock: Clock):
    calls: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            calls.append(str(hash))
            return super().verify(hash, password)

    accounts = Accounts(
        session_factory(engine),
        keys_dir,
        hasher=Counting(time_cost=1, memory_cost=8, parallelism=1),
        clock=clock,
    )
    with pytest.raises(AuthError):
        accounts.authenticate("nobody", PASSWORD, client="10.0.0.1")
    assert len(calls) == 1
    assert calls[0].startswith("$argon2id$")


def test_disabled_accounts_cannot_sign_in(accounts: Accounts, alice: Account):
    accounts.set_disabled(alice.id, True)
    assert accounts.get(alice.id).disabled
    with pytest.raises(AuthError, match="disabled"):
        accounts.authenticate("alice", PASSWORD, client="10.0.0.1")
    # Without the password, a disabled account looks like any wrong login.
    with pytest.raises(AuthError, match="wrong username or password"):
        accounts.authenticate("alice", "not-the-password", client="10.0.0.1")
    accounts.set_disabled(alice.id, False)
    assert accounts.authenticate("alice", PASSWORD, client="10.0.0.1") == alice


def test_set_password(accounts: Accounts, alice: Account):
    accounts.set_password(alice.id, "a-new-password")
    with pytest.raises(AuthError):
        accounts.authenticate("alice", PASSWORD, client="10.0.0.1")
    assert accounts.authenticate("alice", "a-new-password", client="10.0.0.1") == alice
    with pytest.raises(InputError):
        accounts.set_password(alice.id, "0123456789")
    with pytest.raises(NotFound):
        accounts.set_password(alice.id + 1, "a-new-password")
    with pytest.raises(NotFound):
        accounts.set_disabled(alice.id + 1, True)


def test_hashes_are_argon2id_and_upgraded_when_parameters_rise(
    engine: Engine, keys_dir: Path, accounts: Accounts, alice: Account
):
    def stored_hash() -> str:
        return database_text(engine).split("$argon2id$", 1)[1].split("'", 1)[0]

    old = stored_hash()
    assert ",t=1," in old
    stronger = Accounts(session_factory(engine), keys_dir, hasher=fast_hasher(time_cost=2))
    assert stronger.authenticate("alice", PASSWORD, client="10.0.0.1") == alice
    assert ",t=2," in stored_hash()
    assert stronger.authenticate("alice", PASSWORD, client="10.0.0.1") == alice


# -- throttling ------------------------------------------------------------------------------


def fail(accounts: Accounts, username: str, client: str, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(AuthError) as caught:
            accounts.authenticate(username, "wrong-password", client=client)
        assert not isinstance(caught.value, Throttled)


def test_five_failures_for_a_username_throttle_it_from_everywhere(
    accounts: Accounts, alice: Account, clock: Clock
):
    for i in range(5):
        fail(accounts, "alice", client=f"10.0.0.{i}")
        clock.advance(minutes=1)
    # Even the right password from a fresh address waits.
    with pytest.raises(Throttled) as caught:
        accounts.authenticate("alice", PASSWORD, client="192.168.1.1")
    assert caught.value.retry_after == 10 * 60  # the first failure leaves the window then
    assert "try again in 600 s" in str(caught.value)
    # Other users are not affected.
    accounts.create("bob", PASSWORD, "reviewer")
    assert accounts.authenticate("bob", PASSWORD, client="10.0.0.1").username == "bob"

    clock.advance(minutes=10)
    assert accounts.authenticate("alice", PASSWORD, client="192.168.1.1") == alice


def test_unknown_usernames_are_throttled_alike(accounts: Accounts, clock: Clock):
    fail(accounts, "mallory", client="10.0.0.1", times=5)
    with pytest.raises(Throttled):
        accounts.authenticate("mallory", "wrong-password", client="10.0.0.2")


def test_a_success_clears_the_usernames_failures(accounts: Accounts, alice: Account):
    fail(accounts, "alice", client="10.0.0.1", times=4)
    accounts.authenticate("alice", PASSWORD, client="10.0.0.1")
    fail(accounts, "alice", client="10.0.0.1", times=4)
    assert accounts.authenticate("alice", PASSWORD, client="10.0.0.1") == alice


def test_a_new_password_lifts_the_throttle(accounts: Accounts, alice: Account):
    fail(accounts, "alice", client="10.0.0.1", times=5)
    accounts.set_password(alice.id, "reset-by-the-admin")
    assert accounts.authenticate("alice", "reset-by-the-admin", client="10.0.0.1") == alice


def test_twenty_failures_from_a_client_throttle_that_client(
    accounts: Accounts, alice: Account, clock: Clock
):
    for i in range(20):
        fail(accounts, f"user{i:02d}", client="203.0.113.9")
    with pytest.raises(Throttled) as caught:
        accounts.authenticate("alice", PASSWORD, client="203.0.113.9")
    assert caught.value.retry_after == 15 * 60
    assert accounts.authenticate("alice", PASSWORD, client="203.0.113.10") == alice

    clock.advance(minutes=14, seconds=59)
    with pytest.raises(Throttled) as caught:
        accounts.authenticate("alice", PASSWORD, client="203.0.113.9")
    assert caught.value.retry_after == 1
    clock.advance(seconds=1)
    assert accounts.authenticate("alice", PASSWORD, client="203.0.113.9") == alice


def test_old_failures_are_pruned(engine: Engine, accounts: Accounts, clock: Clock):
    fail(accounts, "mallory", client="10.0.0.1", times=3)
    clock.advance(minutes=16)
    fail(accounts, "mallory", client="10.0.0.1")
    assert row_count(engine, "login_failures") == 1


# -- sessions --------------------------------------------------------------------------------


def test_sessions_start_look_up_and_end(accounts: Accounts, alice: Account):
    token = accounts.start_session(alice.id)
    other = accounts.start_session(alice.id)
    assert token != other and len(token) >= 43
    assert accounts.session_account(token) == alice
    accounts.end_session(token)
    assert accounts.session_account(token) is None
    accounts.end_session(token)  # twice is fine
    assert accounts.session_account(other) == alice
    assert accounts.session_account("made-up") is None
    with pytest.raises(NotFound):
        accounts.start_session(alice.id + 1)


def test_sessions_expire(engine: Engine, accounts: Accounts, alice: Account, clock: Clock):
    token = accounts.start_session(alice.id, lifetime=dt.timedelta(hours=1))
    clock.advance(minutes=59)
    assert accounts.session_account(token) == alice
    clock.advance(minutes=1)
    assert accounts.session_account(token) is None
    assert row_count(engine, "account_sessions") == 0  # deleted, not just ignored


def test_expired_sessions_are_removed_when_the_account_signs_in_again(
    engine: Engine, accounts: Accounts, alice: Account, clock: Clock
):
    accounts.start_session(alice.id, lifetime=dt.timedelta(minutes=5))
    clock.advance(minutes=10)
    accounts.start_session(alice.id)
    assert row_count(engine, "account_sessions") == 1


def test_disabling_or_a_new_password_ends_sessions(accounts: Accounts, alice: Account):
    token = accounts.start_session(alice.id)
    accounts.set_disabled(alice.id, True)
    accounts.set_disabled(alice.id, False)
    assert accounts.session_account(token) is None
    token = accounts.start_session(alice.id)
    accounts.set_password(alice.id, "a-new-password")
    assert accounts.session_account(token) is None


# -- API tokens ------------------------------------------------------------------------------


def test_api_tokens_issue_look_up_revoke(accounts: Accounts, alice: Account):
    token = accounts.issue_api_token(alice.id, "bank ERP")
    assert token.startswith("fdt_") and len(token) >= 47
    assert accounts.token_account(token) == alice
    assert accounts.token_account(token[:-1]) is None
    assert accounts.token_account("not-a-token") is None

    accounts.set_disabled(alice.id, True)
    assert accounts.token_account(token) is None
    accounts.set_disabled(alice.id, False)
    assert accounts.token_account(token) == alice

    accounts.revoke_api_token(token)
    assert accounts.token_account(token) is None
    accounts.revoke_api_token(token)  # twice is fine
    accounts.revoke_api_token("fdt_unknown")

    with pytest.raises(InputError, match="label"):
        accounts.issue_api_token(alice.id, "  ")
    with pytest.raises(NotFound):
        accounts.issue_api_token(alice.id + 1, "ERP")


def test_secrets_are_stored_only_as_hashes(engine: Engine, accounts: Accounts, alice: Account):
    api_token = accounts.issue_api_token(alice.id, "bank ERP")
    session_token = accounts.start_session(alice.id)
    fail(accounts, "my-password-typed-as-username", client="10.0.0.1")

    stored = database_text(engine)
    assert "bank ERP" in stored and "alice" in stored  # the dump does see the rows
    for secret in (api_token, api_token[4:], session_token, PASSWORD, "password-typed"):
        assert secret not in stored


# -- custodial keys --------------------------------------------------------------------------


def test_signer_is_created_private_and_stable(accounts: Accounts, alice: Account, keys_dir: Path):
    signer = accounts.signer(alice.id)
    assert signer.name == f"account-{alice.id}"
    path = keys_dir / "accounts" / f"{alice.id}.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert verifier_key_string(accounts.signer(alice.id)) == verifier_key_string(signer)

    bob = accounts.create("bob", PASSWORD, "mediator")
    assert verifier_key_string(accounts.signer(bob.id)) != verifier_key_string(signer)
    with pytest.raises(NotFound):
        accounts.signer(bob.id + 1)
    assert not (keys_dir / "accounts" / f"{bob.id + 1}.key").exists()
