"""Fuzzing the phone line (issue #12, "Bad input"): signed Twilio webhooks with generated form fields
against the gateway's real app (in-process test client, its own SQLite database; the assistant and
the backend are dead addresses, so every external call fails at once and the fallbacks answer).

Every ``/voice/`` rule of the app's URL map is fuzzed, each as its own parametrized test with its own
seed and share of the inputs (the app is made once, at collection, for its URL map: a route added
later is fuzzed too, and one not classified below as a call webhook or a status callback fails
``test_every_voice_rule_is_classified`` and its own fuzz test). Generated: keypad ``Digits`` (the keys, key
runs, Unicode digits such as "²", "١٢", "１２", "߁" and other look-alikes), speech with Unicode edge
cases and huge strings, odd Confidence values, queue and recording figures ("inf", "1e999", "NaN",
Unicode digits), status callbacks out of order, and the query keys the phone line reads (``step``,
``lang``, ``case``, ``attempt``, ``agent``, and unknown ones) with look-alike values; URL converters,
if a rule has any, get valid-looking and bad values. Before a webhook its call may be put into any
state the line has (the route's own states half the time), within or outside the working hours.

What must hold: 0 answers >= 500; no "Traceback" in a body; no ERROR record with a traceback
(``exc_info``) and no "Traceback" in any log record during an example (the blueprint's catch-all
answers a bug with the polite fallback TwiML, so only the log shows it; the WARNING lines about the
dead assistant and backend are expected); every call webhook answers a TwiML ``<Response>`` a caller
can hear (see :func:`assert_caller_hears`) whose URLs all lead back to a ``/voice/`` route; Twilio's
status callbacks may answer empty. Budget and seed: tests/reliability/conftest.py."""
from __future__ import annotations

import functools
import inspect
import logging
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import AnyConverter, FloatConverter, IntegerConverter, PathConverter, UUIDConverter

from tests.reliability.conftest import count, fuzz_settings

# --- which /voice/ rule is what (by its purpose) ---------------------------------------------------
# A call webhook: Twilio plays its answer to the caller, so it must be TwiML a caller can hear.
CALL_WEBHOOKS = {
    "ivr.incoming": "the number's voice URL (a call starts)",
    "ivr.fallback": "the number's fallback URL",
    "ivr.menu": "<Gather action> of the opening and the main menu",
    "ivr.converse": "<Gather action> after the assistant spoke",
    "ivr.offer_person": "<Gather action> of the offer of a person",
    "ivr.resume": "<Redirect> after a duplicate webhook's hold",
    "ivr.closed_choice": "<Gather action> out of the working hours",
    "ivr.queue_wait": "<Enqueue waitUrl>: what a waiting caller hears",
    "ivr.queue_done": "<Enqueue action>: the caller left the queue",
    "ivr.queue_choice": "<Gather action>: leave a message or wait on",
    "ivr.rating": "<Gather action> of the rating",
    "ivr.recorded": "<Record action>: the message was left",
    "ivr.agent": "the agent line's voice URL",
    "ivr.agent_number": "<Gather action>: the agent number keyed in",
    "ivr.agent_pin": "<Gather action>: the agent PIN keyed in",
    "ivr.agent_connect": "<Queue url>: played to the caller an agent dequeued",
    "ivr.agent_done": "<Dial action> of the agent line",
    "ivr.newcode_username": "<Gather action>: the username spelled or typed",
    "ivr.newcode_username_confirm": "<Gather action>: the username read back",
    "ivr.newcode_keypad_offer": "<Gather action>: the offer to type the username",
    "ivr.newcode_keypad": "<Gather action>: the username typed (multi-tap)",
    "ivr.newcode_email": "<Gather action>: the e-mail address spoken",
    "ivr.newcode_email_confirm": "<Gather action>: the address read back, then the request",
}
# Twilio's status callbacks: nobody hears their answer (an empty 204 is right).
STATUS_CALLBACKS = {
    "ivr.status": "the call's statusCallback (the call ended)",
    "ivr.recording_status": "<Record recordingStatusCallback> (the recording is ready)",
}
WEBHOOK_METHOD = "POST"
PER_RULE = 24  # generated webhooks per rule and run (x FUZZ_SCALE)  # every action and callback URL of the line is asked for with method="POST"

# --- generated values ---------------------------------------------------------------------------
# Digits that str.isdigit() (or int()) accepts but no keypad sends, and other look-alikes.
UNICODE_DIGITS = ["²", "١٢", "１２", "߁", "٣", "¹", "𝟙", "①", "Ⅻ", "০", "๑", "١", "１", "٠", "߀", "²³",
                  "1\u200b", "\u00a01", "1\u0301", "٫", "߁߂"]
