"""The plugin system: pluggy hooks, entry points, LLM_LOAD_PLUGINS (spec: plugins/*.md)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import llm
import llm.plugins
import pytest
from llm.plugins import pm
from support.plugin_dists import install_plugin

HOOKS = {
    "register_commands": ["cli"],
    "register_models": ["register"],
    "register_embedding_models": ["register"],
    "register_template_loaders": ["register"],
    "register_fragment_loaders": ["register"],
    "register_tools": ["register"],
}


def test_pluggy_project_name_is_llm():
    assert pm.project_name == "llm"
    assert llm.hookimpl.project_name == "llm"


@pytest.mark.parametrize("hook,argnames", sorted(HOOKS.items()))
def test_hookspecs_use_documented_argument_names(hook, argnames):
    caller = getattr(pm.hook, hook)
    assert caller.spec is not None, f"no hookspec for {hook}"
    assert list(caller.spec.argnames) == argnames


def test_fixture_plugin_listed_with_its_hooks(fixtures):
    plugins = llm.get_plugins()
    assert {"name": "llm-test-fixtures", "hooks": ["register_models"]} in plugins


def test_plugin_hooks_sorted_and_complete(register_plugin):
    class Multi:
        __name__ = "llm-multi-hooks"

        @llm.hookimpl
        def register_models(self, register):
            pass

        @llm.hookimpl
        def register_commands(self, cli):
            pass

        @llm.hookimpl
        def register_tools(self, register):
            pass

    register_plugin(Multi(), "llm-multi-hooks")
    [entry] = [p for p in llm.get_plugins() if p["name"] == "llm-multi-hooks"]
    assert entry["hooks"] == ["register_commands", "register_models", "register_tools"]


def test_builtin_plugins_only_listed_with_all():
    names = [p["name"] for p in llm.get_plugins()]
    all_names = [p["name"] for p in llm.get_plugins(all=True)]
    assert "llm.default_plugins.openai_models" not in names
    [openai] = [
        p for p in llm.get_plugins(all=True) if p["name"] == "llm.default_plugins.openai_models"
    ]
    assert "register_models" in openai["hooks"]
    assert set(names) <= set(all_names)


def test_models_from_a_plugin_registered_on_pm(register_plugin):
    class HelloWorld(llm.Model):
        model_id = "helloworld"

        def execute(self, prompt, stream, response):
            return ["hello world"]

    class Plugin:
        @llm.hookimpl
        def register_models(self, register):
            register(HelloWorld(), aliases=("hw",))

    register_plugin(Plugin(), "llm-helloworld")
    assert llm.get_model("hw").prompt("hi").text() == "hello world"


def test_import_llm_does_not_load_plugins():
    code = textwrap.dedent(
        """
        import sys
        import llm, llm.plugins
        print(len(llm.plugins.pm.get_plugins()), "llmio_openai" in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "False"]


