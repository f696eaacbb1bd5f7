"""Import hygiene and the import paths plugins rely on (DESIGN §2, §3a, §6)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import llm
import pytest

HEAVY = ["openai", "httpx", "numpy", "yaml", "sqlite_utils", "click", "pydantic", "puremagic"]
OTHER_DISTRIBUTIONS = ["llmio_cli", "llmio_openai", "llmio_embeddings", "llmio_templates"]


def imported_modules(code: str) -> set[str]:
    """Top-level names of every module imported while running ``code`` (-X importtime)."""
    import os

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LLM_LOAD_PLUGINS": "",
           "LLM_USER_PATH": os.environ["LLM_USER_PATH"]}  # the test's isolated user dir
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True, text=True, check=True, env=env,
    )
    modules = set()
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        name = line.rsplit("|", 1)[1].strip()
        if name and name != "imported package":
            modules.add(name.split(".")[0])
    assert "llm" in modules, result.stderr[-2000:]
    return modules


def test_import_llm_imports_nothing_heavy():
    modules = imported_modules("import llm")
    assert sorted(set(HEAVY) & modules) == []


def test_import_llm_imports_no_other_distribution():
    modules = imported_modules("import llm")
    assert sorted(set(OTHER_DISTRIBUTIONS) & modules) == []


def test_listing_models_imports_no_http_client():
    """``llm models`` budget: plugins load, but openai/httpx wait for a model call."""
    modules = imported_modules("import llm; llm.get_models(); llm.get_embedding_models()")
    assert sorted({"openai", "httpx", "numpy", "yaml"} & modules) == []


def test_top_level_names_are_available():
    for name in [
        "get_model", "get_async_model", "get_models", "get_async_models",
        "get_models_with_aliases", "get_embedding_model", "get_embedding_models",
        "get_embedding_models_with_aliases", "get_key", "set_alias", "remove_alias",
        "get_default_model", "set_default_model", "get_default_embedding_model",
        "set_default_embedding_model", "user_dir", "hookimpl", "Model", "KeyModel",
        "AsyncModel", "AsyncKeyModel", "EmbeddingModel", "Options", "Prompt", "Response",
        "AsyncResponse", "Conversation", "AsyncConversation", "Attachment", "Usage",
        "encode", "decode", "UnknownModelError", "ModelError", "NeedsKeyError",
    ]:
        assert getattr(llm, name) is not None, name


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError):
        llm.no_such_thing  # noqa: B018


def test_collection_resolves_lazily_to_llm_embeddings():
    import llmio_embeddings

    assert llm.Collection is llmio_embeddings.Collection


def test_template_resolves_lazily_to_llm_templates():
    import llmio_templates

    assert llm.Template is llmio_templates.Template


def test_lazy_names_load_their_package_only_when_touched():
    code = textwrap.dedent(
        """
        import sys, llm
        before = "llmio_embeddings" in sys.modules, "llmio_templates" in sys.modules
        llm.Collection
        llm.Template
        after = "llmio_embeddings" in sys.modules, "llmio_templates" in sys.modules
        print(before, after)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "(False, False) (True, True)"


@pytest.mark.parametrize(
    "name,module,distribution",
    [("Collection", "llmio_embeddings", "llmio-embeddings"),
     ("Template", "llmio_templates", "llmio-templates")],
)
def test_lazy_name_without_its_distribution_names_it(monkeypatch, name, module, distribution):
    monkeypatch.delitem(llm.__dict__, name, raising=False)
    monkeypatch.setitem(sys.modules, module, None)  # "not installed"
    with pytest.raises(ImportError) as excinfo:
        getattr(llm, name)
    assert distribution in str(excinfo.value)


# -- DESIGN §3a: import paths published plugins use ------------------------------------------


def test_llm_plugins_module():
    from llm.plugins import load_plugins, pm

    assert callable(load_plugins)
    assert pm.project_name == "llm"


def test_llm_models_module():
    from llm.models import AsyncKeyModel, AsyncModel, KeyModel, Model

    assert Model is llm.Model
    assert KeyModel is llm.KeyModel
    assert AsyncModel is llm.AsyncModel
    assert AsyncKeyModel is llm.AsyncKeyModel


def test_llm_utils_helpers():
    from llm.utils import dicts_to_table_string, monotonic_ulid, simplify_usage_dict

    first, second = monotonic_ulid(), monotonic_ulid()
    assert str(first) < str(second)
    assert simplify_usage_dict({"a": 0, "b": {"c": 0, "d": 2}, "e": {}}) == {"b": {"d": 2}}
    assert dicts_to_table_string(["x", "y"], [{"x": "1", "y": "22"}]) == ["x  y", "1  22"]


def test_llm_cli_reexports():
    from llm.cli import cli, get_default_model, get_key

    assert get_key is llm.get_key
    assert get_default_model is llm.get_default_model
    assert hasattr(cli, "commands")  # the click group


def test_llm_default_plugins_openai_models():
    from llm.default_plugins.openai_models import AsyncChat, Chat

    assert issubclass(Chat, llm.KeyModel) or issubclass(Chat, llm.Model)
    assert issubclass(AsyncChat, llm.AsyncKeyModel) or issubclass(AsyncChat, llm.AsyncModel)


def test_newer_names_plugins_import():
    """The names llm-anthropic, llm-gemini, llm-openrouter, llm-mistral and their tests
    import (PLUGINS.md appendix A), each the real thing."""
    from llm.default_plugins.openai_models import (
        AsyncResponses,
        OpenAIEmbeddingModel,
        ReasoningEffortEnum,
        Responses,
    )
    from llm.logs import LogStore
    from llm.migrations import migrate
    from llm.models import ServerSideTool, ToolResult, _partition_tools
    from llm.parts import (
        AttachmentPart, Message, ReasoningPart, StreamEvent, TextPart, ToolCallPart, ToolResultPart,
        assistant, system, tool_message, user,
    )
    from llm.tools import llm_time, llm_version

    assert ServerSideTool is llm.ServerSideTool and ToolResult is llm.ToolResult
    assert issubclass(Responses, llm.KeyModel) and issubclass(AsyncResponses, llm.AsyncKeyModel)
    assert issubclass(OpenAIEmbeddingModel, llm.EmbeddingModel)
    assert ReasoningEffortEnum("high") == "high"
    assert (llm.user, llm.assistant, llm.system, llm.tool_message, llm.Message) == (
        user, assistant, system, tool_message, Message)
    assert _partition_tools(Responses("m"), [llm.Tool.function(llm_version)])[0][0].name == "llm_version"
    assert callable(migrate) and callable(llm_time) and isinstance(LogStore, type)
    assert {TextPart, ReasoningPart, ToolCallPart, ToolResultPart, AttachmentPart, StreamEvent}


def test_responses_and_parts_take_plugin_attributes():
    """No __slots__: plugins keep their own state on responses (llm-gemini, llm-mistral)."""
    model = llm.get_model("gpt-4o-mini")
    response = model.prompt("hi")
    response._gemini_server_tool_ids = {"GOOGLE_SEARCH": "s1"}
    response._prompt_json = {"messages": []}
    response.set_resolved_model("gpt-4o-mini-2024")
    assert (response._gemini_server_tool_ids, response.resolved_model) == (
        {"GOOGLE_SEARCH": "s1"}, "gpt-4o-mini-2024")
