"""The common metric families, the label rules and the side server of every process.

Label rules (no personal data in a label, ever): a route label is the framework's route *template*
(``/api/v1/escalations/<reference>``), never the raw path; a request that matched no route is
``<unmatched>``; methods outside the usual few are ``OTHER``; every other label is a value from a
fixed, short set (a channel, a language, a status code). ``safe_label`` is the last guard: a value that
looks like an address, a phone number or a long run of digits is replaced by ``<redacted>``.

The side server (``METRICS_PORT``, bound to ``METRICS_HOST``, default 127.0.0.1) answers ``/metrics``
in the Prometheus text format, ``/healthz`` and ``/readyz``. It is a port of its own so that no
proxy route, Service or Ingress can ever expose it by mistake: only the scraper that is pointed at
the pod's metrics port reads it. Unset ``METRICS_PORT``: no side server (the embedded default).

Under several processes (gunicorn workers) set ``PROMETHEUS_MULTIPROC_DIR`` before prometheus_client
is imported (``telemetry.gunicorn.prepare_multiprocess_dir``); ``exposition_registry`` then sums the
processes' files.
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
from socketserver import ThreadingMixIn
from typing import Callable, Dict, Iterable, Optional, Tuple
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import shutil
import sys
import tempfile
import time

logger = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_AUTO_PREFIX = "helpdesk-metrics-"


def _under_gunicorn() -> bool:
    return any(name.startswith("gunicorn.workers") for name in sys.modules)


def _auto_multiprocess_dir() -> None:
    """Under gunicorn without PROMETHEUS_MULTIPROC_DIR: one directory per gunicorn master (the
    workers' parent), so that however many workers it runs their numbers add up. Must run before
    prometheus_client is imported (it chooses its value class at import)."""
    if os.environ.get(MULTIPROC_ENV) or "prometheus_client" in sys.modules or not _under_gunicorn():
        return
    base, mine = tempfile.gettempdir(), f"{_AUTO_PREFIX}{os.getuid()}-"
    path = os.path.join(base, f"{mine}{os.getppid()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.environ[MULTIPROC_ENV] = path
    for name in os.listdir(base):  # the directories of masters that are gone
        pid = name[len(mine):]
        if name.startswith(mine) and pid.isdigit() and not _pid_alive_early(int(pid)):
            shutil.rmtree(os.path.join(base, name), ignore_errors=True)


def _pid_alive_early(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_auto_multiprocess_dir()

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest  # noqa: E402
from prometheus_client import REGISTRY, CONTENT_TYPE_LATEST  # noqa: E402
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
UNMATCHED = "<unmatched>"
REDACTED = "<redacted>"
# Seconds: a webhook answers in tens of milliseconds, a turn in about a hundred, a slow backend call in 2-3 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0)

_SUSPICIOUS = re.compile(r"@|\+?\d[\d ()./-]{6,}\d|%40", re.IGNORECASE)

REQUESTS = Counter("helpdesk_http_requests", "HTTP requests answered, per route template and status.",
                   ["process", "method", "route", "status"])
LATENCY = Histogram("helpdesk_http_request_duration_seconds", "Time to answer an HTTP request, per route template.",
                    ["process", "method", "route"], buckets=LATENCY_BUCKETS)
IN_FLIGHT = Gauge("helpdesk_http_requests_in_flight", "HTTP requests being answered now.", ["process"],
                  multiprocess_mode="livesum")

Check = Callable[[], None]  # raises (anything) when the dependency is not usable


def safe_label(value: object, limit: int = 96) -> str:
    """A label value that cannot carry personal data: suspicious values become ``<redacted>``."""
    text = str(value)[:limit]
    return REDACTED if _SUSPICIOUS.search(text) else text


def method_label(method: str) -> str:
    method = (method or "").upper()
    return method if method in METHODS else "OTHER"


def route_label(template: Optional[str]) -> str:
    """The route template of a matched request, ``<unmatched>`` otherwise (a raw path never)."""
    if not template:
        return UNMATCHED
    return safe_label(template if template.startswith("/") else "/" + template)


def observe_request(process: str, method: str, template: Optional[str], status: int, seconds: float) -> None:
    route, method = route_label(template), method_label(method)
    REQUESTS.labels(process, method, route, str(int(status))).inc()
    LATENCY.labels(process, method, route).observe(max(0.0, seconds))


def multiprocess_dir() -> Optional[str]:
    return os.environ.get(MULTIPROC_ENV) or None


_pid_alive = _pid_alive_early


def forget_dead_processes(path: str) -> None:
    """Drop the live gauges of processes that are gone (a worker that gunicorn replaced); their
    counters stay, so the sums never go backwards."""
    from prometheus_client import multiprocess

    pids = set()
    for name in os.listdir(path):
        match = re.match(r"gauge_live\w*?_(\d+)\.db\Z", name)
        if match:
            pids.add(int(match.group(1)))
    for pid in pids:
        if not _pid_alive(pid):
            multiprocess.mark_process_dead(pid, path)


def exposition_registry(extra: Iterable[object] = ()) -> CollectorRegistry:
    """The registry to render: the sum of every process's files in multiprocess mode, this process's
    default registry otherwise; ``extra`` collectors (scrape-time readings such as a queue depth) are added."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        forget_dead_processes(multiprocess_dir())
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_DefaultRegistry())
    for collector in extra:
        registry.register(collector)
    return registry


class _DefaultRegistry:
    """The process's default registry as one collector (so extras can be added beside it)."""

    def collect(self):
        return REGISTRY.collect()


