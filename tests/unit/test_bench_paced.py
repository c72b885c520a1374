"""scripts/bench_paced.py's pure parts (no load run here): locust's CSV statistics read back, the
capacity criteria (p99 per turn, no failed and no fallen-back turn), the level stepping that stops at the
first failing level, what a chat or phone answer counts as, and the default run's length."""
from __future__ import annotations

import random
import xml.etree.ElementTree as ET

import pytest

from scripts.bench_paced import (
    FallenBack, Level, LevelResult, TurnFailed, capacity, capacity_text, classify_call, classify_chat, default_plan,
    expected_seconds, first_delay, judge, next_probe, parse_levels, parse_stats, phone_prompts, step,
)

HEADER = ("Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
          "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,"
          "99.99%,100%")


def stats_csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows, "None,Aggregated,0,0,0,0,0,0,0,0,0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A"]) + "\n"


def row(kind: str, name: str, count: int, failures: int, p50: int, p99: int) -> str:
    return (f"{kind},{name},{count},{failures},{p50},{p50}.5,10,{p99 + 5},1,0.5,0.0,"
            f"{p50},{p50},{p50},{p50},{p99},{p99},{p99},{p99},{p99},{p99},{p99 + 5}")


FAILURES_HEADER = "Method,Name,Error,Occurrences\n"


def result(level: Level, stats: str, failures: str = FAILURES_HEADER) -> LevelResult:
    rows, errors = parse_stats(stats, failures)
    return LevelResult(level=level, rows=rows, errors=errors)


def test_locust_stats_csv_is_read_by_request_name_with_percentiles_and_failures():
    rows, errors = parse_stats(
        stats_csv(row("SOCKETIO", "chat turn", 180, 3, 42, 250), row("SOCKETIO", "chat open", 30, 1, 60, 180),
                  "TWILIO,call dial,0,0,0,0,0,0,0,0,0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A"),
        FAILURES_HEADER + "SOCKETIO,chat turn,FallenBack('chat: assistant unavailable'),2\n"
        "SOCKETIO,chat turn,\"TurnFailed('chat: no answer within 20 s')\",1\n"
        "SOCKETIO,chat open,TurnFailed('no session_confirm'),1\n")
    assert set(rows) == {"chat turn", "chat open", "call dial"}  # the Aggregated total is not a request name
    turn = rows["chat turn"]
    assert (turn.count, turn.failures, turn.p50, turn.p99, turn.max) == (180, 3, 42.0, 250.0, 255.0)
    assert rows["call dial"].p99 is None and rows["call dial"].max is None  # "N/A": nothing measured
    assert errors[("chat turn", "FallenBack('chat: assistant unavailable')")] == 2
    r = LevelResult(level=Level(chats=25), rows=rows, errors=errors)
    assert (r.turns, r.p50, r.p99, r.fallen_back, r.failed) == (180, 42.0, 250.0, 2, 2)  # 1 turn + 1 open failed


def test_a_level_passes_only_with_p99_within_the_limit_and_no_failed_or_fallen_back_turn():
    ok = result(Level(chats=50), stats_csv(row("SOCKETIO", "chat turn", 150, 0, 40, 300),
                                           row("SOCKETIO", "chat open", 50, 0, 70, 400)))
    assert judge(ok, 300) == (True, "ok")  # 300 ms is within; the opening's own p99 is no turn
    slow = result(Level(chats=50), stats_csv(row("SOCKETIO", "chat turn", 150, 0, 40, 310)))
    assert judge(slow, 300) == (False, "p99 310 ms > 300 ms")
    fell = result(Level(calls=10), stats_csv(row("TWILIO", "call turn", 90, 1, 80, 200)),
                  FAILURES_HEADER + "TWILIO,call turn,FallenBack('call: keypad menu (the assistant missed its deadline)'),1\n")
    assert judge(fell, 300) == (False, "1 fell back")
    dial = result(Level(calls=10), stats_csv(row("TWILIO", "call turn", 90, 0, 80, 200),
                                             row("TWILIO", "call dial", 12, 1, 60, 90)),
                  FAILURES_HEADER + "TWILIO,call dial,TurnFailed('call: HTTP 503'),1\n")
    assert judge(dial, 300) == (False, "1 failed")
    assert judge(result(Level(chats=5), stats_csv()), 300)[0] is False  # no turn measured is no pass


def test_a_mixed_level_needs_both_kinds_of_turn_within_the_limit():
    both = result(Level(chats=20, calls=10), stats_csv(row("SOCKETIO", "chat turn", 60, 0, 40, 120),
                                                       row("TWILIO", "call turn", 50, 0, 90, 320)))
    assert (both.turns, both.p99) == (110, 320.0)
    assert judge(both, 300) == (False, "p99 320 ms > 300 ms")
    only_chats = result(Level(chats=20, calls=10), stats_csv(row("SOCKETIO", "chat turn", 60, 0, 40, 120)))
    assert judge(only_chats, 300) == (False, "no turn measured")


def test_stepping_stops_at_the_first_failing_level_and_capacity_is_the_last_passing_one():
    ran = []

    def run(level: Level) -> LevelResult:
        ran.append(level.chats)
        r = LevelResult(level=level, rows={}, errors={})
        r.passed = level.chats <= 50
        return r

    results = step([Level(chats=n) for n in (25, 50, 100, 200)], run)
    assert ran == [25, 50, 100]  # 200 is never started
    assert capacity(results, "chat") == (50, 100)
    assert capacity_text(50, 100, "chats") == "50 concurrent chats (passes; 100 does not)"
    assert capacity(step([Level(calls=10)], lambda lv: LevelResult(lv, {}, {}, passed=True)), "call") == (10, None)
    assert capacity_text(10, None, "calls").startswith("at least 10 concurrent calls")
    assert capacity(step([Level(calls=10), Level(calls=20)], lambda lv: LevelResult(lv, {}, {})), "call") == (None, 10)
    assert capacity_text(None, 10, "calls").startswith("fewer than 10 concurrent calls")


