"""Who is asking: the client address the console's login throttle and the relay's stream limit key on.

The rule is the kernel's (kernel.network.client_address, the same for Rasa's widget channel): the
TCP peer (``request.remote_addr``), and X-Forwarded-For, read from the right, only when that peer is
a proxy named in TRUSTED_PROXIES. A header the client sets itself is never believed by default."""
from __future__ import annotations

from flask import current_app, request

from kernel import network


def client_address() -> str:
    return network.client_address(request.remote_addr, request.headers.get(network.FORWARDED_FOR),
                                  current_app.config.get("AGENTS_TRUSTED_PROXIES", ())) or "unknown"
