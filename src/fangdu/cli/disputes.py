"""``fangdu monitor``, ``fangdu case``, ``fangdu mediation``, ``fangdu court-package``:
disputes from the first sighting to a settled outcome (维权 · 调解 · 司法).

A refusal (a rule says no, bad input) is one line on stderr and exit 2; nothing is written.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from fangdu.app import Fangdu
from fangdu.cli import render
from fangdu.cli.failures import failures
from fangdu.config import Settings
from fangdu.disputes import DisputeService
from fangdu.disputes.services import Capture, CaptureContext
from fangdu.errors import InputError
from fangdu.registry.files import expand

__all__ = ["case_app", "court_package", "mediation_app", "monitor_app"]

monitor_app = typer.Typer(
    help="Market monitoring (监测): watchlists, sightings, monitor runs, leads.",
    no_args_is_help=True,
)
case_app = typer.Typer(
    help="Cases (维权): open, review, notice, response, close.", no_args_is_help=True
)
mediation_app = typer.Typer(
    help="Mediation (调解): intake, mediator, agreement, 司法确认 package.", no_args_is_help=True
)

Json = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]
Day = Annotated[str, typer.Option("--on", help="The day (YYYY-MM-DD).")]


@contextmanager
def _disputes(ctx: typer.Context) -> Iterator[DisputeService]:
    settings: Settings = ctx.obj
    with failures(), Fangdu.build(settings) as core:
        yield core.disputes


def _day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: not a date (use YYYY-MM-DD): {value!r}") from None


def _number(value: str, prefix: str) -> int:
    text = value.strip().upper().removeprefix(prefix + "-")
    if not text.isdigit():
        raise InputError(f"not a {prefix}- number ({prefix}-12 or 12): {value!r}")
    return int(text)


def _read(path: Path, limit: int = 50_000_000) -> bytes:
    try:
        if path.stat().st_size > limit:
            raise InputError(f"{path}: larger than {limit} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None


def _say(text: str) -> None:
    render.stdout_console().print(text, markup=False, soft_wrap=True)


def _emit(data: dict[str, Any], as_json: bool, text: str) -> None:
    if as_json:
        render.print_json(data)
    else:
        _say(text)


# -- monitoring ----------------------------------------------------------------------------


@monitor_app.command("watch")
def monitor_watch(
    ctx: typer.Context,
    work: str = typer.Argument(..., help="Work id (W-12) or registration number."),
    owner: str = typer.Option(..., "--owner", help="The owner on record who watches it."),
) -> None:
    """Put a registered work on its owner's watchlist."""
    with _disputes(ctx) as disputes:
        ref = disputes.watch(work, owner)
    _say(f"watching {ref.label} {ref.title}")


@monitor_app.command("import")
def monitor_import(
    ctx: typer.Context,
    folder: Path = typer.Argument(..., help="Folder of market photos, catalogue or listing pages."),
    source: str = typer.Option(..., "--source", help="Where: stall/floor, URL or catalogue."),
    merchant: str = typer.Option(..., "--merchant", help="The merchant whose goods these are."),
    seen: str = typer.Option(..., "--seen", help="When they were seen (YYYY-MM-DD)."),
    by: str = typer.Option("市场监测员 market monitor", "--by", help="Who captured them."),
    device: str | None = typer.Option(None, "--device", help="The camera or tool used."),
    own_purchase: bool = typer.Option(
        False, "--own-purchase", help="The claimant's own purchase (知产证据规定 Art 7)."
    ),
    as_json: Json = False,
) -> None:
    """Keep a batch of captures as sightings, each with its bytes, SHA-256 and a log entry."""
    with _disputes(ctx) as disputes:
        if not folder.exists():
            raise InputError(f"no such file or folder: {folder}")
        day = _day(seen, "--seen")
        assert day is not None
        captures = [Capture(label, _read(path)) for label, path in expand([folder])]
        lines = disputes.import_sightings(
            captures, CaptureContext(source, merchant, day, by, device, own_purchase)
        )
    for line in lines:
        if as_json:
            render.print_json(line.as_json())
        elif line.status == "rejected":
            render.stderr_console().print(
                f"rejected {line.name}: {line.reason}", markup=False, soft_wrap=True
            )
    counts = {s: sum(1 for line in lines if line.status == s) for s in ("imported", "present")}
    rejected = len(lines) - counts["imported"] - counts["present"]
    if not as_json:
        _say(
            f"sightings imported {counts['imported']}, already present {counts['present']}, "
            f"rejected {rejected}"
        )


