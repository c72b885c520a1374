"""What the agent hears before a caller is put through, and how a case reference is read out."""
from __future__ import annotations

from ivr.models import PhoneCall
from ivr.queueing import case_summary
from ivr.twiml import reference_for_speech


def test_case_reference_is_read_character_by_character():
    assert reference_for_speech("HD-7K3R") == "H D, 7 K 3 R"


def test_agent_summary_names_language_reason_tried_and_last_words_in_the_agents_language():
    call = PhoneCall(call_sid="CA1", language="en", escalation_reference="HD-7K3R", escalation_reason="backend_down",
                     tried=["request_new_code", "person"],
                     transcript=[{"role": "user", "text": "[key 3]"}, {"role": "bot", "text": "..."},
                                 {"role": "user", "text": "my code did not arrive"}])
    hu = case_summary(call, "hu")
    assert "angol" in hu and "H D, 7 K 3 R" in hu and "a kódkérő rendszer nem volt elérhető" in hu
    assert "új kód kérése" in hu and "my code did not arrive" in hu
    en = case_summary(call, "en")
    assert "Caller in English" in en and "the new code service was down" in en


def test_agent_summary_of_a_bare_call_still_reads_well():
    summary = case_summary(PhoneCall(call_sid="CA2", language="hu", tried=[], transcript=[]), "hu")
    assert "Ok: egyéb" in summary and "Próbálta: semmit" in summary and "Utoljára ezt mondta: nincs" in summary
