"""The ``fangdu`` command line: argument parsing and presentation over the registry's services.

Exit codes: 0 success, 1 failure (not found, conflict, database), 2 usage or input error
(bad option, unreadable image), 3 registration refused because the image copies a work or
earlier prior art, 130 interrupted. Errors are one line on stderr; stdout carries results only
(with ``--json``, exactly one JSON object per line).
"""

from __future__ import annotations

import base64
import datetime as dt
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

import typer
from PIL import Image
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from fangdu.app import Fangdu
from fangdu.cli import render
from fangdu.cli.disputes import case_app, court_package, mediation_app, monitor_app
from fangdu.cli.dyehouse import schedule_app
from fangdu.cli.failures import (
    EXIT_FAILURE,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_REFUSED,
    failures,
)
from fangdu.cli.rights import rights_app
from fangdu.cli.serve import serve
from fangdu.cli.trade import trade_app
from fangdu.cli.users import users_app
from fangdu.cli.witness import witness_app
from fangdu.config import Settings, load_settings
from fangdu.db.engine import current_revision, make_engine, upgrade
from fangdu.errors import FangduError, InputError
from fangdu.errors import NotFound as NotFoundError
from fangdu.ledger.fsck import fsck
from fangdu.ledger.merkle import leaf_hash
from fangdu.ledger.note import parse_cosigner_key, verifier_key_string
from fangdu.registry.files import expand, read_file
from fangdu.registry.filing import RegistrationRefused
from fangdu.registry.pipeline import tune_allocator
from fangdu.registry.schemas import (
    ImportItem,
    ImportStatus,
    PriorArtInfo,
    PriorArtSource,
    RegistrationRequest,
    WorkInfo,
)
from fangdu.registry.services import Registry

