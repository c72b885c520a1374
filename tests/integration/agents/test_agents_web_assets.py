"""web/: the demo help page embeds the widget with one script tag; the widget and its socket.io
client are served by the gateway itself (no CDN)."""
from __future__ import annotations

import pathlib
import re

import pytest


def test_demo_page_embeds_the_widget_with_one_script_tag(gateway_client):
    r = gateway_client.get("/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert '<html lang="hu">' in html
    tags = re.findall(r"<script[^>]*>", html)
    assert len(tags) == 1 and 'src="/widget/widget.js"' in tags[0] and "data-rasa-url=" in tags[0]


def test_nothing_on_the_demo_page_or_widget_comes_from_another_host(gateway_client):
    html = gateway_client.get("/").get_data(as_text=True)
    widget = gateway_client.get("/widget/widget.js").get_data(as_text=True)
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert "cdn" not in widget.lower() and "googleapis" not in widget


@pytest.mark.skipif(not (pathlib.Path(__file__).resolve().parents[3] / "web" / "node_modules").is_dir(),
                    reason="web/node_modules missing: the setup step `npm ci --prefix web` has not run")
def test_widget_and_socketio_client_are_served_locally(gateway_client):
    js = gateway_client.get("/widget/widget.js")
    assert js.status_code == 200 and "javascript" in js.headers["Content-Type"]
    assert gateway_client.get("/widget/widget.css").status_code == 200
    io = gateway_client.get("/widget/vendor/socket.io.min.js")
    assert io.status_code == 200 and b"Socket.IO" in io.data[:400]
    assert gateway_client.get("/widget/vendor/package.json").status_code == 404
    assert gateway_client.get("/widget/vendor/..%2Fpackage.json").status_code == 404
