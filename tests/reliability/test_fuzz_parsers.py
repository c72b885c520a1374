"""Fuzzing the pure parsers with Hypothesis properties (issue #12, "Bad input"): what people type
or say never makes them raise, and their promises hold for every generated input.

- kernel.redaction (S2, S7, S8): redaction is idempotent; an activation code in any shape the
  backend accepts (case, the separators people type, O/I/L for 0/1, one character at a time), in any
  sentence, is always hidden; a redacted text keeps no code character run of the code.
- kernel.spoken: any text (Unicode edge cases, huge strings) gives None or a value that obeys the
  field rule (S1 username, e-mail syntax); keypad digits likewise; Confidence in [0, 1] or None.
- kernel.settings: any value of any setting gives a value or one error line naming the setting,
  never an exception, and never echoes a secret.
Budget and seed: tests/reliability/conftest.py (FUZZ_SCALE, FUZZ_RANDOM).
"""
from __future__ import annotations

import hashlib
import re

from hypothesis import given
from hypothesis import strategies as st

from kernel import redaction, spoken
from kernel.fields import is_email, is_username
from kernel.settings import EnvReader
from tests.reliability.conftest import count, fuzz_settings

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ALIASES = {"0": "oO", "1": "iIlL"}

# Words people write around secrets, so that generated text reaches the rules' branches.
VOCABULARY = ["a", "kódom", "kód", "kódot", "jelszó", "jelszavam", "jelszavam:", "password", "my", "code", "is",
              "pw", "=", ":", "az", "hogy", "nem", "működik", "the", "I", "typed", "Tavasz2024!!", "kiskutya123",
              "189", "www.ugyfelvonal.hu", "kiss.pista@example.hu", "kpista77", "REDACTEDSECRET", "„", "”", "'",
              "\"", ",", ".", "!", "?", "-", "—", "\t", "\n", "é", "ő", "ű", "İ", "ß", "ﬁ", "\u200b", "\u0301",
              "K7QM-3XPA", "9TDE", "W2HF", "7KQ3MX9T", "expired", "lejárt", "elfelejtettem"]
SENTENCES = st.lists(st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=12)), max_size=14).map(" ".join)
ANY_TEXT = st.one_of(st.text(max_size=200), SENTENCES, st.text(alphabet=st.characters(codec="utf-8"), max_size=60))


@fuzz_settings(2000)
@given(ANY_TEXT, st.booleans())
def test_redaction_is_idempotent(text, expecting_secret):
    count("redaction idempotent")
    once, _ = redaction.redact(text, expecting_secret=expecting_secret)
    twice, kinds = redaction.redact(once, expecting_secret=expecting_secret)
    assert twice == once
    assert all(k in ("code", "password") for k in kinds)


def _code_from(seed: bytes) -> str:
    """A code as the backend draws it (16 uniform Crockford symbols, drawn again until
    kernel.redaction.code_is_recognisable, credentials/domain/codes.py): hashed from Hypothesis's
    bytes, so shrinking cannot walk towards codes the backend never makes (0000…)."""
    while True:
        seed = hashlib.sha256(seed).digest()
        digest = int.from_bytes(seed[:10], "big")
        code = "".join(CROCKFORD[(digest >> (5 * i)) & 31] for i in range(16))
        if redaction.code_is_recognisable(code):
            return code


def test_the_backend_only_issues_codes_the_chat_can_hide():
    from credentials.domain.codes import canonical_code, generate_code

    codes = [canonical_code(generate_code()) for _ in range(3000)]
    assert all(redaction.code_is_recognisable(c) for c in codes)
    assert len(set(codes)) == 3000


@st.composite
def typed_code(draw) -> tuple[str, str]:
    """(canonical code, the code as someone typed it): case, O/I/L aliases, the backend's separators."""
    code = _code_from(draw(st.binary(min_size=4, max_size=8)))
    case = draw(st.sampled_from([str.upper, str.lower]))  # one case for the whole code, as people type
    aliases = draw(st.integers(0, 2**16 - 1))  # which 0/1 are typed as O/I/L
    chars = [case(ALIASES[ch][(aliases >> i) % 2] if ch in ALIASES and (aliases >> i) & 1 else ch)
             for i, ch in enumerate(code)]
    shape = draw(st.sampled_from(["groups", "run", "single", "pairs"]))
    sep = draw(st.sampled_from(["-", " ", ".", "_", " - ", "–"]))
    if shape == "groups":
        typed = sep.join("".join(chars[i:i + 4]) for i in range(0, 16, 4))
    elif shape == "pairs":
        typed = sep.join("".join(chars[i:i + 8]) for i in range(0, 16, 8))
    elif shape == "single":
        typed = " ".join(chars)
    else:
        typed = "".join(chars)
    return code, typed


