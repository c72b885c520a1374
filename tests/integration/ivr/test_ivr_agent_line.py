"""The agents' line (/voice/agent): caller ID proves nothing, so every agent keys in their agent
number and phone PIN; wrong PINs lock the agent's PIN and are throttled per calling number; the line
never starts open (no PIN set: everyone refused)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.fixtures.phone_driver import AGENT_PIN, agent_with_pin

AGENT_NUMBER_ON_FILE = "+3611111111"


def _waiting_caller(call_phone, app=None):
    caller = call_phone(app=app)
    caller.dial()
    caller.press("1")
    caller.press("0")
    assert caller.enqueue is not None
    return caller


def _reference(app, call_sid):
    from agents.models import Escalation
    from gateway import sessions_of

    with sessions_of(app)() as session:
        return session.scalar(select(Escalation.reference).where(Escalation.conversation_id == call_sid))


def _heard_the_case(answer, reference) -> bool:
    spoken = " ".join(answer.says).replace(" ", "").replace(",", "")
    return answer.find("Dial") is not None or reference.replace("-", "") in spoken


def _account(app, agent_number):
    from agents.models import AgentAccount
    from gateway import sessions_of

    with sessions_of(app)() as session:
        return session.get(AgentAccount, int(agent_number))


def test_agent_line_refuses_a_spoofed_caller_id(phone_app_factory, call_phone):
    app = phone_app_factory(IVR={"agent_numbers": AGENT_NUMBER_ON_FILE})
    agent_number = agent_with_pin(app)
    waiting = _waiting_caller(call_phone, app)
    reference = _reference(app, waiting.call_sid)
    spoofer = call_phone(app=app, caller=AGENT_NUMBER_ON_FILE)  # the agent's number, presented by someone else
    first = spoofer.post("/voice/agent", {})
    assert first.find("Dial") is None and first.find("Gather") is not None  # asked for proof, told nothing
    for guess in ("1234", "000000", "999999"):
        answer = spoofer.ring_agent_line(agent_number, guess)
        assert not _heard_the_case(answer, reference)
    assert "ügyintézői" in " ".join(first.says).lower()


def test_agent_line_refuses_to_start_open(phone_app, call_phone):
    """Default settings (no allow-list) and nobody has a PIN yet: nobody is put through, whatever they key."""
    waiting = _waiting_caller(call_phone)
    reference = _reference(phone_app, waiting.call_sid)
    for number, pin in (("1", "123456"), ("", ""), ("0", "0")):
        answer = call_phone(caller=f"+3620{number or 9}000000").ring_agent_line(number, pin, "en")
        assert not _heard_the_case(answer, reference)
        assert "only takes agents with a phone PIN" in " ".join(answer.says)


def test_agent_with_the_right_pin_is_put_through_from_any_number(phone_app, call_phone):
    agent_number = agent_with_pin(phone_app, display_name="Anna")
    waiting = _waiting_caller(call_phone)
    answer = call_phone(caller="+36705550123").ring_agent_line(agent_number, AGENT_PIN)
    assert answer.find("Dial/Queue") is not None and "Üdvözöljük, Anna." in answer.says
    assert _heard_the_case(answer, _reference(phone_app, waiting.call_sid))


def test_agent_line_locks_after_repeated_wrong_pins(phone_app, call_phone, phone_db):
    from agents.accounts import PIN_MAX_MISSES
    from agents.models import AgentAccount, AuditEntry

    agent_number = agent_with_pin(phone_app)
    _waiting_caller(call_phone)
    for miss in range(PIN_MAX_MISSES):  # from different numbers: the lock is the agent's, not the number's
        answer = call_phone(caller=f"+3630100{miss:04d}").ring_agent_line(agent_number, f"{miss}13579")
        assert answer.find("Dial") is None
    assert _account(phone_app, agent_number).phone_pin_locked_until is not None
    locked = call_phone(caller="+36705550123").ring_agent_line(agent_number, AGENT_PIN)
    assert locked.find("Dial") is None  # the right PIN, but locked: refused with the same words
    assert locked.says == call_phone(caller="+36705550124").ring_agent_line(agent_number, "864200").says
    with phone_db(phone_app) as session:
        verdicts = [e.detail["verdict"] for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "phone_pin_refused").order_by(AuditEntry.id))]
        assert verdicts[:PIN_MAX_MISSES] == ["wrong"] * (PIN_MAX_MISSES - 1) + ["now_locked"]
        assert "locked" in verdicts
        account = session.get(AgentAccount, int(agent_number))  # the lock ends by itself
        account.phone_pin_locked_until -= timedelta(hours=1)
        session.commit()
    assert call_phone(caller="+36705550123").ring_agent_line(agent_number, AGENT_PIN).find("Dial/Queue") is not None


def test_wrong_pins_from_one_number_are_throttled_across_calls(phone_app_factory, call_phone):
    app = phone_app_factory(IVR={"agent_pin_misses_per_hour": "4"})
    agent_with_pin(app, "anna")
    other = agent_with_pin(app, "bela")
    _waiting_caller(call_phone, app)
    for miss in range(4):  # spread over agents, so no agent's lock is what stops it
        call_phone(app=app, caller="+36301234567").ring_agent_line(str(miss % 2 + 1), "86420" + str(miss))
    throttled = call_phone(app=app, caller="+36301234567").post("/voice/agent", {})
    assert throttled.find("Gather") is None and throttled.find("Hangup") is not None
    # ... also when the right PIN comes from that number now, but not from another number
    assert call_phone(app=app, caller="+36301234567").ring_agent_line(other, AGENT_PIN).find("Dial") is None
    assert call_phone(app=app, caller="+36301234568").ring_agent_line(other, AGENT_PIN).find("Dial/Queue") is not None


def test_three_tries_a_call_then_the_line_hangs_up(phone_app, call_phone):
    agent_number = agent_with_pin(phone_app)
    agent = call_phone()
    agent.post("/voice/agent", {})
    for _ in range(3):
        agent.press(agent_number)
        agent.press("111222")
    assert agent.last.find("Hangup") is not None and agent.last.find("Gather") is None


def test_agent_pin_is_stored_hashed(phone_app, phone_db):
    from agents.models import AgentAccount

    agent_with_pin(phone_app, "anna")
    result = phone_app.test_cli_runner().invoke(args=["agents", "set-phone-pin", "--username", "anna"],
                                                input="583920\n583920\n")
    assert result.exit_code == 0, result.output
    assert "583920" not in result.output and "agent number" in result.output  # prompted, never echoed
    with phone_db(phone_app) as session:
        account = session.scalar(select(AgentAccount).where(AgentAccount.username == "anna"))
    assert account.phone_pin_hash.startswith("$argon2id$") and "583920" not in account.phone_pin_hash


def test_weak_or_malformed_pins_are_refused(phone_app):
    agent_with_pin(phone_app, "anna")
    for pin in ("12345", "123456", "999999", "98765432", "12a456", "1" * 13):
        result = phone_app.test_cli_runner().invoke(args=["agents", "set-phone-pin", "--username", "anna",
                                                          "--pin", pin])
        assert result.exit_code != 0 and "PIN" in result.output and "Traceback" not in result.output
