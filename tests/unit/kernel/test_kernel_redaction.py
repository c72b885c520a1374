"""kernel/redaction.py: codes and passwords never reach storage (S7, S8), ordinary talk stays intact."""
from __future__ import annotations

import pytest

from kernel.redaction import REDACTION_TOKEN, find_secrets, redact

CODE = "K7QM-3XPA-9TDE-W2HF"

# (typed text, the secret that must vanish, kinds expected)
HUNGARIAN_SECRETS = [
    (f"a kódom {CODE}", CODE, ["code"]),
    (f"Ezt a kódot kaptam: {CODE.lower()}, de nem működik", CODE.lower(), ["code"]),
    ("beírtam hogy K7QM3XPA9TDEW2HF de nem enged be", "K7QM3XPA9TDEW2HF", ["code"]),
    ("k7qm 3xpa 9tde w2hf", "k7qm 3xpa 9tde w2hf", ["code"]),
    ("K7QM.3XPA.9TDE.W2HF volt a levélben", "K7QM.3XPA.9TDE.W2HF", ["code"]),
    ("k7qm_3xpa_9tde_w2hf", "k7qm_3xpa_9tde_w2hf", ["code"]),
    ("a kod: K7QM - 3XPA - 9TDE - W2HF!", "K7QM - 3XPA - 9TDE - W2HF", ["code"]),
    ("a jelszavam: Tavasz2024!!", "Tavasz2024!!", ["password"]),
    ("a jelszavam Tavasz2024!!", "Tavasz2024!!", ["password"]),
    ("jelszó: xyz", "xyz", ["password"]),
    ("jelszo: macska", "macska", ["password"]),
    ("a jelszavam az, hogy NyariSzunet77", "NyariSzunet77", ["password"]),
    ("jelszónak beírtam a Kutya1234-et", "Kutya1234-et", ["password"]),
    ("a jelszóm = 'almafa'", "'almafa'", ["password"]),
    ("Tavasz2024!! a jelszavam, miért nem jó?", "Tavasz2024!!", ["password"]),
    ("Tavasz2024!!", "Tavasz2024!!", ["password"]),
    ("az aktiváló kódom: 7KQ3MX9T", "7KQ3MX9T", ["code"]),
    (
        f"a jelszavam Tavasz2024!! es a kodom {CODE}",
        "Tavasz2024!!",
        ["password", "code"],
    ),
    (f"a kódom {CODE}, a jelszavam Tavasz2024!!", CODE, ["code", "password"]),
    (f"{CODE}, a jelszavam", CODE, ["code"]),
    ("a kódom 7KQ3MX9T, de nem jó", "7KQ3MX9T", ["code"]),
]

ENGLISH_SECRETS = [
    ("my password is hunter2hunter2", "hunter2hunter2", ["password"]),
    ("My password's Hunter2", "Hunter2", ["password"]),
    ("password: horsebattery staple", "horsebattery", ["password"]),
    ("pw: s3cr3t", "s3cr3t", ["password"]),
    ("pwd=letmein", "letmein", ["password"]),
    ("passwd: qwerty", "qwerty", ["password"]),
    ('the password I typed was "sunshine"', '"sunshine"', ["password"]),
    ("hunter2hunter2 is my password", "hunter2hunter2", ["password"]),
    (f"my activation code is {CODE}", CODE, ["code"]),
    ("code: k7qm3xpa9tdew2hf", "k7qm3xpa9tdew2hf", ["code"]),
    (f"I typed {CODE.replace('-', ' ')} as my password", CODE.replace("-", " "), ["code"]),
    ("the code is 7KQ3MX9T", "7KQ3MX9T", ["code"]),
    ("the code is 7KQ3MX9T.", "7KQ3MX9T", ["code"]),
]

HUNGARIAN_ORDINARY = [
    "elfelejtettem a jelszavam",
    "elfelejtettem a jelszavamat, mit tegyek?",
    "a jelszó nem jó",
    "a jelszavam nem működik",
    "nem kaptam meg a kódot",
    "lejárt a kód",
    "a kódom lejárt, kérek újat",
    "a jelszó 3 napja lejárt",
    "mi a jelszavam?",
    "hol tudok új jelszót kérni",
    "az Elfelejtett jelszó menüben kértem új kódot",
    "jelszó-visszaállítást szeretnék",
    "a felhasználónevem kisspista77",
    "kovacsjanos19850 a felhasználónevem",
    "az e-mail címem kiss.pista@gmail.com",
    "Kiss Pista vagyok, a nevemet írtam be felhasználónévnek",
    "kiss pista kukac gmail pont com",
    "jo napot kivanok nem tudok belepni az ugyfelkapura",
    "csak most mind ujra kell kezdeni",
    "az okmányirodában regisztráltam 2024 májusában",
    "a jelszó is rossz és a kód is",
    "beírtam a kódot jelszónak",
    "hívjam a 189-et?",
    "REDACTEDSECRET",
    "a www.magyarorszag.hu/segitseg oldalon néztem",
]

