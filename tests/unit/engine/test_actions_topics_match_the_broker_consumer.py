"""The topics the actions report themselves (embedded default) and the ones the broker's consumer
reads from Rasa's events (production) are the same: kernel.contracts holds the consumer's lists."""
from kernel.contracts import STATS_TOPIC_INTENTS, STATS_TOPIC_RESPONSES


def test_the_intents_that_name_a_mistake_are_the_same_for_both():
    from actions.conversation_events import TOPIC_INTENTS

    assert set(TOPIC_INTENTS) == set(STATS_TOPIC_INTENTS)


def test_every_diagnosis_response_the_action_reports_is_read_by_the_consumer():
    from actions.diagnosis import RESPONSE_TOPICS

    assert all(STATS_TOPIC_RESPONSES.get(response) == topic for response, topic in RESPONSE_TOPICS.items())


def test_the_login_help_responses_map_to_the_mistakes_the_action_reports():
    from actions import login_help

    assert STATS_TOPIC_RESPONSES["utter_login_mistake_own_name"] == login_help.OWN_NAME_AS_USERNAME
    assert STATS_TOPIC_RESPONSES["utter_login_mistake_code_as_password"] == login_help.CODE_AS_PASSWORD
    assert STATS_TOPIC_RESPONSES["utter_login_not_activated"] == login_help.NOT_ACTIVATED


def test_with_the_broker_carrying_the_statistics_the_actions_post_nothing(monkeypatch):
    import asyncio

    from actions import conversation_events
    from kernel.contracts import ConversationEvent

    posted = []

    class Gateway:
        async def record_conversation_event(self, event):
            posted.append(event)

    async def go():
        conversation_events.send_in_background(Gateway, ConversationEvent("web-1", "chat", "hu", "started"))
        await conversation_events.drain()

    monkeypatch.setenv("STATISTICS_EVENTS", "broker")
    asyncio.run(go())
    assert posted == []
    monkeypatch.setenv("STATISTICS_EVENTS", "gateway")
    asyncio.run(go())
    assert posted == [ConversationEvent("web-1", "chat", "hu", "started")]
