"""Which requests go through our own client and which through the ``openai`` SDK
(the README's table): the default models never import the SDK; Azure, the
Responses API and subclasses with their own ``get_client()`` keep it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import llm
from llm.default_plugins.openai_models import AsyncChat, Chat

SDK_MODULES = ("openai", "httpx", "httpx2", "httpcore", "httpcore2", "anyio")

REQUESTS = r"""
import asyncio, json, sys
import llmio_openai
import llm

results = [
    llm.get_model("4o-mini").prompt("streamed").text(),
    llm.get_model("4o-mini").prompt("whole", stream=False).text(),
    llm.get_model("3.5-instruct").prompt("completion").text(),
    len(llm.get_embedding_model("3-small").embed("vector")),
]

async def run():
    return await llm.get_async_model("4o-mini").prompt("async").text()

results.append(asyncio.run(run()))
from llmio_openai.commands import _list_models
results.append(len(_list_models("sk-test-key")))
sdk = sorted(name for name in sys.modules if name.split(".")[0] in %r)
print(json.dumps({"results": results, "sdk": sdk}))
""" % (SDK_MODULES,)


def test_the_default_models_import_no_sdk(server, user_path):
    env = {**os.environ, "LLM_USER_PATH": str(user_path)}
    result = subprocess.run([sys.executable, "-c", REQUESTS], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output == {"results": ["ok", "ok", "ok", 8, "ok", 3], "sdk": []}
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/v1/chat/completions"), ("POST", "/v1/chat/completions"),
        ("POST", "/v1/completions"), ("POST", "/v1/embeddings"),
        ("POST", "/v1/chat/completions"), ("GET", "/v1/models")]


def test_a_subclass_with_its_own_get_client_gets_the_sdk_client(server):
    import openai

    made = []

    class OwnClient(Chat):
        needs_key = None

        def get_client(self, key, *, async_=False):
            client = super().get_client(key, async_=async_)
            made.append(client)
            return client

    server.reply(["via", " the SDK"])
    assert OwnClient("own", api_base=server.url).prompt("hi").text() == "via the SDK"
    assert [type(client) for client in made] == [openai.OpenAI]
    assert server.requests[0].header("x-stainless-lang") == "python"


def test_the_default_classes_hand_out_sdk_clients_to_those_who_ask(server):
    import openai

    import asyncio

    client = Chat("x").get_client("k")
    assert isinstance(client, openai.OpenAI)
    client.close()
    async_client = AsyncChat("x").get_client("k", async_=True)
    assert isinstance(async_client, openai.AsyncOpenAI)
    asyncio.run(async_client.close())


@pytest.mark.parametrize("stream", [True, False])
def test_azure_goes_through_the_sdk(server, write_extra_models, stream):
    write_extra_models(f"""
- model_id: azure-gpt
  model_name: gpt-4o
  api_type: azure
  api_base: "{server.url[:-3]}"
  api_version: "2024-06-01"
  api_engine: my-deployment
  api_key_name: azure
""")
    llm.set_key("azure", "azure-secret-key")
    with pytest.raises(llm.ModelError) as excinfo:  # the test server has no Azure paths
        llm.get_model("azure-gpt").prompt("hi", stream=stream).text()
    assert str(excinfo.value).startswith("404 Unknown path POST /openai/deployments/")
    [request] = server.requests
    assert request.path == "/openai/deployments/my-deployment/chat/completions"
    assert request.header("api-key") == "azure-secret-key"
    assert "azure-secret-key" not in str(excinfo.value)
