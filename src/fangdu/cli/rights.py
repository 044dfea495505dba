"""``fangdu rights``: ownership, licences, transfers and pledges of registered works.

Each record names the parties who signed it (``--signed-by``, repeatable): the registry signs
for them with their custodial keys, as it does for accounts' applications. A record the law
refuses, or bad input, is one line on stderr and exit 2; nothing is written then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from fangdu.app import Fangdu
from fangdu.cli import render
from fangdu.cli.failures import EXIT_INPUT, failures
from fangdu.config import Settings
from fangdu.errors import InputError
from fangdu.rights import RightsService
from fangdu.rights.law import RuleRefused
from fangdu.rights.rebuild import standing_from_export
from fangdu.rights.report import build_report, verify_report
from fangdu.rights.report_pdf import render_report_pdf
from fangdu.rights.services import Document, RecordInfo, RightsView

__all__ = ["rights_app"]

rights_app = typer.Typer(
    help="Ownership, licences, transfers and pledges (金融服务): the rights register.",
    no_args_is_help=True,
)

Json = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]
SignedBy = Annotated[
    list[str],
    typer.Option("--signed-by", help="A party who signed the record (repeatable)."),
]
Day = Annotated[str, typer.Option("--on", help="The record's date (YYYY-MM-DD).")]


@contextmanager
def _rights(ctx: typer.Context, *, read_only: bool = False) -> Iterator[RightsService]:
    settings: Settings = ctx.obj
    with failures():
        try:
            with Fangdu.build(settings, read_only=read_only) as core:
                yield core.rights
        except RuleRefused as exc:  # the law says no: bad input to the register
            render.error_line(render.stderr_console(), str(exc))
            raise typer.Exit(EXIT_INPUT) from None


def _day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: not a date (use YYYY-MM-DD): {value!r}") from None


def _required_day(value: str, option: str) -> dt.date:
    day = _day(value, option)
    assert day is not None
    return day


def _read(ctx: typer.Context, path: Path) -> bytes:
    settings: Settings = ctx.obj
    try:
        if path.stat().st_size > settings.max_image_bytes:
            raise InputError(f"{path}: larger than {settings.max_image_bytes} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None


def _record_id(value: str) -> int:
    text = value.strip().upper().removeprefix("R-")
    if not text.isdigit():
        raise InputError(f"not a record number (R-12 or 12): {value!r}")
    return int(text)


def _report(info: RecordInfo, as_json: bool) -> None:
    if as_json:
        render.print_json(info.as_json())
        return
    out = render.stdout_console()
    works = ", ".join(f"W-{w}" for w in info.works)
    entries = ", ".join(str(i) for i in info.log_indices)
    out.print(
        f"R-{info.id} {info.action} of {works} on {info.effective_on}: log entries {entries}",
        markup=False,
        soft_wrap=True,
    )
    for note in info.notes:
        out.print(f"  {note}", markup=False, soft_wrap=True)


def _show_text(view: RightsView) -> None:
    out = render.stdout_console()
    data = view.as_json()
    out.print(f"{view.work.label} {view.work.title} as of {data['as_of']}", markup=False)

    def line(label: str, items: list[dict]) -> None:
        if not items:
            out.print(f"  {label}: none", markup=False)
        for item in items:
            who = item.get("name", item["party"][:12])
            extra = []
            if item.get("share") is not None:
                extra.append(f"{item['share'] / 100:g} %")
            if item.get("right"):
                extra.append(f"{item['right']} in {item['territory']}")
            extra.append(f"from {item['starts_on'] or item['applied_on']}")
            if item.get("ends_on"):
                extra.append(f"to {item['ends_on']}")
            if item.get("record"):
                extra.append(f"R-{item['record']}")
            out.print(f"  {label}: {who} ({', '.join(extra)})", markup=False, soft_wrap=True)

    line("owner", data["owners"])
    line("licence", data["licences"])
    line("pledge", data["pledges"])
    line("pending pledge (not yet registered nationally)", data["pending_pledges"])
    out.print(f"  protection ends: {data['protection_ends'] or 'unknown'}", markup=False)
    for conflict in data["prior_art_conflicts"]:
        out.print(f"  disputed: prior art {conflict}", markup=False)


@rights_app.command("show")
def show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="ID_OR_NUMBER")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="The day (default today).")] = None,
    as_json: Json = False,
) -> None:
    """Owners, licences in force and pledges in force on a day."""
    with _rights(ctx, read_only=True) as rights:
        view = rights.show(key, _day(as_of, "--as-of"))
    if as_json:
        render.print_json(view.as_json())
    else:
        _show_text(view)


@rights_app.command("transfer")
def transfer(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="ID_OR_NUMBER")],
    to: Annotated[
        list[str], typer.Option("--to", help="Transferee, NAME or NAME=SHARE in basis points.")
    ],
    on: Day,
    price: Annotated[str, typer.Option("--price")],
    payment: Annotated[str, typer.Option("--payment", help="Date and manner of payment.")],
    liability: Annotated[str, typer.Option("--liability", help="Liability for breach.")],
    contract: Annotated[Path, typer.Option("--contract", help="The contract (PDF or image).")],
    signed_by: SignedBy,
    territory: Annotated[str, typer.Option("--territory")] = "worldwide",
    transferor: Annotated[str | None, typer.Option("--transferor")] = None,
    share: Annotated[int | None, typer.Option("--share", help="Basis points transferred.")] = None,
    proceeds: Annotated[
        str | None, typer.Option("--proceeds", help="Pledged work: early_repayment or escrow.")
    ] = None,
    as_json: Json = False,
) -> None:
    """Transfer the economic rights (著作权法 Art 27)."""
    with _rights(ctx) as rights:
        if any("=" in t for t in to):
            pairs = [t.rsplit("=", 1) for t in to]
            try:
                targets: dict[str, int] | list[str] = {n: int(s) for n, s in pairs}
            except ValueError:
                raise InputError("--to NAME=SHARE: the share is basis points (5000)") from None
        else:
            targets = list(to)
        info = rights.transfer(
            key,
            to=targets,
            on=_required_day(on, "--on"),
            price=price,
            payment=payment,
            liability=liability,
            territory=territory,
            transferor=transferor,
            share=share,
            proceeds=proceeds,
            documents=[Document("transfer_contract", _read(ctx, contract))],
            signed_by=signed_by,
        )
    _report(info, as_json)


@rights_app.command("license")
def license_command(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="ID_OR_NUMBER")],
    licensee: Annotated[str, typer.Option("--licensee")],
    right: Annotated[str, typer.Option("--right", help="reproduction, distribution, ..., all")],
    territory: Annotated[str, typer.Option("--territory")],
    starts: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    ends: Annotated[str, typer.Option("--until", help="Last day (YYYY-MM-DD).")],
    fee: Annotated[str, typer.Option("--fee", help="Fee and how it is paid.")],
    liability: Annotated[str, typer.Option("--liability")],
    contract: Annotated[Path, typer.Option("--contract", help="The contract (PDF or image).")],
    signed_by: SignedBy,
    exclusive: Annotated[bool, typer.Option("--exclusive/--non-exclusive")] = False,
    licensor: Annotated[str | None, typer.Option("--licensor")] = None,
    as_json: Json = False,
) -> None:
    """License a right (著作权法 Art 26); exclusive licences never overlap."""
    with _rights(ctx) as rights:
        info = rights.license(
            key,
            licensee=licensee,
            exclusive=exclusive,
            right=right,
            territory=territory,
            starts_on=_required_day(starts, "--from"),
            ends_on=_required_day(ends, "--until"),
            fee=fee,
            liability=liability,
            licensor=licensor,
            documents=[Document("licence_contract", _read(ctx, contract))],
            signed_by=signed_by,
        )
    _report(info, as_json)


@rights_app.command("pledge")
def pledge(
    ctx: typer.Context,
    keys: Annotated[list[str], typer.Argument(metavar="ID_OR_NUMBER...")],
    pledgee: Annotated[str, typer.Option("--pledgee")],
    on: Day,
    claim: Annotated[str, typer.Option("--claim", help="The secured claim.")],
    amount: Annotated[str, typer.Option("--amount")],
    debt_ends: Annotated[str, typer.Option("--debt-ends", help="End of the debtor's term.")],
    scope: Annotated[str, typer.Option("--scope", help="Scope of the security.")],
    security_term: Annotated[str, typer.Option("--security-term")],
    doc: Annotated[
        list[str],
        typer.Option("--doc", help="ROLE=FILE: main_contract, pledge_contract, pledgor_id, ..."),
    ],
    signed_by: SignedBy,
    pledgor: Annotated[list[str] | None, typer.Option("--pledgor")] = None,
    valuation_required: Annotated[bool, typer.Option("--valuation-required")] = False,
    as_json: Json = False,
) -> None:
    """Prepare a pledge for the national register (pending until its number is entered)."""
    with _rights(ctx) as rights:
        documents = []
        for item in doc:
            role, sep, path = item.partition("=")
            if not sep:
                raise InputError(f"--doc ROLE=FILE, not {item!r}")
            documents.append(Document(role.strip(), _read(ctx, Path(path))))
        info = rights.pledge(
            keys,
            pledgee=pledgee,
            applied_on=_required_day(on, "--on"),
            secured_claim=claim,
            amount=amount,
            debtor_term_ends=_required_day(debt_ends, "--debt-ends"),
            scope=scope,
            security_term=security_term,
            pledgors=pledgor or None,
            valuation_required=valuation_required,
            documents=documents,
            signed_by=signed_by,
        )
    _report(info, as_json)


@rights_app.command("register-pledge")
def register_pledge(
    ctx: typer.Context,
    record: Annotated[str, typer.Argument(metavar="PLEDGE", help="The pledge record (R-12).")],
    national_no: Annotated[str, typer.Option("--national-no")],
    on: Day,
    certificate: Annotated[Path, typer.Option("--certificate", help="PDF or image.")],
    signed_by: SignedBy,
    as_json: Json = False,
) -> None:
    """Enter the national register's number: the pledge is in force from that date."""
    with _rights(ctx) as rights:
        info = rights.register_pledge(
            _record_id(record),
            national_no=national_no,
            registered_on=_required_day(on, "--on"),
            certificate=Document("national_certificate", _read(ctx, certificate)),
            signed_by=signed_by,
        )
    _report(info, as_json)