def test_plugins_load_on_first_model_lookup():
    code = textwrap.dedent(
        """
        import sys
        import llm, llm.plugins
        llm.get_models()
        print("llmio_openai" in sys.modules, len(llm.plugins.pm.get_plugins()) > 0)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


# -- entry points: a fake distribution on sys.path ----------------------------------


def make_distribution(root, dist_name, module, body, version="0.1"):
    install_plugin(root, dist_name, module, body, version=version, entry_point=dist_name)


GOOD_PLUGIN = """
    import llm

    class FakeModel(llm.Model):
        model_id = "fake-model"

        def execute(self, prompt, stream, response, conversation):
            yield "fake says " + prompt.prompt

    @llm.hookimpl
    def register_models(register):
        register(FakeModel(), aliases=("fm",))
"""

BROKEN_PLUGIN = """
    raise RuntimeError("this plugin is broken on purpose")
"""


@pytest.fixture
def fake_dists(tmp_path, monkeypatch):
    """A sys.path entry holding fake plugin distributions; plugin state reset around the test."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    llm.plugins._reset()
    modules_before = set(sys.modules)
    yield root
    llm.plugins._reset()
    for name in set(sys.modules) - modules_before:
        if name.startswith(("fake_plugin_mod", "broken_plugin_mod")):
            del sys.modules[name]


def model_ids():
    return {m.model_id for m in llm.get_models()}


def test_entry_point_plugin_loaded_when_llm_load_plugins_unset(fake_dists, monkeypatch):
    make_distribution(fake_dists, "fake-plugin", "fake_plugin_mod", GOOD_PLUGIN)
    monkeypatch.delenv("LLM_LOAD_PLUGINS")
    assert llm.get_model("fm").prompt("hi").text() == "fake says hi"
    assert {"name": "fake-plugin", "hooks": ["register_models"], "version": "0.1"} in (
        llm.get_plugins()
    )


def test_llm_load_plugins_empty_loads_no_third_party_plugins(fake_dists, monkeypatch):
    make_distribution(fake_dists, "fake-plugin", "fake_plugin_mod", GOOD_PLUGIN)
    monkeypatch.setenv("LLM_LOAD_PLUGINS", "")
    assert "fake-model" not in model_ids()
    assert "fake-plugin" not in [p["name"] for p in llm.get_plugins()]
    # Built-in plugins are not third-party plugins: they stay available.
    assert "gpt-4o-mini" in model_ids()


def test_llm_load_plugins_list_selects_plugins(fake_dists, monkeypatch):
    make_distribution(fake_dists, "fake-plugin", "fake_plugin_mod", GOOD_PLUGIN)
    monkeypatch.setenv("LLM_LOAD_PLUGINS", "llm-something-else, fake-plugin")
    assert "fake-model" in model_ids()


def test_llm_load_plugins_list_without_the_plugin(fake_dists, monkeypatch):
    make_distribution(fake_dists, "fake-plugin", "fake_plugin_mod", GOOD_PLUGIN)
    monkeypatch.setenv("LLM_LOAD_PLUGINS", "llm-something-else")
    assert "fake-model" not in model_ids()


def test_load_plugins_is_idempotent(fake_dists, monkeypatch):
    make_distribution(fake_dists, "fake-plugin", "fake_plugin_mod", GOOD_PLUGIN)
    monkeypatch.delenv("LLM_LOAD_PLUGINS")
    llm.plugins.load_plugins()
    plugins_after_first = list(pm.get_plugins())
    llm.plugins.load_plugins()
    llm.plugins.load_plugins()
    assert list(pm.get_plugins()) == plugins_after_first
    assert [m.model_id for m in llm.get_models()].count("fake-model") == 1
    assert [p["name"] for p in llm.get_plugins()].count("fake-plugin") == 1


def test_plugin_that_fails_to_import_is_a_warning_not_a_crash(fake_dists, monkeypatch, capsys):
    make_distribution(fake_dists, "broken-plugin", "broken_plugin_mod", BROKEN_PLUGIN)
    make_distribution(fake_dists, "fake-plugin", "fake_plugin_mod", GOOD_PLUGIN)
    monkeypatch.delenv("LLM_LOAD_PLUGINS")
    # The other plugins still load and work.
    assert llm.get_model("fake-model").prompt("x").text() == "fake says x"
    err = capsys.readouterr().err
    assert "broken-plugin" in err
    assert "this plugin is broken on purpose" in err
    assert "broken-plugin" not in [p["name"] for p in llm.get_plugins()]


def test_built_in_tools_are_a_default_plugin():
    import importlib.metadata

    [entry] = [p for p in llm.get_plugins(all=True) if p["name"] == "llm.default_plugins.default_tools"]
    assert entry == {"name": "llm.default_plugins.default_tools", "hooks": ["register_tools"]}
    assert "llm.default_plugins.default_tools" not in [p["name"] for p in llm.get_plugins()]
    tools = llm.get_tools()
    assert tools["llm_version"].implementation is llm.tools.llm_version
    assert tools["llm_time"].plugin == "llm.default_plugins.default_tools"
    assert llm.tools.llm_version() == importlib.metadata.version("llm")


def test_llm_time_reports_utc_and_local_time():
    import datetime

    info = llm.tools.llm_time()
    assert set(info) == {"utc_time", "utc_time_iso", "local_timezone", "local_time", "timezone_offset", "is_dst"}
    when = datetime.datetime.fromisoformat(info["utc_time_iso"])
    assert abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()) < 60
    assert info["utc_time"].endswith(" UTC") and info["timezone_offset"].startswith("UTC")
