"""WSGI entry point for gunicorn. In the streams role (gevent workers) the relay's event streams may
use nearly every worker connection (GATEWAY_STREAM_CONNECTIONS), not a share of a thread pool."""
import os

from gateway import create_app

if os.environ.get("GATEWAY_ROLE") == "streams":
    app = create_app({"AGENTS_SSE_STREAMS": max(1, int(os.environ.get("GATEWAY_STREAM_CONNECTIONS", "1000")) - 10)})
else:
    app = create_app()
