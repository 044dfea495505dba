"""``fangdu user``: accounts of the web service, from the operator's shell.

``fangdu user add admin --role admin`` creates the first admin; everything else can then be done
in the web service. ``fangdu user alerts`` shows clients that were slowed down for guessing
passwords (accounts are never locked: see docs/WEB.md). Exit codes follow ``fangdu``: 0 success,
1 failure (no such user, username taken, database), 2 bad input (weak password, bad username or
role).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.table import Table
from rich.text import Text

from fangdu.accounts import ROLES, TOKEN_SCOPES, Account, Accounts
from fangdu.cli import render
from fangdu.cli.failures import failures
from fangdu.config import Settings
from fangdu.db.engine import make_engine, session_factory, upgrade
from fangdu.errors import InputError, NotFound

# Who vouches for a party given at the command line: the operator running it.
COMMAND_LINE = "command line"

users_app = typer.Typer(
    help="Accounts of the web service: add, list, disable, passwords, API tokens, alerts.",
    no_args_is_help=True,
)
token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
users_app.add_typer(token_app, name="token")

PasswordStdin = typer.Option(
    False,
    "--password-stdin",
    help="Read the password from the first line of standard input instead of prompting.",
)


@contextmanager
def _accounts(ctx: typer.Context) -> Iterator[Accounts]:
    """The accounts service on the registry's database, migrated to the current schema.

    Only the database is opened: no vector index, no log integration, nothing slow.
    """
    settings: Settings = ctx.obj
    settings.ensure_home()  # private, with the default SQLite file in it
    engine = make_engine(settings.db_url)
    try:
        upgrade(engine)
        yield Accounts(session_factory(engine), settings.keys_path)
    finally:
        engine.dispose()


def _find(accounts: Accounts, username: str) -> Account:
    account = accounts.by_username(username)
    if account is None:
        raise NotFound(f"no user {username!r}")
    return account


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # Only the line ending is stripped: spaces may be part of a password.
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError("--password-stdin: no password on standard input")
        return password
    # Prompts go to stderr, so stdout carries only the result.
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


def _say(message: str) -> None:
    render.stdout_console().print(message, markup=False, soft_wrap=True)


@users_app.command("add")
def add(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="3-32 characters: a-z, 0-9, '_', '.', '-'."),
    role: str = typer.Option(
        ..., "--role", help=f"One of: {', '.join(ROLES)}.", show_default=False
    ),
    display_name: str | None = typer.Option(
        None, "--display-name", help="Name shown in the web service (default: the username)."
    ),
    party: str | None = typer.Option(
        None,
        "--party",
        help="The person or company this account acts for: verified at once (the operator "
        "vouches for it, having checked identity documents).",
    ),
    password_stdin: bool = PasswordStdin,
) -> None:
    """Create an account and print its id. Prompts twice for the password unless piped."""
    with failures(), _accounts(ctx) as accounts:
        password = _read_password(password_stdin)
        account = accounts.create(
            username,
            password,
            role,
            display_name=display_name,
            party=party,
            vouched_by=COMMAND_LINE,
        )
        _say(str(account.id))


@users_app.command("list")
def list_users(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line on stdout."),
) -> None:
    """Every account, oldest first."""
    with failures(), _accounts(ctx) as accounts:
        listed = accounts.list()
    if as_json:
        for a in listed:
            render.print_json(
                {
                    "id": a.id,
                    "username": a.username,
                    "display_name": a.display_name,
                    "role": a.role,
                    "party": a.party_claim,
                    "party_status": a.party_status,
                    "disabled": a.disabled,
                    "created_at": a.created_at.isoformat(),
                }
            )
        return
    table = Table()
    for column in ("id", "username", "display name", "role", "party", "status", "created (UTC)"):
        table.add_column(column, justify="right" if column == "id" else "left")
    for a in listed:
        # Names are user-supplied: Text, so "[red]" is not taken as markup.
        table.add_row(
            str(a.id),
            a.username,
            Text(a.display_name),
            a.role,
            Text(f"{a.party_claim} ({a.party_status})" if a.party_claim else "-"),
            "disabled" if a.disabled else "active",
            a.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    render.stdout_console().print(table)


@users_app.command("verify-party")
def verify_party(
    ctx: typer.Context,
    username: str = typer.Argument(...),
    party: str = typer.Argument(..., help="The party the account claims, as `users list` shows."),
) -> None:
    """Verify an account's party claim, after checking identity documents: only then does the
    account act for that party (rights register, disputes)."""
    with failures(), _accounts(ctx) as accounts:
        account = accounts.verify_party(_find(accounts, username).id, party, by=COMMAND_LINE)
    _say(f"{account.username}: acts for {account.verified_party}")


@users_app.command("reject-party")
def reject_party(
    ctx: typer.Context,
    username: str = typer.Argument(...),
    party: str = typer.Argument(..., help="The party the account claims, as `users list` shows."),
) -> None:
    """Reject a pending party claim or revoke a verified one: the account no longer acts for
    that party."""
    with failures(), _accounts(ctx) as accounts:
        account = accounts.reject_party(_find(accounts, username).id, party, by=COMMAND_LINE)
    _say(f"{account.username}: acts for no party ({account.party_claim} not verified)")


def _set_disabled(ctx: typer.Context, username: str, disabled: bool) -> None:
    with failures(), _accounts(ctx) as accounts:
        account = _find(accounts, username)
        accounts.set_disabled(account.id, disabled)
    _say(f"{account.username}: {'disabled' if disabled else 'enabled'}")


@users_app.command("disable")
def disable(ctx: typer.Context, username: str = typer.Argument(...)) -> None:
    """Stop an account from signing in; ends its sessions, its API tokens stop working."""
    _set_disabled(ctx, username, True)


@users_app.command("enable")
def enable(ctx: typer.Context, username: str = typer.Argument(...)) -> None:
    """Let a disabled account sign in again."""
    _set_disabled(ctx, username, False)


@users_app.command("passwd")
def passwd(
    ctx: typer.Context,
    username: str = typer.Argument(...),
    password_stdin: bool = PasswordStdin,
    revoke_tokens: bool = typer.Option(
        False, "--revoke-tokens", help="Also revoke the account's API tokens."
    ),
) -> None:
    """Set a new password; the account is signed out everywhere."""
    with failures(), _accounts(ctx) as accounts:
        account = _find(accounts, username)
        accounts.set_password(
            account.id, _read_password(password_stdin), revoke_tokens=revoke_tokens
        )
    _say(
        f"{account.username}: password changed" + (", API tokens revoked" if revoke_tokens else "")
    )


def _when(moment: dt.datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    username: str = typer.Argument(...),
    label: str = typer.Option(
        ..., "--label", help="What the token is for, e.g. 'bank ERP'.", show_default=False
    ),
    scopes: list[str] = typer.Option(
        ...,
        "--scope",
        help=f"What it may do, repeatable: {', '.join(TOKEN_SCOPES)}.",
        show_default=False,
    ),
    days: int = typer.Option(90, "--days", help="Days until it expires (1 to 366)."),
) -> None:
    """Issue an API token and print it; it is shown this once and cannot be recovered."""
    with failures(), _accounts(ctx) as accounts:
        secret = accounts.issue_api_token(
            _find(accounts, username).id, label, scopes=scopes, lifetime=dt.timedelta(days=days)
        )
    render.stderr_console().print("store this token now: it is not shown again", style="yellow")
    sys.stdout.write(secret + "\n")


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    username: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line on stdout."),
) -> None:
    """The account's API tokens, newest first (never their secrets)."""
    with failures(), _accounts(ctx) as accounts:
        tokens = accounts.api_tokens(_find(accounts, username).id)
    if as_json:
        for t in tokens:
            render.print_json(
                {
                    "id": t.id,
                    "label": t.label,
                    "scopes": list(t.scopes),
                    "status": t.status,
                    "created_at": t.created_at.isoformat(),
                    "expires_at": t.expires_at.isoformat(),
                    "revoked_at": t.revoked_at and t.revoked_at.isoformat(),
                }
            )
        return
    table = Table()
    for column in ("id", "label", "scopes", "status", "created (UTC)", "expires (UTC)"):
        table.add_column(column, justify="right" if column == "id" else "left")
    for t in tokens:
        table.add_row(
            str(t.id), Text(t.label), " ".join(t.scopes), t.status, _when(t.created_at),
            _when(t.expires_at),
        )  # fmt: skip
    render.stdout_console().print(table)


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    username: str = typer.Argument(...),
    token_id: int = typer.Argument(..., help="The id that 'token list' shows."),
) -> None:
    """Revoke one of the account's API tokens for good."""
    with failures(), _accounts(ctx) as accounts:
        account = _find(accounts, username)
        accounts.revoke_api_token_id(account.id, token_id)
    _say(f"{account.username}: token {token_id} revoked")


@users_app.command("alerts")
def alerts(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line on stdout."),
) -> None:
    """Clients slowed down for failed sign-ins, newest first: look into the repeated ones."""
    with failures(), _accounts(ctx) as accounts:
        listed = accounts.alerts()
    if as_json:
        for a in listed:
            render.print_json(
                {
                    "created_at": a.created_at.isoformat(),
                    "username": a.username,
                    "client": a.client,
                    "attempts": a.attempts,
                }
            )
        return
    table = Table()
    for column in ("when (UTC)", "account", "client", "attempts"):
        table.add_column(column)
    for a in listed:
        table.add_row(_when(a.created_at), a.username or "(several or unknown)", a.client,
                      str(a.attempts))  # fmt: skip
    render.stdout_console().print(table)