ENGLISH_ORDINARY = [
    "my password doesn't work",
    "my password is wrong",
    "my password is not accepted",
    "I forgot my password",
    "password reset please",
    "my code expired",
    "the code is not working",
    "I never got the code",
    "what is a one-time code?",
    "this code does work",
    "my username is kisspista77",
    "my email is john.smith@example.com",
    "My name is John Smith",
    "can we talk in English",
    "I typed the code as my password",
    "is the code valid for 5 days?",
    "my password expired 2 days ago",
    "Hello!",
    "https://www.magyarorszag.hu/segitseg",
    "my password is REDACTEDSECRET",
]


def _check_redacted(text: str, secret: str, kinds: list[str]) -> None:
    redacted, found = redact(text)
    assert secret not in redacted
    assert REDACTION_TOKEN in redacted
    assert found == kinds


@pytest.mark.parametrize(("text", "secret", "kinds"), HUNGARIAN_SECRETS)
def test_secret_is_redacted_before_storage_hungarian(text, secret, kinds):
    _check_redacted(text, secret, kinds)


@pytest.mark.parametrize(("text", "secret", "kinds"), ENGLISH_SECRETS)
def test_secret_is_redacted_before_storage_english(text, secret, kinds):
    _check_redacted(text, secret, kinds)


@pytest.mark.parametrize("text", HUNGARIAN_ORDINARY)
def test_ordinary_sentences_are_not_redacted_hungarian(text):
    assert redact(text) == (text, [])


@pytest.mark.parametrize("text", ENGLISH_ORDINARY)
def test_ordinary_sentences_are_not_redacted_english(text):
    assert redact(text) == (text, [])


def test_secret_is_redacted_before_storage_keeps_the_rest_of_the_sentence():
    assert redact(f"a kódom {CODE}, de nem enged be") == (
        "a kódom REDACTEDSECRET, de nem enged be",
        ["code"],
    )
    assert redact("my password is hunter2hunter2 and it fails") == (
        "my password is REDACTEDSECRET and it fails",
        ["password"],
    )


@pytest.mark.parametrize(("text", "redacted", "kinds"), [
    (f"a kódom {CODE},", "a kódom REDACTEDSECRET,", ["code"]),
    (f"a kódom {CODE}, a jelszavam Tavasz2024!!", "a kódom REDACTEDSECRET, a jelszavam REDACTEDSECRET",
     ["code", "password"]),
    (f"{CODE}. a jelszavam", "REDACTEDSECRET. a jelszavam", ["code"]),
    (f"„{CODE}” a jelszavam", "„REDACTEDSECRET” a jelszavam", ["code"]),
    ("a kódom: 7KQ3MX9T, de nem jó", "a kódom: REDACTEDSECRET, de nem jó", ["code"]),
    ("the code is 7KQ3MX9T.", "the code is REDACTEDSECRET.", ["code"]),
    (f"my code is {CODE}; my password is hunter2hunter2", "my code is REDACTEDSECRET; my password is REDACTEDSECRET",
     ["code", "password"]),
])
def test_a_code_is_labelled_code_and_the_punctuation_after_it_stays(text, redacted, kinds):
    assert redact(text) == (redacted, kinds)


def test_secret_is_redacted_before_storage_every_code_shape():
    """Every code the backend could issue is caught in every way people type it (S2)."""
    import random

    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    rng = random.Random(20241124)
    missed = []
    for _ in range(2000):
        code = "".join(rng.choice(alphabet) for _ in range(16))
        groups = [code[i : i + 4] for i in range(0, 16, 4)]
        shapes = ["-".join(groups), "-".join(groups).lower()]
        if any(c.isdigit() for c in code) and not code.isdigit():
            shapes += [code, " ".join(groups).lower()]
        for shape in shapes:
            redacted, kinds = redact(f"ezt írtam be: {shape} köszönöm")
            if shape in redacted or kinds != ["code"]:
                missed.append(shape)
    # Undashed codes need two letter/digit switches to be told apart from "name1985" usernames;
    # about one random code in 300 has fewer and is caught only in its printed, dashed shape or
    # after "kód:".
    assert len(missed) <= 2000 * 4 * 0.004, missed[:10]


