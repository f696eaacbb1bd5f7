"""Responses: laziness, streaming, text, json, usage, callbacks, timing, fake
(spec: python-api.md, advanced-model-plugins.md, plugin-utilities.md)."""

from __future__ import annotations

import datetime
import json
import time

import llm
import pytest


def test_response_is_lazy(fixtures):
    response = fixtures.mock.prompt("hi")
    assert isinstance(response, llm.Response)
    assert fixtures.mock.history == []
    assert response.text() == "mock: hi"
    assert len(fixtures.mock.history) == 1


def test_repr_before_and_after_evaluation(fixtures):
    response = fixtures.mock.prompt("Five surprising names for a pet pelican")
    assert repr(response) == (
        "<Response prompt='Five surprising names for a pet pelican' text='... not yet done ...'>"
    )
    assert fixtures.mock.history == []  # repr does not evaluate
    response.text()
    assert repr(response) == (
        "<Response prompt='Five surprising names for a pet pelican' "
        "text='mock: Five surprising names for a pet pelican'>"
    )


def test_str_returns_the_text(fixtures):
    fixtures.mock.enqueue(["Hello", ", ", "world"])
    response = fixtures.mock.prompt("hi")
    assert str(response) == "Hello, world"
    assert f"{response}" == "Hello, world"


def test_iteration_yields_the_chunks(fixtures):
    fixtures.mock.enqueue(["a", "b", "c"])
    response = fixtures.mock.prompt("hi")
    assert list(response) == ["a", "b", "c"]
    assert response.text() == "abc"
    assert len(fixtures.mock.history) == 1  # text() after iterating does not re-run


def test_text_is_stable_and_executes_once(fixtures):
    fixtures.mock.enqueue(["one"])
    response = fixtures.mock.prompt("hi")
    assert response.text() == "one"
    assert response.text() == "one"
    assert str(response) == "one"
    assert list(response) == ["one"]
    assert len(fixtures.mock.history) == 1


def test_iteration_streams_as_chunks_arrive():
    events = []

    class Streamer(llm.Model):
        model_id = "streamer"
        can_stream = True

        def execute(self, prompt, stream, response, conversation):
            events.append("start")
            yield "a"
            events.append("after a")
            yield "b"
            events.append("end")

    iterator = iter(Streamer().prompt("x"))
    assert events == []
    assert next(iterator) == "a"
    assert events == ["start"]
    assert next(iterator) == "b"
    assert events == ["start", "after a"]
    with pytest.raises(StopIteration):
        next(iterator)
    assert events == ["start", "after a", "end"]


def test_response_attributes(fixtures, png_bytes):
    attachment = llm.Attachment(content=png_bytes)
    response = fixtures.mock.prompt("hi", system="sys", attachments=[attachment])
    assert response.model is fixtures.mock
    assert response.prompt.prompt == "hi"
    assert response.prompt.system == "sys"
    assert response.attachments == [attachment]


def test_json_and_response_json():
    class JsonModel(llm.Model):
        model_id = "json-model"

        def execute(self, prompt, stream, response, conversation):
            yield "text"
            response.response_json = {"id": "abc", "usage": {"total": 3}}

    response = JsonModel().prompt("x")
    assert response.json() == {"id": "abc", "usage": {"total": 3}}  # forces evaluation
    assert response.response_json == {"id": "abc", "usage": {"total": 3}}
    assert response.text() == "text"


def test_json_is_none_when_model_sets_nothing(fixtures):
    response = fixtures.mock.prompt("x")
    assert response.json() is None


def test_usage(fixtures):
    fixtures.mock.enqueue(["a", "b"])
    response = fixtures.mock.prompt("three word prompt")
    usage = response.usage()  # forces evaluation
    assert isinstance(usage, llm.Usage)
    assert usage == llm.Usage(input=3, output=2, details=None)
    assert (usage.input, usage.output, usage.details) == (3, 2, None)
    assert response.text() == "ab"


def test_set_usage_with_details():
    class Counting(llm.Model):
        model_id = "counting"

        def execute(self, prompt, stream, response, conversation):
            yield "x"
            response.set_usage(input=15, output=340, details={"cached": 37})

    assert Counting().prompt("x").usage() == llm.Usage(input=15, output=340,
                                                         details={"cached": 37})


def test_usage_unset_is_empty():
    class Silent(llm.Model):
        model_id = "silent"

        def execute(self, prompt, stream, response, conversation):
            yield "x"

    assert Silent().prompt("x").usage() == llm.Usage(input=None, output=None, details=None)


def test_plugins_may_set_extra_attributes_on_responses():
    class Extra(llm.Model):
        model_id = "extra"

        def execute(self, prompt, stream, response, conversation):
            response.my_plugin_state = {"seen": True}
            yield "x"

    response = Extra().prompt("x")
    response.text()
    assert response.my_plugin_state == {"seen": True}


def test_model_error_from_execute_propagates():
    class Failing(llm.Model):
        model_id = "failing"

        def execute(self, prompt, stream, response, conversation):
            yield "partial"
            raise llm.ModelError("provider said no")

    response = Failing().prompt("x")
    with pytest.raises(llm.ModelError) as excinfo:
        response.text()
    assert str(excinfo.value) == "provider said no"


# -- on_done ----------------------------------------------------------------------------


