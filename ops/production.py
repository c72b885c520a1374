"""The production topology on one machine (`make run-production`): HAProxy in front, RASA_REPLICAS
Rasa processes on the PostgreSQL tracker store and the Redis lock store, action-server, gateway and
credentials-backend replicas, all under supervisord (the `supervisor` package), against the
PostgreSQL, Redis and RabbitMQ of this machine.

    python -m ops.production run      prepare, then exec supervisord (foreground; Ctrl-C stops all)
    python -m ops.production prepare  databases, certificate, migrations, rendered configs; no process
    python -m ops.production wait     (run by supervisord) "ready <public address>" once every replica answers

Settings (environment, then .env, then these defaults):
    RASA_REPLICAS=2  ACTION_REPLICAS=2  GATEWAY_REPLICAS=2  GATEWAY_STREAM_REPLICAS=1
    CREDENTIALS_REPLICAS=2  OUTBOX_REPLICAS=2 (only when the backend has a `outbox` command)
    PUBLIC_HOST=127.0.0.1  PUBLIC_HTTPS_PORT=8443  PUBLIC_HTTP_PORT=8080 (redirects to https; 0 = off)
    PUBLIC_URL (default https://PUBLIC_HOST:PUBLIC_HTTPS_PORT): the address Twilio and browsers use
    internal frontends: RASA_IN_PORT=5005 ACTIONS_IN_PORT=5055 CREDENTIALS_IN_PORT=8001 GATEWAY_IN_PORT=8000
    REPLICA_PORT_BASE=9100 (replicas take consecutive ports from here)
    PRODUCTION_STATE_DIR=var/production  PRODUCTION_DB_PREFIX=helpdesk
    PRODUCTION_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres (the server; databases are created)
    REDIS_URL=redis://127.0.0.1:6379/0
    TLS_CERT_FILE (PEM with certificate and key; default: a self-signed one made in the state dir)
"""
from __future__ import annotations

import datetime
import ipaddress
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Mapping, Optional

ROOT = pathlib.Path(__file__).resolve().parent.parent
HAPROXY_TEMPLATE = ROOT / "deploy" / "haproxy" / "haproxy.cfg.in"
SUPERVISOR_TEMPLATE = ROOT / "deploy" / "production" / "supervisord.conf.in"
APP_PYTHON = ROOT / ".venv" / "app" / "bin" / "python"


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int, errors: list[str]) -> int:
    raw = env.get(name, "")
    if raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        errors.append(f"{name}: not a whole number: {raw!r}")
        return default
    if not low <= value <= high:
        errors.append(f"{name}: must be {low}..{high}, got {value}")
        return default
    return value


class TopologyError(ValueError):
    """A bad topology setting (one line per bad value)."""