def test_redaction_is_idempotent():
    once, _ = redact(f"a jelszavam: Tavasz2024!! és a kód {CODE}")
    assert redact(once) == (once, [])


def test_secret_spans_do_not_overlap():
    spans = find_secrets(f"a kódom: {CODE}")
    assert len(spans) == 1 and spans[0][2] == "code"


def test_one_redaction_token_for_every_room():
    """Every room replaces a secret with the same token (kernel.privacy re-exports it)."""
    from kernel.redaction import REDACTED_TOKEN

    assert REDACTED_TOKEN == REDACTION_TOKEN == "REDACTEDSECRET"


# --- classes of secret, not examples (issue 10, item 7) --------------------------------------------

PASSWORDS = ["tavaszido", "Tavasz2024", "Password1", "kiskutya", "Kék Alma Fa", "horse battery staple"]


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("template", [
    "my password is {}", "the password I set is {}", "the password I chose was {}, is that ok?",
    "password: {}", "jelszavam az, hogy {}", "a jelszavam az hogy {}, mégsem enged be", "jelszó: {}",
    "a jelszó, amit megadtam, az volt, hogy {}", 'a jelszavam "{}"',
])
def test_password_after_trigger_is_redacted_to_the_end_of_the_clause(template, password):
    text = template.format(password)
    redacted, kinds = redact(text)
    assert kinds == ["password"]
    for word in password.split():
        assert word not in redacted.replace(REDACTION_TOKEN, ""), redacted
    # the clause after the secret is the user's own words and stays
    if ", " in template.split("{}")[1]:
        assert template.split("{}")[1] in redacted


@pytest.mark.parametrize("shape", [
    "K7QM3XPA9TDEW2HF", "K7QM3XPA 9TDEW2HF", "K7QM/3XPA/9TDE/W2HF", "K7QM-3XPA-9TDE-W2HF-",
    "K 7 Q M 3 X P A 9 T D E W 2 H F", "k 7 q m 3 x p a 9 t d e w 2 h f", "K7 QM 3X PA 9T DE W2 HF",
])
def test_code_typed_one_character_at_a_time_is_redacted(shape):
    """Any 16 code characters once the separators are removed: groups run together, slashes, a trailing
    dash, one character (or two) at a time."""
    redacted, kinds = redact(f"a kódom {shape} de nem enged be")
    assert kinds == ["code"]
    assert redacted.replace("-", "") == "a kódom REDACTEDSECRET de nem enged be"
    assert "K7QM" not in redacted.upper() and "W2HF" not in redacted.upper()


def test_half_a_code_is_redacted():
    assert redact("a kód eleje K7QM 3XPA, a vége 9TDE W2HF") == (
        "a kód eleje REDACTEDSECRET, a vége REDACTEDSECRET", ["code", "code"])


@pytest.mark.parametrize("answer", ["Tavasz2024", "Password1", "tavaszido", "kiskutya123 volt", "Hunter22"])
def test_bare_answer_to_a_password_question_is_redacted(answer):
    """The bot asked what was typed in the Password field: a bare answer is the secret itself."""
    redacted, kinds = redact(answer, expecting_secret=True)
    assert kinds == ["password"] and redacted.split()[0] == REDACTION_TOKEN


@pytest.mark.parametrize("answer", ["Ügyintézővel szeretnék beszélni", "hívjam a 189-et?", "köszönöm"])
def test_a_request_instead_of_an_answer_to_the_password_question_stays(answer):
    assert redact(answer, expecting_secret=True) == (answer, [])


@pytest.mark.parametrize("answer", ["a saját jelszavamat", "az e-mailben kapott kódot", "nem tudom",
                                    "My own password", "the code from the e-mail", "I do not know"])
def test_ordinary_answer_to_a_password_question_stays_for_the_form(answer):
    assert redact(answer, expecting_secret=True) == (answer, [])


def test_ordinary_help_desk_messages_are_unchanged():
    """Every ordinary message of the corpus and every training example without a secret (data/nlu)."""
    from scripts.bench_redaction import CORPUS, measure

    import yaml

    result = measure(yaml.safe_load(CORPUS.read_text(encoding="utf-8")))
    assert result["unchanged_share"] >= 0.999, result["changed"][:10]
    assert result["caught_share"] >= 0.98, [c.text for c in result["missed"][:10]]