@monitor_app.command("run")
def monitor_run(ctx: typer.Context, as_json: Json = False) -> None:
    """Match new sightings against the watched works; matches become leads."""
    with _disputes(ctx) as disputes:
        report = disputes.run()
    if as_json:
        render.print_json(report.as_json())
        return
    _say(f"checked {report.checked} new sightings: {len(report.leads)} leads")
    for lead in report.leads:
        _say(_lead_line(lead.as_json()))


@monitor_app.command("leads")
def monitor_leads(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="open, licensed, dismissed, case"),
    as_json: Json = False,
) -> None:
    """The leads found so far."""
    with _disputes(ctx) as disputes:
        leads = disputes.leads(status)
    for lead in leads:
        _emit(lead.as_json(), as_json, _lead_line(lead.as_json()))


@monitor_app.command("dismiss")
def monitor_dismiss(
    ctx: typer.Context,
    lead: str = typer.Argument(..., help="Lead (L-3 or 3)."),
    by: str = typer.Option(..., "--by", help="The reviewer who sets it aside."),
    reason: str = typer.Option(..., "--reason"),
) -> None:
    """Set a lead aside before any case (logged)."""
    with _disputes(ctx) as disputes:
        info = disputes.dismiss(_number(lead, "L"), by, reason)
    _say(_lead_line(info.as_json()))


def _lead_line(data: dict[str, Any]) -> str:
    flags = f" [{', '.join(data['flags'])}]" if data["flags"] else ""
    note = f" ({data['note']})" if data["note"] else ""
    return (
        f"L-{data['lead']} W-{data['work']} at {data['merchant']} seen {data['seen_on']}: "
        f"{data['verdict']} {data['score']:.2f} {data['status']}{flags}{note}"
    )


# -- cases ---------------------------------------------------------------------------------


def _case_text(info: Any) -> str:
    data = info.as_json()
    lines = [
        f"C-{data['case']} {data['state']}: {data['claimant']} v {data['respondent']} on "
        f"{data['work']} (lead L-{data['lead']})"
    ]
    lines += [
        f"  {e['at']} {e['action']}: {e['from'] or '-'} → {e['to']} by {e['actor']} "
        f"(log entry {e['log_index']})"
        for e in data["events"]
    ]
    if data.get("token"):
        lines.append(f"  respondent's case token (printed in the notice): {data['token']}")
    if data.get("supplier_token"):
        lines.append(
            f"  the supplier's case token (pass it on; shown once): {data['supplier_token']}"
        )
    return "\n".join(lines)


@case_app.command("open")
def case_open(
    ctx: typer.Context,
    lead: str = typer.Argument(..., help="The lead (L-3 or 3)."),
    claimant: str = typer.Option(..., "--claimant", help="The owner on record who claims."),
    agent: str | None = typer.Option(None, "--agent", help="An agent acting for the owner."),
    authorisation: Path | None = typer.Option(
        None, "--authorisation", help="The agent's authorisation document (shown to both sides)."
    ),
    override_by: str | None = typer.Option(
        None, "--override-by", help="A supervisor who overrides a failed title check."
    ),
    override_reason: str | None = typer.Option(None, "--override-reason"),
    as_json: Json = False,
) -> None:
    """Open a draft case on a lead, after checking the claimant's title against prior art."""
    with _disputes(ctx) as disputes:
        info = disputes.open_case(
            _number(lead, "L"),
            claimant,
            agent=agent,
            authorisation=_read(authorisation) if authorisation else None,
            override_by=override_by,
            override_reason=override_reason,
        )
    _emit(info.as_json(), as_json, _case_text(info))


