"""Observability shared by every process, in both envs (Python 3.10 and 3.11): Prometheus metrics with
``prometheus_client`` (never a hand-written exporter), health and readiness answers, and the side port
they are served on (docs/deploy.md, "Health, readiness and metrics").

- ``telemetry.metrics``: the common families, the label rules (route templates only, no personal data)
  and the side server on ``METRICS_PORT`` (``/metrics``, ``/healthz``, ``/readyz``).
- ``telemetry.flask``: per-route request counts and latencies, ``/healthz`` and ``/readyz`` for a Flask app
  (gateway, credentials backend).
- ``telemetry.gunicorn``: gunicorn hooks for prometheus_client's multiprocess mode (several workers
  share one ``PROMETHEUS_MULTIPROC_DIR``; the master serves the sum on the side port).
- ``telemetry.sanic``: the same for a Sanic app (Rasa, the action server).

A library like the kernel: it imports no room; every room may import it.
"""