@rights_app.command("consent")
def consent(
    ctx: typer.Context,
    record: Annotated[str, typer.Argument(metavar="PLEDGE")],
    key: Annotated[str, typer.Argument(metavar="ID_OR_NUMBER")],
    purpose: Annotated[str, typer.Option("--for", help="transfer or licence")],
    counterparty: Annotated[list[str], typer.Option("--counterparty")],
    on: Day,
    signed_by: SignedBy,
    as_json: Json = False,
) -> None:
    """The pledgee's consent to one transfer or licence of a pledged work (民法典 Art 444)."""
    with _rights(ctx) as rights:
        info = rights.consent(
            _record_id(record),
            key,
            purpose=purpose,
            counterparties=counterparty,
            given_on=_required_day(on, "--on"),
            signed_by=signed_by,
        )
    _report(info, as_json)


@rights_app.command("release")
def release(
    ctx: typer.Context,
    record: Annotated[str, typer.Argument(metavar="PLEDGE")],
    on: Day,
    signed_by: SignedBy,
    work: Annotated[
        list[str] | None, typer.Option("--work", help="Release only these works (repeatable).")
    ] = None,
    as_json: Json = False,
) -> None:
    """Release a registered pledge, or some works of a pledged collection; the pledgee signs."""
    with _rights(ctx) as rights:
        info = rights.release(
            _record_id(record),
            released_on=_required_day(on, "--on"),
            works=work or None,
            signed_by=signed_by,
        )
    _report(info, as_json)


