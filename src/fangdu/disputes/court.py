"""The court package (司法): a BagIt bag a judge verifies anywhere, with ``fangdu verify``.

    bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt
    data/evidence/case.zip             the case's entries (every transition, the notice, the
                                       answer, the agreement) with inclusion proofs
    data/evidence/sightings/S-<n>.zip  each sighting's capture and leads
    data/evidence/work.zip             the registered work's entries and original
    data/comparison/S-<n>.png          the side-by-side comparison, re-drawn by the same model
    data/provenance.json               per item: source, generation, storage, verification
                                       (最高法 在线诉讼规则 Arts 16-19 ask these)
    data/custody.json                  every view and export of the case's evidence so far
    data/undisputed_facts.json         facts both parties confirmed in mediation (only these)
    data/README.zh.txt, README.en.txt  how to verify it offline
    data/LIMITS.txt                    what the evidence does not prove

Every bundle proves against one checkpoint. Without-prejudice mediation items (在线调解规则
Art 18) are never logged on the case, so they cannot reach the package.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import bagit

from fangdu import __version__
from fangdu.disputes import registry_port as registry
from fangdu.disputes.errors import Refused
from fangdu.disputes.models import Custody
from fangdu.disputes.services import DisputeService, case_subject, sighting_subject
from fangdu.ledger.bundle import BundleContents, write_bundle
from fangdu.ledger.entries import parse_entry
from fangdu.ledger.note import verifier_key_string

README_ZH = """法院证据包 · 离线核验说明

1. 本证据包为 BagIt 格式 (RFC 8493)。manifest-sha256.txt 列出 data/ 下每个文件的 SHA-256。
2. data/evidence/ 下每个 .zip 为纺都证据包：每条日志记录由提交方 Ed25519 签名，按 RFC 6962
   默克尔证明包含在同一个已签名检查点中。
3. 核验：安装纺都后运行 `fangdu verify 本目录`，或用任何 BagIt 工具核对哈希，再对每个 .zip
   运行 `fangdu verify 文件.zip`；每个 .zip 内的 README.txt 说明如何手工核验。
4. 比对图由记录中的同一模型版本重新生成 (见 provenance.json)。
"""

README_EN = """Court evidence package · verifying it offline

1. This package is a BagIt bag (RFC 8493). manifest-sha256.txt lists the SHA-256 of every
   file under data/.
2. Each .zip under data/evidence/ is a Fangdu evidence bundle: every log entry is signed by its
   submitter's Ed25519 key and included in one signed checkpoint by RFC 6962 Merkle proofs.
3. To verify: with Fangdu installed run `fangdu verify THIS-FOLDER`, or check the hashes with
   any BagIt tool and run `fangdu verify FILE.zip` on each bundle; the README.txt inside each
   .zip explains how to check it by hand.
4. The comparison images were re-drawn with the model version the leads record
   (provenance.json).
"""

LIMITS = """What this evidence does not prove · 本证据不能证明的事项

- It proves that these files and facts were recorded in the log no later than the checkpoint
  (and its timestamp, if any), unaltered since. It does not prove that what a capture shows is
  true, nor who made a design: a registration is examined on form only.
  它证明文件和事实不晚于检查点时间记入日志且此后未被篡改；不证明照片内容属实，也不证明设计的创作人。
- A similarity score is the output of one matching model (version in provenance.json); it is
  not a finding of substantial similarity, which is the court's.
  相似度分数仅为模型输出，实质性相似由法院认定。
- Facts before an entry went into the log (how a photo was taken, by whom) rest on the
  capture's own record and corroboration (在线诉讼规则 Art 19), not on the log.