def test_on_done_called_once_after_all_chunks(fixtures):
    fixtures.mock.enqueue(["a", "b"])
    response = fixtures.mock.prompt("hi")
    seen = []
    response.on_done(lambda r: seen.append((r, r.text_or_raise(), r.usage())))
    assert seen == []
    chunks = []
    for chunk in response:
        chunks.append(chunk)
        assert seen == []  # not before the end
    assert chunks == ["a", "b"]
    assert seen == [(response, "ab", llm.Usage(input=1, output=2))]
    response.text()
    assert len(seen) == 1


def test_on_done_after_completion_calls_immediately(fixtures):
    response = fixtures.mock.prompt("hi")
    response.text()
    seen = []
    response.on_done(lambda r: seen.append(r.text()))
    assert seen == ["mock: hi"]


def test_several_on_done_callbacks_run_in_order(fixtures):
    response = fixtures.mock.prompt("hi")
    order = []
    response.on_done(lambda r: order.append(1))
    response.on_done(lambda r: order.append(2))
    response.text()
    assert order == [1, 2]


# -- timing ----------------------------------------------------------------------------


class Slow(llm.Model):
    model_id = "slow"

    def execute(self, prompt, stream, response, conversation):
        time.sleep(0.12)
        yield "done"


def test_duration_ms():
    response = Slow().prompt("x")
    response.text()
    duration = response.duration_ms()
    assert isinstance(duration, int)
    assert 120 <= duration < 5000


def test_datetime_utc_is_when_the_response_started():
    before = datetime.datetime.now(datetime.timezone.utc)
    response = Slow().prompt("x")
    response.text()
    after = datetime.datetime.now(datetime.timezone.utc)
    value = response.datetime_utc()
    assert isinstance(value, str)
    parsed = datetime.datetime.fromisoformat(value)
    assert parsed.utcoffset() == datetime.timedelta(0)
    assert before <= parsed <= after
    # It is the start time: at least the execution time before "after".
    assert (after - parsed) >= datetime.timedelta(milliseconds=100)


# -- text_or_raise ------------------------------------------------------------------------


def test_text_or_raise_on_completed_sync_response(fixtures):
    response = fixtures.mock.prompt("hi")
    response.text()
    assert response.text_or_raise() == "mock: hi"


def test_text_or_raise_on_sync_response_not_yet_evaluated(fixtures):
    """Only an unresolved *AsyncResponse* raises (advanced-model-plugins.md); a sync
    response can always produce its text."""
    response = fixtures.mock.prompt("hi")
    assert response.text_or_raise() == "mock: hi"


@pytest.mark.asyncio
async def test_text_or_raise_on_async_response_before_and_after(fixtures):
    response = fixtures.async_mock.prompt("hi")
    with pytest.raises(ValueError):
        response.text_or_raise()
    await response.text()
    assert response.text_or_raise() == "mock: hi"


# -- Response.fake ----------------------------------------------------------------------


def test_fake_positional_model_prompt_system_response(fixtures):
    fake = llm.Response.fake(fixtures.mock, "prompt 1", "system 1", "response 1")
    assert isinstance(fake, llm.Response)
    assert fake.prompt.prompt == "prompt 1"
    assert fake.prompt.system == "system 1"
    assert fake.model is fixtures.mock
    assert fake.text() == "response 1"
    assert fake.text_or_raise() == "response 1"
    assert str(fake) == "response 1"
    assert fixtures.mock.history == []  # never executed


def test_fake_responses_as_conversation_history(fixtures):
    model = fixtures.echo
    conversation = model.conversation()
    conversation.responses = [
        llm.Response.fake(model, "prompt 1", "system 1", "response 1"),
        llm.Response.fake(model, "prompt 2", None, "response 2"),
    ]
    data = json.loads(conversation.prompt("prompt 3").text())
    assert data["prompt"] == "prompt 3"
    # No system prompt: the docs only require it to be falsy here (None or "").
    for item in data["history"]:
        item["system"] = item["system"] or None
    assert data["history"] == [
        {"prompt": "prompt 1", "system": "system 1", "response": "response 1"},
        {"prompt": "prompt 2", "system": None, "response": "response 2"},
    ]


def test_build_prompt_style_plugin_with_fake_responses(fixtures):
    """The llm-mpt30b example from plugin-utilities.md, in miniature."""

    class Mpt(llm.Model):
        model_id = "mpt-like"

        def build_prompt(self, prompt, conversation):
            lines = []
            for r in conversation.responses:
                if r.prompt.system:
                    lines.append(f"system:{r.prompt.system}")
                lines.append(f"user:{r.prompt.prompt}")
                lines.append(f"assistant:{r.text()}")
            lines.append(f"user:{prompt.prompt}")
            return lines

        def execute(self, prompt, stream, response, conversation):
            yield "\n".join(self.build_prompt(prompt, conversation))

    model = Mpt()
    conversation = model.conversation()
    conversation.responses = [
        llm.Response.fake(model, "prompt 1", "system 1", "response 1"),
        llm.Response.fake(model, "prompt 2", None, "response 2"),
    ]
    assert model.build_prompt(llm.Prompt("prompt 3", model), conversation) == [
        "system:system 1",
        "user:prompt 1",
        "assistant:response 1",
        "user:prompt 2",
        "assistant:response 2",
        "user:prompt 3",
    ]
