"""The whole evidence chain through the registry: register a work with a timestamp authority
and a witness configured, pack its evidence bundle, verify it offline as a court would."""

from __future__ import annotations

import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from fangdu.config import Settings, WitnessConfig
from fangdu.ledger.bundle import write_bundle
from fangdu.ledger.note import cosigner_verifier_key_string, verifier_key_string
from fangdu.ledger.verify import load_policy, verify_bundle
from fangdu.ledger.witness import init_witness_dir, make_server, open_witness, trust_log
from fangdu.registry.evidence import collect_evidence
from fangdu.registry.schemas import RegistrationRequest
from fangdu.registry.services import Registry

FANGDU = Path(sys.executable).with_name("fangdu")


@pytest.fixture
def witness_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "witness"
    init_witness_dir(directory, "court.example/witness")
    return directory


def test_a_registered_work_verifies_offline_with_timestamp_and_witness(
    tmp_path, local_tsa, witness_dir, print_png
):
    ca = tmp_path / "tsa-root.pem"
    ca.write_bytes(local_tsa.ca_cert_pem)
    home = tmp_path / "home"
    # The log's key exists once the registry has opened; the court's witness then trusts it.
    with Registry.open(Settings(home=home)) as registry:
        log_vkey = verifier_key_string(registry.ledger.signer)
    trust_log(witness_dir, log_vkey)
    witness = open_witness(witness_dir)
    server = make_server(witness, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    witness_vkey = cosigner_verifier_key_string(witness.cosigner)
    settings = Settings(
        home=home,
        timestamp_url=local_tsa.url,
        timestamp_ca=ca,
        witnesses=[
            WitnessConfig(url=f"http://127.0.0.1:{server.server_address[1]}", key=witness_vkey)
        ],
    )
    try:
        with Registry.open(settings) as registry:
            registry.filing.register(
                print_png(1), RegistrationRequest(title="牡丹", owner="柯桥纺织")
            )
            outcome = registry.filing.register(
                print_png(2), RegistrationRequest(title="Peony", owner="Keqiao")
            )
            number = outcome.work.registration_no
            contents = collect_evidence(registry, number)
    finally:
        server.shutdown()
        server.server_close()
    assert contents.timestamp_token is not None and len(contents.entries) == 1
    bundle = tmp_path / "bundle.zip"
    write_bundle(bundle, contents)

    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(
        f'log_key = "{log_vkey}"\nwitness_keys = ["{witness_vkey}"]\n'
        'witnesses_required = 1\ntimestamp_roots = "tsa-root.pem"\nrequire_timestamp = true\n'
    )
    report = verify_bundle(bundle, load_policy(policy_file))
    assert report.ok, report.render()

    # The court's command line: deterministic, first line VERIFIED, exit 0.
    runs = [
        subprocess.run(
            [str(FANGDU), "verify", str(bundle), "--policy", str(policy_file)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        for _ in range(2)
    ]
    assert runs[0].returncode == 0, runs[0].stdout + runs[0].stderr
    assert runs[0].stdout.splitlines()[0] == "VERIFIED"
    assert runs[0].stdout == runs[1].stdout

    # A flipped bit in the original image is rejected with the reason.
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("files/"):
                data = data[:100] + bytes([data[100] ^ 0x10]) + data[101:]
            dst.writestr(info, data)
    rejected = subprocess.run(
        [str(FANGDU), "verify", str(tampered), "--policy", str(policy_file)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rejected.returncode == 1
    first = rejected.stdout.splitlines()[0]
    assert first.startswith("REJECTED:") and "files/" in first
