"""Conversations: history reaches execute(), conversation.responses (spec: python-api.md)."""

from __future__ import annotations

import json
import re

import llm


def test_model_conversation(fixtures):
    conversation = fixtures.mock.conversation()
    assert isinstance(conversation, llm.Conversation)
    assert conversation.model is fixtures.mock
    assert conversation.responses == []
    assert isinstance(conversation.id, str)
    assert re.fullmatch(r"[0-9a-z]{26}", conversation.id)


def test_conversation_ids_are_unique(fixtures):
    ids = {fixtures.mock.conversation().id for _ in range(50)}
    assert len(ids) == 50


def test_conversation_prompt_collects_responses(fixtures):
    conversation = fixtures.mock.conversation()
    r1 = conversation.prompt("one")
    assert r1.text() == "mock: one"
    r2 = conversation.prompt("two")
    assert r2.text() == "mock: two"
    assert conversation.responses == [r1, r2]
    assert r1.conversation is conversation
    assert r2.conversation is conversation


def test_execute_receives_the_conversation(fixtures):
    conversation = fixtures.mock.conversation()
    conversation.prompt("one").text()
    conversation.prompt("two").text()
    assert [h[3] for h in fixtures.mock.history] == [conversation, conversation]
    fixtures.mock.prompt("alone").text()
    assert fixtures.mock.history[2][3] is None


def test_history_is_passed_to_the_model(fixtures):
    conversation = fixtures.echo.conversation()
    first = conversation.prompt("first", system="be brief")
    first_text = first.text()
    second = json.loads(conversation.prompt("second").text())
    assert second["prompt"] == "second"
    assert second["history"] == [
        {"prompt": "first", "system": "be brief", "response": first_text}
    ]
    third = json.loads(conversation.prompt("third").text())
    assert [h["prompt"] for h in third["history"]] == ["first", "second"]


def test_current_response_is_not_its_own_history(fixtures):
    conversation = fixtures.echo.conversation()
    data = json.loads(conversation.prompt("only").text())
    assert data["history"] == []


def test_conversation_prompt_accepts_options_and_attachments(fixtures, png_bytes):
    conversation = fixtures.echo.conversation()
    data = json.loads(
        conversation.prompt(
            "describe", attachments=[llm.Attachment(content=png_bytes)], max_tokens=7
        ).text()
    )
    assert data["options"] == {"max_tokens": 7}
    assert [a["type"] for a in data["attachments"]] == ["image/png"]


def test_previous_attachments_available_to_plugins(fixtures, png_bytes):
    conversation = fixtures.mock.conversation()
    attachment = llm.Attachment(content=png_bytes)
    conversation.prompt("look", attachments=[attachment]).text()
    conversation.prompt("again").text()
    _, _, _, passed = fixtures.mock.history[1]
    assert passed.responses[0].attachments == [attachment]
    assert passed.responses[0].text_or_raise() == "mock: look"


def test_separate_conversations_do_not_share_history(fixtures):
    a = fixtures.echo.conversation()
    b = fixtures.echo.conversation()
    a.prompt("in a").text()
    data = json.loads(b.prompt("in b").text())
    assert data["history"] == []
    assert len(a.responses) == 1
