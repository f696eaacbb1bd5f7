"""Fixture models, registered through the real plugin manager.

``mock`` replies with queued chunks (or ``"mock: <prompt>"``); ``echo-json``
replies with a JSON description of everything it received, so tests can
assert exactly what a model was given (prompt, system, options, history).
"""

from __future__ import annotations

import json
from typing import Optional

from pydantic import Field

import llm


class MockOptions(llm.Options):
    max_tokens: Optional[int] = Field(default=None, description="Maximum number of tokens to generate")
    temperature: Optional[float] = Field(default=None, description="Sampling temperature", ge=0, le=2)


def _describe(prompt, conversation):
    return {
        "prompt": prompt.prompt,
        "system": prompt.system,
        "options": prompt.options.model_dump(exclude_none=True) if prompt.options else {},
        "attachments": [
            {"type": a.resolve_type(), "id": a.id()} for a in (prompt.attachments or [])
        ],
        "history": [
            {"prompt": r.prompt.prompt, "system": r.prompt.system, "response": r.text_or_raise()}
            for r in (conversation.responses if conversation else [])
        ],
    }


class MockModel(llm.Model):
    model_id = "mock"
    can_stream = True
    attachment_types = {"image/png", "image/jpeg", "audio/wav", "audio/mpeg"}
    Options = MockOptions

    def __init__(self):
        self.history = []
        self._queue: list[list[str]] = []

    def enqueue(self, chunks: list[str]) -> None:
        self._queue.append(list(chunks))

    def execute(self, prompt, stream, response, conversation):
        self.history.append((prompt, stream, response, conversation))
        chunks = self._queue.pop(0) if self._queue else [f"mock: {prompt.prompt}"]
        response.set_usage(input=len((prompt.prompt or "").split()), output=len(chunks))
        yield from chunks


class AsyncMockModel(llm.AsyncModel):
    model_id = "mock"
    can_stream = True
    attachment_types = MockModel.attachment_types
    Options = MockOptions

    def __init__(self):
        self.history = []
        self._queue: list[list[str]] = []

    def enqueue(self, chunks: list[str]) -> None:
        self._queue.append(list(chunks))

    async def execute(self, prompt, stream, response, conversation):
        self.history.append((prompt, stream, response, conversation))
        chunks = self._queue.pop(0) if self._queue else [f"mock: {prompt.prompt}"]
        response.set_usage(input=len((prompt.prompt or "").split()), output=len(chunks))
        for chunk in chunks:
            yield chunk


class EchoJsonModel(llm.Model):
    """Replies with JSON describing exactly what it received."""

    model_id = "echo-json"
    can_stream = False
    attachment_types = {"image/png", "image/jpeg"}
    Options = MockOptions

    def execute(self, prompt, stream, response, conversation):
        yield json.dumps(_describe(prompt, conversation))


class KeyedModel(llm.KeyModel):
    """Needs a key; replies with the key it was given (tests only)."""

    model_id = "keyed"
    needs_key = "keyed"
    key_env_var = "KEYED_API_KEY"

    def execute(self, prompt, stream, response, conversation, key):
        yield f"key={key}"


class FixturePlugin:
    __name__ = "llm-test-fixtures"

    def __init__(self):
        self.mock = MockModel()
        self.async_mock = AsyncMockModel()
        self.echo = EchoJsonModel()
        self.keyed = KeyedModel()

    @llm.hookimpl
    def register_models(self, register):
        register(self.mock, self.async_mock, aliases=("mock-alias",))
        register(self.echo)
        register(self.keyed)
