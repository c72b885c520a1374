"""Use cases of the credentials backend. Each takes primitives and a unit of work
(credentials.domain.ports.UnitOfWork), applies the letter's rules (S1-S9) as decided in
credentials/domain/, writes the audit log and returns a plain result; credentials/api/ turns
results into JSON, the office CLI into lines."""
from __future__ import annotations

import hmac
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator, NoReturn

from credentials.domain import activation as activation_rules
from credentials.domain import limits as limit_rules
from credentials.domain import login as login_rules
from credentials.domain import model
from credentials.domain.codes import canonical_code, generate_code
from credentials.domain.exceptions import AccountNotFound, ActivationFailed, LoginFailed, PasswordRejected, UsernameTaken
from credentials.domain.model import Account, ActivationCode, code_lifetime
from credentials.domain.names import (email_key, joined_name_keys, name_key, required_text, username_key,
                                      validate_channel, validate_email, validate_language, validate_legal_name,
                                      validate_username)
from credentials.domain.passwords import PasswordPolicy
from credentials.domain.ports import MailRecord, NameKeys, QueuedResetRequest, UnitOfWork
from credentials.security import CodeHasher, OutboxCipher, PasswordHasher
from credentials.settings import CredentialsSettings
from kernel.clock import utcnow
from kernel.privacy import keyed_digest, mask_email, mask_username

RECENT_FAILURES_WINDOW = timedelta(days=30)
RATE_WINDOW = timedelta(hours=1)
NOBODY = "nobody@invalid.invalid"


@dataclass(frozen=True)
class Toolkit:
    """What the use cases need besides the database: settings, hashers, cipher, password policy."""

    settings: CredentialsSettings
    codes: CodeHasher
    passwords: PasswordHasher
    cipher: OutboxCipher
    policy: PasswordPolicy

    @classmethod
    def from_settings(cls, settings: CredentialsSettings) -> "Toolkit":
        """The toolkit of ``settings``' keys and password minimum."""
        return cls(settings=settings, codes=CodeHasher(settings.code_key), passwords=PasswordHasher(),
                   cipher=OutboxCipher(settings.outbox_key), policy=PasswordPolicy(settings.password_min_length))


@dataclass(frozen=True)
class Registration:
    username: str
    state: str
    language: str
    code_expires_at: datetime


@dataclass(frozen=True)
class EmailCorrection:
    username: str
    email_masked: str


@dataclass(frozen=True)
class Diagnosis:
    """What the help desk may know about a verified account."""

    state: str
    language: str
    live_code_expires_at: datetime | None
    last_issued_at: datetime | None
    last_expired: bool
    code_entry_blocked_until: datetime | None  # too many wrong entries from all sources: nobody may enter a code
    code_entry_blocked_somewhere_until: datetime | None  # from some source (the person's own, or a stranger's)
    reset_blocked_until: datetime | None  # new-code requests for this username are refused until then
    recent_failures: list[tuple[datetime, str]]
    last_code_mail: MailRecord | None


@contextmanager
def _at_least(seconds: float) -> Iterator[None]:
    """Pad an answer to a fixed minimum duration so its timing tells nothing about the account."""
    start = time.monotonic()
    try:
        yield
    finally:
        remaining = seconds - (time.monotonic() - start)
        if remaining > 0:
            time.sleep(remaining)


def _issue_code(uow: UnitOfWork, kit: Toolkit, account: Account, reason: str, now: datetime) -> ActivationCode:
    """S2/S4/S8: a fresh code for ``account`` (older ones die), mailed only to the address on file, in
    the account's language. The code leaves this function only encrypted, inside the outbox row."""
    code = generate_code()
    issued_at, expires_at = code_lifetime(now, kit.settings.code_ttl_days)
    record = ActivationCode(id=None, account_id=account.id, code_hash=kit.codes.hash_code(code), reason=reason,
                            issued_at=issued_at, expires_at=expires_at)
    record.id = uow.codes.add(record)
    uow.outbox.cancel_code_mails(account.id)
    payload = kit.cipher.seal({"code": code, "expires_at": expires_at.isoformat(), "legal_name": account.legal_name,
                               "reason": reason})
    uow.outbox.enqueue(account_id=account.id, kind="activation_code", language=account.language,
                       to_address=account.email, payload=payload, now=now)
    return record


