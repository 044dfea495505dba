"""Accounts: creation rules, login and its throttling, sessions, API tokens, custodial keys."""

from __future__ import annotations

import dataclasses
import datetime as dt
import stat
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from fangdu.accounts import ROLES, TOKEN_SCOPES, Account, Accounts, AuthError, Throttled
from fangdu.db.engine import make_engine, session_factory, upgrade
from fangdu.db.tables import all_metadata
from fangdu.errors import Conflict, InputError, NotFound
from fangdu.ledger.note import verifier_key_string

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
        party_claim="柯桥花样工作室",
        party_status="pending",  # a stated party is only a claim
        disabled=False,
        created_at=START,
    )
    assert alice.verified_party is None
    assert alice.subject == f"account:{alice.id}"
    assert accounts.get(alice.id) == alice
    assert accounts.by_username("  Alice ") == alice  # usernames are case-insensitive
    assert accounts.get(alice.id + 1) is None
    assert accounts.by_username("bob") is None

    bob = accounts.create("Bob.Chen", PASSWORD, "reviewer")
    assert (bob.username, bob.display_name, bob.party_claim) == ("bob.chen", "bob.chen", None)
    assert bob.party_status is None and bob.verified_party is None
    assert [a.username for a in accounts.list()] == ["alice", "bob.chen"]


# -- the party an account acts for: a claim until an administrator verifies it ------------------


def test_a_stated_party_counts_only_once_verified(accounts: Accounts, alice: Account, clock):
    admin = accounts.create("root", PASSWORD, "admin")
    assert [a.username for a in accounts.party_claims()] == ["alice"]
    verified = accounts.verify_party(alice.id, "柯桥花样工作室", by=admin.subject)
    assert verified.verified_party == "柯桥花样工作室"
    assert (verified.party_decided_by, verified.party_decided_at) == (admin.subject, START)
    assert accounts.get(alice.id) == verified and accounts.party_claims() == []
    # The same name again changes nothing; a new one is a new claim and the old stops counting.
    assert accounts.claim_party(alice.id, " 柯桥花样工作室 ").verified_party == "柯桥花样工作室"
    renamed = accounts.claim_party(alice.id, "别家公司")
    assert (renamed.party_status, renamed.verified_party) == ("pending", None)
    assert renamed.party_decided_by is None
    # The administrator decides the name they saw: a claim changed meanwhile is not decided.
    with pytest.raises(Conflict):
        accounts.verify_party(alice.id, "柯桥花样工作室", by=admin.subject)
    rejected = accounts.reject_party(alice.id, "别家公司", by=admin.subject)
    assert (rejected.party_status, rejected.verified_party) == ("rejected", None)
    assert accounts.party_claims() == []
    assert accounts.claim_party(alice.id, "别家公司").party_status == "pending"  # asked again
    assert accounts.claim_party(alice.id, "").party_claim is None


def test_revoking_a_verified_party_ends_its_authority_for_tokens_too(
    accounts: Accounts, alice: Account
):
    token = accounts.issue_api_token(alice.id, "erp")
    accounts.verify_party(alice.id, "柯桥花样工作室", by="account:9")
    assert accounts.token_account(token).verified_party == "柯桥花样工作室"
    accounts.reject_party(alice.id, "柯桥花样工作室", by="account:9")
    assert accounts.token_account(token).verified_party is None


def test_a_party_the_operator_vouches_for_is_verified_at_creation(accounts: Accounts):
    judge = accounts.create("judge", PASSWORD, "judge", party="法官 王", vouched_by="command line")
    assert judge.verified_party == "法官 王" and judge.party_decided_by == "command line"
    assert accounts.create("nobody", PASSWORD, "judge", vouched_by="x").party_status is None


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