def run_checks(checks: Dict[str, Check]) -> Tuple[bool, Dict[str, str]]:
    """Run each readiness check; ``(all ok, {name: "ok" | error type})`` — an error's type only, a
    driver's message may quote a URL with its password."""
    results: Dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - a failing dependency is an answer, not a crash
            results[name] = type(exc).__name__
    return all(v == "ok" for v in results.values()), results


def readiness_body(checks: Dict[str, Check]) -> Tuple[int, dict]:
    ok, results = run_checks(checks)
    return (200 if ok else 503), {"status": "ready" if ok else "not_ready", "checks": results}


# --- the side server ---------------------------------------------------------------------------------


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass


def side_app(process: str, checks: Optional[Dict[str, Check]] = None,
             extra: Callable[[], Iterable[object]] = lambda: ()):
    """WSGI app of the side port: /metrics, /healthz, /readyz; anything else 404."""
    checks = checks or {}

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            body = generate_latest(exposition_registry(extra()))
            start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
            return [body]
        if path == "/healthz":
            status, payload = 200, {"status": "ok", "process": process}
        elif path == "/readyz":
            status, payload = readiness_body(checks)
        else:
            status, payload = 404, {"error": "not_found"}
        start_response(f"{status} {'OK' if status == 200 else 'Not Ready' if status == 503 else 'Not Found'}",
                       [("Content-Type", "application/json")])
        return [json.dumps(payload).encode()]

    return app


def serve_side_port(process: str, port: int, host: str = "127.0.0.1", checks: Optional[Dict[str, Check]] = None,
                    extra: Callable[[], Iterable[object]] = lambda: ()):
    """Serve /metrics, /healthz, /readyz on ``host:port`` from a daemon thread; returns the server
    (``shutdown()`` stops it) or None when the port cannot be bound (logged; the process serves on)."""
    try:
        server = make_server(host, port, side_app(process, checks, extra), _ThreadingServer, handler_class=_QuietHandler)
    except OSError as exc:
        logger.warning("%s: metrics port %s:%s not served (%s)", process, host, port, type(exc).__name__)
        return None
    thread = threading.Thread(target=server.serve_forever, name=f"{process}-metrics", daemon=True)
    thread.start()
    return server


def serve_elected(process: str, port: int, host: str = "127.0.0.1", checks: Optional[Dict[str, Check]] = None,
                  extra: Callable[[], Iterable[object]] = lambda: (), retry_seconds: float = 2.0) -> threading.Thread:
    """For one of several worker processes sharing a multiprocess directory: each tries to bind the
    side port; the one that binds serves the sum of all, the others retry every ``retry_seconds`` and
    take over when it is gone. Returns the (daemon) thread trying."""

    def keep_trying() -> None:
        while True:
            try:
                server = make_server(host, port, side_app(process, checks, extra), _ThreadingServer,
                                     handler_class=_QuietHandler)
            except OSError:
                time.sleep(retry_seconds)
                continue
            server.serve_forever()
            return

    thread = threading.Thread(target=keep_trying, name=f"{process}-metrics", daemon=True)
    thread.start()
    return thread


def side_port_from_env(environ=os.environ, process: Optional[str] = None) -> Optional[Tuple[str, int]]:
    """(host, port) from ``<PROCESS>_METRICS_PORT`` (e.g. GATEWAY_METRICS_PORT, RASA_METRICS_PORT:
    the processes of ``make run`` share one .env) or else METRICS_PORT, and the matching *_METRICS_HOST
    (default 127.0.0.1); None when the port is unset or 0."""
    prefix = f"{process.upper()}_" if process else ""
    if prefix and (environ.get(f"{prefix}METRICS_PORT") or "").strip():
        environ = {"METRICS_PORT": environ.get(f"{prefix}METRICS_PORT"),
                   "METRICS_HOST": environ.get(f"{prefix}METRICS_HOST") or environ.get("METRICS_HOST")}
    raw = (environ.get("METRICS_PORT") or "").strip()
    if not raw or raw == "0":
        return None
    try:
        port = int(raw)
    except ValueError:
        logger.warning("METRICS_PORT=%r is not a port number: no metrics port", raw[:16])
        return None
    if not 0 < port < 65536:
        logger.warning("METRICS_PORT=%s is out of range: no metrics port", port)
        return None
    return (environ.get("METRICS_HOST") or "127.0.0.1").strip(), port


def serve_from_env(process: str, checks: Optional[Dict[str, Check]] = None,
                   extra: Callable[[], Iterable[object]] = lambda: ()):
    """The side server on the process's metrics port when one is set (``side_port_from_env``); None otherwise."""
    where = side_port_from_env(os.environ, process)
    if where is None:
        return None
    if multiprocess_dir():
        return serve_elected(process, where[1], where[0], checks, extra)
    return serve_side_port(process, where[1], where[0], checks, extra)


class ReadingGauge:
    """A gauge read at scrape time (a queue depth, an outbox backlog: from the database every process
    shares, so every replica reports the same truth and none has to keep a counter in step).
    ``read()`` returns ``{(label values...): number}``; a failing read gives no sample (logged by type)."""

    def __init__(self, name: str, documentation: str, labels: Tuple[str, ...], read: Callable[[], Dict[tuple, float]]):
        self.name, self.documentation, self.labels, self.read = name, documentation, labels, read

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily(self.name, self.documentation, labels=list(self.labels))
        try:
            values = self.read()
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail with the database
            logger.warning("metric %s not read (%s)", self.name, type(exc).__name__)
            values = {}
        for key, value in sorted(values.items()):
            family.add_metric([safe_label(v) for v in key], float(value))
        yield family
