"""The rights register end to end on SQLite: records, their rules, signatures, "as of" on past
dates, and the same answer rebuilt from the exported log without the database."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import func, select

from fangdu.disputes.services import Capture, CaptureContext
from fangdu.errors import Conflict, InputError, VerificationError
from fangdu.ledger.entries import parse_entry
from fangdu.ledger.keys import load_signer
from fangdu.ledger.note import verifier_key_string
from fangdu.rights.law import RuleRefused, protection_ends, verify_signatures
from fangdu.rights.models import RightsRecord
from fangdu.rights.rebuild import fold, read_export, standing_from_export
from fangdu.rights.report import build_report
from fangdu.rights.services import Document, Signatures

from .helpers import BANK, OWNER, pdf, pledge_documents, png

D = dt.date
BUYER = "新主人纺织有限公司"
LICENSEE = "绍兴印染厂"


def _licence(rights, key, **kw):
    args = {
        "licensee": LICENSEE,
        "exclusive": False,
        "right": "reproduction",
        "territory": "CN",
        "starts_on": D(2025, 3, 1),
        "ends_on": D(2026, 2, 28),
        "fee": "2000 yuan a year, paid each January",
        "liability": "double the fee",
        "documents": [Document("licence_contract", pdf("licence"))],
        "signed_by": [OWNER, LICENSEE],
    }
    return rights.license(key, **{**args, **kw})


def _pledge(rights, keys, **kw):
    args = {
        "pledgee": BANK,
        "applied_on": D(2025, 5, 1),
        "secured_claim": "working-capital loan 2025-017",
        "amount": "500000 yuan",
        "debtor_term_ends": D(2027, 4, 30),
        "scope": "principal, interest, costs of enforcement",
        "security_term": "until the loan is repaid",
        "documents": pledge_documents("prior_licences"),
        "signed_by": [OWNER, BANK],
    }
    return rights.pledge(keys, **{**args, **kw})


def _transfer(rights, key, **kw):
    args = {
        "to": [BUYER],
        "on": D(2025, 8, 1),
        "price": "800000 yuan",
        "payment": "by bank transfer within 30 days",
        "liability": "refund and 10 % damages",
        "territory": "worldwide",
        "proceeds": "escrow",
        "documents": [Document("transfer_contract", pdf("transfer"))],
        "signed_by": [OWNER, BUYER],
    }
    return rights.transfer(key, **{**args, **kw})


def _log_size(core) -> int:
    return core.ledger.sequenced_size()


def _records(core) -> int:
    with core.rights._sessions() as session:
        return session.scalar(select(func.count()).select_from(RightsRecord))


def _names(view) -> dict:
    data = view.as_json()
    return {
        "owners": sorted((o["name"], o["share"]) for o in data["owners"]),
        "licences": [(x["name"], x["role"]) for x in data["licences"]],
        "pledges": [x["name"] for x in data["pledges"]],
        "pending": [x["name"] for x in data["pending_pledges"]],
    }


def test_the_whole_story_as_of_six_dates_and_rebuilt_from_the_exported_log(
    core, register, tmp_path: Path
):
    rights = core.rights
    a = register(1, D(2025, 1, 10), published_on=D(2025, 2, 1))
    b = register(2, D(2025, 1, 20))
    ka, kb = f"W-{a}", f"W-{b}"

    licence = _licence(rights, ka)
    # Art 6: licences granted before the pledge are part of the application.
    with pytest.raises(InputError, match="prior_licences"):
        _pledge(rights, [ka, kb], documents=pledge_documents())
    pledge = _pledge(rights, [ka, kb])
    assert pledge.works == (a, b)
    assert rights.show(ka, D(2025, 5, 10)).standing.pledges == ()  # not a pledge in law yet
    rights.register_pledge(
        pledge.id,
        national_no="2025-Z-00012345",
        registered_on=D(2025, 5, 20),
        certificate=Document("national_certificate", pdf("certificate")),
        signed_by=[BANK],
    )
    # 民法典 Art 444: no transfer of a pledged work without the pledgee's consent.
    with pytest.raises(RuleRefused, match="Art 444"):
        _transfer(rights, ka)
    rights.consent(
        pledge.id,
        ka,
        purpose="transfer",
        counterparties=[BUYER],
        given_on=D(2025, 7, 30),
        signed_by=[BANK],
    )
    with pytest.raises(InputError, match="proceeds"):
        _transfer(rights, ka, proceeds=None)
    transfer = _transfer(rights, ka)
    assert any("escrow" in note for note in transfer.notes)
    # The consent is used up: a second transfer needs a new one.
    with pytest.raises(RuleRefused, match="Art 444"):
        _transfer(rights, ka, to=[LICENSEE], on=D(2025, 8, 2), signed_by=[BUYER, LICENSEE])
    # A release needs the pledgee's signature; a partial one releases some works only.
    with pytest.raises(RuleRefused, match="pledgee"):
        rights.release(pledge.id, works=[ka], released_on=D(2025, 10, 1), signed_by=[BUYER])
    release = rights.release(pledge.id, works=[ka], released_on=D(2025, 10, 1), signed_by=[BANK])
    assert release.facts["terms"]["partial"] is True

    expected = {
        D(2025, 1, 5): {"owners": [], "licences": [], "pledges": [], "pending": []},
        D(2025, 4, 1): {
            "owners": [(OWNER, 10000)],
            "licences": [(LICENSEE, "non_exclusive_licensee")],
            "pledges": [],
            "pending": [],
        },
        D(2025, 5, 10): {
            "owners": [(OWNER, 10000)],
            "licences": [(LICENSEE, "non_exclusive_licensee")],
            "pledges": [],
            "pending": [BANK],
        },
        D(2025, 6, 1): {
            "owners": [(OWNER, 10000)],
            "licences": [(LICENSEE, "non_exclusive_licensee")],
            "pledges": [BANK],
            "pending": [],
        },
        D(2025, 9, 1): {
            "owners": [(BUYER, 10000)],
            "licences": [(LICENSEE, "non_exclusive_licensee")],
            "pledges": [BANK],
            "pending": [],
        },
        D(2025, 11, 1): {
            "owners": [(BUYER, 10000)],
            "licences": [(LICENSEE, "non_exclusive_licensee")],
            "pledges": [],
            "pending": [],
        },
    }
    for day, want in expected.items():
        assert _names(rights.show(ka, day)) == want, day
    # The other work of the collection stays pledged after the partial release.
    assert _names(rights.show(kb, D(2025, 11, 1)))["pledges"] == [BANK]
    assert licence.id < pledge.id < transfer.id < release.id

    # The same answers from the exported log alone, every signature checked on the way.
    core.registry.integrate()
    export = tmp_path / "log"
    core.ledger.export(export)
    key = verifier_key_string(core.ledger.signer)
    for work, key_ in ((a, ka), (b, kb)):
        for day in expected:
            from_db = rights.standing(key_, day).as_json()
            from_log = standing_from_export(export, work, day, log_key=key).as_json()
            assert from_log == from_db, (work, day)


def test_every_record_is_a_signed_log_entry_with_hashed_parties_and_sealed_terms(core, register):
    rights = core.rights
    a = register(3, D(2025, 1, 10))
    licence = _licence(rights, f"W-{a}")
    (index,) = licence.log_indices
    entry = parse_entry(core.ledger.entry(index))  # the submitter's signature verifies
    body = entry["body"]
    assert body["type"] == "licence" and body["subject"] == f"work:{a}"
    text = json.dumps(body, ensure_ascii=False)
    # Personal data only as salted hashes; money terms only as a commitment.
    for secret in (OWNER, LICENSEE, "2000 yuan", "double the fee"):
        assert secret not in text
    assert len(body["facts"]["sealed_terms"]) == 64
    assert {f["role"] for f in body["files"]} == {"licence_contract"}
    roles = sorted(role for _, role in verify_signatures(body["facts"]))
    assert roles == ["licensee", "licensor"]
    # The contract is in the blob store under its hash, like originals.
    (_, sha) = licence.documents[0]
    assert core.blobs.get(sha).startswith(b"%PDF-")
    # The licensee's signature is by its custodial key (keys/parties/<id>.key).
    keys = sorted((core.settings.keys_path / "parties").glob("*.key"))
    assert len(keys) == 2
    publics = {s["public_key"] for s in body["facts"]["signatures"]}
    import base64

    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    for path in keys:
        raw = load_signer(path).public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        assert base64.b64encode(raw).decode() in publics
    # Altered facts no longer verify.
    forged = json.loads(json.dumps(body["facts"]))
    forged["terms"]["territory"] = "worldwide"
    with pytest.raises(VerificationError, match="does not verify"):
        verify_signatures(forged)
    opening = rights.opening(licence.id)
    assert opening is not None and b"double the fee" in opening


def test_art_12_pre_checks_refuse_each_ground(core, register, print_png, tmp_path):
    from fangdu.registry.schemas import PriorArtSource, RegistrationRequest

    rights = core.rights
    a = register(4, D(2025, 1, 10), published_on=D(2025, 2, 1))
    old = register(5, D(1960, 1, 1), published_on=D(1960, 6, 1))
    # (1) the pledgor is not the owner
    with pytest.raises(RuleRefused, match=r"Art 12 \(1\)"):
        _pledge(rights, [f"W-{a}"], pledgors=["某某贸易公司"], signed_by=["某某贸易公司", BANK])
    # (3) protection expired (著作权法 Art 23: 50 years after publication for a company)
    with pytest.raises(RuleRefused, match=r"Art 12 \(3\)"):
        _pledge(rights, [f"W-{old}"], documents=pledge_documents())
    # (4) the debt outlasts the protection
    assert protection_ends("company", D(2025, 1, 10), D(2025, 2, 1)) == D(2075, 12, 31)
    with pytest.raises(RuleRefused, match=r"Art 12 \(4\)"):
        _pledge(rights, [f"W-{a}"], debtor_term_ends=D(2076, 1, 1), documents=pledge_documents())
    # (5) ownership disputed: the duplicate check found earlier prior art in the work
    folder = tmp_path / "stall"
    folder.mkdir()
    (folder / "photo.png").write_bytes(print_png(6))
    core.registry.filing.import_files(
        [folder / "photo.png"], prior_art=PriorArtSource("stall photo", D(2024, 6, 1)), jobs=1
    )
    filed = core.registry.filing.register(
        print_png(6),
        RegistrationRequest(
            title="牡丹", owner=OWNER, owner_kind="company", created_on=D(2025, 1, 1)
        ),
        submit_for_review=True,
    )
    core.registry.filing.decide(
        filed.work.id,
        approve=True,
        reviewer="reviewer-1",
        reason="the applicant's own earlier print",
    )
    with pytest.raises(RuleRefused, match=r"disputed: prior art P-1.*Art 12 \(5\)"):
        _pledge(rights, [f"W-{filed.work.id}"], documents=pledge_documents())
    # Refusals leave nothing: no record, no entry.
    assert _records(core) == 0
    # A second pledge on the same work is refused by default.
    _pledge(rights, [f"W-{a}"], documents=pledge_documents())
    with pytest.raises(RuleRefused, match="already pledged"):
        _pledge(rights, [f"W-{a}"], documents=pledge_documents(), applied_on=D(2025, 6, 1))
    rights.allow_second_pledge = True
    _pledge(rights, [f"W-{a}"], documents=pledge_documents(), applied_on=D(2025, 6, 1))
    with core.rights._sessions() as session:
        from fangdu.rights.models import Holding

        ranks = session.scalars(
            select(Holding.rank).where(Holding.role == "pledgee").order_by(Holding.id)
        ).all()
    assert ranks == [1, 2]


def test_exclusive_licences_never_overlap(core, register):
    rights = core.rights
    key = f"W-{register(7, D(2025, 1, 10))}"
    _licence(rights, key, exclusive=True, ends_on=D(2025, 12, 31))
    with pytest.raises(RuleRefused, match="实施条例 Art 24"):
        _licence(
            rights,
            key,
            exclusive=True,
            licensee="另一家",
            signed_by=[OWNER, "另一家"],
            starts_on=D(2025, 6, 1),
            ends_on=D(2026, 6, 1),
        )
    with pytest.raises(RuleRefused, match="exclusive licence"):
        _licence(
            rights,
            key,
            licensee="另一家",
            signed_by=[OWNER, "另一家"],
            right="all",
            starts_on=D(2025, 6, 1),
        )
    # Another territory, or after the exclusive one ends: fine.
    _licence(
        rights,
        key,
        exclusive=True,
        licensee="另一家",
        signed_by=[OWNER, "另一家"],
        territory="VN",
        starts_on=D(2025, 6, 1),
        ends_on=D(2026, 6, 1),
    )
    _licence(
        rights,
        key,
        licensee="第三家",
        signed_by=[OWNER, "第三家"],
        starts_on=D(2026, 1, 1),
        ends_on=D(2026, 6, 1),
    )


def test_bad_input_is_refused_with_one_line_and_nothing_half_written(core, register):
    rights = core.rights
    key = f"W-{register(8, D(2025, 1, 10))}"
    cases = [
        # a transfer by someone who is not the owner
        (
            RuleRefused,
            "not an owner",
            lambda: _transfer(rights, key, transferor="路人甲", signed_by=["路人甲", BUYER]),
        ),
        # a date in the future, or before the work's creation
        (
            InputError,
            "in the future",
            lambda: _transfer(rights, key, on=dt.date.today() + dt.timedelta(days=3)),
        ),
        (InputError, "before FD-.* was created", lambda: _transfer(rights, key, on=D(2024, 1, 1))),
        # a contract file that is not a PDF or an image
        (
            InputError,
            "PDF or an image",
            lambda: _transfer(
                rights, key, documents=[Document("transfer_contract", b"MZ\x90\x00")]
            ),
        ),
        # a missing signature (the transferee)
        (RuleRefused, "not signed by 新主人", lambda: _transfer(rights, key, signed_by=[OWNER])),
        # a missing Art 27 field
        (InputError, "lacks price", lambda: _transfer(rights, key, price=" ")),
        # a release of something that is not a pledge
        (InputError, "not a pledge", lambda: rights.release(1, released_on=D(2025, 3, 1))),
    ]
    _licence(rights, key)  # R-1, a licence
    size, blobs, records = _log_size(core), sorted(core.settings.blobs_path.rglob("*")), 1
    for error, message, attempt in cases:
        with pytest.raises(error, match=message) as caught:
            attempt()
        assert "\n" not in str(caught.value)
    assert _log_size(core) == size
    assert sorted(core.settings.blobs_path.rglob("*")) == blobs
    assert _records(core) == records
    # An image is a contract document too.
    done = _transfer(rights, key, documents=[Document("transfer_contract", png())], proceeds=None)
    assert done.documents[0][0] == "transfer_contract"


def test_co_owned_works_need_every_co_owner(core, register):
    rights = core.rights
    key = f"W-{register(9, D(2025, 1, 10))}"
    _transfer(rights, key, to={BUYER: 5000}, share=5000, transferor=OWNER, proceeds=None)
    owners = rights.show(key, D(2025, 9, 1)).standing.owners
    assert sorted(h.share for h in owners) == [5000, 5000]
    # 著作权法 Art 14: an exclusive licence or a pledge needs both; a non-exclusive one does not.
    with pytest.raises(RuleRefused, match="every co-owner"):
        _licence(rights, key, exclusive=True, licensor=OWNER, starts_on=D(2025, 9, 1))
    with pytest.raises(RuleRefused, match="not signed by 新主人"):
        _pledge(
            rights, [key], applied_on=D(2025, 9, 1), documents=pledge_documents("co_owner_consent")
        )
    with pytest.raises(InputError, match="co_owner_consent"):
        _pledge(
            rights,
            [key],
            applied_on=D(2025, 9, 1),
            signed_by=[OWNER, BUYER, BANK],
            documents=pledge_documents(),
        )
    _licence(rights, key, licensor=OWNER, starts_on=D(2025, 9, 1))
    rights.pledge(
        [key],
        pledgee=BANK,
        applied_on=D(2025, 9, 2),
        secured_claim="loan",
        amount="1",
        debtor_term_ends=D(2026, 1, 1),
        scope="principal",
        security_term="one year",
        documents=pledge_documents("co_owner_consent", "prior_licences"),
        signed_by=[OWNER, BUYER, BANK],
    )


def test_records_are_kept_in_date_order(core, register):
    rights = core.rights
    key = f"W-{register(10, D(2025, 1, 10))}"
    _licence(rights, key, starts_on=D(2025, 6, 1))
    with pytest.raises(InputError, match="before the latest record"):
        _transfer(rights, key, on=D(2025, 5, 1), proceeds=None)


def test_rebuild_refuses_an_export_that_does_not_match_its_checkpoint(core, register, tmp_path):
    key = f"W-{register(11, D(2025, 1, 10))}"
    _licence(core.rights, key)
    core.registry.integrate()
    core.ledger.export(tmp_path / "log")
    entries = read_export(tmp_path / "log", verifier_key_string(core.ledger.signer))
    assert fold(entries)
    bundle = next((tmp_path / "log" / "tile" / "entries").rglob("*"))
    while bundle.is_dir():
        bundle = next(bundle.iterdir())
    data = bytearray(bundle.read_bytes())
    data[-5] ^= 1
    bundle.write_bytes(bytes(data))
    with pytest.raises(VerificationError):
        read_export(tmp_path / "log")


def test_a_pledge_lifecycle_needs_its_signatures_and_its_order(core, register):
    rights = core.rights
    key = f"W-{register(12, D(2025, 1, 10))}"
    pledge = _pledge(rights, [key], documents=pledge_documents())
    # Not registered yet: nothing to release; withdrawing needs pledgor and pledgee.
    with pytest.raises(Conflict, match="withdraw it instead"):
        rights.release(pledge.id, released_on=D(2025, 6, 1), signed_by=[BANK])
    with pytest.raises(RuleRefused, match="not signed by 柯桥"):
        rights.withdraw(pledge.id, withdrawn_on=D(2025, 6, 1), signed_by=[BANK])
    with pytest.raises(InputError, match="before the latest record"):
        rights.register_pledge(
            pledge.id,
            national_no="N-1",
            registered_on=D(2025, 4, 1),
            certificate=Document("national_certificate", pdf()),
            signed_by=[BANK],
        )
    rights.withdraw(pledge.id, withdrawn_on=D(2025, 6, 1), signed_by=[OWNER, BANK])
    view = rights.show(key, D(2025, 6, 2))
    assert view.standing.pledges == view.standing.pending_pledges == ()
    assert rights.show(key, D(2025, 5, 15)).standing.pending_pledges[0].status == "withdrawn"
    with pytest.raises(Conflict, match="not pending"):
        rights.register_pledge(
            pledge.id,
            national_no="N-1",
            registered_on=D(2025, 6, 3),
            certificate=Document("national_certificate", pdf()),
            signed_by=[BANK],
        )
    # Withdrawn, the work can be pledged again.
    again = _pledge(rights, [key], documents=pledge_documents(), applied_on=D(2025, 6, 5))
    assert [r for r, *_ in rights.show(key).records] == [pledge.id, pledge.id + 1, again.id]
    assert [role for _, role in rights.verify_record(again.id)] == ["pledgor", "pledgee"]


def test_a_pledge_is_changed_and_follows_its_claim_to_a_new_pledgee(core, register, tmp_path):
    rights = core.rights
    work = register(13, D(2025, 1, 10))
    key = f"W-{work}"
    pledge = _pledge(rights, [key], documents=pledge_documents())
    rights.register_pledge(
        pledge.id,
        national_no="N-7",
        registered_on=D(2025, 5, 20),
        certificate=Document("national_certificate", pdf()),
        signed_by=[BANK],
    )
    with pytest.raises(RuleRefused, match=r"Art 12 \(4\)"):
        rights.change_pledge(
            pledge.id,
            changed_on=D(2025, 6, 1),
            debtor_term_ends=D(2080, 1, 1),
            signed_by=[OWNER, BANK],
        )
    with pytest.raises(RuleRefused, match="not signed by 柯桥"):
        rights.change_pledge(pledge.id, changed_on=D(2025, 6, 1), amount="600000", signed_by=[BANK])
    changed = rights.change_pledge(
        pledge.id,
        changed_on=D(2025, 6, 1),
        amount="600000",
        debtor_term_ends=D(2028, 4, 30),
        signed_by=[OWNER, BANK],
    )
    assert changed.facts["terms"] == {"debtor_term_ends": "2028-04-30"}
    new_bank = "浙江某资产管理公司"
    with pytest.raises(RuleRefused, match="not signed by 浙江"):
        rights.transfer_pledge(
            pledge.id, to=new_bank, transferred_on=D(2025, 7, 1), signed_by=[BANK]
        )
    rights.transfer_pledge(
        pledge.id, to=new_bank, transferred_on=D(2025, 7, 1), signed_by=[BANK, new_bank]
    )

    def pledgee(day):
        view = rights.show(key, day)
        return [view.names[h.party] for h in view.standing.pledges]

    assert pledgee(D(2025, 6, 30)) == [BANK]
    assert pledgee(D(2025, 7, 1)) == [new_bank]
    # The new pledgee consents and releases now; the old one cannot.
    with pytest.raises(RuleRefused, match="not signed by 浙江"):
        rights.release(pledge.id, released_on=D(2025, 9, 1), signed_by=[BANK])
    rights.consent(
        pledge.id,
        key,
        purpose="licence",
        counterparties=[LICENSEE],
        given_on=D(2025, 8, 1),
        signed_by=[new_bank],
    )
    _licence(rights, key, starts_on=D(2025, 8, 2))
    rights.release(pledge.id, released_on=D(2025, 9, 1), signed_by=[new_bank])
    assert pledgee(D(2025, 9, 2)) == []

    core.registry.integrate()
    core.ledger.export(tmp_path / "log")
    for day in (D(2025, 6, 30), D(2025, 7, 1), D(2025, 8, 3), D(2025, 9, 2)):
        from_log = standing_from_export(tmp_path / "log", work, day)
        assert from_log.as_json() == rights.standing(key, day).as_json(), day


def test_collateral_watch_tells_the_pledgee_and_posts_signed_events(core, register):
    from fangdu.ledger.note import verifier_key_string as vks
    from fangdu.rights.watch import verify_post

    rights = core.rights
    work = register(14, D(2025, 1, 10))
    key = f"W-{work}"
    pledge = _pledge(rights, [key], documents=pledge_documents())
    rights.register_pledge(
        pledge.id,
        national_no="N-9",
        registered_on=D(2025, 5, 20),
        certificate=Document("national_certificate", pdf()),
        signed_by=[BANK],
    )
    # An attempt without consent is refused, and the bank hears of it.
    with pytest.raises(RuleRefused, match="Art 444"):
        _transfer(rights, key)
    with pytest.raises(RuleRefused, match="Art 444"):
        _licence(rights, key, starts_on=D(2025, 6, 1))
    rights.consent(
        pledge.id,
        key,
        purpose="licence",
        counterparties=[LICENSEE],
        given_on=D(2025, 6, 1),
        signed_by=[BANK],
    )
    _licence(rights, key, starts_on=D(2025, 6, 2))
    assert rights.watch_event(work, "dispute_opened", {"case": "C-1"}) == 1
    kinds = [e["kind"] for e in rights.watch_feed(BANK)]
    assert kinds == [
        "pledge_registration",
        "transfer_attempt_refused",
        "licence_attempt_refused",
        "consent",
        "licence",
        "dispute_opened",
    ]
    assert rights.watch_feed(OWNER) == []
    # Posted to the bank's webhook, each body signed by the registry's operator key.
    rights.set_webhook(BANK, "https://bank.example/fangdu")
    posted = []

    def post(url, body, headers):
        posted.append((url, body, headers))
        return 500 if len(posted) == 1 else 204

    assert rights.deliver(post) == (5, 1)
    assert rights.deliver(post) == (1, 0)  # the failed one again
    assert rights.deliver(post) == (0, 0)
    url, body, headers = posted[-1]
    assert url == "https://bank.example/fangdu"
    assert headers["Fangdu-Key"] == vks(rights.operator)
    verify_post(body, headers["Fangdu-Signature"], headers["Fangdu-Key"])
    with pytest.raises(VerificationError):
        verify_post(
            body.replace(b'"kind"', b'"kinx"'), headers["Fangdu-Signature"], vks(rights.operator)
        )
    with pytest.raises(InputError, match="http"):
        rights.set_webhook(BANK, "ftp://bank.example")


def test_each_signature_says_what_the_registry_knew(core, register):
    """An account's own party signs as itself; parties it names are only declared, and a bank's
    report lists them. The basis is inside what is signed: changing it breaks the signatures."""
    work = register(31, dt.date(2025, 1, 1))
    terms = dict(
        exclusive=False,
        right="all",
        territory="worldwide",
        ends_on=dt.date(2025, 12, 31),
        fee="1",
        liability="1",
    )
    typed = core.rights.license(
        str(work), licensee="甲", starts_on=dt.date(2025, 2, 1), signed_by=[OWNER, "甲"], **terms
    )
    assert {b["basis"] for b in typed.facts["signature_basis"]} == {"operator"}
    web = core.rights.license(
        str(work),
        licensee="乙",
        starts_on=dt.date(2025, 3, 1),
        signed_by=Signatures((OWNER, "乙"), account_party=OWNER),
        **terms,
    )
    assert [(b["role"], b["basis"]) for b in web.facts["signature_basis"]] == [
        ("licensor", "account"),
        ("licensee", "declared"),
    ]
    verify_signatures(web.facts)
    basis = [{**b, "basis": "account"} for b in web.facts["signature_basis"]]
    with pytest.raises(VerificationError):
        verify_signatures({**web.facts, "signature_basis": basis})
    report = json.loads(build_report(core.rights, str(work), maturity=dt.date(2030, 1, 1)))
    licensee = web.facts["parties"][-1]["party"]
    assert report["report"]["findings"]["signatures_declared"] == [
        {"record": web.id, "party": licensee, "role": "licensee"}
    ]


def _notified_case(disputes, work: int, png: bytes):
    """A market sighting of a mirrored copy of ``work`` made a case and noticed: the sent case,
    whose token the respondent answers with."""
    disputes.watch(f"W-{work}", OWNER)
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    copy = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb[:, ::-1, ::-1])).save(copy, "JPEG", quality=92)
    context = CaptureContext("北市场", "某布行", disputes.today(), "监测员 王")
    disputes.import_sightings([Capture("stall.jpg", copy.getvalue())], context)
    (lead,) = disputes.run().leads
    case = disputes.open_case(lead.id, OWNER)
    disputes.review(case.id, "审核员 李", "proceed")
    sent, _ = disputes.send_notice(case.id, OWNER, metres=100)
    return sent


def test_an_open_case_whose_respondent_contests_it_disputes_the_title(core, register, print_png):
    """Art 12 (5) also asks the disputes context: a claim only notified leaves the title as it
    was; once the respondent disputes it, a pledge application is refused until it closes."""

    work = register(7, D(2025, 1, 10))
    disputes = core.disputes
    sent = _notified_case(disputes, work, print_png(7))
    label = core.rights.show(str(work)).work.label
    assert core.rights.title_disputes(label) == []  # notified, not contested
    assert sent.token is not None
    disputes.respond(sent.id, sent.token, "dispute", reasons="我们先印的 we printed it first")
    today = disputes.today()
    with pytest.raises(RuleRefused, match=rf"case C-{sent.id} \(responded\).*Art 12 \(5\)"):
        _pledge(
            core.rights,
            [f"W-{work}"],
            applied_on=today,
            debtor_term_ends=today + dt.timedelta(days=365),
            documents=pledge_documents(),
        )
    assert _records(core) == 0


def test_a_contested_case_reaches_the_pledgee_of_the_work(core, register, print_png):
    """The collateral watch hears from the disputes context: once the respondent disputes the
    claim, and again when the case goes to court, the bank holding the pledge is told."""
    rights, disputes = core.rights, core.disputes
    work = register(7, D(2025, 1, 10))
    pledge = _pledge(rights, [f"W-{work}"], documents=pledge_documents())
    rights.register_pledge(
        pledge.id,
        national_no="N-11",
        registered_on=D(2025, 5, 20),
        certificate=Document("national_certificate", pdf()),
        signed_by=[BANK],
    )
    sent = _notified_case(disputes, work, print_png(7))
    assert "title_contested" not in [e["kind"] for e in rights.watch_feed(BANK)]
    assert sent.token is not None
    disputes.respond(sent.id, sent.token, "dispute", reasons="我们先印的 we printed it first")
    disputes.close(sent.id, "litigation", OWNER, "起诉 filed with the court")
    events = [e for e in rights.watch_feed(BANK) if e["kind"] in ("title_contested", "litigation")]
    assert [(e["kind"], e["detail"]["case"]) for e in events] == [
        ("title_contested", f"C-{sent.id}"),
        ("litigation", f"C-{sent.id}"),
    ]
    assert rights.watch_feed(OWNER) == []