def _queue_notice(uow: UnitOfWork, kit: Toolkit, account: Account, kind: str, now: datetime) -> None:
    """A notice without any secret, to the address on file: after an activation, and after a reset request."""
    uow.outbox.enqueue(account_id=account.id, kind=kind, language=account.language, to_address=account.email,
                       payload=kit.cipher.seal({"legal_name": account.legal_name}), now=now)


# --- the document office (S1, S5, S9) ---------------------------------------------------------
def register_account(username: object, legal_name: object, email: object, language: object, *, uow: UnitOfWork,
                     kit: Toolkit, channel: str = "office") -> Registration:
    """S1: the clerk registers the chosen username and e-mail; S2: the first code is e-mailed."""
    name = validate_username(username)
    legal = validate_legal_name(legal_name)
    address = validate_email(email)
    lang = validate_language(language)
    now = utcnow()
    with uow:
        if uow.accounts.username_taken(username_key(name)):
            raise UsernameTaken(name)
        account = Account(id=None, username=name, legal_name=legal, email=address, language=lang, created_at=now)
        joined, joined_reversed = joined_name_keys(legal)
        account.id = uow.accounts.add(account, NameKeys(username_key(name), name_key(legal), joined, joined_reversed))
        code = _issue_code(uow, kit, account, "registration", now)
        uow.audit.record(at=now, operation="office_register", channel=channel, outcome="registered",
                         subject=mask_username(name))
        uow.commit()
    return Registration(username=name, state=model.PENDING, language=lang, code_expires_at=code.expires_at)


def correct_email(username: object, email: object, *, uow: UnitOfWork, kit: Toolkit,
                  channel: str = "office") -> EmailCorrection:
    """S5: only the document office corrects an e-mail address. Codes sent to the old address die;
    the person then requests a new code, which goes to the corrected address."""
    name = required_text(username, "username")
    address = validate_email(email)
    now = utcnow()
    with uow:
        account = uow.accounts.get_by_username(username_key(name), for_update=True)
        if account is None:
            raise AccountNotFound(name)
        uow.accounts.set_email(account.id, address)
        uow.codes.retire_open(account.id, now)
        uow.outbox.cancel_code_mails(account.id)
        uow.audit.record(at=now, operation="office_correct_email", channel=channel, outcome="corrected",
                         subject=f"{mask_username(name)} {mask_email(address)}")
        uow.commit()
    return EmailCorrection(username=account.username, email_masked=mask_email(address))


def disclose_usernames(legal_name: object, email: object, *, uow: UnitOfWork, kit: Toolkit,
                       channel: str = "office") -> list[str]:
    """S9: a forgotten username is told only in person, at the document office (after an ID check).
    Accounts with that legal name; the e-mail on file, when given, narrows the list."""
    legal = validate_legal_name(legal_name)
    address = validate_email(email) if email not in (None, "") else None
    now = utcnow()
    with uow:
        rows = uow.accounts.usernames_for(name_key(legal))
        found = [u for u, e in rows if address is None or email_key(e) == email_key(address)]
        uow.audit.record(at=now, operation="office_disclose_username", channel=channel,
                         outcome=f"found_{len(found)}", subject=mask_username(legal))
        uow.commit()
    return found


# --- activation (S3, S8) ----------------------------------------------------------------------
def _code_entry_keys(kit: Toolkit, account_id: int, who: str) -> tuple[str, str]:
    """The wrong-entry counters of an account: all sources together, and ``who``'s alone."""
    return f"code:{account_id}:all", f"code:{account_id}:src:{kit.codes.subject_key('entry', who)}"


