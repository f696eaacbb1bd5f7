"""Model base classes: execute() signatures, keys, attachments, options
(spec: plugins/tutorial-model-plugin.md, advanced-model-plugins.md, python-api.md)."""

from __future__ import annotations

import json

import llm
import pydantic
import pytest
from llm.options import describe_validation_error
from pydantic import Field

# -- execute() signatures ---------------------------------------------------------------


class FourArgs(llm.Model):
    model_id = "four-args"
    can_stream = True

    def __init__(self):
        self.calls = []

    def execute(self, prompt, stream, response, conversation):
        self.calls.append({"prompt": prompt, "stream": stream, "response": response,
                           "conversation": conversation})
        yield "four:" + (prompt.prompt or "")


class ThreeArgs(llm.Model):
    """Written for releases before conversations were passed to execute()."""

    model_id = "three-args"

    def __init__(self):
        self.calls = []

    def execute(self, prompt, stream, response):
        self.calls.append((prompt, stream, response))
        return ["three:", prompt.prompt]


class DefaultConversation(llm.Model):
    model_id = "default-conversation"

    def execute(self, prompt, stream, response, conversation=None):
        yield f"conversation={conversation is not None}"


def test_execute_with_conversation_argument():
    model = FourArgs()
    response = model.prompt("hi")
    assert response.text() == "four:hi"
    [call] = model.calls
    assert call["prompt"] is response.prompt
    assert call["response"] is response
    assert call["conversation"] is None
    assert call["stream"] is True


def test_execute_conversation_passed_for_conversation_prompts():
    model = FourArgs()
    conversation = model.conversation()
    conversation.prompt("one").text()
    assert model.calls[0]["conversation"] is conversation


def test_execute_without_conversation_argument():
    model = ThreeArgs()
    response = model.prompt("hi")
    assert response.text() == "three:hi"
    [(prompt, stream, passed)] = model.calls
    assert prompt.prompt == "hi"
    assert passed is response
    # The tutorial: "Add can_stream = True ... This tells LLM that the model is able to
    # stream": a model that does not say so is not asked to stream.
    assert stream is False


def test_execute_without_conversation_argument_in_a_conversation():
    model = ThreeArgs()
    conversation = model.conversation()
    assert conversation.prompt("a").text() == "three:a"
    assert conversation.prompt("b").text() == "three:b"
    assert len(model.calls) == 2


def test_execute_with_conversation_keyword_default():
    model = DefaultConversation()
    assert model.prompt("x").text() == "conversation=False"
    assert model.conversation().prompt("x").text() == "conversation=True"


def test_stream_false_when_model_cannot_stream(fixtures):
    class NoStream(FourArgs):
        model_id = "no-stream"
        can_stream = False

    model = NoStream()
    model.prompt("x").text()
    assert model.calls[0]["stream"] is False


def test_can_stream_defaults_to_false():
    assert llm.Model.can_stream is False
    assert FourArgs.can_stream is True


def test_stream_false_when_caller_asks_for_it():
    model = FourArgs()
    model.prompt("x", stream=False).text()
    assert model.calls[0]["stream"] is False


def test_prompt_attributes_given_to_execute():
    model = FourArgs()
    model.prompt("hello", system="be nice").text()
    prompt = model.calls[0]["prompt"]
    assert isinstance(prompt, llm.Prompt)
    assert prompt.prompt == "hello"
    assert prompt.system == "be nice"
    assert prompt.attachments == []
    assert prompt.model is model
    assert isinstance(prompt.options, model.Options)


def test_prompt_with_only_attachments_has_empty_prompt(fixtures, png_bytes):
    # An older docs page says None; the newest plugins (llm-echo 0.5 calls
    # prompt.prompt.strip() on tool-result turns) need a string, so it is "".
    # Plugins written either way work: `if prompt.prompt:` is false for both.
    fixtures.mock.prompt(attachments=[llm.Attachment(content=png_bytes)]).text()
    prompt = fixtures.mock.history[0][0]
    assert prompt.prompt == ""
    assert len(prompt.attachments) == 1


# -- keys -------------------------------------------------------------------------------


def test_key_model_explicit_key(fixtures):
    assert fixtures.keyed.prompt("hi", key="sk-explicit").text() == "key=sk-explicit"


def test_key_model_explicit_key_name_of_stored_key(fixtures):
    llm.set_key("personal", "sk-personal")
    assert fixtures.keyed.prompt("hi", key="personal").text() == "key=sk-personal"


