"""SIGTERM during a slow request of a Sanic server (the action server; Rasa runs on the same Sanic):
the request in flight gets its answer, then the process exits 0. The real rasa-sdk action server
(``rasa run actions``, with the help desk's metrics registered on it: actions/observability.py) runs a
test action package whose action takes 3 s."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import httpx

from tests.fixtures.ports import ROOT, free_port, wait_for_http

SLOW_ACTION = '''
import asyncio
from rasa_sdk import Action

import actions.observability  # noqa: F401 - the help desk's metrics on this action server


class ActionSlow(Action):
    def name(self):
        return "action_slow"

    async def run(self, dispatcher, tracker, domain):
        await asyncio.sleep(3.0)
        dispatcher.utter_message(text="done")
        return []
'''


def test_sigterm_lets_a_slow_action_finish(tmp_path):
    package = tmp_path / "slow_actions"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "slow.py").write_text(SLOW_ACTION)
    port, metrics_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}:{ROOT}", "RASA_TELEMETRY_ENABLED": "false",
           "ACTIONS_METRICS_PORT": str(metrics_port), "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "actions.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(ROOT / ".venv/engine/bin/python"), "-m", "ops.rasa_cli", "run", "actions",
                                    "--actions", "slow_actions", "-p", str(port)], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", timeout=120, process=process)
        wait_for_http(f"http://127.0.0.1:{metrics_port}/readyz", timeout=30, process=process)
        answers: list = []

        def call() -> None:
            body = {"next_action": "action_slow", "sender_id": "s", "version": "3.6.21", "domain": {},
                    "tracker": {"sender_id": "s", "slots": {}, "latest_message": {}, "events": [],
                                "paused": False, "followup_action": None, "active_loop": {},
                                "latest_action_name": None}}
            try:
                answers.append(httpx.post(f"http://127.0.0.1:{port}/webhook", json=body, timeout=30))
            except httpx.HTTPError as exc:
                answers.append(exc)

        thread = threading.Thread(target=call)
        thread.start()
        time.sleep(1.0)  # the action is running
        process.send_signal(signal.SIGTERM)
        thread.join(timeout=30)
        assert len(answers) == 1 and isinstance(answers[0], httpx.Response), (answers, log.read_text()[-2000:])
        assert answers[0].status_code == 200
        assert answers[0].json()["responses"][0]["text"] == "done"
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
