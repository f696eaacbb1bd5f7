"""The classes are a public API: a provider plugin written the way published
OpenAI-compatible plugins are (importing ``llm.default_plugins.openai_models``,
keyword-argument construction, overriding hooks and key settings) works."""

from __future__ import annotations

import asyncio
from typing import Optional

import pytest
from pydantic import Field

import llm
from llm.default_plugins.openai_models import AsyncChat, Chat, Completion


class ProviderChat(Chat):
    needs_key = "provider"
    key_env_var = "PROVIDER_API_KEY"

    class Options(Chat.Options):
        prefill: Optional[str] = Field(default=None, description="Start the reply with this")
        safe_mode: Optional[bool] = Field(default=None, description="Provider extension")

    def __init__(self, model_id, api_base, **kwargs):
        super().__init__(model_id=f"provider/{model_id}", model_name=model_id,
                         api_base=api_base, **kwargs)

    def __str__(self):
        return f"Provider: {self.model_id}"

    def build_messages(self, prompt, conversation):
        messages = super().build_messages(prompt, conversation)
        if prompt.options.prefill:
            messages.append({"role": "assistant", "content": prompt.options.prefill,
                             "prefix": True})
        return messages

    def build_kwargs(self, prompt, stream):
        kwargs = super().build_kwargs(prompt, stream)
        kwargs.pop("prefill", None)
        safe_mode = kwargs.pop("safe_mode", None)
        if safe_mode is not None:
            kwargs["extra_body"] = {"safe_mode": safe_mode}
        return kwargs


class ProviderAsyncChat(AsyncChat):
    needs_key = "provider"
    key_env_var = "PROVIDER_API_KEY"

    def get_client(self, key, *, async_=False):
        client = super().get_client(key, async_=async_)
        self.clients_made = getattr(self, "clients_made", 0) + 1
        return client


class ProviderPlugin:
    __name__ = "llm-provider-test"

    def __init__(self, api_base):
        self.api_base = api_base

    @llm.hookimpl
    def register_models(self, register):
        register(
            ProviderChat("big-model", self.api_base, vision=True, supports_schema=True,
                         supports_tools=True, headers={"X-Provider": "yes"}),
            ProviderAsyncChat(model_id="provider/big-model", model_name="big-model",
                              api_base=self.api_base),
            aliases=("big",),
        )
        register(Completion(model_id="provider/old", model_name="old", api_base=self.api_base,
                            can_stream=False))


@pytest.fixture
def provider(server):
    from llm.plugins import pm

    pm.register(ProviderPlugin(server.url), name="llm-provider-test")
    try:
        yield server
    finally:
        pm.unregister(name="llm-provider-test")


def test_subclass_prompt(provider, monkeypatch):
    monkeypatch.setenv("PROVIDER_API_KEY", "prov-key")
    model = llm.get_model("big")
    assert str(model) == "Provider: provider/big-model"
    assert model.attachment_types == {"image/png", "image/jpeg", "image/webp", "image/gif"}
    assert model.supports_schema and model.supports_tools
    provider.reply(["Bonjour"])
    response = model.prompt("Greet me", system="French", prefill="Bon", safe_mode=True,
                            temperature=0.2)
    assert response.text() == "Bonjour"
    [request] = provider.requests
    assert request.header("Authorization") == "Bearer prov-key"
    assert request.header("X-Provider") == "yes"
    assert request.body == {
        "model": "big-model",
        "messages": [
            {"role": "system", "content": "French"},
            {"role": "user", "content": "Greet me"},
            {"role": "assistant", "content": "Bon", "prefix": True},
        ],
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 0.2,
        "safe_mode": True,
    }


def test_subclass_key_is_its_own(provider):
    # OPENAI_API_KEY is set, but this provider needs its own key.
    with pytest.raises(llm.NeedsKeyError, match="llm keys set provider"):
        llm.get_model("big").prompt("hi").text()
    llm.set_key("provider", "stored-provider-key")
    llm.get_model("big").prompt("hi").text()
    assert provider.requests[0].header("Authorization") == "Bearer stored-provider-key"


def test_subclass_async_with_get_client_override(provider, monkeypatch):
    monkeypatch.setenv("PROVIDER_API_KEY", "prov-key")
    model = llm.get_async_model("big")
    provider.reply("async hi")

    async def run():
        return await model.prompt("hi").text()

    assert asyncio.run(run()) == "async hi"
    assert model.clients_made == 1
    assert provider.requests[0].header("Authorization") == "Bearer prov-key"


def test_completion_constructed_with_keywords(provider):
    model = llm.get_model("provider/old")
    assert model.can_stream is False
    provider.reply("done")
    assert model.prompt("x").text() == "done"
    assert provider.requests[0].path == "/v1/completions"
    assert provider.requests[0].body["model"] == "old"
    assert provider.requests[0].header("Authorization") == "Bearer sk-test-key"


def test_shim_names():
    from llm.default_plugins import openai_models
    import llmio_openai.models

    for name in ("Chat", "AsyncChat", "Completion", "AsyncCompletion", "OpenAIEmbeddingModel",
                 "SharedOptions", "Options", "ReasoningOptions", "CompletionOptions", "_Shared",
                 "combine_chunks", "redact_data", "not_nulls"):
        assert getattr(openai_models, name) is getattr(llmio_openai.models, name)
    assert issubclass(openai_models.Chat.Options, llm.Options)


def test_embedding_model_subclass_the_way_llm_tools_memory_writes_it(server):
    """A subclass constructed positionally that wraps ``embed`` and calls ``super()``."""
    from llm.default_plugins.openai_models import OpenAIEmbeddingModel

    class CachingEmbeddingModel(OpenAIEmbeddingModel):
        cache: dict = {}

        def embed(self, item):
            if item not in self.cache:
                self.cache[item] = super().embed(item)
            return self.cache[item]

    model = CachingEmbeddingModel("3-small", "text-embedding-3-small")
    assert (model.model_id, model.openai_model_id) == ("3-small", "text-embedding-3-small")
    first = model.embed("hello")
    assert model.embed("hello") == first
    assert len(server.requests) == 1
    assert server.requests[0].body["model"] == "text-embedding-3-small"
    assert first == [(5 + j) * 0.5 for j in range(8)]
