"""Settings: CLI flags override `SEGCIO_*` environment variables, which override an optional TOML file."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "SEGCIO_"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("./segcio-data")
    # Empty means "SQLite file inside data_dir".
    database: str = ""
    # Public URL printed for clients; derived from host/port (and https when TLS is on) when empty.
    public_url: str = ""
    # HTTPS: a PEM certificate (chain) and its unencrypted private key; both or neither (plain HTTP).
    ssl_certfile: str = ""
    ssl_keyfile: str = ""
    # Admin password for the web UI; generated and printed once at first start when empty.
    admin_password: str = ""
    dedupe_window_seconds: int = 24 * 3600
    # SQLite: how many message ids ingestion remembers for dedupe (about 70 MB per million); the oldest are
    # forgotten first when the window holds more.
    dedupe_memory_ids: int = 1_000_000
    # Events every enabled destination has routed, and rejected messages, are deleted after this many hours
    # (0: kept forever); never before dedupe_window_seconds.
    event_log_retention_hours: int = 7 * 24
    max_batch_messages: int = 2500
    # Ingestion answers 429 once this many events are waiting for delivery (disk-backed log bound).
    max_backlog: int = 5_000_000
    # Run routing and delivery as part of `segcio serve` (false: HTTP only, `segcio worker` routes).
    run_workers: bool = True
    # `segcio serve` in one process (HTTP, routing and delivery sharing one interpreter lock) instead of a
    # supervisor with an HTTP process and a worker process: for small machines and debugging.
    single_process: bool = False
    # HTTP server processes sharing the port; PostgreSQL only (on SQLite one process appends to the event log).
    processes: int = 1
    anonymous_retention_days: int = 30
    # App API requests per second and workspace before it answers 429 with Retry-After, as Customer.io documents
    # (10); 0 turns the limit off.
    app_api_rate_limit: int = 10
    # Proxies whose forwarded headers (Forwarded, X-Forwarded-For, X-Real-IP) name the client: addresses or networks
    # separated by commas. Empty: none, the TCP peer is the client (login throttle, context.ip).
    trusted_proxies: str = ""
    # /metrics without the admin credential (for a Prometheus scraper that cannot send `Authorization: Bearer`).
    metrics_public: bool = False
    # /openapi.json and /admin/docs without the admin credential.
    api_docs_public: bool = False
    log_level: str = "info"
    # "text" or "json" (one object per line).
    log_format: str = "text"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        if self.database:
            return self.database
        return f"sqlite:///{(self.data_dir / 'segcio.db').resolve()}"

    @property
    def event_log_keep_seconds(self) -> float | None:
        """How long routed events are kept (None: forever); never shorter than the dedupe window, which reads the
        log."""
        if self.event_log_retention_hours <= 0:
            return None
        return float(max(self.event_log_retention_hours * 3600, self.dedupe_window_seconds))

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_certfile else "http"
        return self.public_url or f"{scheme}://{self.host}:{self.port}"


def _coerce(name: str, raw: Any) -> Any:
    default = getattr(Settings(), name)
    if isinstance(default, bool):
        return raw if isinstance(raw, bool) else str(raw).strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, Path):
        return Path(str(raw))
    return raw if isinstance(raw, dict) else str(raw)


def export_environment(settings: Settings) -> dict[str, str]:
    """The settings as `SEGCIO_*` variables, so child processes rebuild exactly the same settings."""
    return {ENV_PREFIX + f.name.upper(): str(getattr(settings, f.name)) for f in fields(Settings) if f.name != "extra"}


def load_config(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings from the TOML file, then the environment, then explicit (non-None) overrides."""
    values: dict[str, Any] = {}
    names = {f.name for f in fields(Settings)}
    path = config_file or (Path(os.environ[ENV_PREFIX + "CONFIG"]) if ENV_PREFIX + "CONFIG" in os.environ else None)
    if path is not None:
        import tomllib  # only with a settings file: its import is a noticeable part of a short command's start-up

        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        for key, value in data.get("segcio", data).items():
            key = key.replace("-", "_")
            if key not in names:
                raise ValueError(f"Unknown setting '{key}' in {path}; valid settings: {', '.join(sorted(names))}")
            values[key] = _coerce(key, value)
    for name in names - {"extra"}:
        env = os.environ.get(ENV_PREFIX + name.upper())
        if env is not None:
            values[name] = _coerce(name, env)
    for key, value in overrides.items():
        if value is not None:
            values[key] = _coerce(key, value)
    return replace(Settings(), **values)