@case_app.command("review")
def case_review(
    ctx: typer.Context,
    case: str = typer.Argument(..., help="The case (C-1 or 1)."),
    reviewer: str = typer.Option(..., "--reviewer", help="The named reviewer who decides."),
    reason: str = typer.Option(
        ..., "--reason", help="proceed, not_copy, licensed, prior_art or de_minimis."
    ),
    note: str = typer.Option("", "--note"),
    as_json: Json = False,
) -> None:
    """The review gate: a named reviewer's decision with a reason code."""
    with _disputes(ctx) as disputes:
        info = disputes.review(_number(case, "C"), reviewer, reason, note)
    _emit(info.as_json(), as_json, _case_text(info))


@case_app.command("notice")
def case_notice(
    ctx: typer.Context,
    case: str = typer.Argument(..., help="The case (C-1 or 1)."),
    by: str = typer.Option(..., "--by", help="Who sends it (the claimant or their agent)."),
    output: Path = typer.Option(..., "-o", "--output", help="Write the warning letter PDF here."),
    delivery: str = typer.Option("in_app", "--delivery", help="in_app, email or print."),
    metres: float | None = typer.Option(None, "--metres", help="Metres sold (the tariff's basis)."),
    invoice: Path | None = typer.Option(None, "--invoice", help="The owner's licence invoice."),
    fee: float | None = typer.Option(None, "--fee", help="The fee on that invoice (yuan)."),
    deadline_days: int = typer.Option(15, "--deadline-days", min=1),
    to: str | None = typer.Option(None, "--to", help="E-mail: the respondent's address."),
    smtp: str | None = typer.Option(None, "--smtp", help="E-mail: the SMTP server HOST:PORT."),
    receipt: Path | None = typer.Option(None, "--receipt", help="Print: the signed receipt."),
    as_json: Json = False,
) -> None:
    """Generate the warning letter (警告函) and deliver it; the delivery is logged."""
    with _disputes(ctx) as disputes:
        server = None
        if smtp is not None:
            host, _, port = smtp.rpartition(":")
            if not host or not port.isdigit():
                raise InputError(f"--smtp: HOST:PORT, not {smtp!r}")
            server = (host, int(port))
        info, letter = disputes.send_notice(
            _number(case, "C"),
            by,
            delivery=delivery,
            metres=metres,
            invoice=_read(invoice) if invoice else None,
            invoice_fee=fee,
            deadline_days=deadline_days,
            email_to=to,
            smtp=server,
            receipt=_read(receipt) if receipt else None,
        )
        output.write_bytes(letter)
    _emit(info.as_json(), as_json, _case_text(info) + f"\n  wrote {output}")


@case_app.command("respond")
def case_respond(
    ctx: typer.Context,
    case: str = typer.Argument(..., help="The case (C-1 or 1)."),
    token: str = typer.Option(..., "--token", help="The case token printed in the notice."),
    answer: str = typer.Option(
        ...,
        "--answer",
        help="licence, invoice, dispute, accept_mediation or accept_licence_offer.",
    ),
    document: Path | None = typer.Option(None, "--document", help="The licence or invoice."),
    supplier: str | None = typer.Option(None, "--supplier", help="The supplier an invoice names."),
    reasons: str | None = typer.Option(None, "--reasons", help="Why the claim is disputed."),
    as_json: Json = False,
) -> None:
    """The respondent's answer (with their case token)."""
    with _disputes(ctx) as disputes:
        info = disputes.respond(
            _number(case, "C"),
            token,
            answer,
            document=_read(document) if document else None,
            supplier=supplier,
            reasons=reasons,
        )
    _emit(info.as_json(), as_json, _case_text(info))