def activate(username: object, code: object, new_password: object, *, uow: UnitOfWork, kit: Toolkit,
             channel: str = "web", source: object = None, client_address: object = None) -> str:
    """S3: username + one-time code + new password -> the account's new state (active). Whether a typed
    code may be compared at all, the comparison and the counting of a wrong entry happen in one
    transaction on the locked account row, so a parallel burst cannot try more than the limit
    (issue 10, L11); wrong entries count per (account, source) and per account (M10). The code is
    claimed atomically, so two concurrent redemptions of one code cannot both win; the failure is
    always the generic ActivationFailed."""
    name = required_text(username, "username")
    typed = required_text(code, "code")
    password = required_text(new_password, "new_password")
    who = activation_rules.entry_source(channel, optional_text(source, "source"),
                                        optional_text(client_address, "client_address"))
    now = utcnow()
    subject = mask_username(name)

    def fail(reason: str) -> NoReturn:
        uow.audit.record(at=now, operation="activate", channel=channel, outcome="failed", subject=subject,
                         reason=reason)
        uow.commit()
        raise ActivationFailed(reason)

    with uow:
        account = uow.accounts.get_by_username(username_key(name), for_update=True)
        if account is None:
            kit.codes.hash_code(typed)
            fail(activation_rules.UNKNOWN_USERNAME)
        all_key, source_key = _code_entry_keys(kit, account.id, who)
        blocked = (uow.limits.blocked_until(all_key, now, activation_rules.ACCOUNT_RULES) is not None
                   or uow.limits.blocked_until(source_key, now, activation_rules.SOURCE_RULES) is not None)
        refusal = activation_rules.activation_refusal(account, typed, kit.codes.matches, now, entry_blocked=blocked)
        if refusal is not None:
            reason = refusal.reason
            if refusal.wrong_entry:
                uow.limits.record(source_key, now, activation_rules.SOURCE_RULES)
                if uow.limits.record(all_key, now, activation_rules.ACCOUNT_RULES) is not None:
                    uow.codes.burn(account.latest_code().id, now)
                    reason = activation_rules.CODE_BURNED
            fail(reason)
    latest = account.latest_code()
    try:
        password = kit.policy.check(password, username=account.username, code=typed)
    except PasswordRejected as exc:
        with uow:
            uow.audit.record(at=now, operation="activate", channel=channel, outcome="password_rejected",
                             subject=subject, reason=exc.rule)
            uow.commit()
        raise
    password_hash = kit.passwords.hash(password)
    with uow:
        won = uow.codes.claim(latest.id, now)  # conditional: still open, not burned meanwhile, not expired
        if not won:  # a concurrent redemption of the same code got there first (or a burst burned it)
            fail(activation_rules.CODE_USED)
        uow.accounts.set_password(account.id, password_hash, now)
        uow.limits.clear(f"code:{account.id}:")
        _queue_notice(uow, kit, account, "notice_activated", now)
        uow.audit.record(at=now, operation="activate", channel=channel, outcome="activated", subject=subject)
        uow.commit()
    return model.ACTIVE


# --- login (S6, S7, S8) -----------------------------------------------------------------------
def login(username: object, password: object, *, uow: UnitOfWork, kit: Toolkit, channel: str = "web") -> None:
    """Returns when the password is right; else LoginFailed, generic to the client, its reason recorded
    for the help desk's diagnosis. Every path verifies one argon2 hash, so timing does not tell whether
    the username exists. The password is NFKC-normalised as at activation (NIST), so a full-width or
    decomposed spelling of it matches. An attempt on an active account is counted as a failure before
    its hash is verified, by one conditional update that also refuses a locked account; the success
    path clears the count only if the account is still unlocked (issue 10, L11)."""
    name = required_text(username, "username")
    secret = unicodedata.normalize("NFKC", required_text(password, "password"))
    threshold = kit.settings.login_lockout_threshold
    now = utcnow()
    with uow:
        account = uow.accounts.get_by_username(username_key(name))
        # S6: own name typed as username; compared accent- and order-insensitively.
        namesakes = [] if account is not None else uow.accounts.ids_with_legal_name(
            name_key(name), joined_name_keys(name)[0])
    if account is None:
        kit.passwords.dummy_verify(secret)
        _refuse_login(uow, namesakes, login_rules.unknown_account_reason(namesakes), now, channel, name)
    looks_like_code = canonical_code(secret) is not None
    matched_code = next((c for c in account.codes if looks_like_code and kit.codes.matches(secret, c.code_hash)), None)
    reason = login_rules.refusal_before_password(account, matched_code, now)
    if reason is None:
        with uow:
            reserved = uow.limits.reserve_login_attempt(account.id, threshold)
            uow.commit()
        if not reserved:  # locked (or at the threshold) by a concurrent attempt since we read it
            reason = model.LOCKED_REASON
    if reason is not None:
        kit.passwords.dummy_verify(secret)
        _refuse_login(uow, [account.id], reason, now, channel, name)
    if kit.passwords.verify(account.password_hash, secret):
        with uow:
            if uow.limits.settle_login_success(account.id):
                uow.audit.record(at=now, operation="login", channel=channel, outcome="ok", subject=mask_username(name))
                uow.commit()
                return
        _refuse_login(uow, [account.id], model.LOCKED_REASON, now, channel, name)
    _refuse_login(uow, [account.id], login_rules.wrong_password_reason(matched_code), now, channel, name,
                  settle=threshold)


