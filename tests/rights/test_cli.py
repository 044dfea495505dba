"""`fangdu rights` end to end: register → licence → pledge (every Art 12 pre-check failing
once) → national number → transfer refused → consent → transfer → partial release; `show
--as-of` on five dates, the same as `rights rebuild` from `ledger export` with no database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fangdu.cli.app import app

from .helpers import BANK, OWNER, pdf

BUYER = "新主人纺织有限公司"
LICENSEE = "绍兴印染厂"


@pytest.fixture
def fangdu(tmp_path: Path):
    runner = CliRunner()
    home = tmp_path / "home"

    def run(*args: object, code: int = 0):
        result = runner.invoke(app, ["--home", str(home), *map(str, args)])
        assert result.exit_code == code, (args, result.output)
        return result

    return run


def _work(fangdu, image: Path, created: str, title: str) -> int:
    out = fangdu(
        "register",
        image,
        "--title",
        title,
        "--owner",
        OWNER,
        "--owner-kind",
        "company",
        "--created",
        created,
        "--json",
    ).stdout
    return json.loads(out)["work"]["id"]


def test_the_bank_story_on_the_command_line(fangdu, tmp_path: Path, print_png):
    files = tmp_path / "files"
    files.mkdir()
    for name in ("licence", "transfer", "main", "pledge", "ids", "prior", "certificate"):
        (files / f"{name}.pdf").write_bytes(pdf(name))
    for seed in (21, 22, 23, 24):
        (files / f"p{seed}.png").write_bytes(print_png(seed))
    (files / "notes.txt").write_text("not a contract")
    a = _work(fangdu, files / "p21.png", "2025-01-10", "牡丹")
    b = _work(fangdu, files / "p22.png", "2025-01-20", "荷花")
    old = _work(fangdu, files / "p23.png", "1960-01-01", "老花样")

    fangdu(
        "rights",
        "license",
        f"W-{a}",
        "--licensee",
        LICENSEE,
        "--right",
        "reproduction",
        "--territory",
        "CN",
        "--from",
        "2025-03-01",
        "--until",
        "2026-02-28",
        "--fee",
        "2000 yuan a year",
        "--liability",
        "double the fee",
        "--contract",
        files / "licence.pdf",
        "--signed-by",
        OWNER,
        "--signed-by",
        LICENSEE,
    )
    # A contract that is not a PDF or an image: one line, exit 2.
    bad = fangdu(
        "rights",
        "license",
        f"W-{b}",
        "--licensee",
        LICENSEE,
        "--right",
        "reproduction",
        "--territory",
        "CN",
        "--from",
        "2025-03-01",
        "--until",
        "2026-02-28",
        "--fee",
        "1",
        "--liability",
        "1",
        "--contract",
        files / "notes.txt",
        "--signed-by",
        OWNER,
        "--signed-by",
        LICENSEE,
        code=2,
    )
    assert "PDF or an image" in bad.output

    docs = [
        "--doc",
        f"main_contract={files / 'main.pdf'}",
        "--doc",
        f"pledge_contract={files / 'pledge.pdf'}",
        "--doc",
        f"pledgor_id={files / 'ids.pdf'}",
        "--doc",
        f"pledgee_id={files / 'ids.pdf'}",
        "--doc",
        f"prior_licences={files / 'prior.pdf'}",
    ]

    def pledge(*works: int, code: int = 0, debt_ends: str = "2027-04-30", extra=()):
        return fangdu(
            "rights",
            "pledge",
            *(f"W-{w}" for w in works),
            "--pledgee",
            BANK,
            "--on",
            "2025-05-01",
            "--claim",
            "loan 2025-017",
            "--amount",
            "500000 yuan",
            "--debt-ends",
            debt_ends,
            "--scope",
            "principal and interest",
            "--security-term",
            "until repaid",
            *docs,
            "--signed-by",
            OWNER,
            "--signed-by",
            BANK,
            *extra,
            code=code,
        )

    # Every Art 12 ground Fangdu can check, each refused with its article.
    assert (
        "Art 12 (1)"
        in pledge(a, code=2, extra=("--pledgor", "路人甲", "--signed-by", "路人甲")).output
    )
    assert "Art 12 (3)" in pledge(old, code=2).output
    assert "Art 12 (4)" in pledge(a, code=2, debt_ends="2076-01-01").output
    fangdu("import", files / "p24.png", "--prior-art", "--source", "stall", "--seen", "2024-06-01")
    filed = fangdu(
        "register",
        files / "p24.png",
        "--title",
        "仿",
        "--owner",
        OWNER,
        "--owner-kind",
        "company",
        "--created",
        "2025-01-01",
        "--submit-for-review",
        "--json",
    ).stdout
    disputed = json.loads(filed)["work"]["id"]
    fangdu("approve", f"W-{disputed}", "--reason", "the applicant's own print", "--reviewer", "r1")
    assert "Art 12 (5)" in pledge(disputed, code=2).output

    out = pledge(a, b).stdout
    pledge_no = re.search(r"R-(\d+) pledge", out).group(1)
    fangdu(
        "rights",
        "register-pledge",
        f"R-{pledge_no}",
        "--national-no",
        "2025-Z-00012345",
        "--on",
        "2025-05-20",
        "--certificate",
        files / "certificate.pdf",
        "--signed-by",
        BANK,
    )
    transfer = (
        "rights",
        "transfer",
        f"W-{a}",
        "--to",
        BUYER,
        "--on",
        "2025-08-01",
        "--price",
        "800000 yuan",
        "--payment",
        "within 30 days",
        "--liability",
        "refund",
        "--proceeds",
        "escrow",
        "--contract",
        files / "transfer.pdf",
        "--signed-by",
        OWNER,
        "--signed-by",
        BUYER,
    )
    assert "民法典 Art 444" in fangdu(*transfer, code=2).output
    fangdu(
        "rights",
        "consent",
        f"R-{pledge_no}",
        f"W-{a}",
        "--for",
        "transfer",
        "--counterparty",
        BUYER,
        "--on",
        "2025-07-30",
        "--signed-by",
        BANK,
    )
    assert "escrow" in fangdu(*transfer).stdout
    # Only the pledgee releases.
    release = ("rights", "release", f"R-{pledge_no}", "--work", f"W-{a}", "--on", "2025-10-01")
    assert "pledgee" in fangdu(*release, "--signed-by", BUYER, code=2).output
    fangdu(*release, "--signed-by", BANK)

    fangdu("ledger", "export", tmp_path / "log")
    key = fangdu("ledger", "key").stdout.strip().splitlines()[-1]
    seen = {}
    for day in ("2025-02-01", "2025-05-10", "2025-06-01", "2025-09-01", "2025-11-01"):
        shown = json.loads(fangdu("rights", "show", f"W-{a}", "--as-of", day, "--json").stdout)
        rebuilt = json.loads(
            fangdu(
                "rights", "rebuild", tmp_path / "log", a, "--as-of", day, "--log-key", key
            ).stdout
        )
        for part in ("owners", "licences", "pledges", "pending_pledges"):
            for item in shown[part]:
                item.pop("name")
            assert shown[part] == rebuilt[part], (day, part)
        seen[day] = (
            [o["party"] for o in shown["owners"]],
            len(shown["licences"]),
            len(shown["pledges"]),
            len(shown["pending_pledges"]),
        )
    owner, buyer = seen["2025-02-01"][0], seen["2025-09-01"][0]
    assert owner != buyer
    assert seen == {
        "2025-02-01": (owner, 0, 0, 0),
        "2025-05-10": (owner, 1, 0, 1),
        "2025-06-01": (owner, 1, 1, 0),
        "2025-09-01": (buyer, 1, 1, 0),
        "2025-11-01": (buyer, 1, 0, 0),
    }
    text = fangdu("rights", "show", f"W-{b}", "--as-of", "2025-11-01").stdout
    assert f"pledge: {BANK}" in text and "protection ends: 2075-12-31" in text

    # The bank's portfolio: one pledge of two works, one released, one still in force.
    portfolio = json.loads(fangdu("rights", "pledges", "--pledgee", BANK, "--json").stdout)
    assert portfolio["national_no"] == "2025-Z-00012345"
    assert [(w["work_id"], w["status"]) for w in portfolio["works"]] == [
        (a, "released"),
        (b, "in_force"),
    ]
    # The bank watched its collateral: the refused attempt and each record since.
    feed = fangdu("rights", "watch", "--pledgee", BANK).stdout
    assert "transfer_attempt_refused" in feed and "pledge_release" in feed

    # The bank's report: signed, tied to a checkpoint, verified offline, regenerated alike.
    fangdu("rights", "report", f"W-{a}", "--maturity", "2027-04-30", "-o", tmp_path / "r1")
    size = json.loads((tmp_path / "r1" / "report.json").read_bytes())["report"]["entries"]
    checked = fangdu("rights", "verify-report", tmp_path / "r1" / "report.json", "--log-key", key)
    assert checked.stdout.count("ok:") == 4 and size
    fangdu("rights", "report", f"W-{a}", "--maturity", "2027-04-30", "-o", tmp_path / "r2")
    fangdu("rights", "report", f"W-{a}", f"W-{b}", "--maturity", "2027-04-30", "-o", tmp_path / "c")
    for label in (f"W-{a}", f"W-{b}"):
        fangdu("rights", "verify-report", tmp_path / "c" / label / "report.json", "--log-key", key)
    unpinned = fangdu("verify", tmp_path / "r1" / "report.json").stdout
    assert unpinned.count("ok:") == 4 and "pin it with --policy" in unpinned
    (tmp_path / "policy.toml").write_text(f'log_key = "{key}"\n')
    pinned = fangdu("verify", tmp_path / "r1" / "report.json", "--policy", tmp_path / "policy.toml")
    assert pinned.stdout.count("ok:") == 4
    for name in ("report.json", "report.pdf"):
        assert (tmp_path / "r1" / name).read_bytes() == (tmp_path / "r2" / name).read_bytes()

    # The pledge on the collection's other work: changed, then carried to a new pledgee.
    change = ("rights", "change-pledge", f"R-{pledge_no}", "--on", "2025-11-02")
    out = fangdu(
        *change, "--debt-ends", "2080-01-01", "--signed-by", OWNER, "--signed-by", BANK, code=2
    )
    assert "Art 12 (4)" in out.output
    fangdu(*change, "--amount", "400000 yuan", "--signed-by", OWNER, "--signed-by", BANK)
    fangdu(
        "rights",
        "transfer-pledge",
        f"R-{pledge_no}",
        "--to",
        "某资产管理公司",
        "--on",
        "2025-11-03",
        "--signed-by",
        BANK,
        "--signed-by",
        "某资产管理公司",
    )
    text = fangdu("rights", "show", f"W-{b}", "--as-of", "2025-11-03").stdout
    assert "pledge: 某资产管理公司" in text
