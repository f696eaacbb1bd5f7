"""``LLM_OPENAI_SHOW_RESPONSES=1`` prints the HTTP exchange to stderr, never the key."""

from __future__ import annotations

import asyncio
import json

import llm


def test_streamed_exchange_is_printed(server, monkeypatch, capfd):
    monkeypatch.setenv("LLM_OPENAI_SHOW_RESPONSES", "1")
    server.reply(["Hel", "lo"])
    assert llm.get_model("4o-mini").prompt("hi").text() == "Hello"
    out, err = capfd.readouterr()
    assert out == ""
    assert f"Request: POST {server.url}/chat/completions" in err
    assert "authorization: [redacted]" in err.lower()
    assert "sk-test-key" not in err
    assert '"content": "hi"' in err
    assert "Response: status_code=200" in err
    assert 'data: {"id": "chatcmpl-0001"' in err
    assert "data: [DONE]" in err


def test_non_streamed_body_is_printed(server, monkeypatch, capfd):
    monkeypatch.setenv("LLM_OPENAI_SHOW_RESPONSES", "1")
    server.reply("whole")
    llm.get_model("4o-mini").prompt("hi", stream=False, key="sk-other-secret").text()
    err = capfd.readouterr().err
    assert "sk-other-secret" not in err
    body_line = [line for line in err.splitlines() if line.startswith('{"id"')][0]
    assert json.loads(body_line)["choices"][0]["message"]["content"] == "whole"


def test_async_exchange_is_printed(server, monkeypatch, capfd):
    monkeypatch.setenv("LLM_OPENAI_SHOW_RESPONSES", "1")
    server.reply(["a", "b"])

    async def run():
        return await llm.get_async_model("4o-mini").prompt("hi").text()

    assert asyncio.run(run()) == "ab"
    err = capfd.readouterr().err
    assert "Request: POST" in err and "data: [DONE]" in err
    assert "sk-test-key" not in err


def test_nothing_printed_by_default(server, capfd):
    llm.get_model("4o-mini").prompt("hi").text()
    assert capfd.readouterr().err == ""