@dataclass(frozen=True)
class Topology:
    """How many of each process, on which ports, with which databases."""

    rasa_replicas: int = 2
    action_replicas: int = 2
    gateway_replicas: int = 2
    stream_replicas: int = 1
    credentials_replicas: int = 2
    outbox_replicas: int = 0
    broker_consumers: int = 0  # readers of Rasa's event broker queue (statistics)
    public_host: str = "127.0.0.1"
    public_https_port: int = 8443
    public_http_port: int = 8080
    rasa_in_port: int = 5005
    actions_in_port: int = 5055
    credentials_in_port: int = 8001
    gateway_in_port: int = 8000
    replica_port_base: int = 9100
    smtp_sink_port: int = 0  # 0: no local SMTP sink (a real relay from SMTP_HOST/SMTP_PORT)
    state_dir: pathlib.Path = ROOT / "var" / "production"
    db_prefix: str = "helpdesk"
    pg_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    redis_url: str = "redis://127.0.0.1:6379/0"
    cert_file: Optional[pathlib.Path] = None
    public_address: str = ""  # PUBLIC_URL: the address people and Twilio use, when not https://host:port
    ports: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Topology":
        errors: list[str] = []
        outbox_command = _backend_has_outbox_command()
        state_dir = pathlib.Path(env.get("PRODUCTION_STATE_DIR") or ROOT / "var" / "production")
        if not state_dir.is_absolute():
            state_dir = ROOT / state_dir
        prefix = env.get("PRODUCTION_DB_PREFIX") or "helpdesk"
        if not prefix.replace("_", "").isalnum() or not prefix[0].isalpha():
            errors.append(f"PRODUCTION_DB_PREFIX: letters, digits and _ only, starting with a letter: {prefix!r}")
        smtp_local = (env.get("SMTP_HOST") or "127.0.0.1") in ("127.0.0.1", "localhost")
        cert = env.get("TLS_CERT_FILE") or None
        topology = cls(
            rasa_replicas=_int(env, "RASA_REPLICAS", 2, 1, 32, errors),
            action_replicas=_int(env, "ACTION_REPLICAS", 2, 1, 32, errors),
            gateway_replicas=_int(env, "GATEWAY_REPLICAS", 2, 1, 32, errors),
            stream_replicas=_int(env, "GATEWAY_STREAM_REPLICAS", 1, 0, 32, errors) if _gateway_has_roles() else 0,
            credentials_replicas=_int(env, "CREDENTIALS_REPLICAS", 2, 1, 32, errors),
            outbox_replicas=_int(env, "OUTBOX_REPLICAS", 2, 0, 32, errors) if outbox_command else 0,
            broker_consumers=_int(env, "BROKER_CONSUMERS", 1, 0, 8, errors) if _has_broker_consumer() else 0,
            public_host=env.get("PUBLIC_HOST") or "127.0.0.1",
            public_https_port=_int(env, "PUBLIC_HTTPS_PORT", 8443, 1, 65535, errors),
            public_http_port=_int(env, "PUBLIC_HTTP_PORT", 8080, 0, 65535, errors),
            rasa_in_port=_int(env, "RASA_IN_PORT", 5005, 1, 65535, errors),
            actions_in_port=_int(env, "ACTIONS_IN_PORT", 5055, 1, 65535, errors),
            credentials_in_port=_int(env, "CREDENTIALS_IN_PORT", 8001, 1, 65535, errors),
            gateway_in_port=_int(env, "GATEWAY_IN_PORT", 8000, 1, 65535, errors),
            replica_port_base=_int(env, "REPLICA_PORT_BASE", 9100, 1024, 65000, errors),
            smtp_sink_port=_int(env, "SMTP_PORT", 1025, 1, 65535, errors) if smtp_local else 0,
            state_dir=state_dir,
            db_prefix=prefix,
            pg_url=env.get("PRODUCTION_PG_URL") or "postgresql://postgres@127.0.0.1:5432/postgres",
            redis_url=env.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
            cert_file=pathlib.Path(cert) if cert else None,
            public_address=(env.get("PUBLIC_URL") or "").rstrip("/"),
        )
        if topology.public_address and not topology.public_address.startswith("https://"):
            errors.append(f"PUBLIC_URL: must be an https:// address, got {topology.public_address!r}")
        if errors:
            raise TopologyError("bad production topology settings:\n  " + "\n  ".join(errors))
        return topology

    # --- where everything is ------------------------------------------------------------------
    def replicas(self) -> dict[str, list[int]]:
        """Kind -> the ports of its replicas (consecutive from REPLICA_PORT_BASE)."""
        port = self.replica_port_base
        out: dict[str, list[int]] = {}
        for kind, count in (("rasa", self.rasa_replicas), ("actions", self.action_replicas),
                            ("gateway", self.gateway_replicas), ("streams", self.stream_replicas),
                            ("credentials", self.credentials_replicas), ("consumer", self.broker_consumers)):
            out[kind] = list(range(port, port + count))
            port += count
        return out

    @property
    def public_url(self) -> str:
        """The public address: PUBLIC_URL (e.g. https://helpdesk.example.hu behind a DNS name and
        port 443), else https://PUBLIC_HOST:PUBLIC_HTTPS_PORT. PUBLIC_BASE_URL of the gateway (what
        Twilio's signatures are checked against) and the widget's address are this."""
        return self.public_address or f"https://{self.public_host}:{self.public_https_port}"

    def database(self, what: str) -> str:
        return f"{self.db_prefix}_{what}"

    def database_url(self, what: str, driver: str = "postgresql+psycopg") -> str:
        server = self.pg_url.rsplit("/", 1)[0].split("://", 1)[1]
        return f"{driver}://{server}/{self.database(what)}"

    @property
    def certificate(self) -> pathlib.Path:
        return self.cert_file or self.state_dir / "tls" / "helpdesk.pem"

    def shared_env(self) -> dict[str, str]:
        """What every process of the topology gets besides .env: the shared services, the internal
        frontends as the URLs the processes call each other by, the public address."""
        server = self.pg_url.rsplit("/", 1)[0].split("://", 1)[1]  # user@host:port
        user, _, hostport = server.rpartition("@")
        user, _, password = user.partition(":")
        origins = [self.public_url]
        return {
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
            "CREDENTIALS_DATABASE_URL": self.database_url("credentials"),
            "GATEWAY_DATABASE_URL": self.database_url("gateway"),
            "RASA_ENDPOINTS": "endpoints.production.yml",
            "RASA_TRACKER_DB_HOST": hostport,
            "RASA_TRACKER_DB_NAME": self.database("rasa"),
            "RASA_TRACKER_DB_USER": user or "postgres",
            "RASA_TRACKER_DB_PASSWORD": password,
            "RASA_TRACKER_LOGIN_DB": self.pg_url.rsplit("/", 1)[1] or "postgres",
            "REDIS_URL": self.redis_url,
            "RASA_URL": f"http://127.0.0.1:{self.rasa_in_port}",
            "ACTION_SERVER_URL": f"http://127.0.0.1:{self.actions_in_port}/webhook",
            "CREDENTIALS_URL": f"http://127.0.0.1:{self.credentials_in_port}",
            "GATEWAY_URL": f"http://127.0.0.1:{self.gateway_in_port}",
            "PUBLIC_BASE_URL": self.public_url,
            "WIDGET_RASA_URL": self.public_url,
            "RASA_CORS_ORIGINS": " ".join(origins),
            # the proxy is the only peer whose X-Forwarded-For is believed
            "AGENTS_TRUSTED_PROXY": "127.0.0.1",
            "TRUSTED_PROXIES": "127.0.0.1",
            # Rasa's event broker (endpoints.production.yml) and its consumer: the statistics come
            # from the queue, so the actions post no statistics events themselves
            "RASA_EVENTS_QUEUE": f"{self.db_prefix}.rasa-events",
            "RASA_EVENTS_EXCHANGE": f"{self.db_prefix}.rasa-exchange",
            "STATISTICS_EVENTS": "broker" if self.broker_consumers else "gateway",
        }

    # --- rendered configuration -------------------------------------------------------------------
    def haproxy_config(self) -> str:
        ports = self.replicas()

        def servers(kind: str, prefix: str) -> str:
            # the id fixes each server's place on the hash ring: the same in every reload
            return "\n".join(f"    server {prefix}{i + 1} 127.0.0.1:{p} id {i + 1} check"
                             for i, p in enumerate(ports[kind])) or "    # none"

        binds = [f"    bind {self.public_host}:{self.public_https_port} ssl crt {self.certificate} alpn http/1.1"]
        if self.public_http_port:
            binds.append(f"    bind {self.public_host}:{self.public_http_port}")
            binds.append("    http-request redirect scheme https code 301 if !{ ssl_fc }")
        stream_servers = servers("streams", "streams") if ports["streams"] else servers("gateway", "gateway")
        values = {
            "STATE_DIR": str(self.state_dir),
            "PUBLIC_BINDS": "\n".join(binds),
            "RASA_IN_PORT": str(self.rasa_in_port),
            "ACTIONS_IN_PORT": str(self.actions_in_port),
            "CREDENTIALS_IN_PORT": str(self.credentials_in_port),
            "GATEWAY_IN_PORT": str(self.gateway_in_port),
            "RASA_SERVERS": servers("rasa", "rasa"),
            "ACTIONS_SERVERS": servers("actions", "actions"),
            "CREDENTIALS_SERVERS": servers("credentials", "credentials"),
            "GATEWAY_SERVERS": servers("gateway", "gateway"),
            "GATEWAY_STREAM_SERVERS": stream_servers,
        }
        return _fill(HAPROXY_TEMPLATE.read_text(encoding="utf-8"), values)

    def programs(self) -> list[tuple[str, str, dict[str, str]]]:
        """(name, command, own environment) of every supervised process."""
        ports = self.replicas()
        py = str(APP_PYTHON)
        out: list[tuple[str, str, dict[str, str]]] = [
            ("haproxy", f"{shutil.which('haproxy') or '/usr/sbin/haproxy'} -W -db -f {self.state_dir / 'haproxy.cfg'}", {}),
        ]
        if self.smtp_sink_port:
            out.append(("mail", f"{py} -m mailsink", {}))
        for i, port in enumerate(ports["credentials"]):
            # without outbox processes of their own, one backend process runs the outbox thread
            outbox = "false" if self.outbox_replicas or i > 0 else "true"
            out.append((f"credentials-{i + 1}", f"{py} -m credentials serve",
                        {"CREDENTIALS_HOST": "127.0.0.1", "CREDENTIALS_PORT": str(port),
                         "CREDENTIALS_OUTBOX_WORKER": outbox}))
        for i in range(self.outbox_replicas):
            out.append((f"outbox-{i + 1}", f"{py} -m credentials outbox", {}))
        for i, port in enumerate(ports["actions"]):
            out.append((f"actions-{i + 1}", "bash scripts/actions-serve.sh", {"ACTION_SERVER_PORT": str(port)}))
        for i, port in enumerate(ports["rasa"]):
            out.append((f"rasa-{i + 1}", "bash scripts/rasa-serve.sh", {"RASA_PORT": str(port)}))
        for kind, role in (("gateway", "web"), ("streams", "streams")):
            for i, port in enumerate(ports[kind]):
                env = {"GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": str(port)}
                if ports["streams"]:
                    env["GATEWAY_ROLE"] = role
                out.append((f"{kind}-{i + 1}", f"{py} -m gateway", env))
        for i, port in enumerate(ports["consumer"]):
            out.append((f"consumer-{i + 1}", f"{py} -m agents.broker_consumer", {"METRICS_PORT": str(port)}))
        # the retention purges (agents/retention.py, credentials/retention.py, docs/privacy.md): one process
        # each, daily, no port
        out.append(("purge", f"{py} -m agents purge --every 86400", {}))
        out.append(("credentials-purge", f"{py} -m credentials purge --every 86400", {}))
        out.append(("ready", f"{py} -m ops.production wait", {}))
        return out

    def supervisor_config(self) -> str:
        blocks = []
        for name, command, env in self.programs():
            environment = ",".join(f'{k}="{_supervisor_escape(v)}"' for k, v in sorted(env.items()))
            lines = [
                f"[program:{name}]",
                f"command={_supervisor_escape(command)}",
                f"directory={_supervisor_escape(str(ROOT))}",
                "autostart=true",
                # "ready" says it once and stays; every other process is restarted when it dies
                f"autorestart={'false' if name == 'ready' else 'true'}",
                "startsecs=0" if name == "ready" else "startsecs=1",
                "startretries=100",
                "stopasgroup=true",
                "killasgroup=true",
                "stopsignal=TERM",
                "stopwaitsecs=20",
                "redirect_stderr=true",
            ]
            if name == "ready":
                lines += ["stdout_logfile=/dev/stdout", "stdout_logfile_maxbytes=0"]
            else:
                lines += [f"stdout_logfile={_supervisor_escape(str(self.state_dir / 'logs' / (name + '.log')))}",
                          "stdout_logfile_maxbytes=20MB", "stdout_logfile_backups=2"]
            if environment:
                lines.append(f"environment={environment}")
            blocks.append("\n".join(lines))
        values = {"STATE_DIR": _supervisor_escape(str(self.state_dir)), "PROGRAMS": "\n\n".join(blocks)}
        return _fill(SUPERVISOR_TEMPLATE.read_text(encoding="utf-8"), values)

    def health_checks(self) -> dict[str, str]:
        """Process name -> its own health URL (or tcp://), checked directly, not through the proxy."""
        ports = self.replicas()
        checks: dict[str, str] = {}
        if self.smtp_sink_port:
            checks["mail"] = f"tcp://127.0.0.1:{self.smtp_sink_port}"
        for kind, path in (("credentials", "/healthz"), ("actions", "/health"), ("rasa", "/"),
                           ("gateway", "/healthz"), ("streams", "/healthz"), ("consumer", "/healthz")):
            for i, port in enumerate(ports[kind]):
                checks[f"{kind}-{i + 1}"] = f"http://127.0.0.1:{port}{path}"
        return checks