@case_app.command("close")
def case_close(
    ctx: typer.Context,
    case: str = typer.Argument(..., help="The case (C-1 or 1)."),
    outcome: str = typer.Option(
        ..., "--outcome", help="licensed, paid_and_removed, litigation or withdrawn."
    ),
    by: str = typer.Option(..., "--by"),
    reason: str = typer.Option(..., "--reason"),
    as_json: Json = False,
) -> None:
    """Close a case with its outcome."""
    with _disputes(ctx) as disputes:
        info = disputes.close(_number(case, "C"), outcome, by, reason)
    _emit(info.as_json(), as_json, _case_text(info))


@case_app.command("show")
def case_show(
    ctx: typer.Context,
    case: str = typer.Argument(..., help="The case (C-1 or 1)."),
    token: str | None = typer.Option(None, "--token", help="As the respondent, by case token."),
    as_json: Json = False,
) -> None:
    """A case and its every step, as both sides see it (each view is in the custody log)."""
    with _disputes(ctx) as disputes:
        info = disputes.show(
            _number(case, "C"), token=token, actor="respondent" if token else "cli"
        )
    _emit(info.as_json(), as_json, _case_text(info))


# -- mediation -----------------------------------------------------------------------------


def _required(value: str, option: str) -> dt.date:
    day = _day(value, option)
    assert day is not None
    return day


def _status_text(status: dict[str, Any]) -> str:
    lines = [f"C-{status['case']} {status['state']}; mediator {status['mediator'] or 'none'}"]
    for d in status["deadlines"]:
        mark = " OVERDUE" if d["overdue"] else ""
        mark += " (provisional: holiday table lacks the year)" if d["provisional"] else ""
        done = f", done {d['done_on']}" if d["done_on"] else ""
        lines.append(f"  {d['name']}: due {d['due']}{done}{mark}")
    return "\n".join(lines)


@mediation_app.command("roster-add")
def mediation_roster_add(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    profile: str = typer.Option(..., "--profile", help="What the parties read about them."),
) -> None:
    """Put a mediator on the roster."""
    with _disputes(ctx) as disputes:
        disputes.mediation.add_mediator(name, profile)
    _say(f"{name} is on the roster")


@mediation_app.command("intake")
def mediation_intake(
    ctx: typer.Context,
    case: str = typer.Argument(..., help="The case (C-1 or 1)."),
    on: Day = "",
    claimant_address: str = typer.Option(..., "--claimant-address"),
    respondent_address: str = typer.Option(..., "--respondent-address"),
    consent: Annotated[
        list[str], typer.Option("--consent", help="claimant / respondent (repeatable).")
    ] = [],  # noqa: B006 - Typer reads the default
    identity_checked: Annotated[
        list[str], typer.Option("--identity-checked", help="claimant / respondent.")
    ] = [],  # noqa: B006
    contact: Annotated[
        list[str],
        typer.Option("--contact", help="ROLE:ID-or-phone, kept hashed (repeatable)."),
    ] = [],  # noqa: B006
    as_json: Json = False,
) -> None:
    """Take a case into mediation: both consents, service addresses, identities."""
    with _disputes(ctx) as disputes:
        status = disputes.mediation.intake(
            _number(case, "C"),
            on=_required(on, "--on") if on else disputes.today(),
            addresses={"claimant": claimant_address, "respondent": respondent_address},
            consents=consent,
            identities_checked=identity_checked,
            contacts=_contacts(contact),
        )
    _emit(status, as_json, _status_text(status))


