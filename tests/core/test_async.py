"""Async models and responses (spec: python-api.md "Async models", advanced-model-plugins.md)."""

from __future__ import annotations

import llm
import pytest

pytestmark = pytest.mark.asyncio


async def test_await_model_prompt(fixtures):
    model = llm.get_async_model("mock")
    response = await model.prompt("Five surprising names for a pet pelican")
    assert isinstance(response, llm.AsyncResponse)
    assert await response.text() == "mock: Five surprising names for a pet pelican"


async def test_async_for_streams_chunks(fixtures):
    fixtures.async_mock.enqueue(["a", "b", "c"])
    chunks = [chunk async for chunk in fixtures.async_mock.prompt("hi")]
    assert chunks == ["a", "b", "c"]


async def test_async_response_is_lazy(fixtures):
    response = fixtures.async_mock.prompt("hi")
    assert fixtures.async_mock.history == []
    assert await response.text() == "mock: hi"
    assert len(fixtures.async_mock.history) == 1
    assert await response.text() == "mock: hi"
    assert len(fixtures.async_mock.history) == 1


async def test_async_repr_before_and_after(fixtures):
    response = fixtures.async_mock.prompt("hi")
    assert repr(response) == "<AsyncResponse prompt='hi' text='... not yet done ...'>"
    await response.text()
    assert repr(response) == "<AsyncResponse prompt='hi' text='mock: hi'>"


async def test_async_stream_false(fixtures):
    await fixtures.async_mock.prompt("hi", stream=False).text()
    assert fixtures.async_mock.history[0][1] is False
    await fixtures.async_mock.prompt("hi").text()
    assert fixtures.async_mock.history[1][1] is True


async def test_async_usage(fixtures):
    fixtures.async_mock.enqueue(["x", "y"])
    response = fixtures.async_mock.prompt("two words")
    usage = await response.usage()
    assert usage == llm.Usage(input=2, output=2, details=None)


async def test_async_json():
    class JsonAsync(llm.AsyncModel):
        model_id = "json-async"

        async def execute(self, prompt, stream, response, conversation):
            response.response_json = {"ok": True}
            yield "x"

    response = JsonAsync().prompt("x")
    assert await response.json() == {"ok": True}


async def test_async_options(fixtures):
    await fixtures.async_mock.prompt("hi", temperature=0.3).text()
    assert fixtures.async_mock.history[0][0].options.temperature == 0.3


async def test_async_on_done_with_async_callback(fixtures):
    response = fixtures.async_mock.prompt("a short poem about a brick")
    seen = []

    async def done(r):
        seen.append((await r.usage(), await r.text()))

    await response.on_done(done)
    assert seen == []
    assert await response.text() == "mock: a short poem about a brick"
    assert seen == [(llm.Usage(input=6, output=1), "mock: a short poem about a brick")]


async def test_async_on_done_with_sync_callback(fixtures):
    response = fixtures.async_mock.prompt("hi")
    seen = []
    await response.on_done(lambda r: seen.append(r.text_or_raise()))
    await response.text()
    assert seen == ["mock: hi"]


async def test_async_on_done_after_completion(fixtures):
    response = fixtures.async_mock.prompt("hi")
    await response.text()
    seen = []
    await response.on_done(lambda r: seen.append("called"))
    assert seen == ["called"]


async def test_async_conversation(fixtures):
    conversation = fixtures.async_mock.conversation()
    assert isinstance(conversation, llm.AsyncConversation)
    r1 = conversation.prompt("one")
    assert await r1.text() == "mock: one"
    r2 = conversation.prompt("two")
    assert await r2.text() == "mock: two"
    assert conversation.responses == [r1, r2]
    assert [h[3] for h in fixtures.async_mock.history] == [conversation, conversation]


async def test_async_hello_world_returning_a_list():
    """plugin-hooks.md: ``async def execute(self, prompt, stream, response): return [...]``."""

    class AsyncHelloWorld(llm.AsyncModel):
        model_id = "helloworld"

        async def execute(self, prompt, stream, response):
            return ["hello world"]

    assert await AsyncHelloWorld().prompt("hi").text() == "hello world"


async def test_async_three_argument_generator():
    class Old(llm.AsyncModel):
        model_id = "old-async"

        async def execute(self, prompt, stream, response):
            yield "old:"
            yield prompt.prompt

    assert await Old().prompt("x").text() == "old:x"


async def test_async_key_model_explicit_key(async_keyed):
    assert await async_keyed.prompt("x", key="sk-explicit").text() == "async key=sk-explicit"


async def test_async_key_model_stored_key_name(async_keyed):
    llm.set_key("personal", "sk-personal")
    assert await async_keyed.prompt("x", key="personal").text() == "async key=sk-personal"


async def test_async_key_model_key_attribute_keys_json_and_env(async_keyed, monkeypatch):
    monkeypatch.setenv("KEYED_API_KEY", "sk-env")
    assert await async_keyed.prompt("x").text() == "async key=sk-env"
    llm.set_key("keyed", "sk-stored")
    assert await async_keyed.prompt("x").text() == "async key=sk-stored"
    async_keyed.key = "sk-attribute"
    assert await async_keyed.prompt("x").text() == "async key=sk-attribute"


async def test_async_key_model_without_key(async_keyed):
    response = async_keyed.prompt("x")
    with pytest.raises(llm.NeedsKeyError) as excinfo:
        await response.text()
    assert "keyed" in str(excinfo.value)
    assert "KEYED_API_KEY" in str(excinfo.value)


async def test_async_attachment_types_checked(fixtures, media):
    class PngOnly(llm.AsyncModel):
        model_id = "png-only"
        attachment_types = {"image/png"}  # noqa: RUF012 - the plugin API idiom
        calls = 0

        async def execute(self, prompt, stream, response, conversation):
            PngOnly.calls += 1
            yield "x"

    with pytest.raises(ValueError) as excinfo:
        await PngOnly().prompt("x", attachments=[llm.Attachment(content=media.jpeg)]).text()
    assert "image/jpeg" in str(excinfo.value)
    assert PngOnly.calls == 0