def test_key_model_model_key_attribute(fixtures, monkeypatch):
    llm.set_key("keyed", "sk-stored")
    monkeypatch.setenv("KEYED_API_KEY", "sk-env")
    monkeypatch.setattr(fixtures.keyed, "key", "sk-attribute")
    assert fixtures.keyed.prompt("hi").text() == "key=sk-attribute"
    # An explicit key beats model.key.
    assert fixtures.keyed.prompt("hi", key="sk-explicit").text() == "key=sk-explicit"


def test_key_model_stored_key_beats_environment(fixtures, monkeypatch):
    llm.set_key("keyed", "sk-stored")
    monkeypatch.setenv("KEYED_API_KEY", "sk-env")
    assert fixtures.keyed.prompt("hi").text() == "key=sk-stored"


def test_key_model_environment_variable(fixtures, monkeypatch):
    monkeypatch.setenv("KEYED_API_KEY", "sk-env")
    assert fixtures.keyed.prompt("hi").text() == "key=sk-env"


def test_key_model_without_key_raises_needs_key_error(fixtures):
    response = fixtures.keyed.prompt("hi")  # lazy: nothing raised yet
    with pytest.raises(llm.NeedsKeyError) as excinfo:
        response.text()
    message = str(excinfo.value)
    assert "keyed" in message
    assert "KEYED_API_KEY" in message
    assert isinstance(excinfo.value, llm.ModelError)


def test_model_get_key(fixtures, monkeypatch):
    assert fixtures.keyed.get_key("sk-x") == "sk-x"
    monkeypatch.setenv("KEYED_API_KEY", "sk-env")
    assert fixtures.keyed.get_key() == "sk-env"
    assert fixtures.mock.get_key() is None  # needs_key is None: no key needed


def test_model_get_key_needs_key_error_without_env_var(fixtures):
    class NoEnv(llm.KeyModel):
        model_id = "no-env"
        needs_key = "noenv"

        def execute(self, prompt, stream, response, conversation, key):
            yield key

    with pytest.raises(llm.NeedsKeyError) as excinfo:
        NoEnv().prompt("x").text()
    assert "noenv" in str(excinfo.value)


def test_key_model_execute_with_key_keyword_default(monkeypatch):
    class Hosted(llm.KeyModel):
        model_id = "hosted"
        needs_key = "hosted"
        key_env_var = "HOSTED_API_KEY"

        def execute(self, prompt, stream, response, conversation, key=None):
            yield f"hosted key={key}"

    monkeypatch.setenv("HOSTED_API_KEY", "sk-hosted")
    assert Hosted().prompt("x").text() == "hosted key=sk-hosted"


def test_plain_model_with_needs_key_uses_self_get_key(fixtures, monkeypatch):
    """Plugins written before KeyModel existed call ``self.get_key()`` in execute()."""

    class Legacy(llm.Model):
        model_id = "legacy"
        needs_key = "legacy"
        key_env_var = "LEGACY_API_KEY"

        def execute(self, prompt, stream, response, conversation):
            yield f"legacy key={self.get_key()}"

    model = Legacy()
    with pytest.raises(llm.NeedsKeyError) as excinfo:
        model.prompt("x").text()
    assert "legacy" in str(excinfo.value) and "LEGACY_API_KEY" in str(excinfo.value)
    monkeypatch.setenv("LEGACY_API_KEY", "sk-env")
    assert model.prompt("x").text() == "legacy key=sk-env"
    llm.set_key("legacy", "sk-stored")
    assert model.prompt("x").text() == "legacy key=sk-stored"
    model.key = "sk-attribute"
    assert model.prompt("x").text() == "legacy key=sk-attribute"


# -- attachments --------------------------------------------------------------------------


def test_attachment_types_checked_before_execution(fixtures, media):
    echo = fixtures.echo  # accepts image/png and image/jpeg only
    calls = []
    original = type(echo).execute

    def spy(self, *args, **kwargs):
        calls.append(args)
        return original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(type(echo), "execute", spy)
        with pytest.raises(ValueError) as excinfo:
            echo.prompt("describe", attachments=[llm.Attachment(content=media.wav)]).text()
    assert calls == []
    message = str(excinfo.value)
    assert "audio/wav" in message
    assert "image/png" in message and "image/jpeg" in message