def _contacts(items: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in items:
        role, _, value = item.partition(":")
        if role not in ("claimant", "respondent") or not value.strip():
            raise InputError(f"--contact: claimant:VALUE or respondent:VALUE, not {item!r}")
        found.setdefault(role, []).append(value)
    return found


@mediation_app.command("assign")
def mediation_assign(
    ctx: typer.Context,
    case: str = typer.Argument(...),
    mediator: str = typer.Option(..., "--mediator"),
    on: Day = "",
    as_json: Json = False,
) -> None:
    """Assign a mediator from the roster (within 3 working days of intake)."""
    with _disputes(ctx) as disputes:
        status = disputes.mediation.assign(
            _number(case, "C"), mediator, _required(on, "--on") if on else disputes.today()
        )
    _emit(status, as_json, _status_text(status))


@mediation_app.command("accept")
def mediation_accept(
    ctx: typer.Context,
    case: str = typer.Argument(...),
    mediator: str = typer.Option(..., "--mediator"),
    conflicts: str | None = typer.Option(None, "--conflicts", help="Disclosed conflicts."),
    on: Day = "",
    as_json: Json = False,
) -> None:
    """The mediator discloses conflicts and accepts (within 3 working days)."""
    with _disputes(ctx) as disputes:
        status = disputes.mediation.accept(
            _number(case, "C"),
            mediator,
            _required(on, "--on") if on else disputes.today(),
            conflicts=conflicts,
        )
    _emit(status, as_json, _status_text(status))


@mediation_app.command("another")
def mediation_another(
    ctx: typer.Context,
    case: str = typer.Argument(...),
    party: str = typer.Option(..., "--party", help="The party who asks."),
    reason: str = typer.Option(..., "--reason"),
) -> None:
    """A party asks for another mediator."""
    with _disputes(ctx) as disputes:
        status = disputes.mediation.ask_for_another(_number(case, "C"), party, reason)
    _say(_status_text(status))


@mediation_app.command("agree")
def mediation_agree(
    ctx: typer.Context,
    case: str = typer.Argument(...),
    facts: str = typer.Option(..., "--facts"),
    disputed_items: str = typer.Option(..., "--disputed-items"),
    responsibilities: str = typer.Option(..., "--responsibilities"),
    terms: str = typer.Option(..., "--terms"),
    performance_manner: str = typer.Option(..., "--performance-manner"),
    performance_deadline: str = typer.Option(..., "--performance-deadline"),
    performance_place: str = typer.Option(..., "--performance-place"),
    outcome: str = typer.Option(
        ...,
        "--outcome",
        help="stop_selling, destroy_stock, pay_instalments, apologise, convert_to_licence.",
    ),
    instalment: Annotated[
        list[str], typer.Option("--instalment", help="DATE:AMOUNT, repeatable.")
    ] = [],  # noqa: B006
    as_json: Json = False,
) -> None:
    """Draft the agreement with every 人民调解法 Art 29 field."""
    fields = {
        "facts": facts,
        "disputed_items": disputed_items,
        "responsibilities": responsibilities,
        "terms": terms,
        "performance_manner": performance_manner,
        "performance_deadline": performance_deadline,
        "performance_place": performance_place,
    }
    with _disputes(ctx) as disputes:
        instalments = []
        for item in instalment:
            day, _, amount = item.partition(":")
            instalments.append((_required(day, "--instalment"), amount.strip()))
            if not amount.strip():
                raise InputError(f"--instalment: DATE:AMOUNT, not {item!r}")
        agreement = disputes.mediation.agree(_number(case, "C"), fields, outcome, instalments)
    _emit(agreement, as_json, f"agreement drafted for C-{agreement['case']}: sign it")


@mediation_app.command("sign")
def mediation_sign(
    ctx: typer.Context,
    case: str = typer.Argument(...),
    signer: str = typer.Option(..., "--as", help="A party or the mediator."),
    on: Day = "",
    as_json: Json = False,
) -> None:
    """Sign the agreement with the signer's Ed25519 key; effective at the last signature."""
    with _disputes(ctx) as disputes:
        result = disputes.mediation.sign(
            _number(case, "C"), signer, _required(on, "--on") if on else disputes.today()
        )
    _emit(
        result,
        as_json,
        f"signed by {', '.join(result['signed_by'])}"
        + (f"; effective {result['effective_on']}" if result["effective_on"] else ""),
    )


@mediation_app.command("status")
def mediation_status(
    ctx: typer.Context, case: str = typer.Argument(...), on: Day = "", as_json: Json = False
) -> None:
    """The mediation's deadlines on a day; overdue ones flagged."""
    with _disputes(ctx) as disputes:
        status = disputes.mediation.status(
            _number(case, "C"), _required(on, "--on") if on else disputes.today()
        )
    _emit(status, as_json, _status_text(status))


@mediation_app.command("confirm-package")
def mediation_confirm_package(
    ctx: typer.Context,
    case: str = typer.Argument(...),
    output: Path = typer.Option(..., "-o", "--output", help="The package (.zip)."),
    on: Day = "",
    as_json: Json = False,
) -> None:
    """The 司法确认 application package, after its pre-check of the refusal grounds."""
    with _disputes(ctx) as disputes:
        checks = disputes.mediation.confirmation_package(
            _number(case, "C"), _required(on, "--on") if on else disputes.today(), output
        )
    _emit(
        {"checks": [c.as_json() for c in checks], "output": str(output)},
        as_json,
        "\n".join(f"ok {c.name}: {c.detail}" for c in checks) + f"\nwrote {output}",
    )


# -- court ---------------------------------------------------------------------------------


def court_package(
    ctx: typer.Context,
    case: str = typer.Argument(..., help="The case (C-1 or 1)."),
    output: Path = typer.Option(
        ..., "-o", "--output", help="A new folder for the bag, or a .zip of it."
    ),
) -> None:
    """The case's court package: a BagIt bag of evidence bundles proving against one
    checkpoint, comparison, provenance, custody, limits; `fangdu verify` checks it offline."""
    from fangdu.disputes.court import build_court_package, zip_court_package

    with _disputes(ctx) as disputes:
        if output.suffix.lower() != ".zip":
            build_court_package(disputes, _number(case, "C"), output)
        elif output.exists():
            raise InputError(f"{output} exists: the court package goes into a new file")
        else:
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp) / output.stem
                build_court_package(disputes, _number(case, "C"), folder)
                zip_court_package(folder, output)
    _say(f"wrote {output}: verify it with `fangdu verify {output}`")


