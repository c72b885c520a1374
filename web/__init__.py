"""Web room of the gateway: the embeddable chat widget (/widget/widget.js), its vendored runtime
(socket.io client from npm, installed into web/node_modules by `npm ci --prefix web`), and a demo
help page at / that embeds it like any portal page would."""
from __future__ import annotations

import pathlib

from flask import Blueprint, Flask, abort, render_template, send_from_directory

from gateway import settings_of

HERE = pathlib.Path(__file__).resolve().parent
STATIC = HERE / "static"
# Only these files of node_modules are served, never the folder.
VENDOR = {
    "socket.io.min.js": HERE / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
}

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/")
def demo_page():
    from flask import current_app

    settings = settings_of(current_app)
    return render_template("web/demo.html", rasa_url=settings.rasa_url)


@bp.get("/widget/<any('widget.js', 'widget.css'):name>")
def widget_asset(name: str):
    response = send_from_directory(STATIC, name, max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"  # embeddable on other sites
    return response


@bp.get("/widget/vendor/<name>")
def vendor_asset(name: str):
    path = VENDOR.get(name)
    if path is None or not path.is_file():
        abort(404, description="Vendored file missing: run `npm ci --prefix web`.")
    response = send_from_directory(path.parent, path.name, max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
