"""The shared dialogue scripts (tests/dialogues) load, and one rule judges both channels."""
from __future__ import annotations

import pytest

from tests.dialogues.scripts import expectation_met, load_dialogue, load_dialogues


def test_every_dialogue_script_loads_with_steps_and_rules():
    dialogues = load_dialogues()
    assert dialogues and len({d.name for d in dialogues}) == len(dialogues)
    for dialogue in dialogues:
        assert dialogue.steps and all(r.startswith("S") for r in dialogue.rules)
        assert any(step.say for step in dialogue.steps)
    assert {d.language for d in load_dialogues("phone")} == {"hu", "en"}


def test_expectation_is_an_intent_or_a_text_fragment():
    assert expectation_met(("code_expired",), "code_expired", [])
    assert expectation_met(("189",), "contact_info_other", ["Hívja a 189-et."])
    assert expectation_met(("Document Office",), None, ["only at a document office"])
    assert not expectation_met(("code_expired",), "greet", ["Szia!"])
    assert expectation_met((), None, [])


def test_a_step_with_both_say_and_press_is_refused(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("name: bad\nlanguage: hu\nsteps:\n  - say: x\n    press: '1'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="exactly one"):
        load_dialogue(path)
