"""What a caller spelled (username, e-mail) is kept between two webhooks only sealed, never in clear
(kernel.sealing, under a key derived from the gateway's secret key)."""
from __future__ import annotations

from kernel.sealing import Sealer as _KernelSealer


class Sealer(_KernelSealer):
    """The phone line's seals: the gateway's secret key, purpose ``ivr-sealing``, no label."""

    def __init__(self, secret_key: str):
        super().__init__(secret_key, purpose="ivr-sealing")
