"""The processes a supervised `segcio serve` starts (`python -m segcio.child http|worker`).

Each rebuilds the settings from the `SEGCIO_*` variables the supervisor exported. The HTTP process serves on the
listening socket the supervisor bound and passes down (`SEGCIO_LISTEN_FD`): connections that arrive while it is
being restarted wait in that socket's queue. Both tell the supervisor they are up by writing to the pipe named by
`SEGCIO_READY_FD`; one that exits before that, on its first start, fails the whole `segcio serve`.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

from segcio.config import Settings, load_config

LISTEN_FD_ENV = "SEGCIO_LISTEN_FD"
READY_FD_ENV = "SEGCIO_READY_FD"
ROLES = ("http", "worker")


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for these settings (the TLS files checked beforehand by the caller)."""
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": False,
        # segcio reads forwarded headers itself, from `trusted_proxies` only.
        "proxy_headers": False,
    }
    if settings.ssl_certfile:
        options.update(ssl_certfile=settings.ssl_certfile, ssl_keyfile=settings.ssl_keyfile)
    return options


class _Ready:
    """The write end of the supervisor's readiness pipe (taken out of the environment, so that processes this one
    starts never write to a descriptor number that means something else to them)."""

    def __init__(self) -> None:
        raw = os.environ.pop(READY_FD_ENV, "")
        self._fd = int(raw) if raw else None

    def __call__(self, *_: object) -> None:
        if self._fd is not None:
            try:
                os.write(self._fd, b"1")
            finally:
                os.close(self._fd)
                self._fd = None


def run_http(ready: _Ready) -> None:
    import uvicorn

    settings = load_config()
    listening = socket.socket(fileno=int(os.environ.pop(LISTEN_FD_ENV)))
    config_options = server_options(settings)
    if settings.processes > 1:
        from uvicorn.supervisors import Multiprocess

        config = uvicorn.Config(
            "segcio.app:app_from_environment", factory=True, workers=settings.processes, **config_options
        )
        ready()
        Multiprocess(config, sockets=[listening]).run()
        return

    from segcio.app import build_runtime, create_app

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if not self.should_exit:
                ready()

    app = create_app(settings, build_runtime(settings, upgrade=False))  # the supervisor migrated the database
    server = Server(uvicorn.Config(app, **config_options))
    server.run(sockets=[listening])
    if not server.started:
        sys.exit(3)


def run_worker(ready: _Ready) -> None:
    from segcio import logs
    from segcio.pipeline.worker import run_until_stopped
    from segcio.store import open_database

    settings = load_config()
    logs.configure(settings.log_level, settings.log_format)
    db = open_database(settings.database_url, upgrade=False)  # the supervisor migrated it
    try:
        run_until_stopped(db, None, settings.event_log_keep_seconds, ready)
    finally:
        db.dispose()


def main(argv: list[str]) -> None:
    if len(argv) != 1 or argv[0] not in ROLES:
        sys.exit(f"usage: python -m segcio.child {'|'.join(ROLES)}")
    ready = _Ready()
    run_http(ready) if argv[0] == "http" else run_worker(ready)


if __name__ == "__main__":
    main(sys.argv[1:])
