"""`segcio serve --ssl-certfile/--ssl-keyfile`: Customer.io's Python client (HTTPS only) and Segment's Python client
send to segcio over HTTPS, with a certificate made by the test and trusted the way the docs say; the settings are
checked before the server starts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import trustme
from typer.testing import CliRunner

from segcio.cli import app
from tests.conftest import Certificate, Server, make_certificate, start_server


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp_path = tmp_path_factory.mktemp("https")
    server = start_server(tmp_path / "data", certificate=make_certificate(tmp_path / "tls"))
    try:
        yield server
    finally:
        server.stop()


def _app_api(server: Server) -> httpx.Client:
    assert server.certificate is not None
    return httpx.Client(base_url=server.url, verify=server.certificate.ssl_context(),
                        headers={"Authorization": f"Bearer {server.info['app_api_key']}"})


def _wait_for_person(server: Server, identifier: str, timeout: float = 30) -> dict[str, Any]:
    with _app_api(server) as api:
        deadline = time.monotonic() + timeout
        while True:
            response = api.get(f"/v1/customers/{identifier}/attributes")
            if response.status_code == 200:
                customer: dict[str, Any] = response.json()["customer"]
                return customer
            assert response.status_code == 404, response.text
            assert time.monotonic() < deadline, f"{identifier} never arrived in the workspace"
            time.sleep(0.05)


@pytest.fixture
def trusted(https_server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both clients use `requests`, which trusts the CA file named by REQUESTS_CA_BUNDLE (as the docs say)."""
    assert https_server.certificate is not None
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(https_server.certificate.ca_file))


@pytest.mark.usefixtures("trusted")
def test_customerio_python_identifies_over_https(https_server: Server) -> None:
    from customerio import CustomerIO

    info, port = https_server.info, urlsplit(https_server.url).port
    with CustomerIO(info["site_id"], info["api_key"], host="localhost", port=port) as cio:
        response = cio.identify("tls-cio-1", email="tls-cio@example.com", plan="pro")
    assert response.status_code == 200
    person = _wait_for_person(https_server, "tls-cio-1")
    assert person["identifiers"]["email"] == "tls-cio@example.com"
    assert person["attributes"]["plan"] == "pro"


@pytest.mark.usefixtures("trusted")
def test_segment_analytics_python_sends_over_https(https_server: Server) -> None:
    from segment.analytics import Client
    from segment.analytics import request as segment_request

    errors: list[Any] = []
    client = Client(https_server.write_key, host=https_server.url, sync_mode=True,
                    on_error=lambda error, batch: errors.append(error))
    try:
        client.identify("tls-seg-1", {"email": "tls-seg@example.com", "plan": "team"})
        client.flush()
    finally:
        # The library keeps one module-wide keep-alive session; an idle TLS connection left open delays the
        # server's graceful shutdown (it waits for the client's close_notify).
        segment_request._session.close()
    assert errors == []
    person = _wait_for_person(https_server, "tls-seg-1")
    assert person["attributes"]["plan"] == "team"


def test_plain_http_is_refused_on_the_https_port(https_server: Server) -> None:
    with pytest.raises(httpx.HTTPError):
        httpx.get(https_server.url.replace("https://", "http://") + "/healthz", timeout=5)


runner = CliRunner()


def _serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    # A wide console, so that the error box does not wrap the message (temporary paths are long).
    return runner.invoke(app, ["serve", "--data-dir", str(tmp_path / "data"), *args],
                         env={"COLUMNS": "1000", **(env or {})})


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("tls-files"))


def test_serve_refuses_a_certificate_without_its_key(tmp_path: Path, certificate: Certificate) -> None:
    result = _serve(tmp_path, "--ssl-certfile", str(certificate.certfile))
    assert result.exit_code == 2
    assert "--ssl-keyfile" in result.output and "give both" in result.output


def test_serve_refuses_a_key_without_its_certificate_from_the_environment(tmp_path: Path,
                                                                          certificate: Certificate) -> None:
    result = _serve(tmp_path, env={"SEGCIO_SSL_KEYFILE": str(certificate.keyfile)})
    assert result.exit_code == 2
    assert "ssl_certfile" in result.output and "give both" in result.output


def test_serve_refuses_a_missing_file(tmp_path: Path, certificate: Certificate) -> None:
    missing = tmp_path / "nowhere.pem"
    result = _serve(tmp_path, "--ssl-certfile", str(missing), "--ssl-keyfile", str(certificate.keyfile))
    assert result.exit_code == 2
    assert "ssl_certfile" in result.output and "cannot read" in result.output and "nowhere.pem" in result.output


def test_serve_refuses_a_key_that_is_not_the_certificates(tmp_path: Path, certificate: Certificate) -> None:
    other = trustme.CA().issue_cert("localhost")
    other_key = tmp_path / "other.key"
    other.private_key_pem.write_to_path(str(other_key))
    config = tmp_path / "segcio.toml"
    config.write_text(f'[segcio]\nssl_certfile = "{certificate.certfile}"\nssl_keyfile = "{other_key}"\n')
    result = _serve(tmp_path, "--config", str(config))
    assert result.exit_code == 2
    assert "not a PEM certificate" in result.output and "private key" in result.output