def test_a_strangers_failures_do_not_lock_the_owner_out(accounts: Accounts, alice: Account):
    """Issue 12 #2: five wrong passwords from anyone used to lock the account for everyone."""
    fail(accounts, "alice", client="10.0.0.1", times=5)
    with pytest.raises(Throttled):
        accounts.authenticate("alice", PASSWORD, client="10.0.0.1")
    # The owner, elsewhere, is not affected.
    assert accounts.authenticate("alice", PASSWORD, client="192.168.1.1") == alice


def test_delays_grow_per_account_and_client(accounts: Accounts, alice: Account, clock: Clock):
    fail(accounts, "alice", client="10.0.0.1", times=5)
    waits = []
    for _ in range(8):
        with pytest.raises(Throttled) as caught:
            accounts.authenticate("alice", "wrong-password", client="10.0.0.1")
        waits.append(caught.value.retry_after)
        clock.advance(seconds=caught.value.retry_after)
        fail(accounts, "alice", client="10.0.0.1")
    assert waits == [30, 60, 120, 240, 480, 900, 900, 900]
    assert "try again in 900 s" in str(caught.value)
    # Renewed forever against that client only; the right password then works from it too.
    clock.advance(minutes=15)
    assert accounts.authenticate("alice", PASSWORD, client="10.0.0.1") == alice
    fail(accounts, "alice", client="10.0.0.1", times=4)  # the counter started again


def test_a_trusted_device_signs_in_from_the_attackers_address(accounts: Accounts, alice: Account):
    device = accounts.trust_device(alice.id)
    assert accounts.trust_device(alice.id, device) == device  # kept while valid
    fail(accounts, "alice", client="10.0.0.1", times=5)
    with pytest.raises(Throttled):
        accounts.authenticate("alice", PASSWORD, client="10.0.0.1")
    assert accounts.authenticate("alice", PASSWORD, client="10.0.0.1", device=device) == alice
    # A device has its own counter: guessing with it slows down only it.
    for _ in range(5):
        with pytest.raises(AuthError):
            accounts.authenticate("alice", "wrong-password", client="10.0.0.9", device=device)
    with pytest.raises(Throttled):
        accounts.authenticate("alice", PASSWORD, client="10.0.0.9", device=device)
    assert accounts.authenticate("alice", PASSWORD, client="10.0.0.9") == alice


def test_a_device_token_counts_only_for_its_own_account(
    accounts: Accounts, alice: Account, clock: Clock
):
    bob = accounts.create("bob", PASSWORD, "reviewer")
    bobs_device = accounts.trust_device(bob.id)
    assert accounts.trust_device(alice.id, bobs_device) != bobs_device
    fail(accounts, "alice", client="10.0.0.1", times=5)
    for device in (bobs_device, "made-up-device-token"):
        with pytest.raises(Throttled):
            accounts.authenticate("alice", PASSWORD, client="10.0.0.1", device=device)
    alices_device = accounts.trust_device(alice.id)
    clock.advance(days=181)  # devices expire
    fail(accounts, "alice", client="10.0.0.1", times=5)
    with pytest.raises(Throttled):
        accounts.authenticate("alice", PASSWORD, client="10.0.0.1", device=alices_device)


def test_slowing_down_a_client_raises_one_alert(accounts: Accounts, alice: Account, clock: Clock):
    fail(accounts, "alice", client="10.0.0.1", times=4)
    assert accounts.alerts() == []
    fail(accounts, "alice", client="10.0.0.1")
    clock.advance(minutes=1)
    fail(accounts, "alice", client="10.0.0.1")
    fail(accounts, "nobody", client="10.0.0.2", times=5)
    assert [(a.username, a.client, a.attempts) for a in accounts.alerts()] == [
        (None, "ip:10.0.0.2", 5),
        ("alice", "ip:10.0.0.1", 5),
    ]
    assert accounts.alerts()[1].created_at == START


