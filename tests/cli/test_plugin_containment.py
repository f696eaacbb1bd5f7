"""A plugin whose hook raises costs one warning; the rest of the tool keeps working.

Each of the six hooks is made to raise in turn by a real installed distribution
(``llm-raises``), next to a well-behaved one (``llm-good``) that provides the
``good`` model. The ``llm`` command runs as a subprocess, as a user would run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from support.plugin_dists import install_plugin

GOOD_PLUGIN = """
    import llm

    class Good(llm.Model):
        model_id = "good"

        def execute(self, prompt, stream, response, conversation):
            yield "good says " + prompt.prompt

    @llm.hookimpl
    def register_models(register):
        register(Good())
"""

RAISING_PLUGIN = """
    import llm

    BROKEN = {hook!r}

    def boom(name):
        if name == BROKEN:
            raise RuntimeError("boom in " + name)

    class Fine(llm.Model):
        model_id = "raises-fine"

        def execute(self, prompt, stream, response, conversation):
            yield "fine"

    @llm.hookimpl
    def register_models(register):
        boom("register_models")
        register(Fine())

    @llm.hookimpl
    def register_embedding_models(register):
        boom("register_embedding_models")

    @llm.hookimpl
    def register_commands(cli):
        boom("register_commands")

        @cli.command(name="raises-cmd")
        def raises_cmd():
            "A command from llm-raises"

    @llm.hookimpl
    def register_tools(register):
        boom("register_tools")

        def raises_tool() -> str:
            return "tool"

        register(raises_tool)

    @llm.hookimpl
    def register_fragment_loaders(register):
        boom("register_fragment_loaders")
        register("raises", lambda argument: llm.Fragment(argument, "raises:" + argument))

    @llm.hookimpl
    def register_template_loaders(register):
        boom("register_template_loaders")
        register("raises", lambda name: llm.Template(name=name, prompt="hi"))
"""

#: hook -> a command that calls it
TRIGGERS = {
    "register_models": ["models"],
    "register_embedding_models": ["embed-models"],
    "register_commands": ["--help"],
    "register_tools": ["tools", "list"],
    "register_fragment_loaders": ["fragments", "loaders"],
    "register_template_loaders": ["templates", "loaders"],
}


@pytest.fixture
def site_with(tmp_path):
    def make(hook):
        site = tmp_path / "site"
        install_plugin(site, "llm-good", "llm_good", GOOD_PLUGIN, version="1.0")
        install_plugin(site, "llm-raises", "llm_raises", RAISING_PLUGIN.format(hook=hook), version="1.0")
        return site

    return make


def run_llm(site, user_path, *args):
    env = dict(os.environ)
    env.update(PYTHONPATH=str(site), LLM_USER_PATH=str(user_path),
               LLM_LOAD_PLUGINS="llm-good,llm-raises")
    env.pop("LLM_RAISE_ERRORS", None)
    return subprocess.run([sys.executable, "-m", "llmio_cli", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def warnings_in(stderr):
    return [line for line in stderr.splitlines() if line.startswith("Warning:")]


@pytest.mark.parametrize("hook", sorted(TRIGGERS))
def test_a_raising_hook_costs_one_warning(site_with, user_path, hook):
    site = site_with(hook)
    expected = f"Warning: plugin llm-raises failed in {hook}: boom in {hook}"

    triggered = run_llm(site, user_path, *TRIGGERS[hook])
    assert triggered.returncode == 0, triggered.stderr
    assert warnings_in(triggered.stderr) == [expected]
    assert "Traceback" not in triggered.stderr

    models = run_llm(site, user_path, "models")
    assert models.returncode == 0, models.stderr
    assert "good" in [line.split(": ", 1)[1].split()[0] for line in models.stdout.splitlines()]
    # Only the model of the hook that raised is missing.
    assert ("raises-fine" in models.stdout) == (hook != "register_models")

    prompt = run_llm(site, user_path, "-m", "good", "hello", "--no-log")
    assert prompt.returncode == 0, prompt.stderr
    assert prompt.stdout == "good says hello\n"

    listed = run_llm(site, user_path, "plugins")
    assert listed.returncode == 0, listed.stderr
    assert [p["name"] for p in json.loads(listed.stdout)] == ["llm-good", "llm-raises"]


def test_the_other_hooks_of_a_plugin_still_work(site_with, user_path):
    site = site_with("register_models")
    tools = run_llm(site, user_path, "tools", "list", "--json")
    assert tools.returncode == 0, tools.stderr
    assert "raises_tool" in [t["name"] for t in json.loads(tools.stdout)["tools"]]
    helped = run_llm(site, user_path, "raises-cmd", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "A command from llm-raises" in helped.stdout


def test_llm_raise_errors_lets_the_exception_through(site_with, user_path):
    site = site_with("register_models")
    env = dict(os.environ)
    env.update(PYTHONPATH=str(site), LLM_USER_PATH=str(user_path),
               LLM_LOAD_PLUGINS="llm-good,llm-raises", LLM_RAISE_ERRORS="1")
    result = subprocess.run([sys.executable, "-m", "llmio_cli", "models"], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    assert "RuntimeError: boom in register_models" in result.stderr


def test_library_calls_are_contained_too(site_with, user_path):
    site = site_with("register_models")
    code = textwrap.dedent("""
        import llm
        print(llm.get_model("good").prompt("x").text())
        print(llm.plugins.hook_failures())
    """)
    env = dict(os.environ)
    env.update(PYTHONPATH=str(site), LLM_USER_PATH=str(user_path),
               LLM_LOAD_PLUGINS="llm-good,llm-raises")
    env.pop("LLM_RAISE_ERRORS", None)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "good says x",
        "[('llm-raises', 'register_models', 'RuntimeError: boom in register_models')]",
    ]
    assert warnings_in(result.stderr) == [
        "Warning: plugin llm-raises failed in register_models: boom in register_models"
    ]
