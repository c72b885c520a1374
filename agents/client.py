"""Who is asking: the client address the console's login throttle and the relay's stream limit key on.

The address is the TCP peer (``request.remote_addr``). Only when that peer is a proxy named in
AGENTS_TRUSTED_PROXY is X-Forwarded-For read, from the right: the first hop that is not a trusted
proxy is the client. A header the client sets itself is never believed by default."""
from __future__ import annotations

import ipaddress

from flask import current_app, request


def client_address_of(remote_addr: str | None, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    """The client's address given the peer, its X-Forwarded-For header and the trusted proxies."""
    peer = (remote_addr or "").strip() or "unknown"
    if peer not in trusted or not forwarded_for:
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        try:
            hop = str(ipaddress.ip_address(hop))
        except ValueError:
            return peer  # a malformed chain: the proxy itself is the best we know
        if hop not in trusted:
            return hop
    return peer


def client_address() -> str:
    return client_address_of(request.remote_addr, request.headers.get("X-Forwarded-For"),
                             tuple(current_app.config.get("AGENTS_TRUSTED_PROXIES", ())))
