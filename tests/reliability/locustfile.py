"""Paced chat users and phone callers against the embedded default (issue #12, "Load and soak"):
``python -m locust -f tests/reliability/locustfile.py --headless ...`` (tests/reliability/
test_canaries_hangs_load.py runs it as a subprocess: locust patches the standard library with gevent).

Settings from the environment: LOAD_RASA_URL, LOAD_GATEWAY_URL, LOAD_PUBLIC_BASE_URL,
LOAD_CHANNEL_SECRET, LOAD_TWILIO_TOKEN, LOAD_CHATS and LOAD_CALLERS (how many of each user).

- A chat user (``ChatUser``) holds one conversation over the helpdesk REST channel, as a person
  types: a question, a username, an address, a yes, another question; 10–30 s between messages
  (people read the answer and type: the pace of issue #11's paced capacity, scripts/locust_paced.py).
- A caller (``Caller``) dials the phone line (signed Twilio webhooks) and speaks a turn every 6–12 s
  (a prompt plays in between),
  hangs up after a few turns and calls again. An answer the caller can hear is TwiML with a <Say> or
  <Play>; the keypad menu the line falls back to (the assistant past its deadline) counts as answered
  but is counted apart ("phone fallback" in the statistics).
An error is any status other than 200, a transport failure, or an answer without anything to hear.
"""
from __future__ import annotations

import os
import random
import uuid
import xml.etree.ElementTree as ET

from locust import HttpUser, between, task
from twilio.request_validator import RequestValidator

RASA_URL = os.environ.get("LOAD_RASA_URL", "http://127.0.0.1:5005")
GATEWAY_URL = os.environ.get("LOAD_GATEWAY_URL", "http://127.0.0.1:8000")
PUBLIC_BASE_URL = os.environ.get("LOAD_PUBLIC_BASE_URL", GATEWAY_URL).rstrip("/")
CHANNEL_SECRET = os.environ.get("LOAD_CHANNEL_SECRET", "")
VALIDATOR = RequestValidator(os.environ.get("LOAD_TWILIO_TOKEN", ""))

CHAT_LINES = [
    ["nem kaptam meg a kódot", "kovacs{n}", "kovacs{n}@example.hu", "igen", "meddig érvényes a kód?"],
    ["elfelejtettem a jelszavamat", "mi az a felhasználónév?", "köszönöm"],
    ["I never received the activation code", "smith{n}", "smith{n}@example.com", "yes", "thanks"],
    ["hogyan érem el az ügyfélvonalat?", "meddig érvényes az aktiváló kód?", "köszönöm, viszlát"],
]
SPEECH = ["lejárt a kódom", "nem kaptam meg a kódot", "meddig érvényes a kód", "köszönöm", "mi az ügyfélvonal száma"]


class ChatUser(HttpUser):
    host = RASA_URL
    wait_time = between(10, 30)
    fixed_count = int(os.environ.get("LOAD_CHATS", "20"))

    def on_start(self) -> None:
        self.new_conversation()

    def new_conversation(self) -> None:
        self.sender = f"load-chat-{uuid.uuid4().hex}"
        n = random.randint(10, 99)
        self.lines = [line.format(n=n) for line in random.choice(CHAT_LINES)]

    @task
    def turn(self) -> None:
        if not self.lines:
            self.new_conversation()
        text = self.lines.pop(0)
        with self.client.post("/webhooks/helpdesk/webhook", name="chat turn", catch_response=True, timeout=30,
                              json={"sender": self.sender, "message": text,
                                    "metadata": {"channel": "chat", "language": "hu"}},
                              headers={"X-Helpdesk-Channel-Secret": CHANNEL_SECRET}) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif not isinstance(response.json(), list) or not response.json():
                response.failure("no answer")


class Caller(HttpUser):
    host = GATEWAY_URL
    wait_time = between(6, 12)
    fixed_count = int(os.environ.get("LOAD_CALLERS", "10"))

    def on_start(self) -> None:
        self.call_sid, self.action, self.turns = None, None, 0

    def post(self, path: str, params: dict[str, str], name: str) -> None:
        url = path if "://" in path else PUBLIC_BASE_URL + path
        data = {"AccountSid": "AC" + "0" * 32, "CallSid": self.call_sid, "From": "+36301234567",
                "Caller": "+36301234567", "To": "+3612345678", "Called": "+3612345678",
                "Direction": "inbound", "CallStatus": "in-progress", "ApiVersion": "2010-04-01", **params}
        signature = VALIDATOR.compute_signature(url, data)
        with self.client.post(url[len(PUBLIC_BASE_URL):], data=data, name=name, catch_response=True, timeout=15,
                              headers={"X-Twilio-Signature": signature}) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                self.action = None
                return
            try:
                root = ET.fromstring(response.text)
            except ET.ParseError:
                response.failure("not TwiML")
                self.action = None
                return
            if root.find(".//Say") is None and root.find(".//Play") is None and root.find("Redirect") is None:
                response.failure("nothing to hear")
            gather = root.find("Gather")
            redirect = root.find("Redirect")
            if gather is not None:
                self.action = gather.attrib.get("action")
                self.speech = "speech" in gather.attrib.get("input", "speech")
                if not self.speech:
                    self.environment.events.request.fire(request_type="PHONE", name="phone fallback (keypad menu)",
                                                         response_time=0, response_length=0, exception=None,
                                                         context={})
            elif redirect is not None and (redirect.text or "").strip():
                self.action = redirect.text.strip()
                self.speech = None
            else:
                self.action = None

    @task
    def turn(self) -> None:
        if self.action is None or self.turns >= 4:
            self.call_sid, self.turns = "CA" + uuid.uuid4().hex, 0
            self.post("/voice/incoming", {"CallStatus": "ringing"}, "phone call")
            return
        self.turns += 1
        if self.speech is None:
            self.post(self.action, {}, "phone redirect")
        elif self.speech:
            self.post(self.action, {"SpeechResult": random.choice(SPEECH), "Confidence": "0.91"}, "phone turn")
        else:
            self.post(self.action, {"Digits": "1"}, "phone keypad")
