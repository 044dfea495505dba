"""Issue 16's "Done when", on the command line: a monitor batch → leads (one closed as
licensed automatically, one flagged for prior use) → review → case → warning letter delivered
→ the respondent shows a licence and the case closes as licensed; a second case → the
respondent accepts mediation → mediator assigned and accepts → agreement signed by all →
司法确认 package pre-checked → court package verified offline; every state change in the log
and `fangdu ledger fsck` passes. Refusals on the way are one line and exit 2."""

from __future__ import annotations

import datetime as dt
import io
import json
import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fangdu.cli.app import app
from fangdu.disputes.services import keqiao_today
from fangdu.ledger.entries import parse_entry

from .conftest import LICENSEE, OWNER, STALL, copy_of, pdf

MARKET = "新新布行 (三楼 3016)"
OLD_SHOP = "老字号布行"
REVIEWER = "审核员 李"
MEDIATOR = "调解员 陈"


@pytest.fixture
def fangdu(tmp_path: Path):
    runner = CliRunner()
    home = tmp_path / "home"

    def run(*args: object, code: int = 0):
        result = runner.invoke(app, ["--home", str(home), *map(str, args)])
        assert result.exit_code == code, (args, result.output)
        return result

    return run


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _register(fangdu, path: Path, title: str) -> int:
    out = fangdu(
        "register",
        path,
        "--title",
        title,
        "--owner",
        OWNER,
        "--owner-kind",
        "company",
        "--created",
        "2025-01-10",
        "--json",
    ).stdout
    return json.loads(out)["work"]["id"]


