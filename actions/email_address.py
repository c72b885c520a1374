"""The e-mail address of the new-code and account-check forms: what the slots hold, masked for the read-back.

Finding the address in what was typed or said is :func:`kernel.spoken.parse_email` (the parser the
phone line uses too); the masks are :mod:`kernel.privacy`'s. Whether the address is the one on file
is the backend's business (S5). Full addresses never go to a log: use :func:`kernel.privacy.mask_email`.

The read-back is a response of domain.yml (``utter_ask_email_confirmed``): in chat it shows the
masked address (slot ``email_masked``), on the phone it says the parts a masked address shows
(slots ``email_mask_start``, ``email_mask_host``, ``email_mask_tld``).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk.events import SlotSet

from kernel.privacy import email_mask_parts, mask_email
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
