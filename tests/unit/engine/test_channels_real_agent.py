"""A real Rasa agent behind the helpdesk REST channel stores and logs only REDACTEDSECRET (S7, S8).

A tiny model (keyword classifier + rules, trained here in seconds) is enough: what is under test
is the path from the webhook through Rasa's processor to the SQL tracker store and Rasa's debug
logs, with the project's own credentials.yml channel and endpoints.yml tracker store.
"""
from __future__ import annotations

import asyncio
import logging
import pathlib
import sqlite3
import textwrap
import uuid

import httpx
import pytest
from sanic import Sanic

from bot.channels import CHANNEL_SECRET_HEADER
from tests.fixtures.ports import free_port

ROOT = pathlib.Path(__file__).resolve().parents[3]
CHANNEL_SECRET = "test-rasa-channel-secret-0123456789abcdef"
PASSWORD = "Tavasz2024!!"
CODE = "K7QM-3XPA-9TDE-W2HF"

pytestmark = pytest.mark.slow


def train_tiny_model(project: pathlib.Path, name: str, *, domain: str, config: str, data: str) -> pathlib.Path:
    """Train a model from a domain, config and data of a few lines (written into ``project``); seconds."""
    from rasa.model_training import train

    for file, text in (("domain.yml", domain), ("config.yml", config), ("data.yml", data)):
        (project / file).write_text(textwrap.dedent(text))
    result = train(domain=str(project / "domain.yml"), config=str(project / "config.yml"),
                   training_files=[str(project / "data.yml")], output=str(project / "models"), fixed_model_name=name)
    assert result.code == 0 and result.model
    return pathlib.Path(result.model)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> pathlib.Path:
    """Train a keyword/rule model that answers ``shared_secret`` when it sees REDACTEDSECRET."""
    return train_tiny_model(tmp_path_factory.mktemp("tiny_bot"), "tiny", domain="""\
            version: "3.1"
            intents: [greet, shared_secret]
            responses:
              utter_greet: [{text: "Szia!"}]
              utter_never_share: [{text: "Kérem, soha ne írja be a jelszavát vagy a kódját."}]
            session_config: {session_expiration_time: 60, carry_over_slots_to_new_session: true}
            """, config="""\
            recipe: default.v1
            language: hu
            assistant_id: redaction_test
            pipeline: [{name: WhitespaceTokenizer}, {name: KeywordIntentClassifier}]
            policies: [{name: RulePolicy}]
            """, data="""\
            version: "3.1"
            nlu:
            - intent: greet
              examples: |
                - szia
                - hello
            - intent: shared_secret
              examples: |
                - REDACTEDSECRET
                - a REDACTEDSECRET
            rules:
            - rule: greet
              steps: [{intent: greet}, {action: utter_greet}]
            - rule: secret
              steps: [{intent: shared_secret}, {action: utter_never_share}]
            """)


async def _converse(model: pathlib.Path, db: pathlib.Path, turns: list[dict]) -> tuple[list, object]:
    from rasa.core.agent import load_agent
    from rasa.core.run import configure_app, create_http_input_channels
    from rasa.core.utils import AvailableEndpoints

    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))
    agent = await load_agent(model_path=str(model), endpoints=endpoints)
    channels = create_http_input_channels(None, str(ROOT / "credentials.yml"))
    Sanic.test_mode = True  # lets Sanic start more than one app in one process
    app = configure_app(channels, enable_api=False, conversation_id=uuid.uuid4().hex)
    app.ctx.agent = agent
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    replies = []
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            for turn in turns:
                r = await client.post(f"http://127.0.0.1:{port}/webhooks/helpdesk/webhook", json=turn,
                                      headers={CHANNEL_SECRET_HEADER: CHANNEL_SECRET})
                assert r.status_code == 200, r.text
                replies.append(r.json())
        tracker = await agent.tracker_store.retrieve("caller-1")
    finally:
        server.close()
        await server.wait_closed()
    return replies, tracker