KEYPAD = ["0", "1", "2", "3", "4", "5", "8", "9", "*", "#", "00", "12", "1#", "#1", "**", "470815",
          "55444777788882", "5*55", "1234567890" * 4, "0" * 12]
DIGITS = st.one_of(st.sampled_from(KEYPAD), st.sampled_from(UNICODE_DIGITS),
                   st.text(alphabet="0123456789*#", min_size=1, max_size=20),
                   st.lists(st.sampled_from(list("0123456789*#") + UNICODE_DIGITS + ["a", " ", "-", "+"]),
                            min_size=1, max_size=6).map("".join),
                   st.text(max_size=20))
NUMBERISH = ["inf", "-inf", "Infinity", "1e999", "-1e999", "nan", "NaN", "-0", "0x10", "1_000", " 7 ", "1.5", "-1",
             "9" * 30, "99999999999", *UNICODE_DIGITS[:8]]
VALUE = st.one_of(st.text(max_size=40), st.sampled_from(["", "0", "1", "3", "9", "#", "*", "00", "1234567890" * 3,
                                                          "lejárt a kódom", "szeretnék egy embert", "x" * 3000,
                                                          "k mint károly i es té", "kiss.pista@example.hu",
                                                          "a jelszavam titok", "\u202e", "<Say>hi</Say>",
                                                          "\x00", "completed", "bridged", "hangup", "leave",
                                                          "redirected", "queue-full", "error", "system-error",
                                                          "https://api.twilio.com/rec/RE1", "javascript:x",
                                                          "+36301234567", "anonymous", "+266696687",
                                                          *NUMBERISH]))
FIELD_NAMES = ["SpeechResult", "Confidence", "CallStatus", "From", "Caller", "To", "RecordingUrl", "RecordingSid",
               "RecordingDuration", "RecordingStatus", "QueueTime", "QueuePosition", "AvgQueueTime", "QueueResult",
               "DialCallStatus", "DequeingCallSid", "ErrorCode", "CallDuration", "Language", "Unknown", "Digits "]
FIELDS = st.builds(lambda digits, others: {**others, **({} if digits is None else {"Digits": digits})},
                   st.one_of(st.none(), DIGITS, DIGITS), st.dictionaries(st.sampled_from(FIELD_NAMES), VALUE,
                                                                      max_size=5))
# The query keys the phone line reads (grep request.args in ivr/ and gateway/), and unknown ones.
QUERY_KEYS = ["step", "lang", "case", "attempt", "agent", "n", "Digits", "lang[]", ""]
QUERY_VALUE = st.one_of(
    st.sampled_from(["hu", "en", "HU", "en ", "de", "", "1", "2", "3", "4", "0", "-1", "r1", "fallback", "x",
                     "9" * 30, "1e3", "1.0", " 1", "ÉN", "\x00", "-", "99999", *UNICODE_DIGITS]),
    st.integers(-3, 40).map(str), st.text(max_size=12))
RAW_QUERIES = ["%00", "%ff", "%", "%%", "a=b=c", "&&", "lang", "step=1&step=2", "attempt=%C2%B2", "agent=%D9%A1%D9%A2",
               "lang=%FF%FE", "=1"]
