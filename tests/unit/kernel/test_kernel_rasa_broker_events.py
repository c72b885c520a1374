"""kernel.contracts: which statistics events one event of Rasa's event broker stands for."""
from kernel.contracts import STATS_TOPIC_RESPONSES, conversation_events_from_rasa, rasa_event_conversation


def user(intent, channel="chat", **extra):
    return {"sender_id": "s-1", "event": "user", "text": "x", "input_channel": "helpdesk_socketio",
            "metadata": {"channel": channel, "language": "en"}, "parse_data": {"intent": {"name": intent}}, **extra}


def kinds(events):
    return [(e.kind, e.detail, e.channel, e.language) for e in events]


def test_a_chat_message_starts_the_conversation_and_its_mistake_intent_is_a_topic():
    assert kinds(conversation_events_from_rasa(user("code_expired"), "chat", "en")) == [
        ("started", None, "chat", "en"), ("topic", "code_expired", "chat", "en")]


def test_the_phone_line_counts_its_own_calls_so_a_phone_turn_gives_only_its_topic():
    assert kinds(conversation_events_from_rasa(user("forgot_username", "phone"), "phone", "hu")) == [
        ("topic", "forgot_username", "phone", "hu")]


def test_a_response_that_names_a_recognised_mistake_is_a_topic_and_others_are_nothing():
    bot = {"sender_id": "s-1", "event": "bot", "metadata": {"utter_action": "utter_login_mistake_own_name"}}
    assert kinds(conversation_events_from_rasa(bot, "chat", None)) == [("topic", "own_name_as_username", "chat", None)]
    assert conversation_events_from_rasa({**bot, "metadata": {"utter_action": "utter_greet"}}, "chat", None) == []
    assert conversation_events_from_rasa({"sender_id": "s-1", "event": "action", "name": "x"}, "chat", None) == []
    assert set(STATS_TOPIC_RESPONSES.values()) <= {"own_name_as_username", "code_as_password", "code_expired",
                                                   "not_activated", "code_not_received", "new_code_completed"}


def test_a_new_code_the_backend_took_counts_for_the_bot_in_production():
    bot = {"sender_id": "s-1", "event": "bot", "metadata": {"utter_action": "utter_new_code_requested"}}
    assert kinds(conversation_events_from_rasa(bot, "chat", "hu")) == [("topic", "new_code_completed", "chat", "hu")]


def test_what_is_not_a_rasa_event_stands_for_nothing():
    for junk in (None, [], "x", {"event": "user"}, {"sender_id": "", "event": "user"}, {"sender_id": "x" * 129}):
        assert rasa_event_conversation(junk) == (None, None, None)
        assert conversation_events_from_rasa(junk, "chat", None) == []


def test_the_channel_comes_from_the_metadata_the_input_channel_or_a_slot():
    assert rasa_event_conversation(user("greet"))[1:] == ("chat", "en")
    no_metadata = {"sender_id": "s", "event": "user", "input_channel": "helpdesk_socketio"}
    assert rasa_event_conversation(no_metadata) == ("s", "chat", None)
    assert rasa_event_conversation({"sender_id": "s", "event": "slot", "name": "channel", "value": "phone"}) == ("s", "phone", None)
    assert rasa_event_conversation({"sender_id": "s", "event": "slot", "name": "language", "value": "hu"}) == ("s", None, "hu")
