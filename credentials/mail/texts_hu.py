"""Hungarian texts of the credentials e-mails (S2–S11). Terms as the letter uses them: ügyfélkapu,
felhasználónév, jelszó, egyszer használható aktiváló kód, aktiválás, okmányiroda, Elfelejtett jelszó."""
from string import Template

from credentials.mail.catalogue import MailTexts

TEXTS = MailTexts(
    language="hu",
    months=("január", "február", "március", "április", "május", "június", "július", "augusztus",
            "szeptember", "október", "november", "december"),
    expiry=Template("$year. $month $day. $hour:$minute (budapesti idő)"),
    greeting=Template("Kedves $legal_name!"),
    code_subject={
        "registration": "Ügyfélkapu: az Ön egyszer használható aktiváló kódja",
        "reset": "Ügyfélkapu: új egyszer használható aktiváló kód",
    },
    code_intro={
        "registration": "Az okmányirodában elkészült az ügyfélkapus regisztrációja. Az aktiváláshoz "
                        "szükséges kódot ebben a levélben küldjük.",
        "reset": "Új aktiváló kódot kértek az ügyfélkapus fiókjához az „Elfelejtett jelszó” "
                 "menüpontban vagy az ügyfélszolgálaton keresztül. A korábban küldött kódok ezzel "
                 "érvényüket vesztették.",
    },
    code_label="Az Ön egyszer használható aktiváló kódja:",
    code_validity=Template("A kód egyetlen alkalommal használható fel, és $days napig érvényes, "
                           "vagyis eddig: $expiry."),
    steps_title="Teendők az aktiváláshoz:",
    steps=(
        Template("Lépjen be az ügyfélkapura a www.magyarorszag.hu oldalon."),
        Template("A Felhasználónév mezőbe az okmányirodában választott felhasználónevét írja, "
                 "NE a saját nevét.$username_hint_clause"),
        Template("A Jelszó mezőbe írja be a fenti aktiváló kódot."),
        Template("A rendszer rögtön új jelszót kér: adjon meg egy új jelszót. Ezután mindig a "
                 "felhasználónevével és ezzel az új jelszóval lép be."),
    ),
    username_hint_clause=Template(" (Felhasználóneve így kezdődik: $username_hint)"),
    code_rules=(
        "Az aktiváló kód nem a jelszava: a következő belépésektől az aktiváláskor megadott jelszót "
        "használja.",
        "A kód önmagában nem nyit meg semmit: belépni csak a felhasználónévvel együtt, az új jelszó "
        "beállítása után lehet.",
    ),
    lapse="Ha a kód lejár, mielőtt aktiválna, nem kell újra az okmányirodába mennie: az ügyfélkapu "
          "„Elfelejtett jelszó” menüpontjában bármikor kérhet új kódot, amely ugyanerre a címre érkezik.",
    keep_username="Jegyezze fel és őrizze meg a felhasználónevét: ha elfelejti, csak személyesen, az "
                  "okmányirodában tudhatja meg újra.",
    never_password="Az ügyfélszolgálat soha nem kéri el a jelszavát sem telefonon, sem e-mailben, sem "
                   "csevegésben. Az aktiváló kódot se mondja meg senkinek.",
    not_you_code="Ha nem Ön kérte ezt a kódot, ne használja fel, és jelezze az ügyfélvonalon.",
    help_title="Segítség a nap 24 órájában – kormányzati ügyfélvonal:",
    help_lines=(
        Template("telefon: $phone (belföldről ingyenes)"),
        Template("külföldről: $phone_abroad"),
        Template("e-mail: $contact_email"),
        Template("honlap: $contact_web"),
    ),
    footer="Ezt a levelet automatikusan küldtük, kérjük, ne válaszoljon rá.",
    notice_subject={
        "activated": "Ügyfélkapu: fiókja aktiválva, új jelszó beállítva",
        "reset_requested": "Ügyfélkapu: új aktiváló kódot kértek a fiókjához",
    },
    notice_body={
        "activated": (
            "Ügyfélkapus fiókját aktiválták, és új jelszót állítottak be hozzá.",
            "Ha ezt Ön tette, nincs további teendője: ezentúl a felhasználónevével és az új "
            "jelszavával léphet be.",
        ),
        "reset_requested": (
            "Új egyszer használható aktiváló kódot kértek az ügyfélkapus fiókjához. A kódot külön "
            "levélben küldtük el erre a címre.",
            "Ha Ön kérte, kövesse a kódot tartalmazó levél lépéseit. A kód önmagában senkinek sem ad "
            "hozzáférést a fiókjához.",
        ),
    },
    notice_not_you_title="Ha nem Ön volt:",
    notice_not_you={
        "activated": (
            "Kérjen azonnal új kódot az ügyfélkapu „Elfelejtett jelszó” menüpontjában (a kód erre a "
            "címre érkezik), és aktiválással állítson be új jelszót.",
            "Hívja az ügyfélvonalat, és mondja el, mi történt.",
        ),
        "reset_requested": (
            "A kódot ne használja fel, és ne adja meg senkinek; a jelenlegi jelszavát ne küldje el "
            "senkinek.",
            "Ha ez többször előfordul, jelezze az ügyfélvonalon.",
        ),
    },
)
