"""What the fault tests share (issue #12): a fresh account a caller can spell, the spoken new-code call,
the SMTP sink's count of mails to one address, the backend's accepted new-code requests (its access
log), the gateway's escalations of one conversation, and ``during`` (a request in flight while a
process is killed or stopped).

"Every accepted new-code request produced exactly one mail" is checked as: the new-code mails in the
sink to the account's address (settled: nothing new for a few seconds) equal the requests the backend
answered 202 for in the window, and no two of them share a Message-ID (a mail sent twice).
"""
from __future__ import annotations

import os
import pathlib
import re
import secrets
import signal
import sqlite3
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Callable, Optional

import httpx

CONSONANTS = "bdfghkmnprstvz"


@dataclass(frozen=True)
class Account:
    username: str
    email: str

    @property
    def spelled(self) -> str:
        """The username one character at a time, as a caller spells it ("h i b a k r t 4 2")."""
        return " ".join(self.username)

    @property
    def spoken_email(self) -> str:
        local, domain = self.email.split("@")
        return f"{local.replace('.', ' pont ')} kukac {domain.replace('.', ' pont ')}"


def fresh_account() -> Account:
    tag = "".join(secrets.choice(CONSONANTS) for _ in range(5))
    return Account(username=f"hiba{tag[:3]}{secrets.randbelow(90) + 10}", email=f"hiba.{tag}@example.hu")


def register(credentials_url: str, admin_token: str, account: Account, client: Optional[httpx.Client] = None) -> None:
    post = (client or httpx).post
    response = post(f"{credentials_url}/api/v1/office/accounts", timeout=15,
                    headers={"Authorization": f"Bearer {admin_token}"},
                    json={"username": account.username, "legal_name": "Hiba Hedvig", "email": account.email,
                          "language": "hu"})
    assert response.status_code == 201, response.text


# --- the SMTP sink -----------------------------------------------------------------------------------

def _reset_subjects() -> set[str]:
    from credentials.mail.texts_en import TEXTS as EN
    from credentials.mail.texts_hu import TEXTS as HU

    return {HU.code_subject["reset"], EN.code_subject["reset"]}


def mails_to(mail_dir: pathlib.Path, address: str) -> list[EmailMessage]:
    found = []
    for path in sorted(pathlib.Path(mail_dir).glob("*.eml")):
        try:
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
        except Exception:  # noqa: BLE001 - a file being written
            continue
        if address.lower() in str(message.get("To", "")).lower():
            found.append(message)
    return found


def new_code_mails(mail_dir: pathlib.Path, address: str) -> list[EmailMessage]:
    """The new-code mails (not the registration's first code, not the notices) to ``address``."""
    subjects = _reset_subjects()
    return [m for m in mails_to(mail_dir, address) if str(m.get("Subject", "")) in subjects]


def settled_new_code_mails(mail_dir: pathlib.Path, address: str, *, at_least: int = 0, quiet: float = 3.0,
                           timeout: float = 60.0) -> list[EmailMessage]:
    """The new-code mails once at least ``at_least`` are in and nothing new came for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    mails = new_code_mails(mail_dir, address)
    since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = new_code_mails(mail_dir, address)
        if len(now) != len(mails):
            mails, since = now, time.monotonic()
        elif len(mails) >= at_least and time.monotonic() - since >= quiet:
            return mails
    return mails


def wait_for_registration_mail(mail_dir: pathlib.Path, address: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not mails_to(mail_dir, address):
        assert time.monotonic() < deadline, f"no registration mail to {address}"
        time.sleep(0.3)


def assert_one_mail_per_accepted_request(mails: list[EmailMessage], accepted: int, *, in_flight: int = 0,
                                         superseded: int = 0) -> None:
    """``accepted`` requests were answered 202; ``in_flight`` more may have been committed without their
    answer being logged (the process killed between its commit and its access-log line). A code mail
    still unsent when a newer request for the account comes is cancelled by design (its code no longer
    works; the newer mail carries the one that does): ``superseded`` such mails count as produced."""
    ids = [str(m.get("Message-ID")) for m in mails]
    assert len(ids) == len(set(ids)), f"a mail delivered twice: {ids}"
    assert accepted <= len(mails) + superseded and len(mails) <= accepted + in_flight, \
        f"{len(mails)} new-code mails (+{superseded} superseded) for {accepted} accepted requests (+{in_flight} in flight)"


def superseded_code_mails(database_url: str, address: str) -> int:
    """Code mails to ``address`` the backend cancelled unsent because a newer request replaced them."""
    query = "SELECT count(*) FROM outbox WHERE kind = 'activation_code' AND status = 'cancelled' AND to_address = ?"
    path = database_url.split("///", 1)[1]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute(query, (address,)).fetchone()[0]


# --- the credentials backend's accepted requests ----------------------------------------------------

ACCEPTED = re.compile(r'"POST /api/v1/reset-requests[^"]*" 202 ')


def accepted_requests(log_text: str) -> int:
    """New-code requests the backend answered 202 (its gunicorn access log lines)."""
    return len(ACCEPTED.findall(log_text))


class LogWindow:
    """The text a log file gained since it was opened (it survives the process's restarts: supervisord
    appends to it)."""

    def __init__(self, path: pathlib.Path):
        self.path = pathlib.Path(path)
        self.start = self.path.stat().st_size if self.path.exists() else 0

    def text(self) -> str:
        if not self.path.exists():
            return ""
        with open(self.path, "rb") as f:
            f.seek(self.start)
            return f.read().decode("utf-8", "replace")


# --- the gateway's escalations ----------------------------------------------------------------------

def escalations_of(database_url: str, conversation_id: str) -> list[tuple[str, str]]:
    """(reference, status) of every escalation of one conversation, from the gateway's database."""
    query = "SELECT reference, status FROM agents_escalations WHERE conversation_id = ? ORDER BY created_at"
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[1]
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as conn:
            return [tuple(r) for r in conn.execute(query, (conversation_id,))]
    import psycopg

    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, connect_timeout=5) as conn:
        return [tuple(r) for r in conn.execute(query.replace("?", "%s"), (conversation_id,))]