def _refuse_login(uow: UnitOfWork, account_ids: list[int], reason: str, now: datetime, channel: str,
                  name: str, *, settle: int | None = None) -> NoReturn:
    """Record the failed login for each account (``settle``: the attempt was counted in advance; lock
    the account if that reached this threshold), then refuse it."""
    with uow:
        outcome = "failed"
        for account_id in account_ids:
            uow.audit.record_login_failure(account_id, now, reason)
            if settle is not None and uow.limits.settle_login_failure(account_id, now, settle):
                outcome = "failed_and_locked"
        uow.audit.record(at=now, operation="login", channel=channel, outcome=outcome, subject=mask_username(name),
                         reason=reason)
        uow.commit()
    raise LoginFailed(reason)


# --- new-code requests and diagnosis (S4, S5, S8, S9) -----------------------------------------
def optional_text(value: object, field: str) -> str | None:
    """An optional string field: None when absent or empty, else as ``required_text``."""
    return None if value in (None, "") else required_text(value, field)


def _request_rules(settings: CredentialsSettings) -> tuple[tuple[int, timedelta], ...]:
    return ((settings.requests_per_hour, RATE_WINDOW),
            (settings.requests_per_day, timedelta(hours=settings.rate_block_hours)))


def _username_limit_key(kit: Toolkit, operation: str, name: str) -> str:
    """The counter of a SUBMITTED username: a keyed digest of its normalised form, the same whether or
    not such an account exists, so it costs the same and reveals nothing (issue 10, M4)."""
    return f"{operation}:user:{keyed_digest(kit.settings.code_key, username_key(name))[:40]}"


def _verdict(uow: UnitOfWork, kit: Toolkit, operation: str, name: str, address: str, channel: str, source: str,
             client_address: str | None, now: datetime) -> tuple[int | None, str]:
    """The shared first half of a request about an account: (the matched account's id or None, verdict).
    Every path does the same work: one lookup of (id, e-mail) by username, a constant-time comparison,
    and one hit on each counter — the submitted username's, the source's, and the client address's
    when the calling service gave one (issue 10, M4). Sliding windows, no fixed block (M10). The
    agents' own diagnoses are counted but not refused by the username's counter: an agent must be
    able to see the block."""
    settings = kit.settings
    rules = _request_rules(settings)
    found = uow.accounts.email_on_file(username_key(name))
    account_id, on_file = found if found is not None else (None, NOBODY)
    matched = hmac.compare_digest(email_key(on_file).encode(), email_key(address).encode()) and found is not None
    source_key = f"{operation}:src:{kit.codes.subject_key('source', f'{channel}:{source}')}"
    limited = uow.limits.hit(source_key, now, rules)
    user_limited = uow.limits.hit(_username_limit_key(kit, operation, name), now, rules)
    limited = limited or (user_limited and not (operation == "diagnose" and channel == "agent"))
    if client_address is not None:
        address_key = f"{operation}:addr:{kit.codes.subject_key('address', client_address.strip().casefold())}"
        limited = uow.limits.hit(address_key, now, ((settings.requests_per_address_hour, RATE_WINDOW),)) or limited
    verdict = limit_rules.request_verdict(matched, limited)
    return (account_id if verdict == limit_rules.MATCHED else None), verdict


def request_new_code(username: object, email: object, channel: object, source: object, *, uow: UnitOfWork,
                     kit: Toolkit, client_address: object = None) -> None:
    """S4/S5/S8: accept a new-code request. The request itself only validates its fields and queues them
    (encrypted) — one INSERT whoever asks, so its timing cannot depend on the account (issue 10, L12);
    ``evaluate_reset_requests`` (the outbox worker) decides later. Nothing tells the caller which case it
    was, and the address given in the conversation is never used to send anything."""
    name, address = required_text(username, "username"), required_text(email, "email")
    chan, src = validate_channel(channel), required_text(source, "source")
    client = optional_text(client_address, "client_address")
    payload = kit.cipher.seal({"username": name, "email": address, "source": src, "client_address": client})
    with uow:
        uow.reset_requests.add(channel=chan, payload=payload, now=utcnow())
        uow.commit(durable=False)  # the person asks again should a database server crash lose it


