"""web/static/widget.js, read as source: ids only from crypto.getRandomValues (fail closed), the session
resumed only with the channel's token, the message's session never named by the client (issue 10)."""
from __future__ import annotations

import pathlib
import re

WIDGET = (pathlib.Path(__file__).resolve().parents[3] / "web" / "static" / "widget.js").read_text(encoding="utf-8")


def test_widget_never_uses_math_random():
    assert "Math.random" not in WIDGET
    assert "crypto.getRandomValues" in WIDGET
    # without a cryptographic generator the widget does not start (no guessable fallback id)
    assert re.search(r"if \(!\(window\.crypto && typeof window\.crypto\.getRandomValues === \"function\"\)\) return;",
                     WIDGET)


def test_widget_resumes_only_with_the_channels_token_and_never_names_the_session_in_a_message():
    assert "session_token: state.session_token" in WIDGET
    emit = re.search(r'socket\.emit\("user_uttered", \{([^}]*)\}', WIDGET).group(1)
    assert "session_id" not in emit and "client_message_id" in emit