def _fill(template: str, values: Mapping[str, str]) -> str:
    for key, value in values.items():
        template = template.replace(f"@@{key}@@", value)
    if "@@" in template:
        raise RuntimeError("a placeholder of the template was left unfilled")
    return template


def _supervisor_escape(value: str) -> str:
    return value.replace("%", "%%").replace('"', '\\"')


def _backend_has_outbox_command() -> bool:
    """Whether ``python -m credentials outbox`` exists (the outbox as processes of their own)."""
    try:
        return '"outbox"' in (ROOT / "credentials" / "__main__.py").read_text(encoding="utf-8")
    except OSError:
        return False


def _has_broker_consumer() -> bool:
    """Whether the statistics' consumer of Rasa's event broker exists (agents/broker_consumer.py)."""
    return (ROOT / "agents" / "broker_consumer.py").exists()


def _gateway_has_roles() -> bool:
    """Whether the gateway splits into web and event-stream processes (GATEWAY_ROLE)."""
    try:
        return "GATEWAY_ROLE" in (ROOT / "gateway" / "settings.py").read_text(encoding="utf-8")
    except OSError:
        return False


# --- preparing: databases, certificate, migrations ------------------------------------------------
def ensure_databases(topology: Topology) -> list[str]:
    """Create the three databases (credentials, gateway, Rasa's tracker) when missing; the names made."""
    import psycopg

    made = []
    with psycopg.connect(topology.pg_url, autocommit=True, connect_timeout=5) as conn:
        for what in ("credentials", "gateway", "rasa"):
            name = topology.database(what)
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')
                made.append(name)
    return made


