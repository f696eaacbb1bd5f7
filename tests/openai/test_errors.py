"""Every failure mode becomes one clear ``llm.ModelError``; retries are bounded."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

import llm


def run_prompt(stream=True, model="4o-mini"):
    return llm.get_model(model).prompt("hi", stream=stream).text()


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize(
    "status,message,kind",
    [
        (401, "Incorrect API key provided: sk-proj-****abcd.", "invalid_request_error"),
        (404, "The model `gpt-9` does not exist or you do not have access to it.",
         "invalid_request_error"),
        (429, "Rate limit reached for gpt-4o-mini in organization org-x on tokens per min.",
         "requests"),
        (500, "The server had an error while processing your request.", "server_error"),
        (503, "Service unavailable.", "server_error"),
    ],
)
def test_status_errors_carry_the_server_message(server, status, message, kind, stream):
    server.reply_error(status, message, type=kind)
    with pytest.raises(llm.ModelError) as excinfo:
        run_prompt(stream)
    assert str(excinfo.value) == f"{status} {message}"
    assert "sk-test-key" not in str(excinfo.value)
    assert len(server.requests) == 1  # LLM_OPENAI_MAX_RETRIES=0 in these tests


def test_429_is_retried_with_backoff_then_succeeds(server, monkeypatch):
    monkeypatch.setenv("LLM_OPENAI_MAX_RETRIES", "2")
    server.reply_error(429, "Rate limit reached", headers={"Retry-After": "0.05"})
    server.reply_error(503, "Overloaded", headers={"Retry-After": "0.05"})
    server.reply("finally")
    assert run_prompt() == "finally"
    assert len(server.requests) == 3
    assert [r.header("x-stainless-retry-count") for r in server.requests] == ["0", "1", "2"]


def test_retries_are_bounded(server, monkeypatch):
    monkeypatch.setenv("LLM_OPENAI_MAX_RETRIES", "1")
    for _ in range(3):
        server.reply_error(429, "Rate limit reached", headers={"Retry-After": "0.05"})
    with pytest.raises(llm.ModelError, match="^429 Rate limit reached$"):
        run_prompt()
    assert len(server.requests) == 2


def test_client_errors_are_not_retried(server, monkeypatch):
    monkeypatch.setenv("LLM_OPENAI_MAX_RETRIES", "3")
    server.reply_error(400, "Invalid 'messages'")
    with pytest.raises(llm.ModelError, match="^400 Invalid 'messages'$"):
        run_prompt()
    assert len(server.requests) == 1


def test_html_error_page_is_reduced_to_one_line(server):
    server.reply_raw(502, "<html><head><title>502 Bad Gateway</title></head>"
                          "<body><h1>502 Bad Gateway</h1><hr>nginx</body></html>")
    with pytest.raises(llm.ModelError) as excinfo:
        run_prompt()
    assert str(excinfo.value) == "502 502 Bad Gateway"


def test_plain_text_error_body(server):
    server.reply_raw(500, "upstream exploded", content_type="text/plain")
    with pytest.raises(llm.ModelError, match="^500 upstream exploded$"):
        run_prompt(stream=False)


def test_html_with_200_status_is_an_error(server):
    server.reply_raw(200, "<html><body>Login required</body></html>")
    with pytest.raises(llm.ModelError):
        run_prompt(stream=False)


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_connection_refused_names_the_host(server, monkeypatch):
    port = _closed_port()
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    with pytest.raises(llm.ModelError) as excinfo:
        run_prompt()
    message = str(excinfo.value)
    assert message.startswith(f"Could not connect to 127.0.0.1:{port}")
    assert "sk-test-key" not in message


def test_timeout_when_the_server_never_answers(server, monkeypatch):
    monkeypatch.setenv("LLM_OPENAI_TIMEOUT", "0.3")
    server.hang()
    start = time.monotonic()
    with pytest.raises(llm.ModelError) as excinfo:
        run_prompt(stream=False)
    assert str(excinfo.value) == f"Request to {server.host} timed out"
    assert time.monotonic() - start < 5


def test_timeout_when_a_stream_stalls(server, monkeypatch):
    monkeypatch.setenv("LLM_OPENAI_TIMEOUT", "0.3")
    server.reply(["one", "two", "three"], fault="stall", stall_after=2)
    response = llm.get_model("4o-mini").prompt("hi")
    seen = []
    with pytest.raises(llm.ModelError) as excinfo:
        for chunk in response:
            seen.append(chunk)
    assert seen == ["one"]
    assert str(excinfo.value) == f"Request to {server.host} timed out"


def test_stream_cut_off_mid_body(server):
    server.reply(["a", "b", "c", "d"], fault="cut")
    with pytest.raises(llm.ModelError) as excinfo:
        run_prompt()
    assert str(excinfo.value) == (
        f"Connection to {server.host} closed before the response was complete")


def test_stream_without_finish_reason_or_done_marker(server):
    server.reply(["a", "b"], fault="no_done")
    with pytest.raises(llm.ModelError, match="ended before it was complete"):
        run_prompt()


def test_stream_with_finish_reason_but_no_done_marker_is_complete(server):
    server.reply(["a", "b"], fault="no_done_marker")
    assert run_prompt() == "ab"


def test_error_event_inside_a_stream(server):
    server.reply_raw(
        200, 'data: {"error": {"message": "Model overloaded", "type": "server_error"}}\n\n',
        content_type="text/event-stream")
    with pytest.raises(llm.ModelError, match="^Model overloaded$"):
        run_prompt()


def test_async_connection_refused(server, monkeypatch):
    port = _closed_port()
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")

    async def run():
        return await llm.get_async_model("4o-mini").prompt("hi").text()

    with pytest.raises(llm.ModelError, match=f"^Could not connect to 127.0.0.1:{port}"):
        asyncio.run(run())


def test_async_cut_stream(server):
    server.reply(["a", "b", "c", "d"], fault="cut")

    async def run():
        return await llm.get_async_model("4o-mini").prompt("hi").text()

    with pytest.raises(llm.ModelError, match="closed before the response was complete"):
        asyncio.run(run())


def test_bad_timeout_setting(server, monkeypatch):
    monkeypatch.setenv("LLM_OPENAI_TIMEOUT", "soon")
    with pytest.raises(llm.ModelError, match="LLM_OPENAI_TIMEOUT must be a number"):
        run_prompt()
