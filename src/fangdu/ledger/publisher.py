"""Timestamps and witness cosignatures off the request path.

A registration commits its entry and signs a checkpoint locally (milliseconds); asking an RFC
3161 authority and the witnesses is network work that may hang or fail. The publisher does it
in a thread of its own: woken after each write, and every ``interval`` seconds anyway (entries
a crashed writer left unintegrated are folded in then too). A failure is retried with
exponential backoff, so a slow or absent authority delays only the timestamp, never a filing.
"""

from __future__ import annotations

import logging
import threading

from fangdu.ledger.store import LogStore

log = logging.getLogger(__name__)


class Publisher:
    """Runs ``store.integrate(publish=False)`` then ``store.publish()`` until published."""

    def __init__(
        self,
        store: LogStore,
        *,
        interval: float = 30.0,
        first_retry: float = 1.0,
        max_retry: float = 300.0,
    ) -> None:
        self.store = store
        self.interval = interval
        self.first_retry = first_retry
        self.max_retry = max_retry
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0  # completed attempts, for tests and status

    def start(self) -> Publisher:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="fangdu-publisher", daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        """Something was written: publish soon."""
        self._wake.set()

    def stop(self, timeout: float | None = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_once(self) -> bool:
        """One attempt; True when the newest checkpoint is fully published."""
        try:
            self.store.integrate(publish=False)
            return self.store.publish()
        except Exception:  # a database hiccup: log it and try again later
            log.exception("publishing the evidence log's checkpoint failed")
            return False
        finally:
            self.rounds += 1

    def _run(self) -> None:
        delay = None  # None: published, wait for the next write or the interval
        while not self._stop.is_set():
            self._wake.wait(self.interval if delay is None else delay)
            self._wake.clear()
            if self._stop.is_set():
                return
            if self.run_once():
                delay = None
            else:
                delay = self.first_retry if delay is None else min(2 * delay, self.max_retry)
