"""Settings of the agent room (console sessions, login throttle, chat relay), read from the
environment once at start through the kernel's reader; the app's config (``AGENTS_*`` keys, e.g. a
test's) wins over the environment.

  AGENTS_SESSION_HOURS          absolute lifetime of a console login, active or not   (default 9)
  AGENTS_IDLE_MINUTES           a console left alone this long is logged out           (default 30)
  TRUSTED_PROXIES               comma-separated addresses or networks of the reverse proxy whose
                                X-Forwarded-For names the client (kernel.network; AGENTS_TRUSTED_PROXY
                                is its older name); empty (default): the client is the TCP peer
  AGENTS_SSE_STREAMS            event streams the process serves at once (default GATEWAY_THREADS/4)
  AGENTS_SSE_PER_ESCALATION     open streams per escalated chat                        (default 2)
  AGENTS_SSE_PER_CLIENT         open streams per client address                        (default 2)
  AGENTS_CHAT_TOKEN_HOURS       lifetime of the widget's relay token from the escalation (default 8);
                                a case opened outside the working hours: from the opening instead
  AGENTS_HOURS, AGENTS_HOLIDAYS, AGENTS_TIMEZONE   the agents' working hours (kernel.hours)
  AGENTS_RELAY_GRACE_SECONDS    the relay still answers this long after the case closed (default 120)
  AGENTS_WAIT_ALERT_SECONDS     the supervisor view highlights a case waiting longer    (default 120)
  AGENTS_OFFER_SECONDS          a case offered to an agent waits this long for accept/pass (default 30)
  AGENTS_ROUTING_SECONDS        a case nobody accepted this long after it arrived is offered no more,
                                stays in the queue and is highlighted                   (default 180)
  AGENTS_DEFAULT_HANDLING_SECONDS  the expected wait's handling time with no recent case (default 300)
  AGENTS_WAIT_SAMPLES           the expected wait averages the channel's last N cases   (default 30)
  AGENTS_WAIT_WINDOW_HOURS      ... closed within this many hours                       (default 8)
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from kernel import network
from kernel.hours import HoursError, WorkingHours
from kernel.settings import EnvReader, SettingsError

__all__ = ["AgentsSettings", "SettingsError"]


@dataclass(frozen=True)
class AgentsSettings:
    session_seconds: int
    idle_seconds: int
    trusted_proxies: tuple[str, ...]
    sse_streams: int
    sse_per_escalation: int
    sse_per_client: int
    chat_token_seconds: int
    relay_grace_seconds: int
    wait_alert_seconds: int = 120
    offer_seconds: int = 30
    routing_seconds: int = 180
    default_handling_seconds: int = 300
    wait_samples: int = 30
    wait_window_hours: int = 8
    hours: WorkingHours = field(default_factory=lambda: WorkingHours.from_env({}))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "AgentsSettings":
        read = EnvReader(env)
        threads = read.integer("GATEWAY_THREADS", 32, 2, 1024)
        # The one setting of every process (kernel.network); AGENTS_TRUSTED_PROXY is its older name here.
        proxies: tuple[str, ...] = ()
        for name in (network.TRUSTED_PROXIES_ENV, "AGENTS_TRUSTED_PROXY"):
            try:
                proxies += tuple(str(n) for n in network.parse_trusted_proxies(read.get(name, "-")))
            except ValueError as exc:
                read.errors.append(str(exc).replace(network.TRUSTED_PROXIES_ENV, name, 1))
        settings = cls(
            session_seconds=read.integer("AGENTS_SESSION_HOURS", 9, 1, 24) * 3600,
            idle_seconds=read.integer("AGENTS_IDLE_MINUTES", 30, 1, 24 * 60) * 60,
            trusted_proxies=tuple(dict.fromkeys(proxies)),  # both names may name one proxy
            sse_streams=read.integer("AGENTS_SSE_STREAMS", max(1, threads // 4), 1, max(1, threads - 1)),
            sse_per_escalation=read.integer("AGENTS_SSE_PER_ESCALATION", 2, 1, 1000),
            sse_per_client=read.integer("AGENTS_SSE_PER_CLIENT", 2, 1, 1000),
            chat_token_seconds=read.integer("AGENTS_CHAT_TOKEN_HOURS", 8, 1, 72) * 3600,
            relay_grace_seconds=read.integer("AGENTS_RELAY_GRACE_SECONDS", 120, 0, 3600),
            wait_alert_seconds=read.integer("AGENTS_WAIT_ALERT_SECONDS", 120, 5, 24 * 3600),
            offer_seconds=read.integer("AGENTS_OFFER_SECONDS", 30, 5, 600),
            routing_seconds=read.integer("AGENTS_ROUTING_SECONDS", 180, 10, 24 * 3600),
            default_handling_seconds=read.integer("AGENTS_DEFAULT_HANDLING_SECONDS", 300, 10, 4 * 3600),
            wait_samples=read.integer("AGENTS_WAIT_SAMPLES", 30, 1, 1000),
            wait_window_hours=read.integer("AGENTS_WAIT_WINDOW_HOURS", 8, 1, 24 * 7),
        )
        try:
            settings = replace(settings, hours=WorkingHours.from_env(read.env))
        except HoursError as exc:
            read.errors.extend(line.strip() for line in str(exc).splitlines()[1:])
        read.raise_errors(SettingsError, "bad agents settings")
        return settings

    def as_config(self) -> dict[str, Any]:
        """The app-config keys the room reads (``AGENTS_*``)."""
        return {
            "AGENTS_SESSION_MAX_AGE_S": self.session_seconds,
            "AGENTS_IDLE_TIMEOUT_S": self.idle_seconds,
            "AGENTS_TRUSTED_PROXIES": self.trusted_proxies,
            "AGENTS_SSE_STREAMS": self.sse_streams,
            "AGENTS_SSE_PER_ESCALATION": self.sse_per_escalation,
            "AGENTS_SSE_PER_CLIENT": self.sse_per_client,
            "AGENTS_CHAT_TOKEN_S": self.chat_token_seconds,
            "AGENTS_RELAY_GRACE_S": self.relay_grace_seconds,
            "AGENTS_WAIT_ALERT_S": self.wait_alert_seconds,
            "AGENTS_OFFER_S": self.offer_seconds,
            "AGENTS_ROUTING_S": self.routing_seconds,
            "AGENTS_DEFAULT_HANDLING_S": self.default_handling_seconds,
            "AGENTS_WAIT_SAMPLES": self.wait_samples,
            "AGENTS_WAIT_WINDOW_H": self.wait_window_hours,
            "AGENTS_WORKING_HOURS": self.hours,
        }