- Without-prejudice statements made in mediation are not included (在线调解规则 Art 18).
"""


def build_court_package(
    disputes: DisputeService, case_id: int, output: Path, *, actor: str = "cli"
) -> Path:
    """Write the case's court package to the folder ``output`` (which must not exist)."""
    if output.exists():
        raise Refused(f"{output} exists: the court package goes into a new folder")
    disputes.ledger.integrate(publish=False)  # entries committed but not yet in a checkpoint
    with disputes.unit() as (session, repo):
        case = repo.case(case_id)
        lead = repo.lead(case.lead_id)
        sighting = repo.sighting(lead.sighting_id)
        work = registry.work(session, case.work_id)
        custody = [
            {"action": c.action, "actor": c.actor, "at": c.at.isoformat(timespec="seconds")}
            for c in repo.custody(case.id)
        ]
        transcript = list(case.details.get("transcript", []))
        lead_facts = {
            "score": lead.score,
            "verdict": lead.verdict,
            "model_version": lead.model_version,
            "query_box": lead.query_box,
            "match_box": lead.match_box,
        }
    subjects = {
        "case.zip": case_subject(case_id),
        f"sightings/S-{sighting.id}.zip": sighting_subject(sighting.id),
        "work.zip": registry.work_subject(work.id),
    }
    store = disputes.ledger
    about = {name: store.entries_about(subject) for name, subject in subjects.items()}
    needed = max(entries[-1][0] + 1 for entries in about.values() if entries)
    candidates = store.checkpoints(min_size=needed)
    if not candidates:
        raise Refused("the case's entries are not in a checkpoint yet: run `fangdu ledger status`")
    chosen = max(
        candidates,
        key=lambda c: (c.timestamp_token is not None, len(c.cosignatures), c.checkpoint.size),
    )
    staging = output.with_name(output.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    data = staging / "evidence"
    (data / "sightings").mkdir(parents=True)
    settings = disputes.settings
    provenance: dict[str, Any] = {}
    for name, subject in subjects.items():
        entries = about[name]
        size = chosen.checkpoint.size
        files, seen = [], set()
        for _, raw in entries:
            for ref in parse_entry(raw)["body"]["files"]:
                if ref["sha256"] not in seen:
                    seen.add(ref["sha256"])
                    files.append(
                        (ref["sha256"], ref["role"], disputes.blobs.get(ref["sha256"]), "")
                    )
        chain = None
        if chosen.timestamp_token is not None:
            chain = chosen.timestamp_chain or b""
            if settings.timestamp_ca is not None:
                chain += settings.timestamp_ca.read_bytes()
        write_bundle(
            data / name,
            BundleContents(
                subject=subject,
                record={},
                origin=store.origin,
                log_vkey=verifier_key_string(store.signer),
                checkpoint_note=chosen.note + "".join(chosen.cosignatures).encode(),
                checkpoint_text=chosen.checkpoint.to_text(),
                entries=[(i, raw, store.inclusion_proof(i, size)) for i, raw in entries],
                files=files,
                timestamp_token=chosen.timestamp_token,
                tsa_chain_pem=chain,
                witness_vkeys=[w.key for w in settings.witnesses],
                openings=store.openings([i for i, _ in entries]),
            ),
        )
        provenance[f"evidence/{name}"] = {
            "subject": subject,
            "source": _source(subject, sighting),
            "generation": "signed log entries written by Fangdu in the same database "
            "transaction as the records they describe",
            "storage": f"append-only RFC 6962 log {store.origin}; files content-addressed "
            "by SHA-256 in the blob store",
            "verification": "Ed25519 entry signatures, RFC 6962 inclusion proofs to the "
            f"checkpoint of size {chosen.checkpoint.size} signed by the log key in the bundle",
            "entries": [i for i, _ in entries],
        }
    comparison = disputes._comparison(sighting.sha256, work.id)
    if comparison is not None:
        (staging / "comparison").mkdir()
        (staging / "comparison" / f"S-{sighting.id}.png").write_bytes(comparison)
        provenance[f"comparison/S-{sighting.id}.png"] = {
            "source": f"sighting S-{sighting.id} against {work.label}",
            "generation": f"re-drawn by {disputes_model(lead_facts)} for this package",
            "recorded_lead": lead_facts,
            "verification": "re-run `fangdu check` on the sighting with the same model version",
        }
    # Only facts both parties confirmed leave a mediation (在线调解规则 Art 18).
    facts = [
        {"item": i["n"], "fact": i["text"]} for i in transcript if i["kind"] == "undisputed_fact"
    ]
    (staging / "undisputed_facts.json").write_text(_json(facts), encoding="utf-8")
    (staging / "provenance.json").write_text(_json(provenance), encoding="utf-8")
    (staging / "custody.json").write_text(_json(custody), encoding="utf-8")
    (staging / "README.zh.txt").write_text(README_ZH, encoding="utf-8")
    (staging / "README.en.txt").write_text(README_EN, encoding="utf-8")
    (staging / "LIMITS.txt").write_text(LIMITS, encoding="utf-8")
    bagit.make_bag(
        str(staging),
        {
            "Source-Organization": "Fangdu (纺都) textile pattern registry",
            "External-Description": f"Court package of case C-{case_id} on {work.label}",
            "Bagging-Software": f"fangdu {__version__}",
            "External-Identifier": f"C-{case_id}",
        },
        checksums=["sha256"],
        processes=1,
    )
    staging.rename(output)
    with disputes.unit() as (_, repo):
        repo.add(Custody(case_id=case_id, action="court_package", actor=actor, detail=str(output)))
    return output


def zip_court_package(folder: Path, output: Path) -> None:
    """The bag as one zip (its folder at the top), as the web hands it out; ``fangdu verify``
    takes the zip as it takes the folder."""
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(folder.parent).as_posix())


def disputes_model(lead: dict[str, Any]) -> str:
    return str(lead["model_version"])


def _source(subject: str, sighting: Any) -> str:
    if subject.startswith("sighting:"):
        return (
            f"captured by {sighting.captured_by} at {sighting.source} on {sighting.seen_on}"
            f" (device: {sighting.device or 'not stated'}; own purchase: {sighting.own_purchase})"
        )
    if subject.startswith("work:"):
        return "the registration as filed with the registry"
    return "the case's record as kept by the market office"


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