FRAMES = ["{}", "a kódom {}", "{} volt a levélben", "my activation code is {}", "beírtam hogy {} de nem enged be",
          "„{}”", "code: {}", "I typed {} as my password", "a kód: {}!", "{}, a jelszavam", "ezt kaptam {}.",
          "kódom:{}", "({})", "hello {} thanks"]


@fuzz_settings(2000)
@given(typed_code(), st.sampled_from(FRAMES), st.booleans())
def test_a_code_in_any_accepted_shape_is_always_hidden(code_and_typed, frame, expecting_secret):
    count("code always hidden")
    code, typed = code_and_typed
    text = frame.format(typed)
    redacted, kinds = redaction.redact(text, expecting_secret=expecting_secret)
    assert kinds, f"nothing hidden in {text!r}"
    letters = re.sub(r"[^0-9A-Z]", "", redacted.replace(redaction.REDACTION_TOKEN, " ").upper())
    assert code[:8] not in letters and code[8:] not in letters, f"{text!r} -> {redacted!r}"


@fuzz_settings(1500)
@given(st.one_of(ANY_TEXT, st.text(min_size=900, max_size=1200), st.lists(
    st.sampled_from(sorted(set(spoken.LETTER_NAMES) | set(spoken.NATO_ALPHABET) | set(spoken.DIGIT_WORDS)
                           | spoken.AT_WORDS | {"pont", "dot", "kötőjel", "mint", "as", "in", "öö"})),
    max_size=40).map(" ".join)))
def test_spoken_parsers_give_a_valid_value_or_none(text):
    count("spoken parsers")
    username = spoken.parse_username(text)
    assert username is None or (is_username(username) and username == username.lower())
    email = spoken.parse_email(text)
    assert email is None or is_email(email)
    spelled = spoken.spelled(text, allow_at=True)
    assert spelled is None or isinstance(spelled, str)


@fuzz_settings(2500)
@given(st.one_of(st.text(alphabet="0123456789*#", max_size=80), st.text(max_size=40)),
       st.one_of(st.none(), st.text(max_size=20), st.floats(allow_nan=True), st.integers(), st.booleans()))
def test_keypad_spelling_and_confidence_never_raise(digits, confidence):
    count("keypad and confidence")
    username = spoken.parse_keypad_username(digits)
    assert username is None or is_username(username)
    value = spoken.confidence_of(confidence)
    assert value is None or 0.0 <= value <= 1.0


SETTING_VALUES = st.one_of(st.text(max_size=40), st.sampled_from(
    ["", " ", "0", "-1", "65536", "1e9", "nan", "inf", "8000 ", "0x1F", "١٢٣", "true", "maybe", "https://x", "change-me"]))


@fuzz_settings(1000)
@given(st.dictionaries(st.sampled_from(["PORT", "COUNT", "RATIO", "FLAG", "HOST", "URL", "SECRET", "PUBLIC_BASE_URL"]),
                       SETTING_VALUES, max_size=8))
def test_the_settings_reader_gives_a_value_or_one_line_per_bad_setting(env):
    count("settings reader")
    read = EnvReader(env)
    port = read.port("PORT", 8000)
    read.integer("COUNT", 5, 0, 100)
    read.number("RATIO", 0.5, 0.0, 1.0)
    read.boolean("FLAG", False)
    read.host("HOST", "127.0.0.1")
    read.url("URL", "http://127.0.0.1")
    read.secret("SECRET", "q8Vb3kT1zR6nW0yP5mX2cJ7hL4dF9sA1gE3uN8oK2iQ")
    assert 0 <= port <= 65535
    assert len(read.errors) <= 7
    for line in read.errors:
        assert "\n" not in line and line.split(":", 1)[0] in env
    secret = env.get("SECRET", "").strip()
    if len(secret) >= 4 and not any(secret in fixed for fixed in _SECRET_COMPLAINTS):  # "change-me" is in the text
        assert not any(secret in line for line in read.errors if line.startswith("SECRET:")), "never echoed"


def _complaints_about(value: str, **env: str) -> list[str]:
    read = EnvReader({"SECRET": value, **env})
    read.secret("SECRET")
    return read.errors


# The fixed words of the reader's complaints about a secret (they name example values themselves).
_SECRET_COMPLAINTS = _complaints_about("change-me") + _complaints_about("short") + _complaints_about(
    "a" * 40, PUBLIC_BASE_URL="https://x") + _complaints_about("")
