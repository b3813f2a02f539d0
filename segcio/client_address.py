"""The client's address: the TCP peer, or, when the peer is a configured trusted proxy, the address the proxies
say they forwarded for (`Forwarded`, else `X-Forwarded-For`, else `X-Real-IP`).

Forwarded headers are believed only from `trusted_proxies`: anyone else could name any address (and so escape
the login throttle by rotating it). Behind several proxies, the entries the trusted ones appended are skipped
from the right; the first address not trusted is the client's."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@functools.lru_cache(maxsize=8)
def trusted_networks(setting: str) -> tuple[Network, ...]:
    """The `trusted_proxies` setting: addresses or networks separated by commas (e.g. "127.0.0.1, 10.0.0.0/8")."""
    networks = []
    for item in setting.split(","):
        if not item.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"trusted_proxies: '{item.strip()}' is not an IP address or network; write addresses or networks "
                'separated by commas, e.g. trusted_proxies = "127.0.0.1, 10.0.0.0/8" (empty: trust none).'
            ) from None
    return tuple(networks)


def client_address(request: Request) -> str | None:
    peer = request.client.host if request.client else None
    trusted = trusted_networks(request.app.state.runtime.settings.trusted_proxies)
    if peer is None or not _is_trusted(_parse(peer), trusted):
        return peer
    client = peer
    for entry in reversed(_forwarded_chain(request)):
        address = _parse(entry)
        if address is None:
            break  # not an address: nothing further left can be believed
        client = str(address)
        if not _is_trusted(address, trusted):
            break
    return client


def _is_trusted(address: Address | None, trusted: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in trusted)


def _forwarded_chain(request: Request) -> list[str]:
    """The forwarded-for addresses, the original client first."""
    forwarded = request.headers.getlist("forwarded")
    if forwarded:
        chain = []
        for element in ",".join(forwarded).split(","):
            for pair in element.split(";"):
                name, _, value = pair.strip().partition("=")
                if name.lower() == "for":
                    chain.append(value.strip().strip('"'))
        return chain
    forwarded_for = request.headers.getlist("x-forwarded-for")
    if forwarded_for:
        return [entry.strip() for entry in ",".join(forwarded_for).split(",")]
    real_ip = request.headers.get("x-real-ip")
    return [real_ip.strip()] if real_ip else []


def _parse(entry: str) -> Address | None:
    """An address from `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1` or `[2001:db8::1]:80`; None for anything else."""
    if entry.startswith("["):
        entry = entry[1:].partition("]")[0]
    elif entry.count(":") == 1:
        entry = entry.partition(":")[0]
    try:
        return ipaddress.ip_address(entry)
    except ValueError:
        return None
