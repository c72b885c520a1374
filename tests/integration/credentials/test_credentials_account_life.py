"""The whole life of an account over HTTP, with the real backend process and the real SMTP sink
(S1-S8): register -> mail -> activate with the mailed code -> login -> forgotten password -> new
mail -> the old code is dead, the new one works."""
from __future__ import annotations

from tests.fixtures.mail_services import extract_code

NEW_PASSWORD = "correct horse battery staple"
SECOND_PASSWORD = "a brand new and long passphrase"


def account_life(server, sink, username: str, email: str) -> None:
    server.register(username, "Kovács János", email, "hu")
    first = sink.wait_for_mail(email, timeout=20)
    assert first["Content-Language"] == "hu"
    code = extract_code(first)

    # S7: the code is not the password; S3: activation replaces it with a new password.
    assert server.post("/api/v1/login", {"username": username, "password": code}).status_code == 401
    r = server.post("/api/v1/activate", {"username": username, "code": code, "new_password": NEW_PASSWORD})
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "active"}
    activated_notice = sink.wait_for_mail(email, timeout=20)
    assert code.replace("-", "") not in activated_notice.as_string().replace("-", "")

    assert server.post("/api/v1/login", {"username": username, "password": NEW_PASSWORD}).json() == {"status": "ok"}

    # S8: forgotten password -> a new code to the address on file
    r = server.post("/api/v1/reset-requests", {"username": username, "email": email, "channel": "chat",
                                               "source": "session-1"})
    assert (r.status_code, r.json()) == (202, {"status": "accepted"})
    mails = [sink.wait_for_mail(email, timeout=20), sink.wait_for_mail(email, timeout=20)]
    code_mails = [m for m in mails if m.get_body(("plain",)).get_content().count("\n    ") and _has_code(m)]
    assert len(code_mails) == 1
    new_code = extract_code(code_mails[0])
    assert new_code != code

    # the old code is dead (used), the one-time code alone does not log in (S8)
    r = server.post("/api/v1/activate", {"username": username, "code": code, "new_password": SECOND_PASSWORD})
    assert r.status_code == 401
    assert server.post("/api/v1/login", {"username": username, "password": new_code}).status_code == 401
    r = server.post("/api/v1/activate", {"username": username, "code": new_code.lower().replace("-", ""),
                                         "new_password": SECOND_PASSWORD})
    assert r.status_code == 200, r.text
    assert server.post("/api/v1/login", {"username": username, "password": NEW_PASSWORD}).status_code == 401
    assert server.post("/api/v1/login", {"username": username, "password": SECOND_PASSWORD}).status_code == 200

    diagnosis = server.post("/api/v1/diagnose", {"username": username, "email": email, "channel": "agent",
                                                 "source": "desk-1"}).json()
    assert diagnosis["verified"] is True and diagnosis["state"] == "active"
    assert diagnosis["last_code_mail"]["status"] == "sent"
    assert [f["reason"] for f in diagnosis["recent_failures"]][:2] == ["wrong_password", "code_used_as_password"]


def _has_code(message) -> bool:
    try:
        extract_code(message)
        return True
    except AssertionError:
        return False


def test_account_life_over_http_with_real_mail(credentials_server, smtp_sink):
    account_life(credentials_server, smtp_sink, "kovacsj", "janos.kovacs@example.hu")
