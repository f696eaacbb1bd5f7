"""Our ``--help`` says what the documented help says (tests/snapshots/help.md).

Every documented line of every command's help is present in ours, in the same
order; new options and commands may sit between them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.spec import documented_help, missing_documented_entries


@pytest.mark.parametrize("command", sorted(documented_help()))
def test_help_has_every_documented_line(invoke, command):
    result = invoke(*command.split(), "--help")
    assert result.exit_code == 0, result.output
    assert missing_documented_entries(result.output, documented_help()[command]) == []


def test_every_documented_command_is_checked():
    assert len(documented_help()) >= 40
    assert {"", "prompt", "chat", "keys set", "logs list", "embed-multi", "templates list",
            "openai models", "similar"} <= set(documented_help())


def test_version(invoke):
    from importlib.metadata import version

    result = invoke("--version")
    assert (result.exit_code, result.output) == (0, f"llm, version {version('llm')}\n")


def test_hidden_database_option_is_not_in_help(invoke):
    assert "--database" not in invoke("logs", "list", "--help").output


def test_installed_llm_script(user_path):
    """The console script works as a separate process, not just under CliRunner."""
    import os
    import subprocess
    import sys
    from importlib.metadata import version

    script = Path(sys.executable).parent / "llm"
    if not script.exists():
        pytest.skip("llm console script not installed next to this interpreter")
    env = dict(os.environ, LLM_USER_PATH=str(user_path))

    def run(*args):
        return subprocess.run(
            [str(script), *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )

    result = run("--version")
    assert (result.returncode, result.stdout) == (0, f"llm, version {version('llm')}\n")
    result = run("keys", "path")
    assert (result.returncode, result.stdout) == (0, f"{user_path / 'keys.json'}\n")
    result = run("logs", "status")
    assert result.stdout == (
        f"Logging is ON for all prompts\nNo log database found at {user_path / 'logs.db'}\n"
    )
    result = run("keys", "get", "missing")
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "Error: No key found with name 'missing'\n",
    )