app = typer.Typer(
    name="fangdu",
    help="Fangdu: textile pattern copyright registry with an AI duplicate check.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
index_app = typer.Typer(help="The vector index behind the duplicate check.", no_args_is_help=True)
app.add_typer(index_app, name="index")
ledger_app = typer.Typer(
    help="The evidence log: keys, checkpoints, proofs, static export, fsck.",
    no_args_is_help=True,
)
app.add_typer(ledger_app, name="ledger")
db_app = typer.Typer(help="The registry's database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(witness_app, name="witness")
app.add_typer(users_app, name="user")
app.add_typer(schedule_app, name="schedule")
app.add_typer(trade_app, name="trade")
app.add_typer(rights_app, name="rights")
app.add_typer(monitor_app, name="monitor")
app.add_typer(case_app, name="case")
app.add_typer(mediation_app, name="mediation")
app.command("court-package")(court_package)
app.command()(serve)


class PartyKind(StrEnum):
    PERSON = "person"
    COMPANY = "company"


class WorkStatus(StrEnum):
    PENDING = "pending"
    REGISTERED = "registered"
    REJECTED = "rejected"


@app.callback()
def root(
    ctx: typer.Context,
    home: Path | None = typer.Option(
        None,
        "--home",
        help="Registry folder; overrides FANGDU_HOME (default ./.fangdu).",
        show_default=False,
    ),
) -> None:
    """Databases other than SQLite in the home folder: set FANGDU_DATABASE_URL."""
    tune_allocator()  # this process fingerprints too (checks, small imports)
    ctx.obj = load_settings(home)


# -- plumbing ------------------------------------------------------------------------------


@contextmanager
def opened(ctx: typer.Context, *, read_only: bool = False) -> Iterator[Registry]:
    """The registry; ``read_only`` for commands that only read: they write nothing at all."""
    with built(ctx, read_only=read_only) as core:
        yield core.registry


@contextmanager
def built(ctx: typer.Context, *, read_only: bool = False) -> Iterator[Fangdu]:
    """This process's Fangdu (the composition root), closed at the end of the command."""
    settings: Settings = ctx.obj
    core = Fangdu.build(settings, read_only=read_only)
    try:
        stale = core.references.last_sync.stale
        if stale:
            render.stderr_console().print(
                f"warning: {stale} references were fingerprinted by an older "
                "engine and are not searched; run `fangdu index rebuild`",
                style="yellow",
                markup=False,
                soft_wrap=True,
            )
        yield core
    finally:
        core.close()


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: not a date (use YYYY-MM-DD): {value!r}") from None


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=render.stderr_console(),
    )


JOBS = typer.Option(0, "--jobs", min=0, help="Worker processes for decoding (0: automatic).")
JSON = typer.Option(False, "--json", help="One JSON object per line on stdout.")


# -- commands ------------------------------------------------------------------------------


@app.command("import")
def import_command(
    ctx: typer.Context,
    folder: Path = typer.Argument(..., help="Folder of images (searched recursively) or a file."),
    owner: str | None = typer.Option(None, "--owner", help="Owner of the imported works."),
    owner_kind: PartyKind = typer.Option(PartyKind.PERSON, "--owner-kind"),
    prior_art: bool = typer.Option(
        False, "--prior-art", help="Record the images as prior art instead of registering them."
    ),
    source: str | None = typer.Option(None, "--source", help="Prior art: where it was found."),
    seen: str | None = typer.Option(None, "--seen", help="Prior art: first seen (YYYY-MM-DD)."),
    batch_size: int = typer.Option(
        50, "--batch-size", min=1, help="Images per database transaction."
    ),
    jobs: int = JOBS,
) -> None:
    """Register every image under FOLDER, each titled with its file name (or record prior art).

    The same bytes are stored once, so running it again (after a crash, say) is safe. Files
    that are not readable images are reported and skipped.
    """
    with failures():
        if not folder.exists():
            raise InputError(f"no such file or folder: {folder}")
        if not prior_art and (source is not None or seen is not None):
            raise InputError("--source and --seen describe prior art: add --prior-art")
        if prior_art and owner is not None:
            raise InputError("prior art has no owner in the registry: drop --owner")
        origin = PriorArtSource(source, parse_date(seen, "--seen")) if prior_art else None
        files = [path for _, path in expand([folder])]
        with opened(ctx) as registry, progress_bar() as progress:
            registry.filing.batch_size = batch_size
            task = progress.add_task("importing", total=len(files))

            def on_item(item: ImportItem) -> None:
                progress.advance(task)
                if item.status is ImportStatus.REJECTED:
                    progress.console.print(
                        f"rejected {item.path}: {item.reason}", markup=False, soft_wrap=True
                    )

            summary = registry.filing.import_files(
                files,
                owner=owner,
                owner_kind=owner_kind.value,
                prior_art=origin,
                jobs=jobs or None,
                on_item=on_item,
            )
        render.stdout_console().print(
            f"imported {summary.imported}, already present {summary.present}, "
            f"rejected {summary.rejected}"
        )


@app.command()
def check(
    ctx: typer.Context,
    queries: list[str] = typer.Argument(
        ..., metavar="IMAGE_OR_FOLDER...", help="Images to check; folders are searched."
    ),
    top_k: int = typer.Option(10, "--top-k", min=1, help="Matches to list per query."),
    as_json: bool = JSON,
    explain: Path | None = typer.Option(
        None,
        "--explain",
        file_okay=False,
        help="Write a side-by-side PNG of each query and its best match into this folder.",
    ),
    jobs: int = JOBS,
) -> None:
    """Rank registered works and prior art by how much of them each query copies."""
    out, err = render.stdout_console(), render.stderr_console()
    with failures():
        items = expand(queries)
        if not items:
            raise InputError("no images to check")
        if explain is not None:
            explain.mkdir(parents=True, exist_ok=True)
        failed = 0
        written: set[Path] = set()
        with opened(ctx, read_only=True) as registry:
            results = registry.checking.check_files(
                items, top_k=top_k, jobs=jobs or None, expected=len(items)
            )
            for result in results:
                failed += result.error is not None
                if as_json:
                    render.print_json(result.to_json())
                else:
                    render.print_check(out, result)
                if explain is not None and result.matches:
                    picture = registry.checking.explain(
                        read_file(Path(result.query), registry.settings.max_image_bytes),
                        result.matches[0],
                    )
                    target = _unique(explain / f"{Path(result.query).stem}.explain.png", written)
                    Image.fromarray(picture).save(target)
        if failed:
            render.error_line(err, f"{failed} of {len(items)} queries could not be read")
            raise typer.Exit(EXIT_INPUT)


def _unique(path: Path, taken: set[Path]) -> Path:
    candidate, n = path, 1
    while candidate in taken:
        n += 1
        candidate = path.with_name(f"{path.name.removesuffix('.explain.png')}-{n}.explain.png")
    taken.add(candidate)
    return candidate


@app.command()
def register(
    ctx: typer.Context,
    image: Path = typer.Argument(..., help="The design's image file."),
    title: str = typer.Option(..., "--title"),
    owner: str = typer.Option(..., "--owner"),
    owner_kind: PartyKind = typer.Option(PartyKind.PERSON, "--owner-kind"),
    designer: list[str] = typer.Option([], "--designer", help="Designer; repeat for several."),
    created: str | None = typer.Option(None, "--created", help="Claimed creation date."),
    submit_for_review: bool = typer.Option(
        False,
        "--submit-for-review",
        help="If it resembles a work or earlier prior art, file it as pending for a reviewer.",
    ),
    top_k: int = typer.Option(10, "--top-k", min=1),
    as_json: bool = JSON,
) -> None:
    """Check IMAGE against the registry, then register it (prints the registration number).

    Refused (exit 3) when it copies a registered work, or prior art first seen before the
    claimed creation date (any prior art when no date is claimed).
    """
    out, err = render.stdout_console(), render.stderr_console()
    with failures():
        data = read_file(image, ctx.obj.max_image_bytes)
        request = RegistrationRequest(
            title=title,
            owner=owner,
            owner_kind=owner_kind.value,
            designers=tuple(designer),
            created_on=parse_date(created, "--created"),
        )
        with opened(ctx) as registry:
            try:
                outcome = registry.filing.register(
                    data, request, submit_for_review=submit_for_review, top_k=top_k
                )
            except RegistrationRefused as refused:
                if as_json:
                    render.print_json(
                        {
                            "status": "refused",
                            "blocking": [m.to_json() for m in refused.blocking],
                            "matches": [m.to_json() for m in refused.matches],
                        }
                    )
                else:
                    out.print(render.matches_table(refused.blocking, title="evidence"))
                render.error_line(err, f"{refused} (--submit-for-review files it for a reviewer)")
                raise typer.Exit(EXIT_REFUSED) from None
    work = outcome.work
    if as_json:
        render.print_json(
            {
                "status": work.status,
                "work": work.to_json(),
                "matches": [m.to_json() for m in outcome.matches],
            }
        )
    elif work.registration_no:
        out.print(f"registered {work.registration_no}: {work.title} (W-{work.id})", markup=False)
        if outcome.matches:
            out.print(render.matches_table(outcome.matches, title="similar, not blocking"))
    else:
        out.print(
            f"filed for review as W-{work.id} (pending) with {len(outcome.matches)} "
            "matches attached",
            markup=False,
        )
        out.print(render.matches_table(outcome.matches, title="matches under review"))


@app.command()
def show(
    ctx: typer.Context,
    key: str = typer.Argument(
        ...,
        metavar="ID_OR_NUMBER",
        help="Work id (12 or W-12), registration number (FD-2026-0000012) or prior art (P-12).",
    ),
    as_json: bool = JSON,
) -> None:
    """Show one work or prior-art record."""
    with failures(), opened(ctx, read_only=True) as registry:
        item = registry.queries.show(key)
    if as_json:
        render.print_json(item.to_json())
    elif isinstance(item, PriorArtInfo):
        render.print_prior_art(render.stdout_console(), item)
    else:
        render.print_work(render.stdout_console(), item)


@app.command("list")
def list_command(
    ctx: typer.Context,
    as_json: bool = JSON,
    prior_art: bool = typer.Option(False, "--prior-art", help="List prior art instead of works."),
    status: WorkStatus | None = typer.Option(None, "--status", help="Only works in this status."),
) -> None:
    """List works (or prior art), oldest first."""
    with failures(), opened(ctx, read_only=True) as registry:
        if prior_art:
            records = list(registry.queries.list_prior_art())
        else:
            records = list(registry.queries.list_works(status.value if status else None))
    if as_json:
        for record in records:
            render.print_json(record.to_json())
    elif prior_art:
        render.stdout_console().print(render.prior_art_table(records))
    else:
        render.stdout_console().print(render.works_table(records))


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Bring the database to this version's schema (writing commands and `serve` do it too;
    reading commands never migrate)."""
    settings: Settings = ctx.obj
    with failures():
        settings.ensure_dirs()
        engine = make_engine(settings.db_url)
        try:
            before = current_revision(engine)
            upgrade(engine)
            after = current_revision(engine)
        finally:
            engine.dispose()
    render.stdout_console().print(
        f"schema {before or 'none'} -> {after}"
        if before != after
        else f"schema {after}: already current",
        markup=False,
    )


@app.command("backup")
def backup_command(
    ctx: typer.Context,
    target: Path = typer.Argument(..., help="A new folder for the backup."),
    database: bool = typer.Option(
        True,
        "--database/--no-database",
        help="Copy the SQLite database (PostgreSQL: back it up with pg_dump instead).",
    ),
) -> None:
    """Back up the home: database, originals, keys and the exported log (docs/DEPLOY.md).
    The vector index is derived and not backed up. Keep the backup private: it holds keys."""
    from fangdu.registry.backup import backup

    settings: Settings = ctx.obj
    with failures(), built(ctx, read_only=True) as core:
        summary = backup(
            settings, target, ledger_export=core.ledger.export, include_database=database
        )
    render.stdout_console().print(
        f"backed up {summary.blobs} originals and the log of {summary.log_size} entries to "
        f"{target} ({summary.files} files)",
        markup=False,
        soft_wrap=True,
    )


@app.command("restore")
def restore_command(
    ctx: typer.Context,
    source: Path = typer.Argument(..., exists=True, file_okay=False, help="A backup folder."),
) -> None:
    """Restore a backup into a new home (--home), rebuild the index, and check that the log
    is the one backed up and verifies. Exit 1 if it does not."""
    from fangdu.registry.backup import restore

    settings: Settings = ctx.obj
    out = render.stdout_console()
    with failures():
        manifest = restore(source, settings)
        with built(ctx) as core:
            indexed = core.registry.references.rebuild_index()
            latest = core.ledger.checkpoint(manifest["log"]["size"])
            report = fsck(core.ledger)
        same = latest is not None and latest.checkpoint.root.hex() == manifest["log"]["root"]
    out.print(
        f"restored {source}: {indexed} references indexed; log of "
        f"{manifest['log']['size']} entries {'matches' if same else 'DOES NOT match'} "
        f"the backup; fsck {'ok' if report.ok else 'FAILED'}",
        markup=False,
        soft_wrap=True,
    )
    if not (same and report.ok):
        raise typer.Exit(EXIT_FAILURE)


@index_app.command("rebuild")
def index_rebuild(ctx: typer.Context) -> None:
    """Recreate the index from the database (re-fingerprinting any from an older engine)."""
    with failures(), opened(ctx) as registry, progress_bar() as progress:
        task = progress.add_task("indexing", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        count = registry.references.rebuild_index(tick)
    render.stdout_console().print(f"indexed {count} references")


REVIEWER = typer.Option("operator", "--reviewer", help="Who decides (recorded and logged).")


@app.command()
def approve(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="A pending work: id (12, W-12)."),
    reason: str | None = typer.Option(
        None, "--reason", help="Why (required when the check calls it a copy; logged)."
    ),
    reviewer: str = REVIEWER,
) -> None:
    """Approve a pending application: issue its registration number, log the decision."""
    with failures(), opened(ctx) as registry:
        work = _pending(registry, key)
        decided = registry.filing.decide(work.id, approve=True, reviewer=reviewer, reason=reason)
    render.stdout_console().print(
        f"registered {decided.registration_no}: {decided.title}", markup=False
    )


@app.command()
def reject(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="A pending work: id (12, W-12)."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded and logged)."),
    reviewer: str = REVIEWER,
) -> None:
    """Reject a pending application with its reasons, and log the decision."""
    with failures(), opened(ctx) as registry:
        work = _pending(registry, key)
        decided = registry.filing.decide(work.id, approve=False, reviewer=reviewer, reason=reason)
    render.stdout_console().print(f"rejected W-{decided.id}: {decided.title}", markup=False)


def _pending(registry: Registry, key: str) -> WorkInfo:
    record = registry.queries.show(key)
    if not isinstance(record, WorkInfo):
        raise InputError(f"{key} is prior art, not an application")
    return record


# -- the evidence log -------------------------------------------------------------------------


@ledger_app.command("key")
def ledger_key(ctx: typer.Context) -> None:
    """Print the log's verifier key (signed-note format) as the last line."""
    with failures(), built(ctx, read_only=True) as core:
        store = core.ledger
        out = render.stdout_console()
        out.print(f"log origin: {store.origin}", markup=False)
        out.print(verifier_key_string(store.signer), markup=False, soft_wrap=True)


