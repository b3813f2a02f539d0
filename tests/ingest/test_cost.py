"""What a request costs the server is bounded before the work: credentials and Content-Length are checked before
the body is read, bodies are read up to the cap and no further (chunked ones too), and the items of a batch looked
at are capped, their rejections stored as one row per request."""

from __future__ import annotations

import base64
import gzip
import json
import select
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from segcio import jsonutil
from segcio.ingest.body import MAX_BATCH_BYTES
from tests.conftest import Server
from tests.ingest.conftest import Ingest

HUNDRED_MB = 100 * 1024 * 1024
PIECE = b"x" * 65536


@dataclass
class Answer:
    status: int
    body: dict[str, object]


def exchange(server: Server, headers: dict[str, str], pieces: Iterable[bytes] = ()) -> Answer:
    """Send a request head, then body pieces while the server keeps reading and has not answered; read the answer.

    The server may answer, close or stop reading at any point: sending stops then."""
    url = urlsplit(server.url)
    sock = socket.create_connection((url.hostname, url.port))
    try:
        head = "".join(f"{name}: {value}\r\n" for name, value in {"Host": "segcio", **headers}.items())
        sock.sendall(f"POST /v1/batch HTTP/1.1\r\n{head}\r\n".encode())
        sock.settimeout(2)  # a server that stopped reading leaves sendall() blocked
        for piece in pieces:
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sock.sendall(piece)
            except OSError:
                break
        sock.settimeout(20)  # a hang guard: a server waiting for the rest of the body never answers
        return _read_answer(sock)
    finally:
        sock.close()