def agent_messages_of(database_url: str, reference: str) -> list[str]:
    query = ("SELECT m.text FROM agents_escalation_messages m JOIN agents_escalations e ON e.id = m.escalation_id"
             " WHERE e.reference = ? AND m.sender = 'agent' ORDER BY m.id")
    path = database_url.split("///", 1)[1]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as conn:
        return [r[0] for r in conn.execute(query, (reference,))]


# --- faults -----------------------------------------------------------------------------------------

class during:
    """Run ``fn`` in a thread; ``.result()`` waits for it (its value or its exception) and the seconds it took.

    with during(call.say, "igen") as turn:
        time.sleep(0.3); kill(...)
    answer, took = turn.result()
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any):
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._value: Any = None
        self._error: Optional[BaseException] = None
        self._took = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.monotonic()
        try:
            self._value = self._fn(*self._args, **self._kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            self._error = exc
        self._took = time.monotonic() - started

    def __enter__(self) -> "during":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._thread.join(timeout=120)

    def result(self, timeout: float = 120.0) -> tuple[Any, float]:
        self._thread.join(timeout=timeout)
        assert not self._thread.is_alive(), "the request never ended"
        if self._error is not None:
            raise self._error
        return self._value, self._took

    def error(self) -> Optional[BaseException]:
        self._thread.join(timeout=120)
        return self._error


def handoff_of(replies: list[dict]) -> Optional[dict]:
    """The assistant's handoff payload (with its chat token) among a turn's replies, or None."""
    for reply in replies:
        custom = reply.get("custom") or {}
        handoff = custom.get("handoff") or (custom.get("data") or {}).get("handoff")
        if handoff and handoff.get("chat_token"):
            return handoff
    return None


def kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    """``sig`` to the program's whole process group (gunicorn's master with its workers; Rasa's
    wrapper script with Rasa): as a crash of the program takes all of it."""
    try:
        os.killpg(os.getpgid(pid), sig)
    except ProcessLookupError:
        pass


# --- the spoken new-code call -----------------------------------------------------------------------

def speaks(call) -> bool:
    """Whether the call's current prompt takes speech (not the keypad menu only)."""
    gather = call.gather
    return gather is not None and "speech" in gather.attrib.get("input", "speech")


def spoken_new_code_up_to_the_confirmation(call, account: Account) -> None:
    """A caller asks for a new code by voice inside the conversation (the assistant's form, not the
    keypad branch): the problem, the username spelled and confirmed, the address; the next turn is the
    confirmation ("igen") that sends the request."""
    call.dial()
    assert speaks(call), call.says
    steps = [("nem kaptam meg a kódot", None), (account.spelled, None), ("igen", "mail"),
             (account.spoken_email, None)]
    for speech, expect in steps:
        call.say(speech, confidence=0.9)
        assert call.last.status == 200 and speaks(call), (speech, call.says)
        if expect:
            assert expect in call.text().lower(), (speech, call.says)


CONFIRMED = "egyeznek"  # "Ha a megadott adatok egyeznek ..." (S8's neutral answer: the request was sent)
