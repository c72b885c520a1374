"""Use cases of the credentials backend. Each takes primitives and a unit of work, applies the
letter's rules (S1-S9) and writes the audit log; the HTTP API and the CLI only call these."""
from __future__ import annotations

import hmac
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from credentials.domain import model
from credentials.domain.codes import canonical_code, generate_code
from credentials.domain.exceptions import (AccountNotFound, ActivationFailed, InvalidField, LoginFailed,
                                           PasswordRejected, UsernameTaken)
from credentials.domain.masking import mask_email, mask_username
from credentials.domain.model import Account, ActivationCode, code_lifetime, utcnow
from credentials.domain.names import (email_key, joined_name_keys, name_key, username_key, validate_email,
                                      validate_language, validate_legal_name, validate_username)
from credentials.domain.passwords import PasswordPolicy
from credentials.security import CodeHasher, OutboxCipher, PasswordHasher
from credentials.settings import CredentialsSettings

CHANNELS = ("chat", "phone", "agent", "web")  # who may ask over the API; the office uses "office"/"cli"
RECENT_FAILURES_WINDOW = timedelta(days=30)
RATE_WINDOW = timedelta(hours=1)
MAX_INPUT = 256


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
        return cls(settings=settings, codes=CodeHasher(settings.code_key), passwords=PasswordHasher(),
                   cipher=OutboxCipher(settings.outbox_key), policy=PasswordPolicy(settings.password_min_length))


