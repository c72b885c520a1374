"""Web room of the gateway: the embeddable chat widget (/widget/widget.js, served with its texts from
web/catalogue/ in place), its vendored runtime (socket.io client from npm, installed into
web/node_modules by `npm ci --prefix web`), and a demo help page at / that embeds it like any portal
page would. The facts in both (code lifetime, S11 contacts) come from kernel.facts."""
from __future__ import annotations

import pathlib

from flask import Blueprint, Flask, Response, abort, current_app, render_template, send_from_directory

from gateway import settings_of
from kernel.facts import text_params
from kernel.settings import EnvReader
from web.texts import all_widget_texts, as_script

HERE = pathlib.Path(__file__).resolve().parent
STATIC = HERE / "static"
# Only these files of node_modules are served, never the folder.
VENDOR = {
    "socket.io.min.js": HERE / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
}

bp = Blueprint("web", __name__, template_folder="templates")


TEXTS_MARKER = "/*WIDGET_TEXTS*/{}"


@bp.get("/")
def demo_page():
    settings = settings_of(current_app)
    rasa_url = current_app.extensions.get("web_rasa_url") or settings.rasa_url
    return render_template("web/demo.html", rasa_url=rasa_url, facts=current_app.extensions["web_facts"])


@bp.get("/widget/<any('widget.js', 'widget.css'):name>")
def widget_asset(name: str):
    if name == "widget.js":
        response = Response(current_app.extensions["web_widget_js"], mimetype="application/javascript")
        response.cache_control.public = True
        response.cache_control.max_age = 300
    else:
        response = send_from_directory(STATIC, name, max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"  # embeddable on other sites
    return response


def widget_script(env=None) -> str:
    """widget.js with every language's texts (facts filled in from ``env``, default os.environ) in place."""
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    if source.count(TEXTS_MARKER) != 1:
        raise RuntimeError(f"web/static/widget.js must hold the marker {TEXTS_MARKER} exactly once")
    return source.replace(TEXTS_MARKER, as_script(all_widget_texts(env)))


@bp.get("/widget/vendor/<name>")
def vendor_asset(name: str):
    path = VENDOR.get(name)
    if path is None or not path.is_file():
        abort(404, description="Vendored file missing: run `npm ci --prefix web`.")
    response = send_from_directory(path.parent, path.name, max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def init_app(app: Flask) -> None:
    """Mount the widget and the demo page; the texts are built (and a bad CODE_TTL_DAYS refused) here, at start."""
    app.extensions["web_widget_js"] = widget_script()
    app.extensions["web_facts"] = text_params("hu")
    # Where the demo page's widget opens its socket.io connection: behind the production proxy the
    # public address (WIDGET_RASA_URL, e.g. PUBLIC_BASE_URL), not RASA_URL, which is the proxy's
    # internal, loopback-only frontend the gateway itself talks to. Unset: RASA_URL (embedded default).
    read = EnvReader()
    app.extensions["web_rasa_url"] = read.url("WIDGET_RASA_URL", "")
    read.raise_errors(RuntimeError, "bad web settings")
    app.register_blueprint(bp)
