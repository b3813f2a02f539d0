"""Client for the reference runner (`conformance/run.js`): one long-lived Node process, JSON lines."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import orjson

CONFORMANCE_DIR = Path(__file__).resolve().parents[2] / "conformance"
RUNNER = CONFORMANCE_DIR / "run.js"
PACKAGE_MARKER = CONFORMANCE_DIR / "node_modules" / "@segment" / "action-destinations" / "package.json"


def unavailable_reason() -> str | None:
    """Why the reference cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed: the conformance tests need Node.js >= 18 to run the reference"
    if not PACKAGE_MARKER.exists():
        return "the reference is not installed: run `bash conformance/install.sh` (npm ci in conformance/)"
    return None


class ReferenceRunnerError(RuntimeError):
    """The reference runner died or answered something unreadable."""


class ReferenceRunner:
    """Feeds cases to `node conformance/run.js` and reads one answer per case, in order."""

    def __init__(self, http: str = "nock", *, one_core: bool = False) -> None:
        env = dict(os.environ, TZ="UTC")
        command = ["node", str(RUNNER), f"--http={http}"]
        if one_core and shutil.which("taskset"):
            command = ["taskset", "-c", "0", *command]
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            cwd=CONFORMANCE_DIR,
        )
        self._lock = threading.Lock()

    @property
    def _stdin(self) -> IO[bytes]:
        assert self._process.stdin is not None
        return self._process.stdin

    @property
    def _stdout(self) -> IO[bytes]:
        assert self._process.stdout is not None
        return self._process.stdout

    def run(self, case: dict[str, Any]) -> dict[str, Any]:
        return self.run_many([case])[0]

    def run_many(self, cases: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Answers for many cases; writing happens on a thread so neither pipe can fill up and block."""
        with self._lock:
            writer = threading.Thread(target=self._write, args=(cases,), daemon=True)
            writer.start()
            answers = [self._read() for _ in cases]
            writer.join()
        for answer in answers:
            if "fatal" in answer:
                raise ReferenceRunnerError(f"reference runner rejected a case: {answer['fatal']}")
        return answers

    def _write(self, cases: Iterable[dict[str, Any]]) -> None:
        try:
            for case in cases:
                self._stdin.write(orjson.dumps(case) + b"\n")
            self._stdin.flush()
        except BrokenPipeError:
            pass  # reported by the reader, with the runner's stderr

    def _read(self) -> dict[str, Any]:
        line = self._stdout.readline()
        if not line:
            stderr = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
            raise ReferenceRunnerError(f"reference runner exited ({self._process.poll()}): {stderr[-2000:]}")
        try:
            answer: dict[str, Any] = orjson.loads(line)
        except orjson.JSONDecodeError:  # a lone surrogate (JavaScript strings can hold one); json keeps it
            answer = json.loads(line)
        return answer

    def close(self) -> None:
        if self._process.poll() is None:
            self._stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> ReferenceRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