def test_unknown_usernames_are_throttled_alike(accounts: Accounts, clock: Clock):
    fail(accounts, "mallory", client="10.0.0.1", times=5)
    with pytest.raises(Throttled) as caught:
        accounts.authenticate("mallory", "wrong-password", client="10.0.0.1")
    assert caught.value.retry_after == 30


def test_a_success_clears_the_clients_attempts(accounts: Accounts, alice: Account):
    fail(accounts, "alice", client="10.0.0.1", times=4)
    accounts.authenticate("alice", PASSWORD, client="10.0.0.1")
    fail(accounts, "alice", client="10.0.0.1", times=4)
    assert accounts.authenticate("alice", PASSWORD, client="10.0.0.1") == alice


def test_a_new_password_lifts_the_throttle(accounts: Accounts, alice: Account):
    fail(accounts, "alice", client="10.0.0.1", times=5)
    accounts.set_password(alice.id, "reset-by-the-admin")
    assert accounts.authenticate("alice", "reset-by-the-admin", client="10.0.0.1") == alice


def test_twenty_failures_from_an_address_slow_it_down_for_every_name(
    accounts: Accounts, alice: Account, clock: Clock
):
    for i in range(20):
        fail(accounts, f"user{i:02d}", client="203.0.113.9")
    with pytest.raises(Throttled) as caught:
        accounts.authenticate("alice", PASSWORD, client="203.0.113.9")
    assert caught.value.retry_after == 30
    assert accounts.authenticate("alice", PASSWORD, client="203.0.113.10") == alice
    clock.advance(seconds=30)
    assert accounts.authenticate("alice", PASSWORD, client="203.0.113.9") == alice


def test_idle_counters_are_pruned(engine: Engine, accounts: Accounts, clock: Clock):
    fail(accounts, "mallory", client="10.0.0.1", times=3)
    clock.advance(hours=24)
    fail(accounts, "eve", client="10.0.0.2")
    assert row_count(engine, "login_throttles") == 2  # eve's and the address's


@pytest.mark.parametrize("with_device", [False, True])
def test_parallel_guesses_are_counted_one_by_one(
    engine: Engine, keys_dir: Path, clock: Clock, with_device: bool
):
    """Issue 12 #3: 150 parallel guesses were checked 40 times instead of 5."""
    checks: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            checks.append(str(hash))
            time.sleep(0.01)  # a slow hash: the window in which a racy counter overshoots
            return super().verify(hash, password)

    accounts = Accounts(
        session_factory(engine),
        keys_dir,
        hasher=Counting(time_cost=1, memory_cost=8, parallelism=1),
        clock=clock,
    )
    alice = accounts.create("alice", PASSWORD, "applicant")
    device = accounts.trust_device(alice.id) if with_device else None
    start = threading.Barrier(30)

    def guess(i: int) -> str:
        start.wait()
        try:
            accounts.authenticate("alice", f"guess-{i}", client="10.0.0.1", device=device)
        except Throttled:
            return "throttled"
        except AuthError:
            return "wrong"
        return "in"

    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(guess, range(150)))
    assert len(checks) == answers.count("wrong") == 5
    assert answers.count("throttled") == 145


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
    with_all_scopes = dataclasses.replace(alice, scopes=frozenset(TOKEN_SCOPES))
    assert accounts.token_account(token) == with_all_scopes
    assert accounts.token_account(token[:-1]) is None
    assert accounts.token_account("not-a-token") is None

    accounts.set_disabled(alice.id, True)
    assert accounts.token_account(token) is None
    accounts.set_disabled(alice.id, False)
    assert accounts.token_account(token) == with_all_scopes

    accounts.revoke_api_token(token)
    assert accounts.token_account(token) is None
    accounts.revoke_api_token(token)  # twice is fine
    accounts.revoke_api_token("fdt_unknown")

    with pytest.raises(InputError, match="label"):
        accounts.issue_api_token(alice.id, "  ")
    with pytest.raises(NotFound):
        accounts.issue_api_token(alice.id + 1, "ERP")