def test_attachment_types_checked_for_conversation_prompts(fixtures, media):
    conversation = fixtures.echo.conversation()
    with pytest.raises(ValueError) as excinfo:
        conversation.prompt("x", attachments=[llm.Attachment(content=media.mp3)]).text()
    assert "audio/mpeg" in str(excinfo.value)
    assert conversation.responses == []


def test_attachment_error_is_a_value_error_subclass(fixtures, media):
    with pytest.raises(llm.AttachmentError):
        fixtures.echo.prompt("x", attachments=[llm.Attachment(content=media.mp3)]).text()


def test_model_without_attachment_types_refuses_attachments(fixtures, png_bytes):
    with pytest.raises(ValueError) as excinfo:
        fixtures.keyed.prompt("x", key="k", attachments=[llm.Attachment(content=png_bytes)]).text()
    assert "attachment" in str(excinfo.value).lower()


def test_accepted_attachment_reaches_execute(fixtures, png_bytes):
    response = fixtures.echo.prompt("describe", attachments=[llm.Attachment(content=png_bytes)])
    data = json.loads(response.text())
    import hashlib

    assert data["attachments"] == [
        {"type": "image/png", "id": hashlib.sha256(png_bytes).hexdigest()}
    ]
    assert response.attachments[0].content == png_bytes


def test_explicit_attachment_type_is_checked(fixtures, png_bytes):
    with pytest.raises(ValueError) as excinfo:
        fixtures.echo.prompt(
            "x", attachments=[llm.Attachment(type="image/gif", content=png_bytes)]
        ).text()
    assert "image/gif" in str(excinfo.value)


# -- options ----------------------------------------------------------------------------


def test_options_as_keyword_arguments(fixtures):
    fixtures.mock.prompt("hi", temperature=0.5, max_tokens=10).text()
    options = fixtures.mock.history[0][0].options
    assert isinstance(options, fixtures.mock.Options)
    assert options.temperature == 0.5
    assert options.max_tokens == 10


def test_options_as_options_dict(fixtures):
    fixtures.mock.prompt("hi", options={"temperature": 1.5}).text()
    options = fixtures.mock.history[0][0].options
    assert options.temperature == 1.5
    assert options.max_tokens is None


def test_options_reach_execute_exactly(fixtures):
    data = json.loads(fixtures.echo.prompt("hi", max_tokens=3).text())
    assert data["options"] == {"max_tokens": 3}


def test_options_are_coerced_by_pydantic(fixtures):
    fixtures.mock.prompt("hi", max_tokens="12").text()
    assert fixtures.mock.history[0][0].options.max_tokens == 12


def test_invalid_option_value_names_the_option(fixtures):
    with pytest.raises(pydantic.ValidationError) as excinfo:
        fixtures.mock.prompt("hi", temperature=5).text()
    message = describe_validation_error(excinfo.value)
    assert message.startswith("temperature: ")
    assert "less than or equal to 2" in message
    assert fixtures.mock.history == []


def test_unknown_option_names_the_option(fixtures):
    with pytest.raises(pydantic.ValidationError) as excinfo:
        fixtures.mock.prompt("hi", bogus=1).text()
    message = describe_validation_error(excinfo.value)
    assert message.startswith("bogus: ")
    assert "not permitted" in message


def test_describe_validation_error_lists_every_problem(fixtures):
    with pytest.raises(pydantic.ValidationError) as excinfo:
        fixtures.mock.Options(temperature="hot", max_tokens="many")
    message = describe_validation_error(excinfo.value)
    assert "temperature: " in message
    assert "max_tokens: " in message


def test_options_subclass_with_validator():
    class WithOptions(llm.Model):
        model_id = "with-options"

        class Options(llm.Options):
            length: int | None = Field(description="Number of words", default=None)

            @pydantic.field_validator("length")
            def validate_length(cls, length):
                if length is None:
                    return None
                if length < 2:
                    raise ValueError("length must be >= 2")
                return length

        def execute(self, prompt, stream, response, conversation):
            yield f"length={prompt.options.length}"

    model = WithOptions()
    assert model.prompt("x", length=4).text() == "length=4"
    assert model.prompt("x").text() == "length=None"
    with pytest.raises(pydantic.ValidationError) as excinfo:
        model.prompt("x", length=1).text()
    assert describe_validation_error(excinfo.value).startswith("length: ")
    assert "length must be >= 2" in describe_validation_error(excinfo.value)


def test_options_base_class_fields_default_to_none():
    class O(llm.Options):
        a: int | None = None

    assert O().a is None
    with pytest.raises(pydantic.ValidationError):
        O(unknown=1)
