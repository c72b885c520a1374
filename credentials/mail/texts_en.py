"""English texts of the credentials e-mails (S2–S11); Hungarian names of the portal's menus kept
in brackets so people find them on the Hungarian screens."""
from string import Template

from credentials.mail.catalogue import MailTexts

TEXTS = MailTexts(
    language="en",
    months=("January", "February", "March", "April", "May", "June", "July", "August", "September",
            "October", "November", "December"),
    expiry=Template("$day $month $year, $hour:$minute (Budapest time)"),
    greeting=Template("Dear $legal_name,"),
    code_subject={
        "registration": "Ügyfélkapu: your one-time activation code",
        "reset": "Ügyfélkapu: your new one-time activation code",
    },
    code_intro={
        "registration": "Your Ügyfélkapu registration at the document office is complete. This "
                        "e-mail brings the code you need to activate it.",
        "reset": "A new activation code was requested for your Ügyfélkapu account, under "
                 "\"Forgotten password\" (Elfelejtett jelszó) or through the help desk. Any code "
                 "sent earlier no longer works.",
    },
    code_label="Your one-time activation code:",
    code_validity=Template("The code works only once and is valid for $days days, that is until "
                           "$expiry."),
    steps_title="How to activate:",
    steps=(
        Template("Go to Ügyfélkapu at www.magyarorszag.hu and choose to log in."),
        Template("In the Username (Felhasználónév) field, type the username you chose at the "
                 "document office, NOT your own name.$username_hint_clause"),
        Template("In the Password (Jelszó) field, type the activation code above."),
        Template("You are asked for a new password straight away: set one. From then on you log in "
                 "with your username and that new password."),
    ),
    username_hint_clause=Template(" (Your username starts with: $username_hint)"),
    code_rules=(
        "The activation code is not your password: after activation you always log in with the "
        "password you set.",
        "The code on its own opens nothing: it only works together with your username, to set a "
        "new password.",
    ),
    lapse="If the code runs out before you activate, there is no need to go back to the office: "
          "request a new one at any time under \"Forgotten password\" (Elfelejtett jelszó) on "
          "Ügyfélkapu. It is sent to this same address.",
    keep_username="Write your username down and keep it safe: if you forget it, only the document "
                  "office can tell you again, in person.",
    never_password="The help desk never asks for your password, not by phone, e-mail or chat. Do not "
                   "tell anyone your activation code either.",
    not_you_code="If you did not ask for this code, do not use it, and let the help line know.",
    help_title="Help, 24 hours a day, from the government help line:",
    help_lines=(
        Template("phone: $phone (free of charge within Hungary)"),
        Template("from abroad: $phone_abroad"),
        Template("e-mail: $contact_email"),
        Template("web: $contact_web"),
    ),
    footer="This message was sent automatically; please do not reply to it.",
    notice_subject={
        "activated": "Ügyfélkapu: your account is activated and has a new password",
        "reset_requested": "Ügyfélkapu: a new activation code was requested for your account",
    },
    notice_body={
        "activated": (
            "Your Ügyfélkapu account has been activated and a new password has been set for it.",
            "If this was you, there is nothing more to do: from now on you log in with your "
            "username and the new password.",
        ),
        "reset_requested": (
            "A new one-time activation code was requested for your Ügyfélkapu account. The code "
            "has been sent to this address in a separate e-mail.",
            "If this was you, follow the steps in the e-mail with the code. The code on its own "
            "gives nobody access to your account.",
        ),
    },
    notice_not_you_title="If this was not you:",
    notice_not_you={
        "activated": (
            "Request a new code at once under \"Forgotten password\" (Elfelejtett jelszó) on "
            "Ügyfélkapu (it comes to this address) and use it to set a new password.",
            "Call the help line and tell them what happened.",
        ),
        "reset_requested": (
            "Do not use the code and do not give it to anyone; never send your current password "
            "to anyone either.",
            "If it keeps happening, let the help line know.",
        ),
    },
)
