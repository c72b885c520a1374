"""A Hypothesis state machine over issue / re-send / redeem (right, old and wrong code) / time jumps,
checking the code rules (S4, S8) against a small model:
- at most one live code per account, and it is the newest one issued;
- a code redeems only if it is the newest, unused, unexpired (5 days), and fewer than 5 wrong entries
  (from this one source) fell in the last 24 h — a sliding window; it then never redeems again;
- a blocked source is not even compared, and a new code does not reset its counter (one source never
  reaches the account-wide limit that burns a code: that is tested in test_credentials_rules.py)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from freezegun import freeze_time
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from credentials.domain.codes import generate_code
from credentials.domain.exceptions import ActivationFailed
from tests.unit.credentials.fake_unit_of_work import FakeDesk

TTL = timedelta(days=5)
WINDOW = timedelta(hours=24)
_names = itertools.count()


@dataclass
class ModelCode:
    code: str
    expires_at: datetime
    used: bool = False
    burned: bool = False


@dataclass
class Model:
    codes: list[ModelCode] = field(default_factory=list)
    wrong: list[datetime] = field(default_factory=list)

    def wrong_count(self, now):
        return sum(1 for at in self.wrong if now - at < WINDOW)


def code_machine(desk: FakeDesk):
    class CodeMachine(RuleBasedStateMachine):
        @initialize()
        def register(self):
            self.clock = freeze_time("2026-01-05 08:00:00")
            self.frozen = self.clock.start()
            self.username = f"user{next(_names)}"
            self.email = f"{self.username}@example.hu"
            self.sources = itertools.count()
            desk.register(self.username, email=self.email)
            self.model = Model()
            self._add_code()

        def teardown(self):
            self.clock.stop()

        def now(self):
            return datetime.now(timezone.utc)

        def _add_code(self):
            self.model.codes.append(ModelCode(desk.mailed_code(self.username), self.now() + TTL))

        @rule()
        def resend(self):
            """A new code request (the help desk's "send me a new code")."""
            desk.reset(self.username, self.email, source=f"src{next(self.sources)}")
            self._add_code()

        @rule(which=st.sampled_from(["latest", "older", "wrong"]), variant=st.sampled_from(["as_mailed", "typed"]))
        def redeem(self, which, variant):
            m = self.model
            now = self.now()
            latest = m.codes[-1]
            if which == "older" and len(m.codes) < 2:
                which = "latest"
            code = {"latest": latest.code, "older": m.codes[0].code, "wrong": generate_code()}[which]
            if which == "older" and len(m.codes) > 10:
                which = "wrong"  # only the 10 newest codes are looked at: an older one is just a wrong code
            if variant == "typed":
                code = code.lower().replace("-", "").replace("0", "o").replace("1", "l")
            expected_ok = (which == "latest" and not latest.used and not latest.burned and now < latest.expires_at
                           and m.wrong_count(now) < 5)
            try:
                desk.activate(self.username, code, f"a long passphrase number {next(_names)}")
                ok = True
            except ActivationFailed:
                ok = False
            assert ok == expected_ok, (which, variant)
            if ok:
                latest.used = True
                m.wrong = []
            elif which == "wrong" and m.wrong_count(now) < 5 and not latest.used and not latest.burned \
                    and now < latest.expires_at:
                m.wrong.append(now)

        @rule(step=st.sampled_from([timedelta(minutes=5), timedelta(hours=1), timedelta(hours=23),
                                    timedelta(days=1), timedelta(days=4), timedelta(days=5)]))
        def time_passes(self, step):
            self.frozen.tick(step)

        @invariant()
        def at_most_one_live_code_and_it_is_the_newest(self):
            if not hasattr(self, "model"):
                return
            account_id = desk.account_id(self.username)
            rows = [c for c in desk.tables.codes.values() if c.account_id == account_id and c.is_open()]
            assert len(rows) <= 1
            latest = self.model.codes[-1]
            assert bool(rows) == (not latest.used and not latest.burned)

        @invariant()
        def wrong_entry_counter_matches_the_model(self):
            if not hasattr(self, "model"):
                return
            account_id = desk.account_id(self.username)
            now = self.now()
            logs = [hits for key, hits in desk.tables.rate_limits.items() if key.startswith(f"code:{account_id}:src:")]
            live = sum(1 for hits in logs for at in hits if now - at < WINDOW)
            assert live == self.model.wrong_count(now)

    return CodeMachine


def test_code_rules_hold_over_any_sequence_of_issue_resend_redeem_and_time(credentials_app_factory):
    desk = FakeDesk(credentials_app_factory(CREDENTIALS_REQUESTS_PER_HOUR="100",
                                             CREDENTIALS_REQUESTS_PER_DAY="1000"))  # rate limits are tested elsewhere
    machine = code_machine(desk)
    run_state_machine_as_test(machine, settings=settings(max_examples=40, stateful_step_count=20, deadline=None, derandomize=True,
                                                         suppress_health_check=list(HealthCheck)))