def test_done_when_on_the_command_line(fangdu, tmp_path: Path, print_png):
    today = keqiao_today()
    files = tmp_path / "files"
    files.mkdir()
    for seed in (61, 62, 63):
        (files / f"p{seed}.png").write_bytes(print_png(seed))
    (files / "licence.pdf").write_bytes(pdf("licence contract"))
    (files / "shown-licence.pdf").write_bytes(pdf("licence the stall holds"))
    a = _register(fangdu, files / "p61.png", "牡丹")
    b = _register(fangdu, files / "p62.png", "荷花")
    c = _register(fangdu, files / "p63.png", "梅花")
    fangdu(
        "rights", "license", f"W-{a}", "--licensee", LICENSEE, "--right", "reproduction",
        "--territory", "CN", "--from", "2025-03-01", "--until", "2029-12-31",
        "--fee", "2000 yuan a year", "--liability", "double the fee",
        "--contract", files / "licence.pdf", "--signed-by", OWNER, "--signed-by", LICENSEE,
    )  # fmt: skip
    for work in (a, b, c):
        fangdu("monitor", "watch", f"W-{work}", "--owner", OWNER)

    # The monitor batch: four merchants' captures (and a corrupt file, refused on its own).
    batches = {
        LICENSEE: (61, today),
        STALL: (61, today),
        MARKET: (62, today),
        OLD_SHOP: (63, dt.date(2025, 6, 1)),  # before the registration: prior use
    }
    for i, (merchant, (seed, seen)) in enumerate(batches.items()):
        folder = tmp_path / f"batch{i}"
        folder.mkdir()
        (folder / "photo.jpg").write_bytes(copy_of(print_png(seed)))
        if i == 0:
            (folder / "broken.jpg").write_bytes(b"\xff\xd8 broken")
        out = fangdu(
            "monitor", "import", folder, "--source", "轻纺城北市场", "--merchant", merchant,
            "--seen", seen.isoformat(), "--device", "iPhone 15", "--json",
        ).stdout  # fmt: skip
        statuses = sorted(line["status"] for line in _json_lines(out))
        assert statuses == (["imported", "rejected"] if i == 0 else ["imported"])

    leads = json.loads(fangdu("monitor", "run", "--json").stdout)["leads"]
    assert len(leads) == 4
    by = {lead["merchant"]: lead for lead in leads}
    assert by[LICENSEE]["status"] == "licensed"  # closed automatically
    assert "prior_use" in by[OLD_SHOP]["flags"]
    assert by[STALL]["status"] == "open" and by[MARKET]["status"] == "open"
    assert json.loads(fangdu("monitor", "run", "--json").stdout)["leads"] == []  # incremental

    # Refusals: a licensee's lead, a prior-use lead without a supervisor: one line, exit 2.
    refused = fangdu("case", "open", str(by[LICENSEE]["lead"]), "--claimant", OWNER, code=2)
    assert "never receives a demand" in refused.output and refused.output.count("\n") == 1
    refused = fangdu("case", "open", str(by[OLD_SHOP]["lead"]), "--claimant", OWNER, code=2)
    assert "predates the registration" in refused.output

    # Case 1: review → notice → the respondent shows a licence → closed as licensed.
    one = json.loads(
        fangdu("case", "open", f"L-{by[STALL]['lead']}", "--claimant", OWNER, "--json").stdout
    )["case"]
    # No notice before a named reviewer's decision.
    fangdu("case", "notice", one, "--by", OWNER, "-o", tmp_path / "n.pdf", "--metres", "40", code=2)
    fangdu("case", "review", one, "--reviewer", REVIEWER, "--reason", "proceed")
    sent = json.loads(
        fangdu(
            "case", "notice", one, "--by", OWNER, "-o", tmp_path / "notice1.pdf",
            "--metres", "40", "--json",
        ).stdout
    )  # fmt: skip
    assert (tmp_path / "notice1.pdf").read_bytes().startswith(b"%PDF")
    assert sent["details"]["notice"]["delivered_on"] == today.isoformat()
    fangdu("case", "respond", one, "--token", sent["token"], "--answer", "licence",
           "--document", files / "shown-licence.pdf")  # fmt: skip
    closed = json.loads(
        fangdu("case", "close", one, "--outcome", "licensed", "--by", REVIEWER,
               "--reason", "the stall showed a licence", "--json").stdout
    )  # fmt: skip
    assert closed["state"] == "licensed"

    # Case 2: the respondent accepts mediation → mediator → agreement signed by all.
    two = json.loads(
        fangdu("case", "open", str(by[MARKET]["lead"]), "--claimant", OWNER, "--json").stdout
    )["case"]
    fangdu("case", "review", two, "--reviewer", REVIEWER, "--reason", "proceed")
    sent2 = json.loads(
        fangdu("case", "notice", two, "--by", OWNER, "-o", tmp_path / "notice2.pdf",
               "--metres", "800", "--json").stdout
    )  # fmt: skip
    assert sent2["details"]["notice"]["fee"] == 2400
    fangdu("case", "respond", two, "--token", sent2["token"], "--answer", "accept_mediation")
    # Another case's token opens nothing here.
    fangdu("case", "show", one, "--token", sent2["token"], code=2)
    fangdu("mediation", "roster-add", MEDIATOR, "--profile", "柯桥区人民调解委员会")
    day = today.isoformat()
    fangdu("mediation", "intake", two, "--on", day, "--claimant-address", "owner@example.cn",
           "--respondent-address", "market@example.cn", "--consent", "claimant",
           "--identity-checked", "claimant", "--identity-checked", "respondent")  # fmt: skip
    fangdu("mediation", "assign", two, "--mediator", MEDIATOR, "--on", day)
    fangdu("mediation", "accept", two, "--mediator", MEDIATOR, "--on", day)
    terms = {
        "--facts": "被申请人销售了与登记花样相同的面料",
        "--disputed-items": "侵权与赔偿",
        "--responsibilities": "被申请人承担赔偿责任",
        "--terms": "被申请人支付 2400 元，停止销售",
        "--performance-manner": "银行转账",
        "--performance-deadline": (today + dt.timedelta(days=20)).isoformat(),
        "--performance-place": "柯桥",
    }
    args = [x for pair in terms.items() for x in pair]
    missing = fangdu("mediation", "agree", two, *args[:-2], "--outcome", "stop_selling", code=2)
    assert "Art 29" in missing.output or "performance-place" in missing.output
    fangdu("mediation", "agree", two, *args, "--outcome", "stop_selling")
    fangdu("mediation", "sign", two, "--as", "路人甲", "--on", day, code=2)
    for signer in (OWNER, MARKET, MEDIATOR):
        last = fangdu("mediation", "sign", two, "--as", signer, "--on", day).stdout
    assert f"effective {day}" in last
    # 司法确认: the package is written only after its pre-check of the refusal grounds passes.
    confirmed = json.loads(
        fangdu("mediation", "confirm-package", two, "-o", tmp_path / "confirm.zip",
               "--on", day, "--json").stdout
    )  # fmt: skip
    assert len(confirmed["checks"]) >= 6 and all(c["ok"] for c in confirmed["checks"])
    with zipfile.ZipFile(tmp_path / "confirm.zip") as z:
        assert json.loads(z.read("precheck.json")) == confirmed["checks"]
        assert {"application.txt", "agreement.json", "signatures.json", "parties.json"} <= set(
            z.namelist()
        )
    # The court assigns the confirmation to a judge (logged; no state change).
    fangdu("case", "assign-judge", two, "--judge", "法官 王", "--court", "柯桥区人民法院",
           "--by", "柯桥区人民法院 立案庭")  # fmt: skip

    # The court package, as a folder and as a zip, verified offline: by a fresh home with no
    # registry in it, fast; a changed file is rejected.
    fangdu("court-package", two, "-o", tmp_path / "court")
    fangdu("court-package", two, "-o", tmp_path / "court.zip")
    elsewhere = ["--home", tmp_path / "a-court-clerk"]
    for package in (tmp_path / "court", tmp_path / "court.zip"):
        started = time.monotonic()
        verified = CliRunner().invoke(app, [*map(str, elsewhere), "verify", str(package)])
        assert time.monotonic() - started < 1.0
        assert verified.exit_code == 0, verified.output
        assert verified.stdout.startswith("VERIFIED court package")
        assert "one checkpoint for every bundle" in verified.stdout
    assert not (tmp_path / "a-court-clerk" / "fangdu.sqlite3").exists()  # no registry read
    (tmp_path / "court" / "data" / "LIMITS.txt").write_text("nothing to see", encoding="utf-8")
    assert fangdu("verify", tmp_path / "court", code=1).stdout.startswith("REJECTED")

    # Every state change of both cases is a log entry both sides see, and the court package
    # carries each of case 2's entries, signed, with the same step.
    for number, token, steps in (
        (one, sent["token"], ["draft", "reviewed", "notice_sent", "responded", "licensed"]),
        (two, sent2["token"], ["draft", "reviewed", "notice_sent", "responded", "mediation",
                               "mediation", "mediation", "paid_and_removed", "paid_and_removed"]),
    ):  # fmt: skip
        shown = json.loads(fangdu("case", "show", number, "--token", token, "--json").stdout)
        assert [e["to"] for e in shown["events"]] == steps
    with zipfile.ZipFile(tmp_path / "court.zip") as outer:
        bundle = outer.read("court/data/evidence/case.zip")
    with zipfile.ZipFile(io.BytesIO(bundle)) as case_zip:
        for event in shown["events"]:
            body = parse_entry(case_zip.read(f"entries/{event['log_index']}.json"))["body"]
            assert body["subject"] == f"case:{two}"
            assert (body["facts"]["action"], body["facts"]["to"]) == (event["action"], event["to"])
    fangdu("ledger", "fsck")