@rights_app.command("withdraw")
def withdraw(
    ctx: typer.Context,
    record: Annotated[str, typer.Argument(metavar="PLEDGE")],
    on: Day,
    signed_by: SignedBy,
    as_json: Json = False,
) -> None:
    """Withdraw a pledge application the national register has not recorded."""
    with _rights(ctx) as rights:
        info = rights.withdraw(
            _record_id(record), withdrawn_on=_required_day(on, "--on"), signed_by=signed_by
        )
    _report(info, as_json)


@rights_app.command("change-pledge")
def change_pledge(
    ctx: typer.Context,
    record: Annotated[str, typer.Argument(metavar="PLEDGE")],
    on: Day,
    signed_by: SignedBy,
    debt_ends: Annotated[str | None, typer.Option("--debt-ends")] = None,
    amount: Annotated[str | None, typer.Option("--amount")] = None,
    claim: Annotated[str | None, typer.Option("--claim")] = None,
    scope: Annotated[str | None, typer.Option("--scope")] = None,
    security_term: Annotated[str | None, typer.Option("--security-term")] = None,
    agreement: Annotated[Path | None, typer.Option("--agreement", help="PDF or image.")] = None,
    as_json: Json = False,
) -> None:
    """Change a pledge's terms; pledgor(s) and pledgee sign."""
    with _rights(ctx) as rights:
        info = rights.change_pledge(
            _record_id(record),
            changed_on=_required_day(on, "--on"),
            debtor_term_ends=_day(debt_ends, "--debt-ends"),
            amount=amount,
            secured_claim=claim,
            scope=scope,
            security_term=security_term,
            documents=[Document("change_agreement", _read(ctx, agreement))] if agreement else [],
            signed_by=signed_by,
        )
    _report(info, as_json)


