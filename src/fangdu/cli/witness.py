"""``fangdu witness``: run a c2sp.org/tlog-witness for Fangdu's transparency log.

Meant for an institution independent of the registry (a court, a bank, a notary): it needs only
``fangdu.ledger`` and a directory of its own (see ``fangdu.ledger.witness``), never the registry
or its database. Exit codes follow ``fangdu``: 0 success, 1 failure, 2 bad input.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from fangdu.ledger.keys import KeyFileError
from fangdu.ledger.note import cosigner_verifier_key_string
from fangdu.ledger.witness import (
    KEY_FILE,
    WitnessStateError,
    init_witness_dir,
    load_cosigner,
    make_server,
    open_witness,
    trust_log,
)

EXIT_FAILURE, EXIT_INPUT = 1, 2

witness_app = typer.Typer(
    help="A witness that cosigns the log's checkpoints (c2sp.org/tlog-witness).",
    no_args_is_help=True,
)

DirOption = typer.Option(
    ..., "--dir", help="The witness's directory (key, trusted logs, state).", show_default=False
)


@contextmanager
def _failures() -> Iterator[None]:
    """Expected errors become one stderr line and an exit code."""
    try:
        yield
    except FileNotFoundError as exc:
        typer.echo(f"error: {exc.filename}: not found (run `fangdu witness init`?)", err=True)
        raise typer.Exit(EXIT_FAILURE) from None
    # Before ValueError: a bad key file (a KeyFileError) is a failure, not a typo.
    except (KeyFileError, WitnessStateError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILURE) from None
    except ValueError as exc:  # NoteError included: a malformed key or name
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_INPUT) from None


@witness_app.command("init")
def init(
    directory: Path = DirOption,
    name: str = typer.Option(
        ...,
        "--name",
        help="The witness's key name, e.g. witness.court.example/fangdu.",
        show_default=False,
    ),
) -> None:
    """Create the witness key (0600) and empty state; print the witness's verifier key last."""
    with _failures():
        cosigner = init_witness_dir(directory, name)
    typer.echo(f"witness key: {directory / KEY_FILE} (keep it secret, back it up)")
    typer.echo("give this verifier key to the log and its verifiers:")
    typer.echo(cosigner_verifier_key_string(cosigner))


@witness_app.command("add-log")
def add_log(
    vkey: str = typer.Argument(
        ..., help="The log's verifier key <origin>+<key id>+<base64>.", show_default=False
    ),
    directory: Path = DirOption,
) -> None:
    """Trust a log's key; the key name is the log's origin. Restart `serve` to pick it up."""
    with _failures():
        verifier, added = trust_log(directory, vkey)
    state = "now trusted" if added else "already trusted"
    typer.echo(f"log {verifier.name}: {state}")


@witness_app.command("key")
def key(directory: Path = DirOption) -> None:
    """Print the witness's verifier key (for the log's configuration and for verifiers)."""
    with _failures():
        cosigner = load_cosigner(directory / KEY_FILE)
    typer.echo(cosigner_verifier_key_string(cosigner))


@witness_app.command("serve")
def serve(
    directory: Path = DirOption,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8700, "--port", help="Port to listen on."),
) -> None:
    """Answer POST /add-checkpoint until interrupted."""
    with _failures():
        witness = open_witness(directory)
        server = make_server(witness, host, port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    bound_host, bound_port = server.server_address[:2]
    logs = ", ".join(sorted(witness.logs)) or "none (add one with `witness add-log`)"
    typer.echo(f"witness {witness.cosigner.name} on http://{bound_host}:{bound_port}")
    typer.echo(f"logs: {logs}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        server.server_close()
