"""The e-mail address of the new-code and account-check forms: what the slots hold, masked for the read-back.

Finding the address in what was typed or said is :func:`kernel.spoken.parse_email` (the parser the
phone line uses too); the masks are :mod:`kernel.privacy`'s. Whether the address is the one on file
is the backend's business (S5). Full addresses never go to a log: use :func:`kernel.privacy.mask_email`.

The address never rests in clear in Rasa's tracker: the channel masks it in the message text and
puts it, sealed (kernel.sealing, CHAT_SEAL_KEY), into the message metadata; the ``email`` slot holds
the sealed address too, and :func:`opened` gives the address for the one backend call.

The read-back is a response of domain.yml (``utter_ask_email_confirmed``): in chat it shows the
masked address (slot ``email_masked``), on the phone it says the parts a masked address shows
(slots ``email_mask_start``, ``email_mask_host``, ``email_mask_tld``).
"""
from __future__ import annotations

import functools
import os
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from kernel.privacy import email_mask_parts, mask_email
from kernel.sealing import (
    CHAT_EMAIL_MAX_AGE_SECONDS,
    CHAT_SEAL_KEY_ENV,
    SEALED_EMAIL_METADATA,
    Sealer,
    chat_email_sealer_from_env,
)
from kernel.spoken import parse_email

MASK_SLOTS = ("email_masked", "email_mask_start", "email_mask_host", "email_mask_tld")
EMAIL_SLOTS = ("email",) + MASK_SLOTS + ("email_confirmed",)


def address_in(*texts: str) -> Optional[str]:
    """The first e-mail address found in ``texts`` (typed or spoken), lower-cased, or None."""
    for text in texts:
        address = parse_email(text)
        if address:
            return address
    return None


def masked_slots(address: Optional[str]) -> Dict[str, Any]:
    """The read-back slots of ``address``: the masked address and, for the phone, its spoken parts."""
    parts = email_mask_parts(address) if address else None
    if parts is None:
        return {slot: None for slot in MASK_SLOTS}
    shown, host, tld = parts
    return {"email_masked": mask_email(address), "email_mask_start": " ".join(shown).upper(),
            "email_mask_host": host.upper(), "email_mask_tld": tld}


def forget_email() -> List[SlotSet]:
    """Slot events that forget the address, its read-back and its confirmation."""
    return [SlotSet(slot, None) for slot in EMAIL_SLOTS]


@functools.lru_cache(maxsize=4)
def _sealer(key: str) -> Sealer:
    # the one rule for secrets (kernel.settings via kernel.sealing); cached per key value
    return chat_email_sealer_from_env({CHAT_SEAL_KEY_ENV: key})


def sealer() -> Sealer:
    """The sealer of CHAT_SEAL_KEY (the Rasa channels hold the same key); scripts/actions-serve.sh
    refuses to start the action server without a good one."""
    return _sealer(os.environ.get(CHAT_SEAL_KEY_ENV, ""))


def given_address(value: Any, tracker: Tracker) -> Optional[str]:
    """The address the user just gave: the one the channel sealed into the latest message's metadata,
    else one found in the slot value or the text (a message that did not pass a help-desk channel)."""
    if sealer().is_sealed(value):  # already sealed: a form pre-filled from an earlier one
        return opened(value)
    latest = tracker.latest_message or {}
    return (opened((latest.get("metadata") or {}).get(SEALED_EMAIL_METADATA))
            or address_in(str(value or ""), str(latest.get("text") or "")))


def sealed(address: Optional[str]) -> Optional[str]:
    """What the ``email`` slot holds for ``address``: the sealed address (None stays None)."""
    return sealer().seal(address) if address else None


def opened(slot_value: Any) -> Optional[str]:
    """The address an ``email`` slot holds sealed, or None when empty, not sealed, tampered with or old."""
    return sealer().unseal(slot_value, CHAT_EMAIL_MAX_AGE_SECONDS) if slot_value else None
