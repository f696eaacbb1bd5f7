"""What the plugin registers, matched against the documentation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import llm

#: The documented listing of the default models (a snapshot of openai-models.md).
DOCUMENTED = (
    Path(__file__).resolve().parents[1] / "snapshots" / "openai-models.txt"
).read_text().splitlines()
ADDITIONS = [
    "OpenAI Chat: gpt-4.1 (aliases: 4.1)",
    "OpenAI Chat: gpt-4.1-mini (aliases: 4.1-mini)",
    "OpenAI Chat: gpt-4.1-nano (aliases: 4.1-nano)",
    "OpenAI Chat: o3",
    "OpenAI Chat: o4-mini",
]


def _line(entry) -> str:
    line = str(entry.model)
    if entry.aliases:
        line += f" (aliases: {', '.join(entry.aliases)})"
    return line


def test_models_listed_exactly_as_documented():
    lines = [_line(m) for m in llm.get_models_with_aliases() if str(m.model).startswith("OpenAI")]
    assert lines == DOCUMENTED + ADDITIONS


def test_every_model_has_an_async_twin():
    for entry in llm.get_models_with_aliases():
        if str(entry.model).startswith("OpenAI"):
            assert entry.async_model is not None
            assert entry.async_model.model_id == entry.model.model_id
            assert type(entry.async_model).__name__.startswith("Async")


def test_attachment_types_per_model():
    images = {"image/png", "image/jpeg", "image/webp", "image/gif"}
    audio = {"audio/wav", "audio/mpeg"}
    expected = {
        "gpt-4o": images, "chatgpt-4o-latest": images, "gpt-4o-mini": images,
        "gpt-4o-audio-preview": audio, "gpt-4o-mini-audio-preview-2024-12-17": audio,
        "gpt-3.5-turbo": set(), "gpt-4": set(), "gpt-4-turbo": set(),
        "o1": images, "o1-2024-12-17": images, "o1-preview": set(), "o1-mini": set(),
        "o3-mini": set(), "gpt-3.5-turbo-instruct": set(),
        "gpt-4.1": images | {"application/pdf"}, "o4-mini": images | {"application/pdf"},
    }
    for model_id, types in expected.items():
        assert llm.get_model(model_id).attachment_types == types, model_id


def test_option_fields_follow_usage_docs():
    chat = ["temperature", "max_tokens", "top_p", "frequency_penalty", "presence_penalty", "stop",
            "logit_bias", "seed", "json_object"]
    assert list(llm.get_model("gpt-4o").Options.model_fields) == chat
    assert list(llm.get_model("o1").Options.model_fields) == chat + ["reasoning_effort"]
    assert list(llm.get_model("o1-preview").Options.model_fields) == chat
    assert list(llm.get_model("3.5-instruct").Options.model_fields) == chat[:-1] + ["logprobs"]


def test_option_descriptions_follow_usage_docs():
    # The documented `llm models list --options` output (a snapshot of usage.md's).
    text = (Path(__file__).parent / "data" / "models-options.txt").read_text()
    start = text.index("OpenAI Completion: gpt-3.5-turbo-instruct (aliases: 3.5-instruct")
    block = text[start:].split("\nDefault:", 1)[0].splitlines()[2:]
    documented = {}
    name = None
    for line in block:
        if line.startswith("    ") and not line.startswith("      "):
            name, _, kind = line.strip().partition(": ")
            documented[name] = [kind, ""]
        elif line.startswith("      "):
            documented[name][1] = (documented[name][1] + " " + line.strip()).strip()
    fields = llm.get_model("3.5-instruct").Options.model_fields
    assert list(documented) == list(fields)
    for name, (_, description) in documented.items():
        assert fields[name].description == description, name


def test_importing_the_plugin_does_not_import_openai_or_httpx():
    code = (
        "import sys, llmio_openai, llmio_openai.plugin, llmio_openai.models; "
        "import llm.default_plugins.openai_models; "
        "heavy = [m for m in ('openai', 'httpx', 'httpx2', 'yaml') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == ""


def test_listing_models_does_not_import_openai(tmp_path):
    code = (
        "import sys, llm; llm.get_models_with_aliases(); llm.get_embedding_models(); "
        "print(','.join(m for m in ('openai', 'httpx', 'httpx2', 'yaml') if m in sys.modules))"
    )
    env = {"LLM_USER_PATH": str(tmp_path), "LLM_LOAD_PLUGINS": "", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env=env)
    assert result.stdout.strip() == ""
