"""Our ``--help`` says what the spec's help.md says, option for option.

help.md is read at test time from the shared spec next to the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

HELP_MD = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "docs" / "help.md"

# The commands this suite covers (prompt/chat/templates/embeddings have their own tests).
COMMANDS = [
    "keys",
    "keys list",
    "keys path",
    "keys get",
    "keys set",
    "logs",
    "logs path",
    "logs status",
    "logs on",
    "logs off",
    "logs list",
    "models",
    "models list",
    "models default",
    "aliases",
    "aliases list",
    "aliases set",
    "aliases remove",
    "aliases path",
    "plugins",
    "install",
    "uninstall",
]


def spec_help() -> dict[str, str]:
    if not HELP_MD.exists():
        pytest.skip(f"{HELP_MD} not found")
    text = HELP_MD.read_text()
    found = {}
    for match in re.finditer(
        r"^#+ llm (.*?) --help\n```\n(.*?)\n```", text, re.MULTILINE | re.DOTALL
    ):
        found[" ".join(match.group(1).split())] = match.group(2)
    return found


# Commands that add options for later features (tools, fragments, schemas).
EXTENDED = {"logs list"}


def options(text: str) -> list[tuple[str, str]]:
    """(flags, help with whitespace normalised) for each entry of an Options: section."""
    entries: list[list[str]] = []
    for line in text.split("\nOptions:\n", 1)[1].splitlines():
        if line.startswith("  ") and not line.startswith("   "):
            flags, _, help_ = line.strip().partition("  ")
            entries.append([flags.strip(), help_.strip()])
        else:
            entries[-1][1] += " " + line.strip()
    return [(flags, " ".join(help_.split())) for flags, help_ in entries]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_matches_spec(invoke, command):
    expected = spec_help()[command]
    result = invoke(*command.split(), "--help")
    assert result.exit_code == 0
    if command not in EXTENDED:
        assert result.output.strip() == expected
        return
    # Same text; every documented option, same flags and help, in the same order.
    assert result.output.split("\nOptions:\n")[0] == expected.split("\nOptions:\n")[0]
    ours = options(result.output)
    documented = options(expected)
    assert [entry for entry in ours if entry in documented] == documented


def test_root_help_matches_spec(invoke):
    """Same text and options; every documented command listed, in the documented order.

    Commands from later features (tools, fragments, schemas) may be listed in between.
    """
    result = invoke("--help")
    assert result.exit_code == 0
    ours_head, ours_commands = result.output.strip().split("\nCommands:\n")
    spec_head, spec_commands = spec_help()[""].split("\nCommands:\n")
    assert ours_head == spec_head

    def rows(text):
        return [line.split(None, 1) for line in text.splitlines()]

    ours = {name: " ".join(help_.split()) for name, help_ in rows(ours_commands)}
    order = [name for name, _ in rows(ours_commands)]
    expected = [(name, " ".join(help_.split())) for name, help_ in rows(spec_commands)]
    assert [(name, ours.get(name)) for name, _ in expected] == expected
    positions = [order.index(name) for name, _ in expected]
    assert positions == sorted(positions)


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