def evaluate_reset_requests(*, uow: UnitOfWork, kit: Toolkit, limit: int = 50) -> int:
    """The worker's half of new-code requests: for each queued request (oldest first), the rate limits at
    the time it was accepted, and when username AND e-mail match, a new code to the address on file, in
    the account's language. Returns how many requests were evaluated."""
    done = 0
    while done < limit:
        with uow:
            queued = uow.reset_requests.take_next()  # one that no other worker holds
            if queued is None:
                break
            _evaluate_reset(uow, kit, queued)
            uow.commit()  # taken and evaluated together: a worker that dies leaves it queued
            done += 1
    return done


def _evaluate_reset(uow: UnitOfWork, kit: Toolkit, queued: QueuedResetRequest) -> None:
    now = utcnow()
    try:
        data = kit.cipher.open(queued.payload)
        name, address, src = data["username"], data["email"], data["source"]
    except (ValueError, KeyError, TypeError):  # sealed under another key: drop it, it cannot be read
        uow.audit.record(at=now, operation="reset_request", channel=queued.channel, outcome="unreadable",
                         subject="***")
        return
    account_id, outcome = _verdict(uow, kit, "reset", name, address, queued.channel, src,
                                   data.get("client_address"), queued.created_at)
    if account_id is not None:
        account = uow.accounts.get_by_username(username_key(name), for_update=True)
        _issue_code(uow, kit, account, "reset", now)
        _queue_notice(uow, kit, account, "notice_reset", now)
        outcome = "code_sent"
    uow.audit.record(at=now, operation="reset_request", channel=queued.channel, outcome=outcome,
                     subject=mask_username(name))


def diagnose(username: object, email: object, channel: object, source: object, *, uow: UnitOfWork,
             kit: Toolkit, client_address: object = None) -> Diagnosis | None:
    """For the help desk: when username AND e-mail match, what state the account is in, whether a live
    code exists, whether code entry or new-code requests are blocked, the recent failed-login reasons and
    what became of the last code mail. Otherwise (or when rate limited) None: an unverified pair (a
    real username, a wrong address) does exactly the work of an unknown one, and every answer is padded
    to the minimum duration."""
    name, address = required_text(username, "username"), required_text(email, "email")
    chan, src = validate_channel(channel), required_text(source, "source")
    client = optional_text(client_address, "client_address")
    with _at_least(kit.settings.min_answer_seconds):
        now = utcnow()
        with uow:
            account_id, outcome = _verdict(uow, kit, "diagnose", name, address, chan, src, client, now)
            report = None
            if account_id is not None:
                report = _diagnosis(uow, kit, uow.accounts.get_by_username(username_key(name)), name, now)
                outcome = "verified"
            uow.audit.record(at=now, operation="diagnose", channel=chan, outcome=outcome, subject=mask_username(name))
            uow.commit()
    return report


def _diagnosis(uow: UnitOfWork, kit: Toolkit, account: Account, name: str, now: datetime) -> Diagnosis:
    live = account.live_code(now)
    latest = account.latest_code()
    all_key, _ = _code_entry_keys(kit, account.id, "")
    return Diagnosis(
        state=account.state, language=account.language,
        live_code_expires_at=live.expires_at if live else None,
        last_issued_at=latest.issued_at if latest else None,
        last_expired=account.last_code_lapsed(now),
        code_entry_blocked_until=uow.limits.blocked_until(all_key, now, activation_rules.ACCOUNT_RULES),
        code_entry_blocked_somewhere_until=uow.limits.latest_block(f"code:{account.id}:src:", now,
                                                                   activation_rules.SOURCE_RULES),
        reset_blocked_until=uow.limits.blocked_until(_username_limit_key(kit, "reset", name), now,
                                                     _request_rules(kit.settings)),
        recent_failures=uow.audit.recent_login_failures(account.id, now - RECENT_FAILURES_WINDOW),
        last_code_mail=uow.outbox.last_code_mail(account.id))