def test_api_tokens_have_scopes_and_expire(accounts: Accounts, alice: Account, clock: Clock):
    """Issue 12 #4: tokens could do everything the role allows, forever."""
    assert TOKEN_SCOPES == ("check", "apply", "review", "rights", "read", "schedule", "trade")
    token = accounts.issue_api_token(
        alice.id, "checker", scopes=["read", "check"], lifetime=dt.timedelta(days=30)
    )
    assert accounts.token_account(token).scopes == {"check", "read"}
    assert accounts.session_account(accounts.start_session(alice.id)).scopes is None
    clock.advance(days=30)
    assert accounts.token_account(token) is None
    (listed,) = accounts.api_tokens(alice.id)
    assert (listed.label, listed.scopes, listed.status) == ("checker", ("check", "read"), "expired")
    assert listed.expires_at == START + dt.timedelta(days=30)

    for scopes in ([], ["admin"], ["read", "everything"]):
        with pytest.raises(InputError, match="scopes"):
            accounts.issue_api_token(alice.id, "x", scopes=scopes)
    for days in (0, 367):
        with pytest.raises(InputError, match="lifetime"):
            accounts.issue_api_token(alice.id, "x", lifetime=dt.timedelta(days=days))
    default = accounts.issue_api_token(alice.id, "default")
    assert accounts.api_tokens(alice.id)[0].expires_at == clock.now + dt.timedelta(days=90)
    assert accounts.token_account(default) is not None


def test_api_tokens_are_listed_and_revoked_by_id(accounts: Accounts, alice: Account):
    first = accounts.issue_api_token(alice.id, "first", scopes=["read"])
    second = accounts.issue_api_token(alice.id, "second", scopes=["apply"])
    bob = accounts.create("bob", PASSWORD, "reviewer")
    bobs = accounts.issue_api_token(bob.id, "bob's")
    second_id, first_id = (t.id for t in accounts.api_tokens(alice.id))
    with pytest.raises(NotFound):
        accounts.revoke_api_token_id(bob.id, first_id)  # not his to revoke
    accounts.revoke_api_token_id(alice.id, first_id)
    assert accounts.token_account(first) is None
    assert accounts.token_account(second) is not None
    assert [(t.label, t.status) for t in accounts.api_tokens(alice.id)] == [
        ("second", "active"),
        ("first", "revoked"),
    ]
    assert accounts.token_account(bobs) is not None
    assert second_id != first_id


def test_changing_ones_password(accounts: Accounts, alice: Account):
    token = accounts.issue_api_token(alice.id, "ERP")
    session = accounts.start_session(alice.id)
    with pytest.raises(AuthError):
        accounts.change_password(
            alice.id, "not-my-password", "a-new-password", client="10.0.0.1", revoke_tokens=True
        )
    with pytest.raises(InputError):
        accounts.change_password(alice.id, PASSWORD, "short", client="10.0.0.1", revoke_tokens=True)
    assert accounts.token_account(token) is not None
    accounts.change_password(
        alice.id, PASSWORD, "a-new-password", client="10.0.0.1", revoke_tokens=False
    )
    assert accounts.token_account(token) is not None
    assert accounts.session_account(session) is None
    accounts.change_password(
        alice.id, "a-new-password", "another-password", client="10.0.0.1", revoke_tokens=True
    )
    assert accounts.token_account(token) is None
    assert accounts.authenticate("alice", "another-password", client="10.0.0.1") == alice
    # Guessing the current password through a stolen session is throttled like a login.
    for _ in range(5):
        with pytest.raises(AuthError):
            accounts.change_password(
                alice.id, "guess-guess", "x-new-password-1", client="10.0.0.1", revoke_tokens=False
            )
    with pytest.raises(Throttled):
        accounts.change_password(
            alice.id, "another-password", "x-new-password-1", client="10.0.0.1", revoke_tokens=False
        )


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