@ledger_app.command("integrate")
def ledger_integrate(
    ctx: typer.Context,
    watch: bool = typer.Option(
        False,
        "--watch",
        help="Keep going: publish each new checkpoint "
        "as entries arrive, retrying an authority or witness that is "
        "down, until interrupted.",
    ),
    interval: float = typer.Option(
        10.0, "--interval", min=0.5, help="Seconds between looks for new entries with --watch."
    ),
) -> None:
    """Fold waiting entries into a signed checkpoint, then timestamp it and ask the witnesses
    (FANGDU_TIMESTAMP_URL, FANGDU_WITNESSES). Exit 1 if that could not be done now."""
    out = render.stdout_console()
    with failures(), built(ctx) as core:
        if not watch:
            published = core.ledger.publish()
            latest = core.ledger.checkpoint()
            out.print(
                f"checkpoint {latest.checkpoint.size if latest else 0}: "
                f"{'published' if published else 'not fully published'}",
                markup=False,
            )
            if not published:
                raise typer.Exit(EXIT_FAILURE)
            return
        publisher = core.registry.start_publisher(interval=interval)
        out.print("publishing checkpoints; Ctrl-C stops", markup=False)
        try:
            while True:
                time.sleep(interval)
                publisher.wake()
        except KeyboardInterrupt:
            pass