@case_app.command("abuse")
def case_abuse(ctx: typer.Context, as_json: Json = False) -> None:
    """The market office's abuse monitor: per claimant, notices per week, share withdrawn or
    rejected, share with prior-art warnings; flagged claimants need a supervisor."""
    with _disputes(ctx) as disputes:
        profiles = disputes.abuse_report()
    for p in profiles:
        _emit(
            p.as_json(),
            as_json,
            f"{p.claimant}: {p.cases} cases, {p.notices_last_week} notices last week, "
            f"{p.withdrawn_or_rejected:.0%} withdrawn/rejected, {p.prior_art_warnings:.0%} "
            f"with prior-art warnings, {p.resembling_registrations} of {p.registrations} "
            "registrations resembling earlier ones"
            + (f" — SUPERVISOR: {', '.join(p.flags)}" if p.flags else ""),
        )


@case_app.command("hold")
def case_hold(
    ctx: typer.Context,
    case: str = typer.Argument(...),
    by: str = typer.Option(..., "--by"),
    reason: str = typer.Option(..., "--reason"),
) -> None:
    """A litigation hold: the case's records are frozen until the judgement."""
    with _disputes(ctx) as disputes:
        info = disputes.hold(_number(case, "C"), by, reason)
    _say(_case_text(info))


@case_app.command("judgement")
def case_judgement(
    ctx: typer.Context,
    case: str = typer.Argument(...),
    court: str = typer.Option(..., "--court"),
    number: str = typer.Option(..., "--number", help="The court's case number."),
    on: Day = "",
    outcome: str = typer.Option(..., "--outcome"),
    damages: float | None = typer.Option(None, "--damages", help="Damages awarded (yuan)."),
    document: Path = typer.Option(..., "--document", help="The judgement."),
    by: str = typer.Option(..., "--by", help="Who enters it."),
) -> None:
    """Enter the court's judgement (logged as `judgement`)."""
    with _disputes(ctx) as disputes:
        info = disputes.judgement(
            _number(case, "C"),
            court=court,
            number=number,
            on=_required(on, "--on") if on else disputes.today(),
            outcome=outcome,
            damages_yuan=damages,
            document=_read(document),
            by=by,
        )
    _say(_case_text(info))


