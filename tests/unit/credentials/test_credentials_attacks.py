"""The holes of issue 10 in the credentials backend, each as the attack that used it (M4, M10, L12,
L13 first half), on the in-memory unit of work."""
from __future__ import annotations

import unicodedata
from datetime import timedelta

import pytest
from freezegun import freeze_time

from credentials import services
from credentials.domain.exceptions import ActivationFailed
from kernel.fields import username_key
from kernel.privacy import keyed_digest
from tests.fixtures.credentials_services import SERVICE_TOKEN
from tests.unit.credentials.fake_unit_of_work import FakeUnitOfWork

START = "2026-03-02 09:00:00"
EMAIL = "janos.kovacs@example.hu"
PASSWORD = "correct horse battery staple"
WRONG = "AAAA-AAAA-AAAA-AAAA"


class _Spy:
    def __init__(self, name: str, target, log: list) -> None:
        self._name, self._target, self._log = name, target, log

    def __getattr__(self, attr):
        value = getattr(self._target, attr)
        if not callable(value):
            return value

        def call(*args, **kwargs):
            self._log.append(f"{self._name}.{attr}")
            return value(*args, **kwargs)

        return call


class SpyingUnitOfWork(FakeUnitOfWork):
    """The fake unit of work, logging every repository call and every commit."""

    def __init__(self, store, log: list) -> None:
        super().__init__(store)
        self.log = log
        for name in ("accounts", "codes", "outbox", "audit", "limits", "reset_requests"):
            setattr(self, name, _Spy(name, getattr(self, name), log))

    def commit(self, durable: bool = True) -> None:
        self.log.append("commit" if durable else "commit (not waiting for the disk)")
        super().commit(durable)


def calls_of(desk, use_case, *args, **kwargs) -> list[str]:
    log: list[str] = []
    try:
        use_case(*args, uow=SpyingUnitOfWork(desk.store, log), kit=desk.kit, **kwargs)
    except ActivationFailed:
        pass
    return log


def test_fresh_session_per_guess_is_still_throttled_by_username(desk):
    desk.register()
    guesses = [f"guess{i}@example.hu" for i in range(5)] + [EMAIL]
    answers = [desk.diagnose(email=g, channel="chat", source=f"fresh-session-{i}") for i, g in enumerate(guesses)]
    assert answers[-1] == {"verified": False}  # the right pair, but the username had its five guesses this hour
    desk.reset(email=EMAIL, source="yet-another-session")  # resets have their own counter
    assert desk.code_count("reset") == 1


def test_unknown_usernames_cost_the_same_counter(desk):
    desk.register()
    for name in ("kovacsj", "nobody77"):
        before = set(desk.tables.rate_limits)
        desk.diagnose(username=name, email="someone@example.hu", channel="chat", source=f"s-{name}")
        written = set(desk.tables.rate_limits) - before
        digest = keyed_digest(desk.kit.settings.code_key, username_key(name))[:40]
        assert written == {f"diagnose:user:{digest}", *[k for k in written if k.startswith("diagnose:src:")]}
        assert len(written) == 2
    for i in range(6):  # an unknown name is throttled exactly like a real one
        desk.diagnose(username="Nobody77", email=f"x{i}@example.hu", channel="chat", source=f"other-{i}")
    (hits,) = [h for k, h in desk.tables.rate_limits.items()
               if k == f"diagnose:user:{keyed_digest(desk.kit.settings.code_key, 'nobody77')[:40]}"]
    assert len(hits) == 5
    assert "nobody77" not in repr(desk.tables.rate_limits).casefold()


def test_diagnosis_of_an_unverified_pair_is_identical_to_an_unknown_pair(desk, credentials_app):
    desk.register()
    unverified = calls_of(desk, services.diagnose, "kovacsj", "wrong@example.hu", "chat", "s-1")
    unknown = calls_of(desk, services.diagnose, "stranger1", "stranger1@example.hu", "chat", "s-2")
    assert unverified == unknown
    assert "accounts.get_by_username" not in unknown  # one (id, e-mail) lookup, no codes loaded
    client = credentials_app.test_client()
    auth = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    bodies = [client.post("/api/v1/diagnose", headers=auth, json={"username": u, "email": e, "channel": "chat",
                                                                  "source": s}).get_data()
              for u, e, s in (("kovacsj", "wrong@example.hu", "s-3"), ("stranger2", "s2@example.hu", "s-4"))]
    assert bodies[0] == bodies[1] == b'{"verified":false}\n'


