"""The completion model ``gpt-3.5-turbo-instruct`` (``/v1/completions``)."""

from __future__ import annotations

import asyncio

import pytest

import llm

LOGPROBS = [
    {"text": "Hi", "top_logprobs": [{"Hi": -0.13706253, "Hello": -2.3714375}]},
    {"text": " there", "top_logprobs": [{" there": -0.96057636, "!\"": -0.5855763}]},
]


def test_streamed_completion_with_logprobs(server):
    server.reply(["Hi", " there"], logprobs=LOGPROBS,
                 usage={"prompt_tokens": 4, "completion_tokens": 2})
    model = llm.get_model("3.5-instruct")
    response = model.prompt("Say hello succinctly", logprobs=2)
    assert list(response) == ["Hi", " there"]
    [request] = server.requests
    assert request.path == "/v1/completions"
    assert request.body == {
        "model": "gpt-3.5-turbo-instruct",
        "prompt": "Say hello succinctly",
        "stream": True,
        "stream_options": {"include_usage": True},
        "logprobs": 2,
        "max_tokens": 256,
    }
    assert response.json()["logprobs"] == LOGPROBS
    assert response.json()["content"] == "Hi there"
    assert (response.usage().input, response.usage().output) == (4, 2)


def test_non_streamed_completion_with_logprobs(server):
    server.reply("Hi there", logprobs=LOGPROBS)
    response = llm.get_model("gpt-3.5-turbo-instruct").prompt("Say hi", logprobs=2, stream=False,
                                                               max_tokens=10)
    assert response.text() == "Hi there"
    assert server.requests[0].body["max_tokens"] == 10
    assert server.requests[0].body["stream"] is False
    assert response.json()["logprobs"] == LOGPROBS
    assert response.json()["object"] == "text_completion"


def test_logprobs_is_bounded_and_chat_models_lack_it(server):
    with pytest.raises(ValueError, match="logprobs"):
        llm.get_model("3.5-instruct").prompt("x", logprobs=9).text()
    with pytest.raises(ValueError, match="logprobs"):
        llm.get_model("4o-mini").prompt("x", logprobs=2).text()
    assert server.requests == []


def test_completion_conversation_joins_history(server):
    server.reply("one")
    server.reply("two")
    conversation = llm.get_model("3.5-instruct").conversation()
    conversation.prompt("First").text()
    conversation.prompt("Second").text()
    assert server.requests[1].body["prompt"] == "First\none\nSecond"


def test_completion_refuses_system_prompt(server):
    with pytest.raises(llm.ModelError, match="System prompts are not supported"):
        llm.get_model("3.5-instruct").prompt("x", system="s").text()


def test_async_completion(server):
    server.reply(["a", "b"])

    async def run():
        response = llm.get_async_model("3.5-instruct").prompt("x")
        return await response.text(), await response.usage()

    text, usage = asyncio.run(run())
    assert text == "ab"
    assert usage.output == 2
    assert server.requests[0].path == "/v1/completions"