@case_app.command("assign-judge")
def case_assign_judge(
    ctx: typer.Context,
    case: str = typer.Argument(...),
    judge: str = typer.Option(..., "--judge", help="The judge, as their account's party."),
    court: str = typer.Option(..., "--court"),
    by: str = typer.Option(..., "--by", help="Who enters the court's assignment."),
) -> None:
    """Enter the court's assignment of a case to a judge, who then reads that case only."""
    with _disputes(ctx) as disputes:
        info = disputes.assign_judge(_number(case, "C"), judge, court, by)
    _say(_case_text(info))


@case_app.command("damages")
def case_damages(ctx: typer.Context, case: str = typer.Argument(...)) -> None:
    """An advisory damages worksheet (著作权法 Art 54) from what the record holds."""
    with _disputes(ctx) as disputes:
        sheet = disputes.damages_worksheet(_number(case, "C"))
    render.print_json(sheet)


@mediation_app.command("extend")
def mediation_extend(
    ctx: typer.Context,
    case: str = typer.Argument(...),
    days: int = typer.Option(..., "--days"),
    consent: Annotated[list[str], typer.Option("--consent", help="claimant / respondent.")] = [],  # noqa: B006
    reason: str = typer.Option(..., "--reason"),
) -> None:
    """Extend the mediation, only with both parties' consent."""
    with _disputes(ctx) as disputes:
        status = disputes.mediation.extend(_number(case, "C"), days, consent, reason)
    _say(_status_text(status))


@mediation_app.command("note")
def mediation_note(
    ctx: typer.Context,
    case: str = typer.Argument(...),
    by: str = typer.Option(..., "--by", help="A party or the mediator."),
    text: str = typer.Option(..., "--text"),
    fact: bool = typer.Option(
        False, "--fact", help="A fact for the other party to confirm (else without prejudice)."
    ),
    as_json: Json = False,
) -> None:
    """Add to the mediation transcript (without prejudice unless --fact)."""
    with _disputes(ctx) as disputes:
        item = disputes.mediation.note(_number(case, "C"), by, text, fact=fact)
    _emit(item, as_json, f"item {item['n']}: {item['kind']}")


@mediation_app.command("confirm-fact")
def mediation_confirm_fact(
    ctx: typer.Context,
    case: str = typer.Argument(...),
    item: int = typer.Option(..., "--item"),
    by: str = typer.Option(..., "--by", help="The other party."),
) -> None:
    """The other party confirms a proposed fact: it becomes undisputed (and logged)."""
    with _disputes(ctx) as disputes:
        result = disputes.mediation.confirm_fact(_number(case, "C"), item, by)
    _say(f"item {result['n']}: {result['kind']}")


@mediation_app.command("board")
def mediation_board(ctx: typer.Context, case: str = typer.Argument(...)) -> None:
    """The evidence board: both sides' items with hashes, and the transcript."""
    with _disputes(ctx) as disputes:
        render.print_json(disputes.mediation.board(_number(case, "C")))


@case_app.command("rerun")
def case_rerun(
    ctx: typer.Context,
    case: str = typer.Argument(...),
    token: str | None = typer.Option(None, "--token", help="By case token (a party, a judge)."),
) -> None:
    """Run the comparison again beside what the lead recorded, with the model versions."""
    with _disputes(ctx) as disputes:
        result = disputes.rerun(_number(case, "C"), token=token)
    render.print_json(result)


@mediation_app.command("performed")
def mediation_performed(
    ctx: typer.Context,
    case: str = typer.Argument(...),
    instalment: int = typer.Option(..., "--instalment"),
    by: str = typer.Option(..., "--by", help="A party confirming it was performed."),
) -> None:
    """A party confirms an instalment was performed; both confirmations log it."""
    with _disputes(ctx) as disputes:
        status = disputes.mediation.performed(_number(case, "C"), instalment, by)
    render.print_json(status)