def test_bisection_probes_halfway_between_the_capacity_and_the_first_failure_and_capacity_follows():
    def done(n: int, passed: bool) -> LevelResult:
        return LevelResult(level=Level(chats=n), rows={}, errors={}, passed=passed)

    results = [done(25, True), done(50, True), done(100, False)]
    assert next_probe(results, "chat") == 75
    results.append(done(75, True))
    assert capacity(results, "chat") == (75, 100)
    assert next_probe(results, "chat") == 90  # 87.5 rounded to 5 users
    results.append(done(90, False))
    assert capacity(results, "chat") == (75, 90)
    assert next_probe(results, "chat") == 80
    results.append(done(80, True))
    assert next_probe(results, "chat") is None  # 80 to 90: within an eighth of the capacity
    assert next_probe([done(25, True)], "chat") is None  # nothing failed: nothing to bisect
    assert next_probe([done(25, False)], "chat") is None  # no pass below the failure
    assert next_probe([done(10, True), done(20, False)], "chat") == 15
    mixed = LevelResult(level=Level(chats=40, calls=10), rows={}, errors={}, passed=False)
    assert capacity(results + [mixed], "chat") == (80, 90)  # a mixed level says nothing of chats alone


def test_levels_must_rise():
    assert parse_levels("25,50,100") == [25, 50, 100]
    assert parse_levels("") == []
    for bad in ("50,25", "0,10", "-5"):
        with pytest.raises(Exception):
            parse_levels(bad)


def test_the_full_default_run_fits_the_quarter_hour_with_the_topology_start():
    assert [lv.label for lv in default_plan()] == ["100 chats", "200 chats", "400 chats",
                                                   "40 calls", "80 calls", "160 calls", "320 calls"]
    assert expected_seconds(default_plan(), 60.0) <= 15 * 60


def test_a_chat_answer_of_assistant_unavailable_is_fallen_back_and_a_rejection_or_silence_failed():
    assert classify_chat([("bot", {"text": "Az aktiváló kód 5 napig érvényes."})]) is None
    assert classify_chat([("bot", {"text": "Miben segíthetek?", "buttons": [{"title": "x"}]})]) is None
    fell = classify_chat([("error", {"error": "assistant_unavailable", "message": "Az asszisztens most nem..."})])
    assert isinstance(fell, FallenBack)
    assert repr(fell).startswith("FallenBack(")  # how bench_paced tells it apart in locust's failures CSV
    assert isinstance(classify_chat([("error", {"error": "message_too_long"})]), TurnFailed)
    assert isinstance(classify_chat([("bot", {"text": ""})]), TurnFailed)
    assert isinstance(classify_chat([]), TurnFailed)


def _twiml(*says: str, speech: bool = True) -> ET.Element:
    inner = "".join(f"<Say>{s}</Say>" for s in says)
    mode = "dtmf speech" if speech else "dtmf"
    return ET.fromstring(f'<Response><Gather action="https://x/voice/menu" input="{mode}">{inner}</Gather>'
                         f'<Redirect method="POST">https://x/voice/menu</Redirect></Response>')


def test_the_phone_lines_keypad_menu_after_a_missed_deadline_is_fallen_back():
    from ivr.prompts import catalogue

    prompts = phone_prompts()
    down = catalogue("hu").text("assistant_down")
    menu = catalogue("hu").text("menu_keypad")
    assert isinstance(classify_call(200, _twiml(down, menu, speech=False), [down, menu], prompts), FallenBack)
    answer = "Az aktiváló kód öt napig érvényes."
    assert classify_call(200, _twiml(answer), [answer], prompts) is None
    assert isinstance(classify_call(503, None, [], prompts), TurnFailed)
    assert isinstance(classify_call(200, None, [], prompts), TurnFailed)
    error = catalogue("hu").text("fallback")
    assert isinstance(classify_call(200, _twiml(error), [error], prompts), TurnFailed)
    assert isinstance(classify_call(200, _twiml(), [], prompts), TurnFailed)  # nothing to hear


def test_first_turns_fall_as_in_the_steady_state():
    rng = random.Random(11)
    delays = [first_delay(10.0, 30.0, rng) for _ in range(20000)]
    assert 0.0 <= min(delays) and max(delays) <= 30.0
    # the rest of a uniform(10, 30) interval entered at a random moment: E[X^2] / (2 E[X]) = 10.83 s
    assert abs(sum(delays) / len(delays) - 10.83) < 0.3



def test_the_phone_lines_own_answers_are_classified_as_the_caller_hears_them(call_phone):
    """Against the real phone line (a gateway app on SQLite, the assistant unreachable): the greeting is a
    heard answer, a speech turn that reaches no assistant is the keypad menu, i.e. fallen back."""
    prompts = phone_prompts()
    call = call_phone()
    greeting = call.dial()
    assert classify_call(greeting.status, greeting.root, greeting.says, prompts) is None
    turn = call.say("meddig érvényes a kód", confidence=0.91)
    assert isinstance(classify_call(turn.status, turn.root, turn.says, prompts), FallenBack)