def _read_answer(sock: socket.socket) -> Answer:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed without an answer: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    length = next(int(line.split(":")[1]) for line in lines if line.lower().startswith("content-length:"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed in the middle of the answer"
        rest += chunk
    return Answer(status=int(lines[0].split()[1]), body=json.loads(rest[:length]))


def basic(write_key: str) -> str:
    return "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()


def chunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Chunked transfer coding of the pieces, never sending the final chunk: a body without end."""
    for piece in pieces:
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"


def test_a_wrong_write_key_is_refused_before_a_100_mb_body_is_read(server: Server) -> None:
    answer = exchange(server, {"Authorization": basic("not-a-key"), "Content-Length": str(HUNDRED_MB)})
    assert answer.status == 401
    assert answer.body["code"] == "invalid_write_key"


def test_a_declared_length_over_the_cap_is_refused_before_the_body_is_read(server: Server) -> None:
    for headers in ({"Authorization": basic(server.write_key)}, {}):  # the key in the header or in the body
        answer = exchange(server, {**headers, "Content-Length": str(HUNDRED_MB)})
        assert answer.status == 400
        assert answer.body["code"] == "invalid_request"
        assert "Exceed payload limit" in str(answer.body["message"])


def test_a_chunked_body_is_read_up_to_the_cap_then_refused(server: Server) -> None:
    for headers in ({"Authorization": basic(server.write_key)}, {}):
        answer = exchange(server, {**headers, "Transfer-Encoding": "chunked"}, chunked(PIECE for _ in range(64)))
        assert answer.status == 400
        assert "Exceed payload limit" in str(answer.body["message"])  # answered, though the body never ended


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_server_memory_stays_bounded_under_oversized_and_uncredentialed_requests(server: Server) -> None:
    ok = exchange(server, {"Authorization": basic(server.write_key), "Content-Length": "2"}, [b"{}"])
    assert ok.status == 400  # warmed up: the request path has run once
    http = server.pid("http")  # the process that reads the requests
    before = rss_bytes(http)
    peak = before
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_bytes(http))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    sixteen_mb = [PIECE] * 256
    requests = [
        ({"Authorization": basic("not-a-key"), "Content-Length": str(HUNDRED_MB)}, sixteen_mb, 401),
        ({"Content-Length": str(HUNDRED_MB)}, sixteen_mb, 400),
        ({"Authorization": basic(server.write_key), "Transfer-Encoding": "chunked"}, chunked(sixteen_mb), 400),
        ({"Transfer-Encoding": "chunked"}, chunked(sixteen_mb), 400),
    ] * 3
    statuses: list[int] = []

    def send(headers: dict[str, str], pieces: Iterable[bytes]) -> None:
        statuses.append(exchange(server, headers, pieces).status)

    threads = [threading.Thread(target=send, args=(headers, pieces)) for headers, pieces, _ in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    sampler.join()
    assert sorted(statuses) == sorted(expected for _, _, expected in requests)
    assert peak - before < 40 * 1024 * 1024, f"the server grew by {(peak - before) >> 20} MB"


# --- in process -----------------------------------------------------------------------------------------------


def test_a_truncated_gzip_body_is_400(ingest_sqlite: Ingest) -> None:
    whole = gzip.compress(jsonutil.dumpb({"batch": [{"type": "identify", "userId": "u"}]}))
    for cut in (whole[:-4], whole[:-8]):  # without the length, without the checksum too
        response = ingest_sqlite.post("/v1/batch", content=cut, headers={"Content-Encoding": "gzip"})
        assert response.status_code == 400
        assert "truncated" in response.json()["message"]
    assert ingest_sqlite.stored() == []


def test_a_gzip_body_with_a_wrong_checksum_is_400(ingest_sqlite: Ingest) -> None:
    whole = bytearray(gzip.compress(jsonutil.dumpb({"batch": [{"type": "identify", "userId": "u"}]})))
    whole[-8] ^= 0xFF  # the CRC-32 of the trailer
    response = ingest_sqlite.post("/v1/batch", content=bytes(whole), headers={"Content-Encoding": "gzip"})
    assert response.status_code == 400
    assert "gzip" in response.json()["message"]
    assert ingest_sqlite.stored() == []


def test_250000_items_write_one_rejection_row_per_reason_with_a_count(ingest: Ingest) -> None:
    body = b'{"batch":[' + b",".join([b"1"] * 250_000) + b"]}"
    assert len(body) <= MAX_BATCH_BYTES
    response = ingest.post("/v1/batch", content=body)
    assert response.status_code == 200
    limit, invalid = ingest.rejections()  # the code that rejected the most messages first
    assert (limit["code"], limit["count"], invalid["code"], invalid["count"]) == (
        "batch_limit", 247_500, "invalid_message", 2500
    )  # fmt: skip
    examples = json.loads(invalid["examples"]) + json.loads(limit["examples"])  # the first five, the other code's
    expected = [*((i, "invalid_message") for i in range(5)), (2500, "batch_limit")]
    assert [(e["index"], e["code"]) for e in examples] == expected
    counters = ingest.counters()
    assert counters["source:1/rejected"] == 250_000
    assert counters["source:1/rejected:invalid_message"] == 2500
    assert counters["source:1/rejected:batch_limit"] == 247_500


def test_rejections_of_one_request_share_one_row_per_reason_with_examples(ingest_sqlite: Ingest) -> None:
    batch = [
        {"type": "track", "userId": "u"},
        {"type": "identify", "userId": "kept"},
        {"type": "track", "userId": "u"},
        "not an object",
    ]
    assert ingest_sqlite.post("/v1/batch", {"batch": batch}).status_code == 200
    assert [m["userId"] for m in ingest_sqlite.stored()] == ["kept"]
    row, other = ingest_sqlite.rejections()
    assert (row["code"], row["count"], other["code"], other["count"]) == ("missing_event", 2, "invalid_message", 1)
    examples = json.loads(row["examples"]) + json.loads(other["examples"])
    expected = [(0, "missing_event"), (2, "missing_event"), (3, "invalid_message")]
    assert [(e["index"], e["code"]) for e in examples] == expected
    assert json.loads(examples[0]["body"]) == batch[0]
