import json
import stat


def test_keys_list_without_file(invoke):
    result = invoke("keys")
    assert result.exit_code == 0
    assert result.output == "No keys found\n"


def test_keys_set_value_then_list_get(invoke, user_path):
    assert invoke("keys", "set", "openai", "--value", "sk-1").exit_code == 0
    assert invoke("keys", "set", "anthropic", "--value", "ak-2").exit_code == 0

    listed = invoke("keys", "list")
    assert listed.exit_code == 0
    assert listed.output == "anthropic\nopenai\n"
    assert invoke("keys").output == "anthropic\nopenai\n"

    got = invoke("keys", "get", "openai")
    assert (got.exit_code, got.output) == (0, "sk-1\n")

    path = user_path / "keys.json"
    stored = json.loads(path.read_text())
    assert stored["openai"] == "sk-1"
    assert stored["anthropic"] == "ak-2"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_keys_set_asks_for_hidden_input(invoke, user_path):
    result = invoke("keys", "set", "openai", input="sk-secret\n")
    assert result.exit_code == 0
    assert result.output == "Enter key: \n"
    assert "sk-secret" not in result.output
    assert json.loads((user_path / "keys.json").read_text())["openai"] == "sk-secret"


def test_keys_set_overwrites_existing(invoke, user_path):
    invoke("keys", "set", "openai", "--value", "old")
    invoke("keys", "set", "openai", "--value", "new")
    assert invoke("keys", "get", "openai").output == "new\n"


def test_keys_get_missing_is_clean_error(invoke):
    invoke("keys", "set", "openai", "--value", "sk-1")
    result = invoke("keys", "get", "nope")
    assert result.exit_code == 1
    assert result.output == "Error: No key found with name 'nope'\n"


def test_keys_get_without_file_is_clean_error(invoke):
    result = invoke("keys", "get", "openai")
    assert result.exit_code == 1
    assert result.output == "Error: No key found with name 'openai'\n"


def test_keys_path(invoke, user_path):
    result = invoke("keys", "path")
    assert result.exit_code == 0
    assert result.output == f"{user_path / 'keys.json'}\n"


def test_keys_set_refuses_to_rewrite_invalid_json(invoke, user_path):
    path = user_path / "keys.json"
    path.write_text('{"openai": "sk-1",')
    result = invoke("keys", "set", "other", "--value", "x")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path} is not valid JSON")
    assert result.output.count("\n") == 1
    assert path.read_text() == '{"openai": "sk-1",'


def test_keys_list_invalid_json_is_clean_error(invoke, user_path):
    path = user_path / "keys.json"
    path.write_text("[1, 2]")
    result = invoke("keys", "list")
    assert result.exit_code == 1
    assert result.output == f"Error: {path} does not contain a JSON object\n"


def test_keys_used_by_models(invoke, fixtures, user_path):
    """A key stored with `llm keys set` is the one a keyed model receives."""
    import llm

    invoke("keys", "set", "keyed", "--value", "stored-key")
    assert llm.get_model("keyed").prompt("hi").text() == "key=stored-key"
