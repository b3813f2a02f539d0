"""HTTPS for `segcio serve`: the certificate and key files, checked before the server starts so that a wrong
setting is named with its fix instead of surfacing as a TLS error in the middle of uvicorn's start."""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from segcio.errors import Invalid


@dataclass(frozen=True)
class TLSFiles:
    certfile: str
    keyfile: str


class TLSSettingsError(Invalid, ValueError):
    """A TLS setting that cannot work; `setting` (the field) names it."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(message, field=setting)
        self.setting = setting
        self.args = (f"{setting}: {message}",)


def _no_password() -> bytes:
    # An encrypted key would make OpenSSL ask on the terminal; refuse it instead.
    raise TLSSettingsError("ssl_keyfile", "the private key is encrypted: give an unencrypted PEM key")


def tls_files(certfile: str, keyfile: str) -> TLSFiles | None:
    """The files to serve HTTPS with, None for plain HTTP (neither given); TLSSettingsError when only one is given,
    a file cannot be read, or the two are not a PEM certificate (chain) and its private key."""
    if not certfile and not keyfile:
        return None
    if not certfile or not keyfile:
        setting = "ssl_keyfile" if certfile else "ssl_certfile"
        raise TLSSettingsError(setting, "HTTPS needs both the certificate (--ssl-certfile, SEGCIO_SSL_CERTFILE) and "
                                        "its private key (--ssl-keyfile, SEGCIO_SSL_KEYFILE); give both, or neither "
                                        "for plain HTTP")
    for setting, path in (("ssl_certfile", certfile), ("ssl_keyfile", keyfile)):
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            raise TLSSettingsError(setting, f"cannot read {path}: {exc.strerror or exc}") from None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certfile, keyfile, password=_no_password)
    except ssl.SSLError as exc:
        detail = exc.reason or exc
        raise TLSSettingsError("ssl_certfile", f"{certfile} and {keyfile} are not a PEM certificate (chain, server "
                                               f"certificate first) and its private key ({detail})") from None
    return TLSFiles(certfile, keyfile)