def test_matched_and_unmatched_reset_requests_do_the_same_writes(desk):
    desk.register()
    matched = calls_of(desk, services.request_new_code, "kovacsj", EMAIL, "chat", "s-1")
    unknown = calls_of(desk, services.request_new_code, "nobody77", "nobody@example.hu", "chat", "s-2")
    wrong_address = calls_of(desk, services.request_new_code, "kovacsj", "x@example.com", "chat", "s-3")
    assert matched == unknown == wrong_address == ["reset_requests.add", "commit (not waiting for the disk)"]
    assert len(desk.tables.reset_requests) == 3
    assert EMAIL not in repr(desk.tables.reset_requests)  # queued sealed
    assert desk.call(services.evaluate_reset_requests) == 3
    assert desk.code_count("reset") == 1 and desk.tables.reset_requests == {}


def test_a_stranger_cannot_burn_the_owners_codes_from_another_source(desk):
    desk.register()
    for _ in range(10):
        with pytest.raises(ActivationFailed):
            desk.activate_from("203.0.113.66", "kovacsj", WRONG, PASSWORD)
    assert desk.activate_from("198.51.100.7", "kovacsj", desk.mailed_code(), PASSWORD) == {"status": "active"}


def test_resets_block_slides_not_fixed_24h(desk):
    with freeze_time(START) as clock:
        desk.register()
        for i in range(6):  # someone who knows the pair asks six times
            desk.reset(source=f"attacker-{i}")
        assert desk.code_count("reset") == 5
        clock.tick(timedelta(hours=1, seconds=1))
        desk.reset(source="owner")  # an hour later, not 24 h: the owner's request goes through
        assert desk.code_count("reset") == 6


def test_block_is_visible_to_agents_in_the_diagnosis(desk):
    with freeze_time(START):
        desk.register()
        for i in range(5):
            desk.reset(source=f"attacker-{i}")
        for _ in range(5):
            with pytest.raises(ActivationFailed):
                desk.activate_from("203.0.113.66", "kovacsj", WRONG, PASSWORD)
        for i in range(6):  # the chat's account check is used up too; an agent still sees the account
            desk.diagnose(channel="chat", source=f"chat-{i}")
        report = desk.diagnose(channel="agent", source="agent-7")
    assert report["verified"] is True
    assert report["reset_blocked_until"] == "2026-03-02T10:00:00Z"
    assert report["code_entry_blocked_somewhere_until"] == "2026-03-03T09:00:00Z"
    assert report["code_entry_blocked_until"] is None


def test_one_client_address_is_throttled_across_usernames_and_sessions(desk):
    for i in range(31):
        desk.register(f"member{i:02d}", email=f"member{i:02d}@example.hu")
    for i in range(31):
        desk.call(services.request_new_code, f"member{i:02d}", f"member{i:02d}@example.hu", "chat", f"s-{i}",
                  client_address="192.0.2.44")
    desk.call(services.evaluate_reset_requests)
    assert desk.code_count("reset") == 30  # CREDENTIALS_REQUESTS_PER_ADDRESS_HOUR
    assert "192.0.2.44" not in repr(desk.tables.rate_limits)


@pytest.mark.parametrize("form", ["NFD", "NFKC-fullwidth"])
def test_full_width_password_logs_in_as_activated(desk, form):
    password = "Árvíztűrő tükörfúrógép 2024"
    desk.register()
    desk.activate("kovacsj", desk.mailed_code(), password)
    typed = unicodedata.normalize("NFD", password) if form == "NFD" else password.replace("2024", "２０２４")
    assert typed != password
    assert desk.login("kovacsj", typed) == {"status": "ok"}
