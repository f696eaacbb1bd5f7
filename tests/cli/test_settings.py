"""``llm settings``: list, get, set, unset, path; the README lists every setting."""

from __future__ import annotations

import json
import re
from pathlib import Path

from llm.settings import list_settings
from support.cli import invoke

README = Path(__file__).resolve().parents[2] / "packages" / "llm-cli" / "README.md"


def test_set_get_list_unset(user_path):
    assert invoke("settings", "set", "fetch_timeout", "7").exit_code == 0
    assert invoke("settings", "get", "fetch_timeout").output == "7.0\n"
    listing = invoke("settings").output
    assert "fetch_timeout = 7.0 (settings.json)\n" in listing
    assert "  Seconds a URL fetch may take in all, redirects included [LLM_FETCH_TIMEOUT]\n" in listing
    data = {row["name"]: row for row in json.loads(invoke("settings", "list", "--json").output)}
    assert data["fetch_timeout"] == {
        "name": "fetch_timeout", "value": 7.0, "source": "settings.json", "default": 60.0,
        "environment_variable": "LLM_FETCH_TIMEOUT",
        "help": "Seconds a URL fetch may take in all, redirects included"}
    assert invoke("settings", "unset", "fetch_timeout").exit_code == 0
    assert invoke("settings", "get", "fetch_timeout").output == "60.0\n"
    assert invoke("settings", "path").output == f"{user_path / 'settings.json'}\n"


def test_errors_are_one_line(user_path):
    result = invoke("settings", "set", "fetch_timeout", "soon")
    assert (result.exit_code, result.output) == (
        1, "Error: fetch_timeout must be a number of seconds above 0, not 'soon'\n")
    result = invoke("settings", "get", "nope")
    assert result.exit_code == 1
    assert result.output.startswith("Error: Unknown setting: nope (known settings: ")
    assert not (user_path / "settings.json").exists()


def test_environment_wins_and_set_says_so(user_path, monkeypatch):
    monkeypatch.setenv("LLM_FETCH_TIMEOUT", "2")
    result = invoke("settings", "set", "fetch_timeout", "9")
    assert result.exit_code == 0
    assert result.stderr == "Warning: LLM_FETCH_TIMEOUT is set and wins over settings.json\n"
    assert invoke("settings", "get", "fetch_timeout").output == "2.0\n"


def test_the_readme_table_lists_every_setting():
    rows = re.findall(r"^\| `(\w+)` \| `(LLM_\w+)` \| ([^|]+) \|", README.read_text(), re.M)
    documented = {name: (env, default.strip()) for name, env, default in rows}
    for setting, _, _ in list_settings():
        if setting.name.startswith("test_"):
            continue
        assert setting.name in documented, f"{setting.name} is not in {README}"
        assert documented[setting.name][0] == setting.env
