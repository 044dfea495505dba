"""A minimal local SMTP server for tests: it accepts one session at a time and keeps what
it was sent (the standard library's smtpd is gone, aiosmtpd is not a dependency)."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        out = self.wfile
        out.write(b"220 localhost test SMTP\r\n")
        data: list[bytes] = []
        in_data = False
        for raw in self.rfile:
            if in_data:
                if raw in (b".\r\n", b".\n"):
                    in_data = False
                    self.server.messages.append(b"".join(data))  # type: ignore[attr-defined]
                    data = []
                    out.write(b"250 OK\r\n")
                else:
                    data.append(raw[1:] if raw.startswith(b"..") else raw)
                continue
            verb = raw[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                out.write(b"250 localhost\r\n")
            elif verb == b"DATA":
                in_data = True
                out.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                out.write(b"221 bye\r\n")
                return
            else:
                out.write(b"250 OK\r\n")


@contextmanager
def smtp_server() -> Iterator[tuple[tuple[str, int], list[bytes]]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.messages = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address, server.messages  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
