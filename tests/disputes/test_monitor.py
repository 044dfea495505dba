"""Monitoring: sightings keep their bytes and circumstances in the log; a run turns matches
into leads once; a licence on record closes a lead; prior use and own purchases are flagged."""

from __future__ import annotations

import datetime as dt

import pytest

from fangdu.disputes.errors import Refused
from fangdu.disputes.services import Capture, CaptureContext
from fangdu.ledger.entries import parse_entry
from fangdu.registry.blobs import sha256_hex

from .conftest import LICENSEE, OWNER, STALL, copy_of, license_to, pdf


def _context(merchant: str, seen: dt.date, **kw) -> CaptureContext:
    return CaptureContext(
        source="轻纺城北市场 2 楼", merchant=merchant, seen_on=seen, captured_by="监测员 王", **kw
    )


def test_a_run_makes_leads_once_and_a_licence_on_record_closes_one(core, register, print_png):
    work = register(31)
    other = register(32)
    license_to(core, work)
    disputes = core.disputes
    disputes.watch(f"W-{work}", OWNER)
    today = disputes.today()
    data = copy_of(print_png(31))
    lines = disputes.import_sightings(
        [Capture("a.jpg", data), Capture("bad.jpg", b"not an image")], _context(LICENSEE, today)
    )
    assert [line.status for line in lines] == ["imported", "rejected"]
    disputes.import_sightings([Capture("b.jpg", data)], _context(STALL, today))
    # The same capture again is kept once.
    again = disputes.import_sightings([Capture("b.jpg", data)], _context(STALL, today))
    assert again[0].status == "present"

    # The sighting's bytes are in the blob store and its entry names them and who/where/when.
    entry = parse_entry(core.ledger.entry(lines[0].log_index))["body"]
    assert entry["type"] == "infringement_evidence"
    assert entry["files"][0]["sha256"] == sha256_hex(data)
    assert core.blobs.get(sha256_hex(data)) == data
    assert entry["facts"]["seen_on"] == today.isoformat()
    assert entry["facts"]["source"] == "轻纺城北市场 2 楼"

    report = disputes.run()
    assert report.checked == 2
    by_merchant = {lead.merchant: lead for lead in report.leads}
    assert set(by_merchant) == {LICENSEE, STALL}
    assert all(lead.work == work for lead in report.leads)  # W-other is not watched
    assert by_merchant[LICENSEE].status == "licensed"
    assert "licence R-" in by_merchant[LICENSEE].note
    assert by_merchant[STALL].status == "open"
    assert by_merchant[STALL].flags == ()
    assert by_merchant[STALL].verdict in ("similar", "copy")
    lead_entry = parse_entry(core.ledger.entry(by_merchant[STALL].log_index))["body"]
    assert lead_entry["facts"]["model_version"].startswith("fingerprint v")

    # Incremental: nothing new to check, nothing added.
    assert disputes.run().leads == ()
    assert len(disputes.leads()) == 2
    assert other not in {lead.work for lead in disputes.leads()}


def test_prior_use_and_own_purchase_are_flagged(core, register, print_png):
    work = register(33)
    disputes = core.disputes
    disputes.watch(f"W-{work}", OWNER)
    data = copy_of(print_png(33))
    # Sold before the work was registered: the claimant's title is in doubt.
    disputes.import_sightings(
        [Capture("old.jpg", data)], _context("老字号布行", dt.date(2025, 6, 1))
    )
    # Only the claimant's own purchase at this stall.
    disputes.import_sightings(
        [Capture("trap.jpg", data)],
        _context("小摊", disputes.today(), own_purchase=True),
    )
    leads = {lead.merchant: lead for lead in disputes.run().leads}
    assert "prior_use" in leads["老字号布行"].flags
    assert "own_purchase" in leads["小摊"].flags


def test_only_owners_watch_registered_works(core, register):
    work = register(34)
    with pytest.raises(Refused, match="not an owner"):
        core.disputes.watch(f"W-{work}", "别人")
    assert pdf()  # helper stays importable


def _warc(records: list[tuple[str, str, bytes]]) -> bytes:
    """A WARC file written by hand (ISO 28500): one gzip member per response record."""
    import gzip

    out = b""
    for n, (url, kind, body) in enumerate(records):
        http = (
            f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        head = (
            "WARC/1.0\r\nWARC-Type: response\r\n"
            f"WARC-Target-URI: {url}\r\nWARC-Date: 2026-12-07T08:00:00Z\r\n"
            f"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-00000000000{n}>\r\n"
            "Content-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http)}\r\n\r\n"
        ).encode()
        out += gzip.compress(head + http + b"\r\n\r\n", mtime=0)
    return out


def test_a_web_page_captured_as_warc_gives_a_sighting_per_image(core, register, print_png):
    work = register(35)
    disputes = core.disputes
    disputes.watch(f"W-{work}", OWNER)
    page = _warc(
        [
            ("https://shop.example.cn/item/7", "text/html", "<html>布料</html>".encode()),
            ("https://shop.example.cn/img/7.jpg", "image/jpeg", copy_of(print_png(35))),
        ]
    )
    lines = disputes.import_sightings(
        [Capture("listing.warc.gz", page), Capture("cut.warc", b"WARC/1.0\r\nbroken")],
        _context("网店 某某旗舰店", disputes.today()),
    )
    assert [line.status for line in lines] == ["rejected", "imported"]
    assert "WARC" in lines[0].reason
    body = parse_entry(core.ledger.entry(lines[1].log_index))["body"]
    assert body["facts"]["url"] == "https://shop.example.cn/img/7.jpg"
    assert [f["role"] for f in body["files"]] == ["sighting", "warc"]
    assert core.blobs.get(body["files"][1]["sha256"]) == page
    (lead,) = disputes.run().leads
    assert lead.work == work


def test_a_warc_cut_short_is_refused_whole_and_the_rest_of_the_batch_is_kept(
    core, register, print_png
):
    import gzip

    work = register(36)
    disputes = core.disputes
    disputes.watch(f"W-{work}", OWNER)
    page = _warc([("https://shop.example.cn/img/1.jpg", "image/jpeg", copy_of(print_png(36)))])
    raw = gzip.decompress(page)
    size = core.ledger.size()
    lines = disputes.import_sightings(
        [
            Capture("plain-cut.warc", raw[: len(raw) - 200]),  # the image's last bytes missing
            Capture("gzip-cut.warc.gz", page[: len(page) - 50]),
            Capture("photo.jpg", copy_of(print_png(36))),
        ],
        _context("网店 某某旗舰店", disputes.today()),
    )
    assert [line.status for line in lines] == ["rejected", "rejected", "imported"]
    assert "cut short" in lines[0].reason and "cut short" in lines[1].reason
    assert core.ledger.size() == size + 1  # only the photo: nothing half-written from a WARC
