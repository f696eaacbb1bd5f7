"""Real third-party plugins from PyPI, installed --no-deps, driven through our API and CLI.

``scripts/test`` installs them (see scripts/compat-plugins.txt) and sets
LLM_REQUIRE_COMPAT_PLUGINS=1, so in CI a missing plugin is a failure, not a skip.
Each check runs in a subprocess so the plugins load exactly as for a user.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support.plugin_dists import compat_plugins_mark

PLUGINS = {"llm_markov": "llm-markov", "llm_echo": "llm-echo", "llm_tools_sqlite": "llm-tools-sqlite",
           "llm_tools_simpleeval": "llm-tools-simpleeval", "llm_openai": "llm-openai-plugin"}
pytestmark = compat_plugins_mark(PLUGINS)

LLM = str(Path(sys.executable).with_name("llm"))
PROMPT = "the quick brown fox jumped over the lazy dog"


@pytest.fixture
def env(user_path):
    environment = dict(os.environ)
    environment.pop("LLM_LOAD_PLUGINS", None)
    environment["LLM_USER_PATH"] = str(user_path)
    return environment


def run(args, env, **kwargs):
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, **kwargs)


def test_markov_from_python(env):
    code = "import llm; print(llm.get_model('markov').prompt('the cat sat on the mat'))"
    result = run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    assert len(words) == 100  # llm-markov's default length
    assert set(words) <= {"the", "cat", "sat", "on", "mat"}


def test_markov_from_cli_with_option_and_logs(env, user_path):
    result = run([LLM, "-m", "markov", PROMPT, "-o", "length", "7", "-o", "delay", "0"], env)
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    assert len(words) == 7 and set(words) <= set(PROMPT.split())
    db = sqlite3.connect(user_path / "logs.db")
    row = db.execute("select model, prompt, options_json, response from responses").fetchone()
    assert row[0] == "markov" and row[1] == PROMPT
    assert json.loads(row[2]) == {"length": 7, "delay": 0.0}
    assert row[3].split() == words


def test_markov_option_validation_is_one_clear_error(env):
    result = run([LLM, "-m", "markov", PROMPT, "-o", "length", "-1"], env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ")
    assert "length must be >= 2" in result.stderr


def test_echo_prompt_conversation_and_plugins_listing(env):
    first = run([LLM, "-m", "echo", "hi", "-s", "sys"], env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {"prompt": "hi", "system": "sys", "attachments": [],
                                        "stream": True, "previous": []}
    second = run([LLM, "-c", "again"], env)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["previous"] == [{"prompt": "hi"}]
    listing = run([LLM, "plugins"], env)
    plugins = {p["name"]: p for p in json.loads(listing.stdout)}
    assert plugins["llm-markov"]["version"] == "0.1"
    assert plugins["llm-markov"]["hooks"] == ["register_models"]
    assert plugins["llm-echo"]["version"] == "0.5"
    assert plugins["llm-tools-sqlite"]["hooks"] == ["register_tools"]


def test_sqlite_toolbox_through_echo_chain(env, tmp_path):
    """llm-tools-sqlite's Toolbox, called by llm-echo's tool calls, via model.chain()."""
    demo = tmp_path / "demo.db"
    db = sqlite3.connect(demo)
    db.execute("create table pelicans (name text)")
    db.executemany("insert into pelicans values (?)", [("Stella",), ("Martha",), ("Lola",)])
    db.commit()
    code = f"""
import json, llm
from llm_tools_sqlite import SQLite
calls = {{"tool_calls": [
    {{"name": "SQLite_query", "arguments": {{"sql": "select count(*) n from pelicans"}}}},
    {{"name": "SQLite_query", "arguments": {{"sql": "drop table pelicans"}}}}]}}
chain = llm.get_model("echo").chain(json.dumps(calls), tools=[SQLite({str(demo)!r})])
responses = list(chain.responses())
print(json.dumps({{"count": len(responses),
                   "ids": [c.tool_call_id for c in responses[0].tool_calls()],
                   "results": json.loads(responses[-1].text())["tool_results"]}}))
"""
    result = run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["count"] == 2
    assert all(i.startswith("tc_") for i in data["ids"]) and len(set(data["ids"])) == 2
    assert [(r["name"], r["output"], r["tool_call_id"]) for r in data["results"]] == [
        ("SQLite_query", '[{"n": 3}]', data["ids"][0]),
        ("SQLite_query", "Error: attempt to write a readonly database", data["ids"][1]),
    ]


def test_simpleeval_tool_registered_by_plugin(env):
    code = """
import json, llm
tools = llm.get_tools()
tool = tools["simple_eval"]
chain = llm.get_model("echo").chain(
    json.dumps({"tool_calls": [{"name": "simple_eval", "arguments": {"expression": "6 * 7"}}]}),
    tools=[tool])
print(json.dumps(json.loads(list(chain.responses())[-1].text())["tool_results"]))
"""
    result = run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    [tool_result] = json.loads(result.stdout)
    assert tool_result["name"] == "simple_eval" and tool_result["output"] == "42"


def test_llm_openai_plugin_beside_our_openai_plugin(env):
    """llm-openai-plugin's module is ``llm_openai`` and its entry point ``openai``: both
    names must be free for it, and its models must sit next to ours."""
    env["OPENAI_API_KEY"] = "sk-test"
    code = "import llm_openai; print(llm_openai.__file__)"
    module = run([sys.executable, "-c", code], env)
    assert module.returncode == 0, module.stderr
    assert module.stdout.strip().endswith("site-packages/llm_openai.py")

    listing = run([LLM, "plugins"], env)
    assert listing.returncode == 0, listing.stderr
    plugins = {p["name"]: p for p in json.loads(listing.stdout)}
    assert plugins["llm-openai-plugin"] == {
        "name": "llm-openai-plugin", "hooks": ["register_models"], "version": "0.7"}
    everything = {p["name"]: p for p in json.loads(run([LLM, "plugins", "--all"], env).stdout)}
    assert everything["llm.default_plugins.openai_models"]["hooks"] == [
        "register_commands", "register_embedding_models", "register_models"]
    assert "llm-openai-plugin" in everything

    models = run([LLM, "models"], env)
    assert models.returncode == 0, models.stderr
    assert "Warning" not in models.stderr
    lines = models.stdout.splitlines()
    assert "OpenAI: openai/gpt-4o-mini" in lines  # theirs
    assert "OpenAI: openai/gpt-5" in lines
    assert "OpenAI Chat: gpt-4o-mini (aliases: 4o-mini)" in lines  # ours