@rights_app.command("transfer-pledge")
def transfer_pledge(
    ctx: typer.Context,
    record: Annotated[str, typer.Argument(metavar="PLEDGE")],
    to: Annotated[str, typer.Option("--to", help="The new pledgee (the claim's assignee).")],
    on: Day,
    signed_by: SignedBy,
    assignment: Annotated[Path | None, typer.Option("--assignment", help="PDF or image.")] = None,
    as_json: Json = False,
) -> None:
    """The pledge follows its secured claim to a new pledgee (民法典 Art 547)."""
    with _rights(ctx) as rights:
        info = rights.transfer_pledge(
            _record_id(record),
            to=to,
            transferred_on=_required_day(on, "--on"),
            documents=[Document("assignment", _read(ctx, assignment))] if assignment else [],
            signed_by=signed_by,
        )
    _report(info, as_json)


@rights_app.command("watch")
def watch(
    ctx: typer.Context,
    pledgee: Annotated[str, typer.Option("--pledgee")],
    after: Annotated[int, typer.Option("--after", help="Only events after this id.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Collateral watch: what happened to the works pledged to a pledgee (attempts refused
    included), oldest first."""
    with _rights(ctx, read_only=True) as rights:
        events = rights.watch_feed(pledgee, after=after)
    out = render.stdout_console()
    for event in events:
        if as_json:
            render.print_json(event)
        else:
            out.print(
                f"{event['id']} {event['at']} {event['detail'].get('work')} {event['kind']} "
                f"(pledge R-{event['pledge']})",
                markup=False,
                soft_wrap=True,
            )


@rights_app.command("pledges")
def pledges(
    ctx: typer.Context,
    pledgee: Annotated[str, typer.Option("--pledgee")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """A pledgee's portfolio: every pledge it holds or held, newest first, each work with its
    own status (a collection partly released shows which)."""
    with _rights(ctx, read_only=True) as rights:
        lines = rights.portfolio(pledgee)
    out = render.stdout_console()
    for line in lines:
        if as_json:
            render.print_json(line.as_json())
            continue
        national = f"national no {line.national_no}" if line.national_no else "not registered"
        out.print(f"R-{line.pledge} applied {line.applied_on}, {national}", markup=False)
        for work, status, ended in line.works:
            until = f" ({ended})" if ended else ""
            out.print(f"  {work.label} {work.title}: {status}{until}", markup=False)


@rights_app.command("webhook")
def webhook(
    ctx: typer.Context,
    pledgee: Annotated[str, typer.Option("--pledgee")],
    url: Annotated[str, typer.Option("--url", help="http(s) URL the signed events go to.")],
) -> None:
    """Post a pledgee's watch events to its URL (`rights deliver`), signed by the operator."""
    with _rights(ctx) as rights:
        rights.set_webhook(pledgee, url)
    render.stdout_console().print(f"watch events of {pledgee} go to {url}", markup=False)


@rights_app.command("deliver")
def deliver(ctx: typer.Context) -> None:
    """Post undelivered watch events to their webhooks; failed ones are tried next time."""
    with _rights(ctx) as rights:
        delivered, failed = rights.deliver()
    render.stdout_console().print(f"delivered {delivered}, failed {failed}", markup=False)
    if failed:
        raise typer.Exit(1)


@rights_app.command("rebuild")
def rebuild(
    export: Annotated[Path, typer.Argument(help="A folder from `fangdu ledger export`.")],
    work_id: Annotated[int, typer.Argument(metavar="WORK_ID")],
    as_of: Annotated[str, typer.Option("--as-of")],
    log_key: Annotated[
        str | None, typer.Option("--log-key", help="The log's verifier key (`ledger key`).")
    ] = None,
) -> None:
    """The standing of a work on a day from an exported log alone, with no database."""
    with failures():
        standing = standing_from_export(
            export, work_id, _required_day(as_of, "--as-of"), log_key=log_key
        )
    render.print_json(standing.as_json())


@rights_app.command("report")
def report(
    ctx: typer.Context,
    keys: Annotated[list[str], typer.Argument(metavar="ID_OR_NUMBER...")],
    maturity: Annotated[str, typer.Option("--maturity", help="The loan's maturity date.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for report.json/pdf.")],
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
    checkpoint: Annotated[
        int | None, typer.Option("--checkpoint", help="Tie it to this checkpoint size.")
    ] = None,
) -> None:
    """The bank's due-diligence report (signed JSON and PDF), tied to one checkpoint: the same
    checkpoint gives the same bytes. Several works (a pledged collection): one report each,
    in a folder per work, all tied to the same checkpoint."""
    with _rights(ctx) as rights:
        if checkpoint is None and len(keys) > 1:
            rights.ledger.integrate(publish=False)  # one checkpoint covering every work
            latest = rights.ledger.checkpoint()
            checkpoint = latest.checkpoint.size if latest is not None else None
        written = []
        for key in dict.fromkeys(keys):
            data = build_report(
                rights,
                key,
                maturity=_required_day(maturity, "--maturity"),
                as_of=_day(as_of, "--as-of"),
                checkpoint_size=checkpoint,
            )
            folder = output if len(keys) == 1 else output / key.upper().replace("/", "_")
            try:
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "report.json").write_bytes(data)
                (folder / "report.pdf").write_bytes(render_report_pdf(data))
            except OSError as exc:
                raise InputError(f"cannot write {exc.filename or folder}: {exc.strerror}") from None
            written.append(folder)
    out = render.stdout_console()
    for folder in written:
        out.print(f"wrote {folder}/report.json and report.pdf", markup=False)


@rights_app.command("verify-report")
def verify_report_command(
    path: Annotated[Path, typer.Argument(help="A report.json.")],
    log_key: Annotated[str, typer.Option("--log-key", help="The log's verifier key.")],
) -> None:
    """Check a report offline: its signature, checkpoint, inclusion proofs and findings."""
    with failures():
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: {exc.strerror or exc}") from None
        checks = verify_report(data, log_key)
    out = render.stdout_console()
    for check in checks:
        out.print(f"ok: {check}", markup=False, soft_wrap=True)
