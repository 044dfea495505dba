"""The network off the request path (issue 13, item 3): with a timestamp authority that hangs,
a registration returns at once and its checkpoint is timestamped once the authority answers."""

from __future__ import annotations

import dataclasses
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fangdu.config import Settings
from fangdu.registry.schemas import RegistrationRequest
from fangdu.registry.services import Registry


class HangingProxy:
    """Forwards RFC 3161 requests to a real authority, but only once released."""

    def __init__(self, target: str, hang: float) -> None:
        self.release = threading.Event()
        self.requests = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                proxy.requests += 1
                body = self.rfile.read(int(self.headers["content-length"]))
                proxy.release.wait(hang)
                forwarded = urllib.request.Request(
                    target, data=body, headers={"content-type": self.headers["content-type"]}
                )
                with urllib.request.urlopen(forwarded, timeout=10) as reply:
                    answer = reply.read()
                self.send_response(200)
                self.send_header("content-type", "application/timestamp-reply")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hanging_tsa(local_tsa):
    proxy = HangingProxy(local_tsa.url, hang=30)
    yield proxy
    proxy.close()


def test_a_registration_does_not_wait_for_a_hanging_authority(
    tmp_path, local_tsa, hanging_tsa, print_png
):
    ca = tmp_path / "tsa-root.pem"
    ca.write_bytes(local_tsa.ca_cert_pem)
    settings = Settings(home=tmp_path / "home", timestamp_url=hanging_tsa.url, timestamp_ca=ca)
    started = time.monotonic()
    registry = Registry.open(settings)
    try:
        assert time.monotonic() - started < 5  # opening never asks the authority
        registry.start_publisher()
        png = print_png(1)
        started = time.monotonic()
        outcome = registry.filing.register(png, RegistrationRequest(title="牡丹", owner="某商户"))
        elapsed = time.monotonic() - started
        assert outcome.work.status == "registered"
        assert elapsed < 3, elapsed  # not the 30 s the authority hangs
        latest = registry.ledger.checkpoint()
        assert latest.checkpoint.size >= 1 and latest.timestamp_token is None
        deadline = time.monotonic() + 20
        while hanging_tsa.requests == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        hanging_tsa.release.set()  # the authority answers now
        while time.monotonic() < deadline:
            if registry.ledger.checkpoint().timestamp_token is not None:
                break
            time.sleep(0.1)
        stamped = registry.ledger.checkpoint()
        assert stamped.timestamp_token is not None
        assert stamped.checkpoint.size == latest.checkpoint.size
    finally:
        registry.close()


def test_a_failing_authority_is_retried_with_backoff(tmp_path, local_tsa):
    ca = tmp_path / "tsa-root.pem"
    ca.write_bytes(local_tsa.ca_cert_pem)
    settings = Settings(
        home=tmp_path / "home", timestamp_url=local_tsa.url + "error", timestamp_ca=ca
    )
    with Registry.open(settings) as registry:
        publisher = registry.start_publisher(interval=60)
        publisher.first_retry = 0.05
        deadline = time.monotonic() + 10
        while publisher.rounds < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert publisher.rounds >= 3  # retried without a write or the interval
        assert not registry.ledger.published()
        # The authority recovers.
        registry.ledger.timestamper = dataclasses.replace(
            registry.ledger.timestamper, url=local_tsa.url
        )
        while not registry.ledger.published() and time.monotonic() < deadline + 5:
            time.sleep(0.05)
        assert registry.ledger.checkpoint().timestamp_token is not None
