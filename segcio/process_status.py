"""The processes of a supervised `segcio serve`, as the supervisor writes them and `/healthz` reads them.

The supervisor rewrites one small JSON file (atomically: a temporary file renamed over it) each time a process
starts, stops or is restarted, and names it to its children in the `SEGCIO_PROCESS_STATUS` variable. A process
that finds no such variable runs everything itself (`--single-process`, `--no-workers`, the tests' in-process
app) and describes itself.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STATUS_ENV = "SEGCIO_PROCESS_STATUS"
PR_SET_PDEATHSIG = 1  # Linux prctl option: a signal for this process when its parent dies
_STARTED = time.time()  # this process's start, for the in-process description


@dataclass
class ProcessInfo:
    role: str  # "supervisor", "http", "worker"; "serve" for a process that runs HTTP and routing itself
    pid: int
    started: float  # Unix time of the current incarnation's start
    restarts: int = 0
    alive: bool = True

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["started"] = datetime.fromtimestamp(self.started, UTC).isoformat(timespec="seconds")
        return out


def write(path: Path, processes: list[ProcessInfo]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with os.fdopen(os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600), "w") as out:
        out.write(json.dumps([asdict(p) for p in processes]))
    os.replace(temporary, path)


def read(path: Path) -> list[ProcessInfo]:
    return [ProcessInfo(**entry) for entry in json.loads(path.read_text())]


def current(in_process_role: str) -> list[dict[str, Any]]:
    """The processes of the `segcio serve` this process belongs to, for `/healthz`."""
    path = os.environ.get(STATUS_ENV)
    if not path:
        return [ProcessInfo(in_process_role, os.getpid(), _STARTED).to_json()]
    try:
        processes = read(Path(path))
    except (OSError, ValueError, TypeError):
        return []  # the supervisor is between writes or gone (its children follow it)
    for p in processes:
        p.alive = p.alive and _exists(p.pid)
    return [p.to_json() for p in processes]


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_with_parent() -> None:
    """Linux: ask for SIGTERM when the parent process dies, even by `kill -9` (elsewhere: nothing)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