def _text(value: object, field: str, *, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            raise InvalidField(field, "required", missing=True)
        return ""
    if not isinstance(value, str):
        raise InvalidField(field, "must be a string")
    if len(value) > MAX_INPUT:
        raise InvalidField(field, f"must be at most {MAX_INPUT} characters long")
    return value


def _channel(value: object) -> str:
    channel = _text(value, "channel")
    if channel not in CHANNELS:
        raise InvalidField("channel", "must be one of " + ", ".join(CHANNELS))
    return channel


@contextmanager
def _at_least(seconds: float):
    """Pad an answer to a fixed minimum duration so its timing tells nothing about the account."""
    start = time.monotonic()
    try:
        yield
    finally:
        remaining = seconds - (time.monotonic() - start)
        if remaining > 0:
            time.sleep(remaining)


def _issue_code(uow, kit: Toolkit, account: Account, reason: str, now, code: str | None = None) -> ActivationCode:
    """S2/S4/S8: a fresh code for ``account`` (older ones die), mailed only to the address on file, in
    the account's language. The code leaves this function only encrypted, inside the outbox row."""
    code = code or generate_code()
    issued_at, expires_at = code_lifetime(now, kit.settings.code_ttl_days)
    record = ActivationCode(id=None, account_id=account.id, code_hash=kit.codes.hash_code(code), reason=reason,
                            issued_at=issued_at, expires_at=expires_at)
    record.id = uow.accounts.add_code(record)
    uow.accounts.wipe_code_payloads(account.id)
    payload = kit.cipher.seal({"code": code, "expires_at": expires_at.isoformat(), "legal_name": account.legal_name,
                               "reason": reason})
    uow.accounts.enqueue_mail(account_id=account.id, kind="activation_code", language=account.language,
                              to_address=account.email, payload=payload, now=now)
    return record


def _queue_notice(uow, kit: Toolkit, account: Account, kind: str, now) -> None:
    """A notice without any secret, to the address on file: after an activation, and after a reset request."""
    uow.accounts.enqueue_mail(account_id=account.id, kind=kind, language=account.language, to_address=account.email,
                              payload=kit.cipher.seal({"legal_name": account.legal_name}), now=now)


# --- the document office (S1, S5, S9) ---------------------------------------------------------
def register_account(username: object, legal_name: object, email: object, language: object, *, uow,
                     kit: Toolkit, channel: str = "office") -> dict:
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
        try:
            account.id = uow.accounts.add_account(account, username_key=username_key(name),
                                                  legal_name_key=name_key(legal),
                                                  legal_name_joined=joined_name_keys(legal))
        except IntegrityError as exc:  # a concurrent registration took it first
            raise UsernameTaken(name) from exc
        code = _issue_code(uow, kit, account, "registration", now)
        uow.accounts.add_audit(at=now, operation="office_register", channel=channel, outcome="registered",
                               subject=mask_username(name))
        uow.commit()
    return {"username": name, "state": model.PENDING, "language": lang, "code_expires_at": code.expires_at}


def correct_email(username: object, email: object, *, uow, kit: Toolkit, channel: str = "office") -> dict:
    """S5: only the document office corrects an e-mail address. Codes sent to the old address die;
    the person then requests a new code, which goes to the corrected address."""
    name = _text(username, "username")
    address = validate_email(email)
    now = utcnow()
    with uow:
        account = uow.accounts.get_by_username(username_key(name), for_update=True)
        if account is None:
            raise AccountNotFound(name)
        uow.accounts.set_email(account.id, address)
        uow.accounts.retire_open_codes(account.id, now)
        uow.accounts.wipe_code_payloads(account.id)
        uow.accounts.add_audit(at=now, operation="office_correct_email", channel=channel, outcome="corrected",
                               subject=f"{mask_username(name)} {mask_email(address)}")
        uow.commit()
    return {"username": account.username, "email_masked": mask_email(address)}


def disclose_usernames(legal_name: object, email: object, *, uow, kit: Toolkit, channel: str = "office") -> list[str]:
    """S9: a forgotten username is told only in person, at the document office (after an ID check).
    Accounts with that legal name; the e-mail on file, when given, narrows the list."""
    legal = validate_legal_name(legal_name)
    address = validate_email(email) if email not in (None, "") else None
    now = utcnow()
    with uow:
        rows = uow.accounts.usernames_for(name_key(legal))
        found = [u for u, e in rows if address is None or email_key(e) == email_key(address)]
        uow.accounts.add_audit(at=now, operation="office_disclose_username", channel=channel,
                               outcome=f"found_{len(found)}", subject=mask_username(legal))
        uow.commit()
    return found


# --- activation (S3, S8) ----------------------------------------------------------------------
def activate(username: object, code: object, new_password: object, *, uow, kit: Toolkit, channel: str = "web") -> dict:
    """S3: username + one-time code + new password -> active. The code is claimed atomically, so
    two concurrent redemptions of one code cannot both win; the failure answer is always generic."""
    name = _text(username, "username")
    typed = _text(code, "code")
    password = _text(new_password, "new_password")
    now = utcnow()
    subject = mask_username(name)

    def fail(reason: str, account_id: int | None = None, wrong_code: bool = False, burn_id: int | None = None):
        with uow:
            if wrong_code and account_id is not None:
                count = uow.accounts.count_wrong_code(account_id, now)
                if count >= model.WRONG_CODE_LIMIT and burn_id is not None:
                    uow.accounts.burn_code(burn_id, now)  # five wrong entries burn the code
                    reason = "code_burned"
            uow.accounts.add_audit(at=now, operation="activate", channel=channel, outcome="failed",
                                   subject=subject, reason=reason)
            uow.commit()
        raise ActivationFailed(reason)

    with uow:
        account = uow.accounts.get_by_username(username_key(name))
    if account is None:
        kit.codes.hash_code(typed)
        fail("unknown_username")
    latest = account.latest_code()
    if account.code_entry_blocked(now):
        fail("code_burned")
    if latest is None:
        fail("no_code", account.id)
    if not kit.codes.matches(typed, latest.code_hash):
        older = any(kit.codes.matches(typed, c.code_hash) for c in account.codes if c is not latest)
        if older:  # the person's own earlier code: a mistake to explain, not a guess
            fail("code_superseded", account.id)
        fail("wrong_code", account.id, wrong_code=latest.is_live(now), burn_id=latest.id)
    if latest.used_at is not None:
        fail("code_used", account.id)
    if latest.burned_at is not None or latest.superseded_at is not None:
        fail("code_burned", account.id)
    if latest.is_expired(now):
        fail(model.CODE_EXPIRED, account.id)
    try:
        password = kit.policy.check(password, username=account.username, code=typed)
    except PasswordRejected as exc:
        with uow:
            uow.accounts.add_audit(at=now, operation="activate", channel=channel, outcome="password_rejected",
                                   subject=subject, reason=exc.rule)
            uow.commit()
        raise
    password_hash = kit.passwords.hash(password)
    with uow:
        won = uow.accounts.claim_code(latest.id, now)
        if won:
            uow.accounts.set_password(account.id, password_hash, now)
            _queue_notice(uow, kit, account, "notice_activated", now)
            uow.accounts.add_audit(at=now, operation="activate", channel=channel, outcome="activated",
                                   subject=subject)
            uow.commit()
    if not won:  # a concurrent redemption of the same code got there first
        fail("code_used", account.id)
    return {"status": model.ACTIVE}


# --- login (S6, S7, S8) -----------------------------------------------------------------------
def login(username: object, password: object, *, uow, kit: Toolkit, channel: str = "web") -> dict:
    """One generic failure to the client; the reason code is recorded for the help desk's diagnosis.
    Every path verifies one argon2 hash, so timing does not tell whether the username exists."""
    name = _text(username, "username")
    secret = _text(password, "password")
    now = utcnow()
    with uow:
        account = uow.accounts.get_by_username(username_key(name))
        # S6: own name typed as username; compared accent- and order-insensitively.
        namesakes = [] if account is not None else uow.accounts.ids_with_legal_name(
            name_key(name), joined_name_keys(name)[0])
    if account is None:
        kit.passwords.dummy_verify(secret)
        reason = model.USERNAME_LOOKS_LIKE_LEGAL_NAME if namesakes else model.UNKNOWN_USERNAME
        _record_login_failure(uow, kit, namesakes, reason, now, channel, name, count=False)
    looks_like_code = canonical_code(secret) is not None
    matched_code = next((c for c in account.codes if looks_like_code and kit.codes.matches(secret, c.code_hash)), None)
    if account.state == model.LOCKED:
        kit.passwords.dummy_verify(secret)
        _record_login_failure(uow, kit, [account.id], model.LOCKED_REASON, now, channel, name, count=False)
    if account.password_hash is None:
        kit.passwords.dummy_verify(secret)
        latest = account.latest_code()
        if matched_code is not None and not matched_code.is_expired(now):
            reason = model.CODE_USED_AS_PASSWORD  # S7: the code is for activation, not for login
        elif (matched_code is not None) or (latest is not None and latest.is_expired(now)):
            reason = model.CODE_EXPIRED  # S4
        else:
            reason = model.NOT_ACTIVATED  # S3
        _record_login_failure(uow, kit, [account.id], reason, now, channel, name, count=False)
    if kit.passwords.verify(account.password_hash, secret):
        with uow:
            uow.accounts.reset_login_failures(account.id)
            uow.accounts.add_audit(at=now, operation="login", channel=channel, outcome="ok",
                                   subject=mask_username(name))
            uow.commit()
        return {"status": "ok"}
    # S7/S8: the one-time code alone never gives access, not even right after a reset.
    reason = model.CODE_USED_AS_PASSWORD if matched_code is not None else model.WRONG_PASSWORD
    _record_login_failure(uow, kit, [account.id], reason, now, channel, name, count=True)


def _record_login_failure(uow, kit: Toolkit, account_ids: list[int], reason: str, now, channel: str, name: str,
                          *, count: bool):
    with uow:
        outcome = "failed"
        for account_id in account_ids:
            uow.accounts.add_login_failure(account_id, now, reason)
            if count and uow.accounts.count_login_failure(account_id, now, kit.settings.login_lockout_threshold):
                outcome = "failed_and_locked"
        uow.accounts.add_audit(at=now, operation="login", channel=channel, outcome=outcome,
                               subject=mask_username(name), reason=reason)
        uow.commit()
    raise LoginFailed(reason)


# --- new-code requests and diagnosis (S4, S5, S8, S9) -----------------------------------------
def _match(uow, kit: Toolkit, operation: str, name: str, address: str, channel: str, source: str, now, *,
           for_update: bool) -> tuple[Account | None, str]:
    """The shared first half of a request about an account: rate limits per source and per account
    (more than N an hour blocks for 24 h), and whether username AND e-mail match. Both paths do the
    same queries, so the answer's timing does not depend on the match."""
    settings = kit.settings
    limits = dict(limit=settings.requests_per_hour, window=RATE_WINDOW, block=timedelta(hours=settings.rate_block_hours))
    account = uow.accounts.get_by_username(username_key(name), for_update=for_update)
    on_file = account.email if account is not None else "nobody@invalid.invalid"
    matched = hmac.compare_digest(email_key(on_file).encode(), email_key(address).encode()) and account is not None
    source_key = f"{operation}:src:{kit.codes.subject_key('source', f'{channel}:{source}')}"
    source_limited = uow.accounts.hit_rate_limit(source_key, now, **limits)
    account_limited = matched and uow.accounts.hit_rate_limit(f"{operation}:acct:{account.id}", now, **limits)
    if not matched:
        return None, "no_match"
    if source_limited or account_limited:
        return None, "rate_limited"
    return account, "matched"


def request_new_code(username: object, email: object, channel: object, source: object, *, uow, kit: Toolkit) -> dict:
    """S4/S5/S8: a new code goes to the address on file, in the account's language, only when the
    username and the e-mail both match. The answer is the same in every case, padded to a fixed
    minimum duration; the address given in the conversation is never used to send anything."""
    name, address = _text(username, "username"), _text(email, "email")
    chan, src = _channel(channel), _text(source, "source")
    with _at_least(kit.settings.min_answer_seconds):
        now = utcnow()
        candidate = generate_code()
        kit.codes.hash_code(candidate)  # same hashing work whether or not a code is issued
        with uow:
            account, outcome = _match(uow, kit, "reset", name, address, chan, src, now, for_update=True)
            if account is not None:
                _issue_code(uow, kit, account, "reset", now, code=candidate)
                _queue_notice(uow, kit, account, "notice_reset", now)
                outcome = "code_sent"
            uow.accounts.add_audit(at=now, operation="reset_request", channel=chan, outcome=outcome,
                                   subject=mask_username(name))
            uow.commit()
    return {"status": "accepted"}


def diagnose(username: object, email: object, channel: object, source: object, *, uow, kit: Toolkit) -> dict:
    """For the help desk: when username AND e-mail match, what state the account is in, whether a live
    code exists, the recent failed-login reasons and what became of the last code mail. Otherwise
    (or when rate limited) the same ``{"verified": false}`` as for an unknown account."""
    name, address = _text(username, "username"), _text(email, "email")
    chan, src = _channel(channel), _text(source, "source")
    with _at_least(kit.settings.min_answer_seconds):
        now = utcnow()
        with uow:
            account, outcome = _match(uow, kit, "diagnose", name, address, chan, src, now, for_update=False)
            report = {"verified": False}
            if account is not None:
                report = _report(uow, account, now)
                outcome = "verified"
            uow.accounts.add_audit(at=now, operation="diagnose", channel=chan, outcome=outcome,
                                   subject=mask_username(name))
            uow.commit()
    return report


def _report(uow, account: Account, now) -> dict:
    live = account.live_code(now)
    latest = account.latest_code()
    failures = uow.accounts.recent_login_failures(account.id, now - RECENT_FAILURES_WINDOW)
    mail = uow.accounts.last_code_mail(account.id)
    last_mail = None
    if mail is not None:
        last_mail = {"status": mail.status, "at": _iso(mail.sent_at or mail.updated_at), "attempts": mail.attempts,
                     "smtp_code": mail.smtp_code, "detail": mail.smtp_detail or ""}
    blocked_until = account.code_entry_blocked_until(now)
    return {
        "verified": True,
        "state": account.state,
        "language": account.language,
        "live_code": {"exists": live is not None, "expires_at": _iso(live.expires_at) if live else None,
                      "last_issued_at": _iso(latest.issued_at) if latest else None,
                      "last_expired": bool(latest and latest.is_open() and latest.is_expired(now))},
        "code_entry_blocked_until": _iso(blocked_until) if blocked_until else None,
        "recent_failures": [{"at": _iso(at), "reason": reason} for at, reason in failures],
        "last_code_mail": last_mail,
    }


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")