QUERY = st.one_of(st.just(""), st.sampled_from(RAW_QUERIES),
                  st.lists(st.tuples(st.sampled_from(QUERY_KEYS), QUERY_VALUE), min_size=1, max_size=3).map(
                      lambda pairs: "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)))
SIDS = ["CA" + "1" * 32, "CA" + "2" * 32, "CA" + "3" * 32, "CA" + "f" * 32, "", "not-a-sid"]
LOOK_ALIKE_PATH_VALUES = ["0", "-1", str(2 ** 31), str(2 ** 63), "1.5", "x", "", "%00", "..", *UNICODE_DIGITS[:6]]
# The line's clock (the room's, as IVR_CLOCK sets it) within or outside the default working hours.
OPEN_AT = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)      # Monday 10:00 in Budapest
CLOSED_AT = datetime(2026, 12, 5, 22, 0, tzinfo=timezone.utc)   # Saturday 23:00 in Budapest


def converter_value(converter) -> st.SearchStrategy[str]:
    """A value for one URL converter of a rule: mostly valid-looking, sometimes bad (a 404 then)."""
    bad = st.sampled_from(LOOK_ALIKE_PATH_VALUES)
    if isinstance(converter, IntegerConverter):
        top = converter.max if converter.max is not None else 2 ** 31 - 1
        valid = st.integers(max(1, converter.min or 0), top).map(str)
    elif isinstance(converter, FloatConverter):
        valid = st.floats(0, 1e6, allow_nan=False).map(lambda f: f"{f:.2f}")
    elif isinstance(converter, UUIDConverter):
        valid = st.uuids().map(str)
    elif isinstance(converter, AnyConverter):
        valid = st.sampled_from(sorted(converter.items))
    else:  # string or path: any text
        valid = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/"), min_size=1, max_size=20)
    return st.one_of(valid, valid, valid, bad)


def fill(rule, values: dict[str, str]) -> str:
    """The rule's path with each ``<converter:name>`` replaced by its (URL-quoted) value."""
    def one(match):
        name = match.group(1)
        safe = "/" if isinstance(rule._converters[name], PathConverter) else ""
        return quote(values[name], safe=safe)
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", one, rule.rule)


# --- what a caller hears ---------------------------------------------------------------------------

URL_ATTRIBUTES = {"Gather": ["action"], "Enqueue": ["action", "waitUrl"], "Record": ["action", "recordingStatusCallback"],
                  "Dial": ["action"], "Queue": ["url"]}
AUDIBLE = ("Say", "Play", "Gather", "Dial", "Enqueue", "Redirect", "Hangup")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
# What the line itself writes into the query of its action URLs (whatever came in): ASCII only.
OWN_QUERY_SHAPES = {"step": re.compile(r"[0-9]{1,9}|r[0-9a-f]{10}|fallback"), "lang": re.compile(r"hu|en"),
                    "attempt": re.compile(r"[1-3]"), "agent": re.compile(r"[0-9]{1,12}|-"),
                    "case": re.compile(r"[0-9a-f]{32}")}


def assert_caller_hears(root: ET.Element, where: str) -> None:
    """A TwiML <Response> a caller can hear: something said or played (a <Say> with words, a <Play>),
    or the call goes on (<Dial>, <Enqueue>, a <Redirect>) or ends (<Hangup>); a <Gather> says its
    prompt (a silent one would leave the caller waiting for nothing); no <Say> is empty or left with
    a catalogue placeholder ("{reference}") unfilled."""
    assert root.tag == "Response", f"{where}: the root is <{root.tag}>, not <Response>"
    assert any(root.find(f".//{verb}") is not None for verb in AUDIBLE), f"{where}: nothing a caller hears"
    for say in root.iter("Say"):
        text = (say.text or "").strip()
        assert text, f"{where}: an empty <Say>"
        assert not PLACEHOLDER.search(text), f"{where}: a placeholder left in {text[:200]!r}"
    for gather in root.iter("Gather"):
        assert gather.find("Say") is not None or gather.find("Play") is not None, f"{where}: a <Gather> with no prompt"


def assert_urls_lead_to_the_line(root: ET.Element, adapter, base: str, where: str) -> None:
    """Every URL the TwiML hands Twilio (actions, waitUrl, <Redirect>, callbacks) is under the public
    base and is a /voice/ route that takes Twilio's POST: a caller is never sent to a 404."""
    urls = [el.attrib[a] for tag, attributes in URL_ATTRIBUTES.items() for el in root.iter(tag)
            for a in attributes if a in el.attrib]
    urls += [(el.text or "").strip() for el in root.iter("Redirect")]
    for url in urls:
        assert url.startswith(base + "/voice/"), f"{where}: a URL outside the line: {url[:200]}"
        parts = urlsplit(url)
        try:
            adapter.match(parts.path, method=WEBHOOK_METHOD, query_args=parts.query)
        except (NotFound, MethodNotAllowed) as exc:
            raise AssertionError(f"{where}: {url[:200]} is no /voice/ route ({exc.code})") from None
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            shape = OWN_QUERY_SHAPES.get(key)
            assert shape is None or shape.fullmatch(value), f"{where}: the line wrote {key}={value!r} into {url[:200]}"


# --- the app and its log ---------------------------------------------------------------------------

class LogRecords(logging.Handler):
    """Every record logged (INFO and up) while the module runs."""

    def __init__(self):
        super().__init__(level=logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def bad(self, since: int) -> list[str]:
        """ERROR records with a traceback, and any record whose text holds "Traceback"."""
        out = []
        for r in self.records[since:]:
            text = r.getMessage() + (r.exc_text or "")
            if (r.levelno >= logging.ERROR and (r.exc_info or r.exc_text)) or "Traceback" in text:
                out.append(f"{r.levelname} {r.name}: {text[:300]} {r.exc_info[1]!r}" if r.exc_info
                           else f"{r.levelname} {r.name}: {text[:300]}")
        return out


@dataclass
class Line:
    app: object
    settings: object
    log: LogRecords
    rules: list                     # every /voice/ rule of app.url_map
    states: dict                    # endpoint -> the call states its handler answers (None: any)
    agent_number: str
    tmp: str                        # the app's database directory


def answered_states(view) -> tuple[str, ...] | None:
    """The ``states`` an ``ivr.calls.ivr_step`` route answers (read from its decorator), or None."""
    todo, seen = [view], set()
    while todo:  # the decorators' wrappers: through __wrapped__ and the functions they close over
        fn = todo.pop()
        if id(fn) in seen or not inspect.isfunction(fn):
            continue
        seen.add(id(fn))
        found = inspect.getclosurevars(fn).nonlocals
        if "states" in found and "handler" in found:
            return found["states"]
        todo += [getattr(fn, "__wrapped__", None), *found.values()]
    return None


@functools.lru_cache(maxsize=None)
def the_line() -> Line:
    """The gateway's real app (made once: its URL map gives the rules the fuzz is parametrized with)."""
    from gateway.settings import GatewaySettings
    from tests.fixtures.gateway_services import GATEWAY_SECRETS, make_gateway_app
    from tests.fixtures.phone_driver import agent_with_pin, dead_url

    tmp = tempfile.mkdtemp(prefix="twilio-fuzz-")
    settings = GatewaySettings.from_env({"GATEWAY_DATABASE_URL": f"sqlite:///{tmp}/gateway.db", **GATEWAY_SECRETS,
                                         "RASA_URL": dead_url(), "CREDENTIALS_URL": dead_url()})
    app = make_gateway_app(settings)
    rules = sorted((r for r in app.url_map.iter_rules() if r.rule.startswith("/voice/")), key=lambda r: r.rule)
    return Line(app, settings, LogRecords(), rules,
                {r.endpoint: answered_states(app.view_functions[r.endpoint]) for r in rules}, agent_with_pin(app), tmp)


def pytest_generate_tests(metafunc):
    """One fuzz test per /voice/ rule of the app's URL map (each its own seed and its share of inputs)."""
    if "rule" in metafunc.fixturenames:
        rules = the_line().rules
        metafunc.parametrize("rule", rules, ids=[r.endpoint.removeprefix("ivr.") for r in rules])


@pytest.fixture(scope="module")
def phone():
    line = the_line()
    root = logging.getLogger()
    level = root.level
    root.addHandler(line.log)
    if level > logging.INFO:  # the INFO lines are read for "Traceback" too
        root.setLevel(logging.INFO)
    try:
        yield line
    finally:
        root.removeHandler(line.log)
        root.setLevel(level)
        line.app.extensions["gateway_engine"].dispose()
        shutil.rmtree(line.tmp, ignore_errors=True)


def test_every_voice_rule_is_classified(phone):
    """The fuzz takes its routes from the URL map: each must be known as a call webhook (its answer is
    played) or a status callback (nobody hears it), and take Twilio's POST."""
    assert phone.rules, "no /voice/ rule in the gateway's URL map"
    unclassified = [f"{r.rule} ({r.endpoint})" for r in phone.rules
                    if r.endpoint not in CALL_WEBHOOKS and r.endpoint not in STATUS_CALLBACKS]
    assert not unclassified, (f"/voice/ rules not classified: {unclassified}: add each to CALL_WEBHOOKS (Twilio plays "
                              f"its answer: TwiML a caller hears) or STATUS_CALLBACKS (may answer empty) in {__file__}")
    gone = sorted((set(CALL_WEBHOOKS) | set(STATUS_CALLBACKS)) - {r.endpoint for r in phone.rules})
    assert not gone, f"classified but no longer a /voice/ rule: {gone}"
    assert not set(CALL_WEBHOOKS) & set(STATUS_CALLBACKS)
    assert [r.rule for r in phone.rules if WEBHOOK_METHOD not in r.methods] == []
    # the state precondition below reads the decorator's states: it must still find them
    assert phone.states["ivr.menu"] == ("start", "menu") and phone.states["ivr.incoming"] is None


def _put_call_in(line: Line, sid: str, setup: dict) -> None:
    """The call (created if new) in a state the line can be in, as an earlier step would have left it."""
    from gateway import sessions_of
    from ivr.models import PhoneCall

    sealer = line.app.extensions["ivr"].sealer
    with sessions_of(line.app)() as session:
        call = session.get(PhoneCall, sid) or PhoneCall(call_sid=sid)
        session.add(call)
        call.state, call.language, call.assistant_down = setup["state"], setup["language"], setup["assistant_down"]
        call.escalation_reason, call.retries, call.ended_at = setup["reason"], setup["retries"], None
        call.sealed_username = sealer.seal("kispista77") if setup["sealed"] else None
        call.sealed_email = sealer.seal("kiss.pista@example.hu") if setup["sealed"] else None
        call.options = [{"digit": "1", "title": "Igen", "payload": "/affirm"},
                        {"digit": "2", "title": "Nem", "payload": "/deny"}] if setup["options"] else []
        # what "*" repeats: after the assistant spoke (the converse states) never empty
        call.repeat_chunks = ["Az aktiváló kód 5 napig érvényes."] \
            if setup["options"] or setup["state"].startswith("converse") else []
        session.commit()


def _setup(line: Line, endpoint: str) -> st.SearchStrategy[dict | None]:
    from ivr.blueprint import RENDERERS

    all_states = sorted(RENDERERS) + ["queued", "done", "ended", "no-such-state"]
    own = line.states.get(endpoint)
    state = st.one_of(st.sampled_from(own), st.sampled_from(all_states)) if own else st.sampled_from(all_states)
    return st.one_of(st.none(), st.fixed_dictionaries({
        "state": state, "language": st.sampled_from(["hu", "en"]), "assistant_down": st.booleans(),
        "reason": st.sampled_from([None, "backend_down", "new_code_failed", "withheld_limited", "caller_pressed_0",
                                   "no-such-reason"]),
        "retries": st.sampled_from([0, 1, 2, 5]), "sealed": st.booleans(), "options": st.booleans()}))


@fuzz_settings(PER_RULE)
@given(data=st.data(), query=QUERY, fields=FIELDS, sid=st.sampled_from(SIDS), open_hours=st.booleans())
def test_a_signed_webhook_with_any_fields_answers_twiml_never_a_500(phone, rule, data, query, fields, sid, open_hours):
    from ivr.callsim import FlaskTransport, TwilioCall

    count("twilio webhooks")
    line = phone
    path = fill(rule, {name: data.draw(converter_value(conv), label=name) for name, conv in rule._converters.items()})
    if sid.startswith("CA"):
        setup = data.draw(_setup(line, rule.endpoint), label="call before")
        if setup is not None:
            _put_call_in(line, sid, setup)
    else:
        setup = None
    line.app.extensions["ivr"].clock = lambda: OPEN_AT if open_hours else CLOSED_AT
    # The line's own action URLs carry the step they answer (a new one each turn); the same step
    # twice is a replayed webhook, which gets the stored answer.
    step = data.draw(st.one_of(*[st.integers(1, 10 ** 9)] * 5, st.none()), label="step")
    if step is not None and not re.search(r"(^|&)step=", query):
        query = f"step={step}" + (f"&{query}" if query else "")
    where = f"{rule.endpoint} {path}?{query} {fields!r} sid={sid!r} call before={setup!r}"[:900]
    since = len(line.log.records)

    call = TwilioCall(FlaskTransport(line.app.test_client()), line.settings.twilio_auth_token,
                      line.settings.public_base_url, call_sid=sid)
    answer = call.post(path + (f"?{query}" if query else ""), fields, record=False)

    assert answer.status < 500, f"{where}: {answer.status} {answer.body[:300]}"
    assert "Traceback" not in answer.body, f"{where}: {answer.body[:300]}"
    logged = line.log.bad(since)
    assert not logged, f"{where}: logged {logged[:2]}"
    assert rule.endpoint in CALL_WEBHOOKS or rule.endpoint in STATUS_CALLBACKS, \
        f"{rule.rule} ({rule.endpoint}) is not classified: see test_every_voice_rule_is_classified"
    adapter = line.app.url_map.bind("gateway.test", url_scheme="https")
    try:
        adapter.match(unquote(path), method=WEBHOOK_METHOD)  # as the server decodes PATH_INFO
    except NotFound:  # a bad converter value: no such route
        assert answer.status == 404, f"{where}: {answer.status}"
        return
    if not sid.startswith("CA") and answer.status == 400:
        return  # a webhook without Twilio's CallSid may be refused (Twilio always sends one)
    if rule.endpoint in STATUS_CALLBACKS:
        assert answer.status in (200, 204), f"{where}: {answer.status} {answer.body[:300]}"
        if answer.body.strip():
            assert ET.fromstring(answer.body).tag == "Response", f"{where}: {answer.body[:300]}"
        return
    assert answer.status == 200, f"{where}: {answer.status} {answer.body[:300]}"
    assert answer.root is not None, f"{where}: not TwiML: {answer.body[:300]}"
    assert_caller_hears(answer.root, where)
    assert_urls_lead_to_the_line(answer.root, adapter, line.settings.public_base_url, where)