def test_secret_is_redacted_before_storage_in_a_real_agent(tiny_model, tmp_path, monkeypatch, caplog, capfd):
    from rasa.utils.log_utils import configure_structlog

    db = tmp_path / "tracker.db"
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:9/webhook")
    monkeypatch.setenv("RASA_TRACKER_SQLITE", str(db))
    monkeypatch.setenv("RASA_CHANNEL_SECRET", CHANNEL_SECRET)
    configure_structlog(logging.DEBUG)
    caplog.set_level(logging.DEBUG)

    turns = [
        {"sender": "caller-1", "message": "szia", "metadata": {"channel": "phone", "language": "hu"}},
        {"sender": "caller-1", "message": f"a jelszavam: {PASSWORD}", "metadata": {"channel": "phone"}},
        {"sender": "caller-1", "message": f"a kódom {CODE.lower()}", "metadata": {"channel": "phone"}},
    ]
    replies, tracker = asyncio.run(_converse(tiny_model, db, turns))

    # The bot understood the secret turns through the token (and answered the shared_secret rule).
    assert [r[0]["text"] for r in replies] == [
        "Szia!",
        "Kérem, soha ne írja be a jelszavát vagy a kódját.",
        "Kérem, soha ne írja be a jelszavát vagy a kódját.",
    ]

    user_events = [e for e in tracker.events if e.type_name == "user"]
    assert [e.text for e in user_events] == ["szia", "a jelszavam: REDACTEDSECRET", "a kódom REDACTEDSECRET"]
    assert [e.metadata["redacted"] for e in user_events] == [[], ["password"], ["code"]]
    assert {e.input_channel for e in user_events} == {"helpdesk"}
    assert all(e.metadata["channel"] == "phone" for e in user_events)

    # Nothing in the tracker database holds the secrets, in any column.
    stored = db.read_bytes()
    with sqlite3.connect(db) as conn:
        rows = " ".join(str(row) for row in conn.execute("SELECT * FROM events"))
    for secret in (PASSWORD, CODE, CODE.lower(), "Tavasz2024"):
        assert secret.encode() not in stored
        assert secret not in rows
    assert "REDACTEDSECRET" in rows

    # Rasa's debug logs printed the parsed text, and only in its redacted form.
    out, err = capfd.readouterr()
    logs = caplog.text + out + err
    assert "REDACTEDSECRET" in logs
    for secret in (PASSWORD, "Tavasz2024", CODE, CODE.lower()):
        assert secret not in logs


def test_typed_or_spoken_email_never_rests_in_clear_in_the_tracker_store(tiny_model, tmp_path, monkeypatch,
                                                                        caplog, capfd):
    """Medium 6 (chat): the channel masks the address in the text and seals it into the metadata
    before Rasa sees the message; the tracker store, its file and Rasa's debug logs hold neither the
    typed nor the spoken address, and the seal opens only with CHAT_SEAL_KEY (the action server's)."""
    import os

    from rasa.utils.log_utils import configure_structlog

    from kernel.sealing import SEALED_EMAIL_METADATA, chat_email_sealer

    db = tmp_path / "tracker.db"
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:9/webhook")
    monkeypatch.setenv("RASA_TRACKER_SQLITE", str(db))
    monkeypatch.setenv("RASA_CHANNEL_SECRET", CHANNEL_SECRET)
    configure_structlog(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    turns = [
        {"sender": "caller-1", "message": "az e-mail címem Kiss.Pista@Gmail.com", "metadata": {"channel": "chat"}},
        {"sender": "caller-1", "message": "kiss pont pista kukac freemail pont hu", "metadata": {"channel": "phone"}},
        # A client cannot bring a seal of its own (one copied from another conversation, say).
        {"sender": "caller-1", "message": "szia", "metadata": {SEALED_EMAIL_METADATA: "sealed-email:forged"}},
    ]
    _, tracker = asyncio.run(_converse(tiny_model, db, turns))

    user_events = [e for e in tracker.events if e.type_name == "user"]
    assert [e.text for e in user_events] == ["az e-mail címem ki***@g***.com", "ki***@f***.hu", "szia"]
    opener = chat_email_sealer(os.environ["CHAT_SEAL_KEY"])
    assert [opener.unseal(e.metadata.get(SEALED_EMAIL_METADATA)) for e in user_events] == [
        "kiss.pista@gmail.com", "kiss.pista@freemail.hu", None]
    assert chat_email_sealer("another-key-0123456789abcdef").unseal(user_events[0].metadata[SEALED_EMAIL_METADATA]) is None

    stored = db.read_bytes()
    with sqlite3.connect(db) as conn:
        rows = " ".join(str(row) for row in conn.execute("SELECT * FROM events")).lower()
    out, err = capfd.readouterr()
    logs = (caplog.text + out + err).lower()
    for clear in ("kiss.pista@gmail.com", "kiss.pista@freemail.hu", "pista kukac", "kiss pont pista"):
        assert clear.encode() not in stored.lower()
        assert clear not in rows and clear not in logs
