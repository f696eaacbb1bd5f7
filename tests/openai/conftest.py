"""Fixtures for the llmio-openai tests: a scripted OpenAI-compatible server per test."""

from __future__ import annotations

import pytest

from support.openai_server import OpenAIServer


@pytest.fixture
def openai_server():
    """A fresh server on 127.0.0.1 (see ``support.openai_server``)."""
    server = OpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server(openai_server, monkeypatch):
    """The server, with the default OpenAI models pointed at it.

    The ``openai`` client honours ``OPENAI_BASE_URL``; retries are off and the
    timeout short, so error tests are fast (tests that check retries set their own).
    """
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    monkeypatch.setenv("LLM_OPENAI_MAX_RETRIES", "0")
    monkeypatch.setenv("LLM_OPENAI_TIMEOUT", "5")
    return openai_server


@pytest.fixture
def write_extra_models(user_path):
    """Write ``extra-openai-models.yaml`` in the test's user directory."""

    def write(text: str):
        path = user_path / "extra-openai-models.yaml"
        path.write_text(text)
        return path

    return write
