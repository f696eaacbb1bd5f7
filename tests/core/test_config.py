"""The user directory and keys.json (spec: setup.md, plugin-utilities.md)."""

from __future__ import annotations

import json
import os
import stat
import sys

import llm
import pytest

# -- user_dir -------------------------------------------------------------------------


def test_user_dir_uses_llm_user_path_and_creates_it(tmp_path, monkeypatch):
    target = tmp_path / "deep" / "custom-dir"
    monkeypatch.setenv("LLM_USER_PATH", str(target))
    assert not target.exists()
    path = llm.user_dir()
    assert path == target
    assert target.is_dir()


def test_user_dir_returns_a_path_object(user_path):
    path = llm.user_dir()
    assert isinstance(path, type(user_path))
    assert path == user_path


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux app dir layout")
def test_user_dir_defaults_to_io_datasette_llm_under_config(tmp_path, monkeypatch):
    monkeypatch.delenv("LLM_USER_PATH")
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    path = llm.user_dir()
    assert path == tmp_path / ".config" / "io.datasette.llm"
    assert path.is_dir()


def test_plugins_can_store_data_in_a_subdirectory(user_path):
    plugin_dir = llm.user_dir() / "my-plugin"
    plugin_dir.mkdir(exist_ok=True)
    assert (user_path / "my-plugin").is_dir()


def test_file_paths_live_in_the_user_dir(user_path):
    assert llm.keys_path() == user_path / "keys.json"
    assert llm.aliases_path() == user_path / "aliases.json"
    assert llm.logs_db_path() == user_path / "logs.db"
    assert llm.templates_path() == user_path / "templates"
    assert (user_path / "templates").is_dir()


# -- keys.json ------------------------------------------------------------------------


def test_set_key_writes_keys_json_with_mode_600(user_path):
    llm.set_key("openai", "sk-one")
    path = user_path / "keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["openai"] == "sk-one"
    assert llm.load_keys()["openai"] == "sk-one"


def test_set_key_keeps_other_keys_and_replaces_existing(user_path):
    llm.set_key("openai", "sk-one")
    llm.set_key("claude", "sk-two")
    llm.set_key("openai", "sk-three")
    keys = llm.load_keys()
    assert keys["openai"] == "sk-three"
    assert keys["claude"] == "sk-two"


def test_set_key_tightens_the_mode_of_an_existing_file(user_path):
    path = user_path / "keys.json"
    path.write_text(json.dumps({"claude": "sk-old"}))
    path.chmod(0o644)
    llm.set_key("openai", "sk-new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert llm.load_keys()["claude"] == "sk-old"


def test_set_key_replaces_the_file_atomically(user_path):
    llm.set_key("openai", "sk-one")
    path = user_path / "keys.json"
    inode_before = path.stat().st_ino
    llm.set_key("openai", "sk-two")
    # A new file was renamed over the old one: readers never see a half-written file.
    assert path.stat().st_ino != inode_before
    # No temporary files are left behind.
    assert sorted(p.name for p in user_path.iterdir()) == ["keys.json"]


def test_set_key_failing_midway_leaves_the_old_file(user_path, monkeypatch):
    llm.set_key("openai", "sk-one")
    path = user_path / "keys.json"
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        llm.set_key("openai", "sk-two")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in user_path.iterdir()) == ["keys.json"]


def test_load_keys_without_file_is_empty(user_path):
    assert llm.load_keys() == {}
    assert not (user_path / "keys.json").exists()


# -- get_key resolution order -----------------------------------------------------------


def test_get_key_explicit_literal_wins(user_path, monkeypatch):
    llm.set_key("openai", "sk-stored")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    assert llm.get_key("sk-literal", "openai", "OPENAI_API_KEY") == "sk-literal"


def test_get_key_explicit_name_of_a_stored_key(user_path, monkeypatch):
    llm.set_key("openai", "sk-stored")
    llm.set_key("personal", "sk-personal")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    assert llm.get_key("personal", "openai", "OPENAI_API_KEY") == "sk-personal"


def test_get_key_stored_alias_beats_environment(user_path, monkeypatch):
    llm.set_key("openai", "sk-stored")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    assert llm.get_key(None, "openai", "OPENAI_API_KEY") == "sk-stored"


def test_get_key_falls_back_to_environment(user_path, monkeypatch):
    llm.set_key("other", "sk-other")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    assert llm.get_key(None, "openai", "OPENAI_API_KEY") == "sk-env"


def test_get_key_nothing_found_is_none(user_path):
    assert llm.get_key(None, "openai", "OPENAI_API_KEY") is None
    assert llm.get_key() is None


def test_get_key_keyword_arguments(user_path, monkeypatch):
    llm.set_key("openai", "sk-stored")
    monkeypatch.setenv("MY_ENV", "sk-env")
    assert llm.get_key(key_alias="openai", env_var="MY_ENV") == "sk-stored"
    assert llm.get_key(key_alias="missing", env_var="MY_ENV") == "sk-env"
    assert llm.get_key(explicit_key="sk-x", key_alias="openai") == "sk-x"


# -- malformed keys.json --------------------------------------------------------------


def test_malformed_keys_json_raises_config_error_naming_path(user_path):
    path = user_path / "keys.json"
    path.write_text("{not json")
    with pytest.raises(llm.ConfigError) as excinfo:
        llm.load_keys()
    assert str(path) in str(excinfo.value)
    with pytest.raises(llm.ConfigError) as excinfo:
        llm.get_key(None, "openai", "OPENAI_API_KEY")
    assert str(path) in str(excinfo.value)


def test_keys_json_that_is_not_an_object_is_a_config_error(user_path):
    path = user_path / "keys.json"
    path.write_text('["a", "list"]')
    with pytest.raises(llm.ConfigError) as excinfo:
        llm.load_keys()
    assert str(path) in str(excinfo.value)


def test_set_key_refuses_to_overwrite_malformed_file(user_path):
    path = user_path / "keys.json"
    original = b'{"openai": "sk-precious",\n  oops'
    path.write_bytes(original)
    with pytest.raises(llm.ConfigError) as excinfo:
        llm.set_key("claude", "sk-new")
    assert str(path) in str(excinfo.value)
    assert path.read_bytes() == original
    assert sorted(p.name for p in user_path.iterdir()) == ["keys.json"]

