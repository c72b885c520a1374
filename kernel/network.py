"""Who is on the other end of a connection: the one client-address rule of every process.

The client address is the TCP peer of the socket. A forwarded-for header is believed only when that
peer is one of the help desk's own reverse proxies, named in ``TRUSTED_PROXIES`` (addresses or
networks, comma-separated; empty by default: no proxy, the peer is the client). Even then the header
is read from the right: each trusted proxy appends the address it saw, so the first hop from the
right that is not a trusted proxy is the client, and whatever the client wrote into the header
itself (the entries to its left) is never believed. A malformed hop ends the walk at the last
address we know. The production proxy (deploy/haproxy) overwrites ``X-Forwarded-For`` with the
peer it saw, so behind it the header has one entry.

Used by the gateway (agents/client.py: the console's login throttle, the relay's stream limits) and
by Rasa's socket.io channel (bot/channels.py: the backend's per-client limit)."""
from __future__ import annotations

import ipaddress
import os
from typing import Mapping, Optional, Sequence, Tuple, Union

FORWARDED_FOR = "X-Forwarded-For"
TRUSTED_PROXIES_ENV = "TRUSTED_PROXIES"
MAX_ADDRESS = 64

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


def parse_trusted_proxies(text: Optional[str]) -> Tuple[Network, ...]:
    """``"10.0.0.2, 10.1.0.0/16"`` → networks; ``""`` or ``"-"`` → none. ValueError names a bad entry."""
    networks = []
    for entry in (text or "").split(","):
        entry = entry.strip()
        if entry in ("", "-"):
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{TRUSTED_PROXIES_ENV}: not an IP address or network: {entry!r}") from None
    return tuple(networks)


def trusted_proxies_from_env(env: Optional[Mapping[str, str]] = None) -> Tuple[Network, ...]:
    """The trusted proxies of this process's environment (``TRUSTED_PROXIES``)."""
    return parse_trusted_proxies((os.environ if env is None else env).get(TRUSTED_PROXIES_ENV, ""))


def _address(text: Optional[str]):
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def _is_trusted(address, trusted: Sequence[Network]) -> bool:
    return address is not None and any(address.version == n.version and address in n for n in trusted)


def client_address(peer: Optional[str], forwarded_for: Optional[str],
                   trusted: Sequence[Union[Network, str]] = ()) -> Optional[str]:
    """The client's address given the socket ``peer``, the request's forwarded-for header and the
    trusted proxies (networks, or address strings); None when the peer is unknown."""
    networks = [n if not isinstance(n, str) else ipaddress.ip_network(n, strict=False) for n in trusted]
    peer_text = (peer or "").strip()
    if not peer_text:
        return None
    current = _address(peer_text)
    if not _is_trusted(current, networks) or not forwarded_for:
        return peer_text[:MAX_ADDRESS]
    for hop in reversed([h for h in str(forwarded_for).split(",") if h.strip()]):
        address = _address(hop)
        if address is None:
            break  # a malformed chain: the last address we know is the best we know
        current = address
        if not _is_trusted(address, networks):
            break
    return str(current)[:MAX_ADDRESS]
