"""wrk as the load generator of benchmarks/ingest.py (`--load wrk`): the same bodies as the Python clients, each
request with messageIds of its own, posted by wrk's C event loop from a Lua script.

wrk counts every answer completed within the duration; `status_errors` are those with a status of 400 or above.
"""

from __future__ import annotations

import base64
import json
import os
import re
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

SCRIPT = r"""
local slot = "%(slot)s"
local prepared = {}
local counter = 0
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  -- Each body is split once at its messageId slots; a request joins the parts around a token of its own.
  for line in io.lines("%(bodies)s") do
    local parts, start = {}, 1
    while true do
      local i, j = string.find(line, slot, start, true)
      if not i then table.insert(parts, string.sub(line, start)); break end
      table.insert(parts, string.sub(line, start, i - 1))
      start = j + 1
    end
    table.insert(prepared, parts)
  end
  wrk.method = "POST"
  wrk.headers["Authorization"] = "%(authorization)s"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local parts = prepared[(counter %% #prepared) + 1]
  return wrk.format(nil, "/v1/batch", nil, table.concat(parts, string.format("%%03d%%08d", 900 + id, counter)))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'SEGCIO_WRK {"requests": %%d, "duration_us": %%d, "status_errors": %%d, "socket_errors": %%d, ' ..
    '"p50_ms": %%.2f, "p99_ms": %%.2f}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


class WrkLoad:
    """One wrk run: `threads` threads, `connections` keep-alive connections, for `seconds`."""

    def __init__(self, bodies: list[bytes], slot: bytes, write_key: str, threads: int, connections: int) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="segcio-wrk-"))
        (self.dir / "bodies.jsonl").write_bytes(b"\n".join(bodies) + b"\n")
        authorization = "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
        script = SCRIPT % {"slot": slot.decode(), "bodies": self.dir / "bodies.jsonl", "authorization": authorization}
        (self.dir / "post.lua").write_text(script)
        self.threads, self.connections = threads, connections
        self.process: subprocess.Popen[str] | None = None
        self._cpu_before = 0.0

    def start(self, port: int, seconds: float) -> None:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._cpu_before = usage.ru_utime + usage.ru_stime
        command = [
            "wrk",
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "60s",
            "-s",
            str(self.dir / "post.lua"),
            f"http://127.0.0.1:{port}/v1/batch",
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def finish(self) -> dict[str, Any]:
        assert self.process is not None
        output, _ = self.process.communicate()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        shutil.rmtree(self.dir, ignore_errors=True)
        found = re.search(r"^SEGCIO_WRK (\{.*\})$", output, re.M)
        if found is None:
            raise RuntimeError(f"wrk failed: {output}")
        figures = json.loads(found.group(1))
        return {
            "requests": figures["requests"] - figures["status_errors"],
            "errors": figures["status_errors"] + figures["socket_errors"],
            "p50_ms": figures["p50_ms"],
            "p99_ms": figures["p99_ms"],
            "client_cpu_seconds": round(usage.ru_utime + usage.ru_stime - self._cpu_before, 2),
        }


def default_threads() -> int:
    return min(2, os.cpu_count() or 1)