@ledger_app.command("status")
def ledger_status(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Size, entries waiting, and the latest checkpoint with its timestamp and cosignatures."""
    with failures(), built(ctx, read_only=True) as core:
        store = core.ledger
        latest = store.checkpoint()
        record = {
            "origin": store.origin,
            "size": store.size(),
            "pending": store.pending(),
            "root": latest.checkpoint.root.hex() if latest else None,
            "timestamped": bool(latest and latest.timestamp_token),
            "cosignatures": len(latest.cosignatures) if latest else 0,
        }
        if as_json:
            render.print_json(record)
        else:
            for key, value in record.items():
                render.stdout_console().print(f"{key}: {value}", markup=False)


@ledger_app.command("export")
def ledger_export(
    ctx: typer.Context,
    directory: Path = typer.Argument(..., help="Folder for checkpoint and tile/ files."),
) -> None:
    """Write the log as C2SP static files (checkpoint, tile/<L>/<N>, tile/entries/<N>)."""
    with failures(), built(ctx, read_only=True) as core:
        try:
            published = core.ledger.export(directory)
        except LookupError as exc:
            raise NotFoundError(str(exc)) from None
        except OSError as exc:
            raise InputError(f"cannot write {exc.filename or directory}: {exc.strerror}") from None
    render.stdout_console().print(
        f"exported {published.checkpoint.size} entries to {directory}", markup=False
    )


@ledger_app.command("inclusion")
def ledger_inclusion(
    ctx: typer.Context,
    index: int = typer.Argument(..., min=0, help="Entry index."),
    size: int | None = typer.Option(None, "--size", min=1, help="Tree size (default latest)."),
) -> None:
    """Inclusion proof of one entry, as one JSON line (hashes in base64)."""
    with failures(), built(ctx, read_only=True) as core:
        store = core.ledger
        size = size or store.size()
        if not index < size <= store.size():
            raise InputError(f"need index < size <= {store.size()}; got {index}, {size}")
        proof = store.inclusion_proof(index, size)
        leaf = leaf_hash(store.entry(index))
    render.print_json(
        {"index": index, "size": size, "leaf_hash": _b64(leaf), "proof": [_b64(h) for h in proof]}
    )


@ledger_app.command("consistency")
def ledger_consistency(
    ctx: typer.Context,
    old: int = typer.Argument(..., min=0, help="Older tree size."),
    size: int | None = typer.Option(None, "--size", min=1, help="Newer size (default latest)."),
) -> None:
    """Consistency proof between two tree sizes, as one JSON line (hashes in base64)."""
    with failures(), built(ctx, read_only=True) as core:
        store = core.ledger
        size = size or store.size()
        if not old <= size <= store.size():
            raise InputError(f"need old <= size <= {store.size()}; got {old}, {size}")
        proof = store.consistency_proof(old, size)
    render.print_json({"old_size": old, "size": size, "proof": [_b64(h) for h in proof]})


@ledger_app.command("fsck")
def ledger_fsck(ctx: typer.Context) -> None:
    """Re-derive the whole tree from the entries; check every checkpoint, signature and
    timestamp. Exit 1 if anything is wrong."""
    settings: Settings = ctx.obj
    with failures(), built(ctx, read_only=True) as core, progress_bar() as progress:
        task = progress.add_task("checking", total=None)
        roots = settings.timestamp_ca.read_bytes() if settings.timestamp_ca else None
        report = fsck(
            core.ledger,
            timestamp_roots=roots,
            witnesses=[parse_cosigner_key(w.key) for w in settings.witnesses],
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    out = render.stdout_console()
    for line in report.warnings:
        out.print(f"warning: {line}", markup=False, soft_wrap=True)
    for line in report.problems:
        out.print(f"PROBLEM: {line}", markup=False, soft_wrap=True)
    out.print(
        f"{'ok' if report.ok else 'FAILED'}: {report.entries} entries, {report.checkpoints} "
        f"checkpoints, {report.timestamps} timestamps, {report.cosignatures} cosignatures "
        "verified",
        markup=False,
    )
    if not report.ok:
        raise typer.Exit(EXIT_FAILURE)


@app.command()
def evidence(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Work id, registration number, or P-<id>."),
    output: Path = typer.Option(..., "-o", "--output", help="The bundle to write (.zip)."),
) -> None:
    """Pack a record's evidence for a court: originals, log entries, proofs, signed and
    timestamped checkpoint, keys, and a README on verifying it by hand."""
    from fangdu.ledger.bundle import BundleError, write_bundle
    from fangdu.registry.evidence import collect_evidence

    with failures(), opened(ctx, read_only=True) as registry:
        contents = collect_evidence(registry, key)
        try:
            write_bundle(output, contents)
        except BundleError as exc:
            raise FangduError(f"cannot write the bundle: {exc}") from None
        except OSError as exc:
            raise InputError(f"cannot write {output}: {exc.strerror}") from None
    render.stdout_console().print(
        f"wrote {output}: {len(contents.entries)} entries, {len(contents.files)} files, "
        f"checkpoint of {contents.checkpoint_text.splitlines()[1]} entries"
        + ("" if contents.timestamp_token else " (not timestamped)"),
        markup=False,
        soft_wrap=True,
    )


@app.command()
def verify(
    bundle: Path = typer.Argument(
        ...,
        help="An evidence bundle (`fangdu evidence`), a rights report (report.json) or a court "
        "package (`fangdu court-package`: its folder or zip).",
    ),
    policy: Path | None = typer.Option(
        None, "--policy", help="TOML: trusted log key, witness keys and k, timestamp roots."
    ),
) -> None:
    """Check an evidence bundle or a rights report offline (no registry, no network). Exit 1 if
    rejected."""
    from fangdu.ledger.verify import PolicyError, load_policy, verify_bundle

    with failures():
        try:
            loaded = load_policy(policy) if policy is not None else None
        except (OSError, PolicyError) as exc:
            raise InputError(f"--policy: {exc}") from None
        from fangdu.disputes.court_verify import is_court_package, verify_court_package

        if is_court_package(bundle):  # a court package (`fangdu court-package`)
            court = verify_court_package(bundle, loaded)
            render.stdout_console().print(court.render(), markup=False, soft_wrap=True, end="")
            if not court.ok:
                raise typer.Exit(EXIT_FAILURE)
            return
        if not bundle.is_file():
            raise InputError(f"no such bundle: {bundle}")
        if bundle.suffix == ".json":  # a rights report (`fangdu rights report`)
            from fangdu.rights.report import verify_report_with

            checks = verify_report_with(bundle.read_bytes(), loaded.log_key if loaded else None)
            lines = [c if c.startswith("NOTE") else f"ok: {c}" for c in checks]
            render.stdout_console().print("\n".join(lines), markup=False)
            return
        report = verify_bundle(bundle, loaded)
    render.stdout_console().print(report.render(), markup=False, soft_wrap=True, end="")
    if not report.ok:
        raise typer.Exit(EXIT_FAILURE)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@app.command()
def demo(
    keep: Path | None = typer.Option(
        None, "--dir", help="Keep the demo's registry and images here (default: temporary)."
    ),
) -> None:
    """A one-minute tour: generate prints, import them, check copies and a stranger."""
    from fangdu.cli.demo import run_demo  # the print generator is only needed here

    with failures():
        run_demo(keep, render.stdout_console(), render.stderr_console())


def main() -> None:
    """Console-script entry point: one-line usage errors, exit codes as documented above."""
    err = render.stderr_console()
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:  # bad usage, found while parsing the command line
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        render.error_line(err, exc.format_message() + hint)
        sys.exit(getattr(exc, "exit_code", EXIT_INPUT))
    except typer.Abort:
        render.error_line(err, "interrupted")
        sys.exit(EXIT_INTERRUPTED)
    if code == EXIT_INTERRUPTED:
        render.error_line(err, "interrupted")
    sys.exit(code if isinstance(code, int) else 0)
