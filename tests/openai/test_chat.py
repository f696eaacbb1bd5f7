"""Chat models against the scripted server: the exact JSON sent, what comes back."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

import llm

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
    "AAAABJRU5ErkJggg=="
)
PNG_B64 = base64.b64encode(PNG).decode()
WAV = (b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00D\xac\x00\x00"
       b"\x88X\x01\x00\x02\x00\x10\x00data\x00\x00\x00\x00")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_streamed_prompt_sends_exact_json(server):
    server.reply(["Hel", "lo", "!"], usage={"prompt_tokens": 9, "completion_tokens": 3})
    model = llm.get_model("4o-mini")
    response = model.prompt("Say hi", system="Be brief")
    assert list(response) == ["Hel", "lo", "!"]
    [request] = server.requests
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions"
    assert request.header("Authorization") == "Bearer sk-test-key"
    assert request.body == {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Be brief"},
            {"role": "user", "content": "Say hi"},
        ],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    usage = response.usage()
    assert (usage.input, usage.output, usage.details) == (9, 3, None)


def test_streamed_response_json_combines_chunks(server):
    server.reply(["a", "b"], usage={"prompt_tokens": 2, "completion_tokens": 2,
                                    "completion_tokens_details": {"reasoning_tokens": 0,
                                                                  "audio_tokens": 0},
                                    "prompt_tokens_details": {"cached_tokens": 1}},
                 system_fingerprint="fp_1")
    response = llm.get_model("gpt-4o").prompt("x")
    assert response.text() == "ab"
    data = response.json()
    created = data.pop("created")
    assert isinstance(created, int)
    assert data == {
        "content": "ab",
        "role": "assistant",
        "finish_reason": "stop",
        "id": "chatcmpl-0001",
        "object": "chat.completion.chunk",
        "model": "gpt-4o",
        "system_fingerprint": "fp_1",
        "usage": {"prompt_tokens": 2, "completion_tokens": 2, "total_tokens": 4,
                  "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
                  "prompt_tokens_details": {"cached_tokens": 1}},
    }
    # Zero counts are dropped from the recorded details.
    assert response.usage().details == {"prompt_tokens_details": {"cached_tokens": 1}}


def test_non_streaming_prompt(server):
    server.reply("Hello there", usage={"prompt_tokens": 4, "completion_tokens": 2})
    response = llm.get_model("gpt-4o").prompt("hi", stream=False)
    assert list(response) == ["Hello there"]
    body = server.requests[0].body
    assert body == {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],
                    "stream": False}
    assert response.json()["choices"][0]["message"]["content"] == "Hello there"
    assert response.json()["object"] == "chat.completion"
    assert response.usage().input == 4
    assert response.usage().output == 2


def test_options_are_sent(server):
    model = llm.get_model("gpt-4o-mini")
    response = model.prompt(
        "hi", temperature=0.5, max_tokens=20, top_p=0.9, frequency_penalty=-1.5,
        presence_penalty=2, stop="\n", logit_bias='{"1712": -100, "892": 5}', seed=7,
        json_object=True,
    )
    response.text()
    body = server.requests[0].body
    assert {k: v for k, v in body.items() if k not in ("messages", "model")} == {
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 0.5,
        "max_tokens": 20,
        "top_p": 0.9,
        "frequency_penalty": -1.5,
        "presence_penalty": 2.0,
        "stop": "\n",
        "logit_bias": {"1712": -100, "892": 5},
        "seed": 7,
        "response_format": {"type": "json_object"},
    }


def test_logit_bias_accepts_a_dict(server):
    llm.get_model("4o").prompt("hi", logit_bias={1712: -100}).text()
    assert server.requests[0].body["logit_bias"] == {"1712": -100}


@pytest.mark.parametrize(
    "options,message",
    [
        ({"temperature": 2.5}, "temperature"),
        ({"temperature": -0.1}, "temperature"),
        ({"frequency_penalty": 3}, "frequency_penalty"),
        ({"presence_penalty": -2.1}, "presence_penalty"),
        ({"top_p": 1.5}, "top_p"),
        ({"logit_bias": "not json"}, "Invalid JSON in logit_bias string"),
        ({"logit_bias": '{"abc": 1}'}, "not an integer token id"),
        ({"logit_bias": '{"1": 101}'}, "between -100 and 100"),
        ({"max_tokens": "lots"}, "max_tokens"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_invalid_options_rejected_before_any_request(server, options, message):
    with pytest.raises(ValueError) as excinfo:
        llm.get_model("4o-mini").prompt("hi", **options).text()
    assert message in str(excinfo.value)
    assert server.requests == []


def test_reasoning_models_have_reasoning_effort_and_max_completion_tokens(server):
    model = llm.get_model("o3-mini")
    assert "reasoning_effort" in model.Options.model_fields
    assert "reasoning_effort" not in llm.get_model("gpt-4o").Options.model_fields
    assert "reasoning_effort" not in llm.get_model("o1-mini").Options.model_fields
    model.prompt("think", reasoning_effort="high", max_tokens=100).text()
    body = server.requests[0].body
    assert body["reasoning_effort"] == "high"
    assert body["max_completion_tokens"] == 100
    assert "max_tokens" not in body
    with pytest.raises(ValueError, match="reasoning_effort"):
        model.prompt("think", reasoning_effort="extreme").text()


def test_o1_mini_refuses_system_prompts(server):
    with pytest.raises(llm.ModelError, match="does not support system prompts"):
        llm.get_model("o1-mini").prompt("hi", system="be nice").text()
    assert server.requests == []


def test_conversation_history_is_sent(server):
    server.reply("Paris")
    server.reply("Berlin")
    server.reply("Rome")
    model = llm.get_model("4o-mini")
    conversation = model.conversation()
    assert conversation.prompt("Capital of France?", system="Be terse").text() == "Paris"
    assert conversation.prompt("And Germany?", system="Be terse").text() == "Berlin"
    assert conversation.prompt("And Italy?", stream=False).text() == "Rome"
    assert server.requests[1].body["messages"] == [
        {"role": "system", "content": "Be terse"},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris"},
        {"role": "user", "content": "And Germany?"},
    ]
    assert server.requests[2].body["messages"] == [
        {"role": "system", "content": "Be terse"},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris"},
        {"role": "user", "content": "And Germany?"},
        {"role": "assistant", "content": "Berlin"},
        {"role": "user", "content": "And Italy?"},
    ]


def test_image_attachments_as_data_url_and_url(server):
    model = llm.get_model("4o-mini")
    assert model.attachment_types == {"image/png", "image/jpeg", "image/webp", "image/gif"}
    model.prompt(
        "Describe these",
        attachments=[
            llm.Attachment(content=PNG),
            llm.Attachment(url="https://example.com/pelican.jpg", type="image/jpeg"),
        ],
    ).text()
    assert server.requests[0].body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Describe these"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}},
                {"type": "image_url", "image_url": {"url": "https://example.com/pelican.jpg"}},
            ],
        }
    ]


def test_attachment_without_prompt_text(server, tmp_path):
    path = tmp_path / "pixel.png"
    path.write_bytes(PNG)
    llm.get_model("4o").prompt(attachments=[llm.Attachment(path=str(path))]).text()
    assert server.requests[0].body["messages"] == [
        {"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}}]}
    ]


def test_audio_attachment_is_inline_base64(server):
    model = llm.get_model("gpt-4o-audio-preview")
    assert model.attachment_types == {"audio/wav", "audio/mpeg"}
    model.prompt("Transcribe", attachments=[
        llm.Attachment(content=WAV, type="audio/wav"),
        llm.Attachment(content=b"ID3fake-mp3", type="audio/mpeg"),
    ]).text()
    assert server.requests[0].body["messages"][0]["content"] == [
        {"type": "text", "text": "Transcribe"},
        {"type": "input_audio",
         "input_audio": {"data": base64.b64encode(WAV).decode(), "format": "wav"}},
        {"type": "input_audio",
         "input_audio": {"data": base64.b64encode(b"ID3fake-mp3").decode(), "format": "mp3"}},
    ]


def test_pdf_attachment_as_file_part(server, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(PDF)
    model = llm.get_model("gpt-4.1-mini")
    assert "application/pdf" in model.attachment_types
    model.prompt("Summarise", attachments=[llm.Attachment(path=str(path),
                                                          type="application/pdf")]).text()
    assert server.requests[0].body["messages"][0]["content"][1] == {
        "type": "file",
        "file": {"filename": "report.pdf",
                 "file_data": "data:application/pdf;base64," + base64.b64encode(PDF).decode()},
    }


def test_unsupported_attachment_type_refused(server):
    with pytest.raises(ValueError, match="does not support attachments"):
        llm.get_model("gpt-3.5-turbo").prompt(
            "x", attachments=[llm.Attachment(content=PNG, type="image/png")]).text()
    assert server.requests == []


def test_history_includes_earlier_attachments(server):
    server.reply("A pixel")
    server.reply("Yes")
    conversation = llm.get_model("4o-mini").conversation()
    conversation.prompt("What is this?", attachments=[llm.Attachment(content=PNG)]).text()
    conversation.prompt("Are you sure?").text()
    assert server.requests[1].body["messages"] == [
        {"role": "user", "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}},
        ]},
        {"role": "assistant", "content": "A pixel"},
        {"role": "user", "content": "Are you sure?"},
    ]


def test_prompt_json_is_recorded_with_data_redacted(server):
    response = llm.get_model("4o-mini").prompt("look", attachments=[llm.Attachment(content=PNG)])
    response.text()
    assert response.prompt.prompt_json == {"messages": [{"role": "user", "content": [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,..."}},
    ]}]}


def test_key_from_prompt_argument_and_keys_json(server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    model = llm.get_model("4o-mini")
    model.prompt("hi", key="sk-explicit").text()
    assert server.requests[-1].header("Authorization") == "Bearer sk-explicit"
    llm.set_key("openai", "sk-stored")
    model.prompt("hi").text()
    assert server.requests[-1].header("Authorization") == "Bearer sk-stored"


def test_missing_key_raises_needs_key_error(server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(llm.NeedsKeyError) as excinfo:
        llm.get_model("4o-mini").prompt("hi").text()
    assert "llm keys set openai" in str(excinfo.value)
    assert "OPENAI_API_KEY" in str(excinfo.value)
    assert server.requests == []


def test_model_classes_and_key_settings():
    model = llm.get_model("gpt-4o")
    assert isinstance(model, llm.KeyModel)
    assert isinstance(llm.get_async_model("gpt-4o"), llm.AsyncKeyModel)
    assert model.needs_key == "openai"
    assert model.key_env_var == "OPENAI_API_KEY"
    assert model.can_stream is True
    assert str(model) == "OpenAI Chat: gpt-4o"
    assert str(llm.get_model("3.5-instruct")) == "OpenAI Completion: gpt-3.5-turbo-instruct"


def test_logged_response_row(server):
    server.reply(["Hi", " there"], usage={"prompt_tokens": 5, "completion_tokens": 2})
    from llm.logs import open_db

    response = llm.get_model("4o-mini").prompt("hello", system="sys")
    response.text()
    db = open_db(llm.logs_db_path())
    response.log_to_db(db)
    row = db.execute(
        "select model, prompt, system, response, input_tokens, output_tokens, response_json "
        "from responses").fetchone()
    assert tuple(row[:6]) == ("gpt-4o-mini", "hello", "sys", "Hi there", 5, 2)
    assert json.loads(row[6])["content"] == "Hi there"


# -- async ---------------------------------------------------------------------


def test_async_streaming_and_usage(server):
    server.reply(["As", "ync"], usage={"prompt_tokens": 3, "completion_tokens": 2})

    async def run():
        model = llm.get_async_model("4o-mini")
        response = model.prompt("hi", system="sys", temperature=1)
        chunks = [chunk async for chunk in response]
        return chunks, await response.usage(), await response.json()

    chunks, usage, data = asyncio.run(run())
    assert chunks == ["As", "ync"]
    assert (usage.input, usage.output) == (3, 2)
    assert data["content"] == "Async"
    body = server.requests[0].body
    assert server.requests[0].header("x-stainless-async") not in (None, "false")
    assert body == {
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 1.0,
    }


def test_async_non_streaming_conversation(server):
    server.reply("one")
    server.reply("two")

    async def run():
        conversation = llm.get_async_model("gpt-4o").conversation()
        first = await conversation.prompt("1", stream=False).text()
        second = await conversation.prompt("2", stream=False).text()
        return first, second

    assert asyncio.run(run()) == ("one", "two")
    assert server.requests[1].body["messages"] == [
        {"role": "user", "content": "1"},
        {"role": "assistant", "content": "one"},
        {"role": "user", "content": "2"},
    ]
    assert server.requests[1].body["stream"] is False


def test_async_error_becomes_model_error(server):
    server.reply_error(401, "Incorrect API key provided: sk-test-key", type="invalid_request_error",
                       code="invalid_api_key")

    async def run():
        return await llm.get_async_model("4o-mini").prompt("hi").text()

    with pytest.raises(llm.ModelError) as excinfo:
        asyncio.run(run())
    # The server echoed the key; the error shown to the user does not.
    assert str(excinfo.value) == "401 Incorrect API key provided: ..."


@pytest.mark.parametrize("stream", [True, False])
def test_resolved_model_recorded_when_the_server_names_a_snapshot(server, stream):
    server.reply("hi", model="gpt-4o-mini-2024-07-18")
    response = llm.get_model("4o-mini").prompt("x", stream=stream)
    response.text()
    assert response.resolved_model == "gpt-4o-mini-2024-07-18"
    server.reply("hi")
    same = llm.get_model("4o-mini").prompt("x", stream=stream)
    same.text()
    assert same.resolved_model is None


def test_messages_argument_becomes_history(server):
    from llm import assistant, system, user

    response = llm.get_model("4o-mini").prompt(messages=[
        system("You are a helpful pirate."),
        user("What is the capital of France?"),
        assistant("Paris, matey."),
        user("And Germany?"),
    ])
    response.text()
    assert server.requests[0].body["messages"] == [
        {"role": "system", "content": "You are a helpful pirate."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris, matey."},
        {"role": "user", "content": "And Germany?"},
    ]