def ensure_certificate(path: pathlib.Path, host: str) -> bool:
    """A throw-away self-signed certificate (and its key, one PEM file as HAProxy reads it) when
    ``path`` is missing; True when one was made."""
    if path.exists():
        return False
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    alt: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        alt.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        alt.append(x509.DNSName(host))
    if host != "127.0.0.1":
        alt.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .sign(key, hashes.SHA256()))
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return True


def migrate(env: Mapping[str, str]) -> None:
    """Both app databases to their Alembic head, once, before any replica starts (replicas starting
    together must not race on the schema); the backend's key file is made here too."""
    for args in (["-m", "credentials", "migrate"],
                 ["-c", "from gateway.migrate import upgrade; import os; upgrade(os.environ['GATEWAY_DATABASE_URL'])"]):
        result = subprocess.run([str(APP_PYTHON), *args], cwd=ROOT, env=dict(env), capture_output=True, text=True,
                                timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"migration failed ({' '.join(args[:2])}):\n{result.stderr[-2000:]}")


def environment(base: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """The topology's environment: ``base`` (default os.environ) over .env, with the shared settings on top."""
    from dotenv import dotenv_values

    env = {k: v for k, v in dotenv_values(ROOT / ".env").items() if v is not None} if (ROOT / ".env").exists() else {}
    env.update(base if base is not None else os.environ)
    topology = Topology.from_env(env)
    env.update(topology.shared_env())
    env["PRODUCTION_STATE_DIR"] = str(topology.state_dir)
    env["RASA_CREDENTIALS"] = str(topology.state_dir / "credentials.yml")
    return env


def rasa_credentials(source: pathlib.Path = ROOT / "credentials.yml") -> str:
    """credentials.yml with the widget channel taking the client's address from the header only
    the proxy sets (X-Forwarded-For, which it overwrites): behind the proxy every socket's peer is
    the proxy, and the backend's per-client limits would count every widget user as one."""
    import yaml

    channels = yaml.safe_load(source.read_text(encoding="utf-8"))
    channels["bot.channels.HelpdeskSocketIOInput"]["client_address_header"] = "X-Forwarded-For"
    return ("# Rendered by ops/production.py from credentials.yml (the production topology's channels).\n"
            + yaml.safe_dump(channels, sort_keys=False, allow_unicode=True))


def prepare(env: Mapping[str, str]) -> Topology:
    """Everything before the first process starts; returns the topology."""
    topology = Topology.from_env(env)
    if shutil.which("haproxy") is None and not pathlib.Path("/usr/sbin/haproxy").exists():
        raise RuntimeError("HAProxy is missing: scripts/setup.sh production installs Debian's haproxy")
    (topology.state_dir / "logs").mkdir(parents=True, exist_ok=True)
    import psycopg

    try:
        made = ensure_databases(topology)
    except psycopg.Error as exc:  # the type only: a driver's message may quote the URL, password included
        raise RuntimeError(f"PostgreSQL (PRODUCTION_PG_URL) cannot be used: {type(exc).__name__}") from None
    for name in made:
        print(f"[production] created database {name}", flush=True)
    from urllib.parse import urlparse

    redis = urlparse(topology.redis_url)
    for what, host, port in (("Redis (REDIS_URL)", redis.hostname or "127.0.0.1", redis.port or 6379),
                             ("RabbitMQ (RABBITMQ_HOST/PORT)", env.get("RABBITMQ_HOST") or "127.0.0.1",
                              int(env.get("RABBITMQ_PORT") or 5672))):
        try:
            socket.create_connection((host, port), timeout=3).close()
        except OSError:
            raise RuntimeError(f"{what} does not answer at {host}:{port}") from None
    if ensure_certificate(topology.certificate, topology.public_host):
        print(f"[production] made a self-signed certificate {topology.certificate}", flush=True)
    migrate(env)
    config = topology.state_dir / "haproxy.cfg"
    config.write_text(topology.haproxy_config(), encoding="utf-8")
    check = subprocess.run([shutil.which("haproxy") or "/usr/sbin/haproxy", "-c", "-q", "-f", str(config)],
                           capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        raise RuntimeError(f"HAProxy refused {config}:\n{check.stdout}{check.stderr}")
    (topology.state_dir / "supervisord.conf").write_text(topology.supervisor_config(), encoding="utf-8")
    (topology.state_dir / "credentials.yml").write_text(rasa_credentials(), encoding="utf-8")
    return topology


# --- readiness ------------------------------------------------------------------------------------
def proxy_servers(state_dir: pathlib.Path) -> dict[str, str]:
    """"backend/server" -> status (UP, DOWN, ...) from HAProxy's stats socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(2.0)
        s.connect(str(state_dir / "haproxy.sock"))
        s.sendall(b"show stat\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    out = {}
    for line in data.decode().splitlines():
        if not line or line.startswith("#"):
            continue
        cols = line.split(",")
        if cols[1] not in ("FRONTEND", "BACKEND"):
            out[f"{cols[0]}/{cols[1]}"] = cols[17]
    return out


def wait(env: Mapping[str, str]) -> int:
    """Print each replica as it answers, then "ready <public address>" once the proxy sees every
    server up; stay up (supervisord keeps this process as the one that speaks to the terminal)."""
    from ops.wait_ready import answers  # the embedded set's health check, the same rule

    topology = Topology.from_env(env)
    timeout = float(env.get("READY_TIMEOUT_SECONDS") or 600)
    pending = dict(topology.health_checks())
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for name, target in list(pending.items()):
            if answers(target):
                print(f"{name} is up", flush=True)
                del pending[name]
        time.sleep(0.5)
    down: list[str] = []
    while time.monotonic() < deadline:
        try:
            down = [k for k, v in proxy_servers(topology.state_dir).items() if not v.startswith("UP")]
        except OSError:
            down = ["haproxy"]
        if not down and not pending:
            break
        time.sleep(0.5)
    if pending or down:
        print(f"NOT READY after {timeout:.0f}s: {', '.join(sorted(pending) + down)}", flush=True)
        return 1
    counts = (f"{topology.rasa_replicas} Rasa, {topology.action_replicas} action servers, "
              f"{topology.gateway_replicas}+{topology.stream_replicas} gateway, "
              f"{topology.credentials_replicas} credentials")
    print(f"ready {topology.public_url}/ ({counts})", flush=True)
    print(f"  web chat demo: {topology.public_url}/   agent console: {topology.public_url}/agents/   "
          f"phone line: {topology.public_url}/voice/incoming", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        time.sleep(3600)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command not in ("run", "prepare", "wait", "config"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        if command == "wait":
            return wait(os.environ)
        env = environment()
        if command == "config":
            topology = Topology.from_env(env)
            print(topology.haproxy_config())
            print(topology.supervisor_config())
            return 0
        topology = prepare(env)
    except (TopologyError, RuntimeError) as exc:
        print(f"[production] {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # PostgreSQL not reachable, a file not writable
        print(f"[production] cannot prepare: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    if command == "prepare":
        return 0
    conf = topology.state_dir / "supervisord.conf"
    supervisord = str(ROOT / ".venv" / "app" / "bin" / "supervisord")
    os.execve(supervisord, [supervisord, "-n", "-c", str(conf)], env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
