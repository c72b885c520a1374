"""The gateway's access log never holds a widget's conversation id, a query value (tokens, CallSids)
or an e-mail address (the relay's URLs carry the widget's session id)."""
from __future__ import annotations

import datetime

from gunicorn.config import Config

from gateway.access_log import MaskingAccessLogger, masked_path


def test_the_relay_path_loses_the_widgets_conversation_id():
    assert masked_path("/api/v1/chat/5f0c9a1e-widget-session/events") == "/api/v1/chat/***/events"
    assert masked_path("/api/v1/escalations/HD-AB12") == "/api/v1/escalations/***"


def test_query_values_are_dropped_but_their_names_kept():
    assert masked_path("/voice/menu?step=3&lang=hu") == "/voice/menu?step=***&lang=***"
    assert masked_path("/conversations/x/tracker?token=s3cr3t") == "/conversations/x/tracker?token=***"


def test_an_address_in_a_path_is_masked():
    assert "kiss.pista@gmail.com" not in masked_path("/agents/search/kiss.pista@gmail.com")


def test_the_access_log_line_holds_none_of_them():
    logger = MaskingAccessLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/api/v1/chat/secret-session-id/events?after=7&token=abc",
               "PATH_INFO": "/api/v1/chat/secret-session-id/events", "QUERY_STRING": "after=7&token=abc",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}

    class Response:
        status, sent, headers = "200 OK", 10, []

    atoms = logger.atoms(Response(), [], environ, datetime.timedelta(milliseconds=5))
    line = " ".join(str(v) for v in atoms.values())
    assert "secret-session-id" not in line and "abc" not in line
    assert atoms["r"] == "GET /api/v1/chat/***/events?after=***&token=*** HTTP/1.1"
