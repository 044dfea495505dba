"""Per-party folders of uploads and background jobs (vat plans, trade plans), on disk.

Solving and planning run in a thread of their own, never in the request: the request writes the
input, starts the job and answers; pages and the API read ``status.json`` and the results. On
disk, not in memory, so every worker of ``fangdu serve --workers N`` sees every job. A party
(a dye house, a trade company: the account's verified party, else the account itself) sees only
its own folder: a job id from another party's folder is simply not found.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fastapi import Request

from fangdu.accounts import Account
from fangdu.errors import FangduError, NotFound
from fangdu.web.state import app_state

JOB_ID_BYTES = 12
# One job at a time per worker: a solve uses both cores.
MAX_RUNNING = 1

Progress = Callable[[dict[str, Any]], None]
Work = Callable[[Path, Progress], dict[str, Any]]


def owner_key(account: Account) -> str:
    """The folder name of the account's party: people of one dye house share their plans."""
    who = (
        f"party:{account.verified_party}"
        if account.verified_party
        else f"account:{account.subject}"
    )
    return hashlib.sha256(who.encode()).hexdigest()[:24]


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)  # readers never see half a file


class Workspace:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._pool = ThreadPoolExecutor(max_workers=MAX_RUNNING, thread_name_prefix="fangdu-job")

    def folder(self, kind: str, owner: str, job_id: str) -> Path:
        """The job's folder; NotFound if it is not this owner's (or not a job id at all)."""
        if not (job_id.isascii() and job_id.replace("-", "").replace("_", "").isalnum()):
            raise NotFound("no such job")
        path = self.root / kind / owner / job_id
        if not (path / "status.json").is_file():
            raise NotFound("no such job")
        return path

    def create(self, kind: str, owner: str, files: dict[str, bytes], meta: dict[str, Any]) -> str:
        job_id = secrets.token_urlsafe(JOB_ID_BYTES)
        path = self.root / kind / owner / job_id
        path.mkdir(parents=True)
        for name, data in files.items():
            (path / name).write_bytes(data)
        _write_json(path / "meta.json", {"created": time.time(), **meta})
        _write_json(path / "status.json", {"state": "new"})
        return job_id

    def status(self, kind: str, owner: str, job_id: str) -> dict[str, Any]:
        status = json.loads((self.folder(kind, owner, job_id) / "status.json").read_text("utf-8"))
        if status["state"] in ("queued", "running") and not _alive(status.get("pid")):
            # The worker that ran it is gone (a restart): say so instead of "running" forever.
            return {"state": "failed", "error": "interrupted: the service restarted; start again"}
        return status

    def meta(self, kind: str, owner: str, job_id: str) -> dict[str, Any]:
        return json.loads((self.folder(kind, owner, job_id) / "meta.json").read_text("utf-8"))

    def result(self, kind: str, owner: str, job_id: str) -> dict[str, Any] | None:
        path = self.folder(kind, owner, job_id) / "result.json"
        return json.loads(path.read_text("utf-8")) if path.is_file() else None

    def recent(self, kind: str, owner: str, limit: int = 10) -> list[tuple[str, dict[str, Any]]]:
        """(job id, meta) of the owner's latest jobs, newest first."""
        base = self.root / kind / owner
        if not base.is_dir():
            return []
        found = []
        for path in base.iterdir():
            try:
                meta = json.loads((path / "meta.json").read_text("utf-8"))
                meta["state"] = json.loads((path / "status.json").read_text("utf-8"))["state"]
            except (OSError, ValueError, KeyError):
                continue
            found.append((path.name, meta))
        found.sort(key=lambda item: item[1].get("created", 0), reverse=True)
        return found[:limit]

    def start(self, kind: str, owner: str, job_id: str, work: Work) -> None:
        """Run ``work(folder, progress)`` in the background; its dict becomes result.json."""
        path = self.folder(kind, owner, job_id)
        status = path / "status.json"
        pid = os.getpid()
        _write_json(status, {"state": "queued", "queued": time.time(), "pid": pid})

        def run() -> None:
            started = time.time()
            running = {"state": "running", "started": started, "pid": pid}
            _write_json(status, {**running, "progress": {}})

            def progress(values: dict[str, Any]) -> None:
                _write_json(status, {**running, "progress": values})

            try:
                result = work(path, progress)
            except FangduError as exc:  # the input's fault: said plainly
                _write_json(status, {"state": "failed", "error": str(exc)})
                return
            except Exception:  # a bug: recorded, and the job says so instead of hanging
                traceback.print_exc()
                _write_json(status, {"state": "failed", "error": "internal error"})
                return
            _write_json(path / "result.json", result)
            _write_json(
                status, {"state": "done", "started": started, "seconds": time.time() - started}
            )

        self._pool.submit(run)


def _alive(pid: object) -> bool:
    """Whether the process ``pid`` still runs (on this machine: jobs live under its home)."""
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


_LOCK = threading.Lock()


def workspace(request: Request) -> Workspace:
    """The app's workspace under ``<home>/workspaces`` (made on first use)."""
    app = request.app
    with _LOCK:
        ws = getattr(app.state, "workspace", None)
        if ws is None:
            home = app_state(request).registry.settings.resolved_home()
            ws = Workspace(home / "workspaces")
            app.state.workspace = ws
    return ws
