"""A caller's phone as Twilio would drive the gateway: signed webhooks, <Gather action> and <Redirect>
followed, keys pressed, speech "spoken", the queue and the recorder played. Used by the terminal phone
(``python -m ivr.phone``), the test suite's call driver and the benchmark."""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Protocol

import httpx
from twilio.request_validator import RequestValidator

STOP_VERBS = ("Gather", "Enqueue", "Record", "Dial", "Hangup", "Leave")
MAX_REDIRECTS = 10


class Transport(Protocol):
    def post(self, path: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, str]: ...


class HttpTransport:
    """Talks to a running gateway over HTTP."""

    def __init__(self, base_url: str, timeout: float = 20.0):
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(timeout=timeout)

    def post(self, path: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        response = self._http.post(self.base_url + path, data=data, headers=headers)
        return response.status_code, response.text

    def close(self) -> None:
        self._http.close()


class FlaskTransport:
    """Talks to a Flask app in-process (its test client)."""

    def __init__(self, client):
        self.client = client

    def post(self, path: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        response = self.client.post(path, data=data, headers=headers)
        return response.status_code, response.get_data(as_text=True)


@dataclass
class Answer:
    """One webhook's answer: HTTP status, the body and the parsed TwiML (None if not XML)."""

    status: int
    body: str
    root: ET.Element | None

    @property
    def says(self) -> list[str]:
        return [el.text or "" for el in self.root.iter("Say")] if self.root is not None else []

    def find(self, path: str) -> ET.Element | None:
        return self.root.find(path) if self.root is not None else None


class CallEnded(RuntimeError):
    """The call is over (hung up or the TwiML ran out): there is nothing to answer."""


@dataclass
class TwilioCall:
    """One simulated inbound call."""

    transport: Transport
    auth_token: str
    public_base_url: str
    caller: str = "+36301234567"
    called: str = "+3612345678"
    call_sid: str = field(default_factory=lambda: "CA" + uuid.uuid4().hex)
    answers: list[Answer] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)

    # --- plumbing ---------------------------------------------------------------------------
    def url(self, url_or_path: str) -> str:
        return url_or_path if "://" in url_or_path else self.public_base_url.rstrip("/") + url_or_path

    def signature(self, url: str, params: dict[str, str]) -> str:
        return RequestValidator(self.auth_token).compute_signature(url, params)

    def post(self, url_or_path: str, params: dict[str, str] | None = None, *, sign: bool = True,
             headers: dict[str, str] | None = None, record: bool = True) -> Answer:
        """POST as Twilio would (base parameters added, signed); the answer is parsed, not followed."""
        url = self.url(url_or_path)
        if not url.startswith(self.public_base_url.rstrip("/")):
            raise ValueError(f"{url} is not under {self.public_base_url}")
        data = {"AccountSid": "AC" + "0" * 32, "CallSid": self.call_sid, "From": self.caller, "Caller": self.caller,
                "To": self.called, "Called": self.called, "Direction": "inbound", "CallStatus": "in-progress",
                "ApiVersion": "2010-04-01"}
        data.update(params or {})
        data = {k: v for k, v in data.items() if v is not None}
        all_headers = dict(headers or {})
        if sign:
            all_headers.setdefault("X-Twilio-Signature", self.signature(url, data))
        status, body = self.transport.post(url[len(self.public_base_url.rstrip("/")):], data, all_headers)
        try:
            root = ET.fromstring(body) if body.strip().startswith("<") else None
        except ET.ParseError:
            root = None
        answer = Answer(status, body, root)
        if record:
            self.answers.append(answer)
            self.heard.extend(answer.says)
        return answer

    def _follow(self, answer: Answer) -> Answer:
        """Follow <Redirect>s until the TwiML waits for the caller (or the call ends)."""
        for _ in range(MAX_REDIRECTS):
            root = answer.root
            if root is None or any(root.find(v) is not None for v in STOP_VERBS):
                return answer
            redirect = root.find("Redirect")
            if redirect is None or not (redirect.text or "").strip():
                return answer
            answer = self.post(redirect.text.strip(), {})
        return answer

    @property
    def last(self) -> Answer:
        return self.answers[-1]

    @property
    def gather(self) -> ET.Element | None:
        return self.last.find("Gather")

    @property
    def says(self) -> list[str]:
        """What the caller heard in the last answer."""
        return self.last.says

    def text(self) -> str:
        return " ".join(self.says)

    # --- what a caller does -----------------------------------------------------------------
    def dial(self, path: str = "/voice/incoming") -> Answer:
        return self._follow(self.post(path, {"CallStatus": "ringing"}))

    def _answer_gather(self, params: dict[str, str]) -> Answer:
        gather = self.gather
        if gather is None:
            raise CallEnded(f"no <Gather> to answer; last TwiML: {self.last.body}")
        return self._follow(self.post(gather.attrib["action"], params))

    def press(self, digits: str) -> Answer:
        return self._answer_gather({"Digits": digits})

    def say(self, text: str, confidence: float = 0.92) -> Answer:
        return self._answer_gather({"SpeechResult": text, "Confidence": f"{confidence:.2f}"})

    def silence(self) -> Answer:
        """Say nothing: Twilio posts the Gather action with no input (actionOnEmptyResult)."""
        return self._answer_gather({})

    @property
    def enqueue(self) -> ET.Element | None:
        return self.last.find("Enqueue")

    def wait_in_queue(self, position: int = 1, average: int = 60, waited: int = 10) -> Answer:
        """Twilio fetching the waitUrl (as it does again and again while the caller waits)."""
        enqueue = self.enqueue
        if enqueue is None:
            raise CallEnded("the caller is not in a queue")
        return self.post(enqueue.attrib["waitUrl"], {
            "QueuePosition": str(position), "AvgQueueTime": str(average), "QueueTime": str(waited),
            "CurrentQueueSize": str(position), "QueueSid": "QU" + "0" * 32}, record=False)

    def leave_queue(self, result: str = "leave", waited: int = 200) -> Answer:
        """The caller leaves the queue (<Leave/>, bridged, hung up...): Twilio posts the Enqueue action."""
        enqueue = self.enqueue
        if enqueue is None:
            raise CallEnded("the caller is not in a queue")
        return self._follow(self.post(enqueue.attrib["action"], {
            "QueueResult": result, "QueueTime": str(waited), "QueueSid": "QU" + "0" * 32}))

    def leave_message(self, seconds: int = 14) -> Answer:
        """Speak after the beep; Twilio posts the <Record> action with the recording."""
        record = self.last.find("Record")
        if record is None:
            raise CallEnded("nothing is recording")
        sid = "RE" + uuid.uuid4().hex
        return self._follow(self.post(record.attrib["action"], {
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/{sid}",
            "RecordingSid": sid, "RecordingDuration": str(seconds), "Digits": "#"}))

    def ring_agent_line(self, agent_number: str, pin: str, lang: str | None = None) -> Answer:
        """An agent rings the agent line and keys in their agent number and PIN (each ended by #)."""
        self.post("/voice/agent" + (f"?lang={lang}" if lang else ""), {})
        for digits in (agent_number, pin):
            if self.gather is None:
                break
            self.press(digits)
        return self.last

    def hang_up(self, duration: int = 60) -> Answer:
        """The call ends: Twilio's status callback."""
        return self.post("/voice/status", {"CallStatus": "completed", "CallDuration": str(duration)}, record=False)
