"""Run the installed ``llm`` console script in a subprocess.

A small plugin distribution (a module plus a ``.dist-info`` directory with an
``llm`` entry point) is put on PYTHONPATH, so the script finds it exactly as it
finds plugins installed with pip.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.cli import logged

LLM = Path(sys.executable).parent / "llm"

PLUGIN = """
import time

import llm


class ITest(llm.Model):
    model_id = "itest"
    can_stream = True

    def execute(self, prompt, stream, response, conversation):
        text = prompt.prompt or ""
        if text == "slow":
            yield "first chunk"
            for _ in range(600):
                time.sleep(0.05)
            yield "never"
            return
        if text == "many":
            for _ in range(20000):
                yield "x" * 100
            return
        history = len(conversation.responses) if conversation else 0
        response.set_usage(input=len(text.split()), output=2)
        yield f"itest[{history}]: "
        yield text


@llm.hookimpl
def register_models(register):
    register(ITest())
"""


@pytest.fixture
def env(tmp_path, user_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "llm_itest_plugin.py").write_text(PLUGIN)
    dist = site / "llm_itest_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: llm-itest-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[llm]\nllm_itest_plugin = llm_itest_plugin\n")
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LLM_", "OPENAI_", "PYTEST_"))
    }
    environ.update(
        LLM_USER_PATH=str(user_path),
        LLM_LOAD_PLUGINS="llm-itest-plugin",
        PYTHONPATH=str(site),
    )
    environ.pop("PYTHONUNBUFFERED", None)
    return environ


def llm_run(env, *args, input=None):
    return subprocess.run(  # noqa: PLW1510 - the exit code is asserted
        [str(LLM), *args],
        input=input,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_script_is_installed():
    assert LLM.exists()


def test_prompt_and_continue(env, user_path):
    result = llm_run(env, "-m", "itest", "hello there", "-u")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "itest[0]: hello there\n"
    assert result.stderr.endswith("Token usage: 2 input, 2 output\n")
    result = llm_run(env, "-c", "again")
    assert result.stdout == "itest[1]: again\n"
    rows = logged(user_path)
    assert [(r["model"], r["prompt"], r["response"]) for r in rows] == [
        ("itest", "hello there", "itest[0]: hello there"),
        ("itest", "again", "itest[1]: again"),
    ]
    assert rows[0]["conversation_id"] == rows[1]["conversation_id"]


def test_piped_stdin(env, user_path):
    result = llm_run(env, "prompt", "-m", "itest", "explain", input="some code\n")
    assert result.stdout == "itest[0]: some code\n explain\n"
    result = llm_run(env, "-m", "itest", "-n", input="only stdin")
    assert result.stdout == "itest[0]: only stdin\n"
    assert len(logged(user_path)) == 1


def test_errors_are_one_line_with_exit_1(env, user_path):
    result = llm_run(env, "-m", "no-such-model", "hi")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == "Error: Unknown model: no-such-model"
    assert "Traceback" not in result.stderr
    result = llm_run(env, "-m", "itest", "hi", "-a", "missing-file.png")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "Error: File missing-file.png does not exist"


def test_chat_with_piped_input(env, user_path):
    result = llm_run(env, "chat", "-m", "itest", input="one\n!multi\na\nb\n!end\nquit\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Chatting with itest"
    assert "itest[0]: one" in result.stdout
    assert "itest[1]: a\nb\n" in result.stdout
    rows = logged(user_path)
    assert [r["prompt"] for r in rows] == ["one", "a\nb"]
    assert len({r["conversation_id"] for r in rows}) == 1


def test_template_save_and_use(env, user_path):
    result = llm_run(env, "Say: $input", "-m", "itest", "--save", "say")
    assert result.returncode == 0, result.stderr
    assert (user_path / "templates" / "say.yaml").exists()
    result = llm_run(env, "-t", "say", input="cheese")
    assert result.stdout == "itest[0]: Say: cheese\n"


def test_streaming_is_flushed_and_ctrl_c_logs_what_arrived(env, user_path):
    process = subprocess.Popen(
        [str(LLM), "-m", "itest", "slow"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        # The first chunk arrives while the model is still running: streaming
        # output is flushed chunk by chunk, not buffered until the end.
        first = process.stdout.read(len("first chunk"))
        assert first == b"first chunk"
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert stdout == b"\n"
    assert b"Traceback" not in stderr
    [row] = logged(user_path)
    assert (row["prompt"], row["response"]) == ("slow", "first chunk")


def test_closed_pipe_exits_quietly(env, user_path):
    process = subprocess.Popen(
        [str(LLM), "-m", "itest", "many"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert process.stdout.read(10) == b"x" * 10
        process.stdout.close()  # like `llm ... | head -c 10`
        stderr = process.stderr.read()
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    assert stderr == b""
    assert process.returncode == 0
    [row] = logged(user_path)
    assert row["prompt"] == "many"
    assert 10 <= len(row["response"]) < 20000 * 100


def test_version_and_help(env):
    result = llm_run(env, "--version")
    assert result.returncode == 0
    assert result.stdout.startswith("llm, version ")
    result = llm_run(env, "prompt", "--help")
    assert result.stdout.startswith("Usage: llm prompt [OPTIONS] [PROMPT]\n\n  Execute a prompt\n")
    result = llm_run(env, "chat", "--help")
    assert result.stdout.startswith(
        "Usage: llm chat [OPTIONS]\n\n  Hold an ongoing chat with a model.\n"
    )
